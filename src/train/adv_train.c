/* Adversarial training as ART's AdversarialTrainer: each gathered batch has
 * ceil(ratio*m) of its rows, drawn without replacement, replaced by
 * adversarial examples crafted with the true labels against this batch's
 * source, and the optimizer steps on the mixed batch. Sources rotate per
 * batch over [the net being trained, static nets...] (ensemble adversarial
 * training, Tramer et al.).
 *
 * ART precomputes a static model's examples for the whole training set once;
 * we craft them per batch, which for a deterministic attack gives the same
 * examples without holding a copy of the training set per static net.
 *
 * The clean trainer knows nothing of attacks: this file builds a batch hook
 * (trainer.h) around the attacks and hands it to an ordinary trainer. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/adv_train.h"

#include "attacks/attack.h"
#include "base/aligned.h"
#include "base/config.h"
#include "base/error.h"
#include "base/rng.h"
#include "train/trainer.h"

#define MAX_SOURCES (1 + ADVLAB_MAX_STATIC_NETS)

typedef struct advlab_adv_state adv_state;
static advlab_status hooked_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                           const advlab_train_config *train,
                                           const advlab_adv_config *adv, advlab_trainer **out);

struct advlab_adv_state {
    advlab_adv_config cfg;
    int n_sources;                       /* the trained net, then the static nets */
    advlab_attack *attacks[MAX_SOURCES]; /* one per source, same config */
    int source;                          /* this batch's source, as ART's attack_id */
    advlab_rng rng;                      /* the row choice: stream 3 */
    int in_size;
    void *arena;     /* the one allocation everything below points into */
    float *clean;    /* (batch, in_size) the chosen rows */
    float *adv;      /* (batch, in_size) their adversarial versions */
    int32_t *rows;   /* (batch) the first k are the chosen positions */
    int32_t *labels; /* (batch) their true labels */
};

void advlab_adv_config_default(advlab_adv_config *cfg)
{
    advlab__cfg_defaults(&advlab__adv_spec, NULL, cfg); /* cannot fail: no kinds */
}

/* The scalar settings; the attack is an advlab_attack_config of its own and
 * the static nets are handles, so neither is a key here. */
static const advlab__cfg_field adv_fields[] = {
    {"ratio", ADVLAB__CFG_FLOAT, offsetof(advlab_adv_config, ratio), 0.5, 0, 1, 0, 0, NULL,
     "fraction of each batch replaced by adversarial examples"},
};

/* The tutorial's attack: FGSM at eps 0.2, with ART's other defaults. */
static void finish_defaults(void *cfg)
{
    advlab_adv_config *adv = cfg;
    advlab_attack_config_default("fgsm", &adv->attack);
    adv->attack.eps = 0.2f;
}

const advlab__cfg_spec advlab__adv_spec = ADVLAB__CFG_SPEC(
    "adversarial training", advlab_adv_config, NULL, 0, adv_fields, finish_defaults);

advlab_status advlab_adv_config_set(advlab_adv_config *cfg, const char *key, double value)
{
    return advlab__cfg_set(&advlab__adv_spec, cfg, key, value);
}

advlab_status advlab_adv_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                        const advlab_train_config *train,
                                        const advlab_adv_config *adv, advlab_trainer **out)
{
    if (!adv)
        return advlab__fail(ADVLAB_E_ARG, "adversarial training: config is required");
    return hooked_trainer_create(net, ds, train, adv, out);
}

static advlab_status check_config(const advlab_net *net, const advlab_adv_config *adv)
{
    TRY(advlab__cfg_check(&advlab__adv_spec, adv));
    if (adv->attack.targeted) /* as ART: the examples are crafted with the true labels */
        return advlab__fail(ADVLAB_E_ARG,
                            "adversarial training: targeted attacks are not supported");
    if (adv->n_static < 0 || adv->n_static > ADVLAB_MAX_STATIC_NETS)
        return advlab__fail(ADVLAB_E_ARG, "adversarial training: n_static %d is out of range 0..%d",
                            adv->n_static, ADVLAB_MAX_STATIC_NETS);
    for (int i = 0; i < adv->n_static; i++) {
        const advlab_net *s = adv->static_nets[i];
        if (!s)
            return advlab__fail(ADVLAB_E_ARG, "adversarial training: static net %d is NULL", i);
        if (advlab_net_input_size(s) != advlab_net_input_size(net) ||
            advlab_net_classes(s) != advlab_net_classes(net))
            return advlab__fail(
                ADVLAB_E_ARG,
                "adversarial training: static net %d takes %d pixels to %d classes, the "
                "trained net %d pixels to %d classes",
                i, advlab_net_input_size(s), advlab_net_classes(s), advlab_net_input_size(net),
                advlab_net_classes(net));
    }
    return ADVLAB_OK;
}

