/* Data-parallel training (issue 20) by its defining property: a batch cut
 * into shards and summed over the fixed tree gives the same weights however
 * the shards are shared out among replicas (1, 2 or 3 of them, the last
 * with uneven shares), for clean training and for every hook that may run
 * sharded (adversarial training with PGD, fast AT, TRADES, the eps ramp,
 * IBP and noise), across epochs whose last batch is short. One shard is
 * the ordinary trainer bit for bit. A sharded checkpoint resumes exactly,
 * and only into a trainer with the same shards. Bad shards, parts that do
 * not tile the batch, and NaN gradients are refused by name. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"

#define BATCH 24
#define SAMPLES 100 /* 5 batches an epoch, the last of 4 rows: fewer than 8 shards */
#define MAX_REPLICAS 3

typedef enum { CLEAN, ADV_PGD, FBF, TRADES, PGD_RAMP, IBP, NOISE, N_KINDS } kind;
static const char *const kind_names[] = {
    "clean", "adversarial pgd", "fast AT", "TRADES", "pgd-ramp", "ibp", "noise"};

static void train_config(advlab_train_config *tc, int shards)
{
    advlab_train_config_default(tc);
    tc->epochs = 2, tc->batch = BATCH, tc->seed = 5, tc->limit = SAMPLES;
    tc->lr = 0.005f, tc->shards = shards;
}

static advlab_status make_trainer(kind k, advlab_net *net, const advlab_dataset *ds,
                                  const advlab_train_config *tc, advlab_trainer **t)
{
    if (k == CLEAN)
        return advlab_trainer_create(net, ds, tc, t);
    if (k == ADV_PGD) {
        advlab_adv_config ac;
        advlab_adv_config_default(&ac);
        advlab_attack_config_default("pgd", &ac.attack);
        ac.attack.eps = 0.1f, ac.attack.eps_step = 0.04f, ac.attack.max_iter = 3;
        ac.attack.num_random_init = 1, ac.ratio = 0.5f;
        return advlab_adv_trainer_create(net, ds, tc, &ac, t);
    }
    if (k == IBP || k == NOISE) {
        advlab_certify_train_config cc;
        advlab_certify_train_config_default(&cc);
        cc.certify = k == IBP ? ADVLAB_CERTIFY_TRAIN_IBP : ADVLAB_CERTIFY_TRAIN_NOISE;
        cc.warmup = 0.2f, cc.ramp = 1;
        return advlab_certify_trainer_create(net, ds, tc, &cc, t);
    }
    advlab_robust_train_config rc;
    advlab_robust_train_config_default(k == FBF ? "fbf" : k == TRADES ? "trades" : "pgd-ramp", &rc);
    rc.eps = 0.1f, rc.eps_step = 0.04f, rc.max_iter = 3, rc.check = 16, rc.check_iter = 3;
    rc.ramp = 1;
    return advlab_robust_trainer_create(net, ds, tc, &rc, t);
}

typedef struct {
    advlab_net *net[MAX_REPLICAS];
    advlab_trainer *t[MAX_REPLICAS];
    int n;
} replicas;

static int make_replicas(kind k, const advlab_dataset *ds, int shards, int n, replicas *r)
{
    advlab_train_config tc;
    train_config(&tc, shards);
    memset(r, 0, sizeof *r);
    r->n = n;
    for (int i = 0; i < n; i++) {
        if (advlab_net_create("tutorial", BATCH, 7, &r->net[i]) ||
            make_trainer(k, r->net[i], ds, &tc, &r->t[i])) {
            CHECK(0, "%s: replica %d: %s", kind_names[k], i, advlab_last_error());
            return 0;
        }
    }
    return 1;
}

static void free_replicas(replicas *r)
{
    for (int i = 0; i < r->n; i++) {
        advlab_trainer_free(r->t[i]);
        advlab_net_free(r->net[i]);
    }
}

/* One batch over the replicas: replica i makes shards [i*S/n, (i+1)*S/n),
 * and each replica steps with every part. */
