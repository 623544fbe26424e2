/* HopSkipJump (Chen et al. 2020), ART's HopSkipJump, decision-based: it
 * sees only each query's predicted class. With d = in_size and
 * theta = 0.01/sqrt(d) (L2) or 0.01/d (L-inf):
 * - start: uniform random images until one is adversarial (init_size
 *   tries), then an L2 binary search towards x to a threshold of 0.001;
 * - each iteration t: delta = 0.1 at t = 0, else sqrt(d)*theta*dist (L2)
 *   or d*theta*dist (L-inf), dist taken before the search; a binary
 *   search to the boundary (L2: on the segment to x; L-inf: on the box
 *   radius around x) to threshold theta; a gradient estimate from
 *   num_eval = min(init_eval*sqrt(t+1), max_eval) unit random directions u,
 *   f = +1 where clip(x_b + delta*u) is adversarial, else -1,
 *   g = mean((f - mean f) * u') with u' = (clip(x_b + delta*u) - x_b)/delta
 *   (mean(+-u') when f is constant); the update v = g/||g|| (L2) or
 *   sign(g) (L-inf); then the step eps = 2*dist/sqrt(t+1), halved before
 *   each try until x_b + eps*v is adversarial.
 * Each image stops at max_iter iterations or at its query budget, on the
 * last adversarial point it found. */
#include <math.h>
#include <string.h>

#include "attacks/blackbox.h"
#include "attacks/methods.h"
#include "base/error.h"
#include "base/mathf.h"

enum { HSJ_DRAW, HSJ_INIT_SEARCH, HSJ_SEARCH, HSJ_ESTIMATE, HSJ_JUMP };

static float theta(const advlab_attack *a)
{
    float d = (float)a->in_size;
    return a->cfg.norm == 2.0f ? 0.01f / sqrtf(d) : 0.01f / d;
}

/* ||x - x_adv|| in the attack's norm (l2: forced to L2). */
static float distance(const advlab_attack *a, const float *x, const float *x_adv, int l2)
{
    float s = 0.0f;
    for (int i = 0; i < a->in_size; i++) {
        float v = fabsf(x[i] - x_adv[i]);
        s = l2 ? s + v * v : (v > s ? v : s);
    }
    return l2 ? sqrtf(s) : s;
}

/* ART's _interpolate: L2, the point alpha of the way from x to x_adv;
 * L-inf, x_adv clipped to the box of radius alpha around x. */
static void interpolate(const advlab_attack *a, const float *x, const float *x_adv, float alpha,
                        int l2, float *out)
{
    for (int i = 0; i < a->in_size; i++) {
        if (l2) {
            out[i] = (1.0f - alpha) * x[i] + alpha * x_adv[i];
        } else {
            float v = x_adv[i] > x[i] - alpha ? x_adv[i] : x[i] - alpha;
            out[i] = v < x[i] + alpha ? v : x[i] + alpha;
        }
    }
}

/* A binary search between x (lo) and x_adv (hi, adversarial) to tol. */
static void begin_search(advlab_attack *a, advlab__bb_image *im, const float *x, const float *x_adv,
                         int l2, float tol)
{
    im->lo = 0.0f;
    im->hi = l2 ? 1.0f : distance(a, x, x_adv, 0);
    im->tol = l2 ? tol : fminf(im->hi * tol, tol);
}

/* The point jumped to: clip(x_b + eps * v), v in a->grad's row. */
static void jump_point(const advlab_attack *a, int j, const float *x_b, float step, float *out)
{
    const float *v = a->grad + (size_t)j * a->in_size;
    for (int i = 0; i < a->in_size; i++)
        out[i] = advlab__clip01(x_b[i] + step * v[i]);
}

/* From the sums that take gathered (a->grad: sum f*u', a->pre_grad:
 * sum u', hits: count of f = +1, trial: num_eval), the update v into
 * a->grad's row. Returns 0 when v is zero (nothing to step along). */
