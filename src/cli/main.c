/* The native `advlab` command: argument parsing, shared helpers and main.
 * Results go to stdout (a table, or JSON with --json); progress and errors
 * go to stderr. A usage error exits 2, a failed command 1. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"

const char cli_usage[] =
    "usage: advlab <command> [options]\n"
    "\n"
    "commands:\n"
    "  train       --out FILE [--arch tutorial] [--epochs 20] [--batch 64] [--lr 0.01]\n"
    "              [--optimizer adam|sgd] [--momentum 0.9] [--seed 1] [--limit N]\n"
    "              trains on MNIST, then prints the clean test accuracy\n"
    "  eval        --model FILE [--limit N]   test accuracy and confusion matrix\n"
    "  predict     --model FILE [--limit 100] --inputs-out FILE --probs-out FILE\n"
    "              [--postprocess NAME[:key=value,...]]\n"
    "              writes test images and the model's probabilities as raw float32\n"
    "  predict     --model FILE --image FILE.png|jpg|bmp|pgm\n"
    "              the digit in an image (dark on light or light on dark) and its class\n"
    "  experiment  [--arch tutorial] [--save-dir DIR] [--SETTING VALUE ...]\n"
    "              the tutorial loop: train, FGSM, adversarial training, transfer, fresh\n"
    "              FGSM, PGD, pre-processors (plain vs BPDA), detector, curves.\n"
    "              settings: --seed 1234 --epochs 20 --adv-epochs 20 --eps 0.2 --ratio 0.5\n"
    "              --batch 64 --lr 0.01 --train-limit 0 --test-limit 0 --pgd-eps 0.3\n"
    "              --pgd-eps-step 0.01 --pgd-iter 40 --pgd-limit 1000 --adv-from-scratch 0\n"
    "              --adv-fresh-optimizer 0 (1: a new Adam instead of ART's continued one)\n"
    "              --curve 1 --defences 1\n"
    "  attack      --model FILE --attack fgsm|bim|pgd|deepfool|newtonfool|cw [--limit 1000]\n"
    "              [--eps 0.3 --eps-step 0.1 --max-iter 100 --norm inf|1|2 --targeted 1\n"
    "              --num-random-init 0 --minimal 1 --overshoot 0.02 --eta 0.01 --confidence 0\n"
    "              --learning-rate 0.01 --initial-const 0.01 --binary-search-steps 10 --seed 1]\n"
    "              [--target K|next] [--defence squeeze|median|jpeg|noise[:key=value,...]]\n"
    "              [--out FILE.idx|FILE.png]\n"
    "              attacks test images and reports accuracy, success rate and norms; with\n"
    "              --defence, both the plain attack and the adaptive one (BPDA)\n"
    "  defend      --out FILE [--model FILE | --arch tutorial] [--attack fgsm] [--ratio 0.5]\n"
    "              [--static FILE ...] [--epochs 20 --batch 64 --lr 0.01 --seed 1 --limit N]\n"
    "              [attack settings as above]\n"
    "              adversarial training (ART's AdversarialTrainer; --attack pgd --ratio 1 is\n"
    "              Madry's; --static models make it ensemble adversarial training)\n"
    "  detect      --model FILE [--detector squeeze[:bit_depth=1,median_window=2]|binary]\n"
    "              [--attack fgsm] [--fpr 0.05] [--limit 1000] [attack settings]\n"
    "              detection rate and false-positive rate of a detector\n"
    "\n"
    "common options:\n"
    "  --data DIR   the MNIST IDX files (plain or .gz), default data/mnist;\n"
    "               Fashion-MNIST: /usr/share/datasets/fashion-mnist (Debian dataset-fashion-mnist)\n"
    "  --json       machine-readable output on stdout\n";

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("advlab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int cli_fail_status(void) { return cli_fail("%s", advlab_last_error()); }

void cli_print_json_string(const char *s)
{
    advlab_strbuf b = {0};
    advlab__sb_json_string(&b, s);
    fputs(b.failed ? "null" : b.data, stdout);
    advlab__sb_free(&b);
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Whole-string integer in [lo, hi]; anything else is a usage error. */
static int parse_int(const char *flag, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return cli_fail("%s: \"%s\" is not an integer in %ld..%ld", flag, s, lo, hi);
    *out = v;
    return 0;
}

