/* The model commands: train, eval and predict. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "certify/certify.h"
#include "cli/cli.h"
#include "defences/postprocess.h"
#include "native/parallel_train.h"
#include "train/robust_train.h"
#include "train/trainer.h"

static void print_bar(const advlab_train_progress *p)
{
    int width = 24, filled = width * p->batch_in_epoch / p->batches_per_epoch;
    fprintf(stderr, "\repoch %2d/%d [%.*s%*s] loss %.4f  acc %6.2f%%  %6.0f img/s", p->epoch,
            p->epochs, filled, "########################", width - filled, "", p->loss,
            100.0 * p->accuracy, p->images_per_sec);
}

/* The trainer the options ask for, on net. */
typedef struct {
    const cli_options *o;
    const advlab_dataset *train;
    const advlab_train_config *cfg;
    const advlab_robust_train_config *robust; /* NULL: not a robust trainer */
    const advlab_certify_train_config *certify;
} trainer_recipe;

static advlab_status make_trainer(const trainer_recipe *r, advlab_net *net, advlab_trainer **t)
{
    if (r->robust)
        return advlab_robust_trainer_create(net, r->train, r->cfg, r->robust, t);
    if (r->certify->certify == ADVLAB_CERTIFY_TRAIN_NONE)
        return advlab_trainer_create(net, r->train, r->cfg, t);
    return advlab_certify_trainer_create(net, r->train, r->cfg, r->certify, t);
}

/* --threads N: first and N - 1 more replicas of it, each on a net made as
 * net was (the same weights), in a pool that owns the trainers (all freed
 * here on failure); the extra nets go into nets[] for the caller to free
 * after the pool. */
static advlab_status make_pool(const trainer_recipe *r, advlab_net *net, advlab_trainer *first,
                               advlab_net **nets, advlab_parallel_trainer **pool)
{
    int n = r->o->threads;
    advlab_trainer *replicas[CLI_MAX_THREADS] = {first};
    for (int i = 1; i < n; i++) {
        advlab_status st =
            advlab_net_create(advlab_net_arch(net), r->cfg->batch, r->cfg->seed, &nets[i - 1]);
        if (!st)
            st = make_trainer(r, nets[i - 1], &replicas[i]);
        if (st) {
            for (int j = 0; j < i; j++)
                advlab_trainer_free(replicas[j]);
            return st;
        }
    }
    return advlab_parallel_trainer_create(replicas, n, pool);
}

