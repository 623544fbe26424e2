/* A sweep's spec: read from JSON, checked (settings, values, ranges,
 * seeds, measurements, the caps on cells and work) and written back in full,
 * the canonical text that results and checkpoints carry. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "lab/sweep.h"

/* Work estimates take limits of 0 (all images) as full MNIST. */
#define FULL_TRAIN 60000
#define FULL_TEST 10000

static const char *const family_names[] = {"experiment", "attack", "poison", "steal"};
#define N_FAMILIES (int)(sizeof family_names / sizeof *family_names)

const advlab__cfg_spec *advlab__sweep_family_table(const char *name)
{
    for (int f = 0; f < N_FAMILIES; f++)
        if (strcmp(name, family_names[f]) == 0) {
            advlab_sweep s = {.family = (sweep_family)f};
            return advlab__sweep_table(&s);
        }
    return NULL;
}

/* The family's measurements, NULL-terminated; NULL for the experiment's,
 * which its plan gives. */
static const char *const *family_measures(const advlab_sweep *s)
{
    return s->family == SWEEP_ATTACK   ? advlab__sweep_attack_measures
           : s->family == SWEEP_POISON ? advlab__sweep_poison_measures
           : s->family == SWEEP_STEAL  ? advlab__sweep_steal_measures
                                       : NULL;
}

static const advlab__cfg_field *find_setting(const advlab_sweep *s, const char *key)
{
    const advlab__cfg_spec *table = advlab__sweep_table(s);
    for (int i = 0; i < table->n_fields; i++)
        if (strcmp(table->fields[i].key, key) == 0)
            return &table->fields[i];
    return NULL;
}

/* "train_limit, test_limit, ...": the settings a spec may give. */
static const char *setting_keys(const advlab_sweep *s, char *buf, size_t len)
{
    const advlab__cfg_spec *table = advlab__sweep_table(s);
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < table->n_fields; i++)
        if (table->fields[i].type != ADVLAB__CFG_SEED)
            used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
                                     used ? ", " : "", table->fields[i].key);
    return buf;
}

/* Fails with "sweep spec: <where>: <the last error>": the message is copied
 * first, as advlab__fail writes over it. */
static advlab_status wrap_error(const char *where)
{
    char message[400];
    snprintf(message, sizeof message, "%s", advlab_last_error());
    return advlab__fail(ADVLAB_E_ARG, "sweep spec: %s: %s", where, message);
}

/* The setting called key, which a spec may give (every field but the seed,
 * which is the seeds' list). */
static advlab_status setting(const advlab_sweep *s, const char *where, const char *key,
                             const advlab__cfg_field **out)
{
    char keys[400];
    if (strcmp(key, "seed") == 0)
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: %s: give seeds in \"seeds\", not as seed",
                            where);
    if (!(*out = find_setting(s, key)))
        return advlab__fail(
            ADVLAB_E_ARG, "sweep spec: %s: unknown setting \"%s\" (settings%s%s%s: %s)", where, key,
            s->family ? " of the " : "", s->family ? family_names[s->family] : "",
            s->family ? " family" : "", setting_keys(s, keys, sizeof keys));
    return ADVLAB_OK;
}

/* "a, b, c": a choice's names. */
static const char *choice_names(const advlab__cfg_field *f, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; f->choices[i]; i++)
        used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s", i ? ", " : "",
                                 f->choices[i]);
    return buf;
}

/* Sets field f of cfg from v: a number, or a choice's name. On failure, the
 * message says where. */
