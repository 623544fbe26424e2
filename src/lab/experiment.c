/* The tutorial experiment: a list of tasks (train, attack-and-measure
 * passes, robustness, the detector) run in small units so a Worker can yield
 * between them. Each task leaves one measurement; experiment_json.c turns
 * them into the report. */
#include "lab/experiment.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/config.h"
#include "base/error.h"

static const float curve_eps[CURVE_POINTS] = {0.0f, 0.05f, 0.1f, 0.15f, 0.2f, 0.25f, 0.3f};

int advlab_experiment_curve_eps(const float **eps)
{
    if (eps)
        *eps = curve_eps;
    return CURVE_POINTS;
}

/* The tutorial's measurements, in the order the experiment makes them: the
 * standard model's once it is trained, the defended model's after adversarial
 * training. The lab page reads the same rows (advlab_experiment_tutorial). */
static const struct {
    const char *name;
    int model, crafted_on; /* crafted_on: the model FGSM is made on, -1 for the clean images */
} tutorial[] = {
    {"clean_standard", 0, -1}, {"fgsm_standard", 0, 0}, {"transfer_defended", 1, 0},
    {"clean_defended", 1, -1}, {"fgsm_defended", 1, 1},
};
#define TUTORIAL_ROWS (int)(sizeof tutorial / sizeof tutorial[0])

int advlab_experiment_tutorial_count(void) { return TUTORIAL_ROWS; }

advlab_status advlab_experiment_tutorial(const advlab_experiment_config *cfg, int i,
                                         advlab_planned_measurement *out)
{
    if (!cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "experiment: config and out are required");
    if (i < 0 || i >= TUTORIAL_ROWS)
        return advlab__fail(ADVLAB_E_ARG, "experiment: tutorial measurement %d is outside 0..%d", i,
                            TUTORIAL_ROWS - 1);
    int attacked = tutorial[i].crafted_on >= 0;
    *out = (advlab_planned_measurement){.name = tutorial[i].name,
                                        .model = tutorial[i].model,
                                        .crafted_on = tutorial[i].crafted_on,
                                        .attack = attacked ? "fgsm" : NULL,
                                        .eps = attacked ? cfg->eps : 0.0f};
    return ADVLAB_OK;
}

void advlab_experiment_config_default(advlab_experiment_config *cfg)
{
    advlab__cfg_defaults(&advlab__experiment_spec, NULL, cfg); /* cannot fail: no kinds */
}

#define FIELD(key) offsetof(advlab_experiment_config, key)

/* Ranges the trainers and attacks would also check, written here too so
 * that a bad setting fails at create, named as the experiment's. */
