/* The native `advlab` command: train, eval and predict on MNIST. Results go
 * to stdout (a table, or JSON with --json); progress goes to stderr. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "advlab.h"

static const char usage[] =
    "usage: advlab <command> [options]\n"
    "\n"
    "commands:\n"
    "  train    --out FILE [--arch tutorial] [--epochs 20] [--batch 64] [--lr 0.01]\n"
    "           [--optimizer adam|sgd] [--momentum 0.9] [--seed 1] [--limit N]\n"
    "           trains on MNIST, then prints the clean test accuracy\n"
    "  eval     --model FILE [--limit N]   test accuracy and confusion matrix\n"
    "  predict  --model FILE [--limit 100] --inputs-out FILE --probs-out FILE\n"
    "           writes test images and the model's probabilities as raw float32\n"
    "\n"
    "common options:\n"
    "  --data DIR   the MNIST IDX files (plain or .gz), default data/mnist;\n"
    "               Fashion-MNIST: /usr/share/datasets/fashion-mnist (Debian dataset-fashion-mnist)\n"
    "  --json       machine-readable output on stdout\n";

typedef struct {
    const char *command, *arch, *out, *model, *data, *optimizer, *inputs_out, *probs_out;
    advlab_train_config train;
    int limit, json;
} options;

static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("advlab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static int fail_status(void) { return fail("%s", advlab_last_error()); }

/* Whole-string integer in [lo, hi]; anything else is a usage error. */
static int parse_int(const char *flag, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return fail("%s: \"%s\" is not an integer in %ld..%ld", flag, s, lo, hi);
    *out = v;
    return 0;
}

static int parse_float(const char *flag, const char *s, float *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return fail("%s: \"%s\" is not a finite number", flag, s);
    *out = (float)v;
    return 0;
}

