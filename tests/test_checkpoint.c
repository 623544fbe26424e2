/* Checkpoints: a run stopped after some batches, saved (weights + trainer
 * state), freed, and restored into a fresh net and trainer finishes with
 * bit-identical weights to the run that never stopped: for Adam and SGD, at
 * an epoch boundary and mid-epoch, and for adversarial training with PGD's
 * random starts. A bad state (wrong size, magic, arch, settings, NaN, counters
 * out of range) fails with its own message and leaves the trainer as it was. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"

#define EPOCHS 3
#define BATCH 32
#define SAMPLES 300 /* 10 batches an epoch, the last one short */

typedef struct {
    advlab_optimizer optimizer;
    int adversarial; /* PGD with a random start, ratio 0.5 */
    const char *arch;
    int batch;
} run_kind;

static advlab_status make_trainer(advlab_net *net, const advlab_dataset *ds, run_kind k,
                                  advlab_trainer **out)
{
    advlab_train_config cfg;
    advlab_train_config_default(&cfg);
    cfg.epochs = EPOCHS, cfg.batch = k.batch, cfg.seed = 5, cfg.optimizer = k.optimizer;
    if (!k.adversarial)
        return advlab_trainer_create(net, ds, &cfg, out);
    advlab_adv_config adv;
    advlab_adv_config_default(&adv);
    advlab_attack_config_default("pgd", &adv.attack);
    adv.attack.eps = 0.2f, adv.attack.eps_step = 0.05f, adv.attack.max_iter = 3;
    adv.attack.num_random_init = 1, adv.attack.seed = 9;
    return advlab_adv_trainer_create(net, ds, &cfg, &adv, out);
}

static advlab_net *new_net(const char *arch, uint64_t seed)
{
    advlab_net *net = NULL;
    CHECK(advlab_net_create(arch, BATCH, seed, &net) == ADVLAB_OK, "%s", advlab_last_error());
    return net;
}

static void run_batches(advlab_trainer *t, int batches)
{
    for (int done = 0; done < batches && !advlab_trainer_finished(t); done++)
        CHECK(advlab_trainer_run(t, 1, NULL) == ADVLAB_OK, "%s", advlab_last_error());
}

static void run_to_end(advlab_trainer *t) { run_batches(t, 1 << 30); }

static int same_params(advlab_net *a, advlab_net *b)
{
    return advlab_net_param_count(a) == advlab_net_param_count(b) &&
           memcmp(advlab_net_params(a), advlab_net_params(b),
                  sizeof(float) * advlab_net_param_count(a)) == 0;
}

/* A checkpoint: the weights file and the trainer state. */
typedef struct {
    uint8_t *weights, *state;
    size_t weights_len, state_len;
} checkpoint;

static checkpoint save(advlab_net *net, advlab_trainer *t)
{
    checkpoint c = {0};
    CHECK(advlab_weights_save(net, &c.weights, &c.weights_len) == ADVLAB_OK, "%s",
          advlab_last_error());
    c.state_len = advlab_trainer_state_size(t);
    c.state = malloc(c.state_len);
    CHECK(advlab_trainer_state_save(t, c.state, c.state_len) == ADVLAB_OK, "%s",
          advlab_last_error());
    return c;
}

static void checkpoint_free(checkpoint *c)
{
    advlab_buffer_free(c->weights);
    free(c->state);
}

/* The run from start to end without stopping. */
static advlab_net *uninterrupted(const advlab_dataset *ds, run_kind k)
{
    advlab_net *net = new_net(k.arch, 3);
    advlab_trainer *t = NULL;
    CHECK(make_trainer(net, ds, k, &t) == ADVLAB_OK, "%s", advlab_last_error());
    run_to_end(t);
    advlab_trainer_free(t);
    return net;
}

/* The run stopped after `stop` batches, saved, everything freed, then resumed
 * in a net made from another seed (so the weights must come from the file). */
