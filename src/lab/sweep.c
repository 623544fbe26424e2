/* A sweep: a grid of tutorial experiments over one or two settings and a
 * list of seeds. This file expands it to cells in their fixed order and runs
 * a cell's experiment in units; sweep_spec.c reads and checks the spec, and
 * sweep_json.c writes the results and reads checkpoints. */
#include "lab/sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

const advlab__cfg_spec *advlab__sweep_table(const advlab_sweep *s)
{
    return s->family == SWEEP_ATTACK   ? &advlab__sweep_attack_spec
           : s->family == SWEEP_POISON ? &advlab__sweep_poison_spec
           : s->family == SWEEP_STEAL  ? &advlab__sweep_steal_spec
                                       : &advlab__experiment_spec;
}

/* ----------------------------------------------------------- numbers */

const char *advlab__sweep_setting_name(const advlab__cfg_field *f, double v)
{
    if (f->type == ADVLAB__CFG_CHOICE)
        return f->choices[(int)v];
    return f->type == ADVLAB__CFG_NORM && isinf(v) ? "inf" : NULL;
}

void advlab__sweep_put_setting(advlab_strbuf *b, const advlab__cfg_field *f, double v)
{
    const char *name = advlab__sweep_setting_name(f, v);
    if (name) {
        advlab__sb_json_string(b, name);
        return;
    }
    if (f->type != ADVLAB__CFG_FLOAT) {
        advlab__sb_printf(b, "%.0f", v);
        return;
    }
    char text[32];
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, v);
        if (strtof(text, NULL) == (float)v)
            break;
    }
    advlab__sb_printf(b, "%s", text);
}

void advlab__sweep_put_number(advlab_strbuf *b, double v)
{
    if (!isfinite(v)) {
        advlab__sb_printf(b, "null");
        return;
    }
    char text[32];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, v);
        if (strtod(text, NULL) == v)
            break;
    }
    advlab__sb_printf(b, "%s", text);
}

/* --------------------------------------------------------------- cells */

void advlab__sweep_point_index(const advlab_sweep *s, int p, int *at)
{
    for (int a = s->n_vary - 1; a >= 0; a--) {
        at[a] = p % s->vary[a].n;
        p /= s->vary[a].n;
    }
}

/* "eps":0.1,"ratio":0.5: the varied settings of point p, as JSON members. */
static void put_point_members(advlab_strbuf *b, const advlab_sweep *s, int point)
{
    int at[SWEEP_MAX_VARY];
    advlab__sweep_point_index(s, point, at);
    for (int a = 0; a < s->n_vary; a++) {
        advlab__sb_printf(b, "%s\"%s\":", a ? "," : "", s->vary[a].field->key);
        advlab__sweep_put_setting(b, s->vary[a].field, s->vary[a].values[at[a]]);
    }
}

void advlab__sweep_put_point_settings(advlab_strbuf *b, const advlab_sweep *s, int point)
{
    advlab__sb_printf(b, "{");
    put_point_members(b, s, point);
    advlab__sb_printf(b, "}");
}

void advlab__sweep_cell_settings(const advlab_sweep *s, int c, void *cfg)
{
    const advlab__cfg_spec *table = advlab__sweep_table(s);
    int at[SWEEP_MAX_VARY];
    memcpy(cfg, &s->base, table->size);
    advlab__sweep_point_index(s, c / s->n_seeds, at);
    for (int a = 0; a < s->n_vary; a++)
        advlab__cfg_set(table, cfg, s->vary[a].field->key, s->vary[a].values[at[a]]);
    advlab__cfg_set_seed(table, cfg, "seed", s->seeds[c % s->n_seeds]);
}

/* Leaves out the stages that no requested measurement needs. They come
 * after the tutorial's and share nothing with earlier stages, so the
 * measurements kept are the same bits. */
static void skip_stages(const advlab_sweep *s, advlab_experiment_config *cfg)
{
    cfg->curve = cfg->curve && s->need_curve;
    cfg->defences = cfg->defences && s->need_defences;
    if (!s->need_pgd)
        cfg->pgd_limit = 0;
}

advlab_status advlab_sweep_cell_config(const advlab_sweep *s, int cell,
                                       advlab_experiment_config *cfg)
{
    if (!s || !cfg)
        return advlab__fail(ADVLAB_E_ARG, "sweep: the sweep and cfg are required");
    if (cell < 0 || cell >= s->n_cells)
        return advlab__fail(ADVLAB_E_ARG, "sweep: cell %d is outside 0..%d", cell, s->n_cells - 1);
    if (s->family != SWEEP_EXPERIMENT)
        return advlab__fail(ADVLAB_E_ARG, "sweep: only the experiment family's cells are "
                                          "experiments");
    advlab__sweep_cell_settings(s, cell, cfg);
    skip_stages(s, cfg);
    return ADVLAB_OK;
}

