/* Membership inference (ART's art/attacks/inference/membership_inference/):
 * rule (MembershipInferenceBlackBoxRuleBased), blackbox
 * (MembershipInferenceBlackBox with its "nn" attack model, our own small
 * net) and label_only (LabelOnlyDecisionBoundary). Rows 0..N-1 are the
 * members, N..2N-1 the non-members; the first half of each is the attack's
 * to fit or calibrate on, the second half is measured. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/error.h"
#include "infer/infer.h"
#include "nn/net.h"
#include "train/trainer.h"

/* The blackbox attack net: features (probabilities, one-hot label) in the
 * first 2 * classes of its 784 inputs (our nets take images), one hidden
 * layer, member / non-member out. */
#define ATTACK_ARCH "d64-d2"
#define ATTACK_BATCH 100 /* ART's nn_model_batch_size */
#define CHUNK 64
#define STARTS_MAX 64
#define SHUFFLE_STREAM 0x6d656d62ull
#define BOUNDARY_STREAM 0x626f756e64ull

static const char *const membership_names[] = {"rule", "blackbox", "label_only", NULL};

#define FIELD(f) offsetof(advlab_membership_config, f)
#define BLACKBOX (1u << ADVLAB_MEMBERSHIP_BLACKBOX)
#define LABEL_ONLY (1u << ADVLAB_MEMBERSHIP_LABEL_ONLY)

/* ART's attack net learns at 0.0001; ours is smaller and needs 0.01 to
 * learn in the same 100 epochs. */
static const advlab__cfg_field membership_fields[] = {
    {"members", ADVLAB__CFG_INT, FIELD(members), 500, 4, 30000, 0, 0, NULL,
     "members, and as many non-members; half of each fits the attack"},
    {"epochs", ADVLAB__CFG_INT, FIELD(epochs), 100, 1, 10000, 0, BLACKBOX, NULL,
     "epochs of the attack net"},
    {"lr", ADVLAB__CFG_FLOAT, FIELD(lr), 0.01, 0, 10, ADVLAB__CFG_MIN_OPEN, BLACKBOX, NULL,
     "the attack net's Adam step"},
    {"starts", ADVLAB__CFG_INT, FIELD(starts), 8, 1, STARTS_MAX, 0, LABEL_ONLY, NULL,
     "random starts of the boundary search"},
    {"search_steps", ADVLAB__CFG_INT, FIELD(search_steps), 12, 1, 50, 0, LABEL_ONLY, NULL,
     "bisection steps towards the boundary"},
    {"seed", ADVLAB__CFG_SEED, FIELD(seed), 1, 0, 0, 0, 0, NULL,
     "the attack net and the boundary search"},
};

const advlab__cfg_spec advlab__membership_spec =
    ADVLAB__CFG_SPEC("membership inference", advlab_membership_config, membership_names,
                     FIELD(kind), membership_fields, NULL);

const char *advlab_membership_name(advlab_membership_kind kind)
{
    return advlab__cfg_kind_name(&advlab__membership_spec, (int)kind);
}

advlab_status advlab_membership_config_default(const char *name, advlab_membership_config *cfg)
{
    return advlab__cfg_defaults(&advlab__membership_spec, name, cfg);
}

advlab_status advlab_membership_config_set(advlab_membership_config *cfg, const char *key,
                                           double value)
{
    return advlab__cfg_set(&advlab__membership_spec, cfg, key, value);
}

struct advlab_membership {
    advlab_net *net;
    const advlab_dataset *members, *nonmembers;
    advlab_membership_config cfg;
    int n, fit;      /* rows per side, and the first `fit` of each fit the attack */
    int rows_done;   /* rows scored (or featurised, for blackbox) */
    float *all;      /* (2n) scores; blackbox: (2n, 2 * classes) features */
    float *measured; /* (2 (n - fit)) the measured rows' scores, members first */
    float *x, *probs;
    int32_t *y;
    advlab_net *attack;
    advlab_trainer *trainer;
    int done_units, finished;
    advlab_membership_report report;
};

void advlab_membership_free(advlab_membership *m)
{
    if (!m)
        return;
    advlab_trainer_free(m->trainer);
    advlab_net_free(m->attack);
    free(m->all);
    free(m->measured);
    free(m->x);
    free(m->probs);
    free(m->y);
    free(m);
}

static advlab_status check(advlab_net *net, const advlab_dataset *members,
                           const advlab_dataset *nonmembers, const advlab_membership_config *cfg)
{
    TRY(advlab__cfg_check(&advlab__membership_spec, cfg));
    TRY(advlab__net_check_dataset(net, members));
    TRY(advlab__net_check_dataset(net, nonmembers));
    if (advlab_net_classes(net) * 2 > 784)
        return advlab__fail(ADVLAB_E_ARG, "membership inference: %d classes is too many",
                            advlab_net_classes(net));
    int have[2] = {advlab_dataset_count(members), advlab_dataset_count(nonmembers)};
    for (int i = 0; i < 2; i++)
        if (cfg->members > have[i])
            return advlab__fail(ADVLAB_E_ARG,
                                "membership inference: members %d is more than the %d %s",
                                cfg->members, have[i], i ? "non-members" : "members");
    return ADVLAB_OK;
}

