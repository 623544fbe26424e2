/* Data-parallel training over pthreads: a thread per replica past the
 * first (the caller's thread is replica 0's), in lockstep through one
 * barrier, three waits a batch: go, parts made, stepped. Each replica sums
 * every part itself as it steps, side by side with the others. The barrier
 * is our own, not pthread_barrier_t, because a pool whose later threads
 * failed to start must still stop the ones that did. */
#include "native/parallel_train.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "train/trainer.h"

#define MAX_PARTS 12 /* advlab_gradient_part_count's most: 2 log2(64) */

typedef struct {
    advlab_parallel_trainer *pool;
    advlab_trainer *trainer;
    int first, count, n_parts;
    advlab_gradient_part parts[MAX_PARTS];
    int made; /* its parts of this batch are made: every replica reads it to step */
    advlab_status status;
    char error[512]; /* advlab_last_error is per thread */
    pthread_t thread;
} replica;

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t turn;
    int parties, waiting;
    unsigned round;
} barrier;

struct advlab_parallel_trainer {
    replica *replicas;
    int n, started; /* threads running: replicas 1 .. started */
    barrier barrier;
    int stop;
    float *buffers; /* every part's gradient */
};

static void wait_all(advlab_parallel_trainer *p)
{
    barrier *b = &p->barrier;
    pthread_mutex_lock(&b->lock);
    unsigned round = b->round;
    if (++b->waiting == b->parties) {
        b->waiting = 0, b->round++;
        pthread_cond_broadcast(&b->turn);
    } else
        while (round == b->round)
            pthread_cond_wait(&b->turn, &b->lock);
    pthread_mutex_unlock(&b->lock);
}

static void keep_failure(replica *r, advlab_status st)
{
    r->status = st;
    if (st)
        snprintf(r->error, sizeof r->error, "%s", advlab_last_error());
}

/* The first failure in replica order, its message made this thread's. */
static advlab_status first_failure(const advlab_parallel_trainer *p)
{
    for (int i = 0; i < p->n; i++)
        if (p->replicas[i].status)
            return advlab__fail(p->replicas[i].status, "%s", p->replicas[i].error);
    return ADVLAB_OK;
}

static void make_parts(replica *r)
{
    keep_failure(r, advlab_trainer_shard_gradient(r->trainer, r->first, r->count, r->parts));
    r->made = !r->status;
}

/* Steps with every replica's parts, unless one failed to make its own: then
 * no replica steps, and they stay equal. */
static void step(replica *r, advlab_train_progress *progress)
{
    advlab_parallel_trainer *p = r->pool;
    for (int i = 0; i < p->n; i++)
        if (!p->replicas[i].made)
            return;
    advlab_gradient_part all[64];
    int n = 0;
    for (int i = 0; i < p->n; i++)
        for (int j = 0; j < p->replicas[i].n_parts; j++)
            all[n++] = p->replicas[i].parts[j];
    keep_failure(r, advlab_trainer_step(r->trainer, all, n, progress));
}

static void *replica_thread(void *arg)
{
    replica *r = arg;
    advlab_parallel_trainer *p = r->pool;
    for (;;) {
        wait_all(p); /* go */
        if (p->stop)
            return NULL;
        make_parts(r);
        wait_all(p); /* parts made */
        step(r, NULL);
        wait_all(p); /* stepped */
    }
}

/* One batch on every replica. */
static advlab_status parallel_batch(advlab_parallel_trainer *p, advlab_train_progress *progress)
{
    for (int i = 0; i < p->n; i++)
        p->replicas[i].status = ADVLAB_OK;
    wait_all(p);
    make_parts(&p->replicas[0]);
    wait_all(p);
    step(&p->replicas[0], progress);
    wait_all(p);
    return first_failure(p);
}

advlab_status advlab_parallel_trainer_run(advlab_parallel_trainer *p, int max_batches,
                                          advlab_train_progress *progress)
{
    advlab_trainer *t = p->replicas[0].trainer;
    if (advlab_trainer_finished(t))
        return advlab__fail(ADVLAB_E_ARG, "trainer: all %d epochs are done", t->cfg.epochs);
    if (max_batches < 1)
        return advlab__fail(ADVLAB_E_ARG, "max_batches %d must be at least 1", max_batches);
    advlab_train_progress ignored;
    for (int done = 0; done < max_batches; done++) {
        int epoch = t->epoch;
        TRY(parallel_batch(p, progress ? progress : &ignored));
        if (t->epoch != epoch || advlab_trainer_finished(t))
            break;
    }
    return ADVLAB_OK;
}

int advlab_parallel_trainer_finished(const advlab_parallel_trainer *p)
{
    return advlab_trainer_finished(p->replicas[0].trainer);
}

static void free_replicas(advlab_trainer **replicas, int n)
{
    for (int i = 0; i < n; i++)
        advlab_trainer_free(replicas[i]);
}

advlab_status advlab_parallel_trainer_create(advlab_trainer **replicas, int n,
                                             advlab_parallel_trainer **out)
{
    int S = n >= 1 && replicas[0] ? advlab_trainer_shards(replicas[0]) : 0;
    if (n < 1 || n > S) {
        free_replicas(replicas, n);
        return advlab__fail(ADVLAB_E_ARG,
                            "%d threads need at least as many shards, and the trainer has %d "
                            "(shards set the weights, threads only the speed)",
                            n, S);
    }
    advlab_parallel_trainer *p = calloc(1, sizeof *p);
    size_t P = advlab_net_param_count(replicas[0]->net);
    if (p) {
        p->replicas = calloc((size_t)n, sizeof *p->replicas);
        p->buffers = malloc(sizeof(float) * P * MAX_PARTS * (size_t)n);
    }
    if (!p || !p->replicas || !p->buffers) {
        if (p)
            free(p->replicas), free(p->buffers), free(p);
        free_replicas(replicas, n);
        return advlab__fail(ADVLAB_E_NOMEM, "out of memory for %d training threads", n);
    }
    p->n = n;
    for (int i = 0; i < n; i++) {
        replica *r = &p->replicas[i];
        r->pool = p, r->trainer = replicas[i];
        r->first = i * S / n, r->count = (i + 1) * S / n - r->first;
        r->n_parts = advlab_gradient_part_count(r->first, r->count);
        for (int j = 0; j < r->n_parts; j++)
            r->parts[j].grad = p->buffers + P * ((size_t)i * MAX_PARTS + (size_t)j);
    }
    pthread_mutex_init(&p->barrier.lock, NULL);
    pthread_cond_init(&p->barrier.turn, NULL);
    p->barrier.parties = n;
    for (; p->started < n - 1; p->started++)
        if (pthread_create(&p->replicas[p->started + 1].thread, NULL, replica_thread,
                           &p->replicas[p->started + 1])) {
            int failed = p->started + 2;
            advlab_parallel_trainer_free(p);
            return advlab__fail(ADVLAB_E_NOMEM, "could not start training thread %d of %d", failed,
                                n);
        }
    *out = p;
    return ADVLAB_OK;
}

void advlab_parallel_trainer_free(advlab_parallel_trainer *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->barrier.lock);
    p->barrier.parties = p->started + 1, p->stop = 1;
    pthread_mutex_unlock(&p->barrier.lock);
    wait_all(p);
    for (int i = 1; i <= p->started; i++)
        pthread_join(p->replicas[i].thread, NULL);
    for (int i = 0; i < p->n; i++)
        advlab_trainer_free(p->replicas[i].trainer);
    pthread_cond_destroy(&p->barrier.turn);
    pthread_mutex_destroy(&p->barrier.lock);
    free(p->replicas), free(p->buffers), free(p);
}