advlab_status advlab__sweep_plan_cell(const advlab_sweep *s, const advlab_experiment_config *cfg,
                                      int n_train, int n_test, int *task_of, int *last,
                                      double *cost)
{
    char names[MAX_TASKS][ADVLAB__MEASUREMENT_NAME];
    double costs[MAX_TASKS];
    int n;
    TRY(advlab__experiment_plan(cfg, n_train, n_test, names, costs, &n));
    *last = -1;
    for (int m = 0; m < s->n_measure; m++) {
        task_of[m] = -1;
        for (int t = 0; t < n; t++)
            if (strcmp(names[t], s->measure[m]) == 0)
                task_of[m] = t;
        if (task_of[m] > *last)
            *last = task_of[m];
    }
    *cost = 0.0;
    for (int t = 0; t <= *last; t++)
        *cost += costs[t];
    return ADVLAB_OK;
}

static void drop_cell(advlab_sweep *s)
{
    advlab__sweep_attack_drop(s);
    advlab__sweep_poison_drop(s);
    advlab__sweep_steal_drop(s);
    advlab_experiment_free(s->experiment);
    s->experiment = NULL;
    s->cell = -1;
}

void advlab_sweep_free(advlab_sweep *s)
{
    if (!s)
        return;
    drop_cell(s);
    for (int a = 0; a < SWEEP_MAX_VARY; a++)
        free(s->vary[a].values);
    free(s->seeds);
    free(s->measure);
    free(s->done);
    free(s->values);
    free(s->seconds);
    advlab__sb_free(&s->spec_json);
    advlab__sb_free(&s->plan_json);
    advlab__sb_free(&s->results_json);
    advlab__sb_free(&s->csv);
    free(s);
}

const char *advlab__sweep_spec(const advlab_sweep *s) { return s->spec_json.data; }
int advlab_sweep_cell_count(const advlab_sweep *s) { return s->n_cells; }
int advlab_sweep_measure_count(const advlab_sweep *s) { return s->n_measure; }

const char *advlab_sweep_measure_name(const advlab_sweep *s, int m)
{
    return m >= 0 && m < s->n_measure ? s->measure[m] : NULL;
}

const char *advlab_sweep_plan_json(advlab_sweep *s)
{
    advlab_strbuf *b = &s->plan_json;
    advlab__sb_free(b);
    advlab__sb_printf(b, "{\"spec\":%s,\"cells\":%d,\"points\":%d,\"work\":", s->spec_json.data,
                      s->n_cells, s->n_points);
    advlab__sweep_put_number(b, s->work);
    advlab__sb_printf(b, ",\"cell_settings\":[");
    for (int c = 0; c < s->n_cells; c++) {
        advlab__sb_printf(b, "%s{", c ? "," : "");
        put_point_members(b, s, c / s->n_seeds);
        advlab__sb_printf(b, ",\"seed\":%llu}", (unsigned long long)s->seeds[c % s->n_seeds]);
    }
    advlab__sb_printf(b, "]}");
    return b->failed ? NULL : b->data;
}

/* ---------------------------------------------------------------- run */

int advlab_sweep_cell_done(const advlab_sweep *s, int cell)
{
    return cell >= 0 && cell < s->n_cells && s->done[cell];
}

int advlab_sweep_next_cell(const advlab_sweep *s)
{
    for (int c = 0; c < s->n_cells; c++)
        if (!s->done[c])
            return c;
    return -1;
}

static int cells_done(const advlab_sweep *s)
{
    int n = 0;
    for (int c = 0; c < s->n_cells; c++)
        n += s->done[c];
    return n;
}

static advlab_status start_cell(advlab_sweep *s, const advlab_dataset *train,
                                const advlab_dataset *test, int cell)
{
    advlab_experiment_config cfg;
    advlab_sweep_cell_config(s, cell, &cfg);
    TRY(advlab_experiment_create(train, test, s->arch, &cfg, &s->experiment));
    s->cell = cell;
    s->train = train;
    s->test = test;
    return advlab__sweep_plan_cell(s, &cfg, s->experiment->n_train, s->experiment->n_test,
                                   s->task_of, &s->last_task, &s->cost_to_last);
}

/* Keeps the finished cell's measurements, and lets its experiment go. */
static void finish_cell(advlab_sweep *s)
{
    const advlab_experiment *e = s->experiment;
    double seconds = 0.0;
    for (int t = 0; t <= s->last_task; t++)
        seconds += e->tasks[t].seconds;
    for (int m = 0; m < s->n_measure; m++)
        s->values[(size_t)s->cell * s->n_measure + m] = e->tasks[s->task_of[m]].value;
    s->seconds[s->cell] = seconds;
    s->done[s->cell] = 1;
    drop_cell(s);
}

static void report(const advlab_sweep *s, int cell, const char *stage, double part,
                   advlab_sweep_progress *progress)
{
    if (!progress)
        return;
    int done = cells_done(s);
    *progress = (advlab_sweep_progress){.cell = cell,
                                        .cells = s->n_cells,
                                        .cells_done = done,
                                        .stage_name = stage,
                                        .fraction = (done + part) / s->n_cells};
}

