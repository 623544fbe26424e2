/* The network's private layout, shared by net.c and the training loop. */
#ifndef ADVLAB_NET_H
#define ADVLAB_NET_H

#include "advlab.h"
#include "nn/arch.h"

#define ADVLAB_META_MAX 16
#define ADVLAB_META_KEY 64
#define ADVLAB_META_VALUE 1024

struct advlab_net {
    arch_desc arch;
    int max_batch, in_size, classes;
    size_t n_params;
    float *arena;          /* the one allocation everything below points into */
    float *params, *grads; /* n_params each */
    size_t w_off[ADVLAB_MAX_LAYERS], b_off[ADVLAB_MAX_LAYERS]; /* into params/grads */
    float *act[ADVLAB_MAX_LAYERS];   /* layer outputs, (max_batch, out_size) */
    float *delta[ADVLAB_MAX_LAYERS]; /* dloss/d(layer output), same shape */
    float *dx;                       /* dloss/dinput, (max_batch, in_size) */
    float *work;                     /* scratch of the layer kernels (layer_workspace) */
    float *probs;                    /* softmax, (max_batch, classes) */
    /* Images through every forward and backward pass since create, so that
     * an attack can show what it cost: queries, and gradients (none for the
     * black-box attacks). */
    uint64_t forward_images, backward_images;
    int n_meta;
    struct {
        char key[ADVLAB_META_KEY], value[ADVLAB_META_VALUE];
    } meta[ADVLAB_META_MAX];
};

/* Forward, softmax cross-entropy and backward of n <= max_batch trusted
 * images: grads receive the batch-mean gradient. Returns the mean loss;
 * *correct (may be NULL) counts right answers. No input checks: the trainer
 * feeds gathered dataset images. */
double advlab__net_train_step_grad(advlab_net *net, const float *x, const int32_t *y, int n,
                                   int *correct);

/* The building blocks of attacks. advlab__net_logits runs the forward pass
 * of n <= max_batch trusted images and returns their logits (n, classes), a
 * view valid until the next pass. advlab__net_backward_input then writes
 * dx (n, in_size) = d/dx of sum_b dlogits_b . z_b(x_b) at that same x; it
 * may be called several times after one forward (DeepFool wants one per
 * class). Parameter gradients are left untouched. */
const float *advlab__net_logits(advlab_net *net, const float *x, int n);
/* After advlab__net_logits at the same x: grads receive d/dparams of
 * sum_b dlogits_b . z_b(x_b) (a loss of the caller's own, soft targets). */
void advlab__net_backward_params(advlab_net *net, const float *x, int n, const float *dlogits);
void advlab__net_backward_input(advlab_net *net, const float *x, int n, const float *dlogits,
                                float *dx);

/* The predicted class: the first index of the largest of z[0..classes). */
static inline int advlab__argmax(const float *z, int classes)
{
    int best = 0;
    for (int c = 1; c < classes; c++)
        if (z[c] > z[best])
            best = c;
    return best;
}

/* Checks that ds fits net: image size and every label below net's classes. */
advlab_status advlab__net_check_dataset(const advlab_net *net, const advlab_dataset *ds);

/* Drops every metadata entry (a loaded file replaces them all). */
void advlab__net_meta_clear(advlab_net *net);
/* Metadata entries in insertion order, for the weights writer. */
int advlab__net_meta_count(const advlab_net *net);
const char *advlab__net_meta_key(const advlab_net *net, int i);

#endif
