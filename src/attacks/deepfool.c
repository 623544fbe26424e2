/* DeepFool (Moosavi-Dezfooli et al. 2016) with every class's gradient, as
 * ART's DeepFool. Each step moves an image onto the nearest class boundary
 * of the model linearised at that image. With o the class to leave,
 *   f_k = z_k - z_o,  w_k = grad z_k - grad z_o,
 *   l = argmin_{k != o} |f_k| / (||w_k|| + tol),
 *   r = |f_l| / (||w_l||^2 + tol) * w_l,
 * and x_df = clip(x_df + r, 0, 1) until the prediction leaves o or max_iter
 * steps are taken. The overshoot is applied once, at the end (ART):
 *   x_adv = clip(x + (1 + overshoot) * (x_df - x), 0, 1). */
#include <math.h>
#include <string.h>

#include "attacks/attack.h"
#include "attacks/methods.h"
#include "base/error.h"
#include "base/mathf.h"

/* ART's guard against dividing by a zero gradient difference. */
#define DEEPFOOL_TOL 1e-7f

/* class_grads block k (m, in_size) = grad z_k of each of the m images of the
 * last forward: one backward pass per class with dlogits = onehot(k). */
static advlab_status class_gradients(advlab_attack *a, int m)
{
    int K = a->classes;
    for (int k = 0; k < K; k++) {
        memset(a->dlogits, 0, sizeof(float) * (size_t)m * K);
        for (int j = 0; j < m; j++)
            a->dlogits[j * K + k] = 1.0f;
        TRY(advlab__attack_backward(a, a->work, m, a->dlogits,
                                    a->class_grads + (size_t)k * m * a->in_size));
    }
    return ADVLAB_OK;
}

/* One DeepFool step for image j of the m in class_grads: z are its logits,
 * o the class it must leave, x_df its current point, updated in place. */
static void deepfool_step(const advlab_attack *a, const float *z, int j, int m, int o, float *x_df)
{
    size_t in = (size_t)a->in_size;
    const float *g_o = a->class_grads + ((size_t)o * m + j) * in;
    int l = -1;
    float best = INFINITY, best_norm2 = 0.0f;
    for (int k = 0; k < a->classes; k++) {
        if (k == o)
            continue;
        const float *g_k = a->class_grads + ((size_t)k * m + j) * in;
        float norm2 = 0.0f;
        for (size_t p = 0; p < in; p++)
            norm2 += (g_k[p] - g_o[p]) * (g_k[p] - g_o[p]);
        float value = fabsf(z[k] - z[o]) / (sqrtf(norm2) + DEEPFOOL_TOL);
        if (value < best)
            l = k, best = value, best_norm2 = norm2;
    }
    if (l < 0) /* every distance was infinite or NaN: no boundary to step to */
        return;
    const float *g_l = a->class_grads + ((size_t)l * m + j) * in;
    float r = fabsf(z[l] - z[o]) / (best_norm2 + DEEPFOOL_TOL);
    for (size_t p = 0; p < in; p++)
        x_df[p] = advlab__clip01(x_df[p] + r * (g_l[p] - g_o[p]));
}

advlab_status advlab__attack_deepfool(advlab_attack *a, const float *x, const int32_t *y, int n,
                                      float *x_adv)
{
    size_t count = (size_t)n * a->in_size;
    int32_t *active = a->active; /* the images still predicted as their y */
    int m =
        advlab__attack_start_unfooled(a, x, n, x_adv); /* x_adv holds x_df until the overshoot */
    for (int it = 0; it < a->cfg.max_iter; it++) {
        const float *z;
        TRY(advlab__attack_forward_unfooled(a, x_adv, y, active, &m, &z));
        if (m == 0)
            break;
        TRY(class_gradients(a, m));
        for (int j = 0; j < m; j++)
            deepfool_step(a, z + (size_t)j * a->classes, j, m, y[active[j]],
                          x_adv + (size_t)active[j] * a->in_size);
    }
    float scale = 1.0f + a->cfg.overshoot;
    for (size_t i = 0; i < count; i++)
        x_adv[i] = advlab__clip01(x[i] + scale * (x_adv[i] - x[i]));
    return ADVLAB_OK;
}
