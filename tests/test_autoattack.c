/* AutoAttack's white-box members and the evaluation (issue 13), on the
 * shipped standard and PGD-trained models and the first MNIST test images:
 * APGD, APGD-T and FAB-T stay in the eps-ball and in [0,1] and do not
 * depend on chunking; gradient calls are counted; the suite's robust
 * accuracy is at most each member's alone (and equals the first member's
 * after it), a rerun is bit-identical; the JPEG and 1-bit squeeze defences
 * get the gradient-masking warnings and the bare model none; bad
 * parameters are refused with a message naming them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "check.h"
#include "mnist_split.h"

#define N_IMAGES 40
#define PIXELS 784

typedef struct {
    advlab_net *standard, *pgd, *small_batch; /* small_batch: standard with max_batch 16 */
    float x[N_IMAGES * PIXELS];
    int32_t y[N_IMAGES];
} fixture;

static advlab_net *load_model(const char *dir, const char *name, int max_batch)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/../weights/%s.safetensors", dir, name);
    uint8_t *bytes = NULL;
    size_t len = 0;
    advlab_net *net = NULL;
    CHECK(advlab_file_read(path, &bytes, &len) == ADVLAB_OK &&
              advlab_net_from_weights(path, bytes, len, max_batch, &net) == ADVLAB_OK,
          "%s", advlab_last_error());
    advlab_buffer_free(bytes);
    return net;
}

static advlab_attack_config config(const char *name, float eps, float norm)
{
    advlab_attack_config c;
    CHECK(advlab_attack_config_default(name, &c) == ADVLAB_OK, "%s", advlab_last_error());
    c.eps = eps, c.norm = norm, c.eps_step = 2 * eps, c.max_iter = 20;
    c.n_target_classes = 3;
    return c;
}

/* Runs cfg on the fixture's images; returns the adversarial images
 * (malloc'd) and, when calls is not NULL, the gradient calls. */
static float *run(advlab_net *net, const advlab_attack_config *cfg, const float *x,
                  const int32_t *y, int n, long long *calls)
{
    advlab_attack *a = NULL;
    float *x_adv = malloc(sizeof(float) * n * PIXELS);
    CHECK(advlab_attack_create(net, cfg, &a) == ADVLAB_OK, "create %s: %s",
          advlab_attack_name(cfg->kind), advlab_last_error());
    if (a)
        CHECK(advlab_attack_run(a, x, y, n, x_adv) == ADVLAB_OK, "run %s: %s",
              advlab_attack_name(cfg->kind), advlab_last_error());
    if (calls) {
        advlab_attack_counts counts;
        advlab_attack_counts_get(a, &counts);
        *calls = (long long)counts.backward_images;
    }
    advlab_attack_free(a);
    return x_adv;
}

static void predict(advlab_net *net, const float *x, int n, int32_t *pred)
{
    float probs[N_IMAGES * 10];
    CHECK(advlab_net_predict(net, x, n, probs) == ADVLAB_OK, "%s", advlab_last_error());
    for (int b = 0; b < n; b++) {
        pred[b] = 0;
        for (int c = 1; c < 10; c++)
            if (probs[b * 10 + c] > probs[b * 10 + pred[b]])
                pred[b] = c;
    }
}

static double accuracy(advlab_net *net, const float *x, const int32_t *y, int n)
{
    int32_t pred[N_IMAGES];
    predict(net, x, n, pred);
    int right = 0;
    for (int b = 0; b < n; b++)
        right += pred[b] == y[b];
    return (double)right / n;
}

static double distance(const float *x, const float *xa, int b, float norm)
{
    double m = 0;
    for (int i = b * PIXELS; i < (b + 1) * PIXELS; i++) {
        double d = fabs((double)xa[i] - x[i]);
        m = norm == 2.0f ? m + d * d : d > m ? d : m;
    }
    return norm == 2.0f ? sqrt(m) : m;
}

/* ------------------------------------------------------------- attacks */

