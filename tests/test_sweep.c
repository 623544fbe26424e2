/* The sweep (lab/sweep.c): every bad spec with its message, the cells'
 * order, the stage skips, the CSV and JSON against numbers worked by hand,
 * the checkpoint's round trip and its rejections, and a sweep run straight
 * against one interrupted, checkpointed and restored. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "check.h"
#include "synthetic.h"

static advlab_sweep *make(const char *json)
{
    advlab_sweep *s = NULL;
    advlab_status st = advlab_sweep_create(json, strlen(json), &s);
    CHECK(st == ADVLAB_OK, "%s: %s", json, advlab_last_error());
    return s;
}

static void rejects(const char *json, const char *needle)
{
    advlab_sweep *s = (advlab_sweep *)1;
    CHECK_FAILS(advlab_sweep_create(json, strlen(json), &s), ADVLAB_E_ARG, needle);
    CHECK(s == (advlab_sweep *)1, "a failed create wrote its out-param: %s", json);
}

static void test_bad_specs(void)
{
    advlab_sweep *s = (advlab_sweep *)1;
    CHECK_FAILS(advlab_sweep_create("{\"vary\": [", 10, &s), ADVLAB_E_FORMAT,
                "sweep spec: unexpected end of JSON");
    rejects("[1]", "sweep spec: expected an object");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[0]}],\"measure\":[\"train\"],\"x\":1}",
            "unknown member \"x\"");
    rejects("{\"measure\":[\"train\"]}", "vary must list one or two settings");
    rejects("{\"vary\":[],\"measure\":[\"train\"]}", "vary must list one or two settings");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[0]},{\"key\":\"lr\",\"values\":[0.1]},"
            "{\"key\":\"ratio\",\"values\":[0.1]}],\"measure\":[\"train\"]}",
            "vary must list one or two settings");
    rejects("{\"vary\":[{\"key\":\"epz\",\"values\":[0]}],\"measure\":[\"train\"]}",
            "vary: unknown setting \"epz\" (settings: train_limit, test_limit, epochs");
    rejects("{\"vary\":[{\"key\":\"seed\",\"values\":[0]}],\"measure\":[\"train\"]}",
            "give seeds in \"seeds\"");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[]}],\"measure\":[\"train\"]}",
            "vary eps: the value list is empty");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[0.1,\"abc\"]}],\"measure\":[\"train\"]}",
            "vary eps: values[1] \"abc\" is not a number");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[null]}],\"measure\":[\"train\"]}",
            "vary eps: values[0] is not a number");
    /* JSON has no NaN; a number past a double's range reads as infinity. */
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[1e999]}],\"measure\":[\"train\"]}",
            "vary eps: values[0]: experiment: eps inf is out of range 0..1");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[0, 1.5]}],\"measure\":[\"train\"]}",
            "vary eps: values[1]: experiment: eps 1.5 is out of range 0..1");
    rejects("{\"vary\":[{\"key\":\"epochs\",\"values\":[1, 2.5]}],\"measure\":[\"train\"]}",
            "vary epochs: values[1]: experiment: epochs 2.5 is not an integer");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[0.1, 0.1]}],\"measure\":[\"train\"]}",
            "vary eps: values[1] repeats values[0]");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[0]},{\"key\":\"eps\",\"values\":[1]}],"
            "\"measure\":[\"train\"]}",
            "vary: eps is varied twice");
    rejects("{\"settings\":{\"eps\":0.1},\"vary\":[{\"key\":\"eps\",\"values\":[0]}],"
            "\"measure\":[\"train\"]}",
            "eps is both in settings and varied");
    rejects("{\"settings\":{\"lr\":-1},\"vary\":[{\"key\":\"eps\",\"values\":[0]}],"
            "\"measure\":[\"train\"]}",
            "settings: experiment: lr -1 is out of range (0, 10]");
    rejects("{\"settings\":{\"seed\":3},\"vary\":[{\"key\":\"eps\",\"values\":[0]}],"
            "\"measure\":[\"train\"]}",
            "settings: give seeds in \"seeds\"");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[0]}],\"seeds\":[],\"measure\":[\"train\"]}",
            "seeds must be a non-empty list");
    rejects(
        "{\"vary\":[{\"key\":\"eps\",\"values\":[0]}],\"seeds\":[1,-2],\"measure\":[\"train\"]}",
        "seeds[1] is not an integer in 0..2^53");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[0]}],\"seeds\":[4,4],\"measure\":[\"train\"]}",
            "seeds[1] repeats seeds[0]");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[0]}]}", "measure must list the measurements");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[0]}],\"measure\":[\"fgsm_x\"]}",
            "measure[0] \"fgsm_x\" is not a measurement of the experiment (train, clean_standard");
    rejects("{\"vary\":[{\"key\":\"eps\",\"values\":[0]}],\"measure\":[\"train\",\"train\"]}",
            "measure[1] repeats measure[0]");
    rejects("{\"settings\":{\"curve\":0},\"vary\":[{\"key\":\"eps\",\"values\":[0]}],"
            "\"measure\":[\"curve_standard_eps0.1\"]}",
            "does not make curve_standard_eps0.1 with the settings of cell 0 ({\"eps\":0}");
    rejects("{\"vary\":[{\"key\":\"pgd_limit\",\"values\":[10,0]}],\"measure\":[\"pgd_standard\"]}",
            "does not make pgd_standard with the settings of cell 1 ({\"pgd_limit\":0}");
    rejects("{\"arch\":\"\",\"vary\":[{\"key\":\"eps\",\"values\":[0]}],\"measure\":[\"train\"]}",
            "arch must be an arch spec");
    /* The caps: 65 x 64 = 4160 cells; and full MNIST, 20 epochs, 4096 cells. */
    advlab_strbuf b = {0};
    advlab__sb_printf(&b, "{\"vary\":[{\"key\":\"batch\",\"values\":[");
    for (int i = 1; i <= 65; i++)
        advlab__sb_printf(&b, "%s%d", i > 1 ? "," : "", i);
    advlab__sb_printf(&b, "]},{\"key\":\"pgd_iter\",\"values\":[");
    for (int i = 1; i <= 64; i++)
        advlab__sb_printf(&b, "%s%d", i > 1 ? "," : "", i);
    advlab__sb_printf(&b, "]}],\"measure\":[\"train\"]}");
    rejects(b.data, "4160 cells (65 batch x 64 pgd_iter x 1 seeds) is over the cap of 4096 cells");
    advlab__sb_free(&b);
    advlab__sb_printf(&b, "{\"vary\":[{\"key\":\"batch\",\"values\":[");
    for (int i = 1; i <= 64; i++)
        advlab__sb_printf(&b, "%s%d", i > 1 ? "," : "", i);
    advlab__sb_printf(&b, "]},{\"key\":\"pgd_iter\",\"values\":[");
    for (int i = 1; i <= 64; i++)
        advlab__sb_printf(&b, "%s%d", i > 1 ? "," : "", i);
    advlab__sb_printf(&b, "]}],\"measure\":[\"clean_defended\"]}");
    rejects(b.data, "image passes, is over the cap of 1e+10");
    advlab__sb_free(&b);
}

