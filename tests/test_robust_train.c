/* The robust trainers (fast AT, TRADES, PGD with an eps ramp) by their
 * defining properties: fast AT's rows are FGSM from a uniform start with
 * step 1.25 eps inside the ball, its learning rate follows ART's cycle and
 * a planted collapse rolls the weights back; TRADES at beta 0 is clean
 * training and its gradient matches central differences; the ramp's eps at
 * hand-checked points, and its first batch at eps 0 is clean; each resumes
 * from a checkpoint bit-identically; bad settings fail by name. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "check.h"
#include "nn/net.h"
#include "synthetic.h"
#include "train/robust_train.h"

#define PIXELS 784
#define BATCH 32
#define SAMPLES 128

static advlab_net *new_net(uint64_t seed)
{
    advlab_net *net = NULL;
    CHECK(advlab_net_create("tutorial", BATCH, seed, &net) == ADVLAB_OK, "%s", advlab_last_error());
    return net;
}

static int same_params(advlab_net *a, advlab_net *b)
{
    return memcmp(advlab_net_params(a), advlab_net_params(b),
                  sizeof(float) * advlab_net_param_count(a)) == 0;
}

static void train_config(advlab_train_config *tc, int epochs)
{
    advlab_train_config_default(tc);
    tc->epochs = epochs, tc->batch = BATCH, tc->seed = 9, tc->limit = SAMPLES;
    tc->lr = 0.005f;
}

/* Small budgets so the suite stays quick. */
static advlab_robust_train_config robust_config(const char *name)
{
    advlab_robust_train_config rc;
    CHECK(advlab_robust_train_config_default(name, &rc) == ADVLAB_OK, "%s", advlab_last_error());
    rc.eps = 0.1f, rc.eps_step = 0.04f, rc.max_iter = 3;
    rc.check = 64, rc.check_iter = 3, rc.ramp = 1;
    return rc;
}

static advlab_trainer *robust_trainer(advlab_net *net, const advlab_dataset *ds,
                                      const advlab_train_config *tc,
                                      const advlab_robust_train_config *rc)
{
    advlab_trainer *t = NULL;
    CHECK(advlab_robust_trainer_create(net, ds, tc, rc, &t) == ADVLAB_OK, "%s",
          advlab_last_error());
    return t;
}

static void run_batches(advlab_trainer *t, int batches)
{
    for (int i = 0; t && i < batches && !advlab_trainer_finished(t); i++)
        CHECK(advlab_trainer_run(t, 1, NULL) == ADVLAB_OK, "%s", advlab_last_error());
}

static void check_schedules(void)
{
    /* 5 epochs: up to 0.01 at floor(2 * 5 / 5) = 2, down to 0 at 5 */
    const double t[] = {0, 0.5, 1, 2, 3.5, 5, 6};
    const float lr[] = {0, 0.0025f, 0.005f, 0.01f, 0.005f, 0, 0};
    for (int i = 0; i < 7; i++)
        CHECK(fabsf(advlab__fbf_lr(0.01f, 5, t[i]) - lr[i]) < 1e-9f, "lr at %g: %g, expected %g",
              t[i], (double)advlab__fbf_lr(0.01f, 5, t[i]), (double)lr[i]);
    /* 2 epochs: the peak floor(4 / 5) is 0, so straight down from lr_max */
    CHECK(fabsf(advlab__fbf_lr(0.01f, 2, 0.5) - 0.0075f) < 1e-9f, "2 epochs at 0.5: %g",
          (double)advlab__fbf_lr(0.01f, 2, 0.5));

    advlab_robust_train_config rc;
    advlab_robust_train_config_default("pgd-ramp", &rc);
    rc.eps = 0.3f, rc.eps_start = 0, rc.ramp = 4;
    const double at[] = {0, 1, 2, 4, 10};
    const float eps[] = {0, 0.075f, 0.15f, 0.3f, 0.3f};
    for (int i = 0; i < 5; i++)
        CHECK(fabsf(advlab__ramp_eps(&rc, at[i]) - eps[i]) < 1e-7f, "eps at %g: %g, expected %g",
              at[i], (double)advlab__ramp_eps(&rc, at[i]), (double)eps[i]);
    rc.eps_start = 0.1f;
    CHECK(fabsf(advlab__ramp_eps(&rc, 2) - 0.2f) < 1e-7f, "eps from 0.1 at 2: %g",
          (double)advlab__ramp_eps(&rc, 2));
    rc.ramp = 0;
    CHECK(advlab__ramp_eps(&rc, 0) == 0.3f, "no ramp: %g", (double)advlab__ramp_eps(&rc, 0));
}

