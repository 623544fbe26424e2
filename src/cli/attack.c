/* The attack commands: `advlab attack` (adversarial examples and how much
 * they hurt, plain and adaptive against a pre-processor defence) and
 * `advlab detect` (a detector's detection and false-positive rates). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attacks/attack.h"
#include "cli/cli.h"
#include "cli/images.h"
#include "defences/preprocess.h"

#define DEFAULT_IMAGES 1000

/* What the attack is, in one line, for people. */
static void describe(const advlab_attack_config *c, char *out, size_t size)
{
    const char *name = advlab_attack_name(c->kind);
    char norm[8];
    snprintf(norm, sizeof norm, isinf(c->norm) ? "inf" : "%g", (double)c->norm);
    switch (c->kind) {
    case ADVLAB_ATTACK_FGSM:
        snprintf(out, size, "%s eps %g norm %s%s%s", name, (double)c->eps, norm,
                 c->minimal ? " minimal" : "", c->targeted ? " targeted" : "");
        break;
    case ADVLAB_ATTACK_BIM:
    case ADVLAB_ATTACK_PGD:
        snprintf(out, size, "%s eps %g eps_step %g max_iter %d norm %s random_init %d%s", name,
                 (double)c->eps, (double)c->eps_step, c->max_iter, norm, c->num_random_init,
                 c->targeted ? " targeted" : "");
        break;
    case ADVLAB_ATTACK_DEEPFOOL:
        snprintf(out, size, "%s overshoot %g max_iter %d", name, (double)c->overshoot, c->max_iter);
        break;
    case ADVLAB_ATTACK_NEWTONFOOL:
        snprintf(out, size, "%s eta %g max_iter %d", name, (double)c->eta, c->max_iter);
        break;
    case ADVLAB_ATTACK_CW:
        snprintf(out, size, "%s confidence %g lr %g max_iter %d binary_search_steps %d%s", name,
                 (double)c->confidence, (double)c->learning_rate, c->max_iter,
                 c->binary_search_steps, c->targeted ? " targeted" : "");
        break;
    case ADVLAB_ATTACK_APGD:
        snprintf(out, size, "%s %s eps %g eps_step %g max_iter %d norm %s random_init %d%s", name,
                 c->loss_type ? "dlr" : "ce", (double)c->eps, (double)c->eps_step, c->max_iter,
                 norm, c->num_random_init, c->targeted ? " targeted" : "");
        break;
    case ADVLAB_ATTACK_APGD_T:
    case ADVLAB_ATTACK_FAB:
        snprintf(out, size, "%s eps %g max_iter %d norm %s targets %d random_init %d", name,
                 (double)c->eps, c->max_iter, norm, c->n_target_classes, c->num_random_init);
        break;
    }
}

/* --target K or --target next: the classes a targeted attack aims for. */
static int make_targets(const char *spec, const int32_t *y, int n, int classes, int32_t **out)
{
    long k = -1;
    if (strcmp(spec, "next") != 0) {
        char *end;
        k = strtol(spec, &end, 10);
        if (end == spec || *end || k < 0 || k >= classes)
            return cli_fail("--target: \"%s\" is neither next nor a class 0..%d", spec,
                            classes - 1);
    }
    if (!(*out = malloc(sizeof(int32_t) * n)))
        return cli_fail("out of memory for %d targets", n);
    for (int i = 0; i < n; i++)
        (*out)[i] = k >= 0 ? (int32_t)k : (y[i] + 1) % classes;
    return 0;
}

typedef struct {
    const char *name;
    advlab_attack_metrics m;
    double seconds;
} attack_row;

static void print_row(const attack_row *r, int json, int first)
{
    const advlab_attack_metrics *m = &r->m;
    if (json)
        printf(
            "%s{\"name\":\"%s\",\"n\":%d,\"clean_accuracy\":%.6f,\"adv_accuracy\":%.6f,\"success_rate\":%.6f,"
            "\"mean_l0\":%.3f,\"mean_l2\":%.6f,\"mean_linf\":%.6f,\"seconds\":%.3f}",
            first ? "" : ",", r->name, m->n, m->clean_accuracy, m->adv_accuracy, m->success_rate,
            m->mean_l0, m->mean_l2, m->mean_linf, r->seconds);
    else
        printf("%-40s %8.2f%% %8.2f%% %8.2f%% %8.1f %8.4f %8.4f %8.2f\n", r->name,
               100 * m->clean_accuracy, 100 * m->adv_accuracy, 100 * m->success_rate, m->mean_l0,
               m->mean_l2, m->mean_linf, r->seconds);
}

