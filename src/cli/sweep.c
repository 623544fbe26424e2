/* `advlab sweep`: a grid of tutorial experiments (lab/sweep.c). The flags
 * become a sweep spec in JSON, the same text the page saves and --from
 * reads, so both roads meet the same checks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lab/sweep.h"

const cli_help_section cli_sweep_attack_help = {
    "attack-family settings (--family attack; --attack and --defence by name)",
    &advlab__sweep_attack_spec, 1};
const cli_help_section cli_sweep_poison_help = {
    "poison-family settings (--family poison; --trigger by name)", &advlab__sweep_poison_spec, 1};
const cli_help_section cli_sweep_steal_help = {
    "steal-family settings (--family steal; --method by name)", &advlab__sweep_steal_spec, 1};

/* The sweep's own flags, kept out of the experiment's settings. */
static const char *const sweep_keys[] = {"vary", "seeds",      "measure", "csv",
                                         "from", "checkpoint", "family"};
#define N_SWEEP_KEYS (int)(sizeof sweep_keys / sizeof sweep_keys[0])

static int is_sweep_key(const char *key)
{
    for (int i = 0; i < N_SWEEP_KEYS; i++)
        if (strcmp(key, sweep_keys[i]) == 0)
            return 1;
    return 0;
}

/* The last value given for a sweep flag, or NULL. */
static const char *flag_value(const cli_options *o, const char *key)
{
    const char *v = NULL;
    for (int i = 0; i < o->n_settings; i++)
        if (strcmp(o->settings[i].key, key) == 0)
            v = o->settings[i].value;
    return v;
}

/* A token as a JSON number when it reads as a finite one, else as a string,
 * so that the spec's checks name it ("values[1] \"abc\" is not a number"). */
static void put_token(advlab_strbuf *b, const char *token)
{
    char *end;
    double v = strtod(token, &end);
    if (end != token && !*end && isfinite(v))
        advlab__sb_json_number(b, v);
    else
        advlab__sb_json_string(b, token);
}

/* "a,b,c" as the items of a JSON list; numbers is 0 for a list of names. */
static void put_list(advlab_strbuf *b, const char *text, int numbers)
{
    advlab__sb_printf(b, "[");
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ",");
        char item[128];
        snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1), p);
        advlab__sb_printf(b, "%s", p == text ? "" : ",");
        if (numbers)
            put_token(b, item);
        else
            advlab__sb_json_string(b, item);
        p += n + (p[n] == ',');
    }
    advlab__sb_printf(b, "]");
}

/* "START:STOP:STEP" as the spec's "range": [start, stop, step], which the
 * library expands (STOP included) and checks; a non-finite number becomes
 * null, which it refuses. */
static int put_range(advlab_strbuf *b, const char *key, const char *text)
{
    double r[3];
    char extra;
    if (sscanf(text, "%lf:%lf:%lf%c", &r[0], &r[1], &r[2], &extra) != 3)
        return cli_fail("--vary %s: \"%s\" is not a range START:STOP:STEP of numbers", key, text);
    advlab__sb_printf(b, "\"range\":[");
    for (int i = 0; i < 3; i++) {
        advlab__sb_printf(b, "%s", i ? "," : "");
        advlab__sb_json_number(b, r[i]);
    }
    advlab__sb_printf(b, "]");
    return 0;
}

/* --vary KEY=V1,V2,... or KEY=START:STOP:STEP as {"key": KEY, "values": [...]}. */
static int put_axis(advlab_strbuf *b, const char *text)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return cli_fail("--vary \"%s\" is not KEY=V1,V2,... or KEY=START:STOP:STEP", text);
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)(eq - text < 63 ? eq - text : 63), text);
    advlab__sb_printf(b, "{\"key\":");
    advlab__sb_json_string(b, key);
    advlab__sb_printf(b, ",");
    if (strchr(eq + 1, ':')) {
        if (put_range(b, key, eq + 1))
            return 1;
    } else {
        advlab__sb_printf(b, "\"values\":");
        put_list(b, eq + 1, 1);
    }
    advlab__sb_printf(b, "}");
    return 0;
}

/* --attack NAME, --defence NAME (the attack family's choices), --trigger
 * NAME (the poison family's) and --method NAME (the steal family's), which
 * the CLI reads as options of their own, as settings. */
