/* The sweep's attack family: each cell trains the tutorial's standard model
 * (the experiment's own "train" stage, so it is the very model the
 * experiment measures) and attacks its test images with any attack advlab
 * knows, optionally through a pre-processor defence (BPDA, as the
 * experiment's defended passes). Measures clean accuracy, robust accuracy,
 * the attack's success rate and the mean perturbation. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attacks/attack.h"
#include "base/clock.h"
#include "base/error.h"
#include "defences/preprocess.h"
#include "lab/sweep.h"

/* The names advlab_attack_name and advlab_preprocess_name give, which
 * pick the kind's defaults (test_sweep checks that each is a choice). */
static const char *const attack_names[] = {
    "fgsm",     "bim",  "pgd",    "deepfool", "newtonfool", "cw",   "square", "hopskipjump",
    "boundary", "apgd", "apgd-t", "fab",      "lbfgs",      "jsma", NULL};
static const char *const defence_names[] = {"none", "squeeze", "median", "jpeg", "noise", NULL};

const char *const advlab__sweep_attack_measures[] = {
    "clean_accuracy", "robust_accuracy", "success_rate", "mean_l2", "mean_linf", NULL};
enum { CLEAN, ROBUST, SUCCESS, MEAN_L2, MEAN_LINF, N_MEASURES };

#define FIELD(key) offsetof(sweep_attack_config, key)

/* The attack's and the pre-processor's fields keep their tables' defaults
 * (ART's), one for every kind. */
static const advlab__cfg_field fields[] = {
    {"seed", ADVLAB__CFG_SEED, FIELD(seed), 1234, 0, 0, 0, 0, NULL,
     "net init, shuffling, the attack's random starts and the noise"},
    {"train_limit", ADVLAB__CFG_INT, FIELD(train_limit), 0, 0, INT_MAX, 0, 0, NULL,
     "training images (0: all)"},
    {"test_limit", ADVLAB__CFG_INT, FIELD(test_limit), 1000, 0, INT_MAX, 0, 0, NULL,
     "test images attacked (0: all)"},
    {"epochs", ADVLAB__CFG_INT, FIELD(epochs), 20, 1, 10000, 0, 0, NULL, "training epochs"},
    {"batch", ADVLAB__CFG_INT, FIELD(batch), 64, 1, 65536, 0, 0, NULL, "batch size"},
    {"lr", ADVLAB__CFG_FLOAT, FIELD(lr), 0.01, 0, 10, ADVLAB__CFG_MIN_OPEN, 0, NULL,
     "Adam's learning rate"},
    {"attack", ADVLAB__CFG_CHOICE, FIELD(attack), 0, 0, 0, 0, 0, attack_names, "the attack"},
    {"eps", ADVLAB__CFG_FLOAT, FIELD(eps), 0.3, 0, INFINITY, 0, 0, NULL,
     "the attack's eps, where it takes one"},
    {"eps_step", ADVLAB__CFG_FLOAT, FIELD(eps_step), 0.1, 0, INFINITY, ADVLAB__CFG_MIN_OPEN, 0,
     NULL, "the attack's eps_step, where it takes one"},
    {"norm", ADVLAB__CFG_NORM, FIELD(norm), INFINITY, 0, 0, 0, 0, NULL,
     "the attack's norm, where it takes one"},
    {"max_iter", ADVLAB__CFG_INT, FIELD(max_iter), 100, 1, INT_MAX, 0, 0, NULL,
     "the attack's max_iter, where it takes one"},
    {"defence", ADVLAB__CFG_CHOICE, FIELD(defence), 0, 0, 0, 0, 0, defence_names,
     "the pre-processor in front of the model"},
    {"bit_depth", ADVLAB__CFG_INT, FIELD(bit_depth), 1, 1, 8, 0, 0, NULL, "squeeze's bit depth"},
    {"window", ADVLAB__CFG_INT, FIELD(window), 2, 1, 28, 0, 0, NULL, "median's window"},
    {"quality", ADVLAB__CFG_INT, FIELD(quality), 50, 1, 100, 0, 0, NULL, "jpeg's quality"},
    {"sigma", ADVLAB__CFG_FLOAT, FIELD(sigma), 0.1, 0, INFINITY, 0, 0, NULL, "noise's sigma"},
};

