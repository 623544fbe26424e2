/* PGD training (Madry et al.: every row replaced, one random start) with eps
 * ramped, as a batch hook: the batch after t epochs of batches is attacked
 * at advlab__ramp_eps(t) with steps of eps_step scaled by the same factor,
 * so that early batches see small perturbations and training from scratch
 * does not collapse to a constant prediction. At eps 0 the batch stays
 * clean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attacks/attack.h"
#include "base/aligned.h"
#include "base/error.h"
#include "train/robust_train.h"

typedef struct {
    advlab_robust_train_config cfg;
    int batches_per_epoch;
    uint64_t steps; /* batches done: the ramp's clock */
    advlab_attack *attack;
    float *adv; /* (batch, in_size) */
    int in_size;
} ramp_state;

static advlab_status ramp_apply(void *self, float *x, const int32_t *y, int m)
{
    ramp_state *s = self;
    float eps = advlab__ramp_eps(&s->cfg, (double)s->steps / s->batches_per_epoch);
    if (eps <= 0.0f)
        return ADVLAB_OK;
    s->attack->cfg.eps = eps;
    s->attack->cfg.eps_step = s->cfg.eps_step * (eps / s->cfg.eps);
    TRY(advlab_attack_run(s->attack, x, y, m, s->adv));
    memcpy(x, s->adv, sizeof(float) * (size_t)m * s->in_size);
    return ADVLAB_OK;
}

static void ramp_end_batch(void *self) { ((ramp_state *)self)->steps++; }

static void ramp_describe(const void *self, char *text, size_t len)
{
    const ramp_state *s = self;
    snprintf(text, len, "pgd-ramp eps=%g eps_start=%g ramp=%g eps_step=%g max_iter=%d",
             (double)s->cfg.eps, (double)s->cfg.eps_start, (double)s->cfg.ramp,
             (double)s->cfg.eps_step, s->cfg.max_iter);
}

/* Checkpoint words: steps and the attack's RNG. */
static int ramp_state_words(const void *self)
{
    (void)self;
    return 3;
}

static void ramp_state_save(const void *self, uint8_t *bytes)
{
    const ramp_state *s = self;
    uint64_t w[3] = {s->steps, s->attack->rng.state, s->attack->rng.inc};
    memcpy(bytes, w, sizeof w);
}

static advlab_status ramp_state_restore(void *self, const uint8_t *bytes)
{
    ramp_state *s = self;
    uint64_t w[3];
    memcpy(w, bytes, sizeof w);
    if (!(w[2] & 1))
        return advlab__fail(ADVLAB_E_FORMAT, "trainer state: pgd-ramp's RNG has an even increment");
    s->steps = w[0];
    s->attack->rng.state = w[1], s->attack->rng.inc = w[2];
    return ADVLAB_OK;
}

static void ramp_free(void *self)
{
    ramp_state *s = self;
    if (!s)
        return;
    advlab_attack_free(s->attack);
    free(s->adv);
    free(s);
}

advlab_status advlab__pgd_ramp_hook(advlab_trainer *t, const advlab_robust_train_config *cfg,
                                    advlab_batch_hook *hook)
{
    ramp_state *s = calloc(1, sizeof *s);
    if (!s)
        return advlab__fail(ADVLAB_E_NOMEM, "pgd-ramp state");
    s->cfg = *cfg;
    s->batches_per_epoch = t->batches_per_epoch;
    s->in_size = t->net->in_size;
    s->adv = advlab__aligned_alloc(sizeof(float) * (size_t)t->cfg.batch * s->in_size);
    advlab_status st = s->adv ? advlab__robust_pgd(t->net, cfg->eps, cfg->eps_step, cfg->max_iter,
                                                   t->cfg.seed, &s->attack)
                              : advlab__fail(ADVLAB_E_NOMEM, "pgd-ramp: scratch for a batch");
    if (st) {
        ramp_free(s);
        return st;
    }
    *hook = (advlab_batch_hook){.self = s,
                                .apply = ramp_apply,
                                .describe = ramp_describe,
                                .state_words = ramp_state_words,
                                .state_save = ramp_state_save,
                                .state_restore = ramp_state_restore,
                                .free = ramp_free,
                                .end_batch = ramp_end_batch,
                                .rngs = {&s->attack->rng},
                                .n_rngs = 1,
                                .shardable = 1};
    return ADVLAB_OK;
}
