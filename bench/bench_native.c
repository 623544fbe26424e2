/* advlab_bench: the native half of bench/run.mjs. Times, on one thread,
 *   - training of a net on MNIST through advlab_trainer_run (Adam, batch 64),
 *   - inference through advlab_net_predict on a batch of 256 test images,
 *   - FGSM (eps 0.2) and PGD-40 (eps 0.3, eps_step 0.01, no random start)
 *     through advlab_attack_run on those 256 images, labels = predictions,
 *   - APGD-CE-100 (eps 0.3, first step 0.6, as advlab_evaluate runs it) on
 *     those images, and Square (L-inf, eps 0.3, 1000 queries) on the first 64
 *     in queries per second, both against the shipped PGD-trained model,
 *   - adversarial training (FGSM eps 0.2, ratio 0.5, batch 64) through
 *     advlab_adv_trainer_create,
 *   - the live latency: one new 28x28 image to both models' FGSM and PGD-10
 *     results (two nets, batch 1),
 *   - the SIMD128 peak kernel of bench/peak.c,
 *   - then once, the wall time of AutoAttack's standard suite (advlab_evaluate)
 *     on the first 1000 test images against that model,
 * and prints one JSON object on stdout. bench/figures.mjs does the same for
 * WASM, with the same settings.
 *
 * They are measured in rounds (train, infer, fgsm, pgd, apgd, square, adv,
 * live, peak;
 * train, ...), so that whatever else runs on the machine weighs on all of them
 * alike and the fraction of peak stays meaningful. Each figure is the median
 * over the rounds; a repeat lasts at least --seconds.
 *
 *   advlab_bench [--quick|--smoke] [--data DIR] [--weights FILE] [--arch SPEC] [--seconds S]
 *                [--repeats R]
 *
 * This is a benchmark, never a test: nothing here fails on a slow machine. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "advlab.h"
#include "peak.h"

#define MAX_REPEATS 16
#define TRAIN_BATCH 64
#define INFER_BATCH 256
#define WARMUP_BATCHES 20
#define LIVE_BATCH 2 /* a live net predicts its FGSM and PGD images together */
#define MAX_LIVE_SAMPLES 100000

typedef struct {
    const char *data_dir;
    const char *weights; /* the model APGD, Square and AutoAttack attack */
    const char *arch;
    double seconds; /* minimum length of one repeat */
    int repeats;
    int attack_images;   /* images per FGSM, PGD or APGD call: 256, 32 in smoke mode */
    int square_images;   /* images per Square call: 64, 8 in smoke mode */
    int evaluate_images; /* AutoAttack's first test images: 1000, 200 quick, 2 smoke */
} options;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double s[MAX_REPEATS];
    memcpy(s, v, sizeof(double) * n);
    qsort(s, n, sizeof(double), cmp_double);
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/* The q-quantile (0..1) of n values, which it sorts in place. */
static double quantile(double *v, int n, double q)
{
    qsort(v, n, sizeof(double), cmp_double);
    return v[(int)(q * (n - 1) + 0.5)];
}

static void print_array(const char *key, const double *v, int n)
{
    printf("\"%s\": [", key);
    for (int i = 0; i < n; i++)
        printf("%s%.6g", i ? ", " : "", v[i]);
    printf("]");
}

static int fail(const char *what)
{
    fprintf(stderr, "advlab_bench: %s: %s\n", what, advlab_last_error());
    return 1;
}

/* ------------------------------------------------------------ training */

typedef struct {
    advlab_trainer *trainer;
    int n;                   /* training samples */
    advlab_train_progress p; /* the latest report */
    long pos;                /* batches done since the trainer was made */
    long timed_batches;
} train_bench;

static long position(const advlab_train_progress *p)
{
    return (long)(p->epoch - 1) * p->batches_per_epoch + p->batch_in_epoch;
}