const advlab__cfg_spec advlab__sweep_attack_spec =
    ADVLAB__CFG_SPEC("attack sweep", sweep_attack_config, NULL, 0, fields, NULL);

static const char *const attack_keys[] = {"eps", "eps_step", "norm", "max_iter"};
static const char *const defence_keys[] = {"bit_depth", "window", "quality", "sigma"};

/* Setting key of cfg, as the attack's or the pre-processor's table takes it. */
static double own(const sweep_attack_config *cfg, const char *key)
{
    for (int i = 0;; i++)
        if (strcmp(fields[i].key, key) == 0)
            return advlab__cfg_get(&fields[i], cfg);
}

/* The attack of cfg: its kind's defaults, then the sweep's parameters that
 * the kind takes, then the cell's seed. */
static advlab_status attack_config(const sweep_attack_config *cfg, advlab_attack_config *atk)
{
    TRY(advlab_attack_config_default(attack_names[cfg->attack], atk));
    for (size_t k = 0; k < sizeof attack_keys / sizeof *attack_keys; k++)
        if (advlab__cfg_takes(&advlab__attack_spec, atk, attack_keys[k]))
            TRY(advlab__cfg_set(&advlab__attack_spec, atk, attack_keys[k],
                                own(cfg, attack_keys[k])));
    atk->seed = cfg->seed;
    return advlab__cfg_check(&advlab__attack_spec, atk);
}

/* The defence of cfg (0 with none). */
static advlab_status defence_config(const sweep_attack_config *cfg, advlab_preprocess_config *pre)
{
    if (!cfg->defence)
        return ADVLAB_OK;
    TRY(advlab_preprocess_config_default(defence_names[cfg->defence], pre));
    for (size_t k = 0; k < sizeof defence_keys / sizeof *defence_keys; k++)
        if (advlab__cfg_takes(&advlab__preprocess_spec, pre, defence_keys[k]))
            TRY(advlab__cfg_set(&advlab__preprocess_spec, pre, defence_keys[k],
                                own(cfg, defence_keys[k])));
    pre->seed = cfg->seed;
    return advlab__cfg_check(&advlab__preprocess_spec, pre);
}

/* The experiment that trains the standard model: its first stage only. */
static void training_config(const sweep_attack_config *cfg, advlab_experiment_config *e)
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

/* Estimated image passes of one cell on n_train and n_test images: the
 * training, then per image a clean pass and the attack's iterations. */
static double cell_cost(const sweep_attack_config *cfg, const advlab_attack_config *atk,
                        int n_train, int n_test)
{
    double per_image = 2.0;
    if (advlab__cfg_takes(&advlab__attack_spec, atk, "max_iter"))
        per_image += atk->max_iter;
    if (advlab__cfg_takes(&advlab__attack_spec, atk, "max_queries"))
        per_image += atk->max_queries;
    return (double)cfg->epochs * n_train + per_image * n_test;
}

/* Checks cell c's attack (created on net, an untrained net of the sweep's
 * arch, for the checks that involve several fields or the net) and defence,
 * naming the cell's settings. */