static advlab_status set_value(const advlab_sweep *s, const char *where, const advlab__cfg_field *f,
                               const advlab__json *v, void *cfg)
{
    const advlab__cfg_spec *table = advlab__sweep_table(s);
    const char *name = advlab__json_string(v);
    double x;
    if (f->type == ADVLAB__CFG_CHOICE) {
        char names[256];
        if (!name)
            return advlab__fail(ADVLAB_E_ARG, "sweep spec: %s: %s takes a name (%s)", where, f->key,
                                choice_names(f, names, sizeof names));
        if (advlab__cfg_set_text(table, cfg, f->key, name))
            return wrap_error(where);
        return ADVLAB_OK;
    }
    if (f->type == ADVLAB__CFG_NORM && name && strcmp(name, "inf") == 0)
        x = INFINITY;
    else if (!advlab__json_number(v, &x))
        x = NAN;
    if (!isnan(x)) {
        if (advlab__cfg_set(table, cfg, f->key, x))
            return wrap_error(where);
        return ADVLAB_OK;
    }
    if (name)
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: %s \"%.40s\" is not a number", where, name);
    return advlab__fail(ADVLAB_E_ARG, "sweep spec: %s is not a number", where);
}

static advlab_status read_settings(advlab_sweep *s, const advlab__json *v)
{
    if (v->type != ADVLAB__JSON_OBJECT)
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: settings is not an object");
    for (const advlab__json *m = v->child; m; m = m->next) {
        const advlab__cfg_field *f;
        char where[96];
        TRY(setting(s, "settings", m->key, &f));
        snprintf(where, sizeof where, "settings: %s", m->key);
        TRY(set_value(s, where, f, m, &s->base));
    }
    if (advlab__cfg_check(advlab__sweep_table(s), &s->base))
        return wrap_error("settings");
    return ADVLAB_OK;
}

/* Value i of a varied setting: one the setting takes and holds in range
 * (checked on the settings with that value), and not a repeat. */
static advlab_status put_value(const advlab_sweep *s, sweep_axis *axis, int i,
                               const advlab__json *json, double x)
{
    const advlab__cfg_spec *table = advlab__sweep_table(s);
    const char *key = axis->field->key;
    char where[96];
    snprintf(where, sizeof where, "vary %s: values[%d]", key, i);
    sweep_settings cfg = s->base;
    if (json)
        TRY(set_value(s, where, axis->field, json, &cfg));
    else if (advlab__cfg_set(table, &cfg, key, x))
        return wrap_error(where);
    if (advlab__cfg_check(table, &cfg))
        return wrap_error(where);
    double v = advlab__cfg_get(axis->field, &cfg);
    for (int j = 0; j < i; j++)
        if (axis->values[j] == v)
            return advlab__fail(ADVLAB_E_ARG, "sweep spec: vary %s: values[%d] repeats values[%d]",
                                key, i, j);
    axis->values[i] = v;
    axis->n = i + 1;
    return ADVLAB_OK;
}

static advlab_status read_values(const advlab_sweep *s, sweep_axis *axis,
                                 const advlab__json *values)
{
    int i = 0;
    for (const advlab__json *v = values->child; v; v = v->next, i++)
        TRY(put_value(s, axis, i, v, 0.0));
    return ADVLAB_OK;
}

/* How many values "range": [start, stop, step] gives, stop included. The
 * count allows stop to sit a rounding error below start + n*step
 * ((0.3 - 0) / 0.05 is 5.999...). */
static advlab_status range_count(const char *key, const advlab__json *range, double *r, int *n)
{
    int i = 0;
    for (const advlab__json *v = range->child; v && i < 3; v = v->next)
        i += advlab__json_number(v, &r[i]) && isfinite(r[i]);
    if (i != 3 || range->len != 3)
        return advlab__fail(ADVLAB_E_ARG,
                            "sweep spec: vary %s: range must be [start, stop, step], three numbers",
                            key);
    if (!(r[2] > 0) || r[1] < r[0])
        return advlab__fail(ADVLAB_E_ARG,
                            "sweep spec: vary %s: range [%g, %g, %g] needs step > 0 and "
                            "stop >= start",
                            key, r[0], r[1], r[2]);
    double count = floor((r[1] - r[0]) / r[2] + 1e-9) + 1;
    if (count > ADVLAB_SWEEP_MAX_CELLS)
        return advlab__fail(ADVLAB_E_ARG,
                            "sweep spec: vary %s: range [%g, %g, %g] has %.0f values, over the cap "
                            "of %d cells",
                            key, r[0], r[1], r[2], count, ADVLAB_SWEEP_MAX_CELLS);
    *n = (int)count;
    return ADVLAB_OK;
}

