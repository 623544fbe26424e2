/* libFuzzer target for the safetensors loader: load into an existing net
 * (which must be left untouched on failure) and build a net from the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static advlab_net *net;
    static float *before;
    if (!net) {
        advlab_net_create("tutorial", 1, 1, &net);
        before = malloc(sizeof(float) * advlab_net_param_count(net));
    }
    size_t bytes = sizeof(float) * advlab_net_param_count(net);
    memcpy(before, advlab_net_params(net), bytes);
    if (advlab_weights_load(net, "fuzz", data, size) != ADVLAB_OK &&
        memcmp(before, advlab_net_params(net), bytes) != 0)
        abort(); /* a rejected file changed the model */
    advlab_net *made = NULL;
    if (advlab_net_from_weights("fuzz", data, size, 1, &made) == ADVLAB_OK)
        advlab_net_free(made);
    return 0;
}