static int parse_args(int argc, char **argv, options *o)
{
    *o = (options){.command = argv[1], .arch = "tutorial", .data = "data/mnist", .optimizer = "adam"};
    advlab_train_config_default(&o->train);
    for (int i = 2; i < argc; i++) {
        const char *flag = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (strcmp(flag, "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (!val)
            return fail("%s needs a value\n\n%s", flag, usage);
        i++;
        if (strcmp(flag, "--arch") == 0) o->arch = val;
        else if (strcmp(flag, "--out") == 0) o->out = val;
        else if (strcmp(flag, "--model") == 0) o->model = val;
        else if (strcmp(flag, "--data") == 0) o->data = val;
        else if (strcmp(flag, "--optimizer") == 0) o->optimizer = val;
        else if (strcmp(flag, "--inputs-out") == 0) o->inputs_out = val;
        else if (strcmp(flag, "--probs-out") == 0) o->probs_out = val;
        else if (strcmp(flag, "--lr") == 0) { if (parse_float(flag, val, &o->train.lr)) return 1; }
        else if (strcmp(flag, "--momentum") == 0) { if (parse_float(flag, val, &o->train.momentum)) return 1; }
        else if (strcmp(flag, "--epochs") == 0) { if (parse_int(flag, val, 1, 10000, &n)) return 1; o->train.epochs = (int)n; }
        else if (strcmp(flag, "--batch") == 0) { if (parse_int(flag, val, 1, 65536, &n)) return 1; o->train.batch = (int)n; }
        else if (strcmp(flag, "--limit") == 0) { if (parse_int(flag, val, 1, 1L << 30, &n)) return 1; o->limit = (int)n; }
        else if (strcmp(flag, "--seed") == 0) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(val, &end, 10);
            if (errno || end == val || *end || val[0] == '-')
                return fail("--seed: \"%s\" is not a non-negative integer", val);
            o->train.seed = s;
        } else
            return fail("unknown option %s\n\n%s", flag, usage);
    }
    if (strcmp(o->optimizer, "adam") == 0) o->train.optimizer = ADVLAB_OPT_ADAM;
    else if (strcmp(o->optimizer, "sgd") == 0) o->train.optimizer = ADVLAB_OPT_SGD;
    else return fail("--optimizer: \"%s\" is neither adam nor sgd", o->optimizer);
    o->train.limit = o->limit;
    return 0;
}

/* Loads DIR/<base>, falling back to DIR/<base>.gz. */
static int load_split(const char *dir, const char *prefix, advlab_dataset **out)
{
    char images[1024], labels[1024];
    const char *suffix[] = {"", ".gz"};
    for (int s = 0; s < 2; s++) {
        snprintf(images, sizeof images, "%s/%s-images-idx3-ubyte%s", dir, prefix, suffix[s]);
        snprintf(labels, sizeof labels, "%s/%s-labels-idx1-ubyte%s", dir, prefix, suffix[s]);
        if (access(images, R_OK) == 0 || s == 1)
            break;
    }
    if (advlab_dataset_load(images, labels, out))
        return fail("%s\n(run `npm run lab` or `sh data/get-mnist.sh` to fetch MNIST into data/mnist)",
                    advlab_last_error());
    return 0;
}

/* The dataset's name for the weights' metadata: the data directory's last
 * component ("mnist", "fashion-mnist"). */
static void dataset_name(const char *dir, char *out, size_t size)
{
    size_t end = strlen(dir);
    while (end > 1 && dir[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    snprintf(out, size, "%.*s", (int)(end - start), dir + start);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void print_bar(const advlab_train_progress *p)
{
    int width = 24, filled = width * p->batch_in_epoch / p->batches_per_epoch;
    fprintf(stderr, "\repoch %2d/%d [%.*s%*s] loss %.4f  acc %6.2f%%  %6.0f img/s", p->epoch, p->epochs,
            filled, "########################", width - filled, "", p->loss, 100.0 * p->accuracy,
            p->images_per_sec);
}

static int cmd_train(const options *o)
{
    if (!o->out)
        return fail("train: --out FILE is required\n\n%s", usage);
    advlab_dataset *train = NULL, *test = NULL;
    advlab_net *net = NULL;
    advlab_trainer *t = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = 1, tty = isatty(2) && !o->json;
    char dataset[256];
    dataset_name(o->data, dataset, sizeof dataset);
    if (load_split(o->data, "train", &train) || load_split(o->data, "t10k", &test))
        goto done;
    if (advlab_net_create(o->arch, o->train.batch, o->train.seed, &net) ||
        advlab_net_set_meta(net, "dataset", dataset) || advlab_trainer_create(net, train, &o->train, &t)) {
        rc = fail_status();
        goto done;
    }
    if (o->json)
        printf("{\"command\":\"train\",\"arch\":\"%s\",\"seed\":%llu,\"epochs\":[", advlab_net_arch(net),
               (unsigned long long)o->train.seed);
    else
        printf("training %s on %d %s images: %d epochs, batch %d, %s lr %g, seed %llu\n",
               advlab_net_arch(net), o->limit > 0 && o->limit < advlab_dataset_count(train) ? o->limit : advlab_dataset_count(train),
               dataset, o->train.epochs, o->train.batch, o->optimizer, (double)o->train.lr,
               (unsigned long long)o->train.seed);
    fflush(stdout);
    double start = now_seconds();
    while (!advlab_trainer_finished(t)) {
        advlab_train_progress p;
        if (advlab_trainer_run(t, 50, &p)) {
            if (tty)
                fputc('\n', stderr);
            rc = fail_status();
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
            printf("epoch %2d/%d  loss %.4f  train acc %6.2f%%  %6.0f img/s\n", p.epoch, p.epochs, p.loss,
                   100.0 * p.accuracy, p.images_per_sec);
        fflush(stdout);
    }
    double seconds = now_seconds() - start, accuracy;
    if (advlab_net_evaluate(net, test, 0, &accuracy, NULL) || advlab_weights_save(net, &bytes, &len) ||
        advlab_file_write(o->out, bytes, len)) {
        rc = fail_status();
        goto done;
    }
    if (o->json)
        printf("],\"train_seconds\":%.2f,\"test_accuracy\":%.6f,\"test_images\":%d,\"out\":\"%s\"}\n", seconds,
               accuracy, advlab_dataset_count(test), o->out);
    else
        printf("test accuracy %.2f%% on %d images; trained in %.1f s; weights in %s\n", 100.0 * accuracy,
               advlab_dataset_count(test), seconds, o->out);
    rc = 0;
done:
    advlab_buffer_free(bytes);
    advlab_trainer_free(t);
    advlab_net_free(net);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return rc;
}

static int load_model(const char *path, int max_batch, advlab_net **net)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    advlab_status st = advlab_file_read(path, &bytes, &len);
    if (!st)
        st = advlab_net_from_weights(path, bytes, len, max_batch, net);
    advlab_buffer_free(bytes);
    return st ? fail_status() : 0;
}

static int cmd_eval(const options *o)
{
    if (!o->model)
        return fail("eval: --model FILE is required\n\n%s", usage);
    advlab_dataset *test = NULL;
    advlab_net *net = NULL;
    int32_t confusion[100 * 100];
    double accuracy;
    int rc = 1;
    if (load_model(o->model, 256, &net) || load_split(o->data, "t10k", &test))
        goto done;
    int k = advlab_net_classes(net), n = advlab_dataset_count(test);
    if (o->limit > 0 && o->limit < n)
        n = o->limit;
    if (k > 100) {
        rc = fail("eval: %d classes is more than the confusion matrix shows", k);
        goto done;
    }
    if (advlab_net_evaluate(net, test, n, &accuracy, confusion)) {
        rc = fail_status();
        goto done;
    }
    if (o->json) {
        printf("{\"command\":\"eval\",\"model\":\"%s\",\"arch\":\"%s\",\"images\":%d,\"accuracy\":%.6f,\"confusion\":[",
               o->model, advlab_net_arch(net), n, accuracy);
        for (int r = 0; r < k; r++) {
            printf("%s[", r ? "," : "");
            for (int c = 0; c < k; c++)
                printf("%s%d", c ? "," : "", confusion[r * k + c]);
            printf("]");
        }
        printf("]}\n");
    } else {
        printf("%s (%s): accuracy %.2f%% on %d test images\n\nconfusion (row = true, column = predicted)\n     ",
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

static int cmd_predict(const options *o)
{
    if (!o->model || !o->inputs_out || !o->probs_out)
        return fail("predict: --model, --inputs-out and --probs-out are required\n\n%s", usage);
    advlab_dataset *test = NULL;
    advlab_net *net = NULL;
    float *x = NULL, *probs = NULL;
    int32_t *idx = NULL, *y = NULL;
    int rc = 1;
    if (load_model(o->model, 256, &net) || load_split(o->data, "t10k", &test))
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
        rc = fail("predict: out of memory for %d images", n);
        goto done;
    }
    for (int i = 0; i < n; i++)
        idx[i] = i;
    advlab_dataset_gather(test, idx, n, x, y);
    if (advlab_net_predict(net, x, n, probs) ||
        advlab_file_write(o->inputs_out, (const uint8_t *)x, sizeof(float) * n * d) ||
        advlab_file_write(o->probs_out, (const uint8_t *)probs, sizeof(float) * n * k)) {
        rc = fail_status();
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

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    options o;
    if (parse_args(argc, argv, &o))
        return 2;
    if (strcmp(o.command, "train") == 0)
        return cmd_train(&o);
    if (strcmp(o.command, "eval") == 0)
        return cmd_eval(&o);
    if (strcmp(o.command, "predict") == 0)
        return cmd_predict(&o);
    return fail("unknown command \"%s\"\n\n%s", o.command, usage) ? 2 : 0;
}