/* Images trained after `pos` batches in all (each epoch's last batch may be short). */
static double images_at(long pos, int batches_per_epoch, int n)
{
    long epochs = pos / batches_per_epoch;
    long rest = (long)(pos % batches_per_epoch) * TRAIN_BATCH;
    return (double)epochs * n + (double)(rest < n ? rest : n);
}

/* Clean training, or adversarial training when adv is not NULL. */
static int train_start(train_bench *b, advlab_net *net, const advlab_dataset *ds,
                       const advlab_adv_config *adv)
{
    advlab_train_config cfg;
    advlab_train_config_default(&cfg); /* Adam lr 0.01, batch 64, as the tutorial */
    cfg.epochs = 10000;                /* never reached: the repeats stop on time */
    cfg.batch = TRAIN_BATCH;
    *b = (train_bench){.n = advlab_dataset_count(ds)};
    advlab_status status = adv ? advlab_adv_trainer_create(net, ds, &cfg, adv, &b->trainer)
                               : advlab_trainer_create(net, ds, &cfg, &b->trainer);
    if (status)
        return fail(adv ? "adv_trainer_create" : "trainer_create");
    if (advlab_trainer_run(b->trainer, WARMUP_BATCHES, &b->p))
        return fail("trainer_run");
    b->pos = position(&b->p);
    return 0;
}

static int train_repeat(train_bench *b, double seconds, double *rate)
{
    long start = b->pos;
    double t0 = now_seconds(), elapsed;
    do {
        if (advlab_trainer_run(b->trainer, 8, &b->p))
            return fail("trainer_run");
        b->pos = position(&b->p);
        elapsed = now_seconds() - t0;
    } while (elapsed < seconds);
    b->timed_batches += b->pos - start;
    int bpe = b->p.batches_per_epoch;
    *rate = (images_at(b->pos, bpe, b->n) - images_at(start, bpe, b->n)) / elapsed;
    return 0;
}

/* ----------------------------------------------------------- inference */

typedef struct {
    advlab_net *net;
    float *x, *probs;
    long timed_calls;
} infer_bench;

/* A net of max_batch 256 with the trained weights, and 256 test images. */
static int infer_start(infer_bench *b, const char *arch, advlab_net *trained,
                       const advlab_dataset *test)
{
    *b = (infer_bench){0};
    if (advlab_net_create(arch, INFER_BATCH, 1, &b->net))
        return fail("net_create");
    memcpy(advlab_net_params(b->net), advlab_net_params(trained),
           sizeof(float) * advlab_net_param_count(b->net));
    b->x = malloc(sizeof(float) * INFER_BATCH * advlab_net_input_size(b->net));
    b->probs = malloc(sizeof(float) * INFER_BATCH * advlab_net_classes(b->net));
    if (!b->x || !b->probs) {
        fprintf(stderr, "advlab_bench: out of memory\n");
        return 1;
    }
    int32_t idx[INFER_BATCH], y[INFER_BATCH];
    for (int i = 0; i < INFER_BATCH; i++)
        idx[i] = i;
    advlab_dataset_gather(test, idx, INFER_BATCH, b->x, y);
    for (int w = 0; w < 5; w++)
        if (advlab_net_predict(b->net, b->x, INFER_BATCH, b->probs))
            return fail("net_predict");
    return 0;
}

static int infer_repeat(infer_bench *b, double seconds, double *rate)
{
    long k = 0;
    double t0 = now_seconds(), elapsed;
    do {
        if (advlab_net_predict(b->net, b->x, INFER_BATCH, b->probs))
            return fail("net_predict");
        k++;
        elapsed = now_seconds() - t0;
    } while (elapsed < seconds);
    b->timed_calls += k;
    *rate = (double)k * INFER_BATCH / elapsed;
    return 0;
}

static void infer_free(infer_bench *b)
{
    free(b->x), free(b->probs);
    advlab_net_free(b->net);
}

/* ------------------------------------------------------------- attacks */

