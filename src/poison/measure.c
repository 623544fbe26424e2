/* A poisoned model's two numbers: clean accuracy, and the attack success
 * rate on triggered test images. */
#include <stdlib.h>

#include "base/error.h"
#include "nn/net.h"
#include "poison/poison.h"

advlab_status advlab_poison_measure(advlab_net *net, const advlab_dataset *test,
                                    const advlab_poison_config *cfg, int limit,
                                    advlab_poison_metrics *out)
{
    TRY(advlab__poison_check(cfg));
    if (!net || !test || !out)
        return advlab__fail(ADVLAB_E_ARG, "advlab_poison_measure: net, test or out is NULL");
    int count = advlab_dataset_count(test);
    if (limit <= 0 || limit > count)
        limit = count;
    advlab_poison_metrics m = {0};
    TRY(advlab_net_evaluate(net, test, limit, &m.clean_accuracy, NULL));
    m.clean_n = limit;
    /* The eligible test rows (source classes, not already of their target)
     * in chunks: triggered, each counted right when it reaches its target. */
    enum { CHUNK = 256 };
    const uint8_t *labels = advlab_dataset_labels(test);
    const int P = advlab_net_input_size(net);
    int32_t idx[CHUNK], y[CHUNK], target[CHUNK];
    const int K = advlab_net_classes(net);
    float *x = malloc(sizeof(float) * CHUNK * (size_t)(P + K)), *probs = x + (size_t)CHUNK * P;
    if (!x)
        return advlab__fail(ADVLAB_E_NOMEM, "poison measure: out of memory");
    advlab_status st = ADVLAB_OK;
    long reached = 0;
    for (int at = 0; st == ADVLAB_OK && at < limit;) {
        int n = 0;
        for (; at < limit && n < CHUNK; at++) {
            /* Clean label: the triggered images of every other class. */
            int eligible = cfg->clean_label ? labels[at] != cfg->target
                                            : advlab__poison_eligible(cfg, labels[at]);
            if (eligible) {
                idx[n] = at;
                target[n++] = advlab__poison_target(cfg, labels[at]);
            }
        }
        if (n == 0)
            continue;
        advlab_dataset_gather(test, idx, n, x, y);
        st = advlab_trigger_apply(cfg, x, n);
        if (st == ADVLAB_OK)
            st = advlab_net_predict(net, x, n, probs);
        for (int i = 0; st == ADVLAB_OK && i < n; i++)
            reached += advlab__argmax(probs + (size_t)i * K, K) == target[i];
        m.attack_n += n;
    }
    free(x);
    if (st != ADVLAB_OK)
        return st;
    m.attack_success = m.attack_n ? (double)reached / m.attack_n : 0.0;
    *out = m;
    return ADVLAB_OK;
}