/* The attack's own message, prefixed so the caller sees which call failed. */
static advlab_status create_attack(advlab_net *net, const advlab_attack_config *cfg,
                                   advlab_attack **out)
{
    advlab_status st = advlab_attack_create(net, cfg, out);
    if (st) {
        char reason[512];
        snprintf(reason, sizeof reason, "%s", advlab_last_error());
        return advlab__fail(st, "adversarial training: %s", reason);
    }
    return ADVLAB_OK;
}

/* The hook's free; NULL is a no-op. */
static void adv_free(void *self)
{
    adv_state *s = self;
    if (!s)
        return;
    for (int i = 0; i < s->n_sources; i++)
        advlab_attack_free(s->attacks[i]);
    free(s->arena);
    free(s);
}

/* Validates adv against net and allocates one attack per source plus the
 * scratch for `batch` rows; shuffle_seed seeds the row choice (stream 3). */
static advlab_status adv_create(advlab_net *net, const advlab_adv_config *adv, int batch,
                                uint64_t shuffle_seed, adv_state **out)
{
    TRY(check_config(net, adv));
    adv_state *s = calloc(1, sizeof *s);
    if (!s)
        return advlab__fail(ADVLAB_E_NOMEM, "adversarial training state");
    s->cfg = *adv;
    s->n_sources = 1 + adv->n_static;
    s->in_size = advlab_net_input_size(net);
    size_t rows = (size_t)batch * s->in_size;
    s->arena =
        advlab__aligned_alloc(2 * rows * sizeof(float) + 2 * (size_t)batch * sizeof(int32_t));
    if (!s->arena) {
        free(s);
        return advlab__fail(ADVLAB_E_NOMEM, "adversarial training: scratch for a batch of %d",
                            batch);
    }
    s->clean = s->arena;
    s->adv = s->clean + rows;
    s->rows = (int32_t *)(s->adv + rows);
    s->labels = s->rows + batch;
    advlab__rng_seed(&s->rng, shuffle_seed, 3);
    for (int i = 0; i < s->n_sources; i++) {
        advlab_status st =
            create_attack(i ? adv->static_nets[i - 1] : net, &adv->attack, &s->attacks[i]);
        if (st) {
            adv_free(s);
            return st;
        }
    }
    *out = s;
    return ADVLAB_OK;
}

/* k = ceil(ratio * m), as ART. ratio is a float: 0.3f is 0.300000012, so
 * ceil(0.3f * 10) would be 4 where ART's double 0.3 gives 3. Forgiving
 * 1e-7 m (more than the float rounding of ratio, 2^-25 m) restores the
 * intended count; any ratio above 0 still replaces at least one row. */
static int adversarial_count(float ratio, int m)
{
    if (ratio <= 0.0f)
        return 0;
    int k = (int)ceil((double)ratio * m - 1e-7 * m);
    return k < 1 ? 1 : k > m ? m : k;
}

/* rows[0..k) = k distinct positions of 0..m-1, uniform without replacement
 * (a partial Fisher-Yates), as np.random.choice(m, k, replace=False). With
 * ratio 1 every row is taken, in order, and nothing is drawn. */
static void choose_rows(adv_state *s, int m, int k)
{
    for (int i = 0; i < m; i++)
        s->rows[i] = i;
    if (s->cfg.ratio >= 1.0f)
        return;
    for (int i = 0; i < k; i++) {
        int j = i + (int)advlab__rng_below(&s->rng, (uint32_t)(m - i));
        int32_t t = s->rows[i];
        s->rows[i] = s->rows[j];
        s->rows[j] = t;
    }
}

/* The hook's apply: replaces ceil(ratio*m) rows of the gathered batch x
 * (m, in_size) by adversarial examples crafted with the true labels y
 * against this batch's source, then moves on to the next source. */
