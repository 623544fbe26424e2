/* The sweep's steal family: each cell trains the tutorial's standard model
 * on the first train_limit training rows (the experiment's own "train"
 * stage, as the attack family's victim), steals it as `advlab extract
 * --thief mnist` does (copycat or knockoff, `budget` queries), and scores
 * the theft with advlab_extraction_measure on the first test_limit test
 * images. The thief's images are the MNIST training rows after the
 * victim's train_limit, so the thief never queries an image the victim
 * was trained on. */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/error.h"
#include "extract/extract.h"
#include "lab/sweep.h"

/* advlab_extract_name's names, which pick the method's defaults. */
static const char *const method_names[] = {"copycat", "knockoff", NULL};

const char *const advlab__sweep_steal_measures[] = {"thief_accuracy", "fidelity", NULL};

#define FIELD(key) offsetof(sweep_steal_config, key)

static const advlab__cfg_field fields[] = {
    {"seed", ADVLAB__CFG_SEED, FIELD(seed), 1234, 0, 0, 0, 0, NULL,
     "the victim's init and shuffling, the thief's rows and training"},
    {"train_limit", ADVLAB__CFG_INT, FIELD(train_limit), 10000, 1, INT_MAX, 0, 0, NULL,
     "the victim's training rows; the thief's images are the rows after them"},
    {"test_limit", ADVLAB__CFG_INT, FIELD(test_limit), 1000, 0, INT_MAX, 0, 0, NULL,
     "test images measured (0: all)"},
    {"epochs", ADVLAB__CFG_INT, FIELD(epochs), 20, 1, 10000, 0, 0, NULL, "the victim's epochs"},
    {"batch", ADVLAB__CFG_INT, FIELD(batch), 64, 1, 512, 0, 0, NULL,
     "the victim's and the thief's batch"},
    {"lr", ADVLAB__CFG_FLOAT, FIELD(lr), 0.01, 0, 10, ADVLAB__CFG_MIN_OPEN, 0, NULL,
     "the victim's and the thief's Adam step"},
    {"method", ADVLAB__CFG_CHOICE, FIELD(method), 0, 0, 0, 0, 0, method_names,
     "the theft: copycat or knockoff (random sampling)"},
    {"budget", ADVLAB__CFG_INT, FIELD(budget), 1000, 1, 1000000, 0, 0, NULL,
     "the query budget: thief images the victim answers"},
    {"use_probability", ADVLAB__CFG_FLAG, FIELD(use_probability), 0, 0, 1, 0, 0, NULL,
     "1: the thief learns the victim's probabilities, not their argmax"},
    {"thief_epochs", ADVLAB__CFG_INT, FIELD(thief_epochs), 10, 1, 1000, 0, 0, NULL,
     "epochs of the thief's training"},
};

const advlab__cfg_spec advlab__sweep_steal_spec =
    ADVLAB__CFG_SPEC("steal sweep", sweep_steal_config, NULL, 0, fields, NULL);

/* The theft of cfg: the method's defaults (ART's), then the sweep's. */
static advlab_status extract_config(const sweep_steal_config *cfg, advlab_extract_config *ec)
{
    TRY(advlab_extract_config_default(method_names[cfg->method], ec));
    ec->queries = cfg->budget;
    ec->use_probability = cfg->use_probability;
    ec->epochs = cfg->thief_epochs;
    ec->batch = cfg->batch;
    ec->lr = cfg->lr;
    ec->seed = cfg->seed;
    return advlab__cfg_check(&advlab__extract_spec, ec);
}

/* The experiment that trains the victim: its first stage only. */
static void training_config(const sweep_steal_config *cfg, advlab_experiment_config *e)
{
    advlab_experiment_config_default(e);
    e->seed = cfg->seed;
    e->train_limit = cfg->train_limit;
    e->test_limit = cfg->test_limit;
    e->epochs = cfg->epochs;
    e->batch = cfg->batch;
    e->lr = cfg->lr;
    e->curve = e->defences = 0;
    e->pgd_limit = 0;
}

static int limited(int limit, int full) { return limit > 0 && limit < full ? limit : full; }

/* The budget against the thief images of n_train training rows. */
static advlab_status check_budget(const sweep_steal_config *cfg, int n_train)
{
    int thief = n_train > cfg->train_limit ? n_train - cfg->train_limit : 0;
    if (cfg->budget > thief)
        return advlab__fail(ADVLAB_E_ARG,
                            "budget %d is more than the %d thief images (the training rows after "
                            "train_limit %d)",
                            cfg->budget, thief, cfg->train_limit);
    if (cfg->batch > cfg->budget)
        return advlab__fail(ADVLAB_E_ARG, "batch %d is more than the budget of %d queries",
                            cfg->batch, cfg->budget);
    return ADVLAB_OK;
}

advlab_status advlab__sweep_steal_check(advlab_sweep *s)
{
    s->work = 0.0;
    for (int c = 0; c < s->n_cells; c++) {
        sweep_steal_config cfg;
        advlab_extract_config ec;
        advlab__sweep_cell_settings(s, c, &cfg);
        if (extract_config(&cfg, &ec) || check_budget(&cfg, 60000)) {
            char message[400];
            snprintf(message, sizeof message, "%s", advlab_last_error());
            advlab_strbuf at = {0};
            advlab__sweep_put_point_settings(&at, s, c / s->n_seeds);
            advlab_status st = advlab__fail(ADVLAB_E_ARG, "sweep spec: cell %d (%s): %s", c,
                                            at.data ? at.data : "", message);
            advlab__sb_free(&at);
            return st;
        }
        /* The victim's training, the queries, the thief's training, then
         * per test image the victim, the thief and FGSM on each. */
        s->work += (double)cfg.epochs * limited(cfg.train_limit, 60000) + cfg.budget +
                   (double)cfg.thief_epochs * cfg.budget + 6.0 * limited(cfg.test_limit, 10000);
    }
    return ADVLAB_OK;
}