static int parallel_batch(replicas *r, float *buffers)
{
    int S = advlab_trainer_shards(r->t[0]);
    size_t P = advlab_net_param_count(r->net[0]);
    advlab_gradient_part parts[64];
    int n_parts = 0;
    for (int i = 0; i < r->n; i++) {
        int first = i * S / r->n, count = (i + 1) * S / r->n - first;
        int made = advlab_gradient_part_count(first, count);
        for (int j = 0; j < made; j++)
            parts[n_parts + j].grad = buffers + (size_t)(n_parts + j) * P;
        if (advlab_trainer_shard_gradient(r->t[i], first, count, parts + n_parts)) {
            CHECK(0, "shard gradient: %s", advlab_last_error());
            return 0;
        }
        n_parts += made;
    }
    for (int i = 0; i < r->n; i++)
        if (advlab_trainer_step(r->t[i], parts, n_parts, NULL)) {
            CHECK(0, "step: %s", advlab_last_error());
            return 0;
        }
    return 1;
}

/* Trains to the end over n replicas; returns replica 0's weights (malloc'd). */
static float *train_parallel(kind k, const advlab_dataset *ds, int shards, int n)
{
    replicas r;
    float *weights = NULL;
    if (make_replicas(k, ds, shards, n, &r)) {
        size_t P = advlab_net_param_count(r.net[0]);
        float *buffers = malloc(sizeof(float) * P * 64);
        while (!advlab_trainer_finished(r.t[0]) && parallel_batch(&r, buffers))
            ;
        for (int i = 1; i < n; i++)
            CHECK(memcmp(advlab_net_params(r.net[i]), advlab_net_params(r.net[0]),
                         sizeof(float) * P) == 0,
                  "%s: replica %d drifted from replica 0", kind_names[k], i);
        weights = malloc(sizeof(float) * P);
        memcpy(weights, advlab_net_params(r.net[0]), sizeof(float) * P);
        free(buffers);
    }
    free_replicas(&r);
    return weights;
}

/* Trains to the end with advlab_trainer_run alone; returns the weights. */
static float *train_alone(kind k, const advlab_dataset *ds, int shards, size_t *P)
{
    replicas r;
    float *weights = NULL;
    if (make_replicas(k, ds, shards, 1, &r)) {
        while (!advlab_trainer_finished(r.t[0]))
            CHECK(advlab_trainer_run(r.t[0], 3, NULL) == ADVLAB_OK, "%s: %s", kind_names[k],
                  advlab_last_error());
        *P = advlab_net_param_count(r.net[0]);
        weights = malloc(sizeof(float) * *P);
        memcpy(weights, advlab_net_params(r.net[0]), sizeof(float) * *P);
    }
    free_replicas(&r);
    return weights;
}

static void test_same_bits(const advlab_dataset *ds)
{
    for (kind k = CLEAN; k < N_KINDS; k++) {
        size_t P = 0;
        float *alone = train_alone(k, ds, 8, &P), *unsharded = train_alone(k, ds, 1, &P);
        CHECK(alone && unsharded && memcmp(alone, unsharded, sizeof(float) * P) != 0,
              "%s: 8 shards trained the same bits as 1", kind_names[k]);
        for (int n = 1; n <= MAX_REPLICAS; n++) {
            float *shared = train_parallel(k, ds, 8, n);
            CHECK(alone && shared && memcmp(alone, shared, sizeof(float) * P) == 0,
                  "%s: 8 shards over %d replicas differ from advlab_trainer_run's", kind_names[k],
                  n);
            free(shared);
        }
        /* One shard through the shard API is the ordinary trainer. */
        float *one = train_parallel(k, ds, 1, 1);
        CHECK(unsharded && one && memcmp(unsharded, one, sizeof(float) * P) == 0,
              "%s: 1 shard through the shard API differs from the ordinary trainer", kind_names[k]);
        free(one), free(alone), free(unsharded);
    }
}

/* A sharded run stopped mid-epoch resumes bit-identically, and its state
 * fits only a trainer with the same shards. */