/* A range includes its stop and adds up no error: value i is start + i*step. */
static void test_ranges(void)
{
    advlab_sweep *s = make("{\"vary\":[{\"key\":\"eps\",\"range\":[0,0.3,0.05]}],"
                           "\"measure\":[\"train\"]}");
    const float want[] = {0.0f, 0.05f, 0.1f, 0.15f, 0.2f, 0.25f, 0.3f};
    CHECK(s && advlab_sweep_cell_count(s) == 7, "0:0.3:0.05 gives %d values, expected 7",
          s ? advlab_sweep_cell_count(s) : -1);
    for (int c = 0; s && c < 7 && c < advlab_sweep_cell_count(s); c++) {
        advlab_experiment_config cfg;
        advlab_sweep_cell_config(s, c, &cfg);
        CHECK(cfg.eps == want[c], "value %d is %.9g, expected %.9g", c, (double)cfg.eps,
              (double)want[c]);
    }
    const char *plan = s ? advlab_sweep_plan_json(s) : NULL;
    CHECK(plan && strstr(plan, "\"values\":[0,0.05,0.1,0.15,0.2,0.25,0.3]"),
          "the spec lists the values as written: %s", plan ? plan : "(null)");
    advlab_sweep_free(s);
    /* (3.9 - 1) / 0.1 is 28.999999999999996: 30 values, 3.9 included. */
    s = make("{\"vary\":[{\"key\":\"lr\",\"range\":[1,3.9,0.1]}],\"measure\":[\"train\"]}");
    CHECK(s && advlab_sweep_cell_count(s) == 30, "1:3.9:0.1 gives %d values, expected 30",
          s ? advlab_sweep_cell_count(s) : -1);
    advlab_sweep_free(s);
    rejects("{\"vary\":[{\"key\":\"eps\",\"range\":[0,0.3]}],\"measure\":[\"train\"]}",
            "vary eps: range must be [start, stop, step], three numbers");
    rejects("{\"vary\":[{\"key\":\"eps\",\"range\":[0,null,0.1]}],\"measure\":[\"train\"]}",
            "vary eps: range must be [start, stop, step], three numbers");
    rejects("{\"vary\":[{\"key\":\"eps\",\"range\":[0.3,0,0.1]}],\"measure\":[\"train\"]}",
            "vary eps: range [0.3, 0, 0.1] needs step > 0 and stop >= start");
    rejects("{\"vary\":[{\"key\":\"eps\",\"range\":[0,0.3,0]}],\"measure\":[\"train\"]}",
            "needs step > 0");
    rejects("{\"vary\":[{\"key\":\"eps\",\"range\":[0,1,0.0001]}],\"measure\":[\"train\"]}",
            "vary eps: range [0, 1, 0.0001] has 10001 values, over the cap of 4096 cells");
    rejects("{\"vary\":[{\"key\":\"eps\",\"range\":[0.5,1.5,0.5]}],\"measure\":[\"train\"]}",
            "vary eps: values[2]: experiment: eps 1.5 is out of range 0..1");
    rejects("{\"vary\":[{\"key\":\"eps\",\"range\":[0,1,0.5],\"values\":[0]}],"
            "\"measure\":[\"train\"]}",
            "vary: each item is {\"key\": ..., \"values\": [...]} or {\"key\": ..., \"range\"");
}

