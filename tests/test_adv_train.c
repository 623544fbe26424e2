/* Adversarial training against a hand-written reference loop: the same
 * shuffle, the same rows drawn, the attack run with the true labels on the
 * weights of that moment, one Adam step, compared bit for bit. Then the
 * point of it all on MNIST: FGSM training raises FGSM accuracy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "check.h"
#include "mnist_split.h"
#include "nn/optim.h"
#include "synthetic.h"

#define PIXELS 784
#define BATCH 64

static int same_params(advlab_net *a, advlab_net *b)
{
    return memcmp(advlab_net_params(a), advlab_net_params(b),
                  sizeof(float) * advlab_net_param_count(a)) == 0;
}

static advlab_net *new_net(uint64_t seed)
{
    advlab_net *net = NULL;
    CHECK(advlab_net_create("tutorial", BATCH, seed, &net) == ADVLAB_OK, "%s", advlab_last_error());
    return net;
}

static void train_config(advlab_train_config *tc, int epochs)
{
    advlab_train_config_default(tc);
    tc->epochs = epochs, tc->batch = BATCH, tc->seed = 9;
}

static void fgsm_config(advlab_adv_config *ac, float ratio)
{
    advlab_adv_config_default(ac);
    ac->ratio = ratio;
}

/* Runs `batches` batches of an adversarial trainer on a net from seed 3. */
static advlab_net *trained(const advlab_dataset *ds, const advlab_train_config *tc,
                           const advlab_adv_config *ac, int batches)
{
    advlab_net *net = new_net(3);
    advlab_trainer *t = NULL;
    CHECK(advlab_adv_trainer_create(net, ds, tc, ac, &t) == ADVLAB_OK, "%s", advlab_last_error());
    for (int done = 0; t && done < batches; done++)
        CHECK(advlab_trainer_run(t, 1, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_trainer_free(t);
    return net;
}

/* The trainer's first `batches` batches by hand on a net from seed 3. Each
 * batch of m replaces k = ceil(m * num / den) rows: all of them in order
 * when num == den, else k drawn without replacement from stream 3. The
 * sources rotate over [net, statics...]. */
static advlab_net *reference(const advlab_dataset *ds, const advlab_train_config *tc,
                             const advlab_adv_config *ac, int n_sources, int num, int den,
                             int batches)
{
    advlab_net *net = new_net(3);
    int n = advlab_dataset_count(ds);
    int32_t *order = malloc(sizeof(int32_t) * n), y[BATCH], rows[BATCH], ys[BATCH];
    float *x = malloc(sizeof(float) * BATCH * PIXELS), *xs = malloc(sizeof(float) * BATCH * PIXELS),
          *xa = malloc(sizeof(float) * BATCH * PIXELS);
    for (int i = 0; i < n; i++)
        order[i] = i;
    advlab_rng shuffle, choice;
    advlab__rng_seed(&shuffle, tc->seed, 2);
    advlab__rng_shuffle(&shuffle, order, n);
    advlab__rng_seed(&choice, tc->seed, 3);
    advlab_attack *attacks[1 + ADVLAB_MAX_STATIC_NETS] = {0};
    for (int s = 0; s < n_sources; s++)
        CHECK(advlab_attack_create(s ? ac->static_nets[s - 1] : net, &ac->attack, &attacks[s]) ==
                  ADVLAB_OK,
              "%s", advlab_last_error());
    advlab_optim opt;
    CHECK(advlab__optim_init(&opt, tc, advlab_net_param_count(net)) == ADVLAB_OK, "%s",
          advlab_last_error());
    for (int b = 0; b < batches; b++) {
        int first = b * tc->batch, m = n - first < tc->batch ? n - first : tc->batch;
        int k = (m * num + den - 1) / den;
        advlab_dataset_gather(ds, order + first, m, x, y);
        for (int i = 0; i < m; i++)
            rows[i] = i;
        for (int i = 0; num < den && i < k; i++) {
            int j = i + (int)advlab__rng_below(&choice, (uint32_t)(m - i)), swap = rows[i];
            rows[i] = rows[j], rows[j] = swap;
        }
        for (int i = 0; i < k; i++) {
            memcpy(xs + i * PIXELS, x + rows[i] * PIXELS, sizeof(float) * PIXELS);
            ys[i] = y[rows[i]];
        }
        CHECK(advlab_attack_run(attacks[b % n_sources], xs, ys, k, xa) == ADVLAB_OK, "%s",
              advlab_last_error());
        CHECK(memcmp(xs, xa, sizeof(float) * k * PIXELS) != 0,
              "batch %d: the attack changed nothing", b);
        for (int i = 0; i < k; i++)
            memcpy(x + rows[i] * PIXELS, xa + i * PIXELS, sizeof(float) * PIXELS);
        float loss;
        CHECK(advlab_net_loss_grad(net, x, y, m, &loss) == ADVLAB_OK, "%s", advlab_last_error());
        advlab__optim_step(&opt, advlab_net_params(net), advlab_net_grads(net));
    }
    advlab__optim_free(&opt);
    for (int s = 0; s < n_sources; s++)
        advlab_attack_free(attacks[s]);
    free(order), free(x), free(xs), free(xa);
    return net;
}

static void test_ratio_zero_is_clean_training(const advlab_dataset *ds)
{
    advlab_train_config tc;
    advlab_adv_config ac;
    train_config(&tc, 2);
    fgsm_config(&ac, 0.0f);
    advlab_net *clean = new_net(3), *adv = new_net(3), *init = new_net(3);
    CHECK(advlab_train(clean, ds, &tc, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_trainer *t = NULL;
    CHECK(advlab_adv_trainer_create(adv, ds, &tc, &ac, &t) == ADVLAB_OK, "%s", advlab_last_error());
    while (t && !advlab_trainer_finished(t))
        CHECK(advlab_trainer_run(t, 3, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_trainer_free(t);
    CHECK(same_params(clean, adv), "ratio 0 trains other weights than advlab_trainer_create");
    CHECK(!same_params(clean, init), "training changed nothing");
    const char *defence = advlab_net_meta(adv, "defence");
    CHECK(defence && strstr(defence, "adversarial fgsm") && strstr(defence, "eps=0.2") &&
              strstr(defence, "ratio=0"),
          "adversarial defence metadata: %s", defence ? defence : "(none)");
    CHECK(advlab_net_meta(clean, "defence") &&
              strcmp(advlab_net_meta(clean, "defence"), "none") == 0,
          "clean training's defence metadata: %s", advlab_net_meta(clean, "defence"));
    CHECK(strcmp(advlab_net_meta(clean, "training"), advlab_net_meta(adv, "training")) == 0,
          "training metadata differs: %s vs %s", advlab_net_meta(clean, "training"),
          advlab_net_meta(adv, "training"));
    advlab_net_free(clean), advlab_net_free(adv), advlab_net_free(init);
}

/* 300 images in batches of 64: four full batches and one of 44. */
static void test_replaced_rows(const advlab_dataset *ds)
{
    advlab_train_config tc;
    advlab_adv_config ac;
    train_config(&tc, 1);

    fgsm_config(&ac, 1.0f);
    advlab_net *got = trained(ds, &tc, &ac, 5), *want = reference(ds, &tc, &ac, 1, 1, 1, 5);
    CHECK(same_params(got, want),
          "ratio 1: an epoch differs from replacing every row of every batch");
    advlab_net_free(got), advlab_net_free(want);

    fgsm_config(&ac, 0.5f);
    got = trained(ds, &tc, &ac, 5), want = reference(ds, &tc, &ac, 1, 1, 2, 5);
    CHECK(same_params(got, want),
          "ratio 0.5: an epoch differs from replacing 32 drawn rows (22 of the last 44)");
    advlab_net_free(want);
    want = reference(ds, &tc, &ac, 1, 31, 64, 5);
    CHECK(!same_params(got, want),
          "ratio 0.5 matches a reference replacing 31 rows: the check is blind");
    advlab_net_free(got), advlab_net_free(want);

    /* ceil(0.3 * 10) is 3 even though the float 0.3f is a little above 0.3. */
    advlab_dataset *small = synthetic_dataset(10, 4);
    tc.batch = 10;
    fgsm_config(&ac, 0.3f);
    got = trained(small, &tc, &ac, 1), want = reference(small, &tc, &ac, 1, 3, 10, 1);
    CHECK(same_params(got, want), "ratio 0.3 of 10 rows does not replace 3");
    advlab_net_free(got), advlab_net_free(want);
    advlab_dataset_free(small);
}

/* Madry et al.: ratio 1 with PGD eps 0.3, step 0.01, 40 iterations and a
 * random start. Random starts continue one stream, so the reference's
 * attack, seeded alike and called alike, draws the same points. */
static void test_madry(const advlab_dataset *ds)
{
    advlab_train_config tc;
    advlab_adv_config ac;
    train_config(&tc, 1);
    advlab_adv_config_default(&ac);
    ac.ratio = 1.0f;
    CHECK(advlab_attack_config_default("pgd", &ac.attack) == ADVLAB_OK, "%s", advlab_last_error());
    ac.attack.eps = 0.3f, ac.attack.eps_step = 0.01f, ac.attack.max_iter = 40,
    ac.attack.num_random_init = 1;
    advlab_net *got = trained(ds, &tc, &ac, 2), *want = reference(ds, &tc, &ac, 1, 1, 1, 2);
    CHECK(same_params(got, want), "Madry PGD training differs from its reference");
    const char *defence = advlab_net_meta(got, "defence");
    CHECK(defence && strstr(defence, "adversarial pgd") && strstr(defence, "max_iter=40"),
          "defence: %s", defence ? defence : "(none)");
    advlab_net_free(got), advlab_net_free(want);
}

/* Batches 1, 2, 3 take their examples from the trained net, the static net,
 * the trained net again. */
static void test_ensemble(const advlab_dataset *ds)
{
    advlab_train_config tc;
    advlab_adv_config ac;
    train_config(&tc, 1);
    fgsm_config(&ac, 0.5f);
    advlab_net *fixed = new_net(77), *probe = new_net(3);
    float x[BATCH * PIXELS], a1[BATCH * PIXELS], a2[BATCH * PIXELS];
    int32_t idx[BATCH], y[BATCH];
    for (int i = 0; i < BATCH; i++)
        idx[i] = i;
    advlab_dataset_gather(ds, idx, BATCH, x, y);
    advlab_attack *on_probe = NULL, *on_fixed = NULL;
    advlab_attack_create(probe, &ac.attack, &on_probe);
    advlab_attack_create(fixed, &ac.attack, &on_fixed);
    CHECK(on_probe && on_fixed && advlab_attack_run(on_probe, x, y, BATCH, a1) == ADVLAB_OK &&
              advlab_attack_run(on_fixed, x, y, BATCH, a2) == ADVLAB_OK,
          "%s", advlab_last_error());
    CHECK(memcmp(a1, a2, sizeof a1) != 0, "the static net's FGSM examples equal the trained net's");
    advlab_attack_free(on_probe), advlab_attack_free(on_fixed), advlab_net_free(probe);

    ac.n_static = 1, ac.static_nets[0] = fixed;
    advlab_net *got = trained(ds, &tc, &ac, 3), *want = reference(ds, &tc, &ac, 2, 1, 2, 3),
               *no_static = reference(ds, &tc, &ac, 1, 1, 2, 3);
    CHECK(same_params(got, want),
          "ensemble training differs from rotating [net, static] per batch");
    CHECK(!same_params(got, no_static),
          "ensemble training equals training on the net's own examples");
    const char *defence = advlab_net_meta(got, "defence");
    CHECK(defence && strstr(defence, "static=c4k5-p2-c10k5-p2-d100-d10"), "defence: %s",
          defence ? defence : "(none)");
    advlab_net_free(got), advlab_net_free(want), advlab_net_free(no_static), advlab_net_free(fixed);
}

static void test_bad_parameters(const advlab_dataset *ds)
{
    advlab_train_config tc;
    advlab_adv_config ac;
    train_config(&tc, 1);
    advlab_net *net = new_net(3), *two = NULL;
    CHECK(advlab_net_create("c4k5-p2-d2", 4, 1, &two) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_trainer *t = NULL;
#define BAD(field, value, status, needle)                                              \
    do {                                                                               \
        fgsm_config(&ac, 0.5f);                                                        \
        ac.field = value;                                                              \
        CHECK_FAILS(advlab_adv_trainer_create(net, ds, &tc, &ac, &t), status, needle); \
    } while (0)
    BAD(ratio, -0.1f, ADVLAB_E_ARG, "adversarial training: ratio -0.1 is out of range 0..1");
    BAD(ratio, 1.5f, ADVLAB_E_ARG, "adversarial training: ratio 1.5 is out of range 0..1");
    BAD(ratio, NAN, ADVLAB_E_ARG, "is out of range 0..1");
    BAD(n_static, 5, ADVLAB_E_ARG, "adversarial training: n_static 5 is out of range 0..4");
    BAD(n_static, -1, ADVLAB_E_ARG, "n_static -1 is out of range 0..4");
    BAD(n_static, 1, ADVLAB_E_ARG, "adversarial training: static net 0 is NULL");
    BAD(attack.targeted, 1, ADVLAB_E_ARG,
        "adversarial training: targeted attacks are not supported");
    fgsm_config(&ac, 0.5f);
    ac.n_static = 2, ac.static_nets[0] = net, ac.static_nets[1] = two;
    CHECK_FAILS(
        advlab_adv_trainer_create(net, ds, &tc, &ac, &t), ADVLAB_E_ARG,
        "static net 1 takes 784 pixels to 2 classes, the trained net 784 pixels to 10 classes");
    fgsm_config(&ac, 0.5f);
    ac.attack.eps = -1.0f;
    CHECK(advlab_adv_trainer_create(net, ds, &tc, &ac, &t) == ADVLAB_E_ARG &&
              strstr(advlab_last_error(), "adversarial training: ") &&
              strstr(advlab_last_error(), "eps"),
          "eps -1: %s", advlab_last_error());
    CHECK_FAILS(advlab_adv_trainer_create(net, ds, &tc, NULL, &t), ADVLAB_E_ARG,
                "adversarial training: config is required");
    fgsm_config(&ac, 0.5f);
    tc.batch = BATCH + 1;
    CHECK_FAILS(advlab_adv_trainer_create(net, ds, &tc, &ac, &t), ADVLAB_E_ARG,
                "batch 65 is out of range 1..64");
    CHECK(t == NULL, "a failed create wrote its out-param");
    CHECK(advlab_net_meta(net, "training") == NULL && advlab_net_meta(net, "defence") == NULL,
          "a failed create changed the net's metadata");
    advlab_net_free(net), advlab_net_free(two);
}

/* FGSM eps 0.2 accuracy on 500 test images of a net trained for 2 epochs on
 * 3000 MNIST images, clean or with the tutorial's adversarial training. */
static double fgsm_accuracy(advlab_net *net, const float *x, const int32_t *y, int n, float *x_adv,
                            double *clean)
{
    advlab_attack_config cfg;
    advlab_attack_config_default("fgsm", &cfg);
    cfg.eps = 0.2f;
    advlab_attack *a = NULL;
    advlab_attack_metrics m = {0};
    CHECK(advlab_attack_create(net, &cfg, &a) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(a && advlab_attack_run(a, x, y, n, x_adv) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_attack_metrics_compute(net, NULL, x, x_adv, y, NULL, n, &m, NULL) == ADVLAB_OK,
          "%s", advlab_last_error());
    advlab_attack_free(a);
    *clean = m.clean_accuracy;
    return m.adv_accuracy;
}

static void test_mnist(const char *dir)
{
    enum { N = 500 };
    advlab_dataset *train = load_mnist_split(dir, "train"), *test = load_mnist_split(dir, "t10k");
    if (!train || !test) {
        advlab_dataset_free(train), advlab_dataset_free(test);
        return;
    }
    static float x[N * PIXELS], x_adv[N * PIXELS];
    int32_t idx[N], y[N];
    for (int i = 0; i < N; i++)
        idx[i] = i;
    advlab_dataset_gather(test, idx, N, x, y);

    advlab_train_config tc;
    advlab_adv_config ac;
    train_config(&tc, 2);
    tc.limit = 3000;
    advlab_adv_config_default(&ac);
    advlab_net *clean = new_net(3), *defended = new_net(3);
    CHECK(advlab_train(clean, train, &tc, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_trainer *t = NULL;
    CHECK(advlab_adv_trainer_create(defended, train, &tc, &ac, &t) == ADVLAB_OK, "%s",
          advlab_last_error());
    advlab_train_progress p = {0};
    while (t && !advlab_trainer_finished(t))
        CHECK(advlab_trainer_run(t, 1000, &p) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_trainer_free(t);
    double clean_acc, defended_acc;
    double clean_adv = fgsm_accuracy(clean, x, y, N, x_adv, &clean_acc);
    double defended_adv = fgsm_accuracy(defended, x, y, N, x_adv, &defended_acc);
    printf("clean training:       clean %.3f, fgsm-0.2 %.3f\n", clean_acc, clean_adv);
    printf(
        "adversarial training: clean %.3f, fgsm-0.2 %.3f (last epoch: mixed-batch loss %.3f, accuracy %.3f)\n",
        defended_acc, defended_adv, p.loss, p.accuracy);
    CHECK(clean_acc > 0.85 && defended_acc > 0.85, "clean accuracies %.3f and %.3f", clean_acc,
          defended_acc);
    CHECK(defended_adv > clean_adv + 0.2,
          "FGSM accuracy %.3f after adversarial training, %.3f after clean", defended_adv,
          clean_adv);
    CHECK(defended_adv < defended_acc, "FGSM accuracy %.3f is not below clean accuracy %.3f",
          defended_adv, defended_acc);
    advlab_net_free(clean), advlab_net_free(defended);
    advlab_dataset_free(train), advlab_dataset_free(test);
}

/* One batch of a trainer over a copy of `from`'s weights, continuing `state`'s
 * optimizer when it is given. */
static advlab_net *one_batch_after(const advlab_net *from, const advlab_dataset *ds,
                                   const advlab_train_config *tc, const advlab_trainer *state)
{
    advlab_net *net = new_net(3);
    memcpy(advlab_net_params(net), advlab_net_params((advlab_net *)from),
           sizeof(float) * advlab_net_param_count(net));
    advlab_trainer *t = NULL;
    CHECK(advlab_trainer_create(net, ds, tc, &t) == ADVLAB_OK, "%s", advlab_last_error());
    if (t && state)
        CHECK(advlab_trainer_continue_optimizer(t, state) == ADVLAB_OK, "%s", advlab_last_error());
    if (t)
        CHECK(advlab_trainer_run(t, 1, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_trainer_free(t);
    return net;
}

/* ART's AdversarialTrainer keeps fitting the classifier with its optimizer:
 * continuing Adam's state must change the next step, and continuing a
 * trainer that never ran must be the same as starting fresh. */
static void test_continue_optimizer(const advlab_dataset *ds)
{
    advlab_train_config tc, sgd;
    train_config(&tc, 1);
    sgd = tc;
    sgd.optimizer = ADVLAB_OPT_SGD;
    advlab_net *base = new_net(3), *other = new_net(3);
    advlab_trainer *ran = NULL, *idle = NULL, *sgd_t = NULL;
    CHECK(advlab_trainer_create(base, ds, &tc, &ran) == ADVLAB_OK, "%s", advlab_last_error());
    while (ran && !advlab_trainer_finished(ran))
        CHECK(advlab_trainer_run(ran, 100, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_trainer_create(other, ds, &tc, &idle) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_net *fresh = one_batch_after(base, ds, &tc, NULL);
    advlab_net *continued = one_batch_after(base, ds, &tc, ran);
    advlab_net *from_idle = one_batch_after(base, ds, &tc, idle);
    CHECK(!same_params(fresh, continued), "continuing Adam's state changed nothing");
    CHECK(same_params(fresh, from_idle),
          "continuing a trainer that never ran differs from a fresh one");
    CHECK(advlab_trainer_create(other, ds, &sgd, &sgd_t) == ADVLAB_OK, "%s", advlab_last_error());
    if (sgd_t)
        CHECK_FAILS(advlab_trainer_continue_optimizer(sgd_t, ran), ADVLAB_E_ARG, "sgd over");
    if (ran)
        CHECK_FAILS(advlab_trainer_continue_optimizer(ran, idle), ADVLAB_E_ARG, "already run");
    CHECK_FAILS(advlab_trainer_continue_optimizer(NULL, ran), ADVLAB_E_ARG, "both trainers");
    advlab_trainer_free(ran), advlab_trainer_free(idle), advlab_trainer_free(sgd_t);
    advlab_net_free(base), advlab_net_free(other), advlab_net_free(fresh);
    advlab_net_free(continued), advlab_net_free(from_idle);
}

int main(int argc, char **argv)
{
    advlab_dataset *ds = synthetic_dataset(300, 11);
    CHECK(ds != NULL, "synthetic dataset");
    if (ds) {
        test_ratio_zero_is_clean_training(ds);
        test_replaced_rows(ds);
        test_madry(ds);
        test_ensemble(ds);
        test_bad_parameters(ds);
        test_continue_optimizer(ds);
    }
    advlab_dataset_free(ds);
    test_mnist(argc > 1 ? argv[1] : "data/mnist");
    return check_finish("test_adv_train");
}