static advlab_status adv_replace(void *self, float *x, const int32_t *y, int m)
{
    adv_state *s = self;
    advlab_attack *attack = s->attacks[s->source];
    int k = adversarial_count(s->cfg.ratio, m);
    if (k == 0)
        return ADVLAB_OK;
    choose_rows(s, m, k);
    size_t row = sizeof(float) * s->in_size;
    for (int i = 0; i < k; i++) {
        memcpy(s->clean + (size_t)i * s->in_size, x + (size_t)s->rows[i] * s->in_size, row);
        s->labels[i] = y[s->rows[i]];
    }
    TRY(advlab_attack_run(attack, s->clean, s->labels, k, s->adv));
    for (int i = 0; i < k; i++)
        memcpy(x + (size_t)s->rows[i] * s->in_size, s->adv + (size_t)i * s->in_size, row);
    return ADVLAB_OK;
}

/* The hook's end of a batch: the next batch's source, in turn. */
static void adv_next_source(void *self)
{
    adv_state *s = self;
    s->source = (s->source + 1) % s->n_sources;
}

/* The attack's own parameters, those that shape its examples. */
static int describe_attack(const advlab_attack_config *a, char *text, size_t len)
{
    const char *name = advlab_attack_name(a->kind);
    switch (a->kind) {
    case ADVLAB_ATTACK_FGSM:
        if (a->minimal)
            return snprintf(text, len, "fgsm minimal norm=%g eps=%g eps_step=%g", (double)a->norm,
                            (double)a->eps, (double)a->eps_step);
        return snprintf(text, len, "fgsm norm=%g eps=%g num_random_init=%d seed=%llu",
                        (double)a->norm, (double)a->eps, a->num_random_init,
                        (unsigned long long)a->seed);
    case ADVLAB_ATTACK_BIM:
    case ADVLAB_ATTACK_PGD:
        return snprintf(text, len,
                        "%s norm=%g eps=%g eps_step=%g max_iter=%d num_random_init=%d seed=%llu",
                        name, (double)a->norm, (double)a->eps, (double)a->eps_step, a->max_iter,
                        a->num_random_init, (unsigned long long)a->seed);
    case ADVLAB_ATTACK_DEEPFOOL:
        return snprintf(text, len, "deepfool max_iter=%d overshoot=%g", a->max_iter,
                        (double)a->overshoot);
    case ADVLAB_ATTACK_NEWTONFOOL:
        return snprintf(text, len, "newtonfool max_iter=%d eta=%g", a->max_iter, (double)a->eta);
    case ADVLAB_ATTACK_CW:
        return snprintf(
            text, len,
            "cw confidence=%g learning_rate=%g initial_const=%g binary_search_steps=%d max_iter=%d",
            (double)a->confidence, (double)a->learning_rate, (double)a->initial_const,
            a->binary_search_steps, a->max_iter);
    /* black-box attacks */
    case ADVLAB_ATTACK_SQUARE:
        return snprintf(text, len,
                        "square norm=%g eps=%g p_init=%g nb_restarts=%d max_iter=%d seed=%llu",
                        (double)a->norm, (double)a->eps, (double)a->p_init, a->nb_restarts,
                        a->max_iter, (unsigned long long)a->seed);
    case ADVLAB_ATTACK_HOPSKIPJUMP:
        return snprintf(text, len,
                        "hopskipjump norm=%g max_iter=%d max_eval=%d init_eval=%d init_size=%d "
                        "max_queries=%d seed=%llu",
                        (double)a->norm, a->max_iter, a->max_eval, a->init_eval, a->init_size,
                        a->max_queries, (unsigned long long)a->seed);
    case ADVLAB_ATTACK_BOUNDARY:
        return snprintf(text, len,
                        "boundary delta=%g epsilon=%g step_adapt=%g max_iter=%d num_trial=%d "
                        "sample_size=%d init_size=%d max_queries=%d seed=%llu",
                        (double)a->delta, (double)a->epsilon, (double)a->step_adapt, a->max_iter,
                        a->num_trial, a->sample_size, a->init_size, a->max_queries,
                        (unsigned long long)a->seed);
    /* end black-box attacks */
    case ADVLAB_ATTACK_APGD:
    case ADVLAB_ATTACK_APGD_T:
    case ADVLAB_ATTACK_FAB:
        return snprintf(text, len,
                        "%s norm=%g eps=%g eps_step=%g max_iter=%d num_random_init=%d "
                        "loss_type=%d n_target_classes=%d seed=%llu",
                        name, (double)a->norm, (double)a->eps, (double)a->eps_step, a->max_iter,
                        a->num_random_init, a->loss_type, a->n_target_classes,
                        (unsigned long long)a->seed);
    /* L-BFGS and JSMA (issue 13) */
    case ADVLAB_ATTACK_LBFGS:
        return snprintf(text, len, "lbfgs c_init=%g max_iter=%d binary_search_steps=%d",
                        (double)a->c_init, a->max_iter, a->binary_search_steps);
    case ADVLAB_ATTACK_JSMA:
        return snprintf(text, len, "jsma theta=%g gamma=%g seed=%llu", (double)a->theta,
                        (double)a->gamma, (unsigned long long)a->seed);
    }
    return snprintf(text, len, "%s", name);
}

