/* The helpers every attack method uses: the forward pass through the
 * optional pre-processor, the backward pass through it (BPDA or its true
 * derivative), the loss gradient, prediction, random starts in the eps-ball,
 * and the list of images not yet fooled that DeepFool and NewtonFool work
 * through. attack.h documents each. */
#include "attacks/attack.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/error.h"
#include "base/mathf.h"
#include "defences/preprocess.h"
#include "kernels/kernels.h"
#include "nn/net.h"

/* ------------------------------------------------- forward, backward */

advlab_status advlab__attack_logits(advlab_attack *a, const float *x, int n, const float **logits)
{
    const float *input = x;
    if (a->pre) {
        TRY(advlab_preprocessor_apply(a->pre, x, n, a->xp));
        input = a->xp;
    }
    const float *z = advlab__net_logits(a->net, input, n);
    k_softmax_xent(a->probs, NULL, z, NULL, n, a->classes, 0.0f, NULL);
    *logits = z;
    return ADVLAB_OK;
}

advlab_status advlab__attack_backward(advlab_attack *a, const float *x, int n, const float *dlogits,
                                      float *grad)
{
    a->grad_calls += n; /* every input gradient of every method passes here */
    if (!a->pre) {
        advlab__net_backward_input(a->net, x, n, dlogits, grad);
        return ADVLAB_OK;
    }
    /* BPDA: the gradient at pre(x) stands in for the gradient at x. */
    if (a->grad_mode == ADVLAB_GRAD_BPDA) {
        advlab__net_backward_input(a->net, a->xp, n, dlogits, grad);
        return ADVLAB_OK;
    }
    /* Exact, the chain rule: d/dx z(pre(x)) = J_pre(x)^T (dz/du at u = pre(x)). */
    advlab__net_backward_input(a->net, a->xp, n, dlogits, a->pre_grad);
    return advlab__preprocess_vjp(a->pre, x, n, a->pre_grad, grad);
}

advlab_status advlab__attack_loss_grad(advlab_attack *a, const float *x, const int32_t *y, int n,
                                       float *grad)
{
    const float *z;
    TRY(advlab__attack_logits(a, x, n, &z));
    if (a->labels_pending) { /* y is a->labels, still to be filled from this forward at x */
        for (int b = 0; b < n; b++)
            a->labels[b] = advlab__argmax(z + (size_t)b * a->classes, a->classes);
        a->labels_pending = 0;
    }
    /* dL/dz = softmax(z) - onehot(y), per image (scale 1, not the batch mean). */
    k_softmax_xent(a->probs, a->dlogits, z, y, n, a->classes, 1.0f, NULL);
    return advlab__attack_backward(a, x, n, a->dlogits, grad);
}

advlab_status advlab__attack_predict(advlab_attack *a, const float *x, int n, int32_t *pred)
{
    const float *z;
    TRY(advlab__attack_logits(a, x, n, &z));
    for (int b = 0; b < n; b++)
        pred[b] = advlab__argmax(z + (size_t)b * a->classes, a->classes);
    return ADVLAB_OK;
}

/* ------------------------------------------------------- random start */

/* Two independent standard normals (Marsaglia's polar method). */
static void normal_pair(advlab_rng *rng, float *z0, float *z1)
{
    float u, v, s;
    do {
        u = 2.0f * advlab__rng_uniform(rng) - 1.0f;
        v = 2.0f * advlab__rng_uniform(rng) - 1.0f;
        s = u * u + v * v;
    } while (s >= 1.0f || s == 0.0f);
    float f = sqrtf(-2.0f * advlab__logf(s) / s);
    *z0 = u * f, *z1 = v * f;
}

/* d = U(-eps, eps) per pixel: uniform in the inf-ball. */
static void sample_linf(advlab_rng *rng, float eps, int d, float *out)
{
    for (int i = 0; i < d; i++)
        out[i] = eps * (2.0f * advlab__rng_uniform(rng) - 1.0f);
}

/* Uniform in the 2-ball: a normal vector's direction, radius eps * u^(1/d). */
static void sample_l2(advlab_rng *rng, float eps, int d, float *out)
{
    for (int i = 0; i < d; i += 2) {
        float z0, z1;
        normal_pair(rng, &z0, &z1);
        out[i] = z0;
        if (i + 1 < d)
            out[i + 1] = z1;
    }
    float sumsq = 0.0f;
    for (int i = 0; i < d; i++)
        sumsq += out[i] * out[i];
    float u = 1.0f - advlab__rng_uniform(rng); /* (0, 1], so log(u) is finite */
    float radius = eps * advlab__expf(advlab__logf(u) / (float)d);
    float scale = radius / sqrtf(sumsq);
    for (int i = 0; i < d; i++)
        out[i] *= scale;
}

/* Uniform in the 1-ball: with E_1..E_{d+1} i.i.d. exponential,
 * (E_1..E_d) / sum E is uniform on the simplex {t >= 0, sum t <= 1}
 * (Dirichlet(1,...,1) spacings); random signs fill the other orthants. */
static void sample_l1(advlab_rng *rng, float eps, int d, float *out)
{
    float total = 0.0f;
    for (int i = 0; i < d; i++) {
        float e = -advlab__logf(1.0f - advlab__rng_uniform(rng));
        out[i] = advlab__rng_u32(rng) >> 31 ? -e : e;
        total += e;
    }
    total += -advlab__logf(1.0f - advlab__rng_uniform(rng));
    float scale = total > 0.0f ? eps / total : 0.0f;
    for (int i = 0; i < d; i++)
        out[i] *= scale;
}

void advlab__attack_random_start(advlab_attack *a, const float *x, int n, float *out)
{
    int d = a->in_size;
    for (int b = 0; b < n; b++) {
        float *o = out + (size_t)b * d;
        const float *xb = x + (size_t)b * d;
        if (a->cfg.norm == 1.0f)
            sample_l1(&a->rng, a->cfg.eps, d, o);
        else if (a->cfg.norm == 2.0f)
            sample_l2(&a->rng, a->cfg.eps, d, o);
        else
            sample_linf(&a->rng, a->cfg.eps, d, o);
        for (int i = 0; i < d; i++)
            o[i] = advlab__clip01(xb[i] + o[i]);
    }
}

/* ----------------------------------------------------- unfooled list */

int advlab__attack_start_unfooled(advlab_attack *a, const float *x, int n, float *x_adv)
{
    memcpy(x_adv, x, sizeof(float) * (size_t)n * a->in_size);
    for (int j = 0; j < n; j++)
        a->active[j] = j;
    return n;
}

advlab_status advlab__attack_forward_unfooled(advlab_attack *a, const float *x_cur,
                                              const int32_t *y, int32_t *active, int *m,
                                              const float **z)
{
    size_t in = (size_t)a->in_size;
    int kept = *m;
    do {
        *m = kept;
        for (int j = 0; j < *m; j++)
            memcpy(a->work + j * in, x_cur + active[j] * in, sizeof(float) * in);
        TRY(advlab__attack_logits(a, a->work, *m, z));
        kept = 0;
        for (int j = 0; j < *m; j++)
            if (advlab__argmax(*z + (size_t)j * a->classes, a->classes) == y[active[j]])
                active[kept++] = active[j];
    } while (kept > 0 && kept < *m);
    *m = kept;
    return ADVLAB_OK;
}
