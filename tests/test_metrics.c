/* Attack metrics on hand-made cases with known answers, and empirical
 * robustness against a closed form on a linear model and against a hand
 * computation on a trained net. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"

#define PIXELS 784
#define CLASSES 10

/* A one-layer net whose logit c is pixel c: an image's class is whichever
 * of pixels 0..9 is brightest (the first on ties). */
static advlab_net *pixel_net(int max_batch)
{
    advlab_net *net = NULL;
    CHECK(advlab_net_create("d10", max_batch, 1, &net) == ADVLAB_OK, "%s", advlab_last_error());
    if (!net)
        return NULL;
    float *p = advlab_net_params(net);
    memset(p, 0, sizeof(float) * advlab_net_param_count(net));
    for (int c = 0; c < CLASSES; c++)
        p[c * PIXELS + c] = 1.0f; /* fc1.weight [10, 784]; the bias stays 0 */
    return net;
}

static void set_pixels(float *img, int a, float va, int b, float vb)
{
    memset(img, 0, sizeof(float) * PIXELS);
    img[a] = va;
    img[b] = vb;
}

/* Four images: clean predictions 0 1 2 3 (labels 0 1 3 3), adversarial
 * predictions 5 1 3 8. Each perturbed image changes two pixels. */
static void make_case(float *x, float *x_adv)
{
    set_pixels(x + 0 * PIXELS, 0, 1.0f, 20, 0.0f);
    set_pixels(x + 1 * PIXELS, 1, 1.0f, 20, 0.0f);
    set_pixels(x + 2 * PIXELS, 2, 1.0f, 20, 0.0f);
    set_pixels(x + 3 * PIXELS, 3, 1.0f, 20, 0.0f);
    set_pixels(x_adv + 0 * PIXELS, 0, 0.5f, 5, 1.0f); /* d = -0.5, +1 */
    memcpy(x_adv + 1 * PIXELS, x + 1 * PIXELS, sizeof(float) * PIXELS);
    set_pixels(x_adv + 2 * PIXELS, 2, 0.25f, 3, 0.75f); /* d = -0.75, +0.75 */
    set_pixels(x_adv + 3 * PIXELS, 3, 0.5f, 8, 1.0f);   /* d = -0.5, +1 */
}

static int near(double a, double b) { return fabs(a - b) <= 1e-9 * (1.0 + fabs(b)); }

