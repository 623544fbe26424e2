/* TRADES (Zhang et al. 2019) as ART's AdversarialTrainerTRADES trains, as a
 * batch hook:
 *   apply  x' for every row by the paper's inner maximisation: from x +
 *          0.001 N(0, 1), max_iter steps x' = clip01(proj_eps(x' + eps_step
 *          sign(grad_x' KL(p || q)))), p = softmax f(x) fixed, q = softmax
 *          f(x'); the batch x itself is left as it is;
 *   step   loss = mean CE(f(x), y) + beta/m sum KL(p || q), with its
 *          gradient through both f(x) and f(x').
 * For one image, with p = softmax z, q = softmax z', KL = sum p (log p -
 * log q):  dKL/dz' = q - p,  dKL/dz_j = p_j (log p_j - log q_j - KL). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attacks/attack.h"
#include "base/aligned.h"
#include "base/error.h"
#include "base/mathf.h"
#include "kernels/kernels.h"
#include "nn/net.h"
#include "train/robust_train.h"

/* PCG stream of the start's noise (shuffle 2, adversarial rows 3, attacks 4, fast AT 5). */
#define NOISE_STREAM 6

typedef struct {
    advlab_robust_train_config cfg;
    advlab_net *net;
    advlab_rng rng; /* the start's noise */
    int in_size;
    float *arena;      /* everything below */
    float *x_adv;      /* (batch, in_size) this batch's x' */
    float *grad;       /* (batch, in_size) */
    float *p, *q, *dl; /* (batch, classes) the inner loop's */
    float *work;       /* advlab__trades_work_floats(net, batch) */
} trades_state;

/* out = log softmax z over `classes` (finite for finite z). */
static void log_softmax(float *out, const float *z, int classes)
{
    float zmax = z[advlab__argmax(z, classes)], sum = 0.0f;
    for (int c = 0; c < classes; c++)
        sum += advlab__expf(z[c] - zmax);
    float lse = zmax + advlab__logf(sum);
    for (int c = 0; c < classes; c++)
        out[c] = z[c] - lse;
}

size_t advlab__trades_work_floats(const advlab_net *net, int m)
{
    return 5 * (size_t)m * net->classes + net->n_params;
}

double advlab__trades_loss_grad(advlab_net *net, const float *x, const float *x_adv,
                                const int32_t *y, int m, float beta, float *work, int *correct)
{
    int K = net->classes;
    size_t mk = (size_t)m * K;
    float *log_q = work, *p = log_q + mk, *log_p = p + mk, *dl_clean = log_p + mk,
          *dl_adv = dl_clean + mk, *saved = dl_adv + mk;
    const float *z = advlab__net_logits(net, x_adv, m);
    int hits = 0;
    for (int b = 0; b < m; b++) {
        hits += advlab__argmax(z + (size_t)b * K, K) == y[b];
        log_softmax(log_q + (size_t)b * K, z + (size_t)b * K, K);
    }
    z = advlab__net_logits(net, x, m);
    double ce = k_softmax_xent(p, dl_clean, z, y, m, K, 1.0f / (float)m, NULL), kl = 0.0;
    float w = beta / (float)m;
    for (int b = 0; b < m; b++) {
        const float *pb = p + (size_t)b * K, *lq = log_q + (size_t)b * K;
        float *lp = log_p + (size_t)b * K;
        log_softmax(lp, z + (size_t)b * K, K);
        float kl_b = 0.0f;
        for (int c = 0; c < K; c++)
            kl_b += pb[c] * (lp[c] - lq[c]);
        kl += kl_b;
        for (int c = 0; c < K; c++) {
            dl_clean[(size_t)b * K + c] += w * pb[c] * (lp[c] - lq[c] - kl_b);
            dl_adv[(size_t)b * K + c] = w * (advlab__expf(lq[c]) - pb[c]);
        }
    }
    advlab__net_backward_params(net, x, m, dl_clean);
    memcpy(saved, net->grads, sizeof(float) * net->n_params);
    advlab__net_logits(net, x_adv, m);
    advlab__net_backward_params(net, x_adv, m, dl_adv);
    k_add(net->grads, saved, net->n_params);
    if (correct)
        *correct = hits;
    return ce / m + (double)beta * kl / m;
}