static const advlab__cfg_field fields[] = {
    {"seed", ADVLAB__CFG_SEED, FIELD(seed), 1234, 0, 0, 0, 0, NULL,
     "net init, shuffling and attacks"},
    {"train_limit", ADVLAB__CFG_INT, FIELD(train_limit), 0, 0, INT_MAX, 0, 0, NULL,
     "training images used; 0: all"},
    {"test_limit", ADVLAB__CFG_INT, FIELD(test_limit), 0, 0, INT_MAX, 0, 0, NULL,
     "test images for clean, FGSM and curves; 0: all"},
    {"epochs", ADVLAB__CFG_INT, FIELD(epochs), 20, 1, 10000, 0, 0, NULL, "clean training epochs"},
    {"batch", ADVLAB__CFG_INT, FIELD(batch), 64, 1, 65536, 0, 0, NULL, "batch size"},
    {"lr", ADVLAB__CFG_FLOAT, FIELD(lr), 0.01, 0, 10, ADVLAB__CFG_MIN_OPEN, 0, NULL,
     "Adam's learning rate"},
    {"eps", ADVLAB__CFG_FLOAT, FIELD(eps), 0.2, 0, 1, 0, 0, NULL, "FGSM's eps"},
    {"ratio", ADVLAB__CFG_FLOAT, FIELD(ratio), 0.5, 0, 1, 0, 0, NULL,
     "the AdversarialTrainer's ratio"},
    {"adv_epochs", ADVLAB__CFG_INT, FIELD(adv_epochs), 20, 1, 10000, 0, 0, NULL,
     "adversarial training epochs"},
    {"adv_from_scratch", ADVLAB__CFG_FLAG, FIELD(adv_from_scratch), 0, 0, 1, 0, 0, NULL,
     "1: the defended model starts from new weights, not the standard ones"},
    {"adv_fresh_optimizer", ADVLAB__CFG_FLAG, FIELD(adv_fresh_optimizer), 0, 0, 1, 0, 0, NULL,
     "1: a new Adam instead of ART's continued one"},
    {"pgd_eps", ADVLAB__CFG_FLOAT, FIELD(pgd_eps), 0.3, 0, 1, 0, 0, NULL, "PGD's eps"},
    {"pgd_eps_step", ADVLAB__CFG_FLOAT, FIELD(pgd_eps_step), 0.01, 0, 1, ADVLAB__CFG_MIN_OPEN, 0,
     NULL, "PGD's step"},
    {"pgd_iter", ADVLAB__CFG_INT, FIELD(pgd_iter), 40, 1, INT_MAX, 0, 0, NULL, "PGD's iterations"},
    {"pgd_limit", ADVLAB__CFG_INT, FIELD(pgd_limit), 1000, 0, INT_MAX, 0, 0, NULL,
     "test images under PGD and for empirical robustness; 0: no PGD stage"},
    {"curve", ADVLAB__CFG_FLAG, FIELD(curve), 1, 0, 1, 0, 0, NULL,
     "1: FGSM accuracy at eps 0, 0.05, ... 0.3 for both models"},
    {"defences", ADVLAB__CFG_FLAG, FIELD(defences), 1, 0, 1, 0, 0, NULL,
     "1: pre-processors (plain vs BPDA) and the squeeze detector"},
};

const advlab__cfg_spec advlab__experiment_spec =
    ADVLAB__CFG_SPEC("experiment", advlab_experiment_config, NULL, 0, fields, NULL);

advlab_status advlab_experiment_config_set(advlab_experiment_config *cfg, const char *key,
                                           double value)
{
    return advlab__cfg_set(&advlab__experiment_spec, cfg, key, value);
}

/* ------------------------------------------------------------- tasks */

static task *add_task(advlab_experiment *e, task_kind kind, const char *name, int model)
{
    task *t = &e->tasks[e->n_tasks++];
    *t = (task){.kind = kind, .model = model, .defence = -1, .curve_slot = -1};
    snprintf(t->name, sizeof t->name, "%s", name);
    return t;
}

static task *add_pass(advlab_experiment *e, const char *name, int model, const char *attack,
                      float eps, int n)
{
    task *t = add_task(e, TASK_PASS, name, model);
    t->n = n;
    if (attack) {
        t->attack = 1;
        advlab_attack_config_default(attack, &t->atk);
        t->atk.eps = eps;
        t->atk.seed = e->cfg.seed;
        if (t->atk.kind == ADVLAB_ATTACK_PGD) {
            t->atk.eps_step = e->cfg.pgd_eps_step;
            t->atk.max_iter = e->cfg.pgd_iter;
        }
    }
    return t;
}

/* A pass of the standard model behind pre-processor d, named "<pre>_<what>"
 * and labelled "<its label>: <how>", how holding at most one %g for how_eps. */
static task *add_defence_pass(advlab_experiment *e, int d, const char *what, const char *attack,
                              float eps, int n, const char *how, double how_eps)
{
    char name[48], text[96];
    snprintf(name, sizeof name, "%s_%s", advlab_preprocess_name(e->pre_cfg[d].kind), what);
    snprintf(text, sizeof text, how, how_eps);
    task *t = add_pass(e, name, 0, attack, eps, n);
    /* Through a copy: gcc cannot tell t->label from e->pre_label, both in e. */
    char label[sizeof t->label];
    snprintf(label, sizeof label, "%s: %s", e->pre_label[d], text);
    memcpy(t->label, label, sizeof label);
    t->defence = d;
    return t;
}

static const char *model_name(int model) { return model ? "defended" : "standard"; }

/* The tutorial's passes on one model. The standard model's FGSM images are
 * kept (OLD_FGSM): the transfer row measures the defended model on them. */