static void test_ball_and_range(const fixture *f)
{
    static const struct {
        const char *name;
        float eps, norm;
        int loss;
        double most; /* the accuracy left on the standard model, at most */
    } cases[] = {{"apgd", 0.3f, INFINITY, 0, 0.2},   {"apgd", 0.3f, INFINITY, 1, 0.2},
                 {"apgd", 2.0f, 2.0f, 0, 0.4}, /* CE's gradient vanishes on confident images */
                 {"apgd-t", 0.3f, INFINITY, 0, 0.2}, {"apgd-t", 2.0f, 2.0f, 0, 0.2},
                 {"fab", 0.3f, INFINITY, 0, 0.2}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        advlab_attack_config cfg = config(cases[c].name, cases[c].eps, cases[c].norm);
        cfg.loss_type = cases[c].loss;
        float *xa = run(f->standard, &cfg, f->x, f->y, N_IMAGES, NULL);
        int outside = 0, out_of_range = 0;
        double largest = 0;
        for (int b = 0; b < N_IMAGES; b++) {
            double d = distance(f->x, xa, b, cases[c].norm);
            outside += d > cases[c].eps * (1 + 1e-5);
            largest = d > largest ? d : largest;
        }
        for (int i = 0; i < N_IMAGES * PIXELS; i++)
            out_of_range += !(xa[i] >= 0.0f && xa[i] <= 1.0f);
        double acc = accuracy(f->standard, xa, f->y, N_IMAGES);
        printf("%-7s norm %-3g loss %d: accuracy %.3f, largest perturbation %.4f\n", cases[c].name,
               (double)cases[c].norm, cases[c].loss, acc, largest);
        CHECK(outside == 0, "%s norm %g: %d images outside the ball", cases[c].name,
              (double)cases[c].norm, outside);
        CHECK(out_of_range == 0, "%s norm %g: %d pixels outside [0,1]", cases[c].name,
              (double)cases[c].norm, out_of_range);
        CHECK(largest > 0.01, "%s norm %g: nothing moved", cases[c].name, (double)cases[c].norm);
        CHECK(acc <= cases[c].most, "%s norm %g: the standard model keeps %.3f", cases[c].name,
              (double)cases[c].norm, acc);
        free(xa);
    }
}

/* FAB-T looks for the smallest perturbation: the images it fools move far
 * less than eps, where APGD goes to the ball's edge. */
static void test_fab_is_minimal(const fixture *f)
{
    advlab_attack_config cfg = config("fab", 0.3f, INFINITY);
    float *xa = run(f->standard, &cfg, f->x, f->y, N_IMAGES, NULL);
    int32_t pred[N_IMAGES];
    predict(f->standard, xa, N_IMAGES, pred);
    double sum = 0;
    int fooled = 0, unchanged_robust = 1;
    for (int b = 0; b < N_IMAGES; b++) {
        if (pred[b] != f->y[b])
            sum += distance(f->x, xa, b, INFINITY), fooled++;
        else
            unchanged_robust &= distance(f->x, xa, b, INFINITY) == 0;
    }
    printf("fab: %d fooled, mean Linf %.4f\n", fooled, fooled ? sum / fooled : 0);
    CHECK(fooled > N_IMAGES / 2 && sum / fooled < 0.15, "fab: %d fooled, mean Linf %.4f", fooled,
          fooled ? sum / fooled : 0);
    CHECK(unchanged_robust, "fab: an image it did not fool is not returned as x");
    free(xa);
}

/* Targeted APGD (cross-entropy towards y) reaches most targets (the next
 * class: about a third of them stay out of PGD's reach at eps 0.3). */
static void test_apgd_targeted(const fixture *f)
{
    advlab_attack_config cfg = config("apgd", 0.3f, INFINITY);
    cfg.targeted = 1, cfg.max_iter = 100;
    int32_t t[N_IMAGES], pred[N_IMAGES];
    for (int b = 0; b < N_IMAGES; b++)
        t[b] = (f->y[b] + 1) % 10;
    float *xa = run(f->standard, &cfg, f->x, t, N_IMAGES, NULL);
    predict(f->standard, xa, N_IMAGES, pred);
    int reached = 0;
    for (int b = 0; b < N_IMAGES; b++)
        reached += pred[b] == t[b];
    CHECK(reached > N_IMAGES * 6 / 10, "targeted apgd: %d of %d reach the target", reached,
          N_IMAGES);
    free(xa);
}

/* The same images in chunks of 16 or of 64 give the same bits: random
 * starts are keyed per image, and each run works per image. */
static void test_chunking(const fixture *f)
{
    const char *names[] = {"apgd", "apgd-t", "fab"};
    for (int k = 0; k < 3; k++) {
        advlab_attack_config cfg = config(names[k], 0.3f, INFINITY);
        cfg.num_random_init = 2;
        float *whole = run(f->standard, &cfg, f->x, f->y, N_IMAGES, NULL);
        float *chunked = run(f->small_batch, &cfg, f->x, f->y, N_IMAGES, NULL);
        CHECK(memcmp(whole, chunked, sizeof(float) * N_IMAGES * PIXELS) == 0,
              "%s: chunks of 16 differ from chunks of 64", names[k]);
        free(whole), free(chunked);
    }
}

