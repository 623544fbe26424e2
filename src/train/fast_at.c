/* Fast AT ("fast is better than free", Wong et al. 2020) as ART's
 * AdversarialTrainerFBF trains, as a batch hook:
 *   apply  every row x becomes clip01(x + delta), delta = clip(d + 1.25 eps
 *          sign(grad CE at x + d), -eps, eps) from d uniform in [-eps, eps]
 *          (the gradient taken at x + d unclipped, as ART);
 *   finish the ordinary step's gradient on those rows, at ART's cyclic
 *          learning rate (advlab__fbf_lr at t = (batches done + 1) /
 *          batches per epoch, peaking at the train config's lr), clipped to
 *          L2 norm `clip` as ART's clip_grad_norm_ (of the whole batch's
 *          gradient, when the batch is sharded);
 *   end_epoch  Wong et al.'s guard against catastrophic overfitting (their
 *          code's early stop, not ART's): PGD (check_iter steps of 2.5 eps /
 *          check_iter, a random start) on the dataset's last `check` images;
 *          an accuracy more than `drop` below the best epoch's restores that
 *          epoch's weights and ends the run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attacks/attack.h"
#include "base/aligned.h"
#include "base/error.h"
#include "base/mathf.h"
#include "nn/net.h"
#include "train/robust_train.h"

/* PCG stream of the random starts (shuffle 2, adversarial rows 3, attacks 4). */
#define START_STREAM 5

typedef struct {
    advlab_robust_train_config cfg;
    advlab_net *net;
    advlab_optim *opt; /* the trainer's: its lr follows the cycle */
    float lr_max;
    int epochs, batches_per_epoch;
    uint64_t steps; /* batches done: the cycle's clock */
    advlab_rng rng; /* the random starts */
    advlab_attack *check_attack;
    int in_size;
    int best_epoch;     /* 0: no check yet */
    double best_acc;    /* the check's accuracy at best_epoch */
    float *arena;       /* everything below */
    float *delta;       /* (batch, in_size) the start, then the step */
    float *start;       /* (batch, in_size) x + delta, unclipped */
    float *grad;        /* (batch, in_size) */
    float *check_x;     /* (check, in_size) the held-out images */
    float *check_adv;   /* (check, in_size) */
    float *best;        /* (n_params) the weights at best_epoch */
    int32_t *check_y;   /* (check) */
    int32_t *check_idx; /* (check) their dataset indices */
} fbf_state;

static advlab_status fbf_apply(void *self, float *x, const int32_t *y, int m)
{
    fbf_state *s = self;
    float eps = s->cfg.eps, alpha = 1.25f * eps;
    size_t n = (size_t)m * s->in_size;
    for (size_t i = 0; i < n; i++) {
        s->delta[i] = eps * (2.0f * advlab__rng_uniform(&s->rng) - 1.0f);
        s->start[i] = x[i] + s->delta[i];
    }
    TRY(advlab_net_input_grad(s->net, s->start, y, m, s->grad, NULL));
    for (size_t i = 0; i < n; i++) {
        float g = s->grad[i], sign = g > 0.0f ? 1.0f : g < 0.0f ? -1.0f : 0.0f;
        float d = s->delta[i] + alpha * sign;
        d = d < -eps ? -eps : d > eps ? eps : d;
        x[i] = advlab__clip01(x[i] + d);
    }
    return ADVLAB_OK;
}

/* grads *= clip / ||grads|| when the norm is above clip (torch adds 1e-6). */
static void clip_gradients(advlab_net *net, float clip)
{
    double sum = 0.0;
    for (size_t i = 0; i < net->n_params; i++)
        sum += (double)net->grads[i] * net->grads[i];
    double coef = clip / (sqrt(sum) + 1e-6);
    if (coef >= 1.0)
        return;
    for (size_t i = 0; i < net->n_params; i++)
        net->grads[i] *= (float)coef;
}

/* On the batch's gradient: the cycle's lr for this batch, and the clip. */
static void fbf_finish_gradient(void *self, advlab_net *net)
{
    fbf_state *s = self;
    s->opt->lr =
        advlab__fbf_lr(s->lr_max, s->epochs, (double)(s->steps + 1) / s->batches_per_epoch);
    if (s->cfg.clip > 0.0f)
        clip_gradients(net, s->cfg.clip);
}