static advlab_status trades_apply(void *self, float *x, const int32_t *y, int m)
{
    (void)y;
    trades_state *s = self;
    int K = s->net->classes;
    size_t n = (size_t)m * s->in_size;
    for (size_t i = 0; i < n; i += 2) {
        float z0, z1;
        advlab__attack_normal_pair(&s->rng, &z0, &z1);
        s->x_adv[i] = x[i] + 0.001f * z0;
        if (i + 1 < n)
            s->x_adv[i + 1] = x[i + 1] + 0.001f * z1;
    }
    k_softmax_xent(s->p, NULL, advlab__net_logits(s->net, x, m), NULL, m, K, 1.0f, NULL);
    float eps = s->cfg.eps, step = s->cfg.eps_step;
    for (int it = 0; it < s->cfg.max_iter; it++) {
        k_softmax_xent(s->q, NULL, advlab__net_logits(s->net, s->x_adv, m), NULL, m, K, 1.0f, NULL);
        for (size_t c = 0; c < (size_t)m * K; c++)
            s->dl[c] = s->q[c] - s->p[c];
        advlab__net_backward_input(s->net, s->x_adv, m, s->dl, s->grad);
        for (size_t i = 0; i < n; i++) {
            float g = s->grad[i], sign = g > 0.0f ? 1.0f : g < 0.0f ? -1.0f : 0.0f;
            float v = s->x_adv[i] + step * sign;
            v = v < x[i] - eps ? x[i] - eps : v > x[i] + eps ? x[i] + eps : v;
            s->x_adv[i] = advlab__clip01(v);
        }
    }
    return ADVLAB_OK;
}

static double trades_step(void *self, advlab_net *net, const float *x, const int32_t *y, int m,
                          int *correct)
{
    trades_state *s = self;
    return advlab__trades_loss_grad(net, x, s->x_adv, y, m, s->cfg.beta, s->work, correct);
}

static void trades_describe(const void *self, char *text, size_t len)
{
    const trades_state *s = self;
    snprintf(text, len, "trades eps=%g eps_step=%g max_iter=%d beta=%g", (double)s->cfg.eps,
             (double)s->cfg.eps_step, s->cfg.max_iter, (double)s->cfg.beta);
}

/* Checkpoint words: the noise RNG. */
static int trades_state_words(const void *self)
{
    (void)self;
    return 2;
}

static void trades_state_save(const void *self, uint8_t *bytes)
{
    const trades_state *s = self;
    uint64_t w[2] = {s->rng.state, s->rng.inc};
    memcpy(bytes, w, sizeof w);
}

static advlab_status trades_state_restore(void *self, const uint8_t *bytes)
{
    trades_state *s = self;
    uint64_t w[2];
    memcpy(w, bytes, sizeof w);
    if (!(w[1] & 1))
        return advlab__fail(ADVLAB_E_FORMAT, "trainer state: TRADES' RNG has an even increment");
    s->rng.state = w[0], s->rng.inc = w[1];
    return ADVLAB_OK;
}

static void trades_free(void *self)
{
    trades_state *s = self;
    if (!s)
        return;
    free(s->arena);
    free(s);
}

advlab_status advlab__trades_hook(advlab_trainer *t, const advlab_robust_train_config *cfg,
                                  advlab_batch_hook *hook)
{
    trades_state *s = calloc(1, sizeof *s);
    if (!s)
        return advlab__fail(ADVLAB_E_NOMEM, "TRADES state");
    s->cfg = *cfg;
    s->net = t->net;
    s->in_size = t->net->in_size;
    advlab__rng_seed(&s->rng, t->cfg.seed, NOISE_STREAM);
    int batch = t->cfg.batch;
    /* Each buffer on a cache line (base/aligned.h). */
    size_t rows = advlab__line_floats((size_t)batch * s->in_size),
           logits = advlab__line_floats((size_t)batch * t->net->classes);
    size_t floats = 2 * rows + 3 * logits + advlab__trades_work_floats(t->net, batch);
    s->arena = advlab__aligned_alloc(sizeof(float) * floats);
    if (!s->arena) {
        free(s);
        return advlab__fail(ADVLAB_E_NOMEM, "TRADES: scratch of %zu floats", floats);
    }
    s->x_adv = s->arena;
    s->grad = s->x_adv + rows;
    s->p = s->grad + rows;
    s->q = s->p + logits;
    s->dl = s->q + logits;
    s->work = s->dl + logits;
    *hook = (advlab_batch_hook){.self = s,
                                .apply = trades_apply,
                                .describe = trades_describe,
                                .state_words = trades_state_words,
                                .state_save = trades_state_save,
                                .state_restore = trades_state_restore,
                                .free = trades_free,
                                .step = trades_step,
                                .rngs = {&s->rng},
                                .n_rngs = 1,
                                .shardable = 1};
    return ADVLAB_OK;
}