static advlab_status check_cell(advlab_sweep *s, advlab_net *net, int c, double *cost)
{
    sweep_attack_config cfg;
    advlab_attack_config atk;
    advlab_preprocess_config pre;
    advlab_attack *attack = NULL;
    advlab__sweep_cell_settings(s, c, &cfg);
    advlab_status st = attack_config(&cfg, &atk);
    if (!st)
        st = advlab_attack_create(net, &atk, &attack);
    advlab_attack_free(attack);
    if (!st)
        st = defence_config(&cfg, &pre);
    if (st) {
        char message[400];
        snprintf(message, sizeof message, "%s", advlab_last_error());
        advlab_strbuf at = {0};
        advlab__sweep_put_point_settings(&at, s, c / s->n_seeds);
        st = advlab__fail(ADVLAB_E_ARG, "sweep spec: cell %d (%s): %s", c, at.data ? at.data : "",
                          message);
        advlab__sb_free(&at);
        return st;
    }
    *cost = cell_cost(&cfg, &atk, limited(cfg.train_limit, 60000), limited(cfg.test_limit, 10000));
    return ADVLAB_OK;
}

advlab_status advlab__sweep_attack_check(advlab_sweep *s)
{
    advlab_net *net;
    if (advlab_net_create(s->arch, 1, 0, &net)) {
        char message[400];
        snprintf(message, sizeof message, "%s", advlab_last_error());
        return advlab__fail(ADVLAB_E_ARG, "sweep spec: arch: %s", message);
    }
    advlab_status st = ADVLAB_OK;
    s->work = 0.0;
    for (int c = 0; !st && c < s->n_cells; c++) {
        double cost = 0.0;
        st = check_cell(s, net, c, &cost);
        s->work += cost;
    }
    advlab_net_free(net);
    return st;
}

/* ---------------------------------------------------------------- run */

struct sweep_attack_cell {
    sweep_attack_config cfg;
    advlab_experiment *training;
    advlab_attack *attack;
    advlab_preprocessor *pre;
    float *x, *x_adv; /* (CHUNK, in_size) each */
    int32_t idx[CHUNK], y[CHUNK];
    int n, done;             /* test images attacked, of n */
    double sums[N_MEASURES]; /* counts, or sums of norms */
    double seconds;
};

void advlab__sweep_attack_drop(advlab_sweep *s)
{
    sweep_attack_cell *a = s->attack_cell;
    if (!a)
        return;
    advlab_experiment_free(a->training);
    advlab_attack_free(a->attack);
    advlab_preprocessor_free(a->pre);
    free(a->x);
    free(a->x_adv);
    free(a);
    s->attack_cell = NULL;
}

static advlab_status start(advlab_sweep *s, const advlab_dataset *train, const advlab_dataset *test,
                           int cell)
{
    sweep_attack_cell *a = calloc(1, sizeof *a);
    if (!a)
        return advlab__fail(ADVLAB_E_NOMEM, "sweep: cell %d", cell);
    s->attack_cell = a;
    s->cell = cell;
    s->train = train;
    s->test = test;
    advlab__sweep_cell_settings(s, cell, &a->cfg);
    advlab_experiment_config ecfg;
    training_config(&a->cfg, &ecfg);
    TRY(advlab_experiment_create(train, test, s->arch, &ecfg, &a->training));
    a->n = limited(a->cfg.test_limit, advlab_dataset_count(test));
    return ADVLAB_OK;
}

/* After training: the attack on the trained model, behind the defence. */
static advlab_status begin_attack(sweep_attack_cell *a, const advlab_dataset *test)
{
    advlab_net *net = a->training->nets[0];
    advlab_attack_config atk;
    TRY(attack_config(&a->cfg, &atk));
    TRY(advlab_attack_create(net, &atk, &a->attack));
    if (a->cfg.defence) {
        advlab_preprocess_config pre;
        TRY(defence_config(&a->cfg, &pre));
        TRY(advlab_preprocessor_create(&pre, advlab_dataset_height(test),
                                       advlab_dataset_width(test), &a->pre));
        advlab_attack_set_preprocessor(a->attack, a->pre);
    }
    size_t in = (size_t)advlab_net_input_size(net);
    a->x = malloc(sizeof(float) * CHUNK * in);
    a->x_adv = malloc(sizeof(float) * CHUNK * in);
    if (!a->x || !a->x_adv)
        return advlab__fail(ADVLAB_E_NOMEM, "sweep: attack buffers");
    return ADVLAB_OK;
}