static void plan_tutorial(advlab_experiment *e, int model)
{
    for (int i = 0; i < TUTORIAL_ROWS; i++) {
        advlab_planned_measurement m;
        advlab_experiment_tutorial(&e->cfg, i, &m);
        if (m.model != model)
            continue;
        int fresh = m.crafted_on == m.model; /* attacked here, not transferred */
        task *t = add_pass(e, m.name, model, fresh ? m.attack : NULL, m.eps, e->n_test);
        if (!m.attack)
            snprintf(t->label, sizeof t->label, "clean accuracy, %s model", model_name(model));
        else if (!fresh)
            snprintf(t->label, sizeof t->label, "%s model on the OLD FGSM images (transfer)",
                     model_name(model));
        else
            snprintf(t->label, sizeof t->label, "%sFGSM eps %g, %s model",
                     model ? "fresh white-box " : "", (double)m.eps, model_name(model));
        t->from_old = fresh || !m.attack ? 0 : OLD_FGSM;
        t->store_old = fresh && model == 0 ? OLD_FGSM : 0;
        t->confusion = fresh || !m.attack;
    }
}

static void plan_tasks(advlab_experiment *e)
{
    const advlab_experiment_config *c = &e->cfg;
    task *t;
    t = add_task(e, TASK_TRAIN, "train", 0);
    snprintf(t->label, sizeof t->label, "train the standard model, %d epochs", c->epochs);
    plan_tutorial(e, 0);
    t = add_task(e, TASK_ADV_TRAIN, "adv_train", 1);
    snprintf(t->label, sizeof t->label, "adversarial training, FGSM eps %g ratio %g, %d epochs",
             (double)c->eps, (double)c->ratio, c->adv_epochs);
    plan_tutorial(e, 1);
    if (e->n_pgd > 0) {
        for (int model = 0; model < 2; model++) {
            char name[32];
            snprintf(name, sizeof name, "pgd_%s", model_name(model));
            t = add_pass(e, name, model, "pgd", c->pgd_eps, e->n_pgd);
            snprintf(t->label, sizeof t->label, "PGD-%d eps %g step %g, %s model", c->pgd_iter,
                     (double)c->pgd_eps, (double)c->pgd_eps_step, model_name(model));
            t->store_old = model == 0 ? OLD_PGD : 0;
        }
        for (int model = 0; model < 2; model++) {
            char name[48];
            snprintf(name, sizeof name, "empirical_robustness_%s", model_name(model));
            t = add_task(e, TASK_ROBUSTNESS, name, model);
            t->n = e->n_pgd;
            snprintf(t->label, sizeof t->label, "empirical robustness (minimal FGSM), %s model",
                     model_name(model));
        }
    }
    if (c->curve)
        for (int model = 0; model < 2; model++)
            for (int i = 0; i < CURVE_POINTS; i++) {
                char name[48];
                snprintf(name, sizeof name, "curve_%s_eps%g", model_name(model),
                         (double)curve_eps[i]);
                t = add_pass(e, name, model, "fgsm", curve_eps[i], e->n_test);
                snprintf(t->label, sizeof t->label, "FGSM eps %g, %s model", (double)curve_eps[i],
                         model_name(model));
                t->curve_slot = model * CURVE_POINTS + i;
            }
    if (c->defences) {
        for (int d = 0; d < N_DEFENCES; d++) {
            add_defence_pass(e, d, "clean", NULL, 0, e->n_test, "clean", 0);
            t = add_defence_pass(e, d, "fgsm_plain", NULL, 0, e->n_test,
                                 "FGSM %g made on the bare model", c->eps);
            t->from_old = OLD_FGSM;
            if (e->n_pgd == 0)
                continue;
            t = add_defence_pass(e, d, "pgd_naive", "pgd", c->pgd_eps, e->n_pgd,
                                 "naive PGD %g, true gradient through it", c->pgd_eps);
            t->through_defence = t->grad_exact = 1;
            t = add_defence_pass(e, d, "pgd_plain", NULL, 0, e->n_pgd,
                                 "PGD %g made on the bare model", c->pgd_eps);
            t->from_old = OLD_PGD;
            t = add_defence_pass(e, d, "pgd_bpda", "pgd", c->pgd_eps, e->n_pgd,
                                 "adaptive PGD %g (BPDA)", c->pgd_eps);
            t->through_defence = 1;
        }
        t = add_task(e, TASK_DETECTOR, "detector", 0);
        t->n = e->n_test;
        snprintf(t->label, sizeof t->label, "feature-squeezing detector at 5%% FPR on FGSM eps %g",
                 (double)c->eps);
    }
}

