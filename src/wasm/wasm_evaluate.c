/* AutoAttack's evaluation for WebAssembly (issue 13), for advlab.js's
 * lab.evaluate(). The conventions are wasm_api.c's: a status, a config made
 * by advlab_wasm_config_new("evaluate"), and the report as the JSON the CLI
 * prints. */
#include <emscripten.h>

#include "advlab.h"
#include "wasm/wasm_handles.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

/* pre may be NULL. *json is freed with advlab_wasm_buffer_free. */
EXPORT advlab_status advlab_wasm_evaluate(wasm_net *h, advlab_preprocessor *pre,
                                          const advlab_evaluate_config *cfg, const float *x,
                                          const int32_t *y, int n, int with_seconds, char **json)
{
    advlab_evaluate_report r;
    advlab_status s = advlab_evaluate(advlab__wasm_net(h), pre, cfg, x, y, n, &r);
    return s ? s : advlab_evaluate_report_json(&r, with_seconds, json);
}
