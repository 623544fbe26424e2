#include "nn/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/aligned.h"
#include "base/error.h"
#include "kernels/kernels.h"

/* cfg's ranges were checked by the trainer against its field table. */
advlab_status advlab__optim_init(advlab_optim *opt, const advlab_train_config *cfg, size_t n)
{
    *opt = (advlab_optim){cfg->optimizer,
                          cfg->lr,
                          cfg->momentum,
                          cfg->beta1,
                          cfg->beta2,
                          cfg->epsilon,
                          n,
                          advlab__floats_zeroed(n),
                          advlab__floats_zeroed(n),
                          1.0,
                          1.0};
    if (!opt->m || !opt->v) {
        advlab__optim_free(opt);
        return advlab__fail(ADVLAB_E_NOMEM, "optimizer state for %zu parameters", n);
    }
    return ADVLAB_OK;
}

void advlab__optim_free(advlab_optim *opt)
{
    free(opt->m);
    free(opt->v);
    opt->m = opt->v = NULL;
}

void advlab__optim_copy_state(advlab_optim *dst, const advlab_optim *src)
{
    memcpy(dst->m, src->m, sizeof(float) * src->n);
    memcpy(dst->v, src->v, sizeof(float) * src->n);
    dst->beta1_t = src->beta1_t;
    dst->beta2_t = src->beta2_t;
}

/* Adam as Keras writes it:
 *   m += (g - m)(1 - b1);  v += (g^2 - v)(1 - b2)
 *   p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
 * SGD with momentum, also as Keras: u = mu u - lr g; p += u. */
void advlab__optim_step(advlab_optim *opt, float *params, const float *grads)
{
    float *m = opt->m, *v = opt->v;
    if (opt->kind == ADVLAB_OPT_SGD) {
        for (size_t i = 0; i < opt->n; i++) {
            m[i] = opt->momentum * m[i] - opt->lr * grads[i];
            params[i] += m[i];
        }
        return;
    }
    opt->beta1_t *= opt->beta1;
    opt->beta2_t *= opt->beta2;
    float alpha = (float)(opt->lr * sqrt(1.0 - opt->beta2_t) / (1.0 - opt->beta1_t));
    k_adam(params, m, v, grads, opt->n, 1.0f - opt->beta1, 1.0f - opt->beta2, alpha, opt->epsilon);
}