#define AXIS_FORM \
    "{\"key\": ..., \"values\": [...]} or {\"key\": ..., \"range\": [start, stop, step]}"

static advlab_status read_axis(advlab_sweep *s, const advlab__json *v)
{
    if (v->type != ADVLAB__JSON_OBJECT)
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: vary: each item is " AXIS_FORM);
    const char *key = advlab__json_string(advlab__json_get(v, "key"));
    const advlab__json *values = advlab__json_get(v, "values"),
                       *range = advlab__json_get(v, "range");
    const advlab__json *list = values ? values : range;
    if (!key || !list || list->type != ADVLAB__JSON_ARRAY || v->len != 2)
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: vary: each item is " AXIS_FORM);
    sweep_axis *axis = &s->vary[s->n_vary];
    TRY(setting(s, "vary", key, &axis->field));
    if (range && axis->field->type == ADVLAB__CFG_CHOICE)
        return advlab__fail(
            ADVLAB_E_ARG, "sweep spec: vary %s: a choice takes a list of names, not a range", key);
    for (int a = 0; a < s->n_vary; a++)
        if (s->vary[a].field == axis->field)
            return advlab__fail(ADVLAB_E_ARG, "sweep spec: vary: %s is varied twice", key);
    double r[3];
    int n = (int)(list->len < ADVLAB_SWEEP_MAX_CELLS ? list->len : ADVLAB_SWEEP_MAX_CELLS + 1);
    if (range)
        TRY(range_count(key, range, r, &n));
    else if (n == 0)
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: vary %s: the value list is empty", key);
    else if (n > ADVLAB_SWEEP_MAX_CELLS)
        return advlab__fail(ADVLAB_E_ARG,
                            "sweep spec: vary %s: %zu values is over the cap of %d cells", key,
                            values->len, ADVLAB_SWEEP_MAX_CELLS);
    axis->values = malloc(sizeof(double) * (size_t)n);
    if (!axis->values)
        return advlab__fail(ADVLAB_E_NOMEM, "sweep spec: vary %s", key);
    s->n_vary++;
    if (values)
        return read_values(s, axis, values);
    /* Each value from the ends, never by adding steps, so no error builds up. */
    for (int i = 0; i < n; i++)
        TRY(put_value(s, axis, i, NULL, r[0] + i * r[2]));
    return ADVLAB_OK;
}

static advlab_status read_vary(advlab_sweep *s, const advlab__json *v)
{
    if (!v || v->type != ADVLAB__JSON_ARRAY || v->len < 1 || v->len > SWEEP_MAX_VARY)
        return advlab__fail(ADVLAB_E_ARG,
                            "sweep spec: vary must list one or two settings to vary, as "
                            "[{\"key\": \"eps\", \"values\": [0, 0.1]}]");
    for (const advlab__json *m = v->child; m; m = m->next)
        TRY(read_axis(s, m));
    return ADVLAB_OK;
}

