/* The defence commands: `advlab experiment` (the tutorial loop end to end)
 * and `advlab defend` (adversarial training of a model). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attacks/attack.h"
#include "base/clock.h"
#include "cli/cli.h"
#include "lab/experiment.h"
#include "train/adv_train.h"
#include "train/trainer.h"

static void print_progress(const advlab_experiment_progress *p, int tty)
{
    if (!tty)
        return;
    if (p->epochs)
        fprintf(stderr, "\r[%3.0f%%] %-26s epoch %d/%d  batch %d/%d  loss %.4f   ",
                100 * p->fraction, p->stage_name, p->epoch, p->epochs, p->done, p->total, p->loss);
    else
        fprintf(stderr, "\r[%3.0f%%] %-26s %d/%d%*s", 100 * p->fraction, p->stage_name, p->done,
                p->total, 24, "");
}

static void print_table(advlab_experiment *e)
{
    printf("%-68s %9s %7s %9s\n", "measurement", "value", "images", "seconds");
    for (int i = 0; i < advlab_experiment_measurement_count(e); i++) {
        advlab_measurement m;
        advlab_experiment_measurement(e, i, &m);
        if (strncmp(m.name, "empirical_robustness", 20) == 0)
            printf("%-68s %9.4f %7d %9.2f\n", m.label, m.value, m.n, m.seconds);
        else
            printf("%-68s %8.2f%% %7d %9.2f\n", m.label, 100 * m.value, m.n, m.seconds);
    }
}

static int save_models(advlab_experiment *e, const char *dir, const char *dataset,
                       const char *command)
{
    const char *names[2] = {"standard", "defended"};
    for (int i = 0; i < 2; i++) {
        char path[1024];
        advlab_net *net = advlab_experiment_net(e, i);
        snprintf(path, sizeof path, "%s/%s.safetensors", dir, names[i]);
        if (advlab_net_set_meta(net, "dataset", dataset) ||
            advlab_net_set_meta(net, "command", command))
            return cli_fail_status();
        if (cli_save_model(net, path))
            return 1;
    }
    return 0;
}

int cli_experiment(const cli_options *o)
{
    if (o->threat && strcmp(o->threat, "poison") == 0)
        return cli_poison_experiment(o);
    if (o->threat && strcmp(o->threat, "evasion") != 0)
        return cli_fail("--threat: \"%s\" is not evasion (the tutorial) or poison", o->threat), 2;
    advlab_experiment_config cfg;
    advlab_experiment_config_default(&cfg);
    const cli_config configs[] = {{&advlab__experiment_spec, &cfg}};
    int rc = cli_apply_settings(o, configs, 1);
    if (rc)
        return rc;
    advlab_dataset *train = NULL, *test = NULL;
    advlab_experiment *e = NULL;
    int tty = isatty(2);
    char dataset[256];
    cli_dataset_name(o->data, dataset, sizeof dataset);
    rc = 1;
    if (cli_load_split(o->data, "train", &train) || cli_load_split(o->data, "t10k", &test))
        goto done;
    if (advlab_experiment_create(train, test, o->arch, &cfg, &e)) {
        rc = cli_fail_status();
        goto done;
    }
    if (!o->json)
        printf("the tutorial experiment on %s: %s, seed %llu\n", dataset,
               advlab_net_arch(advlab_experiment_net(e, 0)), (unsigned long long)cfg.seed);
    fflush(stdout);
    int reported = 0;
    while (!advlab_experiment_finished(e)) {
        advlab_experiment_progress p;
        if (advlab_experiment_run(e, 20, &p)) {
            if (tty)
                fputc('\n', stderr);
            rc = cli_fail_status();
            goto done;
        }
        print_progress(&p, tty);
        for (; reported < advlab_experiment_measurement_count(e); reported++) {
            advlab_measurement m;
            advlab_experiment_measurement(e, reported, &m);
            fprintf(stderr, "%s%-26s %.4f  (%.1f s)\n", tty ? "\r" : "", m.name, m.value,
                    m.seconds);
        }
    }
    const char *json = advlab_experiment_report_json(e);
    if (!json) {
        rc = cli_fail("experiment: out of memory for the report");
        goto done;
    }
    if (o->json)
        printf("%s\n", json);
    else
        print_table(e);
    if (o->save_dir && save_models(e, o->save_dir, dataset, o->command_line))
        goto done;
    rc = 0;
done:
    advlab_experiment_free(e);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return rc;
}

/* -------------------------------------------------------------- defend */