/* ---------------------------------------------------------------- run */

struct sweep_steal_cell {
    sweep_steal_config cfg;
    advlab_experiment *training; /* its nets[0] is the victim */
    advlab_dataset *thief_set;
    advlab_extraction *extraction;
    double seconds;
};

void advlab__sweep_steal_drop(advlab_sweep *s)
{
    sweep_steal_cell *t = s->steal_cell;
    if (!t)
        return;
    advlab_extraction_free(t->extraction);
    advlab_dataset_free(t->thief_set);
    advlab_experiment_free(t->training);
    free(t);
    s->steal_cell = NULL;
}

static advlab_status start(advlab_sweep *s, const advlab_dataset *train, const advlab_dataset *test,
                           int cell)
{
    sweep_steal_cell *t = calloc(1, sizeof *t);
    if (!t)
        return advlab__fail(ADVLAB_E_NOMEM, "sweep: cell %d", cell);
    s->steal_cell = t;
    s->cell = cell;
    s->train = train;
    s->test = test;
    advlab__sweep_cell_settings(s, cell, &t->cfg);
    TRY(check_budget(&t->cfg, advlab_dataset_count(train)));
    TRY(advlab_dataset_rows(train, t->cfg.train_limit,
                            advlab_dataset_count(train) - t->cfg.train_limit, &t->thief_set));
    advlab_experiment_config ecfg;
    training_config(&t->cfg, &ecfg);
    return advlab_experiment_create(train, test, s->arch, &ecfg, &t->training);
}

/* Keeps the finished cell's measurements. */
static void finish(advlab_sweep *s, sweep_steal_cell *t, const advlab_extract_report *r)
{
    double seconds = t->seconds;
    advlab_measurement train;
    if (!advlab_experiment_measurement(t->training, 0, &train))
        seconds += train.seconds;
    double values[] = {r->thief_accuracy, r->fidelity};
    for (int m = 0; m < s->n_measure; m++) {
        int k = 0;
        while (strcmp(advlab__sweep_steal_measures[k], s->measure[m]) != 0)
            k++;
        s->values[(size_t)s->cell * s->n_measure + m] = values[k];
    }
    s->seconds[s->cell] = seconds;
    s->done[s->cell] = 1;
}

/* The theft's units: creating it, its queries and training batches, then
 * one that measures. */
static advlab_status steal_units(sweep_steal_cell *t, int max_units, int *finished, double *theft)
{
    if (!t->extraction) {
        advlab_extract_config ec;
        TRY(extract_config(&t->cfg, &ec));
        return advlab_extraction_create(t->training->nets[0], NULL, t->thief_set, &ec,
                                        &t->extraction);
    }
    if (!advlab_extraction_finished(t->extraction)) {
        int done = 0, total = 0;
        TRY(advlab_extraction_run(t->extraction, max_units, &done, &total));
        *theft = total > 0 ? (double)done / total : 1.0;
        return ADVLAB_OK;
    }
    *theft = 1.0;
    *finished = 1;
    return ADVLAB_OK;
}

static advlab_status run_units(advlab_sweep *s, const advlab_dataset *test, int max_units,
                               int *finished, double *part, const char **stage)
{
    sweep_steal_cell *t = s->steal_cell;
    advlab_experiment *e = t->training;
    double train_cost = (double)t->cfg.epochs * e->n_train;
    double steal_cost = (1.0 + t->cfg.thief_epochs) * t->cfg.budget;
    double total = train_cost + steal_cost;
    if (advlab_experiment_measurement_count(e) < 1) {
        advlab_experiment_progress p;
        TRY(advlab_experiment_run(e, max_units, &p));
        *stage = "train";
        *part = total > 0 ? p.fraction * e->total_cost / total : 0.0;
        *part = *part < 1.0 ? *part : 1.0;
        return ADVLAB_OK;
    }
    double t0 = advlab__now_seconds(), theft = 0.0;
    int measure = 0;
    advlab_status st = steal_units(t, max_units, &measure, &theft);
    advlab_extract_report r;
    if (!st && measure)
        st = advlab_extraction_measure(t->extraction, test, t->cfg.test_limit, &r);
    t->seconds += advlab__now_seconds() - t0;
    TRY(st);
    *stage = "steal";
    *part = total > 0 ? (train_cost + theft * steal_cost) / total : 1.0;
    if (measure) {
        finish(s, t, &r);
        *finished = 1;
    }
    return ADVLAB_OK;
}

advlab_status advlab__sweep_steal_run(advlab_sweep *s, const advlab_dataset *train,
                                      const advlab_dataset *test, int cell, int max_units,
                                      int *finished, double *part, const char **stage)
{
    *finished = 0;
    *part = 0.0;
    *stage = "";
    if (s->steal_cell && (s->cell != cell || s->train != train || s->test != test))
        advlab__sweep_steal_drop(s);
    advlab_status st = s->steal_cell ? ADVLAB_OK : start(s, train, test, cell);
    if (!st)
        st = run_units(s, test, max_units, finished, part, stage);
    if (st || *finished) {
        /* A failed cell restarts from its beginning when it is run again. */
        advlab__sweep_steal_drop(s);
        s->cell = -1;
    }
    return st;
}
