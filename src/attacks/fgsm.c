/* FGSM, BIM and PGD (ART's FastGradientMethod, BasicIterativeMethod and
 * ProjectedGradientDescent): steps along the loss gradient's sign, or along
 * the gradient scaled to unit L1/L2 norm, clipped to [0,1] and projected back
 * onto the eps-ball around the clean image. Every operation is per image in a
 * fixed order, so results do not depend on how a request is chunked. */
#include <math.h>
#include <string.h>

#include "attacks/attack.h"
#include "base/mathf.h"
#include "base/error.h"

/* ART's tol: keeps the normalisations finite at a zero gradient. */
#define TOL 1e-7f

static int is_linf(const advlab_attack_config *c) { return c->norm != 1.0f && c->norm != 2.0f; }

/* Turns the loss gradient g (n, d) into the step direction in place: -g when
 * targeted (descend towards the target), then sign(g) with sign(0) = 0 for
 * inf, g / (|g|_1 + tol) or g / (|g|_2 + tol). NaN entries count as 0 (ART). */
static void direction(const advlab_attack_config *c, int n, int d, float *g)
{
    float s = c->targeted ? -1.0f : 1.0f;
    for (int b = 0; b < n; b++) {
        float *gb = g + (size_t)b * d;
        for (int i = 0; i < d; i++)
            gb[i] = isnan(gb[i]) ? 0.0f : s * gb[i];
        if (is_linf(c)) {
            for (int i = 0; i < d; i++)
                gb[i] = (float)((gb[i] > 0.0f) - (gb[i] < 0.0f));
            continue;
        }
        float norm = 0.0f;
        for (int i = 0; i < d; i++)
            norm += c->norm == 1.0f ? fabsf(gb[i]) : gb[i] * gb[i];
        if (c->norm == 2.0f)
            norm = sqrtf(norm);
        for (int i = 0; i < d; i++)
            gb[i] /= norm + TOL;
    }
}

/* out = clip(from + step * direction(grad at from), 0, 1); out may be from. */
static advlab_status gradient_step(advlab_attack *a, const float *from, const int32_t *y, int n, float step,
                                   float *out)
{
    size_t count = (size_t)n * a->in_size;
    TRY(advlab__attack_loss_grad(a, from, y, n, a->grad));
    direction(&a->cfg, n, a->in_size, a->grad);
    for (size_t i = 0; i < count; i++)
        out[i] = advlab__clip01(from[i] + step * a->grad[i]);
    return ADVLAB_OK;
}

/* Pulls each xa back into the eps-ball around x (ART's projection): inf
 * clamps every pixel to [x - eps, x + eps]; 1 and 2 scale xa - x by
 * min(1, eps / (|xa - x| + tol)). The scaled image is a convex combination of
 * two images in [0,1]; the clip only absorbs rounding. */
static void project(const advlab_attack *a, const float *x, int n, float *xa)
{
    int d = a->in_size;
    float eps = a->cfg.eps;
    for (int b = 0; b < n; b++) {
        const float *xb = x + (size_t)b * d;
        float *ob = xa + (size_t)b * d;
        if (is_linf(&a->cfg)) {
            for (int i = 0; i < d; i++) {
                float lo = xb[i] - eps, hi = xb[i] + eps;
                ob[i] = ob[i] < lo ? lo : ob[i] > hi ? hi : ob[i];
            }
            continue;
        }
        float norm = 0.0f;
        for (int i = 0; i < d; i++) {
            float diff = ob[i] - xb[i];
            norm += a->cfg.norm == 1.0f ? fabsf(diff) : diff * diff;
        }
        if (a->cfg.norm == 2.0f)
            norm = sqrtf(norm);
        float scale = eps / (norm + TOL);
        if (scale < 1.0f)
            for (int i = 0; i < d; i++)
                ob[i] = advlab__clip01(xb[i] + scale * (ob[i] - xb[i]));
    }
}

static int succeeded(const advlab_attack *a, int32_t pred, int32_t y)
{
    return a->cfg.targeted ? pred == y : pred != y;
}

/* ------------------------------------------------------ random restarts */

/* Random starts that depend neither on chunking nor on how many restarts
 * came before: image b of the chunk takes one 64-bit key from the attack's
 * stream (two draws, `keys` replays them), and its restart r draws from PCG
 * stream (key, r). a->rng stands in for that stream while the helper draws. */
static void keyed_random_start(advlab_attack *a, advlab_rng keys, int restart, const float *x, int n, float *out)
{
    advlab_rng stream = a->rng;
    size_t d = (size_t)a->in_size;
    for (int b = 0; b < n; b++) {
        uint64_t key = (uint64_t)advlab__rng_u32(&keys) << 32;
        key |= advlab__rng_u32(&keys);
        advlab__rng_seed(&a->rng, key, (uint64_t)restart);
        advlab__attack_random_start(a, x + b * d, 1, out + b * d);
    }
    a->rng = stream;
}