/* Fast AT's apply on a batch against the same steps written out: starts
 * from PCG stream 5 of the seed, the gradient at the unclipped start, one
 * step of 1.25 eps, clipped to the ball and to [0, 1]. */
static void check_fbf_rows(const advlab_dataset *ds)
{
    advlab_train_config tc;
    train_config(&tc, 1);
    advlab_robust_train_config rc = robust_config("fbf");
    advlab_net *net = new_net(3);
    advlab_trainer *t = robust_trainer(net, ds, &tc, &rc);
    if (!t)
        return;
    static float x[BATCH * PIXELS], rows[BATCH * PIXELS], start[BATCH * PIXELS],
        grad[BATCH * PIXELS], delta[BATCH * PIXELS];
    int32_t y[BATCH], idx[BATCH];
    for (int i = 0; i < BATCH; i++)
        idx[i] = i;
    advlab_dataset_gather(ds, idx, BATCH, x, y);
    memcpy(rows, x, sizeof x);
    CHECK(t->hook.apply(t->hook.self, rows, y, BATCH) == ADVLAB_OK, "%s", advlab_last_error());

    advlab_rng rng;
    advlab__rng_seed(&rng, tc.seed, 5);
    float eps = rc.eps;
    for (int i = 0; i < BATCH * PIXELS; i++) {
        delta[i] = eps * (2.0f * advlab__rng_uniform(&rng) - 1.0f);
        start[i] = x[i] + delta[i];
    }
    CHECK(advlab_net_input_grad(net, start, y, BATCH, grad, NULL) == ADVLAB_OK, "%s",
          advlab_last_error());
    int differ = 0, outside = 0, at_edge = 0, nonzero = 0;
    for (int i = 0; i < BATCH * PIXELS; i++) {
        float s = grad[i] > 0 ? 1.0f : grad[i] < 0 ? -1.0f : 0.0f;
        float d = delta[i] + 1.25f * eps * s;
        d = d < -eps ? -eps : d > eps ? eps : d;
        float v = x[i] + d;
        v = v < 0 ? 0 : v > 1 ? 1 : v;
        differ += memcmp(&v, &rows[i], sizeof v) != 0;
        outside += fabsf(rows[i] - x[i]) > eps * (1 + 1e-6f) || rows[i] < 0 || rows[i] > 1;
        at_edge += fabsf(d) == eps;
        nonzero += s != 0;
    }
    CHECK(differ == 0, "%d pixels differ from the written-out fast AT step", differ);
    CHECK(outside == 0, "%d pixels left the eps-ball or [0, 1]", outside);
    /* a step of 1.25 eps from inside the ball reaches its edge whenever the
     * start is within 0.25 eps of the edge it moves to: most pixels */
    CHECK(nonzero > BATCH * PIXELS / 2 && at_edge > nonzero / 2,
          "%d of %d pixels with a gradient sign end on the ball's edge", at_edge, nonzero);
    advlab_trainer_free(t);
    advlab_net_free(net);
}

/* A planted collapse: after epoch 1 every weight is zeroed, so the net
 * answers one class whatever the input; the check after epoch 2 finds the
 * accuracy fallen and restores epoch 1's weights, and the run ends. */