static int parse_float(const char *flag, const char *s, float *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return cli_fail("%s: \"%s\" is not a finite number", flag, s);
    *out = (float)v;
    return 0;
}

/* A setting's value: a number, or inf for a norm. */
static int parse_setting(const char *flag, const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || isnan(v))
        return cli_fail("%s: \"%s\" is not a number", flag, s);
    *out = v;
    return 0;
}

static int takes_train_flags(const char *command)
{
    return strcmp(command, "train") == 0 || strcmp(command, "defend") == 0;
}

/* Flags with a string value, common to all commands. */
static const char **string_flag(cli_options *o, const char *flag)
{
    struct {
        const char *flag;
        const char **field;
    } flags[] = {
        {"--arch", &o->arch},           {"--out", &o->out},
        {"--model", &o->model},         {"--data", &o->data},
        {"--optimizer", &o->optimizer}, {"--inputs-out", &o->inputs_out},
        {"--probs-out", &o->probs_out}, {"--attack", &o->attack},
        {"--defence", &o->defence},     {"--postprocess", &o->postprocess},
        {"--detector", &o->detector},   {"--target", &o->target},
        {"--save-dir", &o->save_dir},   {"--image", &o->image},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (strcmp(flag, flags[i].flag) == 0)
            return flags[i].field;
    return NULL;
}

static int parse_train_flag(cli_options *o, const char *flag, const char *val, int *handled)
{
    long n = 0;
    *handled = 1;
    if (strcmp(flag, "--lr") == 0)
        return parse_float(flag, val, &o->train.lr);
    if (strcmp(flag, "--momentum") == 0)
        return parse_float(flag, val, &o->train.momentum);
    if (strcmp(flag, "--epochs") == 0) {
        if (parse_int(flag, val, 1, 10000, &n))
            return 1;
        o->train.epochs = (int)n;
        return 0;
    }
    if (strcmp(flag, "--batch") == 0) {
        if (parse_int(flag, val, 1, 65536, &n))
            return 1;
        o->train.batch = (int)n;
        return 0;
    }
    if (strcmp(flag, "--seed") == 0) {
        char *end;
        errno = 0;
        unsigned long long s = strtoull(val, &end, 10);
        if (errno || end == val || *end || val[0] == '-')
            return cli_fail("--seed: \"%s\" is not a non-negative integer", val);
        o->train.seed = s;
        return 0;
    }
    *handled = 0;
    return 0;
}

static int add_setting(cli_options *o, const char *flag, const char *val)
{
    if (o->n_settings == CLI_MAX_SETTINGS)
        return cli_fail("too many options (at most %d settings)", CLI_MAX_SETTINGS);
    if (strlen(flag) - 2 >= sizeof o->settings[0].key)
        return cli_fail("unknown option %s\n\n%s", flag, cli_usage);
    char *key = o->settings[o->n_settings].key;
    strcpy(key, flag + 2);
    for (char *c = key; *c; c++)
        if (*c == '-')
            *c = '_';
    if (parse_setting(flag, val, &o->settings[o->n_settings].value))
        return 1;
    o->settings[o->n_settings++].text = flag;
    return 0;
}

/* Whether a shell reads s as one word, unchanged. */
static int shell_safe(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("@%+=:,./_-", *s))
            return 0;
    return 1;
}

typedef struct {
    char *text;
    size_t len, room;
    int truncated;
} line_buf;

static void line_put(line_buf *b, char c)
{
    if (b->len < b->room)
        b->text[b->len++] = c;
    else
        b->truncated = 1;
}

/* argv as a command a shell would run again: words that need it go in
 * single quotes (a quote inside becomes '\''). Past 1020 bytes the line ends
 * in "...", so it fits the library's 1023-byte metadata values. */