typedef struct {
    advlab_attack *attack;
    float *x_adv;
    long timed_calls;
    double timed_queries; /* square: the images its timed runs passed forward */
} attack_bench;

/* FGSM eps 0.2, PGD-40 (eps 0.3, eps_step 0.01, no random start), APGD-CE-100
 * as AutoAttack runs it (eps 0.3, first step 2 eps, one run) or Square (L-inf,
 * eps 0.3, 1000 queries): bench/figures.mjs's ATTACKS. */
static int attack_config(const char *name, advlab_attack_config *cfg)
{
    if (advlab_attack_config_default(name, cfg))
        return fail("attack_config_default");
    switch (cfg->kind) {
    case ADVLAB_ATTACK_FGSM: cfg->eps = 0.2f; break;
    case ADVLAB_ATTACK_APGD: cfg->eps = 0.3f, cfg->eps_step = 0.6f, cfg->max_iter = 100; break;
    case ADVLAB_ATTACK_SQUARE: cfg->eps = 0.3f, cfg->max_iter = 1000; break;
    default: /* pgd */
        cfg->eps = 0.3f, cfg->eps_step = 0.01f, cfg->max_iter = 40, cfg->num_random_init = 0;
    }
    return 0;
}

/* The forward passes an attack has cost the net since it was made. */
static double queries_of(const advlab_attack *a)
{
    advlab_attack_counts c;
    advlab_attack_counts_get(a, &c);
    return c.forward_images;
}

/* An attack on net (max_batch >= n) and the n images x, run once to warm up. */
static int attack_start(attack_bench *b, const char *name, advlab_net *net, const float *x, int n)
{
    advlab_attack_config cfg;
    *b = (attack_bench){0};
    if (attack_config(name, &cfg))
        return 1;
    if (advlab_attack_create(net, &cfg, &b->attack))
        return fail("attack_create");
    b->x_adv = malloc(sizeof(float) * n * advlab_net_input_size(net));
    if (!b->x_adv) {
        fprintf(stderr, "advlab_bench: out of memory\n");
        return 1;
    }
    if (advlab_attack_run(b->attack, x, NULL, n, b->x_adv))
        return fail("attack_run");
    return 0;
}

/* Labels = the model's own predictions (y NULL), as ART does by default.
 * The rate is images per second, or with per_query the forward passes
 * (Square's queries) per second. */
static int attack_repeat(attack_bench *b, const float *x, int n, int per_query, double seconds,
                         double *rate)
{
    long k = 0;
    double q0 = queries_of(b->attack), t0 = now_seconds(), elapsed;
    do {
        if (advlab_attack_run(b->attack, x, NULL, n, b->x_adv))
            return fail("attack_run");
        k++;
        elapsed = now_seconds() - t0;
    } while (elapsed < seconds);
    double queries = queries_of(b->attack) - q0;
    b->timed_calls += k;
    b->timed_queries += queries;
    *rate = (per_query ? queries : (double)k * n) / elapsed;
    return 0;
}

static void attack_bench_free(attack_bench *b)
{
    free(b->x_adv);
    advlab_attack_free(b->attack);
}

/* ---------------------------------------------------------------- live */

/* One model of the live view: a net of max_batch 2 with its FGSM (eps 0.2)
 * and PGD-10 (eps 0.2, eps_step 0.05 = 2.5 eps / 10, no random start). */
typedef struct {
    advlab_net *net;
    advlab_attack *fgsm, *pgd;
} live_model;

typedef struct {
    live_model models[2]; /* the standard and the adversarially trained net */
    const float *images;  /* the test images, a new one per update */
    int n_images, next;
    float *pair, *probs; /* the FGSM and PGD images; their probabilities */
    double *ms;          /* every update's latency */
    int samples;
    long sink; /* keeps the predictions live */
} live_bench;