/* Cell i: the seed changes fastest, then the last varied setting. */
static void test_order_and_skips(void)
{
    advlab_sweep *s = make("{\"settings\":{\"train_limit\":100},\"vary\":[{\"key\":\"eps\","
                           "\"values\":[0.05,0.15]},{\"key\":\"epochs\",\"values\":[1,2,3]}],"
                           "\"seeds\":[7,9],\"measure\":[\"fgsm_defended\",\"train\"]}");
    if (!s)
        return;
    CHECK(advlab_sweep_cell_count(s) == 12, "%d cells, expected 2 x 3 x 2",
          advlab_sweep_cell_count(s));
    CHECK(advlab_sweep_measure_count(s) == 2 &&
              strcmp(advlab_sweep_measure_name(s, 1), "train") == 0 &&
              advlab_sweep_measure_name(s, 2) == NULL,
          "measure names");
    for (int c = 0; c < 12; c++) {
        advlab_experiment_config cfg;
        CHECK(advlab_sweep_cell_config(s, c, &cfg) == ADVLAB_OK, "%s", advlab_last_error());
        float eps = c / 6 ? 0.15f : 0.05f;
        int epochs = 1 + c / 2 % 3;
        uint64_t seed = c % 2 ? 9 : 7;
        CHECK(cfg.eps == eps && cfg.epochs == epochs && cfg.seed == seed,
              "cell %d: eps %g epochs %d seed %llu, expected %g %d %llu", c, (double)cfg.eps,
              cfg.epochs, (unsigned long long)cfg.seed, (double)eps, epochs,
              (unsigned long long)seed);
        /* No curve, defence or PGD measurement asked: those stages are off. */
        CHECK(cfg.train_limit == 100 && cfg.curve == 0 && cfg.defences == 0 && cfg.pgd_limit == 0,
              "cell %d: train_limit %d curve %d defences %d pgd_limit %d", c, cfg.train_limit,
              cfg.curve, cfg.defences, cfg.pgd_limit);
    }
    advlab_experiment_config cfg;
    CHECK_FAILS(advlab_sweep_cell_config(s, 12, &cfg), ADVLAB_E_ARG, "cell 12 is outside 0..11");
    const char *plan = advlab_sweep_plan_json(s);
    CHECK(plan && strstr(plan, "\"cells\":12,\"points\":6,") &&
              strstr(plan, "\"vary\":[{\"key\":\"eps\",\"values\":[0.05,0.15]},{\"key\":\"epochs\","
                           "\"values\":[1,2,3]}],\"seeds\":[7,9],\"measure\":[\"fgsm_defended\","
                           "\"train\"]}") &&
              strstr(plan, "\"cell_settings\":[{\"eps\":0.05,\"epochs\":1,\"seed\":7},{\"eps\":0."
                           "05,\"epochs\":1,\"seed\":9},{\"eps\":0.05,\"epochs\":2,\"seed\":7}"),
          "plan: %s", plan ? plan : "(null)");
    advlab_sweep_free(s);
    /* A PGD measurement keeps PGD, a curve one the curves, a defence one the defences. */
    s = make("{\"vary\":[{\"key\":\"eps\",\"values\":[0.1]}],\"measure\":[\"pgd_standard\","
             "\"curve_standard_eps0.1\",\"median_clean\"]}");
    if (s && advlab_sweep_cell_config(s, 0, &cfg) == ADVLAB_OK)
        CHECK(cfg.pgd_limit == 1000 && cfg.curve == 1 && cfg.defences == 1 && cfg.seed == 1234,
              "pgd_limit %d curve %d defences %d seed %llu", cfg.pgd_limit, cfg.curve, cfg.defences,
              (unsigned long long)cfg.seed);
    advlab_sweep_free(s);
    /* A results JSON is a spec too. */
    s = make("{\"format\":\"advlab-sweep\",\"spec\":{\"vary\":[{\"key\":\"ratio\",\"values\":[1]}],"
             "\"measure\":[\"train\"]},\"cells\":[]}");
    CHECK(s && advlab_sweep_cell_count(s) == 1, "a results JSON's spec");
    advlab_sweep_free(s);
    advlab_sweep_free(NULL);
}

/* Values set by hand (as from other workers): the CSV and JSON against
 * means and sample standard deviations worked out on paper. */
static void test_tables(void)
{
    advlab_sweep *s = make("{\"vary\":[{\"key\":\"eps\",\"values\":[0.1,0.3]}],\"seeds\":[1,2,3],"
                           "\"measure\":[\"fgsm_standard\",\"clean_standard\"]}");
    if (!s)
        return;
    /* Point 0: 0.25, 0.5, 0.75 (mean 0.5, std 0.25); point 1 only half done. */
    double v[6][2] = {{0.25, 1}, {0.5, 1}, {0.75, 1}, {0.125, 0.5}};
    for (int c = 0; c < 4; c++)
        CHECK(advlab_sweep_set_cell(s, c, v[c], 1.5) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_sweep_next_cell(s) == 4 && advlab_sweep_cell_done(s, 3) &&
              !advlab_sweep_cell_done(s, 4),
          "next cell %d", advlab_sweep_next_cell(s));
    double nan_values[2] = {NAN, 0};
    CHECK_FAILS(advlab_sweep_set_cell(s, 4, nan_values, 0), ADVLAB_E_ARG,
                "sweep: cell 4: fgsm_standard is not a finite number");
    CHECK_FAILS(advlab_sweep_set_cell(s, 6, v[0], 0), ADVLAB_E_ARG, "cell 6 is outside 0..5");
    double got[2];
    CHECK_FAILS(advlab_sweep_cell_values(s, 4, got, NULL), ADVLAB_E_ARG, "cell 4 has no results");
    const char *csv = advlab_sweep_csv(s, 0);
    const char *want = "cell,eps,seed,fgsm_standard,clean_standard\n"
                       "0,0.1,1,0.25,1\n1,0.1,2,0.5,1\n2,0.1,3,0.75,1\n3,0.3,1,0.125,0.5\n";
    CHECK(csv && strcmp(csv, want) == 0, "cells CSV:\n%s", csv ? csv : "(null)");
    csv = advlab_sweep_csv(s, 1);
    want = "point,eps,seeds,fgsm_standard_mean,fgsm_standard_std,clean_standard_mean,"
           "clean_standard_std\n0,0.1,3,0.5,0.25,1,0\n";
    CHECK(csv && strcmp(csv, want) == 0, "points CSV:\n%s", csv ? csv : "(null)");
    const char *json = advlab_sweep_results_json(s);
    CHECK(json && strstr(json, "{\"format\":\"advlab-sweep\",\"engine\":\"" ADVLAB_VERSION
                               "\",\"spec\":{\"arch\":\"tutorial\",\"settings\":{"),
          "head: %.200s", json ? json : "(null)");
    CHECK(json && strstr(json, "\"cells\":[{\"cell\":0,\"settings\":{\"eps\":0.1},\"seed\":1,"
                               "\"values\":{\"fgsm_standard\":0.25,\"clean_standard\":1}},"),
          "first cell: %s", json ? json : "(null)");
    CHECK(json &&
              strstr(json, "\"points\":[{\"point\":0,\"settings\":{\"eps\":0.1},\"seeds\":3,"
                           "\"mean\":{\"fgsm_standard\":0.5,\"clean_standard\":1},"
                           "\"std\":{\"fgsm_standard\":0.25,\"clean_standard\":0}}],"
                           "\"timings\":{\"seconds\":6,\"cells\":[{\"cell\":0,\"seconds\":1.5}"),
          "points and timings: %s", json ? json : "(null)");
    advlab_sweep_free(s);
}