/* How the attack treats the defence: it does not see it, it differentiates
 * through it (naive), or it passes the gradient straight through (BPDA). */
enum { ATTACK_BARE, ATTACK_NAIVE, ATTACK_BPDA };

/* Runs the attack as `through` says and measures it behind pre. */
static int attack_and_measure(advlab_net *net, const advlab_attack_config *cfg,
                              advlab_preprocessor *pre, int through, const float *x,
                              const int32_t *y, const int32_t *targets, int n, float *x_adv,
                              attack_row *row)
{
    advlab_attack *a = NULL;
    double start = cli_now();
    advlab_status st = advlab_attack_create(net, cfg, &a);
    if (!st && through != ATTACK_BARE) {
        advlab_attack_set_preprocessor(a, pre);
        st = advlab_attack_set_grad_mode(a, through == ATTACK_NAIVE ? ADVLAB_GRAD_EXACT
                                                                    : ADVLAB_GRAD_BPDA);
    }
    if (!st)
        st = advlab_attack_run(a, x, targets, n, x_adv);
    row->seconds = cli_now() - start;
    if (!st)
        st = advlab_attack_metrics_compute(net, pre, x, x_adv, y, targets, n, &row->m, NULL);
    advlab_attack_free(a);
    return st ? cli_fail_status() : 0;
}

int cli_attack(const cli_options *o)
{
    if (!o->model)
        return cli_fail("attack: --model FILE is required (see advlab attack --help)");
    advlab_attack_config cfg;
    if (cli_parse_spec("--attack", o->attack ? o->attack : "fgsm", &advlab__attack_spec, &cfg))
        return 2;
    const cli_config configs[] = {{&advlab__attack_spec, &cfg}};
    int rc = cli_apply_settings(o, configs, 1);
    if (rc)
        return rc;
    advlab_dataset *test = NULL;
    advlab_net *net = NULL;
    advlab_preprocessor *pre = NULL;
    advlab_preprocess_config pre_cfg;
    float *x = NULL, *x_adv = NULL, *x_bpda = NULL;
    int32_t *y = NULL, *targets = NULL;
    int n = o->limit > 0 ? o->limit : DEFAULT_IMAGES;
    rc = 1;
    if (cli_load_model(o->model, 256, &net) || cli_load_split(o->data, "t10k", &test) ||
        cli_test_images(test, &n, advlab_net_input_size(net), &x, &y))
        goto done;
    if (o->target && make_targets(o->target, y, n, advlab_net_classes(net), &targets))
        goto done;
    if (targets)
        cfg.targeted = 1;
    if (cfg.targeted && !targets) {
        rc = cli_fail("attack: --targeted 1 needs --target K or --target next");
        goto done;
    }
    if (o->defence) {
        if (cli_parse_spec("--defence", o->defence, &advlab__preprocess_spec, &pre_cfg)) {
            rc = 2;
            goto done;
        }
        if (advlab_preprocessor_create(&pre_cfg, advlab_dataset_height(test),
                                       advlab_dataset_width(test), &pre)) {
            rc = cli_fail_status();
            goto done;
        }
    }
    size_t floats = (size_t)n * advlab_net_input_size(net);
    x_adv = malloc(sizeof(float) * floats);
    x_bpda = malloc(sizeof(float) * floats);
    if (!x_adv || !x_bpda) {
        rc = cli_fail("attack: out of memory for %d images", n);
        goto done;
    }
    char what[160];
    describe(&cfg, what, sizeof what);
    attack_row rows[4] = {{.name = "attack on the model"}};
    int n_rows = 1;
    if (attack_and_measure(net, &cfg, NULL, ATTACK_BARE, x, y, targets, n, x_adv, &rows[0]))
        goto done;
    if (pre) {
        static char plain[96], naive[96], adaptive[96];
        snprintf(plain, sizeof plain, "%s, attack made on bare model", o->defence);
        snprintf(naive, sizeof naive, "%s, naive attack (true gradient)", o->defence);
        snprintf(adaptive, sizeof adaptive, "%s, adaptive attack (BPDA)", o->defence);
        rows[1].name = plain;
        rows[2].name = naive;
        rows[3].name = adaptive;
        rows[1].seconds = rows[0].seconds;
        if (advlab_attack_metrics_compute(net, pre, x, x_adv, y, targets, n, &rows[1].m, NULL)) {
            rc = cli_fail_status();
            goto done;
        }
        if (attack_and_measure(net, &cfg, pre, ATTACK_NAIVE, x, y, targets, n, x_bpda, &rows[2]) ||
            attack_and_measure(net, &cfg, pre, ATTACK_BPDA, x, y, targets, n, x_bpda, &rows[3]))
            goto done;
        n_rows = 4;
    }
    if (o->out && cli_write_images(o->out, x, x_adv, n, advlab_dataset_height(test),
                                   advlab_dataset_width(test)))
        goto done;
    if (o->json) {
        printf("{\"command\":\"attack\",\"model\":");
        cli_print_json_string(o->model);
        printf(",\"attack\":");
        cli_print_json_string(what);
        printf(",\"images\":%d,\"results\":[", n);
        for (int i = 0; i < n_rows; i++)
            print_row(&rows[i], 1, i == 0);
        printf("]}\n");
    } else {
        printf("%s on %d test images, model %s\n\n%-40s %9s %9s %9s %8s %8s %8s %8s\n", what, n,
               o->model, "", "clean", "attacked", "success", "L0", "L2", "Linf", "seconds");
        for (int i = 0; i < n_rows; i++)
            print_row(&rows[i], 0, i == 0);
        if (pre)
            printf("\nThe naive attack differentiates through the defence and can be fooled by\n"
                   "gradient masking; the adaptive attack (BPDA) passes the gradient straight\n"
                   "through. A defence must be judged under the adaptive attack.\n");
        if (o->out)
            printf("\nadversarial images in %s\n", o->out);
    }
    rc = 0;
done:
    free(x);
    free(x_adv);
    free(x_bpda);
    free(y);
    free(targets);
    advlab_preprocessor_free(pre);
    advlab_net_free(net);
    advlab_dataset_free(test);
    return rc;
}