static const char *join_command_line(int argc, char **argv)
{
    static char text[1024];
    line_buf b = {text, 0, sizeof text - 4, 0};
    for (int i = 0; i < argc && !b.truncated; i++) {
        int quote = !shell_safe(argv[i]);
        if (i)
            line_put(&b, ' ');
        if (quote)
            line_put(&b, '\'');
        for (const char *c = argv[i]; *c; c++)
            if (*c == '\'') {
                for (const char *q = "'\\''"; *q; q++)
                    line_put(&b, *q);
            } else {
                line_put(&b, *c);
            }
        if (quote)
            line_put(&b, '\'');
    }
    if (b.truncated) {
        /* The cut may split a UTF-8 character, which the weights file would
         * reject: drop the last multi-byte character whole. */
        while (b.len > 0 && ((unsigned char)text[b.len - 1] & 0xC0) == 0x80)
            b.len--;
        if (b.len > 0 && ((unsigned char)text[b.len - 1] & 0xC0) == 0xC0)
            b.len--;
        memcpy(text + b.len, "...", 3);
        b.len += 3;
    }
    text[b.len] = 0;
    return text;
}

static int parse_args(int argc, char **argv, cli_options *o)
{
    *o = (cli_options){.command = argv[1], .arch = "tutorial", .data = "data/mnist", .optimizer = "adam",
                       .command_line = join_command_line(argc, argv)};
    advlab_train_config_default(&o->train);
    int train_flags = takes_train_flags(o->command);
    int settings = !train_flags || strcmp(o->command, "defend") == 0;
    if (strcmp(o->command, "train") == 0 || strcmp(o->command, "eval") == 0 ||
        strcmp(o->command, "predict") == 0)
        settings = 0;
    for (int i = 2; i < argc; i++) {
        const char *flag = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(flag, "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (strncmp(flag, "--", 2) != 0 || !flag[2])
            return cli_fail("unexpected argument \"%s\"\n\n%s", flag, cli_usage);
        if (!val)
            return cli_fail("%s needs a value\n\n%s", flag, cli_usage);
        i++;
        const char **field = string_flag(o, flag);
        int handled = 0;
        if (field) {
            *field = val;
        } else if (strcmp(flag, "--static") == 0) {
            if (o->n_static == CLI_MAX_STATIC)
                return cli_fail("--static: at most %d models", CLI_MAX_STATIC);
            o->statics[o->n_static++] = val;
        } else if (strcmp(flag, "--limit") == 0) {
            long n = 0;
            if (parse_int(flag, val, 1, 1L << 30, &n))
                return 1;
            o->limit = (int)n;
        } else if (train_flags && parse_train_flag(o, flag, val, &handled)) {
            return 1;
        } else if (!handled) {
            if (!settings)
                return cli_fail("unknown option %s\n\n%s", flag, cli_usage);
            if (add_setting(o, flag, val))
                return 1;
        }
    }
    if (strcmp(o->optimizer, "adam") == 0)
        o->train.optimizer = ADVLAB_OPT_ADAM;
    else if (strcmp(o->optimizer, "sgd") == 0)
        o->train.optimizer = ADVLAB_OPT_SGD;
    else
        return cli_fail("--optimizer: \"%s\" is neither adam nor sgd", o->optimizer);
    o->train.limit = o->limit;
    return 0;
}

int cli_apply_settings(const cli_options *o, void *cfg, cli_setter set)
{
    for (int i = 0; i < o->n_settings; i++)
        if (set(cfg, o->settings[i].key, o->settings[i].value)) {
            cli_fail("%s: %s\n\n%s", o->settings[i].text, advlab_last_error(), cli_usage);
            return 2;
        }
    return 0;
}

static char spec_message[256];

advlab_status cli_spec_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(spec_message, sizeof spec_message, fmt, ap);
    va_end(ap);
    return ADVLAB_E_ARG;
}

static const char *spec_error(void) { return spec_message[0] ? spec_message : advlab_last_error(); }