/* The same sweep, checkpointed with some cells done. */
static advlab_sweep *restored(const char *spec, const char *checkpoint, advlab_status *st)
{
    advlab_sweep *s = make(spec);
    *st = s ? advlab_sweep_restore(s, checkpoint, strlen(checkpoint)) : ADVLAB_E_ARG;
    return s;
}

/* checkpoint with `from` replaced by `to` (first occurrence). */
static char *edited(const char *checkpoint, const char *from, const char *to)
{
    const char *at = strstr(checkpoint, from);
    CHECK(at != NULL, "\"%s\" is not in the checkpoint", from);
    if (!at)
        return strdup(checkpoint);
    size_t head = (size_t)(at - checkpoint), n = strlen(checkpoint) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    memcpy(out, checkpoint, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

static void test_checkpoint(void)
{
    const char *spec = "{\"vary\":[{\"key\":\"eps\",\"values\":[0.1,0.3]}],\"seeds\":[1,2],"
                       "\"measure\":[\"fgsm_standard\"]}";
    advlab_sweep *s = make(spec);
    if (!s)
        return;
    double a = 0.1, b = 1.0 / 3;
    advlab_sweep_set_cell(s, 0, &a, 2);
    advlab_sweep_set_cell(s, 3, &b, 4);
    char *checkpoint = strdup(advlab_sweep_results_json(s));
    advlab_status st;
    advlab_sweep *r = restored(spec, checkpoint, &st);
    CHECK(st == ADVLAB_OK, "%s", advlab_last_error());
    double got = 0, seconds = 0;
    CHECK(r && advlab_sweep_cell_values(r, 3, &got, &seconds) == ADVLAB_OK && got == b &&
              seconds == 4 && !advlab_sweep_cell_done(r, 1),
          "restored cell 3: %.17g in %g s", got, seconds);
    CHECK(r && strcmp(advlab_sweep_results_json(r), checkpoint) == 0, "round trip:\n%s\n%s",
          r ? advlab_sweep_results_json(r) : "", checkpoint);
    advlab_sweep_free(r);
    struct {
        const char *from, *to, *needle;
        int status;
    } bad[] = {
        {"\"advlab-sweep\"", "\"advlab-run\"", "no \"format\": \"advlab-sweep\"", ADVLAB_E_FORMAT},
        {"\"engine\":\"" ADVLAB_VERSION "\"", "\"engine\":\"0.0.1\"",
         "made by engine 0.0.1, not this one", ADVLAB_E_FORMAT},
        {"\"seeds\":[1,2]", "\"seeds\":[1,3]", "it is of another sweep", ADVLAB_E_FORMAT},
        {"\"measure\":[\"fgsm_standard\"]", "\"measure\":[\"x\"]", "its spec is not a valid",
         ADVLAB_E_FORMAT},
        {"{\"cell\":3,", "{\"cell\":4,", "cells[1] has no cell number in 0..3", ADVLAB_E_FORMAT},
        {"{\"cell\":3,", "{\"cell\":0,", "cells[1]: cell 0 appears twice", ADVLAB_E_FORMAT},
        {"\"seed\":2,", "\"seed\":1,", "cells[1]: the settings and seed are not those of cell 3",
         ADVLAB_E_FORMAT},
        {"{\"eps\":0.3}", "{\"eps\":0.1}", "the settings and seed are not those of cell 3",
         ADVLAB_E_FORMAT},
        {"\"fgsm_standard\":0.1}", "\"fgsm_standard\":\"0.1\"}",
         "cells[0]: fgsm_standard is missing or not a finite number", ADVLAB_E_FORMAT},
        {"\"fgsm_standard\":0.1}", "\"fgsm_standard\":0.1,\"x\":1}",
         "cells[0]: values must hold the 1 measurements", ADVLAB_E_FORMAT},
        {"{\"cell\":3,\"seconds\":4}", "{\"cell\":1,\"seconds\":4}",
         "timings cells[1] is not {\"cell\": a finished cell", ADVLAB_E_FORMAT},
        {"]}}", "]}", "sweep checkpoint: unexpected end of JSON", ADVLAB_E_FORMAT},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *text = edited(checkpoint, bad[i].from, bad[i].to);
        r = restored(spec, text, &st);
        CHECK_FAILS(st, bad[i].status, bad[i].needle);
        CHECK(r && advlab_sweep_next_cell(r) == 0, "a rejected checkpoint changed the sweep");
        advlab_sweep_free(r);
        free(text);
    }
    free(checkpoint);
    advlab_sweep_free(s);
}

/* Runs every cell not done, in chunks of `units`; after `stop_after` calls
 * (if >= 0) returns early. */
static int run_cells(advlab_sweep *s, const advlab_dataset *ds, int units, int stop_after)
{
    int calls = 0;
    for (int c; (c = advlab_sweep_next_cell(s)) >= 0; calls++) {
        if (calls == stop_after)
            return 1;
        advlab_sweep_progress p;
        if (advlab_sweep_run(s, ds, ds, c, units, &p) != ADVLAB_OK) {
            CHECK(0, "cell %d: %s", c, advlab_last_error());
            return 0;
        }
        CHECK(p.cells == advlab_sweep_cell_count(s) && p.fraction >= 0 && p.fraction <= 1,
              "progress: %d cells, fraction %g", p.cells, p.fraction);
    }
    return 0;
}

static void test_runs(void)
{
    advlab_dataset *ds = synthetic_dataset(96, 5);
    CHECK(ds != NULL, "%s", advlab_last_error());
    if (!ds)
        return;
    const char *spec = "{\"arch\":\"d10\",\"settings\":{\"epochs\":1,\"adv_epochs\":1,"
                       "\"pgd_limit\":16,\"pgd_iter\":2,\"batch\":32},\"vary\":[{\"key\":\"eps\","
                       "\"values\":[0.1,0.3]}],\"seeds\":[1,2],\"measure\":[\"fgsm_standard\","
                       "\"pgd_defended\",\"clean_defended\"]}";
    advlab_sweep *straight = make(spec), *cut = make(spec);
    if (!straight || !cut)
        goto done;
    run_cells(straight, ds, 3, -1);
    CHECK(run_cells(cut, ds, 3, 12) == 1, "the interrupted sweep finished early");
    CHECK(advlab_sweep_cell_done(cut, 0) && !advlab_sweep_cell_done(cut, 1),
          "after 12 calls: cell 0 done, cell 1 half done");
    char *checkpoint = strdup(advlab_sweep_results_json(cut));
    advlab_sweep_free(cut);
    advlab_status st;
    cut = restored(spec, checkpoint, &st);
    free(checkpoint);
    CHECK(st == ADVLAB_OK, "%s", advlab_last_error());
    if (!cut)
        goto done;
    run_cells(cut, ds, 1000, -1);
    const char *a = advlab_sweep_csv(straight, 0);
    char *want = strdup(a ? a : "");
    const char *b = advlab_sweep_csv(cut, 0);
    CHECK(b && strcmp(want, b) == 0, "straight:\n%s\nrestored:\n%s", want, b ? b : "(null)");
    CHECK(strlen(want) > 100, "CSV of 4 cells: %s", want);
    free(want);
    /* The sweep skipped curve and defences and stopped after pgd_defended;
     * the full experiment makes the same numbers. */
    advlab_experiment_config cfg;
    advlab_sweep_cell_config(straight, 3, &cfg);
    CHECK(cfg.curve == 0 && cfg.defences == 0 && cfg.pgd_limit == 16, "skips");
    cfg.curve = cfg.defences = 1;
    advlab_experiment *e = NULL;
    CHECK(advlab_experiment_create(ds, ds, "d10", &cfg, &e) == ADVLAB_OK, "%s",
          advlab_last_error());
    while (e && !advlab_experiment_finished(e))
        if (advlab_experiment_run(e, 100, NULL) != ADVLAB_OK) {
            CHECK(0, "%s", advlab_last_error());
            break;
        }
    double values[3];
    advlab_sweep_cell_values(straight, 3, values, NULL);
    for (int i = 0; e && i < advlab_experiment_measurement_count(e); i++) {
        advlab_measurement m;
        advlab_experiment_measurement(e, i, &m);
        for (int k = 0; k < 3; k++)
            if (strcmp(m.name, advlab_sweep_measure_name(straight, k)) == 0)
                CHECK(m.value == values[k], "%s: sweep %.17g, full experiment %.17g", m.name,
                      values[k], m.value);
    }
    advlab_experiment_free(e);
    advlab_sweep_progress p;
    CHECK_FAILS(advlab_sweep_run(straight, ds, ds, 0, 1, &p), ADVLAB_E_ARG,
                "sweep: cell 0 is already finished");
done:
    advlab_sweep_free(straight);
    advlab_sweep_free(cut);
    advlab_dataset_free(ds);
}

/* ------------------------------------------------ the attack family */

#define ATTACK_SPEC(settings, vary, measure)                                              \
    "{\"family\":\"attack\",\"arch\":\"d10\",\"settings\":{" settings "},\"vary\":[" vary \
    "],\"measure\":[" measure "]}"

static void test_attack_specs(void)
{
    rejects("{\"family\":\"steel\",\"vary\":[{\"key\":\"eps\",\"values\":[0]}],"
            "\"measure\":[\"train\"]}",
            "sweep spec: family \"steel\" is unknown (families: experiment, attack, poison, "
            "steal)");
    rejects("{\"family\":3,\"vary\":[{\"key\":\"eps\",\"values\":[0]}],\"measure\":[\"train\"]}",
            "sweep spec: family must be a name");
    rejects(ATTACK_SPEC("", "{\"key\":\"ratio\",\"values\":[0.1]}", "\"clean_accuracy\""),
            "vary: unknown setting \"ratio\" (settings of the attack family: train_limit");
    rejects(
        ATTACK_SPEC("\"adv_epochs\":2", "{\"key\":\"eps\",\"values\":[0.1]}", "\"clean_accuracy\""),
        "settings: unknown setting \"adv_epochs\" (settings of the attack family");
    rejects("{\"vary\":[{\"key\":\"attack\",\"values\":[\"fgsm\"]}],\"measure\":[\"train\"]}",
            "vary: unknown setting \"attack\" (settings: train_limit");
    rejects(ATTACK_SPEC("", "{\"key\":\"attack\",\"values\":[\"fgsm\",\"pgd2\"]}",
                        "\"clean_accuracy\""),
            "vary attack: values[1]: attack sweep: attack \"pgd2\" is not one of fgsm, bim, pgd");
    rejects(ATTACK_SPEC("", "{\"key\":\"attack\",\"values\":[0]}", "\"clean_accuracy\""),
            "vary attack: values[0]: attack takes a name (fgsm, bim, pgd, deepfool");
    rejects(
        ATTACK_SPEC("", "{\"key\":\"attack\",\"values\":[\"pgd\",\"pgd\"]}", "\"clean_accuracy\""),
        "vary attack: values[1] repeats values[0]");
    rejects(ATTACK_SPEC("", "{\"key\":\"attack\",\"range\":[0,2,1]}", "\"clean_accuracy\""),
            "vary attack: a choice takes a list of names, not a range");
    rejects(ATTACK_SPEC("\"defence\":\"jpg\"", "{\"key\":\"eps\",\"values\":[0.1]}",
                        "\"clean_accuracy\""),
            "settings: defence: attack sweep: defence \"jpg\" is not one of none, squeeze");
    rejects(ATTACK_SPEC("", "{\"key\":\"eps\",\"values\":[0.1]}", "\"fgsm_standard\""),
            "measure[0] \"fgsm_standard\" is not a measurement of the attack family "
            "(clean_accuracy, robust_accuracy, success_rate, mean_l2, mean_linf)");
    rejects(
        ATTACK_SPEC("\"norm\":\"two\"", "{\"key\":\"eps\",\"values\":[0.1]}", "\"clean_accuracy\""),
        "settings: norm \"two\" is not a number");
    /* The attack's own checks, at create, name the cell. */
    rejects(ATTACK_SPEC("\"attack\":\"pgd\"", "{\"key\":\"eps\",\"values\":[0.3,0.05]}",
                        "\"robust_accuracy\""),
            "sweep spec: cell 1 ({\"eps\":0.05}): attack pgd: eps_step 0.1 is larger than eps "
            "0.05");
    rejects("{\"family\":\"attack\",\"arch\":\"x9\",\"vary\":[{\"key\":\"eps\",\"values\":[0]}],"
            "\"measure\":[\"clean_accuracy\"]}",
            "sweep spec: arch: arch \"x9\"");
    rejects(ATTACK_SPEC("\"train_limit\":0,\"test_limit\":0,\"epochs\":10000",
                        "{\"key\":\"eps\",\"range\":[0,1,0.001]}", "\"clean_accuracy\""),
            "is over the cap of");
    /* The experiment's cell config is the experiment's only. */
    advlab_sweep *s =
        make(ATTACK_SPEC("", "{\"key\":\"eps\",\"values\":[0.1]}", "\"clean_accuracy\""));
    advlab_experiment_config cfg;
    if (s)
        CHECK_FAILS(advlab_sweep_cell_config(s, 0, &cfg), ADVLAB_E_ARG,
                    "only the experiment family's cells are experiments");
    advlab_sweep_free(s);
}

/* Every attack and pre-processor the library names is a choice of the
 * family, by the same name, in the same order; the spec writes them (and
 * the family, and the norm's inf) by name and reads its own text back. */
static void test_attack_choices(void)
{
    advlab_strbuf b = {0};
    advlab__sb_printf(&b, "{\"family\":\"attack\",\"arch\":\"d10\",\"vary\":[{\"key\":"
                          "\"attack\",\"values\":[");
    for (int k = 0; k <= ADVLAB_ATTACK_JSMA; k++)
        advlab__sb_printf(&b, "%s\"%s\"", k ? "," : "", advlab_attack_name((advlab_attack_kind)k));
    advlab__sb_printf(&b, "]},{\"key\":\"defence\",\"values\":[\"none\"");
    for (int k = 0; k <= ADVLAB_PRE_NOISE; k++)
        advlab__sb_printf(&b, ",\"%s\"", advlab_preprocess_name((advlab_preprocess_kind)k));
    advlab__sb_printf(&b, "]}],\"seeds\":[5],\"measure\":[\"success_rate\"]}");
    advlab_sweep *s = make(b.data);
    advlab__sb_free(&b);
    if (!s)
        return;
    CHECK(advlab_sweep_cell_count(s) == 14 * 5, "%d cells", advlab_sweep_cell_count(s));
    const char *plan = advlab_sweep_plan_json(s);
    CHECK(plan && strstr(plan, "{\"spec\":{\"family\":\"attack\",\"arch\":\"d10\",\"settings\":"
                               "{\"train_limit\":0,\"test_limit\":1000,\"epochs\":20,\"batch\":64,"
                               "\"lr\":0.01,\"eps\":0.3,\"eps_step\":0.1,\"norm\":\"inf\","),
          "plan: %.300s", plan ? plan : "(null)");
    CHECK(plan && strstr(plan, "{\"attack\":\"apgd-t\",\"defence\":\"noise\",\"seed\":5}"),
          "cell settings by name: %.300s", plan ? plan : "(null)");
    char *spec = strdup(strstr(plan, "{\"family\""));
    spec[strlen(spec) - strlen(strstr(spec, ",\"cells\":"))] = 0;
    advlab_sweep *again = make(spec);
    CHECK(again && strcmp(advlab_sweep_plan_json(again), plan) == 0, "the spec reads back");
    free(spec);
    advlab_sweep_free(again);
    advlab_sweep_free(s);
}

static void test_attack_runs(void)
{
    advlab_dataset *ds = synthetic_dataset(96, 7);
    CHECK(ds != NULL, "%s", advlab_last_error());
    if (!ds)
        return;
    const char *spec =
        ATTACK_SPEC("\"epochs\":2,\"batch\":32,\"test_limit\":40,\"max_iter\":3,\"eps_step\":0.05",
                    "{\"key\":\"attack\",\"values\":[\"fgsm\",\"pgd\"]},{\"key\":\"defence\","
                    "\"values\":[\"none\",\"squeeze\"]}",
                    "\"clean_accuracy\",\"robust_accuracy\",\"success_rate\",\"mean_linf\"");
    advlab_sweep *straight = make(spec), *cut = make(spec);
    if (!straight || !cut)
        goto done;
    run_cells(straight, ds, 1000, -1);
    /* One unit a call: cell 0 trains for 6 batches and attacks in 1 chunk. */
    CHECK(run_cells(cut, ds, 1, 9) == 1, "the interrupted sweep finished early");
    CHECK(advlab_sweep_cell_done(cut, 0) && !advlab_sweep_cell_done(cut, 1),
          "after 9 calls: cell 0 done, cell 1 half done");
    char *checkpoint = strdup(advlab_sweep_results_json(cut));
    advlab_sweep_free(cut);
    advlab_status st;
    cut = restored(spec, checkpoint, &st);
    free(checkpoint);
    CHECK(st == ADVLAB_OK, "%s", advlab_last_error());
    if (!cut)
        goto done;
    run_cells(cut, ds, 2, -1);
    const char *a = advlab_sweep_csv(straight, 0);
    char *want = strdup(a ? a : "");
    const char *b = advlab_sweep_csv(cut, 0);
    CHECK(b && strcmp(want, b) == 0, "straight:\n%s\nchunked:\n%s", want, b ? b : "(null)");
    CHECK(strncmp(want,
                  "cell,attack,defence,seed,clean_accuracy,robust_accuracy,success_rate,mean_linf\n"
                  "0,fgsm,none,1234,",
                  86) == 0,
          "CSV: %s", want);
    free(want);
    for (int c = 0; c < 4; c++) {
        double v[4];
        advlab_sweep_cell_values(straight, c, v, NULL);
        /* Clean accuracy does not depend on the attack; the ball holds. */
        double same_defence[4];
        advlab_sweep_cell_values(straight, c & 1, same_defence, NULL);
        CHECK(v[0] == same_defence[0] && v[0] > 0.5, "cell %d: clean %g, as cell %d's %g", c, v[0],
              c & 1, same_defence[0]);
        CHECK(v[1] >= 0 && v[1] <= 1 && v[2] >= 0 && v[2] <= 1, "cell %d: rates %g %g", c, v[1],
              v[2]);
        CHECK(v[3] > 0 && v[3] <= 0.3 + 1e-6, "cell %d: mean linf %g", c, v[3]);
    }
    double fgsm[4], pgd[4];
    advlab_sweep_cell_values(straight, 0, fgsm, NULL);
    advlab_sweep_cell_values(straight, 2, pgd, NULL);
    CHECK(fgsm[2] > 0 && fgsm[1] < fgsm[0], "undefended FGSM flips some: robust %g, clean %g",
          fgsm[1], fgsm[0]);
    CHECK(fgsm[3] > 0.29, "FGSM steps to eps: mean linf %g", fgsm[3]);
    CHECK(pgd[3] <= 0.15 + 1e-6, "PGD takes 3 steps of 0.05: mean linf %g", pgd[3]);
done:
    advlab_sweep_free(straight);
    advlab_sweep_free(cut);
    advlab_dataset_free(ds);
}

/* ------------------------------------------------ the poison family */

static void test_poison_family(void)
{
    rejects("{\"family\":\"poison\",\"vary\":[{\"key\":\"fraction\",\"values\":[0.1]}],"
            "\"measure\":[\"robust_accuracy\"]}",
            "measure[0] \"robust_accuracy\" is not a measurement of the poison family "
            "(clean_accuracy, attack_success)");
    rejects("{\"family\":\"poison\",\"vary\":[{\"key\":\"trigger\",\"values\":[\"mask\"]}],"
            "\"measure\":[\"attack_success\"]}",
            "vary trigger: values[0]: poison sweep: trigger \"mask\" is not one of pattern, pixel");
    rejects("{\"family\":\"poison\",\"vary\":[{\"key\":\"eps\",\"values\":[0.1]}],"
            "\"measure\":[\"attack_success\"]}",
            "vary: unknown setting \"eps\" (settings of the poison family: train_limit");
    rejects("{\"family\":\"poison\",\"vary\":[{\"key\":\"fraction\",\"values\":[0.1,1.5]}],"
            "\"measure\":[\"attack_success\"]}",
            "vary fraction: values[1]: poison sweep: fraction 1.5 is out of range 0..1");
    advlab_dataset *ds = synthetic_dataset(96, 9);
    CHECK(ds != NULL, "%s", advlab_last_error());
    if (!ds)
        return;
    const char *spec = "{\"family\":\"poison\",\"arch\":\"d10\",\"settings\":{\"epochs\":2,"
                       "\"batch\":16,\"trigger\":\"pixel\"},\"vary\":[{\"key\":\"fraction\","
                       "\"values\":[0,0.5]}],\"seeds\":[3],\"measure\":[\"attack_success\","
                       "\"clean_accuracy\"]}";
    advlab_sweep *straight = make(spec), *chunked = make(spec);
    if (!straight || !chunked)
        goto done;
    run_cells(straight, ds, 1000, -1);
    run_cells(chunked, ds, 1, -1);
    const char *a = advlab_sweep_csv(straight, 0);
    char *want = strdup(a ? a : "");
    const char *b = advlab_sweep_csv(chunked, 0);
    CHECK(b && strcmp(want, b) == 0, "straight:\n%s\nchunked:\n%s", want, b ? b : "(null)");
    CHECK(strncmp(want, "cell,fraction,seed,attack_success,clean_accuracy\n0,0,3,", 55) == 0,
          "CSV: %s", want);
    free(want);
    /* Cell 1 by hand: the backdoor, the training, the measure. */
    advlab_poison_config pc;
    advlab_poison_config_default("pixel", &pc);
    pc.fraction = 0.5f;
    pc.seed = 3;
    advlab_dataset *dirty = NULL;
    int32_t *rows = NULL;
    int n_rows = 0;
    advlab_net *net = NULL;
    advlab_trainer *t = NULL;
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.epochs = 2;
    tc.batch = 16;
    tc.seed = 3;
    CHECK(advlab_poison_dataset(ds, &pc, NULL, &dirty, &rows, &n_rows) == ADVLAB_OK &&
              advlab_net_create("d10", 16, 3, &net) == ADVLAB_OK &&
              advlab_trainer_create(net, dirty, &tc, &t) == ADVLAB_OK,
          "%s", advlab_last_error());
    while (t && !advlab_trainer_finished(t))
        if (advlab_trainer_run(t, 100, NULL) != ADVLAB_OK)
            break;
    advlab_poison_metrics m = {0};
    CHECK(net && advlab_poison_measure(net, ds, &pc, 0, &m) == ADVLAB_OK, "%s",
          advlab_last_error());
    double values[2];
    advlab_sweep_cell_values(straight, 1, values, NULL);
    CHECK(n_rows > 0 && values[0] == m.attack_success && values[1] == m.clean_accuracy,
          "cell 1: %.17g %.17g, by hand %.17g %.17g (%d rows poisoned)", values[0], values[1],
          m.attack_success, m.clean_accuracy, n_rows);
    advlab_trainer_free(t);
    advlab_net_free(net);
    advlab_buffer_free(rows);
    advlab_dataset_free(dirty);
done:
    advlab_sweep_free(straight);
    advlab_sweep_free(chunked);
    advlab_dataset_free(ds);
}

/* ------------------------------------------------- the steal family */

#define STEAL_SPEC(settings, values)                                                         \
    "{\"family\":\"steal\",\"arch\":\"d10\",\"settings\":{" settings "},\"vary\":[{\"key\":" \
    "\"budget\",\"values\":[" values "]}],\"seeds\":[5],\"measure\":[\"fidelity\","          \
    "\"thief_accuracy\"]}"

static void test_steal_family(void)
{
    rejects(STEAL_SPEC("", "0"), "vary budget: values[0]: steal sweep: budget 0 is out of range");
    rejects(STEAL_SPEC("", "100,1e999"),
            "vary budget: values[1]: steal sweep: budget inf is not an integer");
    rejects(STEAL_SPEC("\"train_limit\":10000", "50001"),
            "cell 0 ({\"budget\":50001}): budget 50001 is more than the 50000 thief images");
    rejects(STEAL_SPEC("\"method\":\"copycats\"", "100"),
            "settings: method: steal sweep: method \"copycats\" is not one of copycat, knockoff");
    rejects(STEAL_SPEC("", "32"), "cell 0 ({\"budget\":32}): batch 64 is more than the budget");
    advlab_dataset *ds = synthetic_dataset(96, 11);
    CHECK(ds != NULL, "%s", advlab_last_error());
    if (!ds)
        return;
    const char *spec = STEAL_SPEC("\"train_limit\":48,\"test_limit\":40,\"epochs\":2,"
                                  "\"batch\":16,\"thief_epochs\":2",
                                  "16,48");
    advlab_sweep *straight = make(spec), *cut = make(spec), *over = NULL;
    if (!straight || !cut)
        goto done;
    run_cells(straight, ds, 1000, -1);
    /* One unit a call: cell 0 trains the victim for 6 batches, then steals. */
    CHECK(run_cells(cut, ds, 1, 5) == 1, "the interrupted sweep finished early");
    char *checkpoint = strdup(advlab_sweep_results_json(cut));
    advlab_sweep_free(cut);
    advlab_status st;
    cut = restored(spec, checkpoint, &st);
    free(checkpoint);
    CHECK(st == ADVLAB_OK, "%s", advlab_last_error());
    if (!cut)
        goto done;
    run_cells(cut, ds, 1, -1);
    const char *a = advlab_sweep_csv(straight, 0);
    char *want = strdup(a ? a : "");
    const char *b = advlab_sweep_csv(cut, 0);
    CHECK(b && strcmp(want, b) == 0, "straight:\n%s\nchunked:\n%s", want, b ? b : "(null)");
    CHECK(strncmp(want, "cell,budget,seed,fidelity,thief_accuracy\n0,16,5,", 48) == 0, "CSV: %s",
          want);
    free(want);
    for (int c = 0; c < 2; c++) {
        double v[2] = {-1, -1};
        advlab_sweep_cell_values(straight, c, v, NULL);
        CHECK(v[0] > 0 && v[0] <= 1 && v[1] >= 0 && v[1] <= 1, "cell %d: fidelity %g, thief %g", c,
              v[0], v[1]);
    }
    /* The spec's check counts 60000 training rows; the run counts the real ones. */
    over = make(STEAL_SPEC("\"train_limit\":48,\"batch\":16", "49"));
    CHECK_FAILS(over ? advlab_sweep_run(over, ds, ds, 0, 1, NULL) : ADVLAB_E_ARG, ADVLAB_E_ARG,
                "sweep: cell 0: budget 49 is more than the 48 thief images");
done:
    advlab_sweep_free(straight);
    advlab_sweep_free(cut);
    advlab_sweep_free(over);
    advlab_dataset_free(ds);
}

int main(void)
{
    test_bad_specs();
    test_ranges();
    test_order_and_skips();
    test_tables();
    test_checkpoint();
    test_runs();
    test_attack_specs();
    test_attack_choices();
    test_attack_runs();
    test_poison_family();
    test_steal_family();
    return check_finish("test_sweep");
}