/* Attacks the next CHUNK test images (labels: the model's predictions, as
 * ART's default and the experiment's passes) and adds up their outcome. */
static advlab_status attack_unit(sweep_attack_cell *a, const advlab_dataset *test)
{
    int m = a->n - a->done < CHUNK ? a->n - a->done : CHUNK;
    for (int j = 0; j < m; j++)
        a->idx[j] = a->done + j;
    advlab_dataset_gather(test, a->idx, m, a->x, a->y);
    TRY(advlab_attack_run(a->attack, a->x, NULL, m, a->x_adv));
    advlab_attack_metrics r;
    TRY(advlab_attack_metrics_compute(a->training->nets[0], a->pre, a->x, a->x_adv, a->y, NULL, m,
                                      &r, NULL));
    /* Rates times m are whole counts; rounding undoes the division. */
    a->sums[CLEAN] += round(r.clean_accuracy * m);
    a->sums[ROBUST] += round(r.adv_accuracy * m);
    a->sums[SUCCESS] += round(r.success_rate * m);
    a->sums[MEAN_L2] += r.mean_l2 * m;
    a->sums[MEAN_LINF] += r.mean_linf * m;
    a->done += m;
    return ADVLAB_OK;
}

/* Keeps the finished cell's measurements. */
static void finish(advlab_sweep *s, sweep_attack_cell *a)
{
    double seconds = a->seconds;
    advlab_measurement train;
    if (!advlab_experiment_measurement(a->training, 0, &train))
        seconds += train.seconds;
    for (int m = 0; m < s->n_measure; m++) {
        int k = 0;
        while (strcmp(advlab__sweep_attack_measures[k], s->measure[m]) != 0)
            k++;
        s->values[(size_t)s->cell * s->n_measure + m] = a->n ? a->sums[k] / a->n : 0.0;
    }
    s->seconds[s->cell] = seconds;
    s->done[s->cell] = 1;
}

static advlab_status run_units(advlab_sweep *s, const advlab_dataset *test, int max_units,
                               int *finished, double *part, const char **stage)
{
    sweep_attack_cell *a = s->attack_cell;
    advlab_experiment *e = a->training;
    double train_cost = (double)a->cfg.epochs * e->n_train;
    double total = train_cost + (double)a->n;
    if (advlab_experiment_measurement_count(e) < 1) {
        advlab_experiment_progress p;
        TRY(advlab_experiment_run(e, max_units, &p));
        *stage = "train";
        *part = total > 0 ? p.fraction * e->total_cost / total : 0.0;
        *part = *part < 1.0 ? *part : 1.0;
        return ADVLAB_OK;
    }
    double t0 = advlab__now_seconds();
    advlab_status st = a->attack ? ADVLAB_OK : begin_attack(a, test);
    for (int u = 0; !st && u < max_units && a->done < a->n; u++)
        st = attack_unit(a, test);
    a->seconds += advlab__now_seconds() - t0;
    TRY(st);
    *stage = attack_names[a->cfg.attack];
    *part = total > 0 ? (train_cost + a->done) / total : 1.0;
    if (a->done >= a->n) {
        finish(s, a);
        *finished = 1;
    }
    return ADVLAB_OK;
}

advlab_status advlab__sweep_attack_run(advlab_sweep *s, const advlab_dataset *train,
                                       const advlab_dataset *test, int cell, int max_units,
                                       int *finished, double *part, const char **stage)
{
    *finished = 0;
    *part = 0.0;
    *stage = "";
    if (s->attack_cell && (s->cell != cell || s->train != train || s->test != test))
        advlab__sweep_attack_drop(s);
    advlab_status st = s->attack_cell ? ADVLAB_OK : start(s, train, test, cell);
    if (!st)
        st = run_units(s, test, max_units, finished, part, stage);
    if (st || *finished) {
        /* A failed cell restarts from its beginning when it is run again. */
        advlab__sweep_attack_drop(s);
        s->cell = -1;
    }
    return st;
}