static void fbf_end_batch(void *self) { ((fbf_state *)self)->steps++; }

static advlab_status fbf_end_epoch(void *self, int epoch, int *stop)
{
    fbf_state *s = self;
    int n = s->cfg.check;
    if (n == 0)
        return ADVLAB_OK;
    TRY(advlab_attack_run(s->check_attack, s->check_x, s->check_y, n, s->check_adv));
    int right = 0;
    for (int b0 = 0; b0 < n; b0 += s->net->max_batch) {
        int k = n - b0 < s->net->max_batch ? n - b0 : s->net->max_batch;
        const float *z = advlab__net_logits(s->net, s->check_adv + (size_t)b0 * s->in_size, k);
        for (int b = 0; b < k; b++)
            right += advlab__argmax(z + (size_t)b * s->net->classes, s->net->classes) ==
                     s->check_y[b0 + b];
    }
    double acc = (double)right / n;
    size_t bytes = sizeof(float) * s->net->n_params;
    if (s->best_epoch && acc < s->best_acc - s->cfg.drop) {
        memcpy(s->net->params, s->best, bytes);
        char text[160];
        snprintf(text, sizeof text,
                 "epoch %d: check accuracy %.4f fell below the best %.4f - %g; weights of epoch %d",
                 epoch, acc, s->best_acc, (double)s->cfg.drop, s->best_epoch);
        advlab_net_set_meta(s->net, "rolled_back", text);
        *stop = 1;
    } else if (!s->best_epoch || acc >= s->best_acc) {
        s->best_epoch = epoch, s->best_acc = acc;
        memcpy(s->best, s->net->params, bytes);
    }
    return ADVLAB_OK;
}

static void fbf_describe(const void *self, char *text, size_t len)
{
    const fbf_state *s = self;
    snprintf(text, len,
             "fast-at eps=%g alpha=%g cyclic_lr_max=%g clip=%g check=%d check_iter=%d drop=%g",
             (double)s->cfg.eps, 1.25 * s->cfg.eps, (double)s->lr_max, (double)s->cfg.clip,
             s->cfg.check, s->cfg.check_iter, (double)s->cfg.drop);
}

/* Checkpoint words: steps, the start RNG, the check's RNG, best_epoch,
 * best_acc's bits, then the best weights two floats a word. */
#define FIXED_WORDS 7

static int fbf_state_words(const void *self)
{
    const fbf_state *s = self;
    return FIXED_WORDS + (int)((s->net->n_params + 1) / 2);
}

static void fbf_state_save(const void *self, uint8_t *bytes)
{
    const fbf_state *s = self;
    uint64_t w[FIXED_WORDS] = {s->steps,
                               s->rng.state,
                               s->rng.inc,
                               s->check_attack ? s->check_attack->rng.state : 0,
                               s->check_attack ? s->check_attack->rng.inc : 1,
                               (uint64_t)s->best_epoch,
                               0};
    memcpy(&w[6], &s->best_acc, sizeof(double));
    memcpy(bytes, w, sizeof w);
    memset(bytes + sizeof w, 0, sizeof(uint64_t) * (fbf_state_words(s) - FIXED_WORDS));
    memcpy(bytes + sizeof w, s->best, sizeof(float) * s->net->n_params);
}