static advlab_status read_seeds(advlab_sweep *s, const advlab__json *v)
{
    if (!v) {
        s->seeds = malloc(sizeof *s->seeds);
        if (!s->seeds)
            return advlab__fail(ADVLAB_E_NOMEM, "sweep spec: seeds");
        s->seeds[0] = (uint64_t)advlab__cfg_get(find_setting(s, "seed"), &s->base);
        s->n_seeds = 1;
        return ADVLAB_OK;
    }
    if (v->type != ADVLAB__JSON_ARRAY || v->len == 0)
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: seeds must be a non-empty list of integers");
    if (v->len > ADVLAB_SWEEP_MAX_CELLS)
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: %zu seeds is over the cap of %d cells",
                            v->len, ADVLAB_SWEEP_MAX_CELLS);
    s->seeds = malloc(sizeof *s->seeds * v->len);
    if (!s->seeds)
        return advlab__fail(ADVLAB_E_NOMEM, "sweep spec: seeds");
    for (const advlab__json *m = v->child; m; m = m->next) {
        uint64_t seed;
        if (!advlab__json_uint(m, &seed))
            return advlab__fail(ADVLAB_E_ARG, "sweep spec: seeds[%d] is not an integer in 0..2^53",
                                s->n_seeds);
        for (int j = 0; j < s->n_seeds; j++)
            if (s->seeds[j] == seed)
                return advlab__fail(ADVLAB_E_ARG, "sweep spec: seeds[%d] repeats seeds[%d]",
                                    s->n_seeds, j);
        s->seeds[s->n_seeds++] = seed;
    }
    return ADVLAB_OK;
}

/* The names the experiment can report with its stages on (curve and
 * defences 1, or 0 for the shorter list that messages give). */
static advlab_status known_names(const advlab_sweep *s, int stages,
                                 char names[][ADVLAB__MEASUREMENT_NAME], int *n)
{
    advlab_experiment_config all = s->base.experiment;
    double costs[MAX_TASKS];
    all.curve = all.defences = stages;
    all.pgd_limit = 1;
    return advlab__experiment_plan(&all, 1, 1, names, costs, n);
}

static advlab_status unknown_family_measure(const advlab_sweep *s, int i, const char *name)
{
    const char *const *names = family_measures(s);
    advlab_strbuf list = {0};
    for (int k = 0; names[k]; k++)
        advlab__sb_printf(&list, "%s%s", k ? ", " : "", names[k]);
    advlab_status st = advlab__fail(ADVLAB_E_ARG,
                                    "sweep spec: measure[%d] \"%.48s\" is not a measurement of the "
                                    "%s family (%s)",
                                    i, name, family_names[s->family], list.data ? list.data : "");
    advlab__sb_free(&list);
    return st;
}

static advlab_status unknown_measure(const advlab_sweep *s, int i, const char *name)
{
    if (family_measures(s))
        return unknown_family_measure(s, i, name);
    char names[MAX_TASKS][ADVLAB__MEASUREMENT_NAME];
    int n;
    TRY(known_names(s, 0, names, &n));
    advlab_strbuf list = {0};
    for (int t = 0; t < n; t++)
        advlab__sb_printf(&list, "%s, ", names[t]);
    advlab_status st = advlab__fail(ADVLAB_E_ARG,
                                    "sweep spec: measure[%d] \"%.48s\" is not a measurement of the "
                                    "experiment (%sthe pre-processors' and the curves': see advlab "
                                    "experiment --json)",
                                    i, name, list.data ? list.data : "");
    advlab__sb_free(&list);
    return st;
}

