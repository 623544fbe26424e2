/* The public API's handling of bad arguments: every arch, batch, config,
 * input and metadata mistake is refused with a message naming it, and
 * nothing the caller had is changed. Also the arch parser's shapes and
 * PyTorch tensor names. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"

static void test_arch(void)
{
    advlab_net *net = NULL;
    CHECK(advlab_net_create("tutorial", 4, 1, &net) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(strcmp(advlab_net_arch(net), "c4k5-p2-c10k5-p2-d100-d10") == 0, "arch %s",
          advlab_net_arch(net));
    CHECK(advlab_net_param_count(net) == 18224, "param count %zu", advlab_net_param_count(net));
    CHECK(advlab_net_input_size(net) == 784 && advlab_net_classes(net) == 10, "sizes");
    static const struct {
        const char *name;
        int rank, shape[4];
    } want[] = {{"conv1.weight", 4, {4, 1, 5, 5}},  {"conv1.bias", 1, {4}},
                {"conv2.weight", 4, {10, 4, 5, 5}}, {"conv2.bias", 1, {10}},
                {"fc1.weight", 2, {100, 160}},      {"fc1.bias", 1, {100}},
                {"fc2.weight", 2, {10, 100}},       {"fc2.bias", 1, {10}}};
    CHECK(advlab_net_tensor_count(net) == 8, "tensor count %d", advlab_net_tensor_count(net));
    float *next = advlab_net_params(net);
    for (int i = 0; i < 8; i++) {
        advlab_tensor t;
        CHECK(advlab_net_tensor(net, i, &t) == ADVLAB_OK, "tensor %d", i);
        CHECK(strcmp(t.name, want[i].name) == 0 && t.rank == want[i].rank &&
                  memcmp(t.shape, want[i].shape, sizeof(int) * t.rank) == 0,
              "tensor %d is %s rank %d, expected %s", i, t.name, t.rank, want[i].name);
        CHECK(t.data == next, "tensor %s is not contiguous with the one before", t.name);
        next = t.data + t.count;
    }
    advlab_tensor t;
    CHECK_FAILS(advlab_net_tensor(net, 8, &t), ADVLAB_E_ARG, "tensor index 8 is out of range 0..7");
    advlab_net_free(net);

    /* Canonical specs: leading zeros and presets name one arch. */
    CHECK(advlab_net_create("c04k5-p2-c10k05-p2-d100-d10", 1, 1, &net) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(strcmp(advlab_net_arch(net), "c4k5-p2-c10k5-p2-d100-d10") == 0, "canonical %s",
          advlab_net_arch(net));
    advlab_net_free(net);
    CHECK(advlab_net_create("madry", 1, 1, &net) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_net_param_count(net) ==
              32 * 25 + 32 + 64 * 32 * 25 + 64 + 1024 * 1024 + 1024 + 10 * 1024 + 10,
          "madry param count %zu", advlab_net_param_count(net));
    advlab_net_free(net);

    net = NULL;
    CHECK_FAILS(advlab_net_create("", 1, 1, &net), ADVLAB_E_ARG, "arch: empty");
    CHECK_FAILS(advlab_net_create(NULL, 1, 1, &net), ADVLAB_E_ARG, "arch: empty");
    CHECK_FAILS(advlab_net_create("c4k5-q2-d10", 1, 1, &net), ADVLAB_E_ARG, "unknown layer \"q2\"");
    CHECK_FAILS(advlab_net_create("c4-d10", 1, 1, &net), ADVLAB_E_ARG, "\"c4\" is not cNkK");
    CHECK_FAILS(advlab_net_create("c4k29-d10", 1, 1, &net), ADVLAB_E_ARG,
                "larger than its 28x28 input");
    CHECK_FAILS(advlab_net_create("p3-d10", 1, 1, &net), ADVLAB_E_ARG, "must be p2");
    CHECK_FAILS(advlab_net_create("d0-d10", 1, 1, &net), ADVLAB_E_ARG, "\"d0\" is not dN");
    CHECK_FAILS(advlab_net_create("d5000-d10", 1, 1, &net), ADVLAB_E_ARG, "\"d5000\" is not dN");
    CHECK_FAILS(advlab_net_create("d100-c4k5-d10", 1, 1, &net), ADVLAB_E_ARG,
                "only dense layers may follow");
    CHECK_FAILS(advlab_net_create("c4k5-p2", 1, 1, &net), ADVLAB_E_ARG,
                "must end with a dense layer");
    CHECK_FAILS(advlab_net_create("d10-d1", 1, 1, &net), ADVLAB_E_ARG, "at least 2 classes");
    CHECK_FAILS(advlab_net_create("c4k5--d10", 1, 1, &net), ADVLAB_E_ARG,
                "empty or overlong layer");
    CHECK_FAILS(advlab_net_create("d2-d2-d2-d2-d2-d2-d2-d2-d2-d2-d2-d2-d2-d2-d2-d2-d2", 1, 1, &net),
                ADVLAB_E_ARG, "more than 16 layers");
    CHECK_FAILS(advlab_net_create("tutorial", 0, 1, &net), ADVLAB_E_ARG,
                "max_batch 0 is out of range");
    CHECK(net == NULL, "a failed create wrote its out-param");
}

