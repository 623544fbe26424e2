/* The universal perturbation for WebAssembly (issue 13), for advlab.js's
 * lab.universal(). The conventions are wasm_api.c's: a status, a config made
 * by advlab_wasm_config_new("universal"), and the report as the C struct
 * read through the layout "universal_report". */
#include <emscripten.h>

#include "advlab.h"
#include "wasm/wasm_handles.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

/* y may be NULL (the model's own answers); v receives input size floats. */
EXPORT advlab_status advlab_wasm_universal_fit(wasm_net *h, const advlab_universal_config *cfg,
                                               const float *x, const int32_t *y, int n, float *v,
                                               advlab_universal_report *out)
{
    return advlab_universal_fit(advlab__wasm_net(h), cfg, x, y, n, v, out);
}

EXPORT advlab_status advlab_wasm_universal_fooling_rate(wasm_net *h, const float *v, const float *x,
                                                        int n, int *fooled, double *rate)
{
    return advlab_universal_fooling_rate(advlab__wasm_net(h), v, x, n, fooled, rate);
}