advlab_status advlab_membership_create(advlab_net *net, const advlab_dataset *members,
                                       const advlab_dataset *nonmembers,
                                       const advlab_membership_config *cfg, advlab_membership **out)
{
    if (!net || !members || !nonmembers || !cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "advlab_membership_create: an argument is NULL");
    *out = NULL;
    TRY(check(net, members, nonmembers, cfg));
    advlab_membership *m = calloc(1, sizeof *m);
    if (!m)
        return advlab__fail(ADVLAB_E_NOMEM, "membership inference");
    int classes = advlab_net_classes(net), n = cfg->members, starts = cfg->starts;
    *m = (advlab_membership){.net = net,
                             .members = members,
                             .nonmembers = nonmembers,
                             .cfg = *cfg,
                             .n = n,
                             .fit = n / 2};
    int width = cfg->kind == ADVLAB_MEMBERSHIP_BLACKBOX ? 2 * classes : 1;
    int rows = CHUNK > starts + 1 ? CHUNK : starts + 1;
    m->all = malloc(sizeof(float) * 2 * (size_t)n * width);
    m->measured = malloc(sizeof(float) * 2 * (size_t)(n - m->fit));
    m->x = malloc(sizeof(float) * 784 * (size_t)(rows + 1));
    m->probs = malloc(sizeof(float) * (size_t)classes * rows);
    m->y = malloc(sizeof(int32_t) * CHUNK);
    advlab_status st = m->all && m->measured && m->x && m->probs && m->y
                           ? ADVLAB_OK
                           : advlab__fail(ADVLAB_E_NOMEM, "membership inference buffers");
    if (st == ADVLAB_OK && cfg->kind == ADVLAB_MEMBERSHIP_BLACKBOX)
        st = advlab_net_create(ATTACK_ARCH, ATTACK_BATCH, cfg->seed, &m->attack);
    if (st != ADVLAB_OK) {
        advlab_membership_free(m);
        return st;
    }
    *out = m;
    return ADVLAB_OK;
}

/* Row i of the 2n: a member below n, else a non-member. */
static void gather_row(const advlab_membership *m, int i, float *x, int32_t *y)
{
    int32_t r = i < m->n ? i : i - m->n;
    advlab_dataset_gather(i < m->n ? m->members : m->nonmembers, &r, 1, x, y);
}

static int attack_batch(const advlab_membership *m)
{
    return 2 * m->fit < ATTACK_BATCH ? 2 * m->fit : ATTACK_BATCH;
}

static int total_units(const advlab_membership *m)
{
    int rows = 2 * m->n;
    switch (m->cfg.kind) {
    case ADVLAB_MEMBERSHIP_RULE: return (rows + CHUNK - 1) / CHUNK + 1;
    case ADVLAB_MEMBERSHIP_BLACKBOX: {
        int b = attack_batch(m);
        return (rows + CHUNK - 1) / CHUNK + m->cfg.epochs * ((2 * m->fit + b - 1) / b) + 1;
    }
    default: return rows + 1;
    }
}

/* rule's score: 1 when the net predicts the true label; blackbox's
 * features: the probabilities and the one-hot label. */
static advlab_status chunk(advlab_membership *m)
{
    int first = m->rows_done, n = 2 * m->n - first, classes = advlab_net_classes(m->net);
    if (n > CHUNK)
        n = CHUNK;
    for (int i = 0; i < n; i++)
        gather_row(m, first + i, m->x + (size_t)i * 784, m->y + i);
    TRY(advlab_net_predict(m->net, m->x, n, m->probs));
    for (int i = 0; i < n; i++) {
        const float *p = m->probs + (size_t)i * classes;
        if (m->cfg.kind == ADVLAB_MEMBERSHIP_RULE) {
            m->all[first + i] = advlab__argmax(p, classes) == m->y[i] ? 1.0f : 0.0f;
            continue;
        }
        float *f = m->all + (size_t)(first + i) * 2 * classes;
        memcpy(f, p, sizeof(float) * classes);
        for (int k = 0; k < classes; k++)
            f[classes + k] = k == m->y[i] ? 1.0f : 0.0f;
    }
    m->rows_done += n;
    return ADVLAB_OK;
}

/* label_only's score: 0 when the net is wrong, as in ART, else the
 * distance to the boundary. */
static advlab_status boundary_row(advlab_membership *m)
{
    int i = m->rows_done, classes = advlab_net_classes(m->net);
    float *x = m->x + (size_t)(m->cfg.starts + 1) * 784;
    int32_t y;
    gather_row(m, i, x, &y);
    TRY(advlab_net_predict(m->net, x, 1, m->probs));
    m->all[i] = advlab__argmax(m->probs, classes) != y
                    ? 0.0f
                    : (float)advlab__boundary_distance(
                          m->net, x, y, m->cfg.starts, m->cfg.search_steps, m->cfg.seed,
                          BOUNDARY_STREAM + (uint64_t)i, m->x, m->probs);
    m->rows_done++;
    return ADVLAB_OK;
}