static advlab_status read_measure(advlab_sweep *s, const advlab__json *v)
{
    if (!v || v->type != ADVLAB__JSON_ARRAY || v->len == 0)
        return advlab__fail(ADVLAB_E_ARG,
                            "sweep spec: measure must list the measurements to take, as "
                            "[\"fgsm_defended\"]");
    if (v->len > ADVLAB_SWEEP_MAX_MEASURES)
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: %zu measurements is over the cap of %d",
                            v->len, ADVLAB_SWEEP_MAX_MEASURES);
    s->measure = malloc(sizeof *s->measure * v->len);
    if (!s->measure)
        return advlab__fail(ADVLAB_E_NOMEM, "sweep spec: measure");
    char names[MAX_TASKS][ADVLAB__MEASUREMENT_NAME];
    int n = 0;
    const char *const *family = family_measures(s);
    if (family)
        for (; family[n]; n++)
            snprintf(names[n], sizeof names[n], "%s", family[n]);
    else
        TRY(known_names(s, 1, names, &n));
    for (const advlab__json *m = v->child; m; m = m->next) {
        const char *name = advlab__json_string(m);
        int i = s->n_measure, known = 0;
        if (!name)
            return advlab__fail(ADVLAB_E_ARG, "sweep spec: measure[%d] is not a name", i);
        for (int t = 0; t < n; t++)
            known |= strcmp(names[t], name) == 0;
        if (!known)
            return unknown_measure(s, i, name);
        for (int j = 0; j < i; j++)
            if (strcmp(s->measure[j], name) == 0)
                return advlab__fail(ADVLAB_E_ARG, "sweep spec: measure[%d] repeats measure[%d]", i,
                                    j);
        snprintf(s->measure[i], ADVLAB__MEASUREMENT_NAME, "%s", name);
        s->n_measure++;
    }
    return ADVLAB_OK;
}

/* Whether every measurement is in the plan of the full config with one
 * stage switched off. */
static advlab_status needs(const advlab_sweep *s, const char *stage, int *need)
{
    advlab_experiment_config cfg = s->base.experiment;
    int task_of[ADVLAB_SWEEP_MAX_MEASURES], last;
    double cost;
    cfg.curve = strcmp(stage, "curve") != 0;
    cfg.defences = strcmp(stage, "defences") != 0;
    cfg.pgd_limit = strcmp(stage, "pgd") != 0;
    TRY(advlab__sweep_plan_cell(s, &cfg, 1, 1, task_of, &last, &cost));
    *need = 0;
    for (int m = 0; m < s->n_measure; m++)
        *need |= task_of[m] < 0;
    return ADVLAB_OK;
}

static int limited(int limit, int full) { return limit > 0 && limit < full ? limit : full; }

/* Checks that every cell of an experiment sweep makes every measurement,
 * and adds up the work. */
static advlab_status check_experiment_cells(advlab_sweep *s)
{
    TRY(needs(s, "curve", &s->need_curve));
    TRY(needs(s, "defences", &s->need_defences));
    TRY(needs(s, "pgd", &s->need_pgd));
    s->work = 0.0;
    for (int c = 0; c < s->n_cells; c++) {
        advlab_experiment_config cfg;
        int task_of[ADVLAB_SWEEP_MAX_MEASURES], last;
        double cost;
        advlab_sweep_cell_config(s, c, &cfg);
        TRY(advlab__sweep_plan_cell(s, &cfg, limited(cfg.train_limit, FULL_TRAIN),
                                    limited(cfg.test_limit, FULL_TEST), task_of, &last, &cost));
        for (int m = 0; m < s->n_measure; m++)
            if (task_of[m] < 0) {
                advlab_strbuf at = {0};
                advlab__sweep_put_point_settings(&at, s, c / s->n_seeds);
                advlab_status st = advlab__fail(
                    ADVLAB_E_ARG,
                    "sweep spec: the experiment does not make %s with the settings of cell %d "
                    "(%s; see curve, defences and pgd_limit)",
                    s->measure[m], c, at.data ? at.data : "");
                advlab__sb_free(&at);
                return st;
            }
        s->work += cost;
    }
    return ADVLAB_OK;
}

/* Checks every cell and the cap on the work. */
static advlab_status check_cells(advlab_sweep *s)
{
    if (s->family == SWEEP_ATTACK)
        TRY(advlab__sweep_attack_check(s));
    else if (s->family == SWEEP_POISON)
        TRY(advlab__sweep_poison_check(s));
    else if (s->family == SWEEP_STEAL)
        TRY(advlab__sweep_steal_check(s));
    else
        TRY(check_experiment_cells(s));
    if (s->work > ADVLAB_SWEEP_MAX_WORK)
        return advlab__fail(ADVLAB_E_ARG,
                            "sweep spec: the estimated work, %.3g image passes, is over the cap of "
                            "%.3g (ADVLAB_SWEEP_MAX_WORK; limits of 0 count as %d training and %d "
                            "test images): use fewer cells, epochs or images",
                            s->work, ADVLAB_SWEEP_MAX_WORK, FULL_TRAIN, FULL_TEST);
    return ADVLAB_OK;
}

