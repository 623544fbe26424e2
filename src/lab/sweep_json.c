/* A sweep's results as JSON and CSV, and its checkpoint, which is the
 * results JSON read back: a half-done cell is not in it and restarts, which
 * gives the same numbers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "lab/sweep.h"

static const double *cell_values(const advlab_sweep *s, int c)
{
    return s->values + (size_t)c * s->n_measure;
}

static int point_done(const advlab_sweep *s, int p)
{
    for (int k = 0; k < s->n_seeds; k++)
        if (!s->done[p * s->n_seeds + k])
            return 0;
    return 1;
}

/* Measurement m's mean over the seeds of point p, and its sample standard
 * deviation (n - 1 in the denominator; 0 for one seed), summed in seed order. */
static void point_stats(const advlab_sweep *s, int p, int m, double *mean, double *std)
{
    double sum = 0.0, squares = 0.0;
    int n = s->n_seeds;
    for (int k = 0; k < n; k++)
        sum += cell_values(s, p * n + k)[m];
    *mean = sum / n;
    for (int k = 0; k < n; k++) {
        double d = cell_values(s, p * n + k)[m] - *mean;
        squares += d * d;
    }
    *std = n > 1 ? sqrt(squares / (n - 1)) : 0.0;
}

/* {"name":value,...} for measurement values v (stride 1), or for a point's
 * means (which 0) or standard deviations (which 1). */
static void put_values(advlab_strbuf *b, const advlab_sweep *s, const double *v, int point,
                       int which)
{
    advlab__sb_printf(b, "{");
    for (int m = 0; m < s->n_measure; m++) {
        double stat[2];
        if (!v)
            point_stats(s, point, m, &stat[0], &stat[1]);
        advlab__sb_printf(b, "%s", m ? "," : "");
        advlab__sb_json_string(b, s->measure[m]);
        advlab__sb_printf(b, ":");
        advlab__sweep_put_number(b, v ? v[m] : stat[which]);
    }
    advlab__sb_printf(b, "}");
}

const char *advlab_sweep_results_json(advlab_sweep *s)
{
    advlab_strbuf *b = &s->results_json;
    advlab__sb_free(b);
    advlab__sb_printf(b, "{\"format\":\"advlab-sweep\",\"engine\":\"%s\",\"spec\":%s,\"cells\":[",
                      advlab_version(), advlab__sweep_spec(s));
    int first = 1;
    for (int c = 0; c < s->n_cells; c++) {
        if (!s->done[c])
            continue;
        advlab__sb_printf(b, "%s{\"cell\":%d,\"settings\":", first ? "" : ",", c);
        advlab__sweep_put_point_settings(b, s, c / s->n_seeds);
        advlab__sb_printf(
            b, ",\"seed\":%llu,\"values\":", (unsigned long long)s->seeds[c % s->n_seeds]);
        put_values(b, s, cell_values(s, c), 0, 0);
        advlab__sb_printf(b, "}");
        first = 0;
    }
    advlab__sb_printf(b, "],\"points\":[");
    first = 1;
    for (int p = 0; p < s->n_points; p++) {
        if (!point_done(s, p))
            continue;
        advlab__sb_printf(b, "%s{\"point\":%d,\"settings\":", first ? "" : ",", p);
        advlab__sweep_put_point_settings(b, s, p);
        advlab__sb_printf(b, ",\"seeds\":%d,\"mean\":", s->n_seeds);
        put_values(b, s, NULL, p, 0);
        advlab__sb_printf(b, ",\"std\":");
        put_values(b, s, NULL, p, 1);
        advlab__sb_printf(b, "}");
        first = 0;
    }
    double total = 0.0;
    for (int c = 0; c < s->n_cells; c++)
        total += s->done[c] ? s->seconds[c] : 0.0;
    advlab__sb_printf(b, "],\"timings\":{\"seconds\":");
    advlab__sweep_put_number(b, total);
    advlab__sb_printf(b, ",\"cells\":[");
    first = 1;
    for (int c = 0; c < s->n_cells; c++) {
        if (!s->done[c])
            continue;
        advlab__sb_printf(b, "%s{\"cell\":%d,\"seconds\":", first ? "" : ",", c);
        advlab__sweep_put_number(b, s->seconds[c]);
        advlab__sb_printf(b, "}");
        first = 0;
    }
    advlab__sb_printf(b, "]}}");
    return b->failed ? NULL : b->data;
}

