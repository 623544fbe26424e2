/* The extraction family's defining properties (issue 16): the victim
 * answers exactly the budget, through predict only (its weights and
 * gradients untouched); class labels leave the thief one-hot answers; a
 * thief trained on the victim's answers agrees with it, and reverse sigmoid
 * costs a thief that learns the probabilities; adaptive sampling pulls one
 * arm per query; every run is seeded. Then bad input, and a short
 * seeded MNIST run when the data is there. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "extract/extract.h"
#include "mnist_split.h"
#include "synthetic.h"

static advlab_extract_config config(const char *method, int queries, int epochs)
{
    advlab_extract_config cfg;
    CHECK(advlab_extract_config_default(method, &cfg) == ADVLAB_OK, "%s", advlab_last_error());
    cfg.queries = queries, cfg.epochs = epochs, cfg.batch = 32;
    return cfg;
}

static advlab_net *train_victim(const advlab_dataset *ds, int epochs)
{
    advlab_net *net = NULL;
    CHECK(advlab_net_create("tutorial", 64, 3, &net) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.epochs = epochs;
    CHECK(advlab_train(net, ds, &tc, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    return net;
}

static advlab_extraction *run(advlab_net *victim, const advlab_postprocess_config *post,
                              const advlab_dataset *thief, const advlab_extract_config *cfg)
{
    advlab_extraction *e = NULL;
    CHECK(advlab_extraction_create(victim, post, thief, cfg, &e) == ADVLAB_OK, "%s",
          advlab_last_error());
    if (!e)
        return NULL;
    int done = 0, total = 0;
    while (!advlab_extraction_finished(e))
        if (advlab_extraction_run(e, 7, &done, &total) != ADVLAB_OK) {
            CHECK(0, "%s", advlab_last_error());
            break;
        }
    CHECK(done == total, "units %d of %d", done, total);
    return e;
}

/* The budget is spent exactly, and only through predict: the victim's
 * weights are bit-identical and its gradient buffer untouched. */
