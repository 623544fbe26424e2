/* Data-parallel training over threads (issue 20), for the CLI: the native
 * twin of the page's pool of workers. Replica i of n makes shards
 * [i*S/n, (i+1)*S/n) of every batch on its own thread, replica 0 sums all
 * the parts, and every replica steps with the sum, so the weights are the
 * bits one thread would train (advlab_trainer_shard_gradient and friends). */
#ifndef ADVLAB_NATIVE_PARALLEL_TRAIN_H
#define ADVLAB_NATIVE_PARALLEL_TRAIN_H

#include "advlab.h"

typedef struct advlab_parallel_trainer advlab_parallel_trainer;

/* Takes n trainers made the same way on nets with the same weights, which
 * it then owns (freed here on failure too); n threads, the caller's being
 * replica 0's. n may not exceed the trainers' shards. */
advlab_status advlab_parallel_trainer_create(advlab_trainer **replicas, int n,
                                             advlab_parallel_trainer **out);
/* advlab_trainer_run's contract: at most max_batches batches, stopping
 * early at the end of an epoch. */
advlab_status advlab_parallel_trainer_run(advlab_parallel_trainer *p, int max_batches,
                                          advlab_train_progress *progress);
int advlab_parallel_trainer_finished(const advlab_parallel_trainer *p);
void advlab_parallel_trainer_free(advlab_parallel_trainer *p);

#endif