int cli_parse_spec(const char *flag, const char *spec, void *cfg, cli_defaulter def, cli_setter set)
{
    spec_message[0] = 0;
    char name[64];
    size_t len = strcspn(spec, ":");
    if (len >= sizeof name)
        return cli_fail("%s: \"%s\" is too long", flag, spec);
    memcpy(name, spec, len);
    name[len] = 0;
    if (def(name, cfg))
        return cli_fail("%s: %s", flag, spec_error());
    const char *p = spec[len] == ':' ? spec + len + 1 : NULL;
    while (p && *p) {
        char item[128], *eq, *end;
        size_t n = strcspn(p, ",");
        if (n >= sizeof item)
            return cli_fail("%s: \"%.*s\" is too long", flag, (int)n, p);
        memcpy(item, p, n);
        item[n] = 0;
        p = p[n] == ',' ? p + n + 1 : p + n;
        if (!(eq = strchr(item, '=')))
            return cli_fail("%s: \"%s\" is not key=value", flag, item);
        *eq = 0;
        double v = strtod(eq + 1, &end);
        if (end == eq + 1 || *end)
            return cli_fail("%s: %s=\"%s\" is not a number", flag, item, eq + 1);
        if (set(cfg, item, v))
            return cli_fail("%s: %s", flag, spec_error());
    }
    return 0;
}

advlab_status cli_default_attack(const char *name, void *cfg)
{
    return advlab_attack_config_default(name, cfg);
}
advlab_status cli_set_attack(void *cfg, const char *key, double value)
{
    return advlab_attack_config_set(cfg, key, value);
}
advlab_status cli_default_pre(const char *name, void *cfg)
{
    return advlab_preprocess_config_default(name, cfg);
}
advlab_status cli_set_pre(void *cfg, const char *key, double value)
{
    return advlab_preprocess_config_set(cfg, key, value);
}
advlab_status cli_default_post(const char *name, void *cfg)
{
    return advlab_postprocess_config_default(name, cfg);
}
advlab_status cli_set_post(void *cfg, const char *key, double value)
{
    return advlab_postprocess_config_set(cfg, key, value);
}
advlab_status cli_set_experiment(void *cfg, const char *key, double value)
{
    return advlab_experiment_config_set(cfg, key, value);
}

int cli_load_split(const char *dir, const char *prefix, advlab_dataset **out)
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
        return cli_fail("%s\n(run `npm run lab` or `sh data/get-mnist.sh` to fetch MNIST into data/mnist)",
                        advlab_last_error());
    return 0;
}

void cli_dataset_name(const char *dir, char *out, size_t size)
{
    size_t end = strlen(dir);
    while (end > 1 && dir[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    snprintf(out, size, "%.*s", (int)(end - start), dir + start);
}

int cli_load_model(const char *path, int max_batch, advlab_net **net)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    advlab_status st = advlab_file_read(path, &bytes, &len);
    if (!st)
        st = advlab_net_from_weights(path, bytes, len, max_batch, net);
    advlab_buffer_free(bytes);
    return st ? cli_fail_status() : 0;
}

int cli_save_model(const advlab_net *net, const char *path)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    advlab_status st = advlab_weights_save(net, &bytes, &len);
    if (!st)
        st = advlab_file_write(path, bytes, len);
    advlab_buffer_free(bytes);
    return st ? cli_fail_status() : 0;
}

int cli_test_images(const advlab_dataset *test, int *n, int in_size, float **x, int32_t **y)
{
    int count = advlab_dataset_count(test);
    if (*n <= 0 || *n > count)
        *n = count;
    int32_t *idx = malloc(sizeof(int32_t) * *n);
    *x = malloc(sizeof(float) * (size_t)*n * in_size);
    *y = malloc(sizeof(int32_t) * *n);
    if (!idx || !*x || !*y) {
        free(idx);
        return cli_fail("out of memory for %d test images", *n);
    }
    for (int i = 0; i < *n; i++)
        idx[i] = i;
    advlab_dataset_gather(test, idx, *n, *x, *y);
    free(idx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(cli_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    static const struct {
        const char *name;
        int (*run)(const cli_options *);
    } commands[] = {
        {"train", cli_train},   {"eval", cli_eval},     {"predict", cli_predict},
        {"attack", cli_attack}, {"detect", cli_detect}, {"defend", cli_defend},
        {"experiment", cli_experiment},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        cli_options o;
        if (parse_args(argc, argv, &o))
            return 2;
        return commands[i].run(&o);
    }
    cli_fail("unknown command \"%s\"\n\n%s", argv[1], cli_usage);
    return 2;
}
