/* Optimizers over the net's flat parameter buffer. */
#ifndef ADVLAB_OPTIM_H
#define ADVLAB_OPTIM_H

#include <stddef.h>

#include "advlab.h"

typedef struct {
    advlab_optimizer kind;
    float lr, momentum, beta1, beta2, epsilon;
    size_t n;
    float *m, *v;            /* Adam's moments; SGD keeps its velocity in m */
    double beta1_t, beta2_t; /* beta^t, kept as running products */
} advlab_optim;

/* Allocates state for n params; cfg was checked by the trainer (train/train.c). */
advlab_status advlab__optim_init(advlab_optim *opt, const advlab_train_config *cfg, size_t n);
void advlab__optim_free(advlab_optim *opt);
/* Copies src's state into dst; both were made for the same kind and n. */
void advlab__optim_copy_state(advlab_optim *dst, const advlab_optim *src);
void advlab__optim_step(advlab_optim *opt, float *params, const float *grads);

#endif
