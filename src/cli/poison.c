/* The poisoning commands: `advlab poison` (a backdoored copy of MNIST),
 * `advlab cleanse` (activation clustering or spectral signatures, and a
 * retrain on what is left), `advlab strip` (STRIP's verdict on inputs) and
 * `advlab experiment --threat poison` (the whole loop, as a table). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "native/image_decode.h"
#include "poison/poison.h"
#include "train/trainer.h"

#define ROWS_FILE "poisoned-rows.txt"

const cli_help_section cli_poison_help = {
    "poisoning settings (--trigger pattern|pixel|FILE.png gives the kind)", &advlab__poison_spec,
    1};
const cli_help_section cli_cleanse_help = {"cleansing settings, for --defence",
                                           &advlab__cleanse_spec, 1};
const cli_help_section cli_strip_help = {"STRIP settings", &advlab__strip_spec, 1};

/* ------------------------------------------------------------ settings */

/* A drawn trigger: a 28x28 PNG whose light pixels (grey >= 128 once
 * composited on black) are the mask. */
static int load_trigger_png(const char *path, advlab_poison_config *cfg)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    advlab__pixels px = {0};
    if (advlab_file_read(path, &bytes, &len))
        return cli_fail("--trigger: %s", advlab_last_error());
    static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len < 8 || memcmp(bytes, png_signature, 8) != 0) {
        advlab_buffer_free(bytes);
        return cli_fail("--trigger: %s is not a PNG image (a trigger is a 28x28 PNG)", path);
    }
    advlab_status st = advlab__png_decode(path, bytes, len, &px);
    advlab_buffer_free(bytes);
    if (st)
        return cli_fail("--trigger: %s (a trigger is a 28x28 PNG)", advlab_last_error());
    int rc = 0;
    if (px.width != ADVLAB_TRIGGER_SIDE || px.height != ADVLAB_TRIGGER_SIDE) {
        rc = cli_fail("--trigger: %s is %dx%d pixels, a trigger is %dx%d", path, px.width,
                      px.height, ADVLAB_TRIGGER_SIDE, ADVLAB_TRIGGER_SIDE);
    } else {
        for (int i = 0; i < ADVLAB_TRIGGER_PIXELS; i++) {
            const uint8_t *p = px.bytes + 4 * (size_t)i; /* RGBA */
            int grey = (299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000;
            cfg->mask[i] = grey * p[3] / 255 >= 128;
        }
    }
    free(px.bytes);
    return rc;
}

/* --source all|N and --target next|N: the word is -1, a number goes through
 * the field table (which checks its range at create). */
static int set_class(const char *flag, const char *text, const char *word, const char *key,
                     advlab_poison_config *cfg)
{
    if (!text)
        return 0;
    if (advlab__cfg_set_text(&advlab__poison_spec, cfg, key, strcmp(text, word) == 0 ? "-1" : text))
        return cli_fail("%s: %s (a class 0..9 or \"%s\")", flag, advlab_last_error(), word);
    return 0;
}

/* The poisoning config cfg from --trigger, --source, --target and the
 * settings, which go to the first of the n configs (one of them cfg) that
 * takes each. */
static int poison_settings(const cli_options *o, advlab_poison_config *cfg,
                           const cli_config *configs, int n)
{
    const char *trigger = o->trigger ? o->trigger : "pattern";
    int is_file = strcmp(trigger, "pattern") != 0 && strcmp(trigger, "pixel") != 0;
    if (advlab_poison_config_default(is_file ? "mask" : trigger, cfg))
        return cli_fail_status();
    if (is_file && load_trigger_png(trigger, cfg))
        return 1;
    if (cli_apply_settings(o, configs, n))
        return 2;
    if (set_class("--source", o->source, "all", "source", cfg) ||
        set_class("--target", o->target, "next", "target", cfg))
        return 2;
    return 0;
}

