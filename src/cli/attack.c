/* The attack commands: `advlab attack` (adversarial examples and how much
 * they hurt, plain and adaptive against a pre-processor defence) and
 * `advlab detect` (a detector's detection and false-positive rates). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attacks/attack.h"
#include "base/clock.h"
#include "cli/cli.h"
#include "cli/images.h"

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
    /* black-box attacks */
    case ADVLAB_ATTACK_SQUARE:
        snprintf(out, size, "%s eps %g norm %s p_init %g max_iter %d nb_restarts %d", name,
                 (double)c->eps, norm, (double)c->p_init, c->max_iter, c->nb_restarts);
        break;
    case ADVLAB_ATTACK_HOPSKIPJUMP:
        snprintf(out, size, "%s norm %s max_iter %d max_eval %d init_eval %d max_queries %d%s",
                 name, norm, c->max_iter, c->max_eval, c->init_eval, c->max_queries,
                 c->targeted ? " targeted" : "");
        break;
    case ADVLAB_ATTACK_BOUNDARY:
        snprintf(out, size, "%s delta %g epsilon %g max_iter %d sample_size %d max_queries %d%s",
                 name, (double)c->delta, (double)c->epsilon, c->max_iter, c->sample_size,
                 c->max_queries, c->targeted ? " targeted" : "");
        break;
    /* end black-box attacks */
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
    /* L-BFGS and JSMA (issue 13) */
    case ADVLAB_ATTACK_LBFGS:
        snprintf(out, size, "%s c_init %g max_iter %d binary_search_steps %d%s", name,
                 (double)c->c_init, c->max_iter, c->binary_search_steps,
                 c->targeted ? " targeted" : "");
        break;
    case ADVLAB_ATTACK_JSMA:
        snprintf(out, size, "%s theta %g gamma %g%s", name, (double)c->theta, (double)c->gamma,
                 c->targeted ? " targeted" : " random targets");
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

/* black-box attacks: what a run cost */
typedef struct {
    int blackbox;                /* whether the per-image query figures below are set */
    double mean, median, max;    /* queries per image */
    int budget;                  /* the most an image may make */
    int moved;                   /* images with x_adv != x */
    double median_l2;            /* over the moved images; 0 when none moved */
    advlab_attack_counts counts; /* images through the net, forward and backward */
} run_cost;

static int compare_doubles(const void *p, const void *q)
{
    double a = *(const double *)p, b = *(const double *)q;
    return (a > b) - (a < b);
}

