/* Arch specs: "c4k5-p2-c10k5-p2-d100-d10" and the named presets, parsed into
 * layer shapes. A conv token is cNkK[sS][pP]: N channels, KxK kernels,
 * stride S (default 1) and P zeros of padding on each side (default 0), as
 * PyTorch's Conv2d(stride=S, padding=P). Memory is net.c's business; this
 * file only knows shapes. */
#ifndef ADVLAB_ARCH_H
#define ADVLAB_ARCH_H

#include <stddef.h>

#include "advlab.h"
#include "kernels/kernels.h"

#define ADVLAB_MAX_LAYERS 16
#define ADVLAB_ARCH_MAX 128

typedef enum { LAYER_CONV, LAYER_POOL, LAYER_DENSE } layer_kind;

typedef struct {
    layer_kind kind;
    int relu;             /* conv and hidden dense layers */
    int in_c, in_h, in_w; /* one image's input, (C,H,W); dense inputs are (in,1,1) */
    int out_c, out_h, out_w;
    int k, stride, pad;                  /* conv kernel size, stride, zero padding */
    char weight_name[24], bias_name[24]; /* "conv1.weight", "fc2.bias" */
} layer_shape;

typedef struct {
    char spec[ADVLAB_ARCH_MAX]; /* canonical spec */
    int n_layers;
    layer_shape layers[ADVLAB_MAX_LAYERS];
} arch_desc;

/* Parses a preset name or spec for (in_c, in_h, in_w) inputs. */
advlab_status advlab__arch_parse(const char *arch, int in_c, int in_h, int in_w, arch_desc *out);

static inline size_t layer_in_size(const layer_shape *l)
{
    return (size_t)l->in_c * l->in_h * l->in_w;
}
static inline size_t layer_out_size(const layer_shape *l)
{
    return (size_t)l->out_c * l->out_h * l->out_w;
}
/* The kernels' view of a conv layer. */
static inline k_conv_shape layer_conv_shape(const layer_shape *l)
{
    return (k_conv_shape){l->in_c, l->in_h, l->in_w, l->out_c, l->k, l->stride, l->pad};
}
/* Weight count (OC*C*K*K or out*in); 0 for pooling. */
size_t advlab__layer_weights(const layer_shape *l);
static inline size_t layer_biases(const layer_shape *l)
{
    return l->kind == LAYER_POOL ? 0 : (size_t)l->out_c;
}

#endif