static void test_budget_and_predict_only(advlab_net *victim, const advlab_dataset *thief,
                                         const advlab_dataset *test)
{
    size_t np = advlab_net_param_count(victim);
    float *before = malloc(sizeof(float) * np);
    memcpy(before, advlab_net_params(victim), sizeof(float) * np);
    float *grads = advlab_net_grads(victim);
    for (size_t i = 0; i < np; i++)
        grads[i] = 7.0f;
    advlab_extract_config cfg = config("copycat", 300, 6);
    advlab_extraction *e = run(victim, NULL, thief, &cfg);
    CHECK(advlab_extraction_queries(e) == 300, "queries %d", advlab_extraction_queries(e));
    CHECK(memcmp(before, advlab_net_params(victim), sizeof(float) * np) == 0, "victim changed");
    int untouched = 1;
    for (size_t i = 0; i < np; i++)
        untouched &= grads[i] == 7.0f;
    CHECK(untouched, "the victim's gradients were computed");
    advlab_extract_report r;
    CHECK(advlab_extraction_measure(e, test, 0, &r) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(r.queries == 300, "report queries %d", r.queries);
    /* The thief learns the victim from its answers on a small subset. */
    CHECK(r.fidelity >= 0.9, "fidelity %.3f", r.fidelity);
    CHECK(r.whitebox_rate >= 0.0 && r.whitebox_rate <= 1.0 && r.transfer_rate >= 0.0 &&
              r.transfer_rate <= 1.0,
          "rates %.3f %.3f", r.transfer_rate, r.whitebox_rate);
    advlab_extraction_free(e);
    free(before);
}

/* use_probability: the thief learns the answers themselves. Behind
 * reverse sigmoid, which leaves the victim's labels as they were, it learns
 * far less than behind the raw probabilities. */
static void test_soft_labels(advlab_net *victim, const advlab_dataset *thief,
                             const advlab_dataset *test, int queries, int limit)
{
    advlab_extract_config cfg = config("copycat", queries, 6);
    cfg.use_probability = 1;
    advlab_postprocess_config rs;
    CHECK(advlab_postprocess_config_default("reverse_sigmoid", &rs) == ADVLAB_OK, "%s",
          advlab_last_error());
    advlab_extract_report plain, defended;
    advlab_extraction *a = run(victim, NULL, thief, &cfg), *b = run(victim, &rs, thief, &cfg);
    if (a && b && advlab_extraction_measure(a, test, limit, &plain) == ADVLAB_OK &&
        advlab_extraction_measure(b, test, limit, &defended) == ADVLAB_OK) {
        CHECK(plain.fidelity >= 0.9, "soft-label fidelity %.3f", plain.fidelity);
        CHECK(defended.victim_accuracy == plain.victim_accuracy, "reverse sigmoid changed labels");
        CHECK(defended.fidelity < plain.fidelity - 0.2, "reverse sigmoid: fidelity %.3f vs %.3f",
              defended.fidelity, plain.fidelity);
    } else
        CHECK(0, "%s", advlab_last_error());
    advlab_extraction_free(a);
    advlab_extraction_free(b);
}

/* Behind class labels every answer is one label and nothing else; the
 * budget refuses one query more. */
static void test_class_labels(advlab_net *victim, const advlab_dataset *thief)
{
    advlab_postprocess_config post;
    CHECK(advlab_postprocess_config_default("class_labels", &post) == ADVLAB_OK, "%s",
          advlab_last_error());
    advlab__victim v = {.net = victim, .post = &post, .budget = 40};
    float *x = malloc(sizeof(float) * 40 * 784), out[40 * 10];
    for (int i = 0; i < 40; i++)
        advlab__thief_image(thief, 1, i, x + i * 784);
    CHECK(advlab__victim_query(&v, x, 40, out) == ADVLAB_OK, "%s", advlab_last_error());
    int one_hot = 1;
    for (int b = 0; b < 40; b++) {
        float sum = 0.0f;
        for (int k = 0; k < 10; k++) {
            sum += out[b * 10 + k];
            one_hot &= out[b * 10 + k] == 0.0f || out[b * 10 + k] == 1.0f;
        }
        one_hot &= sum == 1.0f;
    }
    CHECK(one_hot, "class-label answers are not one-hot");
    CHECK(v.queries == 40, "queries %d", v.queries);
    CHECK_FAILS(advlab__victim_query(&v, x, 1, out), ADVLAB_E_ARG, "pass the budget of 40");
    CHECK(v.queries == 40, "a refused query counted: %d", v.queries);
    free(x);
}

/* Adaptive sampling: one pull per query, the arms' probabilities a
 * distribution, and the same seed the same thief. */
static void test_adaptive(advlab_net *victim, const advlab_dataset *thief)
{
    const char *rewards[] = {"cert", "div", "loss", "all"};
    for (int r = 0; r < 4; r++) {
        advlab_extract_config cfg = config("knockoff", 120, 1);
        CHECK(advlab_extract_config_set(&cfg, "sampling", ADVLAB_SAMPLING_ADAPTIVE) == ADVLAB_OK,
              "%s", advlab_last_error());
        cfg.reward = (advlab_reward)r;
        advlab_extraction *a = run(victim, NULL, thief, &cfg);
        advlab_extraction *b = run(victim, NULL, thief, &cfg);
        if (!a || !b)
            return;
        CHECK(advlab_extraction_queries(a) == 120, "%s: queries %d", rewards[r],
              advlab_extraction_queries(a));
        double pulls = 0.0, p = 0.0;
        for (int k = 0; k < a->bandit.actions; k++)
            pulls += a->bandit.pulls[k], p += a->bandit.probs[k];
        CHECK(pulls == 120.0 && fabs(p - 1.0) < 1e-12, "%s: pulls %g, probabilities sum %g",
              rewards[r], pulls, p);
        CHECK(a->bandit.actions == 10, "%s: %d arms", rewards[r], a->bandit.actions);
        size_t np = advlab_net_param_count(a->thief);
        CHECK(memcmp(advlab_net_params(a->thief), advlab_net_params(b->thief),
                     sizeof(float) * np) == 0,
              "%s: same seed, another thief", rewards[r]);
        advlab_extraction_free(a);
        advlab_extraction_free(b);
    }
}

/* Noise: a new image for each query, the same for the same seed. */
static void test_noise(advlab_net *victim)
{
    float a[784], b[784], c[784];
    advlab__thief_image(NULL, 5, 3, a);
    advlab__thief_image(NULL, 5, 3, b);
    advlab__thief_image(NULL, 5, 4, c);
    CHECK(memcmp(a, b, sizeof a) == 0 && memcmp(a, c, sizeof a) != 0, "noise is not seeded");
    advlab_extract_config cfg = config("copycat", 64, 1);
    advlab_extraction *e = run(victim, NULL, NULL, &cfg);
    CHECK(advlab_extraction_queries(e) == 64, "noise queries %d", advlab_extraction_queries(e));
    advlab_extraction_free(e);
}

static void test_bad_input(advlab_net *victim, const advlab_dataset *thief)
{
    advlab_extract_config cfg;
    advlab_extraction *e = NULL;
    CHECK_FAILS(advlab_extract_config_default("copycnn", &cfg), ADVLAB_E_ARG, "copycat");
    cfg = config("copycat", 0, 1);
    CHECK_FAILS(advlab_extraction_create(victim, NULL, thief, &cfg, &e), ADVLAB_E_ARG, "queries 0");
    cfg = config("copycat", 5000, 1);
    CHECK_FAILS(advlab_extraction_create(victim, NULL, thief, &cfg, &e), ADVLAB_E_ARG,
                "more than the thief set's 600 images");
    cfg = config("knockoff", 100, 1);
    cfg.sampling = ADVLAB_SAMPLING_ADAPTIVE;
    CHECK_FAILS(advlab_extraction_create(victim, NULL, NULL, &cfg, &e), ADVLAB_E_ARG,
                "needs a labelled thief set");
    cfg.use_probability = 1;
    CHECK_FAILS(advlab_extraction_create(victim, NULL, thief, &cfg, &e), ADVLAB_E_ARG,
                "learns the answers' labels only");
    cfg = config("copycat", 100, 1);
    CHECK_FAILS(advlab_extract_config_set(&cfg, "sampling", 1), ADVLAB_E_ARG, "sampling");
    cfg.lr = NAN;
    CHECK_FAILS(advlab_extraction_create(victim, NULL, thief, &cfg, &e), ADVLAB_E_ARG, "lr");
    CHECK(e == NULL, "a refused extraction was made");
}

/* MNIST: a victim trained on 3000 images; a thief asking it about those
 * same images agrees with it on most test images. */
static void test_mnist(const char *dir)
{
    advlab_dataset *train = load_mnist_split(dir, "train");
    advlab_dataset *test = load_mnist_split(dir, "t10k");
    if (!train || !test)
        return;
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.epochs = 3, tc.limit = 3000;
    advlab_net *victim = NULL;
    CHECK(advlab_net_create("tutorial", 64, 3, &victim) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_train(victim, train, &tc, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_extract_config cfg = config("copycat", 3000, 10);
    advlab_extraction *e = run(victim, NULL, train, &cfg);
    advlab_extract_report r;
    CHECK(advlab_extraction_measure(e, test, 1000, &r) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(r.fidelity >= 0.9, "MNIST fidelity %.3f", r.fidelity);
    CHECK(r.whitebox_rate > r.transfer_rate && r.transfer_rate > 0.0,
          "white-box %.3f, transfer %.3f", r.whitebox_rate, r.transfer_rate);
    advlab_extraction_free(e);
    test_soft_labels(victim, train, test, 3000, 1000);
    advlab_net_free(victim);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
}

int main(int argc, char **argv)
{
    advlab_dataset *train = synthetic_dataset(600, 11), *thief = synthetic_dataset(600, 12);
    advlab_dataset *test = synthetic_dataset(300, 13);
    advlab_net *victim = train_victim(train, 3);
    test_budget_and_predict_only(victim, thief, test);
    test_class_labels(victim, thief);
    test_adaptive(victim, thief);
    test_noise(victim);
    test_bad_input(victim, thief);
    advlab_net_free(victim);
    advlab_dataset_free(train);
    advlab_dataset_free(thief);
    advlab_dataset_free(test);
    if (argc > 1)
        test_mnist(argv[1]);
    return check_finish("test_extract");
}