static void check_fbf_rollback(const advlab_dataset *ds)
{
    advlab_train_config tc;
    train_config(&tc, 4);
    advlab_robust_train_config rc = robust_config("fbf");
    rc.eps = 0.02f;
    for (int plant = 0; plant < 2; plant++) {
        advlab_net *net = new_net(3);
        advlab_trainer *t = robust_trainer(net, ds, &tc, &rc);
        if (!t)
            return;
        advlab_train_progress p;
        CHECK(advlab_trainer_run(t, 1000, &p) == ADVLAB_OK && p.epoch_done, "%s",
              advlab_last_error());
        size_t n = advlab_net_param_count(net);
        float *epoch1 = malloc(sizeof(float) * n);
        memcpy(epoch1, advlab_net_params(net), sizeof(float) * n);
        CHECK(advlab_net_meta(net, "rolled_back") == NULL, "rolled back after one epoch");
        if (plant)
            memset(advlab_net_params(net), 0, sizeof(float) * n);
        CHECK(advlab_trainer_run(t, 1000, &p) == ADVLAB_OK, "%s", advlab_last_error());
        const char *note = advlab_net_meta(net, "rolled_back");
        if (plant) {
            CHECK(advlab_trainer_finished(t), "the run goes on after the collapse");
            CHECK(p.epoch == 2 && p.epoch_done, "the report is about epoch %d, not 2", p.epoch);
            CHECK(memcmp(epoch1, advlab_net_params(net), sizeof(float) * n) == 0,
                  "the weights are not epoch 1's after the roll-back");
            CHECK(note && strstr(note, "weights of epoch 1"), "roll-back note: %s",
                  note ? note : "none");
        } else {
            CHECK(!advlab_trainer_finished(t) && !note, "a healthy run stopped: %s",
                  note ? note : "finished");
        }
        free(epoch1);
        advlab_trainer_free(t);
        advlab_net_free(net);
    }
}