static int update_direction(advlab_attack *a, int j)
{
    advlab__bb_image *im = &a->img[j];
    size_t d = (size_t)a->in_size;
    float *g = a->grad + j * d;
    const float *su = a->pre_grad + j * d;
    int n = im->trial;
    float mean_f = (float)(2 * im->hits - n) / (float)n;
    for (size_t i = 0; i < d; i++) {
        if (im->hits == n)
            g[i] = su[i] / (float)n;
        else if (im->hits == 0)
            g[i] = -su[i] / (float)n;
        else
            g[i] = (g[i] - mean_f * su[i]) / (float)n;
    }
    float ss = 0.0f;
    for (size_t i = 0; i < d; i++)
        ss += g[i] * g[i];
    if (!(ss > 0.0f))
        return 0;
    float inv = 1.0f / sqrtf(ss);
    for (size_t i = 0; i < d; i++)
        g[i] = a->cfg.norm == 2.0f ? g[i] * inv : (float)((g[i] > 0.0f) - (g[i] < 0.0f));
    return 1;
}

/* Queues num_eval points clip(x_b + delta*u), u a unit random direction
 * (normal for L2, uniform in [-1,1]^d for L-inf, then normalised). */
static advlab_status queue_estimate(advlab__bb_run *r, int j)
{
    advlab_attack *a = r->a;
    advlab__bb_image *im = &a->img[j];
    size_t d = (size_t)a->in_size;
    const float *x_b = r->x_adv + j * d;
    int n = (int)(a->cfg.init_eval * sqrt((double)im->iter + 1.0));
    n = n < a->cfg.max_eval ? n : a->cfg.max_eval;
    n = n < advlab__bb_left(im) ? n : advlab__bb_left(im);
    memset(a->grad + j * d, 0, sizeof(float) * d);
    memset(a->pre_grad + j * d, 0, sizeof(float) * d);
    im->hits = 0, im->trial = n;
    for (int e = 0; e < n; e++) {
        float *row;
        TRY(advlab__bb_add(r, j, &row));
        for (size_t i = 0; i < d; i += 2) {
            float z0, z1;
            if (a->cfg.norm == 2.0f) {
                advlab__attack_normal_pair(&im->rng, &z0, &z1);
            } else {
                z0 = 2.0f * advlab__rng_uniform(&im->rng) - 1.0f;
                z1 = 2.0f * advlab__rng_uniform(&im->rng) - 1.0f;
            }
            row[i] = z0;
            if (i + 1 < d)
                row[i + 1] = z1;
        }
        float ss = 0.0f;
        for (size_t i = 0; i < d; i++)
            ss += row[i] * row[i];
        float f = ss > 0.0f ? im->step / sqrtf(ss) : 0.0f;
        for (size_t i = 0; i < d; i++)
            row[i] = advlab__clip01(x_b[i] + f * row[i]);
    }
    return ADVLAB_OK;
}

/* Starts iteration iter: delta from the distance before the search, then
 * the search. Returns 0 when max_iter iterations are done. */
static int begin_iteration(advlab__bb_run *r, int j)
{
    advlab_attack *a = r->a;
    advlab__bb_image *im = &a->img[j];
    if (im->iter == a->cfg.max_iter)
        return 0;
    size_t d = (size_t)a->in_size;
    const float *x = r->x + j * d, *x_adv = r->x_adv + j * d;
    int l2 = a->cfg.norm == 2.0f;
    float dist = distance(a, x, x_adv, l2);
    im->step = im->iter == 0 ? 0.1f : (l2 ? sqrtf((float)d) : (float)d) * theta(a) * dist;
    begin_search(a, im, x, x_adv, l2, theta(a));
    im->phase = HSJ_SEARCH;
    return 1;
}

static void hsj_start(advlab__bb_run *r, int j, const float *z)
{
    (void)z;
    advlab__bb_image *im = &r->a->img[j];
    im->phase = HSJ_DRAW, im->iter = 0, im->hits = 0;
}