/* The median of v[0..n) (sorted in place); 0 when n is 0. */
static double median(double *v, int n)
{
    if (n == 0)
        return 0.0;
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Fills the query figures from queries (n) and the L2 of the moved images;
 * scratch holds n doubles. */
static void summarise_queries(const advlab_attack_config *c, const int32_t *queries, const float *x,
                              const float *x_adv, int n, int d, double *scratch, run_cost *cost)
{
    cost->blackbox = 1;
    cost->budget = c->kind == ADVLAB_ATTACK_SQUARE ? c->nb_restarts * c->max_iter : c->max_queries;
    double sum = 0.0, most = 0.0;
    for (int i = 0; i < n; i++) {
        sum += queries[i], most = queries[i] > most ? queries[i] : most;
        scratch[i] = queries[i];
    }
    cost->mean = sum / n, cost->max = most, cost->median = median(scratch, n);
    cost->moved = 0;
    for (int i = 0; i < n; i++) {
        double ss = 0.0;
        for (int k = 0; k < d; k++) {
            double v = (double)x_adv[(size_t)i * d + k] - x[(size_t)i * d + k];
            ss += v * v;
        }
        if (ss > 0.0)
            scratch[cost->moved++] = sqrt(ss);
    }
    cost->median_l2 = median(scratch, cost->moved);
}
/* end black-box attacks */

typedef struct {
    const char *name;
    advlab_attack_metrics m;
    double seconds;
    run_cost cost;
} attack_row;

static void print_row(const attack_row *r, int json, int first)
{
    const advlab_attack_metrics *m = &r->m;
    const run_cost *c = &r->cost;
    if (json) {
        printf(
            "%s{\"name\":\"%s\",\"n\":%d,\"clean_accuracy\":%.6f,\"adv_accuracy\":%.6f,\"success_rate\":%.6f,"
            "\"mean_l0\":%.3f,\"mean_l2\":%.6f,\"mean_linf\":%.6f,\"seconds\":%.3f",
            first ? "" : ",", r->name, m->n, m->clean_accuracy, m->adv_accuracy, m->success_rate,
            m->mean_l0, m->mean_l2, m->mean_linf, r->seconds);
        printf(",\"forward_images\":%.0f,\"backward_images\":%.0f", c->counts.forward_images,
               c->counts.backward_images);
        if (c->blackbox)
            printf(",\"queries_mean\":%.3f,\"queries_median\":%.1f,\"queries_max\":%.0f,"
                   "\"query_budget\":%d,\"moved\":%d,\"median_l2_moved\":%.6f",
                   c->mean, c->median, c->max, c->budget, c->moved, c->median_l2);
        printf("}");
    } else
        printf("%-40s %8.2f%% %8.2f%% %8.2f%% %8.1f %8.4f %8.4f %8.2f\n", r->name,
               100 * m->clean_accuracy, 100 * m->adv_accuracy, 100 * m->success_rate, m->mean_l0,
               m->mean_l2, m->mean_linf, r->seconds);
}

/* How the attack treats the defence: it does not see it, it differentiates
 * through it (naive), or it passes the gradient straight through (BPDA). */
enum { ATTACK_BARE, ATTACK_NAIVE, ATTACK_BPDA };

/* Runs the attack as `through` says and measures it behind pre; queries
 * and scratch (n each) take the black-box kinds' queries per image. */
static int attack_and_measure(advlab_net *net, const advlab_attack_config *cfg,
                              advlab_preprocessor *pre, int through, const float *x,
                              const int32_t *y, const int32_t *targets, int n, float *x_adv,
                              int32_t *queries, double *scratch, attack_row *row)
{
    int blackbox = cfg->kind == ADVLAB_ATTACK_SQUARE || cfg->kind == ADVLAB_ATTACK_HOPSKIPJUMP ||
                   cfg->kind == ADVLAB_ATTACK_BOUNDARY;
    advlab_attack *a = NULL;
    double start = advlab__now_seconds();
    advlab_status st = advlab_attack_create(net, cfg, &a);
    if (!st && through != ATTACK_BARE) {
        advlab_attack_set_preprocessor(a, pre);
        st = advlab_attack_set_grad_mode(a, through == ATTACK_NAIVE ? ADVLAB_GRAD_EXACT
                                                                    : ADVLAB_GRAD_BPDA);
    }
    if (!st)
        st = blackbox ? advlab_attack_run_queries(a, x, targets, n, x_adv, queries)
                      : advlab_attack_run(a, x, targets, n, x_adv);
    row->seconds = advlab__now_seconds() - start;
    if (!st)
        advlab_attack_counts_get(a, &row->cost.counts);
    if (!st && blackbox)
        summarise_queries(cfg, queries, x, x_adv, n, advlab_net_input_size(net), scratch,
                          &row->cost);
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
    if (o->attack && o->method)
        return cli_fail("attack: --method is another name for --attack; give one of them");
    const char *method = o->attack ? o->attack : o->method ? o->method : "fgsm";
    if (cli_parse_spec(o->attack ? "--attack" : "--method", method, &advlab__attack_spec, &cfg))
        return 2;
    const cli_config configs[] = {{&advlab__attack_spec, &cfg}};
    int rc = cli_apply_settings(o, configs, 1);
    if (rc)
        return rc;
    advlab_dataset *test = NULL;
    advlab_net *net = NULL;
    advlab_preprocessor *pre = NULL;
    float *x = NULL, *x_adv = NULL, *x_bpda = NULL;
    int32_t *y = NULL, *targets = NULL, *queries = NULL;
    double *scratch = NULL;
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
        int made = cli_make_defence(o->defence, test, &pre);
        if (made) {
            rc = made;
            goto done;
        }
    }
    size_t floats = (size_t)n * advlab_net_input_size(net);
    x_adv = malloc(sizeof(float) * floats);
    x_bpda = malloc(sizeof(float) * floats);
    queries = malloc(sizeof(int32_t) * n);
    scratch = malloc(sizeof(double) * n);
    if (!x_adv || !x_bpda || !queries || !scratch) {
        rc = cli_fail("attack: out of memory for %d images", n);
        goto done;
    }
    char what[160];
    describe(&cfg, what, sizeof what);
    attack_row rows[4] = {{.name = "attack on the model"}};
    int n_rows = 1;
    if (attack_and_measure(net, &cfg, NULL, ATTACK_BARE, x, y, targets, n, x_adv, queries, scratch,
                           &rows[0]))
        goto done;
    if (pre) {
        static char plain[96], naive[96], adaptive[96];
        snprintf(plain, sizeof plain, "%s, attack made on bare model", o->defence);
        snprintf(naive, sizeof naive, "%s, naive attack (true gradient)", o->defence);
        snprintf(adaptive, sizeof adaptive, "%s, adaptive attack (BPDA)", o->defence);
        rows[1].name = plain;
        rows[2].name = naive;
        rows[3].name = adaptive;
        rows[1].seconds = rows[0].seconds, rows[1].cost = rows[0].cost;
        if (advlab_attack_metrics_compute(net, pre, x, x_adv, y, targets, n, &rows[1].m, NULL)) {
            rc = cli_fail_status();
            goto done;
        }
        /* A black-box attack has no gradient to cross the defence with: it
         * queries the defended model, once. */
        static char blackbox_row[96];
        snprintf(blackbox_row, sizeof blackbox_row, "%s, black-box attack on it", o->defence);
        if (rows[0].cost.blackbox) {
            rows[2].name = blackbox_row;
            if (attack_and_measure(net, &cfg, pre, ATTACK_BPDA, x, y, targets, n, x_bpda, queries,
                                   scratch, &rows[2]))
                goto done;
            n_rows = 3;
        } else {
            if (attack_and_measure(net, &cfg, pre, ATTACK_NAIVE, x, y, targets, n, x_bpda, queries,
                                   scratch, &rows[2]) ||
                attack_and_measure(net, &cfg, pre, ATTACK_BPDA, x, y, targets, n, x_bpda, queries,
                                   scratch, &rows[3]))
                goto done;
            n_rows = 4;
        }
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
        printf("\n%-40s %14s %14s %9s %9s %9s %10s\n", "", "forward imgs", "backward imgs",
               "queries", "median", "max", "median L2");
        for (int i = 0; i < n_rows; i++) {
            const run_cost *c = &rows[i].cost;
            if (i == 1) /* made on the bare model: the first row's run */
                continue;
            printf("%-40s %14.0f %14.0f", rows[i].name, c->counts.forward_images,
                   c->counts.backward_images);
            if (c->blackbox)
                printf(" %9.1f %9.0f %9.0f %10.4f", c->mean, c->median, c->max, c->median_l2);
            printf("\n");
        }
        if (rows[0].cost.blackbox)
            printf("\nQueries are per image, within a budget of %d; the median L2 is over the %d\n"
                   "images the attack moved. A black-box attack takes no gradient: its backward\n"
                   "count is 0.\n",
                   rows[0].cost.budget, rows[0].cost.moved);
        if (pre && rows[0].cost.blackbox)
            printf("\nThe black-box attack sees only the defended model's answers, so a defence\n"
                   "that hides the gradient does not slow it down.\n");
        else if (pre)
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
    free(queries);
    free(scratch);
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