/* The attack net's rows: the fitting halves, members labelled 1. */
static int fit_row(const advlab_membership *m, int k)
{
    return k < m->fit ? k : m->n + (k - m->fit);
}

static void gather_features(const void *data, const int32_t *idx, int n, float *x, int32_t *y)
{
    const advlab_membership *m = data;
    int width = 2 * advlab_net_classes(m->net);
    memset(x, 0, sizeof(float) * 784 * (size_t)n);
    for (int i = 0; i < n; i++) {
        int row = fit_row(m, idx[i]);
        memcpy(x + (size_t)i * 784, m->all + (size_t)row * width, sizeof(float) * width);
        y[i] = row < m->n;
    }
}

static advlab_status start_training(advlab_membership *m)
{
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.epochs = m->cfg.epochs, tc.batch = attack_batch(m), tc.lr = m->cfg.lr;
    tc.seed = m->cfg.seed;
    advlab_sample_source src = {2 * m->fit, gather_features, m};
    return advlab__trainer_create(m->attack, &src, &tc, SHUFFLE_STREAM, &m->trainer);
}

/* The attack net's member probability for every row. */
static advlab_status attack_scores(advlab_membership *m)
{
    int width = 2 * advlab_net_classes(m->net);
    for (int first = 0; first < 2 * m->n; first += CHUNK) {
        int n = 2 * m->n - first < CHUNK ? 2 * m->n - first : CHUNK;
        memset(m->x, 0, sizeof(float) * 784 * (size_t)n);
        for (int i = 0; i < n; i++)
            memcpy(m->x + (size_t)i * 784, m->all + (size_t)(first + i) * width,
                   sizeof(float) * width);
        TRY(advlab_net_predict(m->attack, m->x, n, m->probs));
        /* Scores overwrite the features of rows already read. */
        for (int i = 0; i < n; i++)
            m->all[first + i] = m->probs[(size_t)i * 2 + 1];
    }
    return ADVLAB_OK;
}

static advlab_status finish(advlab_membership *m)
{
    double threshold = 0.5;
    if (m->cfg.kind == ADVLAB_MEMBERSHIP_BLACKBOX)
        TRY(attack_scores(m));
    if (m->cfg.kind == ADVLAB_MEMBERSHIP_LABEL_ONLY)
        threshold = advlab__calibrate_threshold(m->all, m->fit, m->all + m->n, m->fit);
    int e = m->n - m->fit;
    memcpy(m->measured, m->all + m->fit, sizeof(float) * e);
    memcpy(m->measured + e, m->all + m->n + m->fit, sizeof(float) * e);
    uint8_t *truth = malloc((size_t)2 * e);
    if (!truth)
        return advlab__fail(ADVLAB_E_NOMEM, "membership inference");
    for (int i = 0; i < 2 * e; i++)
        truth[i] = i < e;
    advlab_status st = advlab_membership_metrics(m->measured, truth, 2 * e, threshold, &m->report);
    free(truth);
    m->finished = st == ADVLAB_OK;
    return st;
}

advlab_status advlab_membership_run(advlab_membership *m, int max_units, int *done, int *total)
{
    if (!m)
        return advlab__fail(ADVLAB_E_ARG, "advlab_membership_run: the attack is NULL");
    for (int u = 0; u < max_units && !m->finished; u++) {
        if (m->rows_done < 2 * m->n) {
            TRY(m->cfg.kind == ADVLAB_MEMBERSHIP_LABEL_ONLY ? boundary_row(m) : chunk(m));
        } else if (m->cfg.kind == ADVLAB_MEMBERSHIP_BLACKBOX &&
                   !(m->trainer && advlab_trainer_finished(m->trainer))) {
            if (!m->trainer)
                TRY(start_training(m));
            advlab_train_progress p;
            TRY(advlab_trainer_run(m->trainer, 1, &p));
        } else
            TRY(finish(m));
        m->done_units++;
    }
    if (done)
        *done = m->done_units;
    if (total)
        *total = total_units(m);
    return ADVLAB_OK;
}

int advlab_membership_finished(const advlab_membership *m) { return m && m->finished; }

advlab_status advlab_membership_report_get(const advlab_membership *m,
                                           advlab_membership_report *out)
{
    if (!m || !out)
        return advlab__fail(ADVLAB_E_ARG, "advlab_membership_report_get: %s is NULL",
                            m ? "out" : "the attack");
    if (!m->finished)
        return advlab__fail(ADVLAB_E_ARG, "membership inference: not finished yet");
    *out = m->report;
    return ADVLAB_OK;
}

const float *advlab_membership_scores(const advlab_membership *m)
{
    return m && m->finished ? m->measured : NULL;
}
