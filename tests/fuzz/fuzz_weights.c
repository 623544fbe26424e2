/* libFuzzer target for the safetensors reader, header JSON included: load
 * into an existing net (which must be left untouched on failure) and build a
 * net from the file. The net is tiny ("c1k5-p2-p2-d10", 396 floats) so a seed
 * file that loads is a few KB and mutations reach the data checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"

#define FUZZ_ARCH "c1k5-p2-p2-d10"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static advlab_net *net;
    static float *before;
    if (!net) {
        if (advlab_net_create(FUZZ_ARCH, 1, 1, &net) != ADVLAB_OK)
            abort();
        before = malloc(sizeof(float) * advlab_net_param_count(net));
    }
    size_t bytes = sizeof(float) * advlab_net_param_count(net);
    memcpy(before, advlab_net_params(net), bytes);
    if (advlab_weights_load(net, "fuzz", data, size) != ADVLAB_OK &&
        memcmp(before, advlab_net_params(net), bytes) != 0)
        abort(); /* a rejected file changed the model */
    advlab_net *made = NULL;
    if (advlab_net_from_weights("fuzz", data, size, 1, &made) == ADVLAB_OK) {
        /* What loads must save, and what it saves must load back. */
        uint8_t *saved = NULL;
        size_t saved_len = 0;
        if (advlab_weights_save(made, &saved, &saved_len) != ADVLAB_OK ||
            advlab_weights_load(made, "fuzz resaved", saved, saved_len) != ADVLAB_OK)
            abort();
        advlab_buffer_free(saved);
        advlab_net_free(made);
    }
    return 0;
}