/* ----------------------------------------------------- poisoned-rows file
 * Text, so a student can read it:
 *   # advlab poisoned rows
 *   count 60000            rows of the data it belongs to
 *   trigger pattern        then every poisoning setting, key value
 *   ...
 *   mask 0010...           (mask triggers) 784 digits, row by row
 *   rows 541               then that many row indices, ascending
 *   12
 *   ...                                                                   */

static int write_rows(const char *path, const advlab_poison_config *cfg, int count,
                      const int32_t *rows, int n)
{
    advlab_strbuf b = {0};
    advlab__sb_printf(&b, "# advlab poisoned rows\ncount %d\ntrigger %s\n", count,
                      advlab__cfg_kind_name(&advlab__poison_spec, (int)cfg->trigger));
    /* The settings the trigger's kind takes, as the field table prints them. */
    advlab_strbuf json = {0};
    advlab__cfg_json(&advlab__poison_spec, cfg, &json);
    for (char *p = json.data ? json.data + 1 : NULL; p && *p && *p != '}';) {
        char *colon = strchr(p, ':'), *end = strpbrk(colon ? colon : p, ",}");
        if (!colon || !end)
            break;
        /* A name ("inf") loses its quotes, as the setter reads it back. */
        const char *value = colon + 1;
        int len = (int)(end - value);
        if (len >= 2 && value[0] == '"') {
            value++;
            len -= 2;
        }
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(colon - p - 2), p + 1);
        if (advlab__cfg_takes(&advlab__poison_spec, cfg, key)) /* mask has no distance */
            advlab__sb_printf(&b, "%s %.*s\n", key, len, value);
        p = *end == ',' ? end + 1 : end;
    }
    advlab__sb_free(&json);
    if (cfg->trigger == ADVLAB_TRIGGER_MASK) {
        advlab__sb_printf(&b, "mask ");
        for (int i = 0; i < ADVLAB_TRIGGER_PIXELS; i++)
            advlab__sb_printf(&b, "%c", cfg->mask[i] ? '1' : '0');
        advlab__sb_printf(&b, "\n");
    }
    advlab__sb_printf(&b, "rows %d\n", n);
    for (int i = 0; i < n; i++)
        advlab__sb_printf(&b, "%d\n", (int)rows[i]);
    int rc = b.failed ? cli_fail("%s: out of memory", path)
             : advlab_file_write(path, (const uint8_t *)b.data, b.len) ? cli_fail_status()
                                                                       : 0;
    advlab__sb_free(&b);
    return rc;
}

/* Reads a poisoned-rows file written for ds: the settings into cfg, the
 * rows into *rows (free()). Any mismatch is an error naming the file. */