static advlab_net *resumed(const advlab_dataset *ds, run_kind k, int stop)
{
    advlab_net *net = new_net(k.arch, 3);
    advlab_trainer *t = NULL;
    CHECK(make_trainer(net, ds, k, &t) == ADVLAB_OK, "%s", advlab_last_error());
    run_batches(t, stop);
    checkpoint c = save(net, t);
    advlab_trainer_free(t);
    advlab_net_free(net);

    net = new_net(k.arch, 4);
    CHECK(advlab_weights_load(net, "checkpoint", c.weights, c.weights_len) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(make_trainer(net, ds, k, &t) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_trainer_state_restore(t, c.state, c.state_len) == ADVLAB_OK, "%s",
          advlab_last_error());
    run_to_end(t);
    advlab_trainer_free(t);
    checkpoint_free(&c);
    return net;
}

static void check_bit_identity(const advlab_dataset *ds, run_kind k, const char *what)
{
    advlab_net *whole = uninterrupted(ds, k);
    const int stops[] = {10, 13, 2 * 10}; /* after epoch 1, mid-epoch 2 (a pause), after epoch 2 */
    for (size_t i = 0; i < sizeof stops / sizeof *stops; i++) {
        advlab_net *net = resumed(ds, k, stops[i]);
        CHECK(same_params(whole, net), "%s: resumed after %d batches, the weights differ", what,
              stops[i]);
        advlab_net_free(net);
    }
    advlab_net *early = resumed(ds, k, 0);
    CHECK(same_params(whole, early), "%s: resumed before any batch, the weights differ", what);
    advlab_net_free(early);
    advlab_net_free(whole);
}

/* Restoring `bytes` fails with `status` and `needle`. */
static void check_rejects(advlab_trainer *t, const uint8_t *bytes, size_t len, advlab_status status,
                          const char *needle)
{
    CHECK_FAILS(advlab_trainer_state_restore(t, bytes, len), status, needle);
}

/* Every bad state is refused, and the trainer, restored from nothing, then
 * finishes exactly as the uninterrupted run: nothing was half-written. */
static void check_bad_states(const advlab_dataset *ds)
{
    run_kind k = {ADVLAB_OPT_ADAM, 0, "tutorial", BATCH};
    advlab_net *whole = uninterrupted(ds, k);
    advlab_net *net = new_net(k.arch, 3);
    advlab_trainer *t = NULL;
    CHECK(make_trainer(net, ds, k, &t) == ADVLAB_OK, "%s", advlab_last_error());
    run_batches(t, 13);
    checkpoint c = save(net, t);
    uint8_t *bad = malloc(c.state_len + 1);
    size_t n = advlab_net_param_count(net);
    size_t m_at = c.state_len - 2 * sizeof(float) * n; /* the optimizer's m, then v */

    check_rejects(t, c.state, c.state_len - 1, ADVLAB_E_FORMAT, "expected");
    memcpy(bad, c.state, c.state_len), bad[c.state_len] = 0;
    check_rejects(t, bad, c.state_len + 1, ADVLAB_E_FORMAT, "expected");
    check_rejects(t, c.state, 20, ADVLAB_E_FORMAT, "too short");
    memcpy(bad, c.state, c.state_len), bad[0] = 'X';
    check_rejects(t, bad, c.state_len, ADVLAB_E_FORMAT, "magic");
    float nan = NAN, inf = INFINITY, negative = -1.0f;
    memcpy(bad, c.state, c.state_len), memcpy(bad + m_at + 5 * sizeof(float), &nan, sizeof nan);
    check_rejects(t, bad, c.state_len, ADVLAB_E_NUMERIC, "moment m[5] is nan");
    memcpy(bad, c.state, c.state_len),
        memcpy(bad + m_at + (n + 7) * sizeof(float), &inf, sizeof inf);
    check_rejects(t, bad, c.state_len, ADVLAB_E_NUMERIC, "moment v[7] is inf");
    memcpy(bad, c.state, c.state_len),
        memcpy(bad + m_at + n * sizeof(float), &negative, sizeof negative);
    check_rejects(t, bad, c.state_len, ADVLAB_E_NUMERIC, "moment v[0] is -1");

    /* The same run on another arch, and with another batch size. */
    run_kind other_arch = {ADVLAB_OPT_ADAM, 0, "c4k5-p2-d10", BATCH};
    run_kind other_batch = {ADVLAB_OPT_ADAM, 0, "tutorial", 16};
    run_kind sgd = {ADVLAB_OPT_SGD, 0, "tutorial", BATCH};
    const struct {
        run_kind kind;
        advlab_status status;
        const char *needle;
    } others[] = {{other_arch, ADVLAB_E_ARG, "saved for arch \"c4k5-p2-d10\", this trainer trains"},
                  {other_batch, ADVLAB_E_ARG, "saved with batch 16, this trainer has 32"},
                  {sgd, ADVLAB_E_ARG, "saved with optimizer 1, this trainer has 0"}};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        advlab_net *o_net = new_net(others[i].kind.arch, 3);
        advlab_trainer *o = NULL;
        CHECK(make_trainer(o_net, ds, others[i].kind, &o) == ADVLAB_OK, "%s", advlab_last_error());
        run_batches(o, 2);
        checkpoint oc = save(o_net, o);
        check_rejects(t, oc.state, oc.state_len, others[i].status, others[i].needle);
        checkpoint_free(&oc);
        advlab_trainer_free(o);
        advlab_net_free(o_net);
    }
    /* The same run from another seed, one past 2^63: the message prints it unsigned. */
    advlab_train_config seeded;
    advlab_train_config_default(&seeded);
    seeded.epochs = EPOCHS, seeded.batch = BATCH, seeded.seed = (UINT64_C(1) << 63) + 1;
    advlab_net *s_net = new_net("tutorial", 3);
    advlab_trainer *s = NULL;
    CHECK(advlab_trainer_create(s_net, ds, &seeded, &s) == ADVLAB_OK, "%s", advlab_last_error());
    checkpoint sc = save(s_net, s);
    check_rejects(t, sc.state, sc.state_len, ADVLAB_E_ARG,
                  "saved with seed 9223372036854775809, this trainer has 5");
    checkpoint_free(&sc);
    advlab_trainer_free(s);
    advlab_net_free(s_net);
    /* A place the run cannot be in: batch 10 of 10 in an unfinished epoch. The
     * place block (epoch, batch, then 56 bytes of RNG, sums and Adam's beta^t)
     * sits right before m in a clean trainer's state. */
    int32_t batch_10 = 10;
    memcpy(bad, c.state, c.state_len), memcpy(bad + m_at - 64 + 4, &batch_10, sizeof batch_10);
    check_rejects(t, bad, c.state_len, ADVLAB_E_FORMAT, "batch 10 is out of range 0..9");

    CHECK(advlab_trainer_state_restore(t, c.state, c.state_len) == ADVLAB_OK, "%s",
          advlab_last_error());
    run_to_end(t);
    CHECK(same_params(whole, net),
          "after the refused states, the run no longer matches the uninterrupted one");
    free(bad);
    checkpoint_free(&c);
    advlab_trainer_free(t);
    advlab_net_free(net);
    advlab_net_free(whole);
}

int main(void)
{
    advlab_dataset *ds = synthetic_dataset(SAMPLES, 11);
    CHECK(ds != NULL, "synthetic dataset");
    if (!ds)
        return check_finish("test_checkpoint");
    check_bit_identity(ds, (run_kind){ADVLAB_OPT_ADAM, 0, "tutorial", BATCH}, "adam");
    check_bit_identity(ds, (run_kind){ADVLAB_OPT_SGD, 0, "tutorial", BATCH}, "sgd");
    check_bit_identity(ds, (run_kind){ADVLAB_OPT_ADAM, 1, "tutorial", BATCH}, "adversarial pgd");
    check_bad_states(ds);
    advlab_dataset_free(ds);
    return check_finish("test_checkpoint");
}