/* APGD takes max_iter input gradients per run per image it attacks (the
 * images already wrong are left out); FGSM one per image. */
static void test_gradient_calls(const fixture *f)
{
    advlab_attack_config cfg = config("apgd", 0.3f, INFINITY);
    cfg.max_iter = 7;
    long long calls;
    float *xa = run(f->pgd, &cfg, f->x, f->y, N_IMAGES, &calls);
    int right = (int)lround(accuracy(f->pgd, f->x, f->y, N_IMAGES) * N_IMAGES);
    CHECK(calls == 7LL * right, "apgd max_iter 7 on %d correct images: %lld gradient calls", right,
          calls);
    free(xa);
    advlab_attack_config fgsm = config("fgsm", 0.3f, INFINITY);
    xa = run(f->pgd, &fgsm, f->x, f->y, N_IMAGES, &calls);
    CHECK(calls == N_IMAGES, "fgsm: %lld gradient calls for %d images", calls, N_IMAGES);
    free(xa);
}

/* ---------------------------------------------------------- evaluation */

static advlab_evaluate_config quick(void)
{
    advlab_evaluate_config c;
    CHECK(advlab_evaluate_config_default(&c) == ADVLAB_OK, "%s", advlab_last_error());
    c.suite = ADVLAB_SUITE_QUICK;
    return c;
}