static advlab_status count_cells(advlab_sweep *s)
{
    double cells = s->n_seeds;
    for (int a = 0; a < s->n_vary; a++)
        cells *= s->vary[a].n;
    if (cells > ADVLAB_SWEEP_MAX_CELLS) {
        char how[96] = "";
        size_t used = 0;
        for (int a = 0; a < s->n_vary; a++)
            used += (size_t)snprintf(how + used, sizeof how - used, "%d %s x ", s->vary[a].n,
                                     s->vary[a].field->key);
        return advlab__fail(ADVLAB_E_ARG,
                            "sweep spec: %.0f cells (%s%d seeds) is over the cap of %d cells",
                            cells, how, s->n_seeds, ADVLAB_SWEEP_MAX_CELLS);
    }
    s->n_cells = (int)cells;
    s->n_points = s->n_cells / s->n_seeds;
    return ADVLAB_OK;
}

static void write_spec(advlab_sweep *s)
{
    const advlab__cfg_spec *table = advlab__sweep_table(s);
    advlab_strbuf *b = &s->spec_json;
    advlab__sb_printf(b, "{");
    /* The experiment, the first family, is left out: its specs read as before. */
    if (s->family != SWEEP_EXPERIMENT)
        advlab__sb_printf(b, "\"family\":\"%s\",", family_names[s->family]);
    advlab__sb_printf(b, "\"arch\":");
    advlab__sb_json_string(b, s->arch);
    advlab__sb_printf(b, ",\"settings\":{");
    int first = 1;
    for (int i = 0; i < table->n_fields; i++) {
        const advlab__cfg_field *f = &table->fields[i];
        int varied = 0;
        for (int a = 0; a < s->n_vary; a++)
            varied |= s->vary[a].field == f;
        if (varied || f->type == ADVLAB__CFG_SEED)
            continue;
        advlab__sb_printf(b, "%s\"%s\":", first ? "" : ",", f->key);
        advlab__sweep_put_setting(b, f, advlab__cfg_get(f, &s->base));
        first = 0;
    }
    advlab__sb_printf(b, "},\"vary\":[");
    for (int a = 0; a < s->n_vary; a++) {
        advlab__sb_printf(b, "%s{\"key\":\"%s\",\"values\":[", a ? "," : "", s->vary[a].field->key);
        for (int i = 0; i < s->vary[a].n; i++) {
            advlab__sb_printf(b, "%s", i ? "," : "");
            advlab__sweep_put_setting(b, s->vary[a].field, s->vary[a].values[i]);
        }
        advlab__sb_printf(b, "]}");
    }
    advlab__sb_printf(b, "],\"seeds\":[");
    for (int i = 0; i < s->n_seeds; i++)
        advlab__sb_printf(b, "%s%llu", i ? "," : "", (unsigned long long)s->seeds[i]);
    advlab__sb_printf(b, "],\"measure\":[");
    for (int m = 0; m < s->n_measure; m++) {
        advlab__sb_printf(b, "%s", m ? "," : "");
        advlab__sb_json_string(b, s->measure[m]);
    }
    advlab__sb_printf(b, "]}");
}

static advlab_status read_family(advlab_sweep *s, const advlab__json *v)
{
    const char *name = v ? advlab__json_string(v) : "experiment";
    for (int f = 0; name && f < N_FAMILIES; f++)
        if (strcmp(name, family_names[f]) == 0) {
            s->family = (sweep_family)f;
            return ADVLAB_OK;
        }
    if (name)
        return advlab__fail(ADVLAB_E_ARG,
                            "sweep spec: family \"%.40s\" is unknown (families: experiment, "
                            "attack, poison, steal)",
                            name);
    return advlab__fail(ADVLAB_E_ARG,
                        "sweep spec: family must be a name (experiment, attack, poison, steal)");
}

