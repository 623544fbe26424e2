/* advlab_bench: the native half of bench/run.mjs. Times, on one thread,
 *   - training of a net on MNIST through advlab_trainer_run (Adam, batch 64),
 *   - inference through advlab_net_predict on a batch of 256 test images,
 *   - the SIMD128 peak kernel of bench/peak.c,
 * and prints one JSON object on stdout.
 *
 * The three are measured in rounds (train, infer, peak; train, infer, peak;
 * ...), so that whatever else runs on the machine weighs on all three alike
 * and the fraction of peak stays meaningful. Each figure is the median over
 * the rounds; a training or inference repeat lasts at least --seconds.
 *
 *   advlab_bench [--quick] [--data DIR] [--arch SPEC] [--seconds S] [--repeats R]
 *
 * This is a benchmark, never a test: nothing here fails on a slow machine. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advlab.h"
#include "peak.h"

#define MAX_REPEATS 16
#define TRAIN_BATCH 64
#define INFER_BATCH 256
#define WARMUP_BATCHES 20

typedef struct {
    const char *data_dir;
    const char *arch;
    double seconds; /* minimum length of one training or inference repeat */
    int repeats;
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

static int train_start(train_bench *b, advlab_net *net, const advlab_dataset *ds)
{
    advlab_train_config cfg;
    advlab_train_config_default(&cfg); /* Adam lr 0.01, batch 64, as the tutorial */
    cfg.epochs = 10000;                /* never reached: the repeats stop on time */
    cfg.batch = TRAIN_BATCH;
    *b = (train_bench){.n = advlab_dataset_count(ds)};
    if (advlab_trainer_create(net, ds, &cfg, &b->trainer))
        return fail("trainer_create");
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
    fprintf(stderr, "usage: advlab_bench [--quick] [--data DIR] [--arch SPEC] [--seconds S] "
                    "[--repeats R]\n");
    return 2;
}

static int run(const options *o, const advlab_dataset *train, const advlab_dataset *test)
{
    advlab_net *net = NULL;
    if (advlab_net_create(o->arch, TRAIN_BATCH, 1, &net))
        return fail("net_create");
    train_bench tb = {0};
    infer_bench ib = {0};
    peak_bench pb = {0};
    double train_rate[MAX_REPEATS], infer_rate[MAX_REPEATS], peak[PEAK_VARIANTS][MAX_REPEATS];
    int status = train_start(&tb, net, train);
    if (!status)
        status = infer_start(&ib, o->arch, net, test);
    if (!status)
        peak_start(&pb, o->seconds / PEAK_VARIANTS);
    for (int r = 0; r < o->repeats && !status; r++) {
        double g[PEAK_VARIANTS];
        status = train_repeat(&tb, o->seconds, &train_rate[r]);
        if (!status)
            status = infer_repeat(&ib, o->seconds, &infer_rate[r]);
        peak_repeat(&pb, g);
        for (int v = 0; v < PEAK_VARIANTS; v++)
            peak[v][r] = g[v];
    }
    if (!status) {
        int n = o->repeats;
        printf("{\"engine\": \"advlab %s native\", \"arch\": \"%s\", \"threads\": 1, "
               "\"seconds_per_repeat\": %g, \"repeats\": %d, \"rounds\": \"train, infer, peak\", ",
               advlab_version(), advlab_net_arch(net), o->seconds, n);
        printf("\"train\": {\"images_per_sec\": %.6g, ", median(train_rate, n));
        print_array("repeats", train_rate, n);
        printf(", \"batch\": %d, \"warmup\": \"%d batches\", \"timed_batches\": %ld, \"optimizer\": "
               "\"adam\", \"lr\": 0.01, \"epoch_loss\": %.6g, \"epoch_accuracy\": %.6g}, ",
               TRAIN_BATCH, WARMUP_BATCHES, tb.timed_batches, tb.p.loss, tb.p.accuracy);
        printf("\"infer\": {\"images_per_sec\": %.6g, ", median(infer_rate, n));
        print_array("repeats", infer_rate, n);
        printf(", \"batch\": %d, \"timed_calls\": %ld}, ", INFER_BATCH, ib.timed_calls);
        int best = 0;
        double med[PEAK_VARIANTS];
        for (int v = 0; v < PEAK_VARIANTS; v++) {
            med[v] = median(peak[v], n);
            if (med[v] > med[best])
                best = v;
        }
        printf("\"peak\": {\"gflops\": %.6g, \"chains\": %d, ", med[best], peak_chains(best));
        print_array("repeats", peak[best], n);
        printf(", \"by_chains\": {");
        for (int v = 0; v < PEAK_VARIANTS; v++)
            printf("%s\"%d\": %.6g", v ? ", " : "", peak_chains(v), med[v]);
        printf("}, \"checksum\": %g}}\n", (double)pb.sink);
    }
    advlab_trainer_free(tb.trainer);
    infer_free(&ib);
    advlab_net_free(net);
    return status;
}

int main(int argc, char **argv)
{
    options o = {.data_dir = "data/mnist", .arch = "tutorial", .seconds = 1.0, .repeats = 5};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--quick"))
            o.seconds = 0.3, o.repeats = 3;
        else if (!strcmp(a, "--data") && i + 1 < argc)
            o.data_dir = argv[++i];
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
