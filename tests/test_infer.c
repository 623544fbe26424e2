/* The inference family (issue 16): membership metrics against values
 * worked out by hand; ART's threshold calibration; the rule attack's
 * definition; bad input; MIFace raising its class's probability on every
 * step; and, with MNIST, an overfit model leaking more than one trained on
 * more data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "infer/infer.h"
#include "mnist_split.h"
#include "nn/net.h"
#include "synthetic.h"

/* Members 0.9 0.8 0.3 0.6, non-members 0.2 0.7 0.3 0.1, threshold 0.5:
 * TPR 3/4, FPR 1/4; of the 16 pairs the members win 4 + 4 + 2 + 3 and tie
 * 1 (0.3 and 0.3): AUC (13 + 0.5) / 16. */
static void test_metrics_by_hand(void)
{
    const float scores[8] = {0.9f, 0.8f, 0.3f, 0.6f, 0.2f, 0.7f, 0.3f, 0.1f};
    const uint8_t truth[8] = {1, 1, 1, 1, 0, 0, 0, 0};
    advlab_membership_report r;
    CHECK(advlab_membership_metrics(scores, truth, 8, 0.5, &r) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(r.tpr == 0.75 && r.fpr == 0.25 && r.advantage == 0.5, "tpr %g fpr %g adv %g", r.tpr,
          r.fpr, r.advantage);
    CHECK(r.auc == 13.5 / 16.0, "auc %.17g", r.auc);
    CHECK(r.balanced_accuracy == 0.75, "balanced accuracy %g", r.balanced_accuracy);
    CHECK(r.members == 4 && r.nonmembers == 4, "%d %d", r.members, r.nonmembers);
    /* Scores at the threshold are not members. */
    CHECK(advlab_membership_metrics(scores, truth, 8, 0.8f, &r) == ADVLAB_OK && r.tpr == 0.25 &&
              r.fpr == 0.0,
          "at 0.8: tpr %g fpr %g", r.tpr, r.fpr);
    const uint8_t all_members[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_FAILS(advlab_membership_metrics(scores, all_members, 8, 0.5, &r), ADVLAB_E_ARG,
                "0 non-members");
    float bad[8];
    memcpy(bad, scores, sizeof bad);
    bad[5] = NAN;
    CHECK_FAILS(advlab_membership_metrics(bad, truth, 8, 0.5, &r), ADVLAB_E_NUMERIC, "score 5");
    CHECK_FAILS(advlab_membership_metrics(scores, truth, 8, NAN, &r), ADVLAB_E_NUMERIC,
                "threshold");
}

/* The same scores' ROC by hand: highest first 0.9m 0.8m 0.7n 0.6m 0.3m|0.3n
 * 0.2n 0.1n, the tie at 0.3 entering as one step; its area is the AUC. */
static void test_roc_by_hand(void)
{
    const float scores[8] = {0.9f, 0.8f, 0.3f, 0.6f, 0.2f, 0.7f, 0.3f, 0.1f};
    const uint8_t truth[8] = {1, 1, 1, 1, 0, 0, 0, 0};
    const float want_fpr[8] = {0, 0, 0, 0.25f, 0.25f, 0.5f, 0.75f, 1};
    const float want_tpr[8] = {0, 0.25f, 0.5f, 0.5f, 0.75f, 1, 1, 1};
    float fpr[9], tpr[9];
    int points = 0;
    CHECK(advlab_membership_roc(scores, truth, 8, fpr, tpr, &points) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(points == 8, "%d points", points);
    double area = 0;
    for (int i = 0; i < points && i < 8; i++) {
        CHECK(fpr[i] == want_fpr[i] && tpr[i] == want_tpr[i], "point %d (%g, %g)", i, fpr[i],
              tpr[i]);
        if (i > 0)
            area += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2.0;
    }
    CHECK(area == 13.5 / 16.0, "area %.17g", area);
    const uint8_t all_members[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_FAILS(advlab_membership_roc(scores, all_members, 8, fpr, tpr, &points), ADVLAB_E_ARG,
                "0 non-members");
    float bad[8];
    memcpy(bad, scores, sizeof bad);
    bad[2] = INFINITY;
    CHECK_FAILS(advlab_membership_roc(bad, truth, 8, fpr, tpr, &points), ADVLAB_E_NUMERIC,
                "score 2");
}

/* Members 2 3 4, non-members 1 0 5: tau steps by 5/100; the first tau that
 * calls 5 of 6 right is 20 steps (1.0: 1 is not above it). */
static void test_calibration_by_hand(void)
{
    const float members[3] = {2, 3, 4}, nonmembers[3] = {1, 0, 5};
    double tau = advlab__calibrate_threshold(members, 3, nonmembers, 3);
    CHECK(tau == 20 * (5.0 / 100), "tau %.17g", tau);
}

static advlab_net *train(const advlab_dataset *ds, int limit, int epochs)
{
    advlab_net *net = NULL;
    CHECK(advlab_net_create("tutorial", 64, 5, &net) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.epochs = epochs, tc.limit = limit;
    CHECK(advlab_train(net, ds, &tc, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    return net;
}

static int attack(advlab_net *net, const advlab_dataset *members, const advlab_dataset *non,
                  const advlab_membership_config *cfg, advlab_membership_report *r)
{
    advlab_membership *m = NULL;
    if (advlab_membership_create(net, members, non, cfg, &m) != ADVLAB_OK) {
        CHECK(0, "%s", advlab_last_error());
        return 0;
    }
    int done = 0, total = 0, ok = 1;
    while (ok && !advlab_membership_finished(m))
        ok = advlab_membership_run(m, 5, &done, &total) == ADVLAB_OK;
    CHECK(ok, "%s", advlab_last_error());
    CHECK(!ok || done == total, "units %d of %d", done, total);
    ok = ok && advlab_membership_report_get(m, r) == ADVLAB_OK;
    advlab_membership_free(m);
    return ok;
}

static advlab_membership_config config(const char *name, int members)
{
    advlab_membership_config cfg;
    CHECK(advlab_membership_config_default(name, &cfg) == ADVLAB_OK, "%s", advlab_last_error());
    cfg.members = members;
    return cfg;
}

/* The rule attack's scores are exactly "the net is right", measured on
 * the second halves. */
static void test_rule(advlab_net *net, const advlab_dataset *train_set,
                      const advlab_dataset *test_set)
{
    advlab_membership_config cfg = config("rule", 100);
    advlab_membership *m = NULL;
    CHECK(advlab_membership_create(net, train_set, test_set, &cfg, &m) == ADVLAB_OK, "%s",
          advlab_last_error());
    while (m && !advlab_membership_finished(m))
        if (advlab_membership_run(m, 3, NULL, NULL) != ADVLAB_OK)
            break;
    const float *scores = advlab_membership_scores(m);
    CHECK(scores != NULL, "no scores");
    int agree = 1;
    for (int i = 0; scores && i < 100; i++) {
        const advlab_dataset *ds = i < 50 ? train_set : test_set;
        int32_t row = 50 + i % 50, y;
        float x[784], p[10];
        advlab_dataset_gather(ds, &row, 1, x, &y);
        advlab_net_predict(net, x, 1, p);
        int best = 0;
        for (int k = 1; k < 10; k++)
            best = p[k] > p[best] ? k : best;
        agree &= scores[i] == (best == y ? 1.0f : 0.0f);
    }
    CHECK(agree, "rule scores are not the net's rightness");
    advlab_membership_free(m);
}

static void test_bad_input(advlab_net *net, const advlab_dataset *a, const advlab_dataset *b)
{
    advlab_membership_config cfg;
    advlab_membership *m = NULL;
    CHECK_FAILS(advlab_membership_config_default("shadow", &cfg), ADVLAB_E_ARG, "label_only");
    cfg = config("rule", 5000);
    CHECK_FAILS(advlab_membership_create(net, a, b, &cfg, &m), ADVLAB_E_ARG,
                "members 5000 is more than the 600 members");
    cfg = config("rule", 2);
    CHECK_FAILS(advlab_membership_create(net, a, b, &cfg, &m), ADVLAB_E_ARG, "members 2");
    cfg = config("rule", 10);
    CHECK_FAILS(advlab_membership_config_set(&cfg, "epochs", 3), ADVLAB_E_ARG, "epochs");
    cfg = config("blackbox", 10);
    cfg.lr = NAN;
    CHECK_FAILS(advlab_membership_create(net, a, b, &cfg, &m), ADVLAB_E_ARG, "lr");
    CHECK(m == NULL, "a refused attack was made");
    advlab_invert_config ic;
    advlab_invert_config_default(&ic);
    ic.learning_rate = NAN;
    advlab_inversion *v = NULL;
    CHECK_FAILS(advlab_inversion_create(net, &ic, NULL, &v), ADVLAB_E_ARG, "learning_rate");
    CHECK_FAILS(advlab_invert_config_set(&ic, "window", 5), ADVLAB_E_ARG, "window_length");
}

/* The class's logit at each row's image. */
static void logits_of(advlab_net *net, const float *images, float *out)
{
    const float *z = advlab__net_logits(net, images, 10);
    for (int c = 0; c < 10; c++)
        out[c] = z[c * 10 + c];
}

/* At ART's defaults on a small net, every step raises the logit of each
 * row that took it; the images stay in [0,1]; rows stop under the paper's
 * rule. */
static void test_miface(advlab_net *net, float init)
{
    advlab_invert_config cfg;
    advlab_invert_config_default(&cfg);
    cfg.max_iter = 60, cfg.init = init, cfg.threshold = 0.05f;
    advlab_inversion *v = NULL;
    CHECK(advlab_inversion_create(net, &cfg, NULL, &v) == ADVLAB_OK, "%s", advlab_last_error());
    if (!v)
        return;
    float before[10], after[10];
    uint8_t stepped[10];
    int steps = 0, rises = 1, moved = 0;
    while (!advlab_inversion_finished(v)) {
        logits_of(net, advlab_inversion_images(v), before);
        memcpy(stepped, advlab_inversion_active(v), sizeof stepped);
        CHECK(advlab_inversion_run(v, 1, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
        logits_of(net, advlab_inversion_images(v), after);
        for (int c = 0; c < 10; c++) {
            moved += stepped[c];
            if (stepped[c] && !(after[c] > before[c])) {
                rises = 0;
                CHECK(0, "step %d, class %d: logit %.9g -> %.9g", steps, c, (double)before[c],
                      (double)after[c]);
            }
        }
        steps++;
    }
    CHECK(rises && moved > 0, "%d row steps", moved);
    const float *img = advlab_inversion_images(v);
    int inside = 1;
    for (int i = 0; i < 7840; i++)
        inside &= img[i] >= 0.0f && img[i] <= 1.0f;
    CHECK(inside, "an image left [0,1]");
    /* A stopped row is one whose cost reached the threshold, or stalled. */
    for (int c = 0; c < 10 && steps < 60; c++)
        CHECK(advlab_inversion_active(v)[c] == 0, "class %d active after the end", c);
    advlab_inversion_free(v);
}

/* The shipped tutorial model (data/weights, beside data/mnist), from a
 * test digit (it is flat at black and at mid-grey). Its
 * gradients are large and its kinks many, so a fixed step can dip the logit
 * (the paper's window rule is there for that); over the run every class's
 * probability still rises. */
static void test_shipped_miface(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/../weights/standard.safetensors", dir);
    uint8_t *bytes = NULL;
    size_t len = 0;
    advlab_net *net = NULL;
    CHECK(advlab_file_read(path, &bytes, &len) == ADVLAB_OK &&
              advlab_net_from_weights(path, bytes, len, 64, &net) == ADVLAB_OK,
          "%s", advlab_last_error());
    advlab_buffer_free(bytes);
    advlab_dataset *test_set = load_mnist_split(dir, "t10k");
    float start[784], first[10];
    int32_t row = 0, y;
    advlab_inversion *v = NULL;
    advlab_invert_config cfg;
    advlab_invert_config_default(&cfg);
    cfg.learning_rate = 0.001f, cfg.max_iter = 200;
    if (net && test_set) {
        advlab_dataset_gather(test_set, &row, 1, start, &y);
        CHECK(advlab_inversion_create(net, &cfg, start, &v) == ADVLAB_OK, "%s",
              advlab_last_error());
    }
    if (v) {
        memcpy(first, advlab_inversion_scores(v), sizeof first);
        CHECK(advlab_inversion_run(v, 200, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
        for (int c = 0; c < 10; c++)
            CHECK(c == y || advlab_inversion_scores(v)[c] > first[c], "class %d: %.9g -> %.9g", c,
                  (double)first[c], (double)advlab_inversion_scores(v)[c]);
    }
    advlab_inversion_free(v);
    advlab_dataset_free(test_set);
    advlab_net_free(net);
}

/* A model trained on 500 images for many epochs leaks its members; one
 * trained on ten times as many for fewer epochs much less. */
static void test_overfitting(const char *dir)
{
    advlab_dataset *train_set = load_mnist_split(dir, "train");
    advlab_dataset *test_set = load_mnist_split(dir, "t10k");
    if (!train_set || !test_set)
        return;
    advlab_net *overfit = train(train_set, 500, 40), *general = train(train_set, 5000, 4);
    advlab_membership_config cfg = config("rule", 500);
    advlab_membership_report a, b;
    if (attack(overfit, train_set, test_set, &cfg, &a) &&
        attack(general, train_set, test_set, &cfg, &b))
        CHECK(a.advantage > b.advantage + 0.05, "rule: overfit %.3f, general %.3f", a.advantage,
              b.advantage);
    cfg = config("blackbox", 500);
    if (attack(overfit, train_set, test_set, &cfg, &a) &&
        attack(general, train_set, test_set, &cfg, &b)) {
        CHECK(a.auc > b.auc && a.auc > 0.55, "blackbox AUC: overfit %.3f, general %.3f", a.auc,
              b.auc);
    }
    cfg = config("label_only", 100);
    if (attack(overfit, train_set, test_set, &cfg, &a) &&
        attack(general, train_set, test_set, &cfg, &b))
        CHECK(a.auc > b.auc, "label-only AUC: overfit %.3f, general %.3f", a.auc, b.auc);
    advlab_net_free(overfit);
    advlab_net_free(general);
    advlab_dataset_free(train_set);
    advlab_dataset_free(test_set);
}

int main(int argc, char **argv)
{
    test_metrics_by_hand();
    test_roc_by_hand();
    test_calibration_by_hand();
    advlab_dataset *a = synthetic_dataset(600, 21), *b = synthetic_dataset(600, 22);
    advlab_net *net = train(a, 0, 2);
    test_rule(net, a, b);
    test_bad_input(net, a, b);
    test_miface(net, 0.5f);
    advlab_net_free(net);
    advlab_dataset_free(a);
    advlab_dataset_free(b);
    if (argc > 1) {
        test_shipped_miface(argv[1]);
        test_overfitting(argv[1]);
    }
    return check_finish("test_infer");
}