int cli_defend(const cli_options *o)
{
    if (!o->out)
        return cli_fail("defend: --out FILE is required (see advlab defend --help)");
    advlab_train_config train_cfg;
    advlab_train_config_default(&train_cfg);
    train_cfg.limit = o->limit;
    advlab_adv_config adv;
    advlab_adv_config_default(&adv);
    if (o->attack && cli_parse_spec("--attack", o->attack, &advlab__attack_spec, &adv.attack))
        return 2;
    /* The training takes --seed and --epochs; the attack keeps its own. */
    const cli_config configs[] = {{&advlab__train_spec, &train_cfg},
                                  {&advlab__adv_spec, &adv},
                                  {&advlab__attack_spec, &adv.attack}};
    int rc = cli_apply_settings(o, configs, 3);
    if (rc)
        return rc;
    advlab_dataset *train = NULL, *test = NULL;
    advlab_net *net = NULL;
    advlab_trainer *t = NULL;
    char dataset[256];
    cli_dataset_name(o->data, dataset, sizeof dataset);
    rc = 1;
    if (cli_load_split(o->data, "train", &train) || cli_load_split(o->data, "t10k", &test))
        goto done;
    if (o->model
            ? cli_load_model(o->model, train_cfg.batch, &net)
            : (advlab_net_create(o->arch, train_cfg.batch, train_cfg.seed, &net) ? cli_fail_status()
                                                                                 : 0))
        goto done;
    for (int i = 0; i < o->n_static; i++)
        if (cli_load_model(o->statics[i], 256, &adv.static_nets[adv.n_static++]))
            goto done;
    /* Loaded weights bring the metadata of the run that made them; these
     * weights are this command's. */
    if (advlab_net_set_meta(net, "dataset", dataset) ||
        advlab_net_set_meta(net, "command", o->command_line) ||
        advlab_adv_trainer_create(net, train, &train_cfg, &adv, &t)) {
        rc = cli_fail_status();
        goto done;
    }
    if (!o->json)
        printf("adversarial training of %s%s: %s eps %g, ratio %g, %d static models, %d epochs\n",
               advlab_net_arch(net), o->model ? " from the given weights" : " from scratch",
               advlab_attack_name(adv.attack.kind), (double)adv.attack.eps, (double)adv.ratio,
               adv.n_static, train_cfg.epochs);
    fflush(stdout);
    double start = advlab__now_seconds();
    while (!advlab_trainer_finished(t)) {
        advlab_train_progress p;
        if (advlab_trainer_run(t, 100, &p)) {
            rc = cli_fail_status();
            goto done;
        }
        if (p.epoch_done)
            fprintf(stderr, "epoch %2d/%d  loss %.4f  train acc %6.2f%%  %6.0f img/s\n", p.epoch,
                    p.epochs, p.loss, 100.0 * p.accuracy, p.images_per_sec);
    }
    double seconds = advlab__now_seconds() - start, clean;
    if (advlab_net_evaluate(net, test, 0, &clean, NULL)) {
        rc = cli_fail_status();
        goto done;
    }
    if (cli_save_model(net, o->out))
        goto done;
    if (o->json) {
        printf("{\"command\":\"defend\",\"train_seconds\":%.2f,\"clean_accuracy\":%.6f,\"out\":",
               seconds, clean);
        cli_print_json_string(o->out);
        printf("}\n");
    } else
        printf("clean test accuracy %.2f%%; trained in %.1f s; weights in %s\n"
               "(measure it with: advlab attack --model %s --attack fgsm --eps %g)\n",
               100 * clean, seconds, o->out, o->out, (double)adv.attack.eps);
    rc = 0;
done:
    advlab_trainer_free(t);
    advlab_net_free(net);
    for (int i = 0; i < adv.n_static; i++)
        advlab_net_free(adv.static_nets[i]);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return rc;
}