static void test_known_case(int max_batch)
{
    advlab_net *net = pixel_net(max_batch);
    float x[4 * PIXELS], x_adv[4 * PIXELS];
    make_case(x, x_adv);
    int32_t y[4] = {0, 1, 3, 3}, targets[4] = {5, 2, 3, 9}, confusion[CLASSES * CLASSES];
    advlab_attack_metrics m;
    CHECK(advlab_attack_metrics_compute(net, NULL, x, x_adv, y, NULL, 4, &m, confusion) ==
              ADVLAB_OK,
          "%s", advlab_last_error());
    CHECK(m.n == 4, "n %d", m.n);
    CHECK(m.clean_accuracy == 0.75, "max_batch %d: clean accuracy %g, expected 0.75", max_batch,
          m.clean_accuracy);
    CHECK(m.adv_accuracy == 0.5,
          "max_batch %d: adversarial accuracy %g, expected 0.5 (images 1 and 2)", max_batch,
          m.adv_accuracy);
    CHECK(m.success_rate == 0.75, "untargeted success %g, expected 0.75 (3 predictions moved)",
          m.success_rate);
    CHECK(m.mean_l0 == 1.5, "mean L0 %g, expected 1.5", m.mean_l0);
    double l2 = (2.0 * sqrt(1.25) + sqrt(2 * 0.5625)) / 4.0;
    CHECK(near(m.mean_l2, l2), "mean L2 %.12g, expected %.12g", m.mean_l2, l2);
    CHECK(m.mean_linf == 0.6875, "mean Linf %g, expected 0.6875", m.mean_linf);
    int32_t want[CLASSES * CLASSES] = {0};
    want[0 * CLASSES + 5] = want[1 * CLASSES + 1] = want[3 * CLASSES + 3] = want[3 * CLASSES + 8] =
        1;
    CHECK(memcmp(confusion, want, sizeof want) == 0,
          "confusion on x_adv differs from rows (0,5) (1,1) (3,3) (3,8)");

    CHECK(advlab_attack_metrics_compute(net, NULL, x, x_adv, y, targets, 4, &m, NULL) == ADVLAB_OK,
          "%s", advlab_last_error());
    CHECK(m.success_rate == 0.5, "targeted success %g, expected 0.5 (images 0 and 2 reach 5 and 3)",
          m.success_rate);
    CHECK(m.adv_accuracy == 0.5 && m.mean_l0 == 1.5, "targets changed the other figures");

    /* Unchanged images: no success, zero distances. */
    CHECK(advlab_attack_metrics_compute(net, NULL, x, x, y, NULL, 4, &m, NULL) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(m.success_rate == 0.0 && m.mean_l0 == 0.0 && m.mean_l2 == 0.0 && m.mean_linf == 0.0 &&
              m.adv_accuracy == m.clean_accuracy,
          "x_adv = x: success %g, L0 %g, L2 %g, Linf %g", m.success_rate, m.mean_l0, m.mean_l2,
          m.mean_linf);
    advlab_net_free(net);
}

/* Predictions go through the pre-processor: a 1-bit squeeze turns an image
 * whose brightest pixel is 4 (0.45) into a black one, predicted 0. */
static void test_preprocessor(void)
{
    advlab_net *net = pixel_net(4);
    advlab_preprocess_config pc;
    advlab_preprocessor *pre = NULL;
    CHECK(advlab_preprocess_config_default("squeeze", &pc) == ADVLAB_OK, "%s", advlab_last_error());
    pc.bit_depth = 1;
    CHECK(advlab_preprocessor_create(&pc, 28, 28, &pre) == ADVLAB_OK, "%s", advlab_last_error());
    float x[PIXELS], x_adv[PIXELS];
    set_pixels(x, 4, 1.0f, 20, 0.0f);
    set_pixels(x_adv, 4, 0.45f, 6, 0.3f);
    int32_t y[1] = {4}, confusion[CLASSES * CLASSES];
    advlab_attack_metrics plain, defended;
    CHECK(advlab_attack_metrics_compute(net, NULL, x, x_adv, y, NULL, 1, &plain, NULL) == ADVLAB_OK,
          "%s", advlab_last_error());
    CHECK(plain.adv_accuracy == 1.0 && plain.success_rate == 0.0,
          "plain net: adv accuracy %g, success %g", plain.adv_accuracy, plain.success_rate);
    if (pre) {
        CHECK(advlab_attack_metrics_compute(net, pre, x, x_adv, y, NULL, 1, &defended, confusion) ==
                  ADVLAB_OK,
              "%s", advlab_last_error());
        CHECK(defended.clean_accuracy == 1.0 && defended.adv_accuracy == 0.0 &&
                  defended.success_rate == 1.0,
              "squeezed: clean %g, adv %g, success %g", defended.clean_accuracy,
              defended.adv_accuracy, defended.success_rate);
        CHECK(confusion[4 * CLASSES + 0] == 1, "squeezed x_adv is predicted 0");
        CHECK(defended.mean_linf == plain.mean_linf,
              "distances are of x_adv - x, before the pre-processor");
    }
    advlab_preprocessor_free(pre);
    advlab_net_free(net);
}

static void test_bad_metrics_inputs(void)
{
    advlab_net *net = pixel_net(4);
    float x[2 * PIXELS] = {0}, x_adv[2 * PIXELS] = {0};
    int32_t y[2] = {0, 1}, confusion[CLASSES * CLASSES];
    advlab_attack_metrics m = {.n = -7};
    CHECK_FAILS(advlab_attack_metrics_compute(NULL, NULL, x, x_adv, y, NULL, 2, &m, NULL),
                ADVLAB_E_ARG, "attack metrics: net and out are required");
    CHECK_FAILS(advlab_attack_metrics_compute(net, NULL, x, x_adv, y, NULL, 2, NULL, NULL),
                ADVLAB_E_ARG, "net and out are required");
    CHECK_FAILS(advlab_attack_metrics_compute(net, NULL, x, x_adv, y, NULL, 0, &m, NULL),
                ADVLAB_E_ARG, "attack metrics: 0 images; at least 1 is needed");
    CHECK_FAILS(advlab_attack_metrics_compute(net, NULL, NULL, x_adv, y, NULL, 2, &m, NULL),
                ADVLAB_E_ARG, "attack metrics: x: NULL");
    CHECK_FAILS(advlab_attack_metrics_compute(net, NULL, x, NULL, y, NULL, 2, &m, NULL),
                ADVLAB_E_ARG, "attack metrics: x_adv: NULL");
    CHECK_FAILS(advlab_attack_metrics_compute(net, NULL, x, x_adv, NULL, NULL, 2, &m, NULL),
                ADVLAB_E_ARG, "attack metrics: labels: NULL");
    x_adv[PIXELS + 3] = NAN;
    CHECK_FAILS(advlab_attack_metrics_compute(net, NULL, x, x_adv, y, NULL, 2, &m, NULL),
                ADVLAB_E_NUMERIC, "attack metrics: x_adv image 1, pixel 3 is NaN");
    x_adv[PIXELS + 3] = 0.0f;
    x[5] = INFINITY;
    CHECK_FAILS(advlab_attack_metrics_compute(net, NULL, x, x_adv, y, NULL, 2, &m, NULL),
                ADVLAB_E_NUMERIC, "attack metrics: x image 0, pixel 5 is infinite");
    x[5] = 0.0f;
    y[1] = 10;
    CHECK_FAILS(advlab_attack_metrics_compute(net, NULL, x, x_adv, y, NULL, 2, &m, NULL),
                ADVLAB_E_ARG, "attack metrics: label of image 1 is 10, outside 0..9");
    y[1] = 1;
    int32_t targets[2] = {-1, 0};
    CHECK_FAILS(advlab_attack_metrics_compute(net, NULL, x, x_adv, y, targets, 2, &m, confusion),
                ADVLAB_E_ARG, "attack metrics: target of image 0 is -1");
    CHECK(m.n == -7, "a failed call wrote its out-param");
    advlab_net_free(net);
}

/* make_case's images on the pixel net: clean predictions 0 1 2 3 and adversarial 5 1 3 8
 * against labels 0 1 3 3, so 3 clean and 2 adversarial images are right, in one call or in
 * chunks of max_batch. */
static void test_count_correct(int max_batch)
{
    advlab_net *net = pixel_net(max_batch);
    float x[4 * PIXELS], x_adv[4 * PIXELS];
    make_case(x, x_adv);
    int32_t y[4] = {0, 1, 3, 3};
    int correct = -1;
    CHECK(advlab_net_count_correct(net, x, y, 4, &correct) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(correct == 3, "max_batch %d: %d clean images right, expected 3 (images 0, 1 and 3)",
          max_batch, correct);
    CHECK(advlab_net_count_correct(net, x_adv, y, 4, &correct) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(correct == 2, "max_batch %d: %d adversarial images right, expected 2 (images 1 and 2)",
          max_batch, correct);
    CHECK(advlab_net_count_correct(net, x, y, 0, &correct) == ADVLAB_OK && correct == 0,
          "no images: %d right", correct);

    correct = -1;
    CHECK_FAILS(advlab_net_count_correct(NULL, x, y, 4, &correct), ADVLAB_E_ARG,
                "count correct: net and correct are required");
    CHECK_FAILS(advlab_net_count_correct(net, x, y, -1, &correct), ADVLAB_E_ARG,
                "count correct: -1 images");
    CHECK_FAILS(advlab_net_count_correct(net, NULL, y, 4, &correct), ADVLAB_E_ARG,
                "count correct: x: NULL");
    CHECK_FAILS(advlab_net_count_correct(net, x, NULL, 4, &correct), ADVLAB_E_ARG,
                "count correct: labels: NULL");
    y[2] = 10;
    CHECK_FAILS(advlab_net_count_correct(net, x, y, 4, &correct), ADVLAB_E_ARG,
                "count correct: label of image 2 is 10, outside 0..9");
    y[2] = 3;
    x[3 * PIXELS + 4] = NAN;
    CHECK_FAILS(advlab_net_count_correct(net, x, y, 4, &correct), ADVLAB_E_NUMERIC,
                "count correct: x image 3, pixel 4 is NaN");
    CHECK(correct == -1, "a failed call wrote its out-param");
    advlab_net_free(net);
}

/* One image's norms by hand, and attack metrics' means as the means of them. */
static void test_perturbation_norms(void)
{
    float x[4 * PIXELS], x_adv[4 * PIXELS];
    make_case(x, x_adv);
    advlab_perturbation d[4];
    for (int b = 0; b < 4; b++)
        advlab_perturbation_norms(x + b * PIXELS, x_adv + b * PIXELS, PIXELS, &d[b]);
    CHECK(d[0].l0 == 2.0 && d[0].linf == 1.0 && d[0].l2 == sqrt(0.25 + 1.0),
          "image 0 (d = -0.5, +1): L0 %g, L2 %.12g, Linf %g", d[0].l0, d[0].l2, d[0].linf);
    CHECK(d[1].l0 == 0.0 && d[1].l2 == 0.0 && d[1].linf == 0.0,
          "image 1 is unchanged: L0 %g L2 %g Linf %g", d[1].l0, d[1].l2, d[1].linf);
    CHECK(d[2].l0 == 2.0 && d[2].linf == 0.75 && d[2].l2 == sqrt(2 * 0.5625),
          "image 2 (d = -0.75, +0.75): L0 %g, L2 %.12g, Linf %g", d[2].l0, d[2].l2, d[2].linf);

    advlab_net *net = pixel_net(4);
    int32_t y[4] = {0, 1, 3, 3};
    advlab_attack_metrics m;
    CHECK(advlab_attack_metrics_compute(net, NULL, x, x_adv, y, NULL, 4, &m, NULL) == ADVLAB_OK,
          "%s", advlab_last_error());
    double l0 = 0.0, l2 = 0.0, linf = 0.0;
    for (int b = 0; b < 4; b++)
        l0 += d[b].l0, l2 += d[b].l2, linf += d[b].linf;
    CHECK(m.mean_l0 == l0 / 4 && m.mean_l2 == l2 / 4 && m.mean_linf == linf / 4,
          "metrics' means %g %.17g %g are not the means of the images' norms %g %.17g %g",
          m.mean_l0, m.mean_l2, m.mean_linf, l0 / 4, l2 / 4, linf / 4);
    advlab_net_free(net);
}

/* On the pixel net with image (0.6 at pixel 0, 0.3 at pixel 1), FGSM's sign
 * step lowers pixel 0 and raises pixels 1..9; the prediction flips to 1 at
 * the second step, k * 0.1 = 0.2 > 0.15, so the robustness is 0.2 / 0.6. */
static void test_robustness_closed_form(void)
{
    advlab_net *net = pixel_net(4);
    advlab_attack_config cfg;
    CHECK(advlab_attack_config_default("fgsm", &cfg) == ADVLAB_OK, "%s", advlab_last_error());
    cfg.eps = 1.0f, cfg.eps_step = 0.1f;
    float x[PIXELS];
    set_pixels(x, 0, 0.6f, 1, 0.3f);
    double er = -1.0;
    CHECK(advlab_empirical_robustness(net, &cfg, x, 1, &er) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(fabs(er - 0.2 / 0.6) < 1e-6, "linf robustness %.9f, expected %.9f", er, 0.2 / 0.6);
    cfg.eps = 0.1f; /* one step of 0.1 leaves pixel 0 ahead, 0.5 to 0.4 */
    er = -1.0;
    CHECK(advlab_empirical_robustness(net, &cfg, x, 1, &er) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(er == 0.0, "nothing flips within eps 0.1, yet robustness is %g", er);
    advlab_net_free(net);
}

static advlab_net *trained_net(const advlab_dataset *ds)
{
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.epochs = 1, tc.batch = 32, tc.seed = 5;
    advlab_net *net = NULL;
    CHECK(advlab_net_create("tutorial", 32, 5, &net) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_train(net, ds, &tc, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    return net;
}

static void argmax_rows(const float *probs, int n, int32_t *pred)
{
    for (int b = 0; b < n; b++) {
        pred[b] = 0;
        for (int c = 1; c < CLASSES; c++)
            if (probs[b * CLASSES + c] > probs[b * CLASSES + pred[b]])
                pred[b] = c;
    }
}

static double norm_of(const float *a, const float *b, float p)
{
    double acc = 0.0;
    for (int i = 0; i < PIXELS; i++) {
        double d = fabs((double)a[i] - (b ? b[i] : 0.0));
        acc = p == 1.0f ? acc + d : p == 2.0f ? acc + d * d : (d > acc ? d : acc);
    }
    return p == 2.0f ? sqrt(acc) : acc;
}

/* The same measure from advlab_attack_run with minimal FGSM. */
static double robustness_by_hand(advlab_net *net, const advlab_attack_config *fgsm, const float *x,
                                 int n, int *flipped)
{
    advlab_attack_config cfg = *fgsm;
    cfg.minimal = 1;
    advlab_attack *a = NULL;
    float *x_adv = malloc(sizeof(float) * n * PIXELS), *probs = malloc(sizeof(float) * n * CLASSES);
    int32_t *clean = malloc(sizeof(int32_t) * n), *adv = malloc(sizeof(int32_t) * n);
    CHECK(advlab_attack_create(net, &cfg, &a) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(a && advlab_attack_run(a, x, NULL, n, x_adv) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_net_predict(net, x, n, probs);
    argmax_rows(probs, n, clean);
    advlab_net_predict(net, x_adv, n, probs);
    argmax_rows(probs, n, adv);
    double sum = 0.0;
    *flipped = 0;
    for (int b = 0; b < n; b++)
        if (adv[b] != clean[b]) {
            sum += norm_of(x_adv + b * PIXELS, x + b * PIXELS, cfg.norm) /
                   norm_of(x + b * PIXELS, NULL, cfg.norm);
            ++*flipped;
        }
    advlab_attack_free(a);
    free(x_adv), free(probs), free(clean), free(adv);
    return *flipped ? sum / *flipped : 0.0;
}

static void test_robustness_trained(const advlab_dataset *ds)
{
    enum { N = 60 };
    advlab_net *net = trained_net(ds);
    float x[N * PIXELS];
    int32_t idx[N], y[N];
    for (int i = 0; i < N; i++)
        idx[i] = 200 + i; /* past the first 200 */
    advlab_dataset_gather(ds, idx, N, x, y);
    advlab_attack_config cfg;
    advlab_attack_config_default("fgsm", &cfg);
    const float norms[3] = {INFINITY, 2.0f, 1.0f};
    for (int k = 0; k < 3; k++) {
        cfg.norm = norms[k];
        cfg.eps = norms[k] == 1.0f ? 100.0f : norms[k] == 2.0f ? 10.0f : 1.0f;
        cfg.eps_step = cfg.eps / 20.0f;
        double er = -1.0;
        int flipped = 0;
        CHECK(advlab_empirical_robustness(net, &cfg, x, N, &er) == ADVLAB_OK, "%s",
              advlab_last_error());
        double want = robustness_by_hand(net, &cfg, x, N, &flipped);
        printf("norm %g: empirical robustness %.4f over %d flipped of %d\n", (double)cfg.norm, er,
               flipped, N);
        CHECK(flipped > 0 && er > 0.0, "norm %g: robustness %g with %d flipped", (double)cfg.norm,
              er, flipped);
        CHECK(near(er, want), "norm %g: robustness %.12g, by hand %.12g", (double)cfg.norm, er,
              want);
    }
    cfg.norm = INFINITY, cfg.eps = 1e-4f, cfg.eps_step = 1e-4f;
    double er = -1.0;
    int flipped = -1;
    CHECK(advlab_empirical_robustness(net, &cfg, x, N, &er) == ADVLAB_OK, "%s",
          advlab_last_error());
    robustness_by_hand(net, &cfg, x, N, &flipped);
    CHECK(flipped == 0 && er == 0.0, "eps 1e-4 flips %d images, robustness %g; expected none and 0",
          flipped, er);

    CHECK_FAILS(advlab_empirical_robustness(net, &cfg, x, 0, &er), ADVLAB_E_ARG,
                "empirical robustness: 0 images; at least 1 is needed");
    CHECK_FAILS(advlab_empirical_robustness(net, &cfg, NULL, N, &er), ADVLAB_E_ARG,
                "empirical robustness: x: NULL");
    CHECK_FAILS(advlab_empirical_robustness(net, NULL, x, N, &er), ADVLAB_E_ARG,
                "net, attack config and out are required");
    CHECK_FAILS(advlab_empirical_robustness(net, &cfg, x, N, NULL), ADVLAB_E_ARG,
                "net, attack config and out are required");
    advlab_attack_config pgd;
    advlab_attack_config_default("pgd", &pgd);
    CHECK_FAILS(advlab_empirical_robustness(net, &pgd, x, N, &er), ADVLAB_E_ARG,
                "empirical robustness: the attack must be fgsm, not pgd");
    cfg.targeted = 1;
    CHECK_FAILS(advlab_empirical_robustness(net, &cfg, x, N, &er), ADVLAB_E_ARG,
                "must be untargeted");
    cfg.targeted = 0, cfg.eps = -1.0f;
    CHECK(advlab_empirical_robustness(net, &cfg, x, N, &er) == ADVLAB_E_ARG &&
              strstr(advlab_last_error(), "eps"),
          "eps -1: %s", advlab_last_error());
    cfg.eps = 1.0f;
    x[7 * PIXELS + 9] = NAN;
    er = -1.0;
    CHECK_FAILS(advlab_empirical_robustness(net, &cfg, x, N, &er), ADVLAB_E_NUMERIC,
                "empirical robustness: x image 7, pixel 9 is NaN");
    CHECK(er == -1.0, "a failed call wrote its out-param");
    advlab_net_free(net);
}

int main(void)
{
    test_known_case(4);
    test_known_case(3); /* chunks of 3 and 1 */
    test_preprocessor();
    test_bad_metrics_inputs();
    test_count_correct(4);
    test_count_correct(3); /* chunks of 3 and 1 */
    test_perturbation_norms();
    test_robustness_closed_form();
    advlab_dataset *ds = synthetic_dataset(300, 21);
    CHECK(ds != NULL, "synthetic dataset");
    if (ds)
        test_robustness_trained(ds);
    advlab_dataset_free(ds);
    return check_finish("test_metrics");
}