static void test_inputs(void)
{
    advlab_net *net = NULL;
    advlab_net_create("tutorial", 4, 1, &net);
    float x[5 * 784], grad[5 * 784], probs[50], loss;
    int32_t y[5] = {0, 1, 2, 3, 4};
    for (int i = 0; i < 5 * 784; i++)
        x[i] = (float)(i % 255) / 255.0f;
    CHECK(advlab_net_predict(net, x, 5, probs) == ADVLAB_OK,
          "predict 5 > max_batch 4 is chunked: %s", advlab_last_error());
    for (int b = 0; b < 5; b++) {
        double s = 0.0;
        for (int c = 0; c < 10; c++)
            s += probs[b * 10 + c];
        CHECK(fabs(s - 1.0) < 1e-5, "probabilities of image %d sum to %g", b, s);
    }
    CHECK_FAILS(advlab_net_loss_grad(net, x, y, 5, &loss), ADVLAB_E_ARG,
                "batch of 5 images is out of range 1..4");
    CHECK_FAILS(advlab_net_predict(net, x, 0, probs), ADVLAB_E_ARG, "batch of 0 images");
    CHECK_FAILS(advlab_net_predict(net, NULL, 1, probs), ADVLAB_E_ARG, "input images: NULL");

    float saved = x[2 * 784 + 17];
    x[2 * 784 + 17] = NAN;
    CHECK_FAILS(advlab_net_predict(net, x, 3, probs), ADVLAB_E_NUMERIC,
                "input image 2, pixel 17 is NaN");
    x[2 * 784 + 17] = INFINITY;
    CHECK_FAILS(advlab_net_input_grad(net, x, y, 3, grad, &loss), ADVLAB_E_NUMERIC,
                "pixel 17 is infinite");
    x[2 * 784 + 17] = saved;

    y[1] = 10;
    CHECK_FAILS(advlab_net_loss_grad(net, x, y, 2, &loss), ADVLAB_E_ARG,
                "label of image 1 is 10, outside 0..9");
    y[1] = -1;
    CHECK_FAILS(advlab_net_input_grad(net, x, y, 2, grad, &loss), ADVLAB_E_ARG,
                "label of image 1 is -1");
    y[1] = 1;
    CHECK_FAILS(advlab_net_input_grad(net, x, NULL, 2, grad, &loss), ADVLAB_E_ARG, "labels: NULL");
    CHECK_FAILS(advlab_net_input_grad(net, x, y, 2, NULL, &loss), ADVLAB_E_ARG, "grad: NULL");
    advlab_net_free(net);
}