static int live_model_start(live_model *m, const char *arch, advlab_net *weights)
{
    advlab_attack_config fgsm, pgd;
    if (advlab_net_create(arch, LIVE_BATCH, 1, &m->net))
        return fail("net_create");
    memcpy(advlab_net_params(m->net), advlab_net_params(weights),
           sizeof(float) * advlab_net_param_count(m->net));
    if (advlab_attack_config_default("fgsm", &fgsm) || advlab_attack_config_default("pgd", &pgd))
        return fail("attack_config_default");
    fgsm.eps = 0.2f;
    pgd.eps = 0.2f, pgd.eps_step = 0.05f, pgd.max_iter = 10, pgd.num_random_init = 0;
    if (advlab_attack_create(m->net, &fgsm, &m->fgsm) ||
        advlab_attack_create(m->net, &pgd, &m->pgd))
        return fail("attack_create");
    return 0;
}

static int live_start(live_bench *b, const char *arch, advlab_net *standard, advlab_net *defended,
                      const infer_bench *ib)
{
    *b = (live_bench){.images = ib->x, .n_images = INFER_BATCH};
    int d = advlab_net_input_size(standard);
    b->pair = malloc(sizeof(float) * LIVE_BATCH * d);
    b->probs = malloc(sizeof(float) * LIVE_BATCH * advlab_net_classes(standard));
    b->ms = malloc(sizeof(double) * MAX_LIVE_SAMPLES);
    if (!b->pair || !b->probs || !b->ms) {
        fprintf(stderr, "advlab_bench: out of memory\n");
        return 1;
    }
    if (live_model_start(&b->models[0], arch, standard) ||
        live_model_start(&b->models[1], arch, defended))
        return 1;
    return 0;
}

static int argmax(const float *p, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (p[i] > p[best])
            best = i;
    return best;
}

/* What the page does for each new drawing, for one model: predict it, craft
 * FGSM and PGD-10 against that prediction, predict both results. */
static int live_model_update(live_bench *b, live_model *m, const float *x)
{
    int d = advlab_net_input_size(m->net), classes = advlab_net_classes(m->net);
    if (advlab_net_predict(m->net, x, 1, b->probs))
        return fail("net_predict");
    int32_t y = argmax(b->probs, classes);
    if (advlab_attack_run(m->fgsm, x, &y, 1, b->pair) ||
        advlab_attack_run(m->pgd, x, &y, 1, b->pair + d))
        return fail("attack_run");
    if (advlab_net_predict(m->net, b->pair, LIVE_BATCH, b->probs))
        return fail("net_predict");
    b->sink += argmax(b->probs, classes) + argmax(b->probs + classes, classes);
    return 0;
}

static int live_update(live_bench *b)
{
    const float *x = b->images + (size_t)b->next * advlab_net_input_size(b->models[0].net);
    b->next = (b->next + 1) % b->n_images;
    for (int i = 0; i < 2; i++)
        if (live_model_update(b, &b->models[i], x))
            return 1;
    return 0;
}

/* Updates back to back for at least `seconds` (and 5 updates); the repeat's
 * median latency in ms. */
static int live_repeat(live_bench *b, double seconds, double *median_ms)
{
    int first = b->samples;
    double t_start = now_seconds();
    do {
        double t0 = now_seconds();
        if (live_update(b))
            return 1;
        double ms = (now_seconds() - t0) * 1e3;
        if (b->samples < MAX_LIVE_SAMPLES)
            b->ms[b->samples++] = ms;
    } while (now_seconds() - t_start < seconds || b->samples - first < 5);
    *median_ms = quantile(b->ms + first, b->samples - first, 0.5);
    return 0;
}

static void live_free(live_bench *b)
{
    for (int i = 0; i < 2; i++) {
        advlab_attack_free(b->models[i].fgsm);
        advlab_attack_free(b->models[i].pgd);
        advlab_net_free(b->models[i].net);
    }
    free(b->pair), free(b->probs), free(b->ms);
}

/* ------------------------------------------------- the robust model */

