/* ART's use_probability=True: the thief learns the victim's answers
 * themselves, by categorical cross-entropy against them,
 *   loss = -(1/m) sum_b sum_k t_bk log p_bk,  dloss/dz_bk = (p_bk - t_bk) / m,
 * so a post-processor that perturbs the probabilities (reverse sigmoid)
 * reaches the thief. A trainer batch hook whose step replaces the ordinary
 * one; the targets are the kept answers of the rows the batch holds. */
#include <stdio.h>

#include "base/mathf.h"
#include "extract/extract.h"
#include "nn/net.h"

enum { MAX_CLASSES = 16 };

static advlab_status keep_batch(void *self, float *x, const int32_t *y, int m)
{
    (void)self, (void)x, (void)y, (void)m;
    return ADVLAB_OK;
}

static void describe(const void *self, char *text, size_t len)
{
    (void)self;
    snprintf(text, len, "none (a thief trained on the victim's probabilities)");
}

static int state_words(const void *self)
{
    (void)self;
    return 0;
}

static void state_save(const void *self, uint8_t *bytes) { (void)self, (void)bytes; }

static advlab_status state_restore(void *self, const uint8_t *bytes)
{
    (void)self, (void)bytes;
    return ADVLAB_OK;
}

static void no_free(void *self) { (void)self; }

static double soft_step(void *self, advlab_net *net, const float *x, const int32_t *y, int m,
                        int *correct)
{
    const advlab_extraction *e = self;
    int k = advlab_net_classes(net);
    float *dz = e->dlogits;
    const float *z = advlab__net_logits(net, x, m);
    double loss = 0.0;
    *correct = 0;
    for (int b = 0; b < m; b++) {
        const float *zb = z + (size_t)b * k, *t = e->kept + (size_t)e->batch_rows[b] * k;
        float top = zb[0], sum = 0.0f, p[MAX_CLASSES];
        for (int j = 1; j < k; j++)
            top = zb[j] > top ? zb[j] : top;
        for (int j = 0; j < k; j++)
            sum += p[j] = advlab__expf(zb[j] - top);
        for (int j = 0; j < k; j++) {
            p[j] /= sum;
            dz[b * k + j] = (p[j] - t[j]) / (float)m;
            if (t[j] > 0.0f)
                loss -= t[j] * advlab__logf(p[j] > 1e-30f ? p[j] : 1e-30f);
        }
        *correct += advlab__argmax(p, k) == y[b];
    }
    advlab__net_backward_params(net, x, m, dz);
    return loss / m;
}

void advlab__soft_labels_hook(advlab_extraction *e, advlab_batch_hook *hook)
{
    *hook = (advlab_batch_hook){.self = e,
                                .apply = keep_batch,
                                .describe = describe,
                                .state_words = state_words,
                                .state_save = state_save,
                                .state_restore = state_restore,
                                .free = no_free,
                                .step = soft_step};
}