static char *report_json(advlab_net *net, advlab_preprocessor *pre, const advlab_evaluate_config *c,
                         const fixture *f, advlab_evaluate_report *r)
{
    char *json = NULL;
    CHECK(advlab_evaluate(net, pre, c, f->x, f->y, N_IMAGES, r) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(advlab_evaluate_report_json(r, 0, &json) == ADVLAB_OK, "%s", advlab_last_error());
    return json;
}

/* The quick suite's members alone, as evaluate.c makes them: eps_step 2
 * eps, the suite's seed plus the member's index. */
static void test_suite_minimum(const fixture *f)
{
    advlab_evaluate_config c = quick();
    advlab_evaluate_report r;
    char *json = report_json(f->pgd, NULL, &c, f, &r);
    advlab_attack_config ce = config("apgd", 0.3f, INFINITY), t = config("apgd-t", 0.3f, INFINITY);
    ce.num_random_init = 1, ce.seed = c.seed;
    t.num_random_init = 1, t.seed = c.seed + 1;
    float *xa_ce = run(f->pgd, &ce, f->x, f->y, N_IMAGES, NULL);
    float *xa_t = run(f->pgd, &t, f->x, f->y, N_IMAGES, NULL);
    double acc_ce = accuracy(f->pgd, xa_ce, f->y, N_IMAGES);
    double acc_t = accuracy(f->pgd, xa_t, f->y, N_IMAGES);
    printf("pgd model, quick suite: clean %.3f, apgd-ce %.3f (alone %.3f), robust %.3f "
           "(apgd-t alone %.3f)\n",
           r.clean_accuracy, r.member[0].accuracy, acc_ce, r.robust_accuracy, acc_t);
    CHECK(r.members == 2, "quick suite: %d members", r.members);
    CHECK(r.robust_accuracy <= acc_ce && r.robust_accuracy <= acc_t,
          "robust accuracy %.3f above a member's alone (%.3f, %.3f)", r.robust_accuracy, acc_ce,
          acc_t);
    CHECK(r.member[0].accuracy == acc_ce, "apgd-ce in the suite %.3f, alone %.3f",
          r.member[0].accuracy, acc_ce);
    CHECK(r.robust_accuracy < r.clean_accuracy && r.robust_accuracy > 0.5,
          "the PGD model's robust accuracy %.3f (clean %.3f) is implausible", r.robust_accuracy,
          r.clean_accuracy);
    /* the same seed: the same report, bit for bit */
    advlab_evaluate_report again;
    char *json2 = report_json(f->pgd, NULL, &c, f, &again);
    CHECK(json && json2 && strcmp(json, json2) == 0, "a rerun differs:\n%s\n%s", json, json2);
    advlab_buffer_free(json), advlab_buffer_free(json2);
    free(xa_ce), free(xa_t);
}

/* The page's pool splits a set into parts: part j starts at `first`, and
 * the later parts skip the checks. Each member's broken images and
 * gradient calls add up to the whole run's, and so do the robust ones,
 * with Square in the suite too. The standard model at eps 0.07: each
 * member but FAB-T breaks some images (Square one), and few are left for
 * Square's 5000 queries, whose cost on the PGD model set the test's time. */
static void test_parts_add_up(const fixture *f)
{
    advlab_evaluate_config c = quick();
    c.suite = ADVLAB_SUITE_AUTOATTACK;
    c.eps = 0.07f;
    advlab_evaluate_report whole, part[2];
    const int cut = 15;
    CHECK(advlab_evaluate(f->standard, NULL, &c, f->x, f->y, N_IMAGES, &whole) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(advlab_evaluate(f->standard, NULL, &c, f->x, f->y, cut, &part[0]) == ADVLAB_OK, "%s",
          advlab_last_error());
    c.first = cut, c.checks = 0;
    CHECK(advlab_evaluate(f->standard, NULL, &c, f->x + (size_t)cut * PIXELS, f->y + cut,
                          N_IMAGES - cut, &part[1]) == ADVLAB_OK,
          "%s", advlab_last_error());
    CHECK(whole.members == 4 && part[1].members == 4, "%d members", whole.members);
    for (int m = 0; m < whole.members; m++) {
        CHECK(part[0].member[m].broke + part[1].member[m].broke == whole.member[m].broke,
              "%s: the parts broke %d + %d, the whole %d", whole.member[m].name,
              part[0].member[m].broke, part[1].member[m].broke, whole.member[m].broke);
        CHECK(part[0].member[m].gradient_calls + part[1].member[m].gradient_calls ==
                  whole.member[m].gradient_calls,
              "%s: gradient calls differ", whole.member[m].name);
    }
    long robust =
        lround(part[0].robust_accuracy * cut) + lround(part[1].robust_accuracy * (N_IMAGES - cut));
    CHECK(robust == lround(whole.robust_accuracy * N_IMAGES), "robust %ld of %d, whole %.3f",
          robust, N_IMAGES, whole.robust_accuracy);
    /* A black-box member's win is the part's own finding; the checks' warnings are not. */
    unsigned from_checks = ADVLAB_WARN_ZERO_GRADIENTS | ADVLAB_WARN_RANDOM | ADVLAB_WARN_LARGE_EPS;
    CHECK(part[1].checked == 0 && (part[1].warnings & from_checks) == 0,
          "a later part ran the checks: warnings %#x", part[1].warnings);
    CHECK(strcmp(whole.member[3].name, "square") == 0 && whole.member[3].gradient_calls == 0,
          "the fourth member is %s with %lld gradient calls", whole.member[3].name,
          whole.member[3].gradient_calls);
}

/* At eps 0 nothing can move: the robust accuracy is the clean one, and
 * the large-eps check still breaks every image. */
static void test_eps_zero(const fixture *f)
{
    advlab_evaluate_config c = quick();
    c.eps = 0;
    advlab_evaluate_report r;
    char *json = report_json(f->standard, NULL, &c, f, &r);
    CHECK(r.robust_accuracy == r.clean_accuracy && r.clean_accuracy > 0.9,
          "eps 0: robust %.3f, clean %.3f", r.robust_accuracy, r.clean_accuracy);
    CHECK(r.warnings == 0, "eps 0: warnings %s", json);
    advlab_buffer_free(json);
}

/* The bare standard model gets no warning; JPEG and 1-bit squeezing in
 * front of it get the gradient-masking ones. */
static void test_warnings(const fixture *f)
{
    advlab_evaluate_config c = quick();
    advlab_evaluate_report r;
    char *json = report_json(f->standard, NULL, &c, f, &r);
    CHECK(r.warnings == 0, "the bare standard model gets warnings: %s", json);
    advlab_buffer_free(json);
    static const char *const defences[] = {"jpeg", "squeeze"};
    for (int d = 0; d < 2; d++) {
        advlab_preprocess_config pc;
        advlab_preprocessor *pre = NULL;
        CHECK(advlab_preprocess_config_default(defences[d], &pc) == ADVLAB_OK, "%s",
              advlab_last_error());
        if (d == 1)
            pc.bit_depth = 1;
        CHECK(advlab_preprocessor_create(&pc, 28, 28, &pre) == ADVLAB_OK, "%s",
              advlab_last_error());
        json = report_json(f->standard, pre, &c, f, &r);
        unsigned masking = ADVLAB_WARN_ZERO_GRADIENTS | ADVLAB_WARN_NAIVE_ABOVE_BPDA;
        CHECK((r.warnings & masking) == masking, "%s: warnings %#x: %s", defences[d], r.warnings,
              json);
        CHECK(json && strstr(json, "may be masking gradients"), "%s: no sentence says so: %s",
              defences[d], json);
        CHECK(r.naive_accuracy > r.bpda_accuracy, "%s: naive %.3f, bpda %.3f", defences[d],
              r.naive_accuracy, r.bpda_accuracy);
        advlab_buffer_free(json);
        advlab_preprocessor_free(pre);
    }
}

/* ------------------------------------------------------ bad parameters */

static void test_bad_parameters(const fixture *f)
{
    advlab_attack *a = NULL;
    advlab_attack_config c = config("apgd-t", 0.3f, INFINITY);
    c.n_target_classes = 10;
    CHECK_FAILS(advlab_attack_create(f->standard, &c, &a), ADVLAB_E_ARG,
                "n_target_classes 10 is out of range 1..9");
    c = config("fab", 0.3f, 2.0f);
    CHECK_FAILS(advlab_attack_create(f->standard, &c, &a), ADVLAB_E_ARG, "only inf");
    c = config("apgd", 0.3f, 1.0f);
    CHECK_FAILS(advlab_attack_create(f->standard, &c, &a), ADVLAB_E_ARG, "norm 1 is not inf or 2");
    c = config("apgd", -0.1f, INFINITY);
    CHECK_FAILS(advlab_attack_create(f->standard, &c, &a), ADVLAB_E_ARG, "eps -0.1");
    c = config("apgd", 0.3f, INFINITY);
    c.targeted = 1, c.loss_type = 1;
    CHECK_FAILS(advlab_attack_create(f->standard, &c, &a), ADVLAB_E_ARG, "apgd-t");
    CHECK_FAILS(advlab_attack_config_set(&c, "loss_type", 2), ADVLAB_E_ARG, "loss_type");

    advlab_evaluate_config e = quick();
    advlab_evaluate_report r;
    e.eps = -1;
    CHECK_FAILS(advlab_evaluate(f->standard, NULL, &e, f->x, f->y, 2, &r), ADVLAB_E_ARG,
                "evaluate: eps -1");
    e = quick();
    CHECK_FAILS(advlab_evaluate_config_set(&e, "suite", 3), ADVLAB_E_ARG, "suite");
    e.eps = NAN;
    CHECK_FAILS(advlab_evaluate(f->standard, NULL, &e, f->x, f->y, 2, &r), ADVLAB_E_ARG, "eps");
    e = quick();
    float x[2 * PIXELS];
    memcpy(x, f->x, sizeof x);
    x[PIXELS + 3] = NAN;
    CHECK_FAILS(advlab_evaluate(f->standard, NULL, &e, x, f->y, 2, &r), ADVLAB_E_NUMERIC,
                "evaluate: input image 1, pixel 3 is NaN");
    int32_t y[2] = {0, 10};
    CHECK_FAILS(advlab_evaluate(f->standard, NULL, &e, f->x, y, 2, &r), ADVLAB_E_ARG,
                "label of image 1 is 10");
    CHECK_FAILS(advlab_evaluate(f->standard, NULL, &e, f->x, f->y, 0, &r), ADVLAB_E_ARG,
                "0 images");
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/mnist";
    fixture *f = calloc(1, sizeof *f);
    f->standard = load_model(dir, "standard", 64);
    f->pgd = load_model(dir, "pgd", 64);
    f->small_batch = load_model(dir, "standard", 16);
    advlab_dataset *test = load_mnist_split(dir, "t10k");
    if (f->standard && f->pgd && f->small_batch && test) {
        int32_t idx[N_IMAGES];
        for (int i = 0; i < N_IMAGES; i++)
            idx[i] = i;
        advlab_dataset_gather(test, idx, N_IMAGES, f->x, f->y);
        test_bad_parameters(f);
        test_ball_and_range(f);
        test_fab_is_minimal(f);
        test_apgd_targeted(f);
        test_chunking(f);
        test_gradient_calls(f);
        test_suite_minimum(f);
        test_parts_add_up(f);
        test_eps_zero(f);
        test_warnings(f);
    }
    advlab_dataset_free(test);
    advlab_net_free(f->standard), advlab_net_free(f->pgd), advlab_net_free(f->small_batch);
    free(f);
    return check_finish("test_autoattack");
}