/* The whole of a file, malloc'ed; NULL with a message when it cannot be read. */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *bytes = NULL;
    long size = -1;
    if (f && !fseek(f, 0, SEEK_END) && (size = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
        bytes = malloc(size ? (size_t)size : 1);
        if (bytes && fread(bytes, 1, (size_t)size, f) != (size_t)size) {
            free(bytes);
            bytes = NULL;
        }
    }
    if (f)
        fclose(f);
    if (!bytes)
        fprintf(stderr, "advlab_bench: %s: cannot read it\n", path);
    *len = (size_t)size;
    return bytes;
}

/* A net of max_batch made from the weights file. */
static int robust_net(const char *path, int max_batch, advlab_net **out)
{
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes)
        return 1;
    int status = advlab_net_from_weights(path, bytes, len, max_batch, out) ? fail(path) : 0;
    free(bytes);
    return status;
}

/* ------------------------------------------------------------ evaluate */

#define EVALUATE_MAX_BATCH 64 /* as the nets of the page's evaluation pool */

typedef struct {
    char *report; /* advlab_evaluate_report_json's, seconds included */
    double seconds;
} evaluate_bench;

/* The n test images and labels AutoAttack evaluates, run once. */
static int evaluate_run(evaluate_bench *b, advlab_net *net, const float *x, const int32_t *y, int n)
{
    advlab_evaluate_config cfg;
    advlab_evaluate_report r;
    advlab_evaluate_config_default(&cfg);
    if (advlab_evaluate_config_set(&cfg, "suite", ADVLAB_SUITE_AUTOATTACK) ||
        advlab_evaluate_config_set(&cfg, "eps", 0.3))
        return fail("evaluate_config_set");
    double t0 = now_seconds();
    if (advlab_evaluate(net, NULL, &cfg, x, y, n, &r))
        return fail("evaluate");
    b->seconds = now_seconds() - t0;
    if (advlab_evaluate_report_json(&r, 1, &b->report))
        return fail("evaluate_report_json");
    return 0;
}

/* AutoAttack's standard suite at eps 0.3 on the first n test images, once,
 * against the robust model in a net of the pool's max_batch. */
static int evaluate_once(evaluate_bench *b, const options *o, const advlab_dataset *test)
{
    int n = o->evaluate_images, status = 1;
    advlab_net *net = NULL;
    if (robust_net(o->weights, EVALUATE_MAX_BATCH, &net))
        return 1;
    float *x = malloc(sizeof(float) * n * advlab_net_input_size(net));
    int32_t *idx = malloc(sizeof(int32_t) * n), *y = malloc(sizeof(int32_t) * n);
    if (x && idx && y) {
        for (int i = 0; i < n; i++)
            idx[i] = i;
        advlab_dataset_gather(test, idx, n, x, y);
        status = evaluate_run(b, net, x, y, n);
    } else {
        fprintf(stderr, "advlab_bench: out of memory\n");
    }
    free(x), free(idx), free(y);
    advlab_net_free(net);
    return status;
}

/* ---------------------------------------------------------------- peak */

typedef struct {
    int iters[PEAK_VARIANTS]; /* per variant, about `seconds` worth */
    volatile float sink;      /* keeps the results live */
} peak_bench;

static void peak_start(peak_bench *b, double seconds)
{
    b->sink = 0.0f;
    for (int v = 0; v < PEAK_VARIANTS; v++) {
        int iters = 1 << 16;
        for (;;) {
            double t0 = now_seconds();
            b->sink += peak_run(v, iters);
            double dt = now_seconds() - t0;
            if (dt >= seconds / 4 || iters >= (1 << 29)) {
                double want = iters * (seconds / (dt > 1e-9 ? dt : 1e-9));
                b->iters[v] = want > (1 << 30) ? (1 << 30) : want < 1 ? 1 : (int)want;
                break;
            }
            iters *= 2;
        }
    }
}

