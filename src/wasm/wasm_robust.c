/* The WebAssembly export of the robust trainers (issue 20), beside
 * wasm_api.c and with its conventions: the config of type "robust_train",
 * made for a trainer name and set through advlab_wasm_config_*, and the
 * trainer wrapped as every other (advlab_wasm_trainer_run, checkpoints); and the
 * training presets. */
#include <emscripten.h>

#include "advlab.h"
#include "wasm/wasm_handles.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

EXPORT advlab_status advlab_wasm_robust_trainer_create(wasm_net *h, const advlab_dataset *ds,
                                                       const advlab_train_config *train,
                                                       const advlab_robust_train_config *cfg,
                                                       wasm_trainer **out)
{
    advlab_trainer *t = NULL;
    advlab_status st = advlab_robust_trainer_create(advlab__wasm_net(h), ds, train, cfg, &t);
    return st ? st : advlab__wasm_trainer_wrap(t, out);
}

/* A training preset as JSON (advlab_train_preset_json), for the page's
 * preset button; *json freed with advlab_wasm_buffer_free. */
EXPORT advlab_status advlab_wasm_train_preset_json(const char *name, char **json)
{
    return advlab_train_preset_json(name, json);
}
