/* The steps FGSM (fgsm.c) and BIM/PGD (pgd.c) share: the step direction
 * (the loss gradient's sign, or the gradient scaled to unit L1/L2 norm), a
 * step clipped to [0,1], the projection back onto the eps-ball around the
 * clean image, and random restarts. Every operation is per image in a fixed
 * order, so results do not depend on how a request is chunked. */
#include "attacks/gradient.h"

#include <math.h>
#include <string.h>

#include "base/error.h"
#include "base/mathf.h"

/* ART's tol: keeps the normalisations finite at a zero gradient. */
#define TOL 1e-7f

static int is_linf(const advlab_attack_config *c) { return c->norm != 1.0f && c->norm != 2.0f; }

void advlab__attack_direction(const advlab_attack_config *c, int n, int d, float *g)
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

advlab_status advlab__attack_step(advlab_attack *a, const float *from, const int32_t *y, int n,
                                  float step, float *out)
{
    size_t count = (size_t)n * a->in_size;
    TRY(advlab__attack_loss_grad(a, from, y, n, a->grad));
    advlab__attack_direction(&a->cfg, n, a->in_size, a->grad);
    for (size_t i = 0; i < count; i++)
        out[i] = advlab__clip01(from[i] + step * a->grad[i]);
    return ADVLAB_OK;
}

void advlab__attack_project(const advlab_attack *a, const float *x, int n, float *xa)
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

/* ------------------------------------------------------ random restarts */

/* Random starts that depend neither on chunking nor on how many restarts
 * came before: image b of the chunk takes one 64-bit key from the attack's
 * stream (two draws, `keys` replays them), and its restart r draws from PCG
 * stream (key, r). a->rng stands in for that stream while the helper draws. */
void advlab__attack_keyed_start(advlab_attack *a, uint64_t key, int restart, const float *x,
                                float *out)
{
    advlab_rng stream = a->rng;
    advlab__rng_seed(&a->rng, key, (uint64_t)restart);
    advlab__attack_random_start(a, x, 1, out);
    a->rng = stream;
}

static void keyed_random_start(advlab_attack *a, advlab_rng keys, int restart, const float *x,
                               int n, float *out)
{
    size_t d = (size_t)a->in_size;
    for (int b = 0; b < n; b++) {
        uint64_t key = (uint64_t)advlab__rng_u32(&keys) << 32;
        key |= advlab__rng_u32(&keys);
        advlab__attack_keyed_start(a, key, restart, x + b * d, out + b * d);
    }
}

advlab_status advlab__attack_best_of_restarts(advlab_attack *a, const float *x, const int32_t *y,
                                              int n, float *x_adv,
                                              advlab__attack_attempt_fn attempt)
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
            if (done[b] || !(last || advlab__attack_succeeded(a, a->pred[b], y[b])))
                continue;
            memcpy(x_adv + b * d, xa + b * d, sizeof(float) * d);
            done[b] = 1.0f;
            remaining--;
        }
    }
    return ADVLAB_OK;
}
