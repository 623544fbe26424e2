/* The trainer's private half. Its first part is what the layers above build
 * on: a trainer over any source of samples (the binary detector trains on
 * images in memory) with an optional batch hook (adversarial training
 * replaces rows of each batch). The rest is the layout shared by the
 * training loop (train.c) and its checkpoint state (train_state.c). The
 * trainer knows nothing of attacks: adv_train.c plugs them in as a hook. */
#ifndef ADVLAB_TRAINER_H
#define ADVLAB_TRAINER_H

#include <stddef.h>
#include <stdint.h>

#include "advlab.h"
#include "base/config.h"
#include "base/rng.h"
#include "nn/optim.h"

/* Where a trainer's samples come from: count of them, and gather, which
 * writes samples idx[0..n) as images x (n, in_size) and labels y (n), each
 * label below the net's classes. data is borrowed for the trainer's life. */
typedef struct {
    int count;
    void (*gather)(const void *data, const int32_t *idx, int n, float *x, int32_t *y);
    const void *data;
} advlab_sample_source;

/* The most shards a batch may be cut into (a bit each in a 64-bit mask). */
#define ADVLAB__MAX_SHARDS 64

/* The most random streams a batch hook draws from (adversarial training:
 * the row choice and an attack per source). */
#define ADVLAB_HOOK_RNGS (2 + ADVLAB_MAX_STATIC_NETS)

/* Work on each gathered batch before the training step, and the part of it
 * that a checkpoint keeps. self is the hook's own state. */
typedef struct {
    void *self;
    /* Rewrites the batch x (m, in_size) in place; y are its labels. */
    advlab_status (*apply)(void *self, float *x, const int32_t *y, int m);
    /* What it does, for the weights file's "defence" metadata and the
     * checkpoint header (the same text, so a state only fits its hook). */
    void (*describe)(const void *self, char *text, size_t len);
    /* Its checkpoint: state_words u64 words, saved to and restored from
     * bytes at any alignment; restore checks them before it changes anything. */
    int (*state_words)(const void *self);
    void (*state_save)(const void *self, uint8_t *bytes);
    advlab_status (*state_restore)(void *self, const uint8_t *bytes);
    void (*free)(void *self);
    /* When not NULL, replaces the ordinary training step on the rewritten
     * batch: leaves the batch-mean gradient of its own loss in net's grads
     * and returns that mean loss (certified training's worst-case loss);
     * *correct counts right answers. */
    double (*step)(void *self, advlab_net *net, const float *x, const int32_t *y, int m,
                   int *correct);
    /* When not NULL, runs after each epoch (epoch is the 1-based one just
     * done); setting *stop ends the run there (fast AT's roll-back after
     * catastrophic overfitting). */
    advlab_status (*end_epoch)(void *self, int epoch, int *stop);
    /* Sharded training (issue 20) runs apply and step once per shard, each
     * shard perhaps on another replica of the trainer, so what a batch
     * shares lives outside them. finish_gradient (not NULL: fast AT's lr
     * and clip) runs on the batch's summed gradient in net's grads before
     * the optimizer's step; end_batch (not NULL: a schedule's clock, the
     * ensemble's turn) once the batch is done. Both run on every replica. */
    void (*finish_gradient)(void *self, advlab_net *net);
    void (*end_batch)(void *self);
    /* The random streams apply and step draw from. For shard k of a
     * sharded batch each is forked to its own stream (advlab__rng_fork),
     * so a row's noise does not depend on which replica makes it; after
     * the batch each moves on by one draw. */
    advlab_rng *rngs[ADVLAB_HOOK_RNGS];
    int n_rngs;
    /* 1 when apply and step treat each row on its own (but for the
     * batch mean) and keep all per-batch state to end_batch, so that the
     * hook may run sharded. */
    int shardable;
} advlab_batch_hook;

/* advlab_trainer_create's work on any source (net, src and cfg not NULL):
 * validates cfg against net, allocates, and shuffles the first epoch with
 * PCG stream shuffle_stream of cfg->seed. cfg->limit caps src->count. It
 * writes no metadata: callers call advlab__trainer_record once the trainer
 * is complete. */
advlab_status advlab__trainer_create(advlab_net *net, const advlab_sample_source *src,
                                     const advlab_train_config *cfg, uint64_t shuffle_stream,
                                     advlab_trainer **out);
/* advlab_trainer_create without the metadata, for a caller that completes
 * the trainer first (adversarial training sets its hook). */
advlab_status advlab__dataset_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                             const advlab_train_config *cfg, advlab_trainer **out);
/* Hands the hook to t, which frees it in advlab_trainer_free; t has not run
 * and has no hook yet. */
void advlab__trainer_set_hook(advlab_trainer *t, const advlab_batch_hook *hook);
/* Writes the "training" and "defence" metadata the weights file will carry. */
void advlab__trainer_record(advlab_trainer *t);

/* advlab_train_config's fields, for the setter, the checks and --help. */
extern const advlab__cfg_spec advlab__train_spec;

struct advlab_trainer {
    advlab_net *net;
    advlab_sample_source src;
    advlab_train_config cfg;
    advlab_optim opt;
    advlab_rng rng;         /* shuffling */
    advlab_rng epoch_rng;   /* rng as it was before this epoch's shuffle (checkpoints) */
    advlab_batch_hook hook; /* hook.apply is NULL when there is none */
    int n;                  /* samples trained on */
    int32_t *order;         /* this epoch's shuffle */
    float *x;               /* the gathered batch, (batch, in_size) */
    int32_t *y;
    int epoch; /* 0-based epoch in progress; == epochs when finished */
    int batch; /* batches done in this epoch */
    int batches_per_epoch;
    double loss_sum; /* over this epoch's samples so far */
    long correct, seen;
    double seconds; /* spent inside advlab_trainer_run this epoch */
    /* Sharded training: cfg.shards > 1 (a power of two). */
    int levels;  /* log2 of cfg.shards */
    float *tree; /* (levels + 1, n_params): a part's sum, then a right child per level */
    advlab_rng rng_base[ADVLAB_HOOK_RNGS]; /* the hook's streams between shards */
};

/* Shuffles the next epoch's order, remembering the RNG state it started from. */
void advlab__trainer_start_epoch(advlab_trainer *t);

#endif
