/* FAB-T, norm inf (Croce & Hein 2020, "Minimally distorted adversarial
 * examples with a fast adaptive boundary attack"; as AutoAttack runs it).
 * ART has no FAB; this follows the paper and the authors' code, with the
 * departures docs/ATTACKS.md lists.
 *
 * For a target t, each step linearises g(x) = z_t(x) - z_y(x) at the
 * current point x1 and projects both x1 and the clean x0 onto the plane
 * {p : g(x1) + grad g . (p - x1) = 0} within the box [0,1], in the inf
 * norm: d1 and d2. Then x1 = clip((x1 + eta d1)(1 - alpha) + (x0 + eta
 * d2) alpha), alpha = min(max(|d1| / (|d1| + |d2|), 0), alpha_max), which
 * biases the walk towards x0. When x1 fools the model, the smallest such
 * x1 - x0 is kept and x1 moves back to x0 + beta (x1 - x0). An image counts
 * as fooled only if that smallest perturbation is within eps; it then keeps
 * it, else it keeps x. Targets are the 2nd..(n_target_classes+1)th classes
 * by clean logit; each gets one run from x and num_random_init more from
 * random points of the eps-ball, on the images still robust (robust.c). */
#include <math.h>
#include <string.h>

#include "attacks/methods.h"
#include "attacks/robust.h"
#include "base/error.h"
#include "base/mathf.h"

#define FAB_ETA 1.05f      /* the overshoot of each step */
#define FAB_BETA 0.9f      /* the pull back to x0 after a success */
#define FAB_ALPHA_MAX 0.1f /* the largest weight of the step from x0 */
#define NOT_FOUND 1e10f

/* out = the d of least inf norm with w . (p + d) = c and p + d in [0,1]:
 * each pixel moves by the same r in the direction that closes the gap, or
 * by its room to the box's edge (cap) if that is less; r is the smallest
 * with h(r) = sum |w_i| min(r, cap_i) = |c - w . p|. h is increasing and
 * piecewise linear, so r is found by splitting the caps around a pivot, as
 * quickselect does (linear time; a full sort cost FAB half its time): the
 * caps below r are saturated (`below` sums |w_i| cap_i), those above move
 * by r (`above` sums |w_i|). Every step is in a fixed order, so both builds
 * agree. When the box cannot reach the plane, every pixel goes to its edge.
 * scratch: 3 d floats. */
static void project_linf(const float *p, const float *w, float c, int d, float *scratch, float *out)
{
    float *cap = scratch;
    int32_t *idx = (int32_t *)(scratch + d), *tmp = (int32_t *)(scratch + 2 * d);
    float gap = c;
    for (int i = 0; i < d; i++)
        gap -= w[i] * p[i];
    float sign = gap >= 0.0f ? 1.0f : -1.0f, need = fabsf(gap), widest = 0.0f;
    int n = 0;
    for (int i = 0; i < d; i++) {
        float dir = sign * (float)((w[i] > 0.0f) - (w[i] < 0.0f));
        out[i] = dir; /* the direction, until r is known */
        cap[i] = dir > 0.0f ? 1.0f - p[i] : dir < 0.0f ? p[i] : 0.0f;
        widest = cap[i] > widest ? cap[i] : widest;
        if (cap[i] > 0.0f)
            idx[n++] = i;
    }
    float below = 0.0f, above = 0.0f;
    while (n > 0) {
        float pivot = cap[idx[n / 2]], sum_lo = 0.0f, w_eq = 0.0f, w_hi = 0.0f;
        int n_lo = 0, n_hi = 0;
        for (int k = 0; k < n; k++) {
            int i = idx[k];
            float wi = fabsf(w[i]);
            if (cap[i] < pivot)
                tmp[n_lo++] = i, sum_lo += wi * cap[i];
            else if (cap[i] > pivot)
                tmp[d - 1 - n_hi++] = i, w_hi += wi;
            else
                w_eq += wi;
        }
        if (below + sum_lo + pivot * (w_eq + w_hi + above) >= need) {
            above += w_eq + w_hi; /* r <= pivot: these move by r */
            memcpy(idx, tmp, sizeof(int32_t) * n_lo);
            n = n_lo;
        } else {
            below += sum_lo + pivot * w_eq; /* r > pivot: these reach their edge */
            for (int k = 0; k < n_hi; k++)
                idx[k] = tmp[d - 1 - k];
            n = n_hi;
        }
    }
    float r = above > 0.0f ? (need - below) / above : widest;
    for (int i = 0; i < d; i++)
        out[i] *= r < cap[i] ? r : cap[i];
}