/* Relative cost of one unit of a task, in image forward+backward passes,
 * for the progress fraction. */
static double task_cost(const advlab_experiment *e, const task *t)
{
    const advlab_experiment_config *c = &e->cfg;
    int train_n = e->n_train;
    switch (t->kind) {
    case TASK_TRAIN: return (double)c->epochs * train_n;
    case TASK_ADV_TRAIN: return (double)c->adv_epochs * train_n * (1.0 + c->ratio);
    case TASK_PASS:
        return t->n *
               (t->attack ? (t->atk.kind == ADVLAB_ATTACK_PGD ? 1.0 + t->atk.max_iter : 2.0) : 0.4);
    case TASK_ROBUSTNESS: return t->n * 10.0;
    case TASK_DETECTOR: return t->n * 2.0;
    }
    return 0.0;
}

/* ------------------------------------------------------------- create */

/* The pre-processors the defence passes put in front of the standard model. */
static void name_defences(advlab_experiment *e)
{
    advlab_preprocess_config_default("squeeze", &e->pre_cfg[0]);
    snprintf(e->pre_label[0], sizeof e->pre_label[0], "%d-bit squeezing", e->pre_cfg[0].bit_depth);
    advlab_preprocess_config_default("median", &e->pre_cfg[1]);
    snprintf(e->pre_label[1], sizeof e->pre_label[1], "%dx%d median", e->pre_cfg[1].window,
             e->pre_cfg[1].window);
    advlab_preprocess_config_default("jpeg", &e->pre_cfg[2]);
    snprintf(e->pre_label[2], sizeof e->pre_label[2], "JPEG quality %d", e->pre_cfg[2].quality);
}

advlab_status advlab__experiment_plan(const advlab_experiment_config *cfg, int n_train, int n_test,
                                      char names[][ADVLAB__MEASUREMENT_NAME], double *costs, int *n)
{
    advlab_experiment *e = calloc(1, sizeof *e);
    if (!e)
        return advlab__fail(ADVLAB_E_NOMEM, "experiment: out of memory for a plan");
    e->cfg = *cfg;
    e->n_train = n_train;
    e->n_test = n_test;
    e->n_pgd = cfg->pgd_limit < n_test ? cfg->pgd_limit : n_test;
    name_defences(e);
    plan_tasks(e);
    for (int i = 0; i < e->n_tasks; i++) {
        memcpy(names[i], e->tasks[i].name, ADVLAB__MEASUREMENT_NAME);
        costs[i] = task_cost(e, &e->tasks[i]);
    }
    *n = e->n_tasks;
    free(e);
    return ADVLAB_OK;
}

