/* Randomized smoothing (Cohen et al. 2019), with ART's RandomizedSmoothing
 * semantics. The smoothed classifier answers the class the net gives most
 * often under Gaussian noise N(0, sigma^2 I) added to x (no clipping, as ART
 * and the paper).
 *   PREDICT: the top two counts nA, nB of n noisy votes; abstain unless the
 *            two-sided binomial test of nA in nA + nB at 1/2 has p <= alpha.
 *   CERTIFY: n0 votes choose cA; n fresh votes count nA for it; pA is the
 *            one-sided Clopper-Pearson lower bound at 1 - alpha; abstain if
 *            pA < 1/2, else the L2 radius is sigma * Phi^-1(pA).
 * The noise comes from the certifier's RNG, which each run restarts from the
 * seed; an image draws PREDICT's n images, then CERTIFY's n0, then its n. */
#include <math.h>
#include <string.h>

#include "base/mathf.h"
#include "certify/certify.h"
#include "certify/stats.h"

/* A standard normal by Marsaglia's polar method (as the noise
 * pre-processor): two per accepted pair, the second kept for the next call. */
static float next_normal(advlab_certifier *c)
{
    if (c->has_spare) {
        c->has_spare = 0;
        return c->spare;
    }
    float u, v, s;
    do {
        u = 2.0f * advlab__rng_uniform(&c->rng) - 1.0f;
        v = 2.0f * advlab__rng_uniform(&c->rng) - 1.0f;
        s = u * u + v * v;
    } while (s >= 1.0f || s == 0.0f);
    float f = sqrtf(-2.0f * advlab__logf(s) / s);
    c->spare = v * f;
    c->has_spare = 1;
    return u * f;
}

/* counts[0..classes) = the net's votes over `samples` noisy copies of x. */
static void vote(advlab_certifier *c, const float *x, int samples)
{
    advlab_net *net = c->net;
    int in = net->in_size, K = net->classes;
    int batch = c->cfg.batch < net->max_batch ? c->cfg.batch : net->max_batch;
    memset(c->counts, 0, sizeof(int32_t) * K);
    for (int done = 0; done < samples; done += batch) {
        int m = samples - done < batch ? samples - done : batch;
        for (int b = 0; b < m; b++)
            for (int i = 0; i < in; i++)
                c->noisy[(size_t)b * in + i] = x[i] + c->cfg.sigma * next_normal(c);
        const float *z = advlab__net_logits(net, c->noisy, m);
        for (int b = 0; b < m; b++)
            c->counts[advlab__argmax(z + (size_t)b * K, K)]++;
    }
}

/* The most voted class (the first on ties) and, when second is not NULL,
 * the runner-up. */
static int top_class(const int32_t *counts, int K, int *second)
{
    int a = 0;
    for (int k = 1; k < K; k++)
        if (counts[k] > counts[a])
            a = k;
    if (second) {
        int b = a == 0 ? 1 : 0;
        for (int k = 0; k < K; k++)
            if (k != a && counts[k] > counts[b])
                b = k;
        *second = b;
    }
    return a;
}

void advlab__smoothing_run(advlab_certifier *c, const float *x, int *predicted,
                           int *certified_class, double *p_lower, double *radius)
{
    const advlab_certify_config *cfg = &c->cfg;
    int K = c->net->classes, b;
    vote(c, x, cfg->n);
    int a = top_class(c->counts, K, &b);
    *predicted =
        advlab__binom_test_half(c->counts[a], c->counts[a] + c->counts[b]) > cfg->alpha ? -1 : a;

    vote(c, x, cfg->n0);
    int chosen = top_class(c->counts, K, NULL);
    vote(c, x, cfg->n);
    *p_lower = advlab__clopper_pearson_lower(c->counts[chosen], cfg->n, cfg->alpha);
    if (*p_lower < 0.5) {
        *certified_class = -1;
        *radius = 0.0;
    } else {
        *certified_class = chosen;
        *radius = cfg->sigma * advlab__normal_quantile(*p_lower);
    }
}