static int add_choices(const cli_options *o, const char *family, cli_options *rest)
{
    static const struct {
        const char *key, *flag, *family;
    } choices[] = {{"attack", "--attack", "attack"},
                   {"defence", "--defence", "attack"},
                   {"trigger", "--trigger", "poison"},
                   {"method", "--method", "steal"}};
    const char *values[] = {o->attack, o->defence, o->trigger, o->method};
    for (int i = 0; i < 4; i++) {
        if (!values[i])
            continue;
        if (!family || strcmp(family, choices[i].family) != 0)
            return cli_fail("sweep: %s belongs to --family %s", choices[i].flag, choices[i].family);
        if (rest->n_settings == CLI_MAX_SETTINGS)
            return cli_fail("sweep: too many settings");
        snprintf(rest->settings[rest->n_settings].key, sizeof rest->settings[0].key, "%s",
                 choices[i].key);
        rest->settings[rest->n_settings].flag = choices[i].flag;
        rest->settings[rest->n_settings++].value = values[i];
    }
    return 0;
}

/* The spec from the flags: --family, --arch, the family's settings, --vary
 * (once or twice), --seeds (or --seed) and --measure. An unknown family
 * goes to the library, which names the known ones. */
static int spec_from_flags(const cli_options *o, advlab_strbuf *b)
{
    const char *family = flag_value(o, "family");
    const advlab__cfg_spec *table = advlab__sweep_family_table(family ? family : "experiment");
    cli_options rest = *o;
    rest.n_settings = 0;
    for (int i = 0; i < o->n_settings; i++)
        if (!is_sweep_key(o->settings[i].key))
            rest.settings[rest.n_settings++] = o->settings[i];
    if (add_choices(o, family, &rest))
        return 2;
    sweep_settings cfg;
    int known = table != NULL;
    if (known)
        advlab__cfg_defaults(table, NULL, &cfg); /* no kinds: cannot fail */
    const cli_config configs[] = {{table, &cfg}};
    if (known && cli_apply_settings(&rest, configs, 1))
        return 2;
    const char *seeds = flag_value(o, "seeds"), *measure = flag_value(o, "measure");
    int seed_given = 0;
    advlab__sb_printf(b, "{");
    if (family) {
        advlab__sb_printf(b, "\"family\":");
        advlab__sb_json_string(b, family);
        advlab__sb_printf(b, ",");
    }
    advlab__sb_printf(b, "\"arch\":");
    advlab__sb_json_string(b, o->arch);
    advlab__sb_printf(b, ",\"settings\":{");
    int first = 1;
    for (int i = 0; known && i < rest.n_settings; i++) {
        const char *key = rest.settings[i].key;
        if (strcmp(key, "seed") == 0) {
            seed_given = 1;
            continue;
        }
        for (int f = 0; f < table->n_fields; f++)
            if (strcmp(table->fields[f].key, key) == 0) {
                advlab__sb_printf(b, "%s\"%s\":", first ? "" : ",", key);
                advlab__sweep_put_setting(b, &table->fields[f],
                                          advlab__cfg_get(&table->fields[f], &cfg));
                first = 0;
            }
    }
    advlab__sb_printf(b, "},\"vary\":[");
    first = 1;
    for (int i = 0; i < o->n_settings; i++)
        if (strcmp(o->settings[i].key, "vary") == 0) {
            advlab__sb_printf(b, "%s", first ? "" : ",");
            if (put_axis(b, o->settings[i].value))
                return 2;
            first = 0;
        }
    if (seed_given && seeds)
        return cli_fail("give --seeds or --seed, not both"), 2;
    advlab__sb_printf(b, "]");
    /* Without --seeds, the --seed given or the family's default; an unknown
     * family has neither, and the library refuses it first. */
    if (seeds) {
        advlab__sb_printf(b, ",\"seeds\":");
        put_list(b, seeds, 1);
    }
    for (int f = 0; !seeds && known && f < table->n_fields; f++)
        if (table->fields[f].type == ADVLAB__CFG_SEED)
            advlab__sb_printf(b, ",\"seeds\":[%.0f]", advlab__cfg_get(&table->fields[f], &cfg));
    if (!measure)
        return cli_fail("sweep: --measure NAME,... is required (see advlab sweep --help)"), 2;
    advlab__sb_printf(b, ",\"measure\":");
    put_list(b, measure, 0);
    advlab__sb_printf(b, "}");
    return 0;
}

