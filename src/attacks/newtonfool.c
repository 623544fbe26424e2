/* NewtonFool (Jang et al. 2017), as ART's NewtonFool: Newton steps that
 * drive p, the softmax probability of the class c to leave, towards 1/K.
 *   g = grad p,  theta = min(eta * ||x0|| * ||g||, p - 1/K),
 *   x = clip(x - theta * g / max(||g||^2, tol), 0, 1)
 * until the prediction leaves c or max_iter steps are taken. */
#include <math.h>
#include <string.h>

#include "attacks/attack.h"
#include "attacks/methods.h"
#include "base/error.h"
#include "base/mathf.h"

/* ART's floor on ||g||^2, against dividing by a vanishing gradient. */
#define NEWTONFOOL_TOL 1e-7f

static float sum_squares(const float *v, size_t len)
{
    float s = 0.0f;
    for (size_t i = 0; i < len; i++)
        s += v[i] * v[i];
    return s;
}

/* One Newton step of image xi (started at x0) whose class probability is p
 * and whose gradient of p is g. */
static void newton_step(const advlab_attack *a, const float *x0, float p, const float *g, float *xi)
{
    size_t in = (size_t)a->in_size;
    float g_norm2 = sum_squares(g, in);
    float theta = a->cfg.eta * sqrtf(sum_squares(x0, in)) * sqrtf(g_norm2);
    float to_chance = p - 1.0f / (float)a->classes;
    if (to_chance < theta)
        theta = to_chance;
    float step = -theta / (g_norm2 < NEWTONFOOL_TOL ? NEWTONFOOL_TOL : g_norm2);
    for (size_t i = 0; i < in; i++)
        xi[i] = advlab__clip01(xi[i] + step * g[i]);
}

advlab_status advlab__attack_newtonfool(advlab_attack *a, const float *x, const int32_t *y, int n,
                                        float *x_adv)
{
    size_t in = (size_t)a->in_size;
    int K = a->classes;
    int32_t *active = a->active; /* the images still predicted as their y */
    int m = advlab__attack_start_unfooled(a, x, n, x_adv);
    for (int it = 0; it < a->cfg.max_iter; it++) {
        const float *z;
        TRY(advlab__attack_forward_unfooled(a, x_adv, y, active, &m, &z));
        if (m == 0)
            break;
        /* grad p_c = J^T dlogits with dlogits_k = p_c (onehot(c)_k - p_k). */
        for (int j = 0; j < m; j++) {
            const float *p = a->probs + (size_t)j * K;
            int c = y[active[j]];
            for (int k = 0; k < K; k++)
                a->dlogits[j * K + k] = p[c] * ((k == c ? 1.0f : 0.0f) - p[k]);
        }
        TRY(advlab__attack_backward(a, a->work, m, a->dlogits, a->grad));
        for (int j = 0; j < m; j++) {
            size_t b = (size_t)active[j];
            newton_step(a, x + b * in, a->probs[(size_t)j * K + y[b]], a->grad + j * in,
                        x_adv + b * in);
        }
    }
    return ADVLAB_OK;
}