/* ------------------------------------------------------------- detect */

/* The detector a command line asks for: the library has a constructor per
 * kind, not one config, so the CLI keeps this one, described by a field
 * table like the library's configs. The library's constructors, trainer and
 * calibration check the values. */
typedef enum { DETECTOR_SQUEEZE, DETECTOR_BINARY } detector_kind;

typedef struct {
    detector_kind kind;
    int bit_depth, median_window; /* squeeze */
    int epochs;                   /* binary: training epochs */
    float fpr;                    /* squeeze: the calibration's false-positive rate */
} detector_config;

static const char *const detector_kinds[] = {"squeeze", "binary", NULL};

static const advlab__cfg_field detector_fields[] = {
    {"bit_depth", ADVLAB__CFG_INT, offsetof(detector_config, bit_depth), 1, 0, 8, 0,
     1u << DETECTOR_SQUEEZE, NULL, "the bit-depth squeezer's bits; 0: off"},
    {"median_window", ADVLAB__CFG_INT, offsetof(detector_config, median_window), 2, 0, 4096, 0,
     1u << DETECTOR_SQUEEZE, NULL, "the median squeezer's window; 0: off"},
    {"epochs", ADVLAB__CFG_INT, offsetof(detector_config, epochs), 3, 1, 10000, 0,
     1u << DETECTOR_BINARY, NULL, "training epochs"},
    {"fpr", ADVLAB__CFG_FLOAT, offsetof(detector_config, fpr), 0.05, 0, 1, 0, 0, NULL,
     "squeeze: the false-positive rate its threshold is calibrated to"},
};

static const advlab__cfg_spec detector_spec =
    ADVLAB__CFG_SPEC("detector", detector_config, detector_kinds, offsetof(detector_config, kind),
                     detector_fields, NULL);

const cli_help_section cli_detector_help = {
    "detector settings ([...]: the detectors a setting applies to), for --detector", &detector_spec,
    1};

/* The first *n training images (fewer if the set is smaller: *n becomes the
 * count), clean, and their adversarial versions. */
static int training_pairs(const cli_options *o, advlab_net *net, const advlab_attack_config *cfg,
                          int *n, float **clean, float **adv)
{
    advlab_dataset *train = NULL;
    int32_t *y = NULL;
    advlab_attack *a = NULL;
    int rc = 1;
    *adv = NULL;
    if (cli_load_split(o->data, "train", &train) ||
        cli_test_images(train, n, advlab_net_input_size(net), clean, &y))
        goto done;
    *adv = malloc(sizeof(float) * (size_t)*n * advlab_net_input_size(net));
    if (!*adv) {
        rc = cli_fail("detect: out of memory for %d images", *n);
        goto done;
    }
    if (advlab_attack_create(net, cfg, &a) || advlab_attack_run(a, *clean, y, *n, *adv)) {
        rc = cli_fail_status();
        goto done;
    }
    rc = 0;
done:
    advlab_attack_free(a);
    advlab_dataset_free(train);
    free(y);
    return rc;
}