static int read_rows(const char *path, const advlab_dataset *ds, advlab_poison_config *cfg,
                     int32_t **rows, int *n)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (advlab_file_read(path, &bytes, &len))
        return cli_fail_status();
    char *text = realloc(bytes, len + 1);
    if (!text) {
        advlab_buffer_free(bytes);
        return cli_fail("%s: out of memory", path);
    }
    text[len] = 0;
    int rc = 1, line_no = 0, count = -1, want = -1, got = 0;
    *rows = NULL;
    advlab_poison_config_default("pattern", cfg);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        line_no++;
        char key[64], value[1024];
        if (line[0] == '#' || line[0] == 0)
            continue;
        if (want >= 0) { /* a row index */
            char *end;
            errno = 0;
            long v = strtol(line, &end, 10);
            if (errno || end == line || *end || v < INT32_MIN || v > INT32_MAX) {
                cli_fail("%s: line %d: \"%s\" is not a row number", path, line_no, line);
                goto done;
            }
            if (got == want) {
                cli_fail("%s: line %d: more rows than the %d announced", path, line_no, want);
                goto done;
            }
            (*rows)[got++] = (int32_t)v;
            continue;
        }
        if (sscanf(line, "%63s %1023s", key, value) != 2) {
            cli_fail("%s: line %d: \"%s\" is not \"key value\"", path, line_no, line);
            goto done;
        }
        if (strcmp(key, "count") == 0) {
            count = atoi(value);
            if (count != advlab_dataset_count(ds)) {
                cli_fail("%s: written for %s rows, but the data has %d", path, value,
                         advlab_dataset_count(ds));
                goto done;
            }
        } else if (strcmp(key, "trigger") == 0) {
            if (advlab_poison_config_default(value, cfg)) {
                cli_fail("%s: line %d: %s", path, line_no, advlab_last_error());
                goto done;
            }
        } else if (strcmp(key, "mask") == 0) {
            if (strlen(value) != ADVLAB_TRIGGER_PIXELS || strspn(value, "01") != strlen(value)) {
                cli_fail("%s: line %d: the mask is not %d digits 0 or 1", path, line_no,
                         ADVLAB_TRIGGER_PIXELS);
                goto done;
            }
            for (int i = 0; i < ADVLAB_TRIGGER_PIXELS; i++)
                cfg->mask[i] = value[i] == '1';
        } else if (strcmp(key, "rows") == 0) {
            want = atoi(value);
            if (count < 0 || want < 0 || want > count) {
                cli_fail("%s: line %d: \"rows %s\" before a count, or more than it", path, line_no,
                         value);
                goto done;
            }
            if (!(*rows = malloc(sizeof(int32_t) * (size_t)(want ? want : 1)))) {
                cli_fail("%s: out of memory for %d rows", path, want);
                goto done;
            }
        } else if (advlab__cfg_set_text(&advlab__poison_spec, cfg, key, value)) {
            cli_fail("%s: line %d: %s", path, line_no, advlab_last_error());
            goto done;
        }
    }
    if (want < 0 || got != want) {
        cli_fail("%s: %s", path,
                 want < 0 ? "no \"rows N\" line: not a poisoned-rows file"
                          : "fewer rows than announced");
        goto done;
    }
    if (advlab_poison_rows_check(path, *rows, got, ds) || advlab__poison_check(cfg)) {
        cli_fail_status();
        goto done;
    }
    *n = got;
    rc = 0;
done:
    if (rc) {
        free(*rows);
        *rows = NULL;
    }
    free(text);
    return rc;
}

/* ------------------------------------------------------------- helpers */

static int write_split(const char *dir, const char *prefix, const advlab_dataset *ds)
{
    uint8_t *images = NULL, *labels = NULL;
    size_t il = 0, ll = 0;
    char ipath[1024], lpath[1024];
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte", dir, prefix);
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte", dir, prefix);
    int rc = advlab_dataset_to_idx(ds, &images, &il, &labels, &ll) ||
             advlab_file_write(ipath, images, il) || advlab_file_write(lpath, labels, ll);
    advlab_buffer_free(images);
    advlab_buffer_free(labels);
    return rc ? cli_fail_status() : 0;
}

static void print_bar(const char *what, int done, int total, int tty)
{
    if (tty)
        fprintf(stderr, "\r%s %d/%d   ", what, done, total);
}

/* Trains a new net of `arch` on ds with cfg; *net is the caller's. */
static int train_net(const char *arch, const advlab_dataset *ds, const advlab_train_config *cfg,
                     const char *what, int tty, advlab_net **net)
{
    advlab_trainer *t = NULL;
    if (advlab_net_create(arch, cfg->batch, cfg->seed, net) ||
        advlab_trainer_create(*net, ds, cfg, &t))
        return cli_fail_status();
    while (!advlab_trainer_finished(t)) {
        advlab_train_progress p;
        if (advlab_trainer_run(t, 50, &p)) {
            advlab_trainer_free(t);
            return cli_fail_status();
        }
        if (tty)
            fprintf(stderr, "\r%s: epoch %d/%d batch %d/%d loss %.4f   ", what, p.epoch, p.epochs,
                    p.batch_in_epoch, p.batches_per_epoch, p.loss);
    }
    if (tty)
        fputc('\n', stderr);
    advlab_trainer_free(t);
    return 0;
}

