/* The sweep's poison family: each cell plants ART's backdoor (a trigger on
 * a fraction of the first train_limit training rows, relabelled to the
 * target) and trains a model on them, as `advlab experiment --threat
 * poison` trains its poisoned model, then measures its clean accuracy and
 * the attack's success rate on the first test_limit test images. */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/error.h"
#include "lab/sweep.h"
#include "poison/poison.h"

static const char *const trigger_names[] = {"pattern", "pixel", NULL};

const char *const advlab__sweep_poison_measures[] = {"clean_accuracy", "attack_success", NULL};

#define FIELD(key) offsetof(sweep_poison_config, key)

static const advlab__cfg_field fields[] = {
    {"seed", ADVLAB__CFG_SEED, FIELD(seed), 1, 0, 0, 0, 0, NULL,
     "net init, shuffling and the poisoned rows"},
    {"train_limit", ADVLAB__CFG_INT, FIELD(train_limit), 0, 0, INT_MAX, 0, 0, NULL,
     "the first training rows, poisoned and trained on (0: all)"},
    {"test_limit", ADVLAB__CFG_INT, FIELD(test_limit), 0, 0, INT_MAX, 0, 0, NULL,
     "test images measured (0: all)"},
    {"epochs", ADVLAB__CFG_INT, FIELD(epochs), 20, 1, 10000, 0, 0, NULL, "training epochs"},
    {"batch", ADVLAB__CFG_INT, FIELD(batch), 64, 1, 65536, 0, 0, NULL, "batch size"},
    {"lr", ADVLAB__CFG_FLOAT, FIELD(lr), 0.01, 0, 10, ADVLAB__CFG_MIN_OPEN, 0, NULL,
     "Adam's learning rate"},
    {"trigger", ADVLAB__CFG_CHOICE, FIELD(trigger), 0, 0, 0, 0, 0, trigger_names,
     "ART's four-pixel pattern or single pixel"},
    {"fraction", ADVLAB__CFG_FLOAT, FIELD(fraction), 0.1, 0, 1, 0, 0, NULL,
     "share of the eligible rows poisoned"},
    {"source", ADVLAB__CFG_INT, FIELD(source), -1, -1, 9, 0, 0, NULL,
     "the class poisoned (-1: every class)"},
    {"target", ADVLAB__CFG_INT, FIELD(target), -1, -1, 9, 0, 0, NULL,
     "the poisoned rows' label (-1: the next class)"},
};

const advlab__cfg_spec advlab__sweep_poison_spec =
    ADVLAB__CFG_SPEC("poison sweep", sweep_poison_config, NULL, 0, fields, NULL);

/* The backdoor of cfg: the trigger's defaults (ART's), then the sweep's. */
static advlab_status poison_config(const sweep_poison_config *cfg, advlab_poison_config *pc)
{
    TRY(advlab_poison_config_default(trigger_names[cfg->trigger], pc));
    pc->fraction = cfg->fraction;
    pc->source = cfg->source;
    pc->target = cfg->target;
    pc->seed = cfg->seed;
    return advlab__cfg_check(&advlab__poison_spec, pc);
}

static void train_config(const sweep_poison_config *cfg, advlab_train_config *tc)
{
    advlab_train_config_default(tc);
    tc->epochs = cfg->epochs;
    tc->batch = cfg->batch;
    tc->lr = cfg->lr;
    tc->seed = cfg->seed;
}

static int limited(int limit, int full) { return limit > 0 && limit < full ? limit : full; }

advlab_status advlab__sweep_poison_check(advlab_sweep *s)
{
    s->work = 0.0;
    for (int c = 0; c < s->n_cells; c++) {
        sweep_poison_config cfg;
        advlab_poison_config pc;
        advlab__sweep_cell_settings(s, c, &cfg);
        if (poison_config(&cfg, &pc)) {
            char message[400];
            snprintf(message, sizeof message, "%s", advlab_last_error());
            advlab_strbuf at = {0};
            advlab__sweep_put_point_settings(&at, s, c / s->n_seeds);
            advlab_status st = advlab__fail(ADVLAB_E_ARG, "sweep spec: cell %d (%s): %s", c,
                                            at.data ? at.data : "", message);
            advlab__sb_free(&at);
            return st;
        }
        /* Training, then a clean and a triggered pass over the test images. */
        s->work += (double)cfg.epochs * limited(cfg.train_limit, 60000) +
                   2.0 * limited(cfg.test_limit, 10000);
    }
    return ADVLAB_OK;
}