static advlab_status fbf_state_restore(void *self, const uint8_t *bytes)
{
    fbf_state *s = self;
    uint64_t w[FIXED_WORDS];
    memcpy(w, bytes, sizeof w);
    double acc;
    memcpy(&acc, &w[6], sizeof acc);
    if (!(w[2] & 1) || !(w[4] & 1))
        return advlab__fail(ADVLAB_E_FORMAT, "trainer state: fast AT's RNG has an even increment");
    if (w[5] > (uint64_t)s->epochs)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "trainer state: fast AT's best epoch %llu is out of range 0..%d",
                            (unsigned long long)w[5], s->epochs);
    if (!(acc >= 0.0 && acc <= 1.0))
        return advlab__fail(ADVLAB_E_NUMERIC,
                            "trainer state: fast AT's best check accuracy %g is not in [0, 1]",
                            acc);
    const uint8_t *best = bytes + sizeof w;
    for (size_t i = 0; i < s->net->n_params; i++) {
        float v;
        memcpy(&v, best + sizeof(float) * i, sizeof v);
        if (!isfinite(v))
            return advlab__fail(ADVLAB_E_NUMERIC, "trainer state: fast AT's best weight %zu is %g",
                                i, (double)v);
    }
    s->steps = w[0];
    s->rng.state = w[1], s->rng.inc = w[2];
    if (s->check_attack)
        s->check_attack->rng.state = w[3], s->check_attack->rng.inc = w[4];
    s->best_epoch = (int)w[5], s->best_acc = acc;
    memcpy(s->best, best, sizeof(float) * s->net->n_params);
    return ADVLAB_OK;
}

static void fbf_free(void *self)
{
    fbf_state *s = self;
    if (!s)
        return;
    advlab_attack_free(s->check_attack);
    free(s->arena);
    free(s);
}

advlab_status advlab__fbf_hook(advlab_trainer *t, const advlab_dataset *ds,
                               const advlab_robust_train_config *cfg, advlab_batch_hook *hook)
{
    fbf_state *s = calloc(1, sizeof *s);
    if (!s)
        return advlab__fail(ADVLAB_E_NOMEM, "fast AT state");
    s->cfg = *cfg;
    s->net = t->net, s->opt = &t->opt, s->lr_max = t->cfg.lr;
    s->epochs = t->cfg.epochs, s->batches_per_epoch = t->batches_per_epoch;
    s->in_size = t->net->in_size;
    advlab__rng_seed(&s->rng, t->cfg.seed, START_STREAM);
    /* Each buffer on a cache line (base/aligned.h). */
    size_t rows = advlab__line_floats((size_t)t->cfg.batch * s->in_size),
           check = advlab__line_floats((size_t)cfg->check * s->in_size),
           params = advlab__line_floats(t->net->n_params);
    size_t floats = 3 * rows + 2 * check + params + 2 * (size_t)cfg->check;
    s->arena = advlab__aligned_alloc(sizeof(float) * floats);
    if (!s->arena) {
        free(s);
        return advlab__fail(ADVLAB_E_NOMEM, "fast AT: scratch of %zu floats", floats);
    }
    s->delta = s->arena;
    s->start = s->delta + rows;
    s->grad = s->start + rows;
    s->check_x = s->grad + rows;
    s->check_adv = s->check_x + check;
    s->best = s->check_adv + check;
    s->check_y = (int32_t *)(s->best + params);
    s->check_idx = s->check_y + cfg->check;
    /* Unused until the first check, but in every checkpoint: defined bytes,
     * so a state saved in epoch 1 restores (no NaN) and is the same bits in
     * every replica of a data-parallel run. */
    memcpy(s->best, t->net->params, sizeof(float) * t->net->n_params);
    if (cfg->check > 0) {
        int count = advlab_dataset_count(ds);
        for (int i = 0; i < cfg->check; i++)
            s->check_idx[i] = count - cfg->check + i;
        advlab_dataset_gather(ds, s->check_idx, cfg->check, s->check_x, s->check_y);
        advlab_status st = advlab__robust_pgd(t->net, cfg->eps, 2.5f * cfg->eps / cfg->check_iter,
                                              cfg->check_iter, t->cfg.seed, &s->check_attack);
        if (st) {
            fbf_free(s);
            return st;
        }
    }
    *hook = (advlab_batch_hook){.self = s,
                                .apply = fbf_apply,
                                .describe = fbf_describe,
                                .state_words = fbf_state_words,
                                .state_save = fbf_state_save,
                                .state_restore = fbf_state_restore,
                                .free = fbf_free,
                                .end_epoch = fbf_end_epoch,
                                .finish_gradient = fbf_finish_gradient,
                                .end_batch = fbf_end_batch,
                                .rngs = {&s->rng},
                                .n_rngs = 1,
                                .shardable = 1};
    return ADVLAB_OK;
}