/* The spec: --from FILE (a spec, or a sweep's results), or the flags. */
static int make_sweep(const cli_options *o, advlab_sweep **out)
{
    const char *from = flag_value(o, "from");
    advlab_status st;
    if (from) {
        for (int i = 0; i < o->n_settings; i++)
            if (!is_sweep_key(o->settings[i].key) || !strcmp(o->settings[i].key, "vary") ||
                !strcmp(o->settings[i].key, "seeds") || !strcmp(o->settings[i].key, "measure"))
                return cli_fail("--from takes the whole sweep from %s; %s is not allowed with it",
                                from, o->settings[i].flag),
                       2;
        uint8_t *bytes;
        size_t len;
        if (advlab_file_read(from, &bytes, &len))
            return cli_fail_status();
        st = advlab_sweep_create((const char *)bytes, len, out);
        advlab_buffer_free(bytes);
        if (st)
            return cli_fail("%s: %s", from, advlab_last_error());
        return 0;
    }
    advlab_strbuf spec = {0};
    int rc = spec_from_flags(o, &spec);
    if (!rc && spec.failed)
        rc = cli_fail("sweep: out of memory for the spec");
    if (!rc && advlab_sweep_create(spec.data, spec.len, out))
        rc = cli_fail_status();
    advlab__sb_free(&spec);
    return rc;
}

static int write_text(const char *path, const char *text)
{
    if (!text)
        return cli_fail("sweep: out of memory for %s", path);
    if (advlab_file_write(path, (const uint8_t *)text, strlen(text)))
        return cli_fail_status();
    return 0;
}

/* The points (mean and spread over seeds) as a table on stdout. */
static void print_points(advlab_sweep *s)
{
    const char *csv = advlab_sweep_csv(s, 1);
    for (const char *p = csv ? csv : ""; *p;) {
        size_t n = strcspn(p, "\n");
        for (size_t i = 0; i < n; i++)
            putchar(p[i] == ',' ? '\t' : p[i]);
        putchar('\n');
        p += n + (p[n] == '\n');
    }
}

int cli_sweep(const cli_options *o)
{
    advlab_sweep *s = NULL;
    int rc = make_sweep(o, &s);
    if (rc)
        return rc;
    const char *checkpoint = flag_value(o, "checkpoint"), *csv = flag_value(o, "csv");
    advlab_dataset *train = NULL, *test = NULL;
    int tty = isatty(2);
    rc = 1;
    if (checkpoint && access(checkpoint, F_OK) == 0) {
        uint8_t *bytes;
        size_t len;
        if (advlab_file_read(checkpoint, &bytes, &len))
            goto fail;
        advlab_status st = advlab_sweep_restore(s, (const char *)bytes, len);
        advlab_buffer_free(bytes);
        if (st) {
            rc = cli_fail("%s: %s", checkpoint, advlab_last_error());
            goto done;
        }
    }
    if (cli_load_split(o->data, "train", &train) || cli_load_split(o->data, "t10k", &test))
        goto done;
    int cells = advlab_sweep_cell_count(s);
    for (int cell; (cell = advlab_sweep_next_cell(s)) >= 0;) {
        advlab_sweep_progress p;
        if (advlab_sweep_run(s, train, test, cell, 20, &p))
            goto fail;
        if (tty)
            fprintf(stderr, "\r[%3.0f%%] cell %d/%d  %-26s", 100 * p.fraction, cell + 1, cells,
                    p.stage_name);
        if (!advlab_sweep_cell_done(s, cell))
            continue;
        double values[ADVLAB_SWEEP_MAX_MEASURES], seconds;
        advlab_sweep_cell_values(s, cell, values, &seconds);
        fprintf(stderr, "%scell %d/%d:", tty ? "\r" : "", cell + 1, cells);
        for (int m = 0; m < advlab_sweep_measure_count(s); m++)
            fprintf(stderr, " %s %.4f", advlab_sweep_measure_name(s, m), values[m]);
        fprintf(stderr, "  (%.1f s)%*s\n", seconds, tty ? 20 : 0, "");
        if (checkpoint && write_text(checkpoint, advlab_sweep_results_json(s)))
            goto done;
    }
    if (csv && write_text(csv, advlab_sweep_csv(s, 0)))
        goto done;
    if (o->json) {
        const char *json = advlab_sweep_results_json(s);
        if (!json) {
            rc = cli_fail("sweep: out of memory for the results");
            goto done;
        }
        printf("%s\n", json);
    } else {
        print_points(s);
    }
    rc = 0;
    goto done;
fail:
    if (tty)
        fputc('\n', stderr);
    rc = cli_fail_status();
done:
    advlab_sweep_free(s);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return rc;
}