/* One timed run of every variant, in GFLOP/s. */
static void peak_repeat(peak_bench *b, double *gflops)
{
    for (int v = 0; v < PEAK_VARIANTS; v++) {
        double t0 = now_seconds();
        b->sink += peak_run(v, b->iters[v]);
        gflops[v] = b->iters[v] * peak_flops_per_iter(v) / (now_seconds() - t0) / 1e9;
    }
}

/* ---------------------------------------------------------------- main */

static int usage(void)
{
    fprintf(stderr,
            "usage: advlab_bench [--quick|--smoke] [--data DIR] [--weights FILE] [--arch SPEC] "
            "[--seconds S] [--repeats R]\n");
    return 2;
}

/* Every stage, and each repeat's figure (rates in images/s, live in ms). */
typedef struct {
    advlab_net *net, *adv_net; /* trained clean / adversarially, batch 64 */
    advlab_net *robust;        /* --weights, max_batch attack_images */
    train_bench train, adv;
    infer_bench infer;
    attack_bench fgsm, pgd, apgd, square;
    live_bench live;
    peak_bench peak;
    evaluate_bench evaluate;
    double train_rate[MAX_REPEATS], adv_rate[MAX_REPEATS], infer_rate[MAX_REPEATS];
    double fgsm_rate[MAX_REPEATS], pgd_rate[MAX_REPEATS], live_ms[MAX_REPEATS];
    double apgd_rate[MAX_REPEATS], square_rate[MAX_REPEATS];
    double peak_gflops[PEAK_VARIANTS][MAX_REPEATS];
} benches;

static int start_all(benches *b, const options *o, const advlab_dataset *train,
                     const advlab_dataset *test)
{
    advlab_adv_config adv;
    advlab_adv_config_default(&adv); /* the tutorial's: FGSM eps 0.2, ratio 0.5 */
    if (advlab_net_create(o->arch, TRAIN_BATCH, 1, &b->net) ||
        advlab_net_create(o->arch, TRAIN_BATCH, 2, &b->adv_net))
        return fail("net_create");
    if (train_start(&b->train, b->net, train, NULL) ||
        train_start(&b->adv, b->adv_net, train, &adv))
        return 1;
    if (infer_start(&b->infer, o->arch, b->net, test))
        return 1;
    if (attack_start(&b->fgsm, "fgsm", b->infer.net, b->infer.x, o->attack_images) ||
        attack_start(&b->pgd, "pgd", b->infer.net, b->infer.x, o->attack_images))
        return 1;
    if (robust_net(o->weights, o->attack_images, &b->robust) ||
        attack_start(&b->apgd, "apgd", b->robust, b->infer.x, o->attack_images) ||
        attack_start(&b->square, "square", b->robust, b->infer.x, o->square_images))
        return 1;
    if (live_start(&b->live, o->arch, b->net, b->adv_net, &b->infer))
        return 1;
    peak_start(&b->peak, o->seconds / PEAK_VARIANTS);
    return 0;
}

/* One round: every stage once, in a fixed order. */
static int round_all(benches *b, const options *o, int r)
{
    double g[PEAK_VARIANTS], s = o->seconds;
    if (train_repeat(&b->train, s, &b->train_rate[r]) ||
        infer_repeat(&b->infer, s, &b->infer_rate[r]))
        return 1;
    const float *x = b->infer.x;
    if (attack_repeat(&b->fgsm, x, o->attack_images, 0, s, &b->fgsm_rate[r]) ||
        attack_repeat(&b->pgd, x, o->attack_images, 0, s, &b->pgd_rate[r]) ||
        attack_repeat(&b->apgd, x, o->attack_images, 0, s, &b->apgd_rate[r]) ||
        attack_repeat(&b->square, x, o->square_images, 1, s, &b->square_rate[r]))
        return 1;
    if (train_repeat(&b->adv, s, &b->adv_rate[r]) || live_repeat(&b->live, s, &b->live_ms[r]))
        return 1;
    peak_repeat(&b->peak, g);
    for (int v = 0; v < PEAK_VARIANTS; v++)
        b->peak_gflops[v][r] = g[v];
    return 0;
}