static void test_checkpoint(const advlab_dataset *ds)
{
    size_t P = 0;
    float *straight = train_alone(FBF, ds, 4, &P);
    replicas a, b, other;
    if (!make_replicas(FBF, ds, 4, 1, &a) || !make_replicas(FBF, ds, 4, 1, &b) ||
        !make_replicas(FBF, ds, 2, 1, &other))
        return;
    CHECK(advlab_trainer_run(a.t[0], 3, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    size_t len = advlab_trainer_state_size(a.t[0]);
    uint8_t *state = malloc(len);
    CHECK(advlab_trainer_state_save(a.t[0], state, len) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK_FAILS(advlab_trainer_state_restore(other.t[0], state, len), ADVLAB_E_ARG,
                "saved with shards 4, this trainer has 2");
    memcpy(advlab_net_params(b.net[0]), advlab_net_params(a.net[0]), sizeof(float) * P);
    CHECK(advlab_trainer_state_restore(b.t[0], state, len) == ADVLAB_OK, "%s", advlab_last_error());
    while (!advlab_trainer_finished(b.t[0]))
        CHECK(advlab_trainer_run(b.t[0], 4, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(straight && memcmp(straight, advlab_net_params(b.net[0]), sizeof(float) * P) == 0,
          "a resumed sharded run differs from the straight one");
    free(state), free(straight);
    free_replicas(&a), free_replicas(&b), free_replicas(&other);
}

/* A trainer's state before its first epoch ends is defined bytes (fast AT's
 * best weights were once left uninitialised, so a state saved in epoch 1
 * could hold a NaN and be refused by a replica): two trainers made alike
 * save the same state, and it restores. Under valgrind (ctest's
 * memcheck_fresh_state) comparing uninitialised bytes is an error, whatever
 * they hold. */
static void test_fresh_state(const advlab_dataset *ds)
{
    for (kind k = CLEAN; k < N_KINDS; k++) {
        replicas a, b;
        if (!make_replicas(k, ds, 4, 1, &a) || !make_replicas(k, ds, 4, 1, &b))
            return;
        size_t len = advlab_trainer_state_size(a.t[0]);
        uint8_t *state = malloc(len), *twin = malloc(len);
        CHECK(advlab_trainer_state_save(a.t[0], state, len) == ADVLAB_OK &&
                  advlab_trainer_state_save(b.t[0], twin, len) == ADVLAB_OK &&
                  memcmp(state, twin, len) == 0,
              "%s: two fresh trainers saved different states", kind_names[k]);
        CHECK(advlab_trainer_state_restore(b.t[0], state, len) == ADVLAB_OK, "%s: %s",
              kind_names[k], advlab_last_error());
        free(state), free(twin);
        free_replicas(&a), free_replicas(&b);
    }
}

static void test_bad_input(const advlab_dataset *ds)
{
    advlab_train_config tc;
    train_config(&tc, 3);
    advlab_net *net = NULL;
    advlab_trainer *t = NULL;
    CHECK(advlab_net_create("tutorial", BATCH, 7, &net) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK_FAILS(advlab_trainer_create(net, ds, &tc, &t), ADVLAB_E_ARG,
                "shards 3 is not a power of two");
    tc.shards = 0;
    CHECK_FAILS(advlab_trainer_create(net, ds, &tc, &t), ADVLAB_E_ARG, "shards 0 is out of range");
    tc.shards = 128;
    CHECK_FAILS(advlab_trainer_create(net, ds, &tc, &t), ADVLAB_E_ARG,
                "shards 128 is out of range");
    advlab_net_free(net);

    replicas r;
    if (!make_replicas(CLEAN, ds, 4, 1, &r))
        return;
    size_t P = advlab_net_param_count(r.net[0]);
    float *buffers = malloc(sizeof(float) * P * 3);
    advlab_gradient_part parts[4];
    for (int i = 0; i < 3; i++)
        parts[i].grad = buffers + i * P;
    CHECK(advlab_gradient_part_count(1, 3) == 2 && advlab_gradient_part_count(0, 4) == 1 &&
              advlab_gradient_part_count(3, 1) == 1 && advlab_gradient_part_count(1, 6) == 4,
          "part counts");
    CHECK_FAILS(advlab_trainer_shard_gradient(r.t[0], 2, 3, parts), ADVLAB_E_ARG,
                "shards 2..4 are not within this trainer's 0..3");
    CHECK_FAILS(advlab_trainer_shard_gradient(r.t[0], 0, 0, parts), ADVLAB_E_ARG, "shards 0..-1");
    CHECK(advlab_trainer_shard_gradient(r.t[0], 1, 3, parts) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(parts[0].level == 0 && parts[0].index == 1 && parts[1].level == 1 && parts[1].index == 1,
          "shards 1..3 made (%d, %d) and (%d, %d), not (0, 1) and (1, 1)", parts[0].level,
          parts[0].index, parts[1].level, parts[1].index);
    CHECK_FAILS(advlab_trainer_step(r.t[0], parts, 2, NULL), ADVLAB_E_ARG,
                "step: the parts miss shards of the 4");
    parts[2] = parts[0];
    CHECK_FAILS(advlab_trainer_step(r.t[0], parts, 3, NULL), ADVLAB_E_ARG,
                "step: part 2 covers a shard twice");
    parts[2].level = 3;
    CHECK_FAILS(advlab_trainer_step(r.t[0], parts, 3, NULL), ADVLAB_E_ARG,
                "step: part 2 (level 3, index 1) is not a node of the tree of 4 shards");
    parts[2].grad = buffers + 2 * P;
    CHECK(advlab_trainer_shard_gradient(r.t[0], 0, 1, parts + 2) == ADVLAB_OK, "%s",
          advlab_last_error());
    parts[2].rows++;
    CHECK_FAILS(advlab_trainer_step(r.t[0], parts, 3, NULL), ADVLAB_E_ARG,
                "step: the parts hold 25 rows, and this batch 24");
    parts[2].rows--;
    /* A NaN or an infinity from another replica is refused before it reaches a
     * weight, and named; so is a sum that overflows. */
    size_t weights = advlab_net_param_count(r.net[0]);
    float *before = malloc(sizeof(float) * weights);
    memcpy(before, advlab_net_params(r.net[0]), sizeof(float) * weights);
    float kept = parts[1].grad[7];
    parts[1].grad[7] = NAN;
    CHECK_FAILS(advlab_trainer_step(r.t[0], parts, 3, NULL), ADVLAB_E_NUMERIC,
                "step: part 1: gradient entry 7 is NaN");
    parts[1].grad[7] = kept;
    kept = parts[2].grad[3];
    parts[2].grad[3] = -INFINITY;
    CHECK_FAILS(advlab_trainer_step(r.t[0], parts, 3, NULL), ADVLAB_E_NUMERIC,
                "step: part 2: gradient entry 3 is infinite");
    float kept_left = parts[0].grad[3];
    parts[0].grad[3] = parts[2].grad[3] = FLT_MAX;
    CHECK_FAILS(advlab_trainer_step(r.t[0], parts, 3, NULL), ADVLAB_E_NUMERIC,
                "step: the parts' sum: gradient entry 3 is infinite");
    parts[0].grad[3] = kept_left, parts[2].grad[3] = kept;
    CHECK(memcmp(before, advlab_net_params(r.net[0]), sizeof(float) * weights) == 0,
          "a refused step changed the weights");
    CHECK(advlab_trainer_step(r.t[0], parts, 3, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(memcmp(before, advlab_net_params(r.net[0]), sizeof(float) * weights) != 0,
          "the step left the weights as they were");
    free(before);
    free(buffers);
    free_replicas(&r);
}

/* usage: test_shards DATA_DIR [--fresh-state] (that check alone, for valgrind) */
int main(int argc, char **argv)
{
    advlab_dataset *ds = synthetic_dataset(SAMPLES + 16, 3);
    CHECK(ds != NULL, "synthetic data: %s", advlab_last_error());
    if (ds && argc > 2 && strcmp(argv[2], "--fresh-state") == 0) {
        test_fresh_state(ds);
    } else if (ds) {
        test_same_bits(ds);
        test_checkpoint(ds);
        test_fresh_state(ds);
        test_bad_input(ds);
    }
    advlab_dataset_free(ds);
    return check_finish("test_shards");
}