advlab_status advlab_experiment_create(const advlab_dataset *train, const advlab_dataset *test,
                                       const char *arch, const advlab_experiment_config *cfg,
                                       advlab_experiment **out)
{
    if (!train || !test || !cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "experiment: train, test, config and out are required");
    TRY(advlab__cfg_check(&advlab__experiment_spec, cfg));
    advlab_experiment *e = calloc(1, sizeof *e);
    if (!e)
        return advlab__fail(ADVLAB_E_NOMEM, "experiment");
    e->train = train;
    e->test = test;
    e->cfg = *cfg;
    int n_train = advlab_dataset_count(train), n_test = advlab_dataset_count(test);
    e->n_train = cfg->train_limit > 0 && cfg->train_limit < n_train ? cfg->train_limit : n_train;
    e->n_test = cfg->test_limit > 0 && cfg->test_limit < n_test ? cfg->test_limit : n_test;
    e->n_pgd = cfg->pgd_limit < e->n_test ? cfg->pgd_limit : e->n_test;

    advlab_status st = advlab_net_create(arch ? arch : "tutorial", CHUNK, cfg->seed, &e->nets[0]);
    if (!st)
        st = advlab_net_create(advlab_net_arch(e->nets[0]), CHUNK, cfg->seed, &e->nets[1]);
    if (!st)
        st = advlab__net_check_dataset(e->nets[0], train);
    if (!st)
        st = advlab__net_check_dataset(e->nets[0], test);
    if (st) {
        advlab_experiment_free(e);
        return st;
    }
    e->in_size = advlab_net_input_size(e->nets[0]);
    e->classes = advlab_net_classes(e->nets[0]);
    if (e->classes > MAX_CLASSES)
        st = advlab__fail(ADVLAB_E_ARG,
                          "experiment: arch \"%s\" has %d outputs; at most %d are supported",
                          advlab_net_arch(e->nets[0]), e->classes, MAX_CLASSES);
    name_defences(e);
    for (int d = 0; d < N_DEFENCES && !st; d++)
        st = advlab_preprocessor_create(&e->pre_cfg[d], advlab_dataset_height(test),
                                        advlab_dataset_width(test), &e->pre[d]);

    size_t chunk_floats = (size_t)CHUNK * e->in_size;
    e->old[OLD_FGSM] = malloc(sizeof(float) * (size_t)e->n_test * e->in_size);
    e->old[OLD_PGD] = malloc(sizeof(float) * ((size_t)e->n_pgd + 1) * e->in_size);
    e->x = malloc(sizeof(float) * chunk_floats * 3);
    e->probs = malloc(sizeof(float) * (size_t)CHUNK * e->classes);
    e->idx = malloc(sizeof(int32_t) * CHUNK * 2);
    int whole = e->n_pgd > CALIBRATION ? e->n_pgd : CALIBRATION;
    e->batch = malloc(sizeof(float) * (size_t)whole * e->in_size);
    e->batch_idx = malloc(sizeof(int32_t) * 2 * (size_t)whole);
    if (!st && (!e->old[OLD_FGSM] || !e->old[OLD_PGD] || !e->x || !e->probs || !e->idx ||
                !e->batch || !e->batch_idx))
        st = advlab__fail(ADVLAB_E_NOMEM, "experiment: buffers for %d test images", e->n_test);
    if (st) {
        advlab_experiment_free(e);
        return st;
    }
    e->x_adv = e->x + chunk_floats;
    e->x_def = e->x_adv + chunk_floats;
    e->y = e->idx + CHUNK;

    plan_tasks(e);
    for (int i = 0; i < e->n_tasks; i++)
        e->total_cost += task_cost(e, &e->tasks[i]);
    *out = e;
    return ADVLAB_OK;
}

void advlab_experiment_free(advlab_experiment *e)
{
    if (!e)
        return;
    advlab_trainer_free(e->trainer);
    advlab_trainer_free(e->clean_trainer);
    advlab_attack_free(e->attack);
    advlab_detector_free(e->detector);
    for (int d = 0; d < N_DEFENCES; d++)
        advlab_preprocessor_free(e->pre[d]);
    advlab_net_free(e->nets[0]);
    advlab_net_free(e->nets[1]);
    free(e->old[OLD_FGSM]);
    free(e->old[OLD_PGD]);
    free(e->x);
    free(e->probs);
    free(e->idx);
    free(e->batch);
    free(e->batch_idx);
    advlab__sb_free(&e->json);
    free(e);
}

int advlab_experiment_finished(const advlab_experiment *e) { return e->current >= e->n_tasks; }

advlab_net *advlab_experiment_net(advlab_experiment *e, int which)
{
    return which == 0 || which == 1 ? e->nets[which] : NULL;
}

/* -------------------------------------------------------------- units */

/* Loads test images [b0, b0+m) into e->x and their labels into e->y. */
static void gather_test(advlab_experiment *e, int b0, int m)
{
    for (int j = 0; j < m; j++)
        e->idx[j] = b0 + j;
    advlab_dataset_gather(e->test, e->idx, m, e->x, e->y);
}

/* The first n images of ds into x; idx holds 2n ints (indices, then labels). */
static void gather_first(const advlab_dataset *ds, int n, float *x, int32_t *idx)
{
    for (int j = 0; j < n; j++)
        idx[j] = j;
    advlab_dataset_gather(ds, idx, n, x, idx + n);
}