static void print_rate(const char *key, const double *rate, int n)
{
    printf("\"%s\": {\"images_per_sec\": %.6g, ", key, median(rate, n));
    print_array("repeats", rate, n);
}

static void print_json(benches *b, const options *o)
{
    int n = o->repeats;
    printf("{\"engine\": \"advlab %s native\", \"arch\": \"%s\", \"threads\": 1, "
           "\"seconds_per_repeat\": %g, \"repeats\": %d, "
           "\"rounds\": \"train, infer, fgsm, pgd, apgd, square, adv_train, live, peak\", ",
           advlab_version(), advlab_net_arch(b->net), o->seconds, n);
    print_rate("train", b->train_rate, n);
    printf(", \"batch\": %d, \"warmup\": \"%d batches\", \"timed_batches\": %ld, \"optimizer\": "
           "\"adam\", \"lr\": 0.01, \"epoch_loss\": %.6g, \"epoch_accuracy\": %.6g}, ",
           TRAIN_BATCH, WARMUP_BATCHES, b->train.timed_batches, b->train.p.loss,
           b->train.p.accuracy);
    print_rate("infer", b->infer_rate, n);
    printf(", \"batch\": %d, \"timed_calls\": %ld}, ", INFER_BATCH, b->infer.timed_calls);
    print_rate("fgsm", b->fgsm_rate, n);
    printf(", \"images\": %d, \"eps\": 0.2, \"labels\": \"predictions\", \"timed_calls\": %ld}, ",
           o->attack_images, b->fgsm.timed_calls);
    print_rate("pgd", b->pgd_rate, n);
    printf(
        ", \"images\": %d, \"eps\": 0.3, \"eps_step\": 0.01, \"max_iter\": 40, \"num_random_init\": 0, "
        "\"labels\": \"predictions\", \"timed_calls\": %ld}, ",
        o->attack_images, b->pgd.timed_calls);
    print_rate("apgd", b->apgd_rate, n);
    printf(", \"images\": %d, \"name\": \"apgd\", \"norm\": \"inf\", \"eps\": 0.3, "
           "\"eps_step\": 0.6, \"max_iter\": 100, \"model\": \"%s\", \"labels\": \"predictions\", "
           "\"timed_calls\": %ld}, ",
           o->attack_images, o->weights, b->apgd.timed_calls);
    printf("\"square\": {\"queries_per_sec\": %.6g, ", median(b->square_rate, n));
    print_array("repeats", b->square_rate, n);
    printf(", \"images\": %d, \"name\": \"square\", \"norm\": \"inf\", \"eps\": 0.3, "
           "\"max_iter\": 1000, \"model\": \"%s\", \"labels\": \"predictions\", "
           "\"timed_calls\": %ld, \"queries_per_image\": %.6g}, ",
           o->square_images, o->weights, b->square.timed_calls,
           b->square.timed_queries / ((double)b->square.timed_calls * o->square_images));
    print_rate("adv_train", b->adv_rate, n);
    printf(", \"batch\": %d, \"ratio\": 0.5, \"attack\": \"fgsm eps 0.2\", \"timed_batches\": %ld, "
           "\"epoch_loss\": %.6g}, ",
           TRAIN_BATCH, b->adv.timed_batches, b->adv.p.loss);
    printf("\"live\": {\"median_ms\": %.6g, ", median(b->live_ms, n));
    print_array("repeats_median_ms", b->live_ms, n);
    printf(", \"p90_ms\": %.6g, \"samples\": %d, \"nets\": 2, \"checksum\": %ld}, ",
           quantile(b->live.ms, b->live.samples, 0.9), b->live.samples, b->live.sink);
    int best = 0;
    double med[PEAK_VARIANTS];
    for (int v = 0; v < PEAK_VARIANTS; v++) {
        med[v] = median(b->peak_gflops[v], n);
        if (med[v] > med[best])
            best = v;
    }
    printf("\"peak\": {\"gflops\": %.6g, \"chains\": %d, ", med[best], peak_chains(best));
    print_array("repeats", b->peak_gflops[best], n);
    printf(", \"by_chains\": {");
    for (int v = 0; v < PEAK_VARIANTS; v++)
        printf("%s\"%d\": %.6g", v ? ", " : "", peak_chains(v), med[v]);
    printf("}, \"checksum\": %g}, ", (double)b->peak.sink);
    printf("\"evaluate\": {\"status\": \"ok\", \"model\": \"%s\", \"images\": %d, \"workers\": 1, "
           "\"seconds\": %.6g, \"report\": %s}, ",
           o->weights, o->evaluate_images, b->evaluate.seconds, b->evaluate.report);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\"memory\": {\"max_rss_bytes\": %.0f}}\n", ru.ru_maxrss * 1024.0);
}