/* The hook's describe: how the examples are made. */
static void adv_describe(const void *self, char *text, size_t len)
{
    const adv_state *s = self;
    char attack[192];
    describe_attack(&s->cfg.attack, attack, sizeof attack);
    int used = snprintf(text, len, "adversarial %s ratio=%g", attack, (double)s->cfg.ratio);
    for (int i = 0; i < s->cfg.n_static && used >= 0 && (size_t)used < len; i++)
        used += snprintf(text + used, len - used, "%s%s",
                         i ? ", " : " static=", advlab_net_arch(s->cfg.static_nets[i]));
}

/* The hook's checkpoint, as u64 words: the source in turn, the row-choice
 * RNG, and each source's attack RNG. */
#define MAX_WORDS (3 + 2 * MAX_SOURCES)

static int adv_state_words(const void *self)
{
    return 3 + 2 * ((const adv_state *)self)->n_sources;
}

static void adv_state_save(const void *self, uint8_t *bytes)
{
    const adv_state *s = self;
    uint64_t words[MAX_WORDS];
    words[0] = (uint64_t)s->source;
    words[1] = s->rng.state, words[2] = s->rng.inc;
    for (int i = 0; i < s->n_sources; i++)
        words[3 + 2 * i] = s->attacks[i]->rng.state, words[4 + 2 * i] = s->attacks[i]->rng.inc;
    memcpy(bytes, words, sizeof(uint64_t) * adv_state_words(s));
}

/* Checks the words (source in range, PCG increments odd) and only then
 * restores them. */
static advlab_status adv_state_restore(void *self, const uint8_t *bytes)
{
    adv_state *s = self;
    uint64_t words[MAX_WORDS];
    memcpy(words, bytes, sizeof(uint64_t) * adv_state_words(s));
    if (words[0] >= (uint64_t)s->n_sources)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "trainer state: adversarial source %llu is out of range 0..%d",
                            (unsigned long long)words[0], s->n_sources - 1);
    for (int i = 0; i < 1 + s->n_sources; i++)
        if (!(words[2 + 2 * i] & 1))
            return advlab__fail(ADVLAB_E_FORMAT,
                                "trainer state: adversarial RNG %d has an even increment", i);
    s->source = (int)words[0];
    s->rng.state = words[1], s->rng.inc = words[2];
    for (int i = 0; i < s->n_sources; i++)
        s->attacks[i]->rng.state = words[3 + 2 * i], s->attacks[i]->rng.inc = words[4 + 2 * i];
    return ADVLAB_OK;
}

/* An ordinary trainer with the hook set: the train config is checked first,
 * and a failure leaves the net's metadata as it was. */
static advlab_status hooked_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                           const advlab_train_config *train,
                                           const advlab_adv_config *adv, advlab_trainer **out)
{
    advlab_trainer *t = NULL;
    TRY(advlab__dataset_trainer_create(net, ds, train, &t));
    adv_state *s = NULL;
    advlab_status st = adv_create(net, adv, train->batch, train->seed, &s);
    if (st) {
        advlab_trainer_free(t);
        return st;
    }
    advlab_batch_hook hook = {.self = s,
                              .apply = adv_replace,
                              .describe = adv_describe,
                              .state_words = adv_state_words,
                              .state_save = adv_state_save,
                              .state_restore = adv_state_restore,
                              .free = adv_free,
                              .end_batch = adv_next_source,
                              .rngs = {&s->rng},
                              .n_rngs = 1 + s->n_sources,
                              .shardable = 1};
    for (int i = 0; i < s->n_sources; i++)
        hook.rngs[1 + i] = &s->attacks[i]->rng;
    advlab__trainer_set_hook(t, &hook);
    advlab__trainer_record(t);
    *out = t;
    return ADVLAB_OK;
}