int cli_train(const cli_options *o)
{
    advlab_dataset *train = NULL, *test = NULL;
    advlab_net *net = NULL, *replica_nets[CLI_MAX_THREADS] = {NULL};
    advlab_trainer *t = NULL;
    advlab_parallel_trainer *pool = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = 1, tty = isatty(2) && !o->json;
    advlab_train_config cfg;
    advlab_train_config_default(&cfg);
    advlab_certify_train_config certify;
    advlab_certify_train_config_default(&certify);
    /* --trainer (or a --preset, which names one) takes the robust trainer's
     * settings in place of certified training's (both have an --eps and a
     * --ramp); the settings given override the preset's. */
    advlab_robust_train_config robust;
    const char *arch = o->arch;
    int robust_run = o->trainer || o->preset;
    if (o->preset && (o->trainer || o->arch != cli_default_arch)) {
        cli_fail("--preset %s sets the arch and the trainer; drop --%s", o->preset,
                 o->trainer ? "trainer" : "arch");
        return 2;
    }
    if (o->preset && advlab_train_preset(o->preset, &arch, &cfg, &robust)) {
        cli_fail("--preset: %s", advlab_last_error());
        return 2;
    }
    if (o->trainer && advlab_robust_train_config_default(o->trainer, &robust)) {
        cli_fail("--trainer: %s (see advlab train --help)", advlab_last_error());
        return 2;
    }
    cfg.limit = o->limit;
    const cli_config configs[] = {{&advlab__train_spec, &cfg},
                                  robust_run ? (cli_config){&advlab__robust_train_spec, &robust}
                                             : (cli_config){&advlab__certify_train_spec, &certify}};
    if (cli_apply_settings(o, configs, 2))
        return 2;
    if (!o->out)
        return cli_fail("train: --out FILE is required (see advlab train --help)");
    char dataset[256];
    cli_dataset_name(o->data, dataset, sizeof dataset);
    if (cli_load_split(o->data, "train", &train) || cli_load_split(o->data, "t10k", &test))
        goto done;
    const trainer_recipe recipe = {o, train, &cfg, robust_run ? &robust : NULL, &certify};
    if (advlab_net_create(arch, cfg.batch, cfg.seed, &net) ||
        advlab_net_set_meta(net, "dataset", dataset) ||
        advlab_net_set_meta(net, "command", o->command_line) || make_trainer(&recipe, net, &t)) {
        rc = cli_fail_status();
        goto done;
    }
    if (o->threads > 1) {
        advlab_status st = make_pool(&recipe, net, t, replica_nets, &pool);
        t = NULL; /* the pool's now, or freed */
        if (st) {
            rc = cli_fail("--threads %d: %s", o->threads, advlab_last_error());
            goto done;
        }
    }
    if (o->json)
        printf("{\"command\":\"train\",\"arch\":\"%s\",\"seed\":%llu,\"epochs\":[",
               advlab_net_arch(net), (unsigned long long)cfg.seed);
    else
        printf("training %s on %d %s images: %d epochs, batch %d, %s lr %g, seed %llu\n",
               advlab_net_arch(net),
               o->limit > 0 && o->limit < advlab_dataset_count(train) ? o->limit
                                                                      : advlab_dataset_count(train),
               dataset, cfg.epochs, cfg.batch, cfg.optimizer == ADVLAB_OPT_SGD ? "sgd" : "adam",
               (double)cfg.lr, (unsigned long long)cfg.seed);
    fflush(stdout);
    double start = advlab__now_seconds();
    while (pool ? !advlab_parallel_trainer_finished(pool) : !advlab_trainer_finished(t)) {
        advlab_train_progress p;
        if (pool ? advlab_parallel_trainer_run(pool, 50, &p) : advlab_trainer_run(t, 50, &p)) {
            if (tty)
                fputc('\n', stderr);
            rc = cli_fail_status();
            goto done;
        }
        if (tty)
            print_bar(&p);
        if (!p.epoch_done)
            continue;
        if (tty)
            fputc('\n', stderr);
        if (o->json)
            printf("%s{\"epoch\":%d,\"loss\":%.6f,\"accuracy\":%.6f,\"images_per_sec\":%.1f}",
                   p.epoch > 1 ? "," : "", p.epoch, p.loss, p.accuracy, p.images_per_sec);
        else if (!tty)
            printf("epoch %2d/%d  loss %.4f  train acc %6.2f%%  %6.0f img/s\n", p.epoch, p.epochs,
                   p.loss, 100.0 * p.accuracy, p.images_per_sec);
        fflush(stdout);
    }
    double seconds = advlab__now_seconds() - start, accuracy;
    const char *rolled_back = advlab_net_meta(net, "rolled_back");
    if (rolled_back && !o->json)
        printf("catastrophic overfitting at %s\n", rolled_back);
    if (advlab_net_evaluate(net, test, 0, &accuracy, NULL) ||
        advlab_weights_save(net, &bytes, &len) || advlab_file_write(o->out, bytes, len)) {
        rc = cli_fail_status();
        goto done;
    }
    if (o->json) {
        printf("],\"train_seconds\":%.2f,\"test_accuracy\":%.6f,\"test_images\":%d,", seconds,
               accuracy, advlab_dataset_count(test));
        if (rolled_back) {
            printf("\"rolled_back\":");
            cli_print_json_string(rolled_back);
            printf(",");
        }
        printf("\"out\":");
        cli_print_json_string(o->out);
        printf("}\n");
    } else
        printf("test accuracy %.2f%% on %d images; trained in %.1f s; weights in %s\n",
               100.0 * accuracy, advlab_dataset_count(test), seconds, o->out);
    rc = 0;
done:
    advlab_buffer_free(bytes);
    advlab_trainer_free(t);
    advlab_parallel_trainer_free(pool);
    for (int i = 0; i < CLI_MAX_THREADS; i++)
        advlab_net_free(replica_nets[i]);
    advlab_net_free(net);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return rc;
}

