/* The victim as a thief reaches it: only predict and the post-processor,
 * with every answered image counted against the budget. */
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "extract/extract.h"

/* A stream for each noise image, away from the other streams of the seed. */
#define NOISE_STREAM 0x6e6f697365ull

advlab_status advlab__victim_query(advlab__victim *v, const float *x, int n, float *out)
{
    if (v->queries + n > v->budget)
        return advlab__fail(ADVLAB_E_ARG,
                            "extraction: %d more queries would pass the budget of %d (%d asked)", n,
                            v->budget, v->queries);
    TRY(advlab_net_predict(v->net, x, n, out));
    int classes = advlab_net_classes(v->net);
    if (v->post)
        TRY(advlab_postprocess(v->post, out, n, classes, out));
    v->queries += n;
    if (v->post && v->post->kind == ADVLAB_POST_CLASS_LABELS)
        for (int b = 0; b < n; b++) {
            int ones = 0, others = 0;
            for (int k = 0; k < classes; k++) {
                float p = out[(size_t)b * classes + k];
                ones += p == 1.0f;
                others += p != 0.0f && p != 1.0f;
            }
            if (ones != 1 || others)
                return advlab__fail(ADVLAB_E_NUMERIC,
                                    "extraction: the class-label answer to query %d is not one "
                                    "label",
                                    v->queries - n + b);
        }
    return ADVLAB_OK;
}

void advlab__thief_image(const advlab_dataset *thief, uint64_t seed, int row, float *x)
{
    if (thief) {
        int32_t r = row, y;
        advlab_dataset_gather(thief, &r, 1, x, &y);
        return;
    }
    /* Uniform bytes, scaled as dataset pixels are, so every thief set is
     * made of 8-bit images. */
    advlab_rng rng;
    advlab__rng_seed(&rng, seed, NOISE_STREAM + (uint64_t)row);
    for (int j = 0; j < 784; j++)
        x[j] = (float)(advlab__rng_u32(&rng) & 255u) / 255.0f;
}