/* Runs a cleanse to the end; *out is the caller's. */
static int run_cleanse(advlab_net *net, const advlab_dataset *ds, const advlab_cleanse_config *cfg,
                       int tty, advlab_cleanse **out)
{
    if (advlab_cleanse_create(net, ds, cfg, out))
        return cli_fail_status();
    while (!advlab_cleanse_finished(*out)) {
        int done, total;
        if (advlab_cleanse_run(*out, 20, &done, &total))
            return cli_fail_status();
        print_bar("cleanse", done, total, tty);
    }
    if (tty)
        fputc('\n', stderr);
    return 0;
}

static void print_metrics(const char *what, const advlab_poison_metrics *m)
{
    printf("%-34s clean accuracy %6.2f%% (%d)   attack success %6.2f%% (%d)\n", what,
           100 * m->clean_accuracy, m->clean_n, 100 * m->attack_success, m->attack_n);
}

/* -------------------------------------------------------------- poison */

int cli_poison(const cli_options *o)
{
    advlab_poison_config cfg;
    const cli_config configs[] = {{&advlab__poison_spec, &cfg}};
    int rc = poison_settings(o, &cfg, configs, 1);
    if (rc)
        return rc;
    if (!o->out)
        return cli_fail("poison: --out DIR is required (see advlab poison --help)");
    advlab_dataset *train = NULL, *test = NULL, *dirty = NULL;
    advlab_net *proxy = NULL;
    int32_t *rows = NULL;
    char *json = NULL;
    int n = 0;
    rc = 1;
    if (cfg.clean_label && !o->model) {
        rc = cli_fail("poison: --clean-label 1 needs --model FILE, the proxy model PGD runs on");
        goto done;
    }
    if ((cfg.clean_label && cli_load_model(o->model, 64, &proxy)) ||
        cli_load_split(o->data, "train", &train) || cli_load_split(o->data, "t10k", &test))
        goto done;
    if (mkdir(o->out, 0777) && errno != EEXIST) {
        rc = cli_fail("poison: cannot make the folder %s: %s", o->out, strerror(errno));
        goto done;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/" ROWS_FILE, o->out);
    if (advlab_poison_dataset(train, &cfg, proxy, &dirty, &rows, &n) ||
        advlab_poison_report_json(&cfg, dirty, rows, n, &json)) {
        rc = cli_fail_status();
        goto done;
    }
    if (write_split(o->out, "train", dirty) || write_split(o->out, "t10k", test) ||
        write_rows(path, &cfg, advlab_dataset_count(dirty), rows, n))
        goto done;
    if (o->json)
        printf("%s\n", json);
    else
        printf("poisoned %d of %d training rows (%s, %s); wrote %s/train-*, t10k-* and %s\n", n,
               advlab_dataset_count(dirty), cfg.clean_label ? "clean label" : "backdoor",
               advlab__cfg_kind_name(&advlab__poison_spec, (int)cfg.trigger), o->out, ROWS_FILE);
    rc = 0;
done:
    advlab_buffer_free(json);
    advlab_buffer_free(rows);
    advlab_dataset_free(dirty);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    advlab_net_free(proxy);
    return rc;
}

/* ------------------------------------------------------------- cleanse */

/* The defence's measurements: the poisoned model, and with --retrain a
 * model of the same arch trained on the rows left, saved to --out. */
static int cleanse_and_measure(const cli_options *o, advlab_net *net, const advlab_dataset *train,
                               const advlab_dataset *test, const advlab_cleanse_config *cc,
                               const advlab_train_config *tc, const advlab_poison_config *pc,
                               const int32_t *rows, int n, int tty, advlab_cleanse **out,
                               advlab_poison_metrics measured[2])
{
    advlab_poison_metrics m = {0};
    if (run_cleanse(net, train, cc, tty, out))
        return 1;
    if ((rows && advlab_cleanse_set_truth(*out, rows, n)) ||
        (pc && (advlab_poison_measure(net, test, pc, 0, &m) ||
                advlab_cleanse_add_metrics(*out, "poisoned", &m))))
        return cli_fail_status();
    measured[0] = m;
    if (!o->retrain)
        return 0;
    advlab_dataset *cleaned = NULL;
    advlab_net *fresh = NULL;
    int rc = 1;
    if (advlab_cleanse_dataset(*out, &cleaned)) {
        rc = cli_fail_status();
        goto done;
    }
    if (train_net(advlab_net_arch(net), cleaned, tc, "retrain", tty, &fresh))
        goto done;
    if (pc && (advlab_poison_measure(fresh, test, pc, 0, &m) ||
               advlab_cleanse_add_metrics(*out, "retrained", &m))) {
        rc = cli_fail_status();
        goto done;
    }
    measured[1] = m;
    if (o->out &&
        (advlab_net_set_meta(fresh, "command", o->command_line) || cli_save_model(fresh, o->out)))
        goto done;
    rc = 0;
done:
    advlab_net_free(fresh);
    advlab_dataset_free(cleaned);
    return rc;
}

static void print_cleanse(advlab_cleanse *c)
{
    const char *json = advlab_cleanse_report_json(c);
    printf("%s\n", json ? json : "{}");
}

int cli_cleanse(const cli_options *o)
{
    advlab_cleanse_config cc;
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    if (advlab_cleanse_config_default(o->defence ? o->defence : "ac", &cc))
        return cli_fail("--defence: %s", advlab_last_error()), 2;
    const cli_config configs[] = {{&advlab__cleanse_spec, &cc}, {&advlab__train_spec, &tc}};
    if (cli_apply_settings(o, configs, 2))
        return 2;
    if (!o->model)
        return cli_fail("cleanse: --model FILE is required (see advlab cleanse --help)");
    advlab_dataset *train = NULL, *test = NULL;
    advlab_net *net = NULL;
    advlab_cleanse *c = NULL;
    advlab_poison_config pc;
    int32_t *rows = NULL;
    int n = 0, rc = 1, tty = isatty(2) && !o->json;
    char path[1024];
    snprintf(path, sizeof path, "%s/" ROWS_FILE, o->data);
    const char *rows_path = o->rows ? o->rows : access(path, R_OK) == 0 ? path : NULL;
    if (cli_load_model(o->model, 256, &net) || cli_load_split(o->data, "train", &train) ||
        cli_load_split(o->data, "t10k", &test) ||
        (rows_path && read_rows(rows_path, train, &pc, &rows, &n)))
        goto done;
    advlab_poison_metrics measured[2];
    if (cleanse_and_measure(o, net, train, test, &cc, &tc, rows_path ? &pc : NULL, rows, n, tty, &c,
                            measured))
        goto done;
    if (o->json) {
        print_cleanse(c);
    } else {
        const uint8_t *flags = advlab_cleanse_flags(c);
        int flagged = 0, tp = 0;
        for (int i = 0; i < advlab_dataset_count(train); i++)
            flagged += flags[i];
        for (int i = 0; i < n; i++)
            tp += flags[rows[i]];
        printf("%s flagged %d of %d training rows", o->defence ? o->defence : "ac", flagged,
               advlab_dataset_count(train));
        if (rows_path)
            printf("; %d of the %d poisoned: precision %.2f%%, recall %.2f%%", tp, n,
                   flagged ? 100.0 * tp / flagged : 0.0, n ? 100.0 * tp / n : 0.0);
        printf("\n");
        if (rows_path)
            print_metrics("the model given", &measured[0]);
        if (rows_path && o->retrain)
            print_metrics("retrained on the rows left", &measured[1]);
    }
    rc = 0;
done:
    advlab_cleanse_free(c);
    free(rows);
    advlab_net_free(net);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return rc;
}

/* --------------------------------------------------------------- strip */

int cli_strip(const cli_options *o)
{
    advlab_strip_config sc;
    advlab_strip_config_default(&sc);
    advlab_poison_config pc;
    /* --trigger adds the trigger to the inputs; --seed is STRIP's. */
    const cli_config configs[] = {{&advlab__strip_spec, &sc}, {&advlab__poison_spec, &pc}};
    int rc = poison_settings(o, &pc, configs, 2);
    if (rc)
        return rc;
    if (!o->model)
        return cli_fail("strip: --model FILE is required (see advlab strip --help)");
    advlab_dataset *test = NULL;
    advlab_net *net = NULL;
    advlab_strip *s = NULL;
    float *pool = NULL, *x = NULL;
    int32_t *y = NULL;
    char *json = NULL;
    rc = 1;
    /* The clean pool: the last 1000 test images (the inputs come from the front). */
    int n_pool = 1000, n_all = 0, size = 0;
    if (cli_load_model(o->model, 256, &net) || cli_load_split(o->data, "t10k", &test) ||
        cli_test_images(test, &n_all, advlab_net_input_size(net), &pool, &y))
        goto done;
    size = advlab_net_input_size(net);
    if (n_all < 2 * n_pool) {
        rc = cli_fail("strip: %d test images, need at least %d", n_all, 2 * n_pool);
        goto done;
    }
    if (advlab_strip_create(net, pool + (size_t)(n_all - n_pool) * size, n_pool, &sc, &s)) {
        rc = cli_fail_status();
        goto done;
    }
    int n = 1;
    if (o->image) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        x = malloc(sizeof(float) * size);
        if (!x || advlab_file_read(o->image, &bytes, &len) ||
            advlab_image_file_to_mnist(o->image, bytes, len, x)) {
            advlab_buffer_free(bytes);
            rc = x ? cli_fail_status() : cli_fail("strip: out of memory");
            goto done;
        }
        advlab_buffer_free(bytes);
    } else {
        /* The first --limit test images (100) before the pool; with --trigger,
         * only those the poisoning targets (its source classes, not already of
         * their target), gathered to the front. */
        int want = o->limit > 0 ? o->limit : 100;
        n = 0;
        for (int i = 0; i < n_all - n_pool && n < want; i++)
            if (!o->trigger || advlab__poison_eligible(&pc, y[i]))
                memmove(pool + (size_t)n++ * size, pool + (size_t)i * size, sizeof(float) * size);
        x = pool;
        pool = NULL;
    }
    if ((o->trigger && advlab_trigger_apply(&pc, x, n)) ||
        advlab_strip_report_json(s, x, n, &json)) {
        rc = cli_fail_status();
        goto done;
    }
    if (o->json) {
        printf("%s\n", json);
    } else {
        /* The verdicts are the report's "flagged": true entries. */
        int flagged = 0;
        for (const char *p = json; (p = strstr(p, "\"flagged\":true")); p++)
            flagged++;
        printf("STRIP threshold %.4f bits: %d of %d %s input%s flagged as backdoored\n",
               advlab_strip_threshold(s), flagged, n, o->trigger ? "triggered" : "clean",
               n == 1 ? "" : "s");
    }
    rc = 0;
done:
    advlab_buffer_free(json);
    advlab_strip_free(s);
    free(pool);
    free(x);
    free(y);
    advlab_net_free(net);
    advlab_dataset_free(test);
    return rc;
}

