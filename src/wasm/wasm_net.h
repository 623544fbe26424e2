/* The net handle JS holds (wasm_api.c makes it), shared with the
 * poisoning family's exports (wasm_poison.c). */
#ifndef ADVLAB_WASM_NET_H
#define ADVLAB_WASM_NET_H

#include "advlab.h"

typedef struct {
    advlab_net *net;
    int max_batch, input_size, classes;
    /* io buffers, carved from one allocation; valid for the handle lifetime */
    float *x;           /* (max_batch, input_size) images in */
    float *grad;        /* (max_batch, input_size) input gradients out */
    float *probs;       /* (max_batch, classes) probabilities out */
    int32_t *y;         /* (max_batch) labels in */
    int32_t *confusion; /* (classes, classes) from evaluate */
    void *io;
    float loss;           /* from loss_grad / input_grad */
    double accuracy;      /* from evaluate */
    advlab_tensor tensor; /* filled by advlab_wasm_net_tensor */
} wasm_net;

#endif