static advlab_status hsj_step(advlab__bb_run *r, int j)
{
    advlab_attack *a = r->a;
    advlab__bb_image *im = &a->img[j];
    size_t d = (size_t)a->in_size;
    const float *x = r->x + j * d;
    float *x_adv = r->x_adv + j * d, *row;
    int l2 = a->cfg.norm == 2.0f;
    for (;;) {
        switch (im->phase) {
        case HSJ_DRAW:
            if (im->hits) { /* a random start is adversarial: search towards x in L2 */
                begin_search(a, im, x, x_adv, 1, 0.001f);
                im->phase = HSJ_INIT_SEARCH;
                continue;
            }
            if (im->iter == a->cfg.init_size || advlab__bb_left(im) == 0)
                return ADVLAB_OK; /* no start found: x_adv stays x, as in ART */
            TRY(advlab__bb_add(r, j, &row));
            for (size_t i = 0; i < d; i++)
                row[i] = advlab__rng_uniform(&im->rng);
            im->iter++;
            return ADVLAB_OK;
        case HSJ_INIT_SEARCH:
        case HSJ_SEARCH: {
            int search_l2 = l2 || im->phase == HSJ_INIT_SEARCH;
            if (im->hi - im->lo > im->tol && advlab__bb_left(im) > 0) {
                TRY(advlab__bb_add(r, j, &row));
                interpolate(a, x, x_adv, 0.5f * (im->lo + im->hi), search_l2, row);
                return ADVLAB_OK;
            }
            interpolate(a, x, x_adv, im->hi, search_l2, x_adv); /* the adversarial end */
            if (im->phase == HSJ_INIT_SEARCH) {
                im->iter = 0;
                if (!begin_iteration(r, j))
                    return ADVLAB_OK;
                continue;
            }
            im->phase = HSJ_ESTIMATE;
            return queue_estimate(r, j);
        }
        case HSJ_ESTIMATE:
            if (!update_direction(a, j))
                return ADVLAB_OK;
            im->step2 = 2.0f * distance(a, x, x_adv, l2) / sqrtf((float)im->iter + 1.0f);
            im->phase = HSJ_JUMP, im->hits = 0;
            continue;
        case HSJ_JUMP:
            if (im->hits) {
                jump_point(a, j, x_adv, im->step2, x_adv);
                im->iter++;
                if (!begin_iteration(r, j))
                    return ADVLAB_OK;
                continue;
            }
            if (advlab__bb_left(im) == 0)
                return ADVLAB_OK;
            im->step2 *= 0.5f;
            TRY(advlab__bb_add(r, j, &row));
            jump_point(a, j, x_adv, im->step2, row);
            return ADVLAB_OK;
        }
    }
}

static void hsj_take(advlab__bb_run *r, int j, const float *row, const float *z)
{
    advlab_attack *a = r->a;
    advlab__bb_image *im = &a->img[j];
    size_t d = (size_t)a->in_size;
    int adversarial = advlab__bb_adversarial(r, j, z);
    switch (im->phase) {
    case HSJ_DRAW:
        if (adversarial)
            memcpy(r->x_adv + j * d, row, sizeof(float) * d), im->hits = 1;
        break;
    case HSJ_INIT_SEARCH:
    case HSJ_SEARCH: {
        float mid = 0.5f * (im->lo + im->hi);
        if (adversarial)
            im->hi = mid;
        else
            im->lo = mid;
        break;
    }
    case HSJ_ESTIMATE: {
        const float *x_b = r->x_adv + j * d;
        float *fu = a->grad + j * d, *su = a->pre_grad + j * d;
        for (size_t i = 0; i < d; i++) {
            float u = (row[i] - x_b[i]) / im->step;
            fu[i] += adversarial ? u : -u;
            su[i] += u;
        }
        im->hits += adversarial;
        break;
    }
    case HSJ_JUMP: im->hits = adversarial; break;
    }
}

static const advlab__bb_method hopskipjump = {hsj_start, hsj_step, hsj_take};

advlab_status advlab__attack_hopskipjump(advlab_attack *a, const float *x, const int32_t *y, int n,
                                         float *x_adv)
{
    return advlab__blackbox_run(a, x, y, n, x_adv, a->cfg.max_queries, &hopskipjump);
}
