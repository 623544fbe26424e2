/* APGD (Croce & Hein 2020; ART's AutoProjectedGradientDescent) and APGD-T.
 *
 * A run starts at a random point of the eps-ball and takes max_iter steps
 * of a per-image size eta (first eps_step) along dir(grad f): the sign for
 * inf, the unit-L2 gradient for 2. After the first step, each step mixes in
 * momentum: x' = P(x + 0.75 (P(x + eta dir) - x) + 0.25 (x - x_prev)). At
 * the checkpoints w_j (p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j -
 * p_{j-1} - 0.03, 0.06), w_j = ceil(p_j max_iter)), eta halves for an image
 * whose best loss rose in fewer than 75% of the steps since w_{j-1}, or whose
 * eta and best loss have not changed since then; that image restarts from
 * its best point. f is maximised:
 *   cross_entropy              CE(z, y); targeted: -CE(z, target)
 *   difference_logits_ratio    -(z_y - max_{i!=y} z_i) / (z_pi1 - z_pi3 + 1e-12)
 *   APGD-T's targeted DLR      -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12)
 * (pi: the classes by logit, largest first). APGD makes max(1,
 * num_random_init) runs; APGD-T one per target t (the 2nd..(n+1)th class
 * by clean logit) and restart. Each run attacks only the images no earlier
 * run fooled, and an image keeps the last fooling point of the run that
 * fooled it, else the best point of its last run (robust.c). */
#include <math.h>
#include <string.h>

#include "attacks/gradient.h"
#include "attacks/methods.h"
#include "attacks/robust.h"
#include "base/error.h"
#include "base/mathf.h"

#define MOMENTUM 0.75f /* the paper's alpha */
#define RHO 0.75f      /* the paper's rho: the share of steps that must raise the loss */
#define MAX_CHECKPOINTS 32

enum { LOSS_CE, LOSS_DLR, LOSS_DLR_TARGETED };

/* The four largest of z (first index on ties), largest first. */
static void top4(const float *z, int classes, int *top)
{
    for (int k = 0; k < 4; k++) {
        int best = -1;
        for (int c = 0; c < classes; c++) {
            int taken = 0;
            for (int j = 0; j < k; j++)
                taken |= top[j] == c;
            if (!taken && (best < 0 || z[c] > z[best]))
                best = c;
        }
        top[k] = best;
    }
}

void advlab__apgd_objective(int loss, const float *z, const int32_t *y, const int32_t *t, int n,
                            int classes, int targeted, float *f, float *dlogits)
{
    for (int b = 0; b < n; b++) {
        const float *zb = z + (size_t)b * classes;
        float *d = dlogits + (size_t)b * classes;
        int yb = y[b];
        memset(d, 0, sizeof(float) * classes);
        if (loss == LOSS_CE) {
            /* CE = log sum exp(z) - z_y; dCE/dz = softmax(z) - onehot(y). */
            float m = zb[advlab__argmax(zb, classes)], s = 0.0f;
            for (int c = 0; c < classes; c++)
                s += advlab__expf(zb[c] - m);
            float sign = targeted ? -1.0f : 1.0f;
            f[b] = sign * (m + advlab__logf(s) - zb[yb]);
            for (int c = 0; c < classes; c++)
                d[c] = sign * (advlab__expf(zb[c] - m) / s - (c == yb));
            continue;
        }
        int top[4];
        top4(zb, classes, top);
        if (loss == LOSS_DLR) {
            int other = top[0] == yb ? top[1] : top[0];
            float num = zb[yb] - zb[other], den = zb[top[0]] - zb[top[2]] + 1e-12f;
            f[b] = -num / den;
            d[yb] -= 1.0f / den, d[other] += 1.0f / den;
            d[top[0]] += num / (den * den), d[top[2]] -= num / (den * den);
            continue;
        }
        int tb = t[b];
        float num = zb[yb] - zb[tb];
        float den = zb[top[0]] - 0.5f * (zb[top[2]] + zb[top[3]]) + 1e-12f;
        f[b] = -num / den;
        d[yb] -= 1.0f / den, d[tb] += 1.0f / den;
        d[top[0]] += num / (den * den);
        d[top[2]] -= 0.5f * num / (den * den), d[top[3]] -= 0.5f * num / (den * den);
    }
}

