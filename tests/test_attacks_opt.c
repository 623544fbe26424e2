/* The optimisation attacks: DeepFool, NewtonFool and Carlini-Wagner L2.
 * DeepFool's first step matches its closed form on an affine model; on a
 * briefly trained MNIST net each attack flips most correctly classified
 * images with perturbations far below FGSM's; C&W reaches its targets;
 * results do not depend on chunking; bad parameters are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "base/rng.h"
#include "check.h"
#include "mnist_split.h"

#define N_TEST 64 /* MNIST test images attacked */

static advlab_attack *make_attack(advlab_net *net, const advlab_attack_config *cfg)
{
    advlab_attack *a = NULL;
    CHECK(advlab_attack_create(net, cfg, &a) == ADVLAB_OK, "%s", advlab_last_error());
    return a;
}

static int argmax(const float *p, int k)
{
    int best = 0;
    for (int c = 1; c < k; c++)
        if (p[c] > p[best])
            best = c;
    return best;
}

static void predict(advlab_net *net, const float *x, int n, int32_t *pred)
{
    float *probs = malloc(sizeof(float) * n * 10);
    CHECK(advlab_net_predict(net, x, n, probs) == ADVLAB_OK, "%s", advlab_last_error());
    for (int b = 0; b < n; b++)
        pred[b] = argmax(probs + b * 10, 10);
    free(probs);
}

static double l2_dist(const float *a, const float *b, int len)
{
    double s = 0.0;
    for (int i = 0; i < len; i++)
        s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sqrt(s);
}

static int in_box(const float *x, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!(x[i] >= 0.0f && x[i] <= 1.0f))
            return 0;
    return 1;
}

/* ------------------------------------------------ DeepFool's closed form */

/* On z = W x + b, DeepFool's step from x is exact: with o the class to
 * leave and l the nearest other class, w = W_l - W_o and f = z_l - z_o,
 * r = |f| / (||w||^2 + 1e-7) * w lands on the boundary, and the result is
 * x + (1 + overshoot) r. Image 0 is built so that l = 3; image 1 is
 * already misclassified with respect to its label and comes back as is. */
