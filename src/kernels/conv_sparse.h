/* Private to the kernel layer: the plain convolution's two gradients when dy is mostly zeros, as
 * it is behind a max-pool (at most one of each window's four gets a gradient) and a ReLU
 * (conv_sparse.c). They give the same bits as conv.c's dense tiles, which call them. */
#ifndef ADVLAB_CONV_SPARSE_H
#define ADVLAB_CONV_SPARSE_H

#include <stdint.h>

#include "kernels/kernels.h"

/* Whether count floats of dy from v have few enough non-zeros for layer s's sparse paths to pay. */
int k__conv_dy_is_sparse(const float *v, size_t count, const k_conv_shape *s);

/* One image: dx (C, H, W) from dy (OC, OH, OW), as k_conv_bwd_input. With C a multiple of 4, wt
 * holds w repacked as (OC, K, K, C) and dxt C * H * W floats of scratch; else wt is NULL. nonzero
 * holds OH * OW entries. */
void k__conv_bwd_input_sparse(float *dx, const float *dy, const float *w, const float *wt,
                              const k_conv_shape *s, float *dxt, int32_t *nonzero);

/* A block of images of k_conv_wgrad, which both its paths sum into the same accumulators: lanes
 * (OC, C*K*K, 4), one per column mod 4 over the whole vectors, and tail (OC, C*K*K) for the
 * columns past them. at and val, the sparse path's lists, hold images * OH * OW entries each. */
typedef struct {
    const float *dy, *x; /* the block's first image */
    int images;          /* in the block */
    size_t isz, osz;     /* floats per image of x and of dy */
    float *lanes;        /* read with unaligned loads */
    float *tail;
    int32_t *at; /* where each non-zero's receptive field starts in x */
    float *val;  /* and its dy */
} k__wgrad_block;

/* The block's sums over dy's non-zeros only. */
void k__conv_wgrad_sparse(const k__wgrad_block *a, const k_conv_shape *s);

#endif