/* The checkpoints w_0 = 0 < w_1 ... (ceil of the p_j times max_iter, as
 * ART computes them in double); returns their count. */
static int checkpoints(int max_iter, int *w)
{
    double p[MAX_CHECKPOINTS] = {0.0, 0.22};
    int count = 2;
    while (count < MAX_CHECKPOINTS) {
        double step = p[count - 1] - p[count - 2] - 0.03;
        double next = p[count - 1] + (step > 0.06 ? step : 0.06);
        if (next > 1.0)
            break;
        p[count++] = next;
    }
    for (int j = 0; j < count; j++)
        w[j] = (int)ceil(p[j] * max_iter);
    return count;
}

typedef struct {
    int loss;
    const int32_t *y, *t;
    float *fooled; /* (m) set when an iterate fooled the model */
    float *best;   /* (m, in) the last fooling iterate */
} run_ctx;

/* f and, when g is not NULL, its input gradient at the m points p; marks
 * the images p fools and keeps those points. */
static advlab_status evaluate(advlab_attack *a, run_ctx *c, const float *p, int m, float *f,
                              float *g)
{
    const float *z;
    size_t in = (size_t)a->in_size;
    TRY(advlab__attack_logits(a, p, m, &z));
    int targeted = a->cfg.targeted;
    advlab__apgd_objective(c->loss, z, c->y, c->t, m, a->classes, targeted, f, a->dlogits);
    for (int j = 0; j < m; j++) {
        int pred = advlab__argmax(z + (size_t)j * a->classes, a->classes);
        if (advlab__attack_succeeded(a, pred, c->y[j])) {
            c->fooled[j] = 1.0f;
            memcpy(c->best + j * in, p + j * in, sizeof(float) * in);
        }
    }
    return g ? advlab__attack_backward(a, p, m, a->dlogits, g) : ADVLAB_OK;
}

/* g (m, in) becomes the step's direction: sign(g) (sign(0) = 0) for inf,
 * g / (|g|_2 + 1e-12) for 2. The paper's code divides by |g| + 1e-12, not
 * ART's 1e-7: cross-entropy's gradient on a confident image is far below
 * 1e-7, and ART's step then shrinks to nothing (docs/ATTACKS.md). f is
 * raised whatever the attack's aim, so no sign flips here. */
static void direction(const advlab_attack_config *c, int m, size_t in, float *g)
{
    for (int j = 0; j < m; j++) {
        float *gj = g + j * in, norm = 0.0f;
        for (size_t i = 0; i < in; i++) {
            gj[i] = isnan(gj[i]) ? 0.0f : gj[i];
            norm += gj[i] * gj[i];
        }
        norm = sqrtf(norm) + 1e-12f;
        for (size_t i = 0; i < in; i++)
            gj[i] = c->norm == 2.0f ? gj[i] / norm : (float)((gj[i] > 0.0f) - (gj[i] < 0.0f));
    }
}

/* One run on the m gathered images: r->row[0] their x, r->row[1] their
 * start, which becomes the result. */