/* The varied settings of point p as CSV fields, each followed by a comma. */
static void put_point_fields(advlab_strbuf *b, const advlab_sweep *s, int p)
{
    int at[SWEEP_MAX_VARY];
    advlab__sweep_point_index(s, p, at);
    for (int a = 0; a < s->n_vary; a++) {
        const advlab__cfg_field *f = s->vary[a].field;
        const char *name = advlab__sweep_setting_name(f, s->vary[a].values[at[a]]);
        if (name) /* bare: no name holds a comma or a quote */
            advlab__sb_printf(b, "%s,", name);
        else {
            advlab__sweep_put_setting(b, f, s->vary[a].values[at[a]]);
            advlab__sb_printf(b, ",");
        }
    }
}

const char *advlab_sweep_csv(advlab_sweep *s, int points)
{
    advlab_strbuf *b = &s->csv;
    advlab__sb_free(b);
    advlab__sb_printf(b, "%s", points ? "point" : "cell");
    for (int a = 0; a < s->n_vary; a++)
        advlab__sb_printf(b, ",%s", s->vary[a].field->key);
    advlab__sb_printf(b, ",%s", points ? "seeds" : "seed");
    for (int m = 0; m < s->n_measure; m++)
        if (points)
            advlab__sb_printf(b, ",%s_mean,%s_std", s->measure[m], s->measure[m]);
        else
            advlab__sb_printf(b, ",%s", s->measure[m]);
    advlab__sb_printf(b, "\n");
    int rows = points ? s->n_points : s->n_cells;
    for (int r = 0; r < rows; r++) {
        if (points ? !point_done(s, r) : !s->done[r])
            continue;
        advlab__sb_printf(b, "%d,", r);
        put_point_fields(b, s, points ? r : r / s->n_seeds);
        if (points)
            advlab__sb_printf(b, "%d", s->n_seeds);
        else
            advlab__sb_printf(b, "%llu", (unsigned long long)s->seeds[r % s->n_seeds]);
        for (int m = 0; m < s->n_measure; m++) {
            double mean, std;
            advlab__sb_printf(b, ",");
            if (!points) {
                advlab__sweep_put_number(b, cell_values(s, r)[m]);
                continue;
            }
            point_stats(s, r, m, &mean, &std);
            advlab__sweep_put_number(b, mean);
            advlab__sb_printf(b, ",");
            advlab__sweep_put_number(b, std);
        }
        advlab__sb_printf(b, "\n");
    }
    return b->failed ? NULL : b->data;
}

/* ---------------------------------------------------------- checkpoint */

#define BAD(...) advlab__fail(ADVLAB_E_FORMAT, "sweep checkpoint: " __VA_ARGS__)

/* Whether a cell's "settings" are those of point p (floats compared as the
 * config holds them). */
static int same_settings(const advlab_sweep *s, const advlab__json *v, int p)
{
    int at[SWEEP_MAX_VARY];
    if (!v || v->type != ADVLAB__JSON_OBJECT || (int)v->len != s->n_vary)
        return 0;
    advlab__sweep_point_index(s, p, at);
    for (int a = 0; a < s->n_vary; a++) {
        const advlab__cfg_field *f = s->vary[a].field;
        const advlab__json *given = advlab__json_get(v, f->key);
        double x, want = s->vary[a].values[at[a]];
        const char *name = advlab__sweep_setting_name(f, want);
        if (name) {
            const char *theirs = advlab__json_string(given);
            if (!theirs || strcmp(theirs, name) != 0)
                return 0;
            continue;
        }
        if (!advlab__json_number(given, &x))
            return 0;
        if (s->vary[a].field->type == ADVLAB__CFG_FLOAT ? (float)x != (float)want : x != want)
            return 0;
    }
    return 1;
}