static void test_deepfool_affine(void)
{
    advlab_net *net = NULL;
    CHECK(advlab_net_create("d10", 4, 1, &net) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_tensor W, bias;
    advlab_net_tensor(net, 0, &W);
    advlab_net_tensor(net, 1, &bias);
    advlab_rng rng;
    advlab__rng_seed(&rng, 5, 0);
    for (size_t i = 0; i < W.count; i++)
        W.data[i] = 0.1f * advlab__rng_uniform(&rng) - 0.05f;
    static float x[2 * 784], x_adv[2 * 784];
    for (int i = 0; i < 2 * 784; i++)
        x[i] = 0.3f + 0.4f * advlab__rng_uniform(&rng);
    /* Logits at image 0: class 0 leads, class 3 is 0.2 behind, the rest 2. */
    for (int k = 0; k < 10; k++) {
        double wx = 0.0;
        for (int p = 0; p < 784; p++)
            wx += (double)W.data[k * 784 + p] * x[p];
        bias.data[k] = (float)((k == 0 ? 1.0 : k == 3 ? 0.8 : -1.0) - wx);
    }
    double z[10];
    for (int k = 0; k < 10; k++) {
        z[k] = bias.data[k];
        for (int p = 0; p < 784; p++)
            z[k] += (double)W.data[k * 784 + p] * x[p];
    }
    double norm2 = 0.0;
    for (int p = 0; p < 784; p++)
        norm2 +=
            ((double)W.data[3 * 784 + p] - W.data[p]) * ((double)W.data[3 * 784 + p] - W.data[p]);
    double r = fabs(z[3] - z[0]) / (norm2 + 1e-7);

    int32_t y[2] = {0, 5}, pred[2];
    predict(net, x, 2, pred);
    CHECK(pred[0] == 0 && pred[1] != 5, "affine setup: predictions %d %d", pred[0], pred[1]);
    for (int max_iter = 1; max_iter <= 100; max_iter += 99) {
        advlab_attack_config cfg;
        advlab_attack_config_default("deepfool", &cfg);
        cfg.max_iter = max_iter;
        advlab_attack *a = make_attack(net, &cfg);
        CHECK(advlab_attack_run(a, x, y, 2, x_adv) == ADVLAB_OK, "%s", advlab_last_error());
        double worst = 0.0;
        for (int p = 0; p < 784; p++) {
            double want =
                x[p] + (1.0 + cfg.overshoot) * r * ((double)W.data[3 * 784 + p] - W.data[p]);
            worst = fmax(worst, fabs(x_adv[p] - want));
        }
        CHECK(worst < 1e-5, "max_iter %d: DeepFool is %g from its closed form", max_iter, worst);
        CHECK(memcmp(x + 784, x_adv + 784, sizeof(float) * 784) == 0,
              "max_iter %d: an image misclassified from the start was moved", max_iter);
        predict(net, x_adv, 1, pred);
        CHECK(pred[0] == 3, "max_iter %d: DeepFool's result is predicted %d, not 3", max_iter,
              pred[0]);
        advlab_attack_free(a);
    }
    advlab_net_free(net);
}

/* --------------------------------------------------- on a trained net */

typedef struct {
    advlab_net *net;
    float *x;       /* N_TEST test images */
    int32_t *y;     /* their labels */
    int32_t *clean; /* the net's predictions */
    int n_correct;
} bench;

static int load_bench(const char *dir, bench *b)
{
    advlab_dataset *train = load_mnist_split(dir, "train"), *test = load_mnist_split(dir, "t10k");
    if (!train || !test) {
        advlab_dataset_free(train), advlab_dataset_free(test);
        return 0;
    }
    advlab_train_config cfg;
    advlab_train_config_default(&cfg);
    cfg.epochs = 1, cfg.limit = 3000, cfg.seed = 3;
    CHECK(advlab_net_create("tutorial", 200, 3, &b->net) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_train(b->net, train, &cfg, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    b->x = malloc(sizeof(float) * N_TEST * 784);
    b->y = malloc(sizeof(int32_t) * N_TEST);
    b->clean = malloc(sizeof(int32_t) * N_TEST);
    int32_t idx[N_TEST];
    for (int i = 0; i < N_TEST; i++)
        idx[i] = i;
    advlab_dataset_gather(test, idx, N_TEST, b->x, b->y);
    predict(b->net, b->x, N_TEST, b->clean);
    b->n_correct = 0;
    for (int i = 0; i < N_TEST; i++)
        b->n_correct += b->clean[i] == b->y[i];
    printf("trained net: %d of %d test images correct\n", b->n_correct, N_TEST);
    CHECK(b->n_correct >= N_TEST * 8 / 10, "the briefly trained net gets only %d of %d right",
          b->n_correct, N_TEST);
    advlab_dataset_free(train), advlab_dataset_free(test);
    return 1;
}

typedef struct {
    double flipped; /* fraction of correctly classified images no longer predicted as y */
    double mean_l2; /* over those flipped */
} outcome;

/* Runs cfg against y (targets when targeted) on the bench's images;
 * success is "moved off the true label" or "reached the target". */
static outcome attack_outcome(bench *b, const advlab_attack_config *cfg, const int32_t *y,
                              float *x_adv)
{
    outcome o = {0.0, 0.0};
    advlab_attack *a = make_attack(b->net, cfg);
    if (!a)
        return o;
    CHECK(advlab_attack_run(a, b->x, y, N_TEST, x_adv) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_attack_free(a);
    CHECK(in_box(x_adv, (size_t)N_TEST * 784), "%s left [0,1]", advlab_attack_name(cfg->kind));
    int32_t pred[N_TEST];
    predict(b->net, x_adv, N_TEST, pred);
    int hits = 0;
    for (int i = 0; i < N_TEST; i++) {
        if (b->clean[i] != b->y[i])
            continue;
        if (cfg->targeted ? pred[i] == y[i] : pred[i] != b->y[i]) {
            hits++;
            o.mean_l2 += l2_dist(x_adv + i * 784, b->x + i * 784, 784);
        }
    }
    o.flipped = (double)hits / b->n_correct;
    o.mean_l2 = hits ? o.mean_l2 / hits : 0.0;
    printf("%-10s %s: %5.1f%% of correct images succeed, mean L2 %.3f\n",
           advlab_attack_name(cfg->kind), cfg->targeted ? "targeted  " : "untargeted",
           100.0 * o.flipped, o.mean_l2);
    return o;
}

static void test_trained(bench *b)
{
    float *x_adv = malloc(sizeof(float) * N_TEST * 784),
          *x_fgsm = malloc(sizeof(float) * N_TEST * 784);
    advlab_attack_config cfg;

    advlab_attack_config_default("fgsm", &cfg);
    outcome fgsm = attack_outcome(b, &cfg, b->y, x_fgsm);
    cfg.minimal = 1, cfg.eps_step = 0.01f; /* x_fgsm: each image's smallest flipping eps */
    attack_outcome(b, &cfg, b->y, x_fgsm);

    advlab_attack_config_default("deepfool", &cfg);
    outcome df = attack_outcome(b, &cfg, b->y, x_adv);
    CHECK(df.flipped > 0.9, "DeepFool flips only %.2f of correct images", df.flipped);
    CHECK(df.mean_l2 < 0.3 * fgsm.mean_l2,
          "DeepFool's mean L2 %.3f is not well below FGSM eps 0.3's %.3f", df.mean_l2,
          fgsm.mean_l2);
    /* On the images both flip, DeepFool needs less L2 than minimal FGSM. */
    int32_t pred_df[N_TEST], pred_fgsm[N_TEST];
    predict(b->net, x_adv, N_TEST, pred_df);
    predict(b->net, x_fgsm, N_TEST, pred_fgsm);
    double l2_df = 0.0, l2_fgsm = 0.0;
    int both = 0;
    for (int i = 0; i < N_TEST; i++)
        if (b->clean[i] == b->y[i] && pred_df[i] != b->y[i] && pred_fgsm[i] != b->y[i]) {
            both++;
            l2_df += l2_dist(x_adv + i * 784, b->x + i * 784, 784);
            l2_fgsm += l2_dist(x_fgsm + i * 784, b->x + i * 784, 784);
        }
    CHECK(both > b->n_correct / 2 && l2_df < l2_fgsm,
          "on %d images both flip, DeepFool's L2 sum %.3f is not below minimal FGSM's %.3f", both,
          l2_df, l2_fgsm);

    advlab_attack_config_default("newtonfool", &cfg);
    outcome nf = attack_outcome(b, &cfg, b->y, x_adv);
    CHECK(nf.flipped > 0.9, "NewtonFool flips only %.2f of correct images", nf.flipped);
    CHECK(nf.mean_l2 < 0.3 * fgsm.mean_l2,
          "NewtonFool's mean L2 %.3f is not well below FGSM's %.3f", nf.mean_l2, fgsm.mean_l2);

    advlab_attack_config_default("cw", &cfg);
    /* ART's 10 steps of 0.01 barely move w; Adam needs more or larger steps. */
    cfg.max_iter = 50, cfg.binary_search_steps = 4, cfg.learning_rate = 0.1f,
    cfg.initial_const = 1.0f;
    outcome cw = attack_outcome(b, &cfg, b->y, x_adv);
    CHECK(cw.flipped > 0.8, "C&W flips only %.2f of correct images", cw.flipped);
    CHECK(cw.mean_l2 < 0.3 * fgsm.mean_l2, "C&W's mean L2 %.3f is not well below FGSM's %.3f",
          cw.mean_l2, fgsm.mean_l2);

    int32_t target[N_TEST];
    for (int i = 0; i < N_TEST; i++)
        target[i] = (b->y[i] + 1) % 10;
    cfg.targeted = 1;
    outcome cwt = attack_outcome(b, &cfg, target, x_adv);
    CHECK(cwt.flipped > 0.8, "targeted C&W reaches the target for only %.2f of correct images",
          cwt.flipped);

    /* A constant too small to ever succeed: every image comes back as is. */
    advlab_attack_config_default("cw", &cfg);
    cfg.initial_const = 1e-6f, cfg.binary_search_steps = 1, cfg.max_iter = 5,
    cfg.learning_rate = 0.01f;
    advlab_attack *a = make_attack(b->net, &cfg);
    CHECK(a && advlab_attack_run(a, b->x, b->y, N_TEST, x_adv) == ADVLAB_OK, "%s",
          advlab_last_error());
    int moved = 0;
    for (int i = 0; i < N_TEST; i++)
        moved += b->clean[i] == b->y[i] &&
                 memcmp(x_adv + i * 784, b->x + i * 784, sizeof(float) * 784) != 0;
    CHECK(moved == 0, "C&W returned %d images it never succeeded on changed", moved);
    advlab_attack_free(a);
    free(x_adv), free(x_fgsm);
}

/* -------------------------------------------------------- chunking */

/* The same attack through a net of max_batch 16 and one of 200 with the
 * same weights gives bit-identical images. */
static void test_chunking(bench *b)
{
    advlab_net *small = NULL;
    CHECK(advlab_net_create("tutorial", 16, 1, &small) == ADVLAB_OK, "%s", advlab_last_error());
    if (!small)
        return;
    memcpy(advlab_net_params(small), advlab_net_params(b->net),
           sizeof(float) * advlab_net_param_count(small));
    float *big_out = malloc(sizeof(float) * N_TEST * 784),
          *small_out = malloc(sizeof(float) * N_TEST * 784);
    static const char *const names[] = {"deepfool", "newtonfool", "cw"};
    for (int k = 0; k < 3; k++) {
        advlab_attack_config cfg;
        advlab_attack_config_default(names[k], &cfg);
        cfg.max_iter = 10, cfg.binary_search_steps = 2, cfg.learning_rate = 0.1f;
        advlab_attack *a = make_attack(b->net, &cfg), *s = make_attack(small, &cfg);
        CHECK(a && advlab_attack_run(a, b->x, NULL, N_TEST, big_out) == ADVLAB_OK, "%s",
              advlab_last_error());
        CHECK(s && advlab_attack_run(s, b->x, NULL, N_TEST, small_out) == ADVLAB_OK, "%s",
              advlab_last_error());
        CHECK(memcmp(big_out, small_out, sizeof(float) * N_TEST * 784) == 0,
              "%s: max_batch 16 and 200 give different images", names[k]);
        CHECK(memcmp(big_out, b->x, sizeof(float) * N_TEST * 784) != 0, "%s changed nothing",
              names[k]);
        advlab_attack_free(a), advlab_attack_free(s);
    }
    free(big_out), free(small_out);
    advlab_net_free(small);
}

/* ------------------------------------------------------- parameters */

static void test_bad_params(void)
{
    advlab_net *net = NULL;
    advlab_net_create("d10", 2, 1, &net);
    advlab_attack *a = NULL;
    advlab_attack_config cfg;
#define BAD(name, field, value, needle)                                         \
    do {                                                                        \
        advlab_attack_config_default(name, &cfg);                               \
        cfg.field = value;                                                      \
        CHECK_FAILS(advlab_attack_create(net, &cfg, &a), ADVLAB_E_ARG, needle); \
    } while (0)
    BAD("deepfool", targeted, 1, "attack deepfool: has no targeted variant");
    BAD("newtonfool", targeted, 1, "attack newtonfool: has no targeted variant");
    BAD("deepfool", overshoot, -0.01f, "overshoot -0.01 must be finite and >= 0");
    BAD("deepfool", overshoot, NAN, "overshoot nan must be finite");
    BAD("deepfool", max_iter, 0, "attack deepfool: max_iter 0 must be >= 1");
    BAD("newtonfool", eta, 0.0f, "attack newtonfool: eta 0 must be finite and > 0");
    BAD("newtonfool", eta, -0.5f, "eta -0.5 must be finite and > 0");
    BAD("cw", binary_search_steps, 0, "attack cw: binary_search_steps 0 must be >= 1");
    BAD("cw", learning_rate, 0.0f, "attack cw: learning_rate 0 must be finite and > 0");
    BAD("cw", confidence, -1.0f, "attack cw: confidence -1 must be finite and >= 0");
    BAD("cw", initial_const, 0.0f, "attack cw: initial_const 0 must be finite and > 0");
#undef BAD
    CHECK(a == NULL, "a failed attack create wrote its out-param");
    advlab_net_free(net);
}

int main(int argc, char **argv)
{
    test_deepfool_affine();
    test_bad_params();
    bench b = {0};
    if (load_bench(argc > 1 ? argv[1] : "data/mnist", &b)) {
        test_trained(&b);
        test_chunking(&b);
        advlab_net_free(b.net);
        free(b.x), free(b.y), free(b.clean);
    }
    return check_finish("test_attacks_opt");
}