static advlab_status apgd_run(advlab_attack *a, advlab__robust *r, int loss)
{
    int m = r->m, N = a->cfg.max_iter;
    size_t in = (size_t)a->in_size, count = (size_t)m * in;
    const float *x = r->row[0];
    float *xk = r->row[2], *xprev = r->row[3], *xmax = r->row[4], *xmax_prev = r->row[5];
    float *result = r->row[1], *g = a->grad, *gmax = a->work, *z = a->work2;
    float *eta = r->scalar[1], *f = r->scalar[2], *fmax = r->scalar[3];
    float *eta_check = r->scalar[4], *fmax_check = r->scalar[5], *rises = r->scalar[6];
    run_ctx c = {loss, r->y, r->t, r->scalar[0], result};
    int w[MAX_CHECKPOINTS], n_w = checkpoints(N, w);

    memcpy(xk, result, sizeof(float) * count);
    memset(c.fooled, 0, sizeof(float) * m);
    TRY(evaluate(a, &c, xk, m, f, g));
    memcpy(xmax, xk, sizeof(float) * count);
    memcpy(xmax_prev, xk, sizeof(float) * count);
    memcpy(gmax, g, sizeof(float) * count);
    for (int j = 0; j < m; j++) {
        eta[j] = eta_check[j] = a->cfg.eps_step;
        fmax[j] = fmax_check[j] = f[j];
        rises[j] = 0.0f;
    }
    for (int k = 0; k < N; k++) {
        direction(&a->cfg, m, in, g);
        for (int j = 0; j < m; j++)
            for (size_t i = j * in; i < (j + 1) * in; i++)
                z[i] = advlab__clip01(xk[i] + eta[j] * g[i]);
        advlab__attack_project(a, x, m, z);
        if (k > 0) {
            for (size_t i = 0; i < count; i++)
                z[i] = advlab__clip01(xk[i] + MOMENTUM * (z[i] - xk[i]) +
                                      (1.0f - MOMENTUM) * (xk[i] - xprev[i]));
            advlab__attack_project(a, x, m, z);
        }
        TRY(evaluate(a, &c, z, m, f, k < N - 1 ? g : NULL));
        for (int j = 0; j < m; j++) {
            int rose = k == 0 ? f[j] >= fmax[j] : f[j] > fmax[j];
            if (!rose)
                continue;
            rises[j] += 1.0f;
            fmax[j] = f[j];
            memcpy(xmax + j * in, z + j * in, sizeof(float) * in);
            memcpy(xmax_prev + j * in, xk + j * in, sizeof(float) * in);
            if (k < N - 1)
                memcpy(gmax + j * in, g + j * in, sizeof(float) * in);
        }
        memcpy(xprev, xk, sizeof(float) * count);
        memcpy(xk, z, sizeof(float) * count);
        int cp = 0;
        for (int j = 1; j < n_w && !cp; j++)
            if (w[j] == k)
                cp = j;
        if (k == 0 || !cp)
            continue;
        for (int j = 0; j < m; j++) {
            int few_rises = rises[j] < RHO * (float)(k - w[cp - 1]);
            int stalled = eta_check[j] == eta[j] && fmax_check[j] == fmax[j];
            if (few_rises || stalled) {
                eta[j] *= 0.5f;
                memcpy(xk + j * in, xmax + j * in, sizeof(float) * in);
                memcpy(xprev + j * in, xmax_prev + j * in, sizeof(float) * in);
                memcpy(g + j * in, gmax + j * in, sizeof(float) * in);
            }
            rises[j] = 0.0f, eta_check[j] = eta[j], fmax_check[j] = fmax[j];
        }
    }
    /* Fooled images already hold their last fooling point in result. */
    for (int j = 0; j < m; j++)
        if (c.fooled[j] == 0.0f)
            memcpy(result + j * in, xmax + j * in, sizeof(float) * in);
    return ADVLAB_OK;
}

advlab_status advlab__attack_apgd(advlab_attack *a, const float *x, const int32_t *y, int n,
                                  float *x_adv)
{
    advlab__robust r;
    memcpy(x_adv, x, sizeof(float) * (size_t)n * a->in_size);
    TRY(advlab__robust_start(a, &r, x, y, n));
    int apgd_t = a->cfg.kind == ADVLAB_ATTACK_APGD_T;
    int loss = apgd_t ? LOSS_DLR_TARGETED : a->cfg.loss_type == 1 ? LOSS_DLR : LOSS_CE;
    int targets = apgd_t ? a->cfg.n_target_classes : 1;
    int restarts = a->cfg.num_random_init > 1 ? a->cfg.num_random_init : 1;
    for (int t = 0; t < targets; t++)
        for (int s = 0; s < restarts && r.m > 0; s++) {
            advlab__robust_gather(a, &r, x, y, 1, t * restarts + s, apgd_t ? t + 1 : -1);
            TRY(apgd_run(a, &r, loss));
            advlab__robust_scatter(a, &r, x_adv);
        }
    return ADVLAB_OK;
}