static advlab_status run_family_cell(advlab_sweep *s, const advlab_dataset *train,
                                     const advlab_dataset *test, int cell, int max_units,
                                     advlab_sweep_progress *progress)
{
    if (s->experiment)
        drop_cell(s);
    int finished;
    double part;
    const char *stage;
    advlab_status (*run)(advlab_sweep *, const advlab_dataset *, const advlab_dataset *, int, int,
                         int *, double *, const char **) =
        s->family == SWEEP_ATTACK   ? advlab__sweep_attack_run
        : s->family == SWEEP_POISON ? advlab__sweep_poison_run
                                    : advlab__sweep_steal_run;
    advlab_status st = run(s, train, test, cell, max_units, &finished, &part, &stage);
    if (st) {
        char message[512];
        snprintf(message, sizeof message, "%s", advlab_last_error());
        return advlab__fail(st, "sweep: cell %d: %s", cell, message);
    }
    report(s, finished ? -1 : cell, finished ? "" : stage, finished ? 0.0 : part, progress);
    return ADVLAB_OK;
}

advlab_status advlab_sweep_run(advlab_sweep *s, const advlab_dataset *train,
                               const advlab_dataset *test, int cell, int max_units,
                               advlab_sweep_progress *progress)
{
    if (!s || !train || !test)
        return advlab__fail(ADVLAB_E_ARG, "sweep: the sweep, train and test are required");
    if (cell < 0 || cell >= s->n_cells)
        return advlab__fail(ADVLAB_E_ARG, "sweep: cell %d is outside 0..%d", cell, s->n_cells - 1);
    if (s->done[cell])
        return advlab__fail(ADVLAB_E_ARG, "sweep: cell %d is already finished", cell);
    if (s->family != SWEEP_EXPERIMENT)
        return run_family_cell(s, train, test, cell, max_units, progress);
    if (s->experiment && (s->cell != cell || s->train != train || s->test != test))
        drop_cell(s);
    if (!s->experiment) {
        advlab_status st = start_cell(s, train, test, cell);
        if (st) {
            drop_cell(s);
            return st;
        }
    }
    advlab_experiment_progress p;
    advlab_status st = advlab_experiment_run(s->experiment, max_units, &p);
    if (st) {
        /* The cell restarts from its beginning when it is run again. */
        char message[512];
        snprintf(message, sizeof message, "%s", advlab_last_error());
        drop_cell(s);
        return advlab__fail(st, "sweep: cell %d: %s", cell, message);
    }
    double part = 0.0;
    const char *stage = "";
    if (advlab_experiment_measurement_count(s->experiment) > s->last_task) {
        finish_cell(s);
    } else {
        part = s->cost_to_last > 0 ? p.fraction * s->experiment->total_cost / s->cost_to_last : 0;
        part = part < 1.0 ? part : 1.0;
        stage = p.stage_name;
    }
    if (progress) {
        int done = cells_done(s);
        *progress = (advlab_sweep_progress){.cell = s->cell,
                                            .cells = s->n_cells,
                                            .cells_done = done,
                                            .stage_name = stage,
                                            .fraction = (done + part) / s->n_cells};
    }
    return ADVLAB_OK;
}

advlab_status advlab_sweep_cell_values(const advlab_sweep *s, int cell, double *values,
                                       double *seconds)
{
    if (!s || !values)
        return advlab__fail(ADVLAB_E_ARG, "sweep: the sweep and values are required");
    if (!advlab_sweep_cell_done(s, cell))
        return advlab__fail(ADVLAB_E_ARG, "sweep: cell %d has no results (cells 0..%d)", cell,
                            s->n_cells - 1);
    memcpy(values, s->values + (size_t)cell * s->n_measure, sizeof(double) * s->n_measure);
    if (seconds)
        *seconds = s->seconds[cell];
    return ADVLAB_OK;
}

advlab_status advlab_sweep_set_cell(advlab_sweep *s, int cell, const double *values, double seconds)
{
    if (!s || !values)
        return advlab__fail(ADVLAB_E_ARG, "sweep: the sweep and values are required");
    if (cell < 0 || cell >= s->n_cells)
        return advlab__fail(ADVLAB_E_ARG, "sweep: cell %d is outside 0..%d", cell, s->n_cells - 1);
    for (int m = 0; m < s->n_measure; m++)
        if (!isfinite(values[m]))
            return advlab__fail(ADVLAB_E_ARG, "sweep: cell %d: %s is not a finite number", cell,
                                s->measure[m]);
    if (!(isfinite(seconds) && seconds >= 0))
        return advlab__fail(ADVLAB_E_ARG, "sweep: cell %d: seconds %g is not finite and >= 0", cell,
                            seconds);
    if (s->cell == cell)
        drop_cell(s);
    memcpy(s->values + (size_t)cell * s->n_measure, values, sizeof(double) * s->n_measure);
    s->seconds[cell] = seconds;
    s->done[cell] = 1;
    return ADVLAB_OK;
}