/* One item of "cells" into the staging arrays. */
static advlab_status read_cell(const advlab_sweep *s, const advlab__json *v, int i,
                               unsigned char *done, double *values)
{
    uint64_t cell, seed;
    if (v->type != ADVLAB__JSON_OBJECT || !advlab__json_uint(advlab__json_get(v, "cell"), &cell) ||
        cell >= (uint64_t)s->n_cells)
        return BAD("cells[%d] has no cell number in 0..%d", i, s->n_cells - 1);
    int c = (int)cell;
    if (done[c])
        return BAD("cells[%d]: cell %d appears twice", i, c);
    if (!advlab__json_uint(advlab__json_get(v, "seed"), &seed) ||
        seed != s->seeds[c % s->n_seeds] ||
        !same_settings(s, advlab__json_get(v, "settings"), c / s->n_seeds))
        return BAD("cells[%d]: the settings and seed are not those of cell %d", i, c);
    const advlab__json *vals = advlab__json_get(v, "values");
    if (!vals || vals->type != ADVLAB__JSON_OBJECT || (int)vals->len != s->n_measure)
        return BAD("cells[%d]: values must hold the %d measurements", i, s->n_measure);
    for (int m = 0; m < s->n_measure; m++) {
        double x;
        if (!advlab__json_number(advlab__json_get(vals, s->measure[m]), &x) || !isfinite(x))
            return BAD("cells[%d]: %s is missing or not a finite number", i, s->measure[m]);
        values[(size_t)c * s->n_measure + m] = x;
    }
    done[c] = 1;
    return ADVLAB_OK;
}

/* Checks everything against s and stages the cells; nothing of s changes. */
static advlab_status read_checkpoint(const advlab_sweep *s, const advlab__json *root,
                                     unsigned char *done, double *values, double *seconds)
{
    const char *format = advlab__json_string(advlab__json_get(root, "format"));
    if (!format || strcmp(format, "advlab-sweep") != 0)
        return BAD("not a sweep's results (no \"format\": \"advlab-sweep\")");
    const char *engine = advlab__json_string(advlab__json_get(root, "engine"));
    if (!engine || strcmp(engine, advlab_version()) != 0)
        return BAD("made by engine %.32s, not this one (%s), whose numbers may differ",
                   engine ? engine : "(none)", advlab_version());
    const advlab__json *spec = advlab__json_get(root, "spec");
    advlab_sweep *theirs = NULL;
    if (!spec || advlab__sweep_from_json(spec, &theirs))
        return BAD("its spec is not a valid sweep spec");
    int same = strcmp(advlab__sweep_spec(theirs), advlab__sweep_spec(s)) == 0;
    advlab_sweep_free(theirs);
    if (!same)
        return BAD("it is of another sweep (its spec differs from this one's)");
    const advlab__json *cells = advlab__json_get(root, "cells");
    if (!cells || cells->type != ADVLAB__JSON_ARRAY)
        return BAD("\"cells\" is not a list");
    int i = 0;
    for (const advlab__json *v = cells->child; v; v = v->next, i++)
        TRY(read_cell(s, v, i, done, values));
    const advlab__json *timings = advlab__json_get(advlab__json_get(root, "timings"), "cells");
    i = 0;
    for (const advlab__json *v = timings ? timings->child : NULL; v; v = v->next, i++) {
        uint64_t c;
        double x;
        if (!advlab__json_uint(advlab__json_get(v, "cell"), &c) || c >= (uint64_t)s->n_cells ||
            !done[c] || !advlab__json_number(advlab__json_get(v, "seconds"), &x) ||
            !(isfinite(x) && x >= 0))
            return BAD("timings cells[%d] is not {\"cell\": a finished cell, \"seconds\": >= 0}",
                       i);
        seconds[c] = x;
    }
    return ADVLAB_OK;
}

advlab_status advlab_sweep_restore(advlab_sweep *s, const char *json, size_t len)
{
    if (!s || !json)
        return advlab__fail(ADVLAB_E_ARG, "sweep: the sweep and the checkpoint are required");
    const advlab__json *root;
    TRY(advlab__json_parse_limit("sweep checkpoint", json, len, SWEEP_JSON_VALUES,
                                 SWEEP_JSON_MEMBERS, &root));
    unsigned char *done = calloc((size_t)s->n_cells, 1);
    double *values = calloc((size_t)s->n_cells * s->n_measure, sizeof(double));
    double *seconds = calloc((size_t)s->n_cells, sizeof(double));
    advlab_status st = done && values && seconds
                           ? read_checkpoint(s, root, done, values, seconds)
                           : advlab__fail(ADVLAB_E_NOMEM, "sweep checkpoint: %d cells", s->n_cells);
    for (int c = 0; !st && c < s->n_cells; c++)
        if (done[c])
            advlab_sweep_set_cell(s, c, values + (size_t)c * s->n_measure, seconds[c]);
    free(done);
    free(values);
    free(seconds);
    advlab__json_free(root);
    return st;
}