/* Predictions of task t's model, behind its defence when it has one. */
static advlab_status predict(advlab_experiment *e, const task *t, const float *x, int m,
                             int32_t *pred)
{
    if (t->defence >= 0) {
        TRY(advlab_preprocessor_apply(e->pre[t->defence], x, m, e->x_def));
        x = e->x_def;
    }
    TRY(advlab_net_predict(e->nets[t->model], x, m, e->probs));
    for (int j = 0; j < m; j++)
        pred[j] = advlab__argmax(e->probs + (size_t)j * e->classes, e->classes);
    return ADVLAB_OK;
}

static advlab_status begin_task(advlab_experiment *e, task *t)
{
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.epochs = t->kind == TASK_TRAIN ? e->cfg.epochs : e->cfg.adv_epochs;
    tc.batch = e->cfg.batch;
    tc.lr = e->cfg.lr;
    tc.seed = e->cfg.seed;
    tc.limit = e->n_train;
    switch (t->kind) {
    case TASK_TRAIN: return advlab_trainer_create(e->nets[0], e->train, &tc, &e->trainer);
    case TASK_ADV_TRAIN: {
        if (e->cfg.adv_from_scratch)
            advlab_net_init(e->nets[1], e->cfg.seed);
        else
            memcpy(advlab_net_params(e->nets[1]), advlab_net_params(e->nets[0]),
                   sizeof(float) * advlab_net_param_count(e->nets[0]));
        advlab_adv_config ac;
        advlab_adv_config_default(&ac);
        ac.ratio = e->cfg.ratio;
        ac.attack.eps = e->cfg.eps;
        ac.attack.seed = e->cfg.seed;
        TRY(advlab_adv_trainer_create(e->nets[1], e->train, &tc, &ac, &e->trainer));
        if (!e->cfg.adv_from_scratch && !e->cfg.adv_fresh_optimizer)
            TRY(advlab_trainer_continue_optimizer(e->trainer, e->clean_trainer));
        advlab_trainer_free(e->clean_trainer);
        e->clean_trainer = NULL;
        return ADVLAB_OK;
    }
    case TASK_PASS:
        if (!t->attack)
            return ADVLAB_OK;
        TRY(advlab_attack_create(e->nets[t->model], &t->atk, &e->attack));
        if (t->through_defence)
            advlab_attack_set_preprocessor(e->attack, e->pre[t->defence]);
        return t->grad_exact ? advlab_attack_set_grad_mode(e->attack, ADVLAB_GRAD_EXACT)
                             : ADVLAB_OK;
    case TASK_DETECTOR:
        return advlab_squeeze_detector_create(e->nets[0], e->pre_cfg[0].bit_depth,
                                              e->pre_cfg[1].window, &e->detector);
    case TASK_ROBUSTNESS: return ADVLAB_OK;
    }
    return ADVLAB_OK;
}

static int task_units(const advlab_experiment *e, const task *t)
{
    switch (t->kind) {
    case TASK_TRAIN:
    case TASK_ADV_TRAIN:
        return (t->kind == TASK_TRAIN ? e->cfg.epochs : e->cfg.adv_epochs) *
               ((e->n_train + e->cfg.batch - 1) / e->cfg.batch);
    case TASK_PASS: return (t->n + CHUNK - 1) / CHUNK;
    case TASK_DETECTOR: return 1 + (t->n + CHUNK - 1) / CHUNK;
    case TASK_ROBUSTNESS: return 1;
    }
    return 1;
}

static advlab_status train_units(advlab_experiment *e, task *t, int max_units, int *used)
{
    advlab_train_progress p;
    TRY(advlab_trainer_run(e->trainer, max_units, &p));
    int before = t->done;
    t->done = (p.epoch - 1) * p.batches_per_epoch + p.batch_in_epoch;
    *used = t->done - before;
    e->epoch = p.epoch;
    e->loss = p.loss;
    t->value = p.accuracy; /* training accuracy of the last epoch so far */
    t->n_measured = e->n_train;
    return ADVLAB_OK;
}

/* One chunk of a pass: images [b0, b0+m), attacked if the task says so,
 * measured behind the task's defence. */