static void free_all(benches *b)
{
    live_free(&b->live);
    attack_bench_free(&b->fgsm);
    attack_bench_free(&b->pgd);
    attack_bench_free(&b->apgd);
    attack_bench_free(&b->square);
    advlab_net_free(b->robust);
    advlab_buffer_free(b->evaluate.report);
    advlab_trainer_free(b->train.trainer);
    advlab_trainer_free(b->adv.trainer);
    infer_free(&b->infer);
    advlab_net_free(b->net);
    advlab_net_free(b->adv_net);
}

static int run(const options *o, const advlab_dataset *train, const advlab_dataset *test)
{
    benches b = {0};
    int status = start_all(&b, o, train, test);
    for (int r = 0; r < o->repeats && !status; r++)
        status = round_all(&b, o, r);
    if (!status)
        status = evaluate_once(&b.evaluate, o, test);
    if (!status)
        print_json(&b, o);
    free_all(&b);
    return status;
}

int main(int argc, char **argv)
{
    options o = {.data_dir = "data/mnist",
                 .weights = "data/weights/pgd.safetensors",
                 .arch = "tutorial",
                 .seconds = 1.0,
                 .repeats = 5,
                 .attack_images = INFER_BATCH,
                 .square_images = 64,
                 .evaluate_images = 1000};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--quick"))
            o.seconds = 0.3, o.repeats = 3, o.evaluate_images = 200;
        else if (!strcmp(a, "--smoke"))
            o.seconds = 0.02, o.repeats = 1, o.attack_images = 32, o.square_images = 8,
            o.evaluate_images = 2;
        else if (!strcmp(a, "--data") && i + 1 < argc)
            o.data_dir = argv[++i];
        else if (!strcmp(a, "--weights") && i + 1 < argc)
            o.weights = argv[++i];
        else if (!strcmp(a, "--arch") && i + 1 < argc)
            o.arch = argv[++i];
        else if (!strcmp(a, "--seconds") && i + 1 < argc)
            o.seconds = atof(argv[++i]);
        else if (!strcmp(a, "--repeats") && i + 1 < argc)
            o.repeats = atoi(argv[++i]);
        else
            return usage();
    }
    if (o.repeats < 1 || o.repeats > MAX_REPEATS || !(o.seconds > 0.0))
        return usage();

    char img[1024], lbl[1024];
    advlab_dataset *train = NULL, *test = NULL;
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte", o.data_dir);
    snprintf(lbl, sizeof lbl, "%s/train-labels-idx1-ubyte", o.data_dir);
    if (advlab_dataset_load(img, lbl, &train))
        return fail("training set");
    snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte", o.data_dir);
    snprintf(lbl, sizeof lbl, "%s/t10k-labels-idx1-ubyte", o.data_dir);
    int status = advlab_dataset_load(img, lbl, &test) ? fail("test set") : run(&o, train, test);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return status;
}