static void test_train_config(void)
{
    advlab_dataset *ds = synthetic_dataset(100, 3);
    advlab_net *net = NULL;
    advlab_net_create("tutorial", 16, 1, &net);
    advlab_trainer *t = NULL;
    advlab_train_config cfg;
#define BAD_CONFIG(field, value, needle)                                             \
    do {                                                                             \
        advlab_train_config_default(&cfg);                                           \
        cfg.batch = 16;                                                              \
        cfg.field = value;                                                           \
        CHECK_FAILS(advlab_trainer_create(net, ds, &cfg, &t), ADVLAB_E_ARG, needle); \
    } while (0)
    BAD_CONFIG(epochs, 0, "epochs 0 is out of range 1..10000");
    BAD_CONFIG(batch, 17, "batch 17 is out of range 1..16");
    BAD_CONFIG(batch, 0, "batch 0 is out of range");
    BAD_CONFIG(limit, -5, "train config: limit -5 must be >= 0");
    BAD_CONFIG(lr, 0.0f, "lr 0 is out of range (0, 10]");
    BAD_CONFIG(lr, NAN, "lr nan is out of range");
    BAD_CONFIG(lr, -0.1f, "lr -0.1 is out of range");
    BAD_CONFIG(beta1, 1.0f, "train config: beta1 1 is out of range [0, 1)");
    BAD_CONFIG(beta2, NAN, "beta2 nan is out of range [0, 1)");
    BAD_CONFIG(epsilon, 0.0f, "epsilon 0 is out of range (0, 1)");
    BAD_CONFIG(optimizer, (advlab_optimizer)7, "optimizer 7 is not one of 0 (adam), 1 (sgd)");
    advlab_train_config_default(&cfg);
    cfg.batch = 16, cfg.optimizer = ADVLAB_OPT_SGD, cfg.momentum = 1.0f;
    CHECK_FAILS(advlab_trainer_create(net, ds, &cfg, &t), ADVLAB_E_ARG,
                "momentum 1 is out of range [0, 1)");
    CHECK_FAILS(advlab_trainer_create(net, NULL, &cfg, &t), ADVLAB_E_ARG, "dataset: NULL");
    CHECK(t == NULL, "a failed trainer_create wrote its out-param");
#undef BAD_CONFIG

    /* A net with fewer classes than the dataset's labels cannot train on it. */
    advlab_net *two = NULL;
    advlab_net_create("d2", 16, 1, &two);
    advlab_train_config_default(&cfg);
    cfg.batch = 16;
    CHECK_FAILS(advlab_trainer_create(two, ds, &cfg, &t), ADVLAB_E_ARG,
                "is not below the net's 2 classes");
    double acc;
    CHECK_FAILS(advlab_net_evaluate(two, ds, 0, &acc, NULL), ADVLAB_E_ARG,
                "is not below the net's 2 classes");
    advlab_net_free(two);

    /* Weights so large that the forward pass overflows (inf - inf = NaN):
     * training stops with the weights as they were before the bad batch. */
    advlab_train_config_default(&cfg);
    cfg.batch = 16;
    CHECK(advlab_trainer_create(net, ds, &cfg, &t) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_tensor conv1;
    advlab_net_tensor(net, 0, &conv1);
    for (size_t i = 0; i < conv1.count; i++)
        conv1.data[i] = 3e38f;
    size_t bytes = sizeof(float) * advlab_net_param_count(net);
    float *before = malloc(bytes);
    memcpy(before, advlab_net_params(net), bytes);
    CHECK_FAILS(advlab_trainer_run(t, 1, NULL), ADVLAB_E_NUMERIC,
                "training diverged at epoch 1, batch 1");
    CHECK(memcmp(before, advlab_net_params(net), bytes) == 0,
          "a diverged batch changed the weights");
    free(before);
    advlab_trainer_free(t);
    advlab_net_free(net);
    advlab_dataset_free(ds);
}

/* The train and adversarial configs go through the one table-driven setter:
 * every field by its key, types checked at set, ranges at create. */
static void test_config_setters(void)
{
    advlab_train_config cfg;
    advlab_train_config_default(&cfg);
    CHECK(advlab_train_config_set(&cfg, "lr", 0.05) == ADVLAB_OK && cfg.lr == 0.05f, "lr by key");
    CHECK(advlab_train_config_set(&cfg, "optimizer", 1) == ADVLAB_OK &&
              cfg.optimizer == ADVLAB_OPT_SGD,
          "optimizer by number");
    CHECK(advlab_train_config_set(&cfg, "seed", 0x1p53 - 1) == ADVLAB_OK &&
              cfg.seed == (1ull << 53) - 1,
          "the largest seed a double carries");
    CHECK(advlab_train_config_set(&cfg, "epochs", 3) == ADVLAB_OK && cfg.epochs == 3,
          "epochs by key");
    CHECK_FAILS(advlab_train_config_set(&cfg, "optimizer", 2), ADVLAB_E_ARG,
                "train config: optimizer 2 is not one of 0 (adam), 1 (sgd)");
    CHECK_FAILS(advlab_train_config_set(&cfg, "epochs", 2.5), ADVLAB_E_ARG,
                "train config: epochs 2.5 is not an integer");
    CHECK_FAILS(advlab_train_config_set(&cfg, "seed", -1), ADVLAB_E_ARG,
                "train config: seed -1 is not an integer in 0..2^53-1");
    CHECK_FAILS(
        advlab_train_config_set(&cfg, "learning_rate", 1), ADVLAB_E_ARG,
        "train config: unknown key \"learning_rate\"; valid keys: optimizer, lr, momentum, beta1, beta2, "
        "epsilon, epochs, batch, seed, limit");
    CHECK_FAILS(advlab_train_config_set(NULL, "lr", 1), ADVLAB_E_ARG,
                "train config: config is NULL");
    CHECK(cfg.epochs == 3 && cfg.optimizer == ADVLAB_OPT_SGD, "a failed set changed the config");

    advlab_adv_config adv;
    advlab_adv_config_default(&adv);
    CHECK(advlab_adv_config_set(&adv, "ratio", 1) == ADVLAB_OK && adv.ratio == 1.0f,
          "ratio by key");
    CHECK_FAILS(advlab_adv_config_set(&adv, "eps", 0.1), ADVLAB_E_ARG,
                "adversarial training: unknown key \"eps\"; valid keys: ratio");
}

static void test_meta(void)
{
    advlab_net *net = NULL;
    advlab_net_create("d10", 1, 1, &net);
    CHECK(advlab_net_set_meta(net, "dataset", "mnist") == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_net_set_meta(net, "dataset", "fashion-mnist") == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(strcmp(advlab_net_meta(net, "dataset"), "fashion-mnist") == 0,
          "set_meta does not replace");
    CHECK(advlab_net_meta(net, "nothing") == NULL, "an unknown key has a value");
    char long_value[2000];
    memset(long_value, 'v', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    CHECK_FAILS(advlab_net_set_meta(net, "notes", long_value), ADVLAB_E_ARG,
                "value must be at most 1023");
    CHECK_FAILS(advlab_net_set_meta(net, "", "x"), ADVLAB_E_ARG,
                "metadata key must be 1..63 characters");
    char key[16];
    for (int i = 0; i < 15; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(advlab_net_set_meta(net, key, "v") == ADVLAB_OK, "%s", advlab_last_error());
    }
    CHECK_FAILS(advlab_net_set_meta(net, "one-too-many", "v"), ADVLAB_E_ARG,
                "more than 16 entries");
    advlab_net_free(net);
    advlab_net_free(NULL);
    advlab_trainer_free(NULL);
    advlab_dataset_free(NULL);
}

int main(void)
{
    test_arch();
    test_inputs();
    test_train_config();
    test_config_setters();
    test_meta();
    return check_finish("test_api");
}