static advlab_status pass_unit(advlab_experiment *e, task *t)
{
    int b0 = t->done * CHUNK, m = t->n - b0 < CHUNK ? t->n - b0 : CHUNK;
    size_t in = (size_t)e->in_size;
    int32_t *pred = e->idx; /* the indices are consumed by gather_test */
    gather_test(e, b0, m);
    const float *x = t->from_old ? e->old[t->from_old] + b0 * in : e->x;
    if (t->attack) {
        TRY(predict(e, t, e->x, m, pred));
        for (int j = 0; j < m; j++)
            t->clean_pred_hits += pred[j] == e->y[j];
        int32_t clean_pred[CHUNK];
        memcpy(clean_pred, pred, sizeof(int32_t) * m);
        TRY(advlab_attack_run(e->attack, e->x, NULL, m, e->x_adv));
        if (t->store_old)
            memcpy(e->old[t->store_old] + b0 * in, e->x_adv, sizeof(float) * m * in);
        for (int j = 0; j < m; j++) {
            double l2 = 0.0, linf = 0.0;
            for (size_t i = 0; i < in; i++) {
                double d = fabs((double)e->x_adv[j * in + i] - e->x[j * in + i]);
                l2 += d * d;
                linf = d > linf ? d : linf;
            }
            t->sum_l2 += sqrt(l2);
            t->sum_linf += linf;
        }
        TRY(predict(e, t, e->x_adv, m, pred));
        for (int j = 0; j < m; j++)
            t->changed += pred[j] != clean_pred[j];
    } else {
        TRY(predict(e, t, x, m, pred));
    }
    for (int j = 0; j < m; j++) {
        t->hits += pred[j] == e->y[j];
        if (t->confusion)
            e->confusion[e->n_confusion][e->y[j] * e->classes + pred[j]]++;
    }
    return ADVLAB_OK;
}

/* Unit 0 calibrates the squeeze detector on clean training images; the
 * others flag clean test images (false positives) and the OLD FGSM images
 * that fooled the standard model (detections). */
static advlab_status detector_unit(advlab_experiment *e, task *t)
{
    if (t->done == 0) {
        int n = e->n_train < CALIBRATION ? e->n_train : CALIBRATION;
        gather_first(e->train, n, e->batch, e->batch_idx);
        return advlab_detector_calibrate(e->detector, e->batch, n, 0.05f);
    }
    int b0 = (t->done - 1) * CHUNK, m = t->n - b0 < CHUNK ? t->n - b0 : CHUNK;
    uint8_t flags[CHUNK];
    int32_t pred[CHUNK];
    gather_test(e, b0, m);
    TRY(advlab_detector_detect(e->detector, e->x, m, flags));
    for (int j = 0; j < m; j++)
        t->false_positives += flags[j];
    const float *adv = e->old[OLD_FGSM] + (size_t)b0 * e->in_size;
    TRY(advlab_detector_detect(e->detector, adv, m, flags));
    TRY(predict(e, t, adv, m, pred));
    for (int j = 0; j < m; j++)
        if (pred[j] != e->y[j]) {
            t->fooled++;
            t->hits += flags[j];
        }
    return ADVLAB_OK;
}

static advlab_status robustness_unit(advlab_experiment *e, task *t)
{
    gather_first(e->test, t->n, e->batch, e->batch_idx);
    advlab_attack_config fgsm;
    advlab_attack_config_default("fgsm", &fgsm);
    fgsm.eps = 1.0f;
    fgsm.eps_step = 0.01f;
    t->n_measured = t->n;
    return advlab_empirical_robustness(e->nets[t->model], &fgsm, e->batch, t->n, &t->value);
}

/* Turns a finished task's counts into its measurement. */
static void end_task(advlab_experiment *e, task *t)
{
    if (t->kind == TASK_TRAIN && !e->failed)
        e->clean_trainer = e->trainer; /* its optimizer state carries into adversarial training */
    else
        advlab_trainer_free(e->trainer);
    e->trainer = NULL;
    advlab_attack_free(e->attack);
    e->attack = NULL;
    if (t->kind == TASK_PASS) {
        t->n_measured = t->n;
        t->value = t->n ? (double)t->hits / t->n : 0.0;
        if (t->curve_slot >= 0)
            e->curve[t->curve_slot] = t->value;
        if (t->confusion)
            t->confusion_slot = e->n_confusion++;
    } else if (t->kind == TASK_DETECTOR) {
        t->value = t->fooled ? (double)t->hits / t->fooled : 0.0;
        t->n_measured = t->fooled;
        e->detector_fpr = t->n ? (double)t->false_positives / t->n : 0.0;
        e->detector_threshold = advlab_detector_threshold(e->detector);
        advlab_detector_free(e->detector);
        e->detector = NULL;
    }
}

