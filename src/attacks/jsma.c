/* The Jacobian-based saliency map attack (Papernot et al. 2016) as ART's
 * SaliencyMapMethod computes it, for theta > 0 (raising pixels). Each step,
 * for each image not yet at its target t:
 *   - the gradient of the target's logit z_t with respect to the image;
 *   - the two pixels of the search space with the largest such gradient
 *     (ART's "saliency map": the top two of d z_t / dx, not the paper's
 *     pair score; ties go to the lower index);
 *   - both rise by theta, clipped at 1; a pixel at 1 leaves the search space
 *     (it starts there only if it is below 1).
 * An image stops at its target, when its search space is empty, or when
 * the step would change more than gamma of its pixels in all (ART checks
 * after the step, so it may overrun gamma by two pixels; we never do).
 * Targeted runs aim at y; otherwise each image's target is drawn uniformly
 * from the classes other than its label (given, or the model's answer, as
 * ART's random_targets), from its own stream under the run's key, so the
 * draw does not depend on the chunking. docs/ATTACKS.md lists the
 * departures. */
#include <math.h>
#include <string.h>

#include "attacks/attack.h"
#include "attacks/methods.h"
#include "base/error.h"
#include "base/mathf.h"
#include "base/rng.h"

/* Each pixel's state in the byte map (a->work2, viewed as bytes). */
enum { PIXEL_USED = 1, PIXEL_OUT = 2 }; /* changed at least once; out of the search space */

/* The targets: y when targeted, else a uniform class other than y[i]. */
static void choose_targets(advlab_attack *a, const int32_t *y, int n, int32_t *targets)
{
    for (int i = 0; i < n; i++) {
        if (a->cfg.targeted) {
            targets[i] = y[i];
            continue;
        }
        advlab_rng rng;
        advlab__rng_seed(&rng, a->run_key, (uint64_t)(a->chunk_start + i));
        int32_t t = (int32_t)advlab__rng_below(&rng, (uint32_t)(a->classes - 1));
        targets[i] = t >= y[i] ? t + 1 : t;
    }
}

/* The two pixels of the search space with the largest gradient, first the
 * larger; -1 where the space has fewer. */
static void top_two(const float *grad, const uint8_t *state, size_t in, int *first, int *second)
{
    int p0 = -1, p1 = -1;
    for (size_t p = 0; p < in; p++) {
        if (state[p] & PIXEL_OUT)
            continue;
        if (p0 < 0 || grad[p] > grad[p0])
            p1 = p0, p0 = (int)p;
        else if (p1 < 0 || grad[p] > grad[p1])
            p1 = (int)p;
    }
    *first = p0, *second = p1;
}

/* One step on image i: raises its pair by theta; returns 0 when the image
 * stops instead (no pixel left, or the pair would overrun the budget). */
static int step(const advlab_attack *a, const float *grad, int budget, uint8_t *state,
                int32_t *used, float *x_adv)
{
    int pair[2];
    top_two(grad, state, (size_t)a->in_size, &pair[0], &pair[1]);
    if (pair[0] < 0)
        return 0;
    int fresh = 0;
    for (int k = 0; k < 2; k++)
        fresh += pair[k] >= 0 && !(state[pair[k]] & PIXEL_USED);
    if (*used + fresh > budget)
        return 0;
    *used += fresh;
    for (int k = 0; k < 2 && pair[k] >= 0; k++) {
        int p = pair[k];
        float raised = x_adv[p] + a->cfg.theta;
        raised = raised > 1.0f ? 1.0f : raised;
        /* at 1, or a theta too small to move it: out of the search space */
        state[p] |= PIXEL_USED | (raised >= 1.0f || raised == x_adv[p] ? PIXEL_OUT : 0);
        x_adv[p] = raised;
    }
    return 1;
}

advlab_status advlab__attack_jsma(advlab_attack *a, const float *x, const int32_t *y, int n,
                                  float *x_adv)
{
    size_t in = (size_t)a->in_size;
    int K = a->classes, m = n;
    /* a->class_grads holds the targets and the pixels each image has changed */
    int32_t *targets = (int32_t *)a->class_grads, *used = targets + a->max_batch;
    int32_t *active = a->active;
    uint8_t *state = (uint8_t *)a->work2; /* (n, in) bytes of the n * in floats */
    /* floor(gamma * in), in double so both builds round alike */
    int budget = (int)floor((double)a->cfg.gamma * (double)in);
    memcpy(x_adv, x, sizeof(float) * n * in);
    choose_targets(a, y, n, targets);
    for (int i = 0; i < n; i++) {
        active[i] = i, used[i] = 0;
        for (size_t p = 0; p < in; p++)
            state[i * in + p] = x[i * in + p] < 1.0f ? 0 : PIXEL_OUT;
    }
    while (m > 0) {
        for (int j = 0; j < m; j++)
            memcpy(a->work + j * in, x_adv + active[j] * in, sizeof(float) * in);
        const float *z;
        TRY(advlab__attack_logits(a, a->work, m, &z));
        /* d z_t / dx; an image at its target gets a zero row and stops */
        memset(a->dlogits, 0, sizeof(float) * (size_t)m * K);
        int at_target = 0;
        for (int j = 0; j < m; j++) {
            int t = targets[active[j]];
            if (advlab__argmax(z + (size_t)j * K, K) == t)
                at_target++;
            else
                a->dlogits[j * K + t] = 1.0f;
        }
        if (at_target == m)
            break;
        TRY(advlab__attack_backward(a, a->work, m, a->dlogits, a->grad));
        int kept = 0;
        for (int j = 0; j < m; j++) {
            int i = active[j];
            if (a->dlogits[j * K + targets[i]] == 0.0f)
                continue;
            if (step(a, a->grad + j * in, budget, state + i * in, &used[i], x_adv + i * in))
                active[kept++] = i;
        }
        m = kept;
    }
    return ADVLAB_OK;
}
