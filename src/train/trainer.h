/* The trainer's layout, shared by the training loop (train.c) and its
 * checkpoint state (train_state.c). */
#ifndef ADVLAB_TRAINER_H
#define ADVLAB_TRAINER_H

#include "train/adv_train.h"
#include "base/config.h"
#include "nn/optim.h"
#include "base/rng.h"

/* advlab_train_config's fields, for the setter, the checks and --help. */
extern const advlab__cfg_spec advlab__train_spec;

struct advlab_trainer {
    advlab_net *net;
    const advlab_dataset *ds;
    advlab_train_config cfg;
    advlab_optim opt;
    advlab_rng rng;        /* shuffling */
    advlab_rng epoch_rng;  /* rng as it was before this epoch's shuffle (checkpoints) */
    advlab_adv_state *adv; /* NULL for clean training */
    int n;                 /* samples trained on */
    int32_t *order;        /* this epoch's shuffle */
    float *x;              /* the gathered batch, (batch, in_size) */
    int32_t *y;
    int epoch;             /* 0-based epoch in progress; == epochs when finished */
    int batch;             /* batches done in this epoch */
    int batches_per_epoch;
    double loss_sum;       /* over this epoch's samples so far */
    long correct, seen;
    double seconds;        /* spent inside advlab_trainer_run this epoch */
};

/* Shuffles the next epoch's order, remembering the RNG state it started from. */
void advlab__trainer_start_epoch(advlab_trainer *t);
/* Writes the "training" and "defence" metadata the weights file will carry. */
void advlab__trainer_record(advlab_trainer *t);

#endif