static void report_progress(const advlab_experiment *e, advlab_experiment_progress *p)
{
    int cur = e->current < e->n_tasks ? e->current : e->n_tasks - 1;
    const task *t = &e->tasks[cur];
    double done_cost = 0.0;
    for (int i = 0; i < cur; i++)
        done_cost += task_cost(e, &e->tasks[i]);
    int total = task_units(e, t);
    if (e->current < e->n_tasks)
        done_cost += task_cost(e, t) * t->done / (total ? total : 1);
    else
        done_cost = e->total_cost;
    *p = (advlab_experiment_progress){
        .stage = cur,
        .stages = e->n_tasks,
        .stage_name = t->name,
        .done = t->done,
        .total = total,
        .epoch = t->kind == TASK_TRAIN || t->kind == TASK_ADV_TRAIN ? e->epoch : 0,
        .epochs = t->kind == TASK_TRAIN       ? e->cfg.epochs
                  : t->kind == TASK_ADV_TRAIN ? e->cfg.adv_epochs
                                              : 0,
        .loss = t->kind == TASK_TRAIN || t->kind == TASK_ADV_TRAIN ? e->loss : 0.0,
        .fraction = e->total_cost > 0 ? done_cost / e->total_cost : 1.0,
    };
}

advlab_status advlab_experiment_run(advlab_experiment *e, int max_units,
                                    advlab_experiment_progress *progress)
{
    if (!e)
        return advlab__fail(ADVLAB_E_ARG, "experiment: NULL");
    if (e->failed)
        return advlab__fail(ADVLAB_E_ARG, "experiment: stopped at stage \"%s\" by an earlier error",
                            e->tasks[e->current].name);
    if (advlab_experiment_finished(e))
        return advlab__fail(ADVLAB_E_ARG, "experiment: already finished");
    if (max_units < 1)
        return advlab__fail(ADVLAB_E_ARG, "experiment: max_units %d must be at least 1", max_units);
    task *t = &e->tasks[e->current];
    double start = advlab__now_seconds();
    advlab_status st = ADVLAB_OK;
    if (!t->started) {
        st = begin_task(e, t);
        t->started = 1;
    }
    int total = task_units(e, t);
    for (int used = 0; !st && used < max_units && t->done < total;) {
        if (t->kind == TASK_TRAIN || t->kind == TASK_ADV_TRAIN) {
            int n;
            st = train_units(e, t, max_units - used, &n);
            used += n;
            continue;
        }
        st = t->kind == TASK_PASS       ? pass_unit(e, t)
             : t->kind == TASK_DETECTOR ? detector_unit(e, t)
                                        : robustness_unit(e, t);
        t->done++;
        used++;
    }
    t->seconds += advlab__now_seconds() - start;
    if (st) {
        /* A half-done task cannot be resumed (a trainer that diverged, an
         * attack that failed): the experiment stops, the models stay. */
        e->failed = 1;
        end_task(e, t);
        return st;
    }
    if (t->done >= total) {
        end_task(e, t);
        e->current++;
    }
    if (progress)
        report_progress(e, progress);
    return ADVLAB_OK;
}

/* ------------------------------------------------------- measurements */

int advlab_experiment_measurement_count(const advlab_experiment *e) { return e->current; }

advlab_status advlab_experiment_measurement(const advlab_experiment *e, int i,
                                            advlab_measurement *out)
{
    if (!e || !out || i < 0 || i >= e->current)
        return advlab__fail(ADVLAB_E_ARG,
                            "experiment: measurement %d is not available (%d finished)", i,
                            e ? e->current : 0);
    const task *t = &e->tasks[i];
    *out = (advlab_measurement){.name = t->name,
                                .label = t->label,
                                .value = t->value,
                                .n = t->n_measured,
                                .seconds = t->seconds};
    return ADVLAB_OK;
}