int cli_detect(const cli_options *o)
{
    if (!o->model)
        return cli_fail("detect: --model FILE is required (see advlab detect --help)");
    detector_config spec;
    advlab_attack_config cfg;
    if (cli_parse_spec("--detector", o->detector ? o->detector : "squeeze", &detector_spec,
                       &spec) ||
        cli_parse_spec("--attack", o->attack ? o->attack : "fgsm", &advlab__attack_spec, &cfg))
        return 2;
    const cli_config configs[] = {{&detector_spec, &spec}, {&advlab__attack_spec, &cfg}};
    int rc = cli_apply_settings(o, configs, 2);
    if (rc)
        return rc;
    advlab_dataset *test = NULL;
    advlab_net *net = NULL, *detector_net = NULL;
    advlab_detector *det = NULL;
    advlab_attack *a = NULL;
    float *x = NULL, *x_adv = NULL, *clean = NULL, *adv = NULL;
    int32_t *y = NULL;
    uint8_t *flags = NULL;
    int n = o->limit > 0 ? o->limit : DEFAULT_IMAGES;
    rc = 1;
    if (cli_load_model(o->model, 256, &net) || cli_load_split(o->data, "t10k", &test) ||
        cli_test_images(test, &n, advlab_net_input_size(net), &x, &y))
        goto done;
    x_adv = malloc(sizeof(float) * (size_t)n * advlab_net_input_size(net));
    flags = malloc(2 * (size_t)n);
    if (!x_adv || !flags) {
        rc = cli_fail("detect: out of memory for %d images", n);
        goto done;
    }
    /* The binary detector learns from 5000 pairs; the squeeze detector's
     * threshold comes from 1000 clean images. */
    int pairs = spec.kind == DETECTOR_BINARY ? 5000 : 1000;
    if (training_pairs(o, net, &cfg, &pairs, &clean, &adv))
        goto done;
    advlab_status st;
    if (spec.kind == DETECTOR_BINARY) {
        advlab_train_config tc;
        advlab_train_config_default(&tc);
        tc.epochs = spec.epochs;
        st = advlab_net_create("c4k5-p2-c10k5-p2-d100-d2", 64, tc.seed, &detector_net);
        if (!st)
            st = advlab_binary_detector_create(detector_net, &det);
        if (!st)
            st = advlab_binary_detector_train(det, clean, adv, pairs, &tc);
    } else {
        st = advlab_squeeze_detector_create(net, spec.bit_depth, spec.median_window, &det);
        if (!st)
            st = advlab_detector_calibrate(det, clean, pairs, spec.fpr);
    }
    if (!st)
        st = advlab_attack_create(net, &cfg, &a);
    if (!st)
        st = advlab_attack_run(a, x, NULL, n, x_adv);
    if (!st)
        st = advlab_detector_detect(det, x, n, flags);
    if (!st)
        st = advlab_detector_detect(det, x_adv, n, flags + n);
    advlab_attack_metrics m;
    if (!st)
        st = advlab_attack_metrics_compute(net, NULL, x, x_adv, y, NULL, n, &m, NULL);
    if (st) {
        rc = cli_fail_status();
        goto done;
    }
    int false_pos = 0, detected = 0;
    for (int i = 0; i < n; i++)
        false_pos += flags[i], detected += flags[n + i];
    char what[160];
    describe(&cfg, what, sizeof what);
    double threshold = advlab_detector_threshold(det);
    if (o->json) {
        printf("{\"command\":\"detect\",\"detector\":\"%s\",\"attack\":",
               spec.kind == DETECTOR_BINARY ? "binary" : "squeeze");
        cli_print_json_string(what);
        printf(
            ",\"images\":%d,\"threshold\":%.6g,\"false_positive_rate\":%.6f,\"detection_rate\":%.6f,"
            "\"attack_success_rate\":%.6f}\n",
            n, threshold, (double)false_pos / n, (double)detected / n, m.success_rate);
    } else
        printf(
            "%s detector (threshold %.4g) against %s on %d test images\n"
            "  false-positive rate on clean images  %6.2f%%\n"
            "  detection rate on attacked images    %6.2f%%  (the attack fooled the model on %.2f%%)\n",
            spec.kind == DETECTOR_BINARY ? "binary input" : "feature-squeezing", threshold, what, n,
            100.0 * false_pos / n, 100.0 * detected / n, 100.0 * m.success_rate);
    rc = 0;
done:
    advlab_attack_free(a);
    advlab_detector_free(det);
    advlab_net_free(detector_net);
    advlab_net_free(net);
    advlab_dataset_free(test);
    free(x);
    free(x_adv);
    free(clean);
    free(adv);
    free(y);
    free(flags);
    return rc;
}