static advlab_status read_spec(advlab_sweep *s, const advlab__json *spec)
{
    static const char *const members[] = {"family", "arch", "settings", "vary", "seeds", "measure"};
    if (spec->type != ADVLAB__JSON_OBJECT)
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: expected an object {\"vary\": ..., "
                                          "\"measure\": ...}");
    for (const advlab__json *m = spec->child; m; m = m->next) {
        size_t k = 0;
        while (k < 6 && strcmp(m->key, members[k]) != 0)
            k++;
        if (k == 6)
            return advlab__fail(ADVLAB_E_ARG,
                                "sweep spec: unknown member \"%.40s\" (known: family, arch, "
                                "settings, vary, seeds, measure)",
                                m->key);
    }
    TRY(read_family(s, advlab__json_get(spec, "family")));
    const advlab__json *arch = advlab__json_get(spec, "arch");
    const char *name = arch ? advlab__json_string(arch) : "tutorial";
    if (!name || !*name || strlen(name) >= sizeof s->arch)
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: arch must be an arch spec or preset name "
                                          "of 1 to 127 bytes");
    snprintf(s->arch, sizeof s->arch, "%s", name);
    advlab__cfg_defaults(advlab__sweep_table(s), NULL, &s->base); /* no kinds: cannot fail */
    const advlab__json *settings = advlab__json_get(spec, "settings");
    if (settings)
        TRY(read_settings(s, settings));
    TRY(read_vary(s, advlab__json_get(spec, "vary")));
    if (settings)
        for (int a = 0; a < s->n_vary; a++)
            if (advlab__json_get(settings, s->vary[a].field->key))
                return advlab__fail(ADVLAB_E_ARG, "sweep spec: %s is both in settings and varied",
                                    s->vary[a].field->key);
    TRY(read_seeds(s, advlab__json_get(spec, "seeds")));
    TRY(read_measure(s, advlab__json_get(spec, "measure")));
    TRY(count_cells(s));
    TRY(check_cells(s));
    s->done = calloc((size_t)s->n_cells, 1);
    s->values = calloc((size_t)s->n_cells * s->n_measure, sizeof(double));
    s->seconds = calloc((size_t)s->n_cells, sizeof(double));
    if (!s->done || !s->values || !s->seconds)
        return advlab__fail(ADVLAB_E_NOMEM, "sweep: results of %d cells", s->n_cells);
    write_spec(s);
    if (s->spec_json.failed)
        return advlab__fail(ADVLAB_E_NOMEM, "sweep: the spec's text");
    return ADVLAB_OK;
}

advlab_status advlab__sweep_from_json(const advlab__json *v, advlab_sweep **out)
{
    const advlab__json *spec = advlab__json_get(v, "spec");
    advlab_sweep *s = calloc(1, sizeof *s);
    if (!s)
        return advlab__fail(ADVLAB_E_NOMEM, "sweep");
    s->cell = -1;
    advlab_status st = read_spec(s, spec ? spec : v);
    if (st) {
        advlab_sweep_free(s);
        return st;
    }
    *out = s;
    return ADVLAB_OK;
}

advlab_status advlab_sweep_create(const char *json, size_t len, advlab_sweep **out)
{
    if (!json || !out)
        return advlab__fail(ADVLAB_E_ARG, "sweep: the spec and out are required");
    const advlab__json *root;
    TRY(advlab__json_parse_limit("sweep spec", json, len, SWEEP_JSON_VALUES, SWEEP_JSON_MEMBERS,
                                 &root));
    advlab_status st = advlab__sweep_from_json(root, out);
    advlab__json_free(root);
    return st;
}