static float linf(const float *v, int d)
{
    float m = 0.0f;
    for (int i = 0; i < d; i++)
        m = fabsf(v[i]) > m ? fabsf(v[i]) : m;
    return m;
}

/* One run on the m gathered images: r->row[0] their x0, r->row[1] their
 * start, which becomes the result (x0 where nothing within eps fooled). */
static advlab_status fab_run(advlab_attack *a, advlab__robust *r)
{
    int m = r->m, d = a->in_size, classes = a->classes;
    size_t in = (size_t)d, count = (size_t)m * in;
    const float *x0 = r->row[0];
    float *x1 = r->row[2], *best = r->row[3], *d1 = r->row[4], *d2 = r->row[5], *w = a->grad;
    float *fooled = r->scalar[0], *res = r->scalar[1];
    const float *z;
    memcpy(x1, r->row[1], sizeof(float) * count);
    for (int j = 0; j < m; j++)
        res[j] = NOT_FOUND;
    for (int it = 0; it < a->cfg.max_iter; it++) {
        /* g = z_t - z_y and its gradient, at x1 */
        TRY(advlab__attack_logits(a, x1, m, &z));
        memset(a->dlogits, 0, sizeof(float) * (size_t)m * classes);
        for (int j = 0; j < m; j++) {
            a->dlogits[(size_t)j * classes + r->t[j]] = 1.0f;
            a->dlogits[(size_t)j * classes + r->y[j]] = -1.0f;
            r->scalar[2][j] = z[(size_t)j * classes + r->t[j]] - z[(size_t)j * classes + r->y[j]];
        }
        TRY(advlab__attack_backward(a, x1, m, a->dlogits, w));
        for (int j = 0; j < m; j++) {
            const float *wj = w + j * in, *x0j = x0 + j * in;
            float *x1j = x1 + j * in;
            float plane = -r->scalar[2][j]; /* the plane: wj . p = wj . x1 - g(x1) */
            for (size_t i = 0; i < in; i++)
                plane += wj[i] * x1j[i];
            project_linf(x1j, wj, plane, d, r->projection, d1);
            project_linf(x0j, wj, plane, d, r->projection, d2);
            float a1 = fmaxf(linf(d1, d), 1e-8f), a2 = fmaxf(linf(d2, d), 1e-8f);
            float alpha = fminf(fmaxf(a1 / (a1 + a2), 0.0f), FAB_ALPHA_MAX);
            for (size_t i = 0; i < in; i++)
                x1j[i] = advlab__clip01((x1j[i] + FAB_ETA * d1[i]) * (1.0f - alpha) +
                                        (x0j[i] + FAB_ETA * d2[i]) * alpha);
        }
        TRY(advlab__attack_logits(a, x1, m, &z));
        for (int j = 0; j < m; j++) {
            if (advlab__argmax(z + (size_t)j * classes, classes) == r->y[j])
                continue;
            float *x1j = x1 + j * in;
            const float *x0j = x0 + j * in;
            for (size_t i = 0; i < in; i++)
                d1[i] = x1j[i] - x0j[i];
            float t = linf(d1, d);
            if (t < res[j]) {
                res[j] = t;
                memcpy(best + j * in, x1j, sizeof(float) * in);
            }
            for (size_t i = 0; i < in; i++)
                x1j[i] = x0j[i] + d1[i] * FAB_BETA;
        }
    }
    for (int j = 0; j < m; j++) {
        fooled[j] = res[j] <= a->cfg.eps;
        memcpy(r->row[1] + j * in, (fooled[j] ? best : x0) + j * in, sizeof(float) * in);
    }
    return ADVLAB_OK;
}

advlab_status advlab__attack_fab(advlab_attack *a, const float *x, const int32_t *y, int n,
                                 float *x_adv)
{
    advlab__robust r;
    memcpy(x_adv, x, sizeof(float) * (size_t)n * a->in_size);
    TRY(advlab__robust_start(a, &r, x, y, n));
    int runs = 1 + a->cfg.num_random_init;
    for (int t = 0; t < a->cfg.n_target_classes; t++)
        for (int s = 0; s < runs && r.m > 0; s++) {
            advlab__robust_gather(a, &r, x, y, s > 0, t * runs + s, t + 1);
            TRY(fab_run(a, &r));
            advlab__robust_scatter(a, &r, x_adv);
        }
    return ADVLAB_OK;
}
