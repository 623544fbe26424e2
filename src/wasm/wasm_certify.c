/* The WebAssembly exports of certification (issue 17), beside wasm_api.c and
 * with its conventions: statuses, out-pointers into wasm memory, configs of
 * type "certify" and "certify_train" set through advlab_wasm_config_*, and
 * results as C structs read through the layouts "certificate" and
 * "certify_summary". */
#include <emscripten.h>

#include "advlab.h"
#include "wasm/wasm_handles.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

EXPORT advlab_status advlab_wasm_certifier_create(wasm_net *h, const advlab_certify_config *cfg,
                                                  advlab_certifier **out)
{
    return advlab_certifier_create(advlab__wasm_net(h), cfg, out);
}
EXPORT void advlab_wasm_certifier_free(advlab_certifier *c) { advlab_certifier_free(c); }

/* One image x (input_size floats); lower, upper and margin (classes floats
 * each, any may be NULL) are written by the call. */
EXPORT advlab_status advlab_wasm_certifier_bounds(advlab_certifier *c, const float *x, int label,
                                                  double eps, float *lower, float *upper,
                                                  float *margin)
{
    return advlab_certifier_bounds(c, x, label, (float)eps, lower, upper, margin);
}

/* n images; y may be NULL; out: n advlab_certificate (layout "certificate"). */
EXPORT advlab_status advlab_wasm_certifier_run(advlab_certifier *c, const float *x,
                                               const int32_t *y, int n, advlab_certificate *out)
{
    return advlab_certifier_run(c, x, y, n, out);
}

/* out: an advlab_certify_summary; certs (may be NULL): one per image. */
EXPORT advlab_status advlab_wasm_certify_dataset(advlab_certifier *c, const advlab_dataset *ds,
                                                 int limit, advlab_certify_summary *out,
                                                 advlab_certificate *certs)
{
    return advlab_certify_dataset(c, ds, limit, out, certs);
}

EXPORT advlab_status advlab_wasm_certify_trainer_create(wasm_net *h, const advlab_dataset *ds,
                                                        const advlab_train_config *train,
                                                        const advlab_certify_train_config *cfg,
                                                        wasm_trainer **out)
{
    advlab_trainer *t = NULL;
    advlab_status st = advlab_certify_trainer_create(advlab__wasm_net(h), ds, train, cfg, &t);
    return st ? st : advlab__wasm_trainer_wrap(t, out);
}
