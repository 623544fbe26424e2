/* libFuzzer target for the arch-spec parser: the input is the spec (a
 * string; a NUL ends it early). Whatever parses must give a net that
 * creates, or fails cleanly, and whose canonical spec parses to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "nn/arch.h"

/* Nets up to this many parameters are created and run once; beyond, only
 * parsed, so one input stays fast. */
#define CREATE_LIMIT (1u << 20)

static size_t param_count(const arch_desc *d)
{
    size_t n = 0;
    for (int i = 0; i < d->n_layers; i++)
        n += advlab__layer_weights(&d->layers[i]) + layer_biases(&d->layers[i]);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char spec[256];
    size_t n = size < sizeof spec - 1 ? size : sizeof spec - 1;
    memcpy(spec, data, n);
    spec[n] = '\0';
    arch_desc d, again;
    if (advlab__arch_parse(spec, 1, 28, 28, &d) != ADVLAB_OK)
        return 0;
    if (advlab__arch_parse(d.spec, 1, 28, 28, &again) != ADVLAB_OK ||
        strcmp(again.spec, d.spec) != 0 || again.n_layers != d.n_layers)
        abort(); /* the canonical spec must name the same arch */
    if (param_count(&d) > CREATE_LIMIT)
        return 0;
    advlab_net *net = NULL;
    if (advlab_net_create(spec, 1, 1, &net) != ADVLAB_OK)
        return 0;
    if (advlab_net_param_count(net) != param_count(&d))
        abort();
    static float x[28 * 28], probs[4096];
    if (advlab_net_classes(net) <= 4096 && advlab_net_predict(net, x, 1, probs) != ADVLAB_OK)
        abort();
    advlab_net_free(net);
    return 0;
}