/* One attempt from the random start already in xa: FGSM's single step or
 * PGD's iterations, ending inside the eps-ball around x. */
typedef advlab_status (*attempt_fn)(advlab_attack *a, const float *x, const int32_t *y, int n, float *xa);

/* Runs up to num_random_init attempts and keeps, per image, the first that
 * succeeds, else the last. a->work holds the attempt, a->work2 one "done"
 * flag per image. */
static advlab_status best_of_restarts(advlab_attack *a, const float *x, const int32_t *y, int n, float *x_adv,
                                      attempt_fn attempt)
{
    size_t d = (size_t)a->in_size;
    float *xa = a->work, *done = a->work2;
    advlab_rng keys = a->rng;
    for (int i = 0; i < 2 * n; i++)
        advlab__rng_u32(&a->rng);
    memset(done, 0, sizeof(float) * (size_t)n);
    int remaining = n, restarts = a->cfg.num_random_init;
    for (int r = 0; r < restarts && remaining > 0; r++) {
        int last = r == restarts - 1;
        keyed_random_start(a, keys, r, x, n, xa);
        TRY(attempt(a, x, y, n, xa));
        if (!last)
            TRY(advlab__attack_predict(a, xa, n, a->pred));
        for (int b = 0; b < n; b++) {
            if (done[b] || !(last || succeeded(a, a->pred[b], y[b])))
                continue;
            memcpy(x_adv + b * d, xa + b * d, sizeof(float) * d);
            done[b] = 1.0f;
            remaining--;
        }
    }
    return ADVLAB_OK;
}

/* --------------------------------------------------------------- FGSM */

static advlab_status fgsm_attempt(advlab_attack *a, const float *x, const int32_t *y, int n, float *xa)
{
    TRY(gradient_step(a, xa, y, n, a->cfg.eps, xa));
    project(a, x, n, xa);
    return ADVLAB_OK;
}

/* ART's minimal FGSM: one gradient at x, then for k = 1, 2, ... while
 * k*eps_step <= eps, images not yet fooled get x + k*eps_step*dir. eps
 * itself is reached within a relative 1e-6 (ART's float64 running sum can
 * miss it); images never fooled keep the largest step tried. */
static advlab_status minimal_fgsm(advlab_attack *a, const float *x, const int32_t *y, int n, float *x_adv)
{
    size_t d = (size_t)a->in_size;
    float eps = a->cfg.eps, eps_step = a->cfg.eps_step, *dir = a->grad, *active = a->work2;
    TRY(advlab__attack_loss_grad(a, x, y, n, dir));
    direction(&a->cfg, n, (int)d, dir);
    for (int b = 0; b < n; b++)
        active[b] = 1.0f;
    int remaining = n;
    for (int k = 1; remaining > 0 && (double)k * eps_step <= (double)eps * (1.0 + 1e-6); k++) {
        float e = (float)k * eps_step;
        e = e < eps ? e : eps;
        for (int b = 0; b < n; b++)
            if (active[b])
                for (size_t i = b * d; i < (b + 1) * d; i++)
                    x_adv[i] = advlab__clip01(x[i] + e * dir[i]);
        TRY(advlab__attack_predict(a, x_adv, n, a->pred));
        for (int b = 0; b < n; b++)
            if (active[b] && succeeded(a, a->pred[b], y[b])) {
                active[b] = 0.0f;
                remaining--;
            }
    }
    return ADVLAB_OK;
}

advlab_status advlab__attack_fgsm(advlab_attack *a, const float *x, const int32_t *y, int n, float *x_adv)
{
    if (a->cfg.minimal)
        return minimal_fgsm(a, x, y, n, x_adv);
    if (a->cfg.num_random_init > 0)
        return best_of_restarts(a, x, y, n, x_adv, fgsm_attempt);
    return gradient_step(a, x, y, n, a->cfg.eps, x_adv);
}

/* ----------------------------------------------------------- BIM, PGD */

/* max_iter times: xa = project(clip(xa + eps_step * dir(xa), 0, 1)). ART's
 * PGD does not stop early at success, and neither does this. */
static advlab_status pgd_attempt(advlab_attack *a, const float *x, const int32_t *y, int n, float *xa)
{
    for (int it = 0; it < a->cfg.max_iter; it++) {
        TRY(gradient_step(a, xa, y, n, a->cfg.eps_step, xa));
        project(a, x, n, xa);
    }
    return ADVLAB_OK;
}

advlab_status advlab__attack_pgd(advlab_attack *a, const float *x, const int32_t *y, int n, float *x_adv)
{
    if (a->cfg.num_random_init > 0)
        return best_of_restarts(a, x, y, n, x_adv, pgd_attempt);
    memcpy(x_adv, x, sizeof(float) * (size_t)n * a->in_size);
    return pgd_attempt(a, x, y, n, x_adv);
}
