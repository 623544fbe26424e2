/* label_only's distance to the decision boundary. ART runs HopSkipJump;
 * we run its first stage only, from labels alone: seeded uniform images
 * that the net labels otherwise, and a bisection towards each from x. */
#include <math.h>
#include <string.h>

#include "base/rng.h"
#include "infer/infer.h"
#include "nn/net.h"

/* The net's labels for n images; probs receives (n, classes). */
static void labels(advlab_net *net, const float *x, int n, float *probs, int *out)
{
    int classes = advlab_net_classes(net);
    advlab_net_predict(net, x, n, probs);
    for (int i = 0; i < n; i++)
        out[i] = advlab__argmax(probs + (size_t)i * classes, classes);
}

double advlab__boundary_distance(advlab_net *net, const float *x, int y, int starts, int steps,
                                 uint64_t seed, uint64_t stream, float *work, float *probs)
{
    enum { MAX_STARTS = 64 };
    int got[MAX_STARTS];
    float *u = work, *z = work + (size_t)starts * 784;
    advlab_rng rng;
    advlab__rng_seed(&rng, seed, stream);
    for (size_t j = 0; j < (size_t)starts * 784; j++)
        u[j] = advlab__rng_uniform(&rng);
    labels(net, u, starts, probs, got);
    double nearest = INFINITY, farthest = 0.0;
    for (int s = 0; s < starts; s++) {
        const float *us = u + (size_t)s * 784;
        double length = 0.0;
        for (int j = 0; j < 784; j++)
            length += (double)(us[j] - x[j]) * (us[j] - x[j]);
        length = sqrt(length);
        farthest = fmax(farthest, length);
        if (got[s] == y)
            continue;
        /* x + hi (u - x) is labelled otherwise, x + lo (u - x) is not. */
        float lo = 0.0f, hi = 1.0f;
        for (int k = 0; k < steps; k++) {
            float mid = 0.5f * (lo + hi);
            for (int j = 0; j < 784; j++)
                z[j] = x[j] + mid * (us[j] - x[j]);
            int label;
            labels(net, z, 1, probs, &label);
            if (label != y)
                hi = mid;
            else
                lo = mid;
        }
        nearest = fmin(nearest, hi * length);
    }
    return isfinite(nearest) ? nearest : farthest;
}