/* ---------------------------------------------------------------- run */

struct sweep_poison_cell {
    sweep_poison_config cfg;
    advlab_poison_config pc;
    advlab_dataset *rows, *poisoned; /* the first train_limit rows, then them poisoned */
    advlab_net *net;
    advlab_trainer *trainer;
    double seconds;
};

void advlab__sweep_poison_drop(advlab_sweep *s)
{
    sweep_poison_cell *p = s->poison_cell;
    if (!p)
        return;
    advlab_trainer_free(p->trainer);
    advlab_net_free(p->net);
    advlab_dataset_free(p->rows);
    advlab_dataset_free(p->poisoned);
    free(p);
    s->poison_cell = NULL;
}

/* Poisons the rows and readies the training: the cell's first unit. */
static advlab_status start(advlab_sweep *s, const advlab_dataset *train, int cell)
{
    sweep_poison_cell *p = calloc(1, sizeof *p);
    if (!p)
        return advlab__fail(ADVLAB_E_NOMEM, "sweep: cell %d", cell);
    s->poison_cell = p;
    s->cell = cell;
    advlab__sweep_cell_settings(s, cell, &p->cfg);
    TRY(poison_config(&p->cfg, &p->pc));
    int32_t *rows = NULL;
    int n_rows;
    /* Poisoning draws its rows among the first train_limit, as
     * `advlab experiment --threat poison --limit`. */
    TRY(advlab_dataset_rows(train, 0, limited(p->cfg.train_limit, advlab_dataset_count(train)),
                            &p->rows));
    TRY(advlab_poison_dataset(p->rows, &p->pc, NULL, &p->poisoned, &rows, &n_rows));
    advlab_buffer_free(rows);
    advlab_train_config tc;
    train_config(&p->cfg, &tc);
    TRY(advlab_net_create(s->arch, tc.batch, tc.seed, &p->net));
    return advlab_trainer_create(p->net, p->poisoned, &tc, &p->trainer);
}

static advlab_status run_units(advlab_sweep *s, const advlab_dataset *test, int max_units,
                               int *finished, double *part, const char **stage)
{
    sweep_poison_cell *p = s->poison_cell;
    if (!advlab_trainer_finished(p->trainer)) {
        advlab_train_progress tp;
        TRY(advlab_trainer_run(p->trainer, max_units, &tp));
        *stage = "train";
        double batches = (double)tp.epochs * tp.batches_per_epoch;
        *part = batches > 0 ? ((tp.epoch - 1) * tp.batches_per_epoch + tp.batch_in_epoch) / batches
                            : 0.0;
        *part = *part < 1.0 ? *part : 1.0;
        return ADVLAB_OK;
    }
    advlab_poison_metrics m;
    TRY(advlab_poison_measure(p->net, test, &p->pc, p->cfg.test_limit, &m));
    double values[] = {m.clean_accuracy, m.attack_success};
    for (int k = 0; k < s->n_measure; k++) {
        int i = 0;
        while (strcmp(advlab__sweep_poison_measures[i], s->measure[k]) != 0)
            i++;
        s->values[(size_t)s->cell * s->n_measure + k] = values[i];
    }
    s->done[s->cell] = 1;
    *finished = 1;
    return ADVLAB_OK;
}

advlab_status advlab__sweep_poison_run(advlab_sweep *s, const advlab_dataset *train,
                                       const advlab_dataset *test, int cell, int max_units,
                                       int *finished, double *part, const char **stage)
{
    *finished = 0;
    *part = 0.0;
    *stage = "poison";
    if (s->poison_cell && (s->cell != cell || s->train != train || s->test != test))
        advlab__sweep_poison_drop(s);
    double t0 = advlab__now_seconds();
    advlab_status st = ADVLAB_OK;
    if (!s->poison_cell) {
        st = start(s, train, cell);
        s->train = train;
        s->test = test;
    } else {
        st = run_units(s, test, max_units, finished, part, stage);
    }
    if (s->poison_cell) {
        s->poison_cell->seconds += advlab__now_seconds() - t0;
        if (*finished)
            s->seconds[cell] = s->poison_cell->seconds;
    }
    if (st || *finished) {
        /* A failed cell restarts from its beginning when it is run again. */
        advlab__sweep_poison_drop(s);
        s->cell = -1;
    }
    return st;
}