/* ------------------------------------------------- experiment --threat poison */

static void metrics_json(const char *name, const advlab_poison_metrics *m, int comma)
{
    printf("%s\"%s\":{\"clean_accuracy\":%.6f,\"clean_images\":%d,\"attack_success\":%.6f,"
           "\"attack_images\":%d}",
           comma ? "," : "", name, m->clean_accuracy, m->clean_n, m->attack_success, m->attack_n);
}

int cli_poison_experiment(const cli_options *o)
{
    advlab_train_config tc;
    advlab_poison_config pc;
    advlab_cleanse_config cc;
    advlab_train_config_default(&tc);
    if (advlab_cleanse_config_default(o->defence ? o->defence : "ac", &cc))
        return cli_fail("--defence: %s", advlab_last_error()), 2;
    /* --seed is the training's; each config keeps its own otherwise. */
    const cli_config configs[] = {
        {&advlab__train_spec, &tc}, {&advlab__poison_spec, &pc}, {&advlab__cleanse_spec, &cc}};
    int rc = poison_settings(o, &pc, configs, 3);
    if (rc)
        return rc;
    advlab_dataset *full = NULL, *train = NULL, *test = NULL, *dirty = NULL;
    advlab_net *clean_net = NULL, *net = NULL;
    advlab_cleanse *c = NULL;
    int32_t *rows = NULL;
    char *poison_json = NULL;
    int n = 0, tty = isatty(2) && !o->json;
    advlab_poison_metrics clean_m, measured[2];
    rc = 1;
    if (cli_load_split(o->data, "train", &full) || cli_load_split(o->data, "t10k", &test))
        goto done;
    /* The first --limit rows: all when it is 0 or more than there are. */
    int count = advlab_dataset_count(full);
    if (advlab_dataset_rows(full, 0, o->limit > 0 && o->limit < count ? o->limit : count, &train)) {
        cli_fail_status();
        goto done;
    }
    /* The unpoisoned model first: the reference, and the clean label's proxy. */
    if (train_net(o->arch, train, &tc, "clean model", tty, &clean_net))
        goto done;
    if (advlab_poison_measure(clean_net, test, &pc, 0, &clean_m) ||
        advlab_poison_dataset(train, &pc, clean_net, &dirty, &rows, &n) ||
        advlab_poison_report_json(&pc, dirty, rows, n, &poison_json)) {
        rc = cli_fail_status();
        goto done;
    }
    if (train_net(o->arch, dirty, &tc, "poisoned model", tty, &net))
        goto done;
    cli_options retrain = *o;
    retrain.retrain = 1;
    retrain.out = NULL;
    if (cleanse_and_measure(&retrain, net, dirty, test, &cc, &tc, &pc, rows, n, tty, &c, measured))
        goto done;
    const char *report = advlab_cleanse_report_json(c);
    if (o->json) {
        printf("{\"command\":\"experiment\",\"threat\":\"poison\",\"arch\":\"%s\",\"rows\":%d,"
               "\"poison\":%s,",
               advlab_net_arch(net), advlab_dataset_count(train), poison_json);
        metrics_json("clean_model", &clean_m, 0);
        printf(",\"cleanse\":%s}\n", report ? report : "null");
    } else {
        const uint8_t *flags = advlab_cleanse_flags(c);
        int flagged = 0, tp = 0;
        for (int i = 0; i < advlab_dataset_count(dirty); i++)
            flagged += flags[i];
        for (int i = 0; i < n; i++)
            tp += flags[rows[i]];
        printf("poison   %d of %d training rows (%s, %s trigger)\n", n, advlab_dataset_count(dirty),
               pc.clean_label ? "clean label" : "backdoor",
               advlab__cfg_kind_name(&advlab__poison_spec, (int)pc.trigger));
        print_metrics("train    unpoisoned model", &clean_m);
        print_metrics("measure  poisoned model", &measured[0]);
        printf("cleanse  %-8s flagged %d rows: precision %.2f%%, recall %.2f%%\n",
               advlab__cfg_kind_name(&advlab__cleanse_spec, (int)cc.kind), flagged,
               flagged ? 100.0 * tp / flagged : 0.0, n ? 100.0 * tp / n : 0.0);
        print_metrics("retrain  on the rows left", &measured[1]);
    }
    rc = 0;
done:
    advlab_cleanse_free(c);
    advlab_buffer_free(poison_json);
    advlab_buffer_free(rows);
    advlab_net_free(clean_net);
    advlab_net_free(net);
    advlab_dataset_free(dirty);
    advlab_dataset_free(full);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return rc;
}
