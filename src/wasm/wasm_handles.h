/* The handles wasm_api.c makes, for the other export files (wasm_poison.c, wasm_certify.c). */
#ifndef ADVLAB_WASM_HANDLES_H
#define ADVLAB_WASM_HANDLES_H

#include "advlab.h"

typedef struct wasm_net wasm_net;
typedef struct wasm_trainer wasm_trainer;

/* The net a handle owns, for the handle's lifetime. */
advlab_net *advlab__wasm_net(const wasm_net *h);
/* A trainer handle around trainer, which it then owns (freed here on failure). */
advlab_status advlab__wasm_trainer_wrap(advlab_trainer *trainer, wasm_trainer **out);

#endif