int cli_eval(const cli_options *o)
{
    if (!o->model)
        return cli_fail("eval: --model FILE is required (see advlab eval --help)");
    advlab_dataset *test = NULL;
    advlab_net *net = NULL;
    int32_t confusion[100 * 100];
    double accuracy;
    int rc = 1;
    if (cli_load_model(o->model, 256, &net) || cli_load_split(o->data, "t10k", &test))
        goto done;
    int k = advlab_net_classes(net), n = advlab_dataset_count(test);
    if (o->limit > 0 && o->limit < n)
        n = o->limit;
    if (k > 100) {
        rc = cli_fail("eval: %d classes is more than the confusion matrix shows", k);
        goto done;
    }
    if (advlab_net_evaluate(net, test, n, &accuracy, confusion)) {
        rc = cli_fail_status();
        goto done;
    }
    if (o->json) {
        printf(
            "{\"command\":\"eval\",\"model\":\"%s\",\"arch\":\"%s\",\"images\":%d,\"accuracy\":%.6f,\"confusion\":[",
            o->model, advlab_net_arch(net), n, accuracy);
        for (int r = 0; r < k; r++) {
            printf("%s[", r ? "," : "");
            for (int c = 0; c < k; c++)
                printf("%s%d", c ? "," : "", confusion[r * k + c]);
            printf("]");
        }
        printf("]}\n");
    } else {
        printf(
            "%s (%s): accuracy %.2f%% on %d test images\n\nconfusion (row = true, column = predicted)\n     ",
            o->model, advlab_net_arch(net), 100.0 * accuracy, n);
        for (int c = 0; c < k; c++)
            printf("%6d", c);
        printf("\n");
        for (int r = 0; r < k; r++) {
            printf("%4d ", r);
            for (int c = 0; c < k; c++)
                printf("%6d", confusion[r * k + c]);
            printf("\n");
        }
    }
    rc = 0;
done:
    advlab_net_free(net);
    advlab_dataset_free(test);
    return rc;
}

int cli_predict(const cli_options *o)
{
    if (cli_apply_settings(o, NULL, 0)) /* only --postprocess's spec has keys */
        return 2;
    if (o->image)
        return cli_predict_image(o);
    if (!o->model || !o->inputs_out || !o->probs_out)
        return cli_fail(
            "predict: --model, --inputs-out and --probs-out are required (see advlab predict --help)");
    advlab_dataset *test = NULL;
    advlab_net *net = NULL;
    float *x = NULL, *probs = NULL;
    int32_t *idx = NULL, *y = NULL;
    int rc = 1;
    if (cli_load_model(o->model, 256, &net) || cli_load_split(o->data, "t10k", &test))
        goto done;
    int n = o->limit > 0 ? o->limit : 100;
    if (n > advlab_dataset_count(test))
        n = advlab_dataset_count(test);
    int d = advlab_net_input_size(net), k = advlab_net_classes(net);
    x = malloc(sizeof(float) * n * d);
    probs = malloc(sizeof(float) * n * k);
    idx = malloc(sizeof(int32_t) * n);
    y = malloc(sizeof(int32_t) * n);
    if (!x || !probs || !idx || !y) {
        rc = cli_fail("predict: out of memory for %d images", n);
        goto done;
    }
    for (int i = 0; i < n; i++)
        idx[i] = i;
    advlab_dataset_gather(test, idx, n, x, y);
    advlab_postprocess_config post;
    if (o->postprocess &&
        cli_parse_spec("--postprocess", o->postprocess, &advlab__postprocess_spec, &post))
        goto done;
    if (advlab_net_predict(net, x, n, probs) ||
        (o->postprocess && advlab_postprocess(&post, probs, n, k, probs)) ||
        advlab_file_write(o->inputs_out, (const uint8_t *)x, sizeof(float) * n * d) ||
        advlab_file_write(o->probs_out, (const uint8_t *)probs, sizeof(float) * n * k)) {
        rc = cli_fail_status();
        goto done;
    }
    printf(o->json ? "{\"command\":\"predict\",\"images\":%d,\"classes\":%d}\n"
                   : "wrote %d images and their %d-class probabilities\n",
           n, k);
    rc = 0;
done:
    free(x);
    free(probs);
    free(idx);
    free(y);
    advlab_net_free(net);
    advlab_dataset_free(test);
    return rc;
}