/* TRADES at beta 0 trains exactly as the plain trainer; at beta 1 it does not. */
static void check_trades_beta0(const advlab_dataset *ds)
{
    advlab_train_config tc;
    train_config(&tc, 1);
    advlab_net *plain = new_net(3);
    CHECK(advlab_train(plain, ds, &tc, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    for (int beta = 0; beta < 2; beta++) {
        advlab_robust_train_config rc = robust_config("trades");
        rc.beta = (float)beta;
        advlab_net *net = new_net(3);
        advlab_trainer *t = robust_trainer(net, ds, &tc, &rc);
        run_batches(t, 1000);
        CHECK(same_params(net, plain) == !beta, "beta %d: weights %s the plain trainer's", beta,
              beta ? "equal" : "differ from");
        advlab_trainer_free(t);
        advlab_net_free(net);
    }
    advlab_net_free(plain);
}

/* advlab__trades_loss_grad's gradient against central differences of its
 * loss, on parameters from every layer; it must not be all zeros. */
static void check_trades_gradient(const advlab_dataset *ds)
{
    enum { M = 8 };
    advlab_net *net = new_net(5);
    static float x[M * PIXELS], xa[M * PIXELS];
    int32_t y[M], idx[M];
    for (int i = 0; i < M; i++)
        idx[i] = 3 * i;
    advlab_dataset_gather(ds, idx, M, x, y);
    advlab_rng rng;
    advlab__rng_seed(&rng, 77, 1);
    for (int i = 0; i < M * PIXELS; i++)
        xa[i] = x[i] + 0.3f * (2.0f * advlab__rng_uniform(&rng) - 1.0f);
    float beta = 3.0f;
    float *work = malloc(sizeof(float) * advlab__trades_work_floats(net, M));
    size_t n = net->n_params;
    float *grad = malloc(sizeof(float) * n);
    advlab__trades_loss_grad(net, x, xa, y, M, beta, work, NULL);
    memcpy(grad, net->grads, sizeof(float) * n);
    int checked = 0, bad = 0;
    for (int k = 0; k < 60; k++) {
        size_t i = advlab__rng_below(&rng, (uint32_t)n);
        float keep = net->params[i];
        double g = grad[i], fd[2];
        /* a large step may cross a ReLU's kink, a small one drowns in float
         * rounding: the gradient must match one of the two */
        const float hs[2] = {1e-2f, 2e-3f};
        for (int j = 0; j < 2; j++) {
            net->params[i] = keep + hs[j];
            double up = advlab__trades_loss_grad(net, x, xa, y, M, beta, work, NULL);
            net->params[i] = keep - hs[j];
            double down = advlab__trades_loss_grad(net, x, xa, y, M, beta, work, NULL);
            net->params[i] = keep;
            fd[j] = (up - down) / (2.0 * hs[j]);
        }
        if (fabs(g) < 1e-3 && fabs(fd[0]) < 1e-3)
            continue; /* too small to tell from rounding, or a ReLU at rest */
        checked++;
        int near0 = fabs(fd[0] - g) <= 0.03 * fmax(fabs(fd[0]), fabs(g)) + 1e-4;
        int near1 = fabs(fd[1] - g) <= 0.03 * fmax(fabs(fd[1]), fabs(g)) + 3e-4;
        if (!near0 && !near1) {
            bad++;
            fprintf(stderr, "param %zu: analytic %g, central differences %g, %g\n", i, g, fd[0],
                    fd[1]);
        }
    }
    CHECK(checked >= 15, "only %d parameters had a gradient to check", checked);
    CHECK(bad <= 1, "%d of %d parameter gradients disagree with central differences", bad, checked);
    free(grad);
    free(work);
    advlab_net_free(net);
}

/* pgd-ramp from eps 0: the first batch is clean, so one batch gives the
 * plain trainer's weights; two batches (eps > 0) do not. */
static void check_ramp_first_batch(const advlab_dataset *ds)
{
    advlab_train_config tc;
    train_config(&tc, 2);
    advlab_robust_train_config rc = robust_config("pgd-ramp");
    for (int batches = 1; batches <= 2; batches++) {
        advlab_net *plain = new_net(3), *net = new_net(3);
        advlab_trainer *p = NULL, *t = robust_trainer(net, ds, &tc, &rc);
        CHECK(advlab_trainer_create(plain, ds, &tc, &p) == ADVLAB_OK, "%s", advlab_last_error());
        run_batches(p, batches);
        run_batches(t, batches);
        CHECK(same_params(net, plain) == (batches == 1), "after %d batches the weights %s", batches,
              batches == 1 ? "differ from clean training's" : "equal clean training's");
        advlab_trainer_free(p);
        advlab_trainer_free(t);
        advlab_net_free(plain);
        advlab_net_free(net);
    }
}

/* Stopped after `stop` batches, saved, resumed in a net from another seed:
 * the same weights as the run that never stopped. */
static void check_resume(const advlab_dataset *ds, const char *name, int stop)
{
    advlab_train_config tc;
    train_config(&tc, 2);
    advlab_robust_train_config rc = robust_config(name);
    advlab_net *whole = new_net(3), *net = new_net(3);
    advlab_trainer *t = robust_trainer(whole, ds, &tc, &rc);
    run_batches(t, 1000);
    advlab_trainer_free(t);

    t = robust_trainer(net, ds, &tc, &rc);
    run_batches(t, stop);
    uint8_t *weights = NULL;
    size_t weights_len = 0, len = advlab_trainer_state_size(t);
    uint8_t *state = malloc(len);
    CHECK(advlab_weights_save(net, &weights, &weights_len) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_trainer_state_save(t, state, len) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_trainer_free(t);
    advlab_net_free(net);

    net = new_net(4);
    CHECK(advlab_weights_load(net, "checkpoint", weights, weights_len) == ADVLAB_OK, "%s",
          advlab_last_error());
    t = robust_trainer(net, ds, &tc, &rc);
    CHECK(advlab_trainer_state_restore(t, state, len) == ADVLAB_OK, "%s: %s", name,
          advlab_last_error());
    run_batches(t, 1000);
    CHECK(same_params(net, whole), "%s resumed after %d batches differs from the straight run",
          name, stop);
    if (!strcmp(name, "fbf")) { /* a state whose best accuracy is NaN is refused */
        size_t at = len - sizeof(float) * 2 * advlab_net_param_count(net) -
                    sizeof(uint64_t) * (7 + (advlab_net_param_count(net) + 1) / 2) +
                    6 * sizeof(uint64_t);
        double nan = NAN;
        memcpy(state + at, &nan, sizeof nan);
        CHECK_FAILS(advlab_trainer_state_restore(t, state, len), ADVLAB_E_NUMERIC,
                    "best check accuracy");
    }
    advlab_trainer_free(t);
    advlab_buffer_free(weights);
    free(state);
    advlab_net_free(net);
    advlab_net_free(whole);
}

static void check_bad_settings(const advlab_dataset *ds)
{
    advlab_robust_train_config rc;
    CHECK_FAILS(advlab_robust_train_config_default("free", &rc), ADVLAB_E_ARG, "pgd-ramp");
    advlab_robust_train_config_default("fbf", &rc);
    CHECK_FAILS(advlab_robust_train_config_set(&rc, "beta", 1), ADVLAB_E_ARG, "beta");
    advlab_train_config tc;
    train_config(&tc, 2);
    advlab_net *net = new_net(3);
    advlab_trainer *t = NULL;
    struct {
        const char *name, *key;
        double value;
        advlab_status status;
        const char *needle;
    } cases[] = {
        {"fbf", "eps", NAN, ADVLAB_E_ARG, "eps nan"},
        {"fbf", "eps", 0, ADVLAB_E_ARG, "eps 0"},
        {"fbf", "drop", 1.5, ADVLAB_E_ARG, "drop 1.5"},
        {"fbf", "check", 70000, ADVLAB_E_ARG, "more than the dataset's"},
        {"trades", "beta", -1, ADVLAB_E_ARG, "beta -1"},
        {"trades", "eps_step", INFINITY, ADVLAB_E_ARG, "eps_step inf"},
        {"trades", "max_iter", 0, ADVLAB_E_ARG, "max_iter 0"},
        {"pgd-ramp", "ramp", 3, ADVLAB_E_ARG, "longer than the run's 2 epochs"},
        {"pgd-ramp", "eps_start", 0.5, ADVLAB_E_ARG, "eps_start 0.5 is above eps 0.3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        advlab_robust_train_config_default(cases[i].name, &rc);
        rc.ramp = 1;
        /* the setter may refuse a value its type forbids; else create does */
        advlab_status st = advlab_robust_train_config_set(&rc, cases[i].key, cases[i].value);
        if (st == ADVLAB_OK)
            st = advlab_robust_trainer_create(net, ds, &tc, &rc, &t);
        CHECK_FAILS(st, cases[i].status, cases[i].needle);
    }
    advlab_net_free(net);
}

int main(void)
{
    advlab_dataset *ds = synthetic_dataset(512, 11);
    CHECK(ds != NULL, "%s", advlab_last_error());
    if (ds) {
        check_schedules();
        check_fbf_rows(ds);
        check_fbf_rollback(ds);
        check_trades_beta0(ds);
        check_trades_gradient(ds);
        check_ramp_first_batch(ds);
        check_resume(ds, "fbf", 5);
        check_resume(ds, "trades", 3);
        check_resume(ds, "pgd-ramp", 6);
        check_bad_settings(ds);
    }
    advlab_dataset_free(ds);
    return check_finish("robust_train");
}
