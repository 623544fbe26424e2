/* Certification: the interval kernels against their scalar twins; the
 * bounds' soundness (random points, ball corners, PGD's examples and, on a
 * tiny net, every vertex of the ball stay inside them) on random nets and
 * the shipped models; the closed form on an affine classifier; CROWN never
 * looser than IBP and, on a conv net, tighter; the radius's bisection;
 * smoothing's statistics and its seed; and the rejections of bad input.
 *
 *   test_certify DATA_DIR                 the suite (DATA_DIR is data/mnist)
 *   test_certify --oracle FILE            checks the statistics against the
 *                                         SciPy values in FILE (test_certify_scipy.sh) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "certify/certify.h"
#include "certify/stats.h"
#include "check.h"
#include "kernels/kernels.h"
#include "mnist_split.h"
#include "nn/net.h"
#include "synthetic.h"
#include "train/trainer.h"

#define PIXELS 784
#define MAX_K 16

/* ------------------------------------------------------------ kernels */

static float pos_part(float w) { return w < 0.0f ? 0.0f : w; }
static float neg_part(float w) { return 0.0f < w ? 0.0f : w; }

/* The dense kernel's order: four lane sums, (l0+l1)+(l2+l3), the tail, the bias. */
static void dense_twin(float *lo_out, float *hi_out, const float *lo, const float *hi,
                       const float *w, const float *bias, int in, int out)
{
    for (int o = 0; o < out; o++) {
        const float *wo = w + (size_t)o * in;
        float lane_lo[4] = {0}, lane_hi[4] = {0};
        int i = 0;
        for (; i + 4 <= in; i += 4)
            for (int q = 0; q < 4; q++) {
                float wp = pos_part(wo[i + q]), wn = neg_part(wo[i + q]);
                lane_lo[q] = lane_lo[q] + wp * lo[i + q] + wn * hi[i + q];
                lane_hi[q] = lane_hi[q] + wp * hi[i + q] + wn * lo[i + q];
            }
        float sl = (lane_lo[0] + lane_lo[1]) + (lane_lo[2] + lane_lo[3]);
        float sh = (lane_hi[0] + lane_hi[1]) + (lane_hi[2] + lane_hi[3]);
        for (; i < in; i++) {
            float wp = pos_part(wo[i]), wn = neg_part(wo[i]);
            sl = sl + wp * lo[i] + wn * hi[i];
            sh = sh + wp * hi[i] + wn * lo[i];
        }
        lo_out[o] = sl + bias[o];
        hi_out[o] = sh + bias[o];
    }
}

static void fill(advlab_rng *rng, float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        v[i] = lo + (hi - lo) * advlab__rng_uniform(rng);
}

static void test_interval_kernels(void)
{
    advlab_rng rng;
    advlab__rng_seed(&rng, 11, 1);
    /* odd sizes, and offsets that are not multiples of 4 */
    for (int in = 1; in <= 13; in += 3) {
        int out = 5, off = 1;
        float w[5 * 13], bias[5], lo[16], hi[16], a_lo[5], a_hi[5], b_lo[5], b_hi[5];
        fill(&rng, w, (size_t)out * in, -1, 1);
        fill(&rng, bias, out, -1, 1);
        fill(&rng, lo + off, in, -1, 0);
        fill(&rng, hi + off, in, 0, 1);
        k_interval_dense_fwd(a_lo, a_hi, lo + off, hi + off, w, bias, 1, in, out);
        dense_twin(b_lo, b_hi, lo + off, hi + off, w, bias, in, out);
        CHECK(memcmp(a_lo, b_lo, sizeof a_lo) == 0 && memcmp(a_hi, b_hi, sizeof a_hi) == 0,
              "dense interval kernel differs from its twin at in %d", in);
    }
    /* conv against a per-output scalar sum in (c, ky, kx) order, on a 9x11
     * image (an output row of 7: one vector and a tail of 3), then strided
     * and padded (padding is the box [0, 0]) */
    k_conv_shape shapes[] = {{2, 9, 11, 3, 5, 1, 0}, {2, 9, 11, 3, 4, 2, 1}};
    int same = 1;
    for (int q = 0; q < 2; q++) {
        k_conv_shape s = shapes[q];
        int OH = k_conv_out_h(&s), OW = k_conv_out_w(&s);
        float w[3 * 2 * 25], bias[3], lo[2 * 99 + 1], hi[2 * 99 + 1], y_lo[3 * 5 * 7],
            y_hi[3 * 5 * 7], work[4 * 2 * 11 * 13];
        fill(&rng, w, sizeof w / sizeof w[0], -1, 1);
        fill(&rng, bias, 3, -1, 1);
        fill(&rng, lo + 1, 2 * 99, 0, 0.5f);
        fill(&rng, hi + 1, 2 * 99, 0.5f, 1);
        CHECK(k_interval_conv_fwd_work(&s) <= sizeof work / sizeof work[0],
              "interval conv workspace %zu is larger than the test's",
              k_interval_conv_fwd_work(&s));
        k_interval_conv_fwd(y_lo, y_hi, lo + 1, hi + 1, w, bias, 1, &s, work);
        for (int o = 0; o < s.oc; o++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    float sl = 0.0f, sh = 0.0f;
                    for (int c = 0; c < s.c; c++)
                        for (int ky = 0; ky < s.k; ky++)
                            for (int kx = 0; kx < s.k; kx++) {
                                float wv = w[((o * s.c + c) * s.k + ky) * s.k + kx];
                                int iy = s.stride * oy + ky - s.pad,
                                    ix = s.stride * ox + kx - s.pad;
                                int in = iy >= 0 && iy < s.h && ix >= 0 && ix < s.w;
                                float l = in ? lo[1 + (c * s.h + iy) * s.w + ix] : 0.0f;
                                float h = in ? hi[1 + (c * s.h + iy) * s.w + ix] : 0.0f;
                                sl = sl + pos_part(wv) * l + neg_part(wv) * h;
                                sh = sh + pos_part(wv) * h + neg_part(wv) * l;
                            }
                    int at = (o * OH + oy) * OW + ox;
                    same &= y_lo[at] == sl + bias[o] && y_hi[at] == sh + bias[o];
                }
    }
    CHECK(same, "conv interval kernel differs from its scalar twin");
    float rl[7] = {-1, 2, -0.5f, 0, 3, -2, 1}, rh[7] = {1, 3, -0.1f, 0, 4, -1, 2};
    k_interval_relu(rl, rh, 7);
    CHECK(rl[0] == 0 && rh[0] == 1 && rl[2] == 0 && rh[2] == 0 && rl[4] == 3 && rh[6] == 2,
          "interval ReLU clamps both ends");
}

/* ------------------------------------------------------------- helpers */

static advlab_certifier *certifier(advlab_net *net, const char *method, float eps)
{
    advlab_certify_config cfg;
    CHECK(advlab_certify_config_default(method, &cfg) == ADVLAB_OK, "%s", advlab_last_error());
    cfg.eps = eps;
    advlab_certifier *c = NULL;
    CHECK(advlab_certifier_create(net, &cfg, &c) == ADVLAB_OK, "%s", advlab_last_error());
    return c;
}

static advlab_net *load_model(const char *data_dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/../weights/%s.safetensors", data_dir, name);
    uint8_t *bytes = NULL;
    size_t len = 0;
    advlab_net *net = NULL;
    if (advlab_file_read(path, &bytes, &len) == ADVLAB_OK)
        advlab_net_from_weights(path, bytes, len, 64, &net);
    CHECK(net, "cannot load %s: %s", path, advlab_last_error());
    free(bytes);
    return net;
}

typedef struct {
    float lower[MAX_K], upper[MAX_K], margin[MAX_K];
    int label, K;
} bounds;

static bounds get_bounds(advlab_certifier *c, advlab_net *net, const float *x, float eps)
{
    bounds b = {.K = net->classes};
    const float *z = advlab__net_logits(net, x, 1);
    b.label = advlab__argmax(z, net->classes);
    CHECK(advlab_certifier_bounds(c, x, b.label, eps, b.lower, b.upper, b.margin) == ADVLAB_OK,
          "%s", advlab_last_error());
    return b;
}

/* Float rounding (to nearest, in another order than the forward pass). */
static float slack(float v) { return 1e-4f * (1.0f + fabsf(v)); }

/* Whether the logits at point p respect the bounds; counts violations. */
static int inside(advlab_net *net, const bounds *b, const float *p)
{
    const float *z = advlab__net_logits(net, p, 1);
    int bad = 0;
    for (int k = 0; k < b->K; k++) {
        bad += z[k] < b->lower[k] - slack(z[k]) || z[k] > b->upper[k] + slack(z[k]);
        float m = z[b->label] - z[k];
        bad += m < b->margin[k] - slack(m);
    }
    return bad;
}

/* Random points, corners and PGD's examples of the ball around x. */
static void check_sound(advlab_net *net, advlab_certifier *c, const float *x, float eps,
                        const char *what, uint64_t seed)
{
    bounds b = get_bounds(c, net, x, eps);
    advlab_rng rng;
    advlab__rng_seed(&rng, seed, 5);
    float p[PIXELS];
    int bad = 0;
    for (int t = 0; t < 200; t++) {
        int corner = t % 2;
        for (int i = 0; i < PIXELS; i++) {
            float u = advlab__rng_uniform(&rng);
            float d = corner ? (u < 0.5f ? -eps : eps) : (2 * u - 1) * eps;
            float v = x[i] + d;
            p[i] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
        bad += inside(net, &b, p);
    }
    /* PGD pushes the label's margin down: the strongest point we know of */
    advlab_attack_config ac;
    advlab_attack_config_default("pgd", &ac);
    ac.eps = eps, ac.eps_step = eps / 4, ac.max_iter = 20, ac.num_random_init = 1, ac.seed = seed;
    advlab_attack *a = NULL;
    int32_t y = b.label;
    CHECK(advlab_attack_create(net, &ac, &a) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_attack_run(a, x, &y, 1, p) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_attack_free(a);
    bad += inside(net, &b, p);
    for (int k = 0; k < b.K; k++)
        bad += b.lower[k] > b.upper[k];
    CHECK(bad == 0, "%s at eps %g: %d bound violations", what, (double)eps, bad);
}

static void random_image(advlab_rng *rng, float *x)
{
    for (int i = 0; i < PIXELS; i++) {
        float u = advlab__rng_uniform(rng);
        x[i] = u < 0.6f ? 0.0f : u; /* digit-like: mostly paper, some ink */
    }
}

/* ------------------------------------------------------------ soundness */

static void test_sound_random_nets(void)
{
    const char *archs[] = {"c3k5-p2-d8-d4", "d16-d12-d5", "c2k3-c3k3-p2-p2-d6-d3", "p2-d7-d3",
                           "c3k4s2p1-c4k3s2-d6-d3"};
    advlab_rng rng;
    advlab__rng_seed(&rng, 21, 1);
    float x[PIXELS];
    for (size_t a = 0; a < sizeof archs / sizeof archs[0]; a++) {
        advlab_net *net = NULL;
        CHECK(advlab_net_create(archs[a], 8, 100 + a, &net) == ADVLAB_OK, "%s",
              advlab_last_error());
        if (!net)
            continue;
        advlab_certifier *ibp = certifier(net, "ibp", 0.0f), *crown = certifier(net, "crown", 0);
        for (int t = 0; t < 3; t++) {
            random_image(&rng, x);
            float eps = t == 0 ? 0.01f : t == 1 ? 0.05f : 0.2f;
            check_sound(net, ibp, x, eps, archs[a], 7 + t);
            check_sound(net, crown, x, eps, archs[a], 7 + t);
            bounds bi = get_bounds(ibp, net, x, eps), bc = get_bounds(crown, net, x, eps);
            int looser = 0;
            for (int k = 0; k < bi.K; k++)
                looser += bc.margin[k] < bi.margin[k];
            CHECK(looser == 0, "%s: CROWN's margin is looser than IBP's in %d classes", archs[a],
                  looser);
        }
        advlab_certifier_free(ibp);
        advlab_certifier_free(crown);
        advlab_net_free(net);
    }
}

/* d6-d5-d3 reading only 10 pixels: every one of the 1024 vertices of the
 * ball (in those pixels; the rest do not matter) inside the bounds. */
static void test_sound_all_vertices(void)
{
    advlab_net *net = NULL;
    CHECK(advlab_net_create("d6-d5-d3", 1, 4, &net) == ADVLAB_OK, "%s", advlab_last_error());
    if (!net)
        return;
    float *w = net->params + net->w_off[0];
    for (int o = 0; o < 6; o++)
        for (int i = 10; i < PIXELS; i++)
            w[o * PIXELS + i] = 0.0f;
    float *b0 = net->params + net->b_off[0];
    for (int o = 0; o < 6; o++)
        b0[o] = 0.1f * (o - 2); /* some ReLUs unstable, some not */
    float x[PIXELS] = {0}, p[PIXELS] = {0};
    for (int i = 0; i < 10; i++)
        x[i] = 0.1f * i;
    const char *methods[] = {"ibp", "crown"};
    for (int m = 0; m < 2; m++) {
        advlab_certifier *c = certifier(net, methods[m], 0);
        float eps = 0.15f;
        bounds b = get_bounds(c, net, x, eps);
        int bad = 0;
        for (int v = 0; v < 1024; v++) {
            for (int i = 0; i < 10; i++) {
                float q = x[i] + ((v >> i) & 1 ? eps : -eps);
                p[i] = q < 0 ? 0 : q > 1 ? 1 : q;
            }
            bad += inside(net, &b, p);
        }
        CHECK(bad == 0, "%s: %d violations over the 1024 vertices", methods[m], bad);
        advlab_certifier_free(c);
    }
    advlab_net_free(net);
}

/* On the shipped models: MNIST test images, IBP and CROWN; CROWN strictly
 * tighter somewhere (it does something) and never looser. */
static void test_sound_shipped(const char *dir)
{
    advlab_dataset *test = load_mnist_split(dir, "t10k");
    const char *models[] = {"standard", "pgd"};
    for (int m = 0; m < 2 && test; m++) {
        advlab_net *net = load_model(dir, models[m]);
        if (!net)
            continue;
        advlab_certifier *ibp = certifier(net, "ibp", 0), *crown = certifier(net, "crown", 0);
        float x[PIXELS], gain = 0.0f;
        int32_t idx, y;
        for (int t = 0; t < 2; t++) {
            idx = 17 * t;
            advlab_dataset_gather(test, &idx, 1, x, &y);
            float eps = t ? 0.1f : 0.02f;
            check_sound(net, ibp, x, eps, models[m], 3 + t);
            check_sound(net, crown, x, eps, models[m], 3 + t);
            bounds bi = get_bounds(ibp, net, x, eps), bc = get_bounds(crown, net, x, eps);
            int looser = 0;
            for (int k = 0; k < bi.K; k++) {
                looser += bc.margin[k] < bi.margin[k];
                gain += bc.margin[k] - bi.margin[k];
            }
            CHECK(looser == 0, "%s: CROWN looser than IBP", models[m]);
        }
        CHECK(gain > 0.0f, "%s: CROWN is never tighter than IBP (gain %g)", models[m],
              (double)gain);
        advlab_certifier_free(ibp);
        advlab_certifier_free(crown);
        advlab_net_free(net);
    }
    advlab_dataset_free(test);
}

/* ------------------------------------------------------------- exactness */

/* d4 alone is affine: z = W x + b. Over a box the exact bounds of any linear
 * form d . x are sum of min/max of d_i over [lo_i, hi_i]. */
static void test_affine_closed_form(void)
{
    advlab_net *net = NULL;
    CHECK(advlab_net_create("d4", 1, 9, &net) == ADVLAB_OK, "%s", advlab_last_error());
    if (!net)
        return;
    advlab_rng rng;
    advlab__rng_seed(&rng, 31, 1);
    float x[PIXELS];
    for (int i = 0; i < PIXELS; i++)
        x[i] = advlab__rng_uniform(&rng); /* some pixels near 0 or 1: the ball is clipped */
    const float *w = net->params + net->w_off[0], *bias = net->params + net->b_off[0];
    float eps = 0.07f;
    const char *methods[] = {"ibp", "crown"};
    for (int m = 0; m < 2; m++) {
        advlab_certifier *c = certifier(net, methods[m], 0);
        bounds b = get_bounds(c, net, x, eps);
        int bad = 0;
        for (int k = 0; k < 4; k++) {
            double lo = bias[k], hi = bias[k], mlo = bias[b.label] - bias[k];
            for (int i = 0; i < PIXELS; i++) {
                double l = fmax(0.0, x[i] - eps), h = fmin(1.0, x[i] + eps);
                double wk = w[k * PIXELS + i], d = w[b.label * PIXELS + i] - wk;
                lo += wk >= 0 ? wk * l : wk * h;
                hi += wk >= 0 ? wk * h : wk * l;
                mlo += d >= 0 ? d * l : d * h;
            }
            bad += fabs(b.lower[k] - lo) > 1e-4 || fabs(b.upper[k] - hi) > 1e-4 ||
                   fabs(b.margin[k] - mlo) > 1e-4;
        }
        CHECK(bad == 0, "%s: %d classes differ from the affine closed form", methods[m], bad);
        advlab_certifier_free(c);
    }
    advlab_net_free(net);
}

/* ---------------------------------------------------------------- radius */

static void test_radius(const char *dir)
{
    advlab_net *net = load_model(dir, "pgd");
    advlab_dataset *test = load_mnist_split(dir, "t10k");
    if (!net || !test) {
        advlab_net_free(net);
        advlab_dataset_free(test);
        return;
    }
    float x[4 * PIXELS];
    int32_t idx[4] = {0, 1, 2, 3}, y[4];
    advlab_dataset_gather(test, idx, 4, x, y);
    advlab_certifier *c = certifier(net, "ibp", 0.0f);
    advlab_certificate cert[4];
    CHECK(advlab_certifier_run(c, x, y, 4, cert) == ADVLAB_OK, "%s", advlab_last_error());
    int positive = 0;
    for (int b = 0; b < 4; b++) {
        float r = cert[b].radius;
        positive += r > 0.0f;
        bounds at = get_bounds(c, net, x + b * PIXELS, r), past;
        int proved = 1;
        for (int k = 0; k < at.K; k++)
            proved &= k == at.label || at.margin[k] > 0;
        CHECK(r == 0.0f || proved, "image %d: not proved at its own radius %g", b, (double)r);
        if (r < 0.999f) {
            past = get_bounds(c, net, x + b * PIXELS, r + 0.001f);
            int still = 1;
            for (int k = 0; k < past.K; k++)
                still &= k == past.label || past.margin[k] > 0;
            CHECK(!still, "image %d: proved past its radius %g + 1e-3", b, (double)r);
        }
    }
    CHECK(positive > 0, "the PGD-trained model proves no test image at any eps");
    advlab_certifier_free(c);

    /* verified accuracy: certified images are a subset of the correct ones,
     * and shrink as eps grows */
    advlab_certify_summary s1, s2;
    c = certifier(net, "ibp", 0.01f);
    CHECK(advlab_certify_dataset(c, test, 64, &s1, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_certifier_free(c);
    c = certifier(net, "ibp", 0.2f);
    CHECK(advlab_certify_dataset(c, test, 64, &s2, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_certifier_free(c);
    CHECK(s1.n == 64 && s1.verified_accuracy <= s1.clean_accuracy &&
              s2.verified_accuracy <= s1.verified_accuracy && s1.verified_accuracy > 0,
          "verified %g at 0.01, %g at 0.2, clean %g", s1.verified_accuracy, s2.verified_accuracy,
          s1.clean_accuracy);
    advlab_net_free(net);
    advlab_dataset_free(test);
}

/* ------------------------------------------------------------- smoothing */

static void test_smoothing(const char *dir)
{
    /* values of SciPy 1.10 (beta.ppf, norm.ppf, binomtest), for the build
     * without Python; test_certify_scipy.sh checks many more at test time */
    CHECK(fabs(advlab__clopper_pearson_lower(990, 1000, 0.001) - 0.97603618715531) < 1e-10,
          "Clopper-Pearson lower bound of 990/1000 at alpha 0.001: %.14f",
          advlab__clopper_pearson_lower(990, 1000, 0.001));
    CHECK(fabs(advlab__normal_quantile(0.975) - 1.959963984540054) < 1e-12, "Phi^-1(0.975) %.15f",
          advlab__normal_quantile(0.975));
    CHECK(advlab__clopper_pearson_lower(0, 100, 0.001) == 0.0, "no successes: bound 0");
    CHECK(advlab__binom_test_half(50, 100) == 1.0, "a tie never rejects");

    advlab_net *net = load_model(dir, "standard");
    advlab_dataset *test = load_mnist_split(dir, "t10k");
    if (net && test) {
        float x[2 * PIXELS];
        int32_t idx[2] = {0, 1}, y[2];
        advlab_dataset_gather(test, idx, 2, x, y);
        advlab_certify_config cfg;
        advlab_certify_config_default("smoothing", &cfg);
        cfg.n0 = 50, cfg.n = 300, cfg.batch = 64, cfg.seed = 5;
        advlab_certifier *c = NULL;
        CHECK(advlab_certifier_create(net, &cfg, &c) == ADVLAB_OK, "%s", advlab_last_error());
        advlab_certificate a[2], b[2], d[2];
        advlab_certifier_run(c, x, y, 2, a);
        advlab_certifier_run(c, x, y, 2, b);
        CHECK(memcmp(a, b, sizeof a) == 0, "the same seed gives another certificate");
        for (int i = 0; i < 2; i++) {
            double want = cfg.sigma * advlab__normal_quantile(a[i].bound);
            CHECK(!a[i].certified || fabs(a[i].radius - want) < 1e-6,
                  "radius %g is not sigma Phi^-1(pA) = %g", (double)a[i].radius, want);
            CHECK(a[i].certified, "image %d (a clear digit) is not certified at sigma 0.25", i);
        }
        advlab_certifier_free(c);
        cfg.seed = 6;
        CHECK(advlab_certifier_create(net, &cfg, &c) == ADVLAB_OK, "%s", advlab_last_error());
        advlab_certifier_run(c, x, y, 2, d);
        CHECK(memcmp(a, d, sizeof a) != 0 || a[0].bound > 0.99f,
              "another seed gives the same noise");
        advlab_certifier_free(c);
    }
    advlab_net_free(net);
    advlab_dataset_free(test);
}

/* Reads "beta q a b value", "norm p value" and "binom k n value" lines. */
static int run_oracle(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f, "cannot open %s", path);
    if (!f)
        return check_finish("test_certify --oracle");
    char kind[16];
    int lines = 0;
    while (fscanf(f, "%15s", kind) == 1) {
        double a, b, c, want, got;
        if (strcmp(kind, "beta") == 0 && fscanf(f, "%lf %lf %lf %lf", &a, &b, &c, &want) == 4)
            got = advlab__beta_quantile(a, b, c);
        else if (strcmp(kind, "norm") == 0 && fscanf(f, "%lf %lf", &a, &want) == 2)
            got = advlab__normal_quantile(a);
        else if (strcmp(kind, "binom") == 0 && fscanf(f, "%lf %lf %lf", &a, &b, &want) == 3)
            got = advlab__binom_test_half((int)a, (int)b);
        else {
            CHECK(0, "%s: malformed line after %d lines", path, lines);
            break;
        }
        lines++;
        CHECK(fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want)), "%s line %d: %.15g, SciPy %.15g",
              kind, lines, got, want);
    }
    fclose(f);
    CHECK(lines > 100, "only %d oracle lines", lines);
    return check_finish("test_certify --oracle");
}

/* ------------------------------------------------------ IBP training */

/* Runs the hook's step with the schedule's clock held at `steps` batches,
 * so that every call sees the same eps, kappa and beta. */
static double step_at(advlab_trainer *t, uint64_t steps, advlab_net *net, const float *x,
                      const int32_t *y, int n)
{
    uint8_t words[3 * 8];
    t->hook.state_save(t->hook.self, words);
    memcpy(words, &steps, sizeof steps);
    t->hook.state_restore(t->hook.self, words);
    int correct;
    return t->hook.step(t->hook.self, net, x, y, n, &correct);
}

/* The worst-case loss's gradient against central differences in the
 * parameters, on a small conv net (plain, or strided and padded): ibp with
 * kappa 0 and the full eps at once; crown-ibp half way along its ramp (eps
 * 0.05, kappa 0.5, beta 0.5), where its gradient runs through CROWN-IBP's
 * coefficients and into IBP's bounds. The bounds are piecewise linear, so a
 * few points next to a kink may disagree. */
static void check_ibp_training_gradient(const char *arch, advlab_certify_train_method method)
{
    advlab_dataset *ds = synthetic_dataset(8, 3);
    advlab_net *net = NULL;
    CHECK(ds && advlab_net_create(arch, 8, 5, &net) == ADVLAB_OK, "%s", advlab_last_error());
    if (!ds || !net) {
        advlab_dataset_free(ds);
        return;
    }
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.batch = 8, tc.epochs = 1;
    advlab_certify_train_config cc;
    advlab_certify_train_config_default(&cc);
    int crown = method == ADVLAB_CERTIFY_TRAIN_CROWN_IBP;
    cc.certify = method, cc.eps = crown ? 0.1f : 0.05f, cc.warmup = 0, cc.ramp = crown ? 2 : 0;
    cc.kappa = 0;
    uint64_t clock = 1; /* one batch an epoch: half way along a ramp of 2 */
    advlab_trainer *t = NULL;
    CHECK(advlab_certify_trainer_create(net, ds, &tc, &cc, &t) == ADVLAB_OK, "%s",
          advlab_last_error());
    if (!t) {
        advlab_net_free(net);
        advlab_dataset_free(ds);
        return;
    }
    float x[8 * PIXELS];
    int32_t idx[8], y[8];
    for (int i = 0; i < 8; i++)
        idx[i] = i;
    advlab_dataset_gather(ds, idx, 8, x, y);
    step_at(t, clock, net, x, y, 8);
    size_t n = net->n_params;
    float *grad = malloc(sizeof(float) * n);
    memcpy(grad, net->grads, sizeof(float) * n);
    advlab_rng rng;
    advlab__rng_seed(&rng, 2, 1);
    int agree = 0, tried = 0, nonzero = 0, kinks = 0;
    double mid = step_at(t, clock, net, x, y, 8);
    for (int q = 0; q < 60; q++) {
        /* half of them in the conv layer, which is a small share of the net */
        size_t k = q % 2 ? advlab__rng_below(&rng, (uint32_t)n)
                         : net->w_off[0] + advlab__rng_below(&rng, (uint32_t)net->w_off[1]);
        float keep = net->params[k], h = 1e-3f;
        net->params[k] = keep + h;
        double up = step_at(t, clock, net, x, y, 8);
        net->params[k] = keep - h;
        double down = step_at(t, clock, net, x, y, 8);
        net->params[k] = keep;
        /* A relaxation that changes shape inside [-h, h] (CROWN's lower
         * slope jumps from 0 to 1 where u = -l) bends the loss: skipped. */
        if (fabs(up + down - 2 * mid) > 2e-5) {
            kinks++;
            continue;
        }
        double fd = (up - down) / (2 * h);
        tried++;
        nonzero += grad[k] != 0.0f;
        agree += fabs(fd - grad[k]) <= 2e-2 * fabs(fd) + 2e-3;
    }
    const char *name = crown ? "crown-ibp" : "ibp";
    CHECK(tried >= 30, "%s %s: %d of 60 parameters next to a kink", arch, name, kinks);
    CHECK(agree >= tried * 9 / 10, "%s %s: loss gradient: %d of %d parameters agree", arch, name,
          agree, tried);
    CHECK(nonzero > tried / 4, "%s %s: loss gradient is mostly zero (%d of %d)", arch, name,
          nonzero, tried);
    printf("%s %s: gradient agrees at %d of %d parameters (%d next to a kink)\n", arch, name, agree,
           tried, kinks);
    free(grad);
    advlab_trainer_free(t);
    advlab_net_free(net);
    advlab_dataset_free(ds);
}

/* CROWN-IBP's margin bounds, on random nets (with pooling, and strided and
 * padded): sound at random points of the ball and its corners; on an affine
 * classifier the closed form, as IBP's; at initialisation tighter than IBP's
 * on most rows (Zhang et al.'s reason for it); and the mix training uses,
 * beta m_crown + (1 - beta) m_ibp, never below IBP's. */
static void test_crown_ibp_bounds(void)
{
    const char *archs[] = {"d10", "c3k5-p2-d8-d10", "c3k4s2p1-c4k3p1-d6-d10"};
    advlab_rng rng;
    advlab__rng_seed(&rng, 33, 1);
    float lower[CERTIFY_CHUNK * 10], probe[PIXELS];
    int32_t y[2] = {3, 8};
    for (int a = 0; a < 3; a++) {
        advlab_net *net = NULL;
        CHECK(advlab_net_create(archs[a], 8, 40 + a, &net) == ADVLAB_OK, "%s", advlab_last_error());
        advlab_certifier *c = certifier(net, "ibp", 0);
        crown_ibp cb;
        CHECK(net && c && advlab__crown_ibp_create(net, &cb) == ADVLAB_OK, "%s",
              advlab_last_error());
        if (!net || !c) {
            advlab_certifier_free(c);
            advlab_net_free(net);
            continue;
        }
        float *work = malloc(sizeof(float) * 100000);
        float images[2 * PIXELS], eps[2] = {0.03f, 0.03f};
        random_image(&rng, images);
        random_image(&rng, images + PIXELS);
        advlab__ibp_boxes(c, images, eps, 2);
        advlab__ibp_forward(c, 2, 0);
        advlab__crown_ibp_bounds(&cb, c, y, 2, lower, work);
        int tighter = 0, rows = 0, unsound = 0, below_ibp = 0, affine_off = 0;
        for (int b = 0; b < 2; b++) {
            advlab__ibp_margin(c, b, y[b]);
            for (int j = 0; j < 10; j++) {
                if (j == y[b])
                    continue;
                float ibp = c->margin_lo[b * 10 + j], cr = lower[b * 10 + j];
                rows++;
                tighter += cr > ibp;
                affine_off += a == 0 && fabsf(cr - ibp) > 1e-4f * (1 + fabsf(ibp));
                for (int beta10 = 0; beta10 <= 10; beta10++)
                    below_ibp += advlab__crown_ibp_mix(beta10 / 10.0f, cr, ibp) < ibp;
            }
            for (int q = 0; q < 40; q++) { /* random points, then corners */
                for (int i = 0; i < PIXELS; i++) {
                    float lo = c->x_lo[b * PIXELS + i], hi = c->x_hi[b * PIXELS + i];
                    float u = advlab__rng_uniform(&rng);
                    probe[i] = q < 20 ? lo + u * (hi - lo) : (u < 0.5f ? lo : hi);
                }
                const float *z = advlab__net_logits(net, probe, 1);
                for (int j = 0; j < 10; j++)
                    unsound += j != y[b] && z[y[b]] - z[j] < lower[b * 10 + j] - 1e-4f;
            }
        }
        CHECK(unsound == 0, "%s: CROWN-IBP bound above the margin at %d points", archs[a], unsound);
        CHECK(below_ibp == 0, "%s: the trained margin fell below IBP's %d times", archs[a],
              below_ibp);
        CHECK(affine_off == 0, "%s: CROWN-IBP and IBP differ on an affine net (%d rows)", archs[a],
              affine_off);
        CHECK(a == 0 || tighter > rows / 2, "%s: CROWN-IBP tighter than IBP on %d of %d rows",
              archs[a], tighter, rows);
        free(work);
        advlab__crown_ibp_free(&cb);
        advlab_certifier_free(c);
        advlab_net_free(net);
    }
}

/* beta 0 (no ramp: the schedule starts at its end) makes crown-ibp training
 * ibp training, bit for bit; with a ramp the two part ways. */
static void test_crown_ibp_beta_zero_is_ibp(void)
{
    advlab_dataset *ds = synthetic_dataset(64, 6);
    if (!ds)
        return;
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.batch = 16, tc.epochs = 2;
    for (int ramp = 0; ramp < 2; ramp++) {
        advlab_net *nets[2] = {NULL, NULL};
        for (int m = 0; m < 2; m++) {
            advlab_certify_train_config cc;
            advlab_certify_train_config_default(&cc);
            cc.certify = m ? ADVLAB_CERTIFY_TRAIN_CROWN_IBP : ADVLAB_CERTIFY_TRAIN_IBP;
            cc.eps = 0.1f, cc.warmup = 0, cc.ramp = (float)ramp * 2, cc.kappa = 0.5f;
            advlab_trainer *t = NULL;
            advlab_net_create("c3k4s2p1-p2-d8-d10", 16, 9, &nets[m]);
            CHECK(advlab_certify_trainer_create(nets[m], ds, &tc, &cc, &t) == ADVLAB_OK, "%s",
                  advlab_last_error());
            advlab_train_progress p;
            while (t && !advlab_trainer_finished(t))
                advlab_trainer_run(t, 4, &p);
            advlab_trainer_free(t);
        }
        int same = memcmp(nets[0]->params, nets[1]->params, sizeof(float) * nets[0]->n_params) == 0;
        CHECK(ramp ? !same : same, "ramp %d: crown-ibp and ibp training %s", ramp,
              ramp ? "agree although beta > 0" : "differ at beta 0");
        advlab_net_free(nets[0]);
        advlab_net_free(nets[1]);
    }
    advlab_dataset_free(ds);
}

/* A paused IBP (and noise) trainer, restored from its checkpoint into a
 * fresh trainer with the saved weights, ends bit-identical to one that never
 * stopped: the schedule's clock and the noise RNG are in the state. */
static void test_certified_checkpoint(void)
{
    advlab_dataset *ds = synthetic_dataset(64, 4);
    if (!ds)
        return;
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.batch = 16, tc.epochs = 2;
    for (int method = ADVLAB_CERTIFY_TRAIN_IBP; method <= ADVLAB_CERTIFY_TRAIN_CROWN_IBP;
         method++) {
        advlab_certify_train_config cc;
        advlab_certify_train_config_default(&cc);
        cc.certify = method, cc.warmup = 0.5f, cc.ramp = 1, cc.eps = 0.1f;
        advlab_net *a = NULL, *b = NULL;
        advlab_trainer *ta = NULL, *tb = NULL;
        advlab_net_create("c2k5-p2-d6-d10", 16, 5, &a);
        advlab_net_create("c2k5-p2-d6-d10", 16, 5, &b);
        CHECK(advlab_certify_trainer_create(a, ds, &tc, &cc, &ta) == ADVLAB_OK, "%s",
              advlab_last_error());
        advlab_train_progress p;
        advlab_trainer_run(ta, 3, &p);
        size_t len = advlab_trainer_state_size(ta);
        uint8_t *state = malloc(len);
        CHECK(advlab_trainer_state_save(ta, state, len) == ADVLAB_OK, "%s", advlab_last_error());
        memcpy(b->params, a->params, sizeof(float) * a->n_params);
        while (!advlab_trainer_finished(ta))
            advlab_trainer_run(ta, 4, &p);
        CHECK(advlab_certify_trainer_create(b, ds, &tc, &cc, &tb) == ADVLAB_OK, "%s",
              advlab_last_error());
        CHECK(advlab_trainer_state_restore(tb, state, len) == ADVLAB_OK, "%s", advlab_last_error());
        while (!advlab_trainer_finished(tb))
            advlab_trainer_run(tb, 4, &p);
        CHECK(memcmp(a->params, b->params, sizeof(float) * a->n_params) == 0,
              "method %d: the restored trainer ends elsewhere", method);
        free(state);
        advlab_trainer_free(ta);
        advlab_trainer_free(tb);
        advlab_net_free(a);
        advlab_net_free(b);
    }
    advlab_dataset_free(ds);
}

/* The point of IBP training, on MNIST: after the same few epochs from the
 * same start, the IBP-trained net proves far more test images at eps 0.05
 * than the naturally trained one. */
static void test_ibp_training_certifies(const char *dir)
{
    advlab_dataset *train = load_mnist_split(dir, "train"), *test = load_mnist_split(dir, "t10k");
    if (!train || !test) {
        advlab_dataset_free(train);
        advlab_dataset_free(test);
        return;
    }
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.batch = 64, tc.epochs = 3, tc.limit = 8192, tc.lr = 0.002f;
    advlab_certify_train_config cc;
    advlab_certify_train_config_default(&cc);
    cc.certify = ADVLAB_CERTIFY_TRAIN_IBP, cc.eps = 0.1f, cc.warmup = 0.5f, cc.ramp = 1.5f;
    double verified[2], clean[2];
    for (int ibp = 0; ibp < 2; ibp++) {
        advlab_net *net = NULL;
        advlab_trainer *t = NULL;
        advlab_net_create("tutorial", 64, 3, &net);
        CHECK((ibp ? advlab_certify_trainer_create(net, train, &tc, &cc, &t)
                   : advlab_trainer_create(net, train, &tc, &t)) == ADVLAB_OK,
              "%s", advlab_last_error());
        advlab_train_progress p;
        while (t && !advlab_trainer_finished(t))
            advlab_trainer_run(t, 64, &p);
        advlab_certifier *c = certifier(net, "ibp", 0.05f);
        advlab_certify_summary s = {0};
        CHECK(advlab_certify_dataset(c, test, 500, &s, NULL) == ADVLAB_OK, "%s",
              advlab_last_error());
        verified[ibp] = s.verified_accuracy, clean[ibp] = s.clean_accuracy;
        advlab_certifier_free(c);
        advlab_trainer_free(t);
        advlab_net_free(net);
    }
    CHECK(verified[1] > 0.6 && verified[1] > verified[0] + 0.4 && clean[1] > 0.85,
          "IBP training: verified %.3f (natural %.3f) at eps 0.05, clean %.3f", verified[1],
          verified[0], clean[1]);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
}

/* ------------------------------------------------------------- bad input */

static void test_bad_input(void)
{
    advlab_net *net = NULL;
    CHECK(advlab_net_create("d8-d3", 4, 1, &net) == ADVLAB_OK, "%s", advlab_last_error());
    if (!net)
        return;
    advlab_certify_config cfg;
    advlab_certifier *c = NULL;
    advlab_certify_config_default("ibp", &cfg);
    cfg.eps = -0.1f;
    CHECK_FAILS(advlab_certifier_create(net, &cfg, &c), ADVLAB_E_ARG, "eps -0.1");
    cfg.eps = NAN;
    CHECK_FAILS(advlab_certifier_create(net, &cfg, &c), ADVLAB_E_ARG, "eps");
    CHECK_FAILS(advlab_certify_config_default("zonotope", &cfg), ADVLAB_E_ARG, "smoothing");
    advlab_certify_config_default("smoothing", &cfg);
    cfg.sigma = 0.0f;
    CHECK_FAILS(advlab_certifier_create(net, &cfg, &c), ADVLAB_E_ARG, "sigma 0");
    cfg.sigma = -1.0f;
    CHECK_FAILS(advlab_certifier_create(net, &cfg, &c), ADVLAB_E_ARG, "sigma -1");
    advlab_certify_config_default("smoothing", &cfg);
    cfg.n0 = 500, cfg.n = 100;
    CHECK_FAILS(advlab_certifier_create(net, &cfg, &c), ADVLAB_E_ARG,
                "n0 500 is larger than n 100");
    advlab_certify_config_default("ibp", &cfg);
    CHECK_FAILS(advlab_certify_config_set(&cfg, "sigma", 0.5), ADVLAB_E_ARG, "sigma");
    CHECK(c == NULL, "a failed create wrote its out-param");

    float x[PIXELS] = {0}, lower[3];
    CHECK(advlab_certifier_create(net, &cfg, &c) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK_FAILS(advlab_certifier_bounds(c, x, 0, -1.0f, lower, NULL, NULL), ADVLAB_E_ARG, "eps -1");
    CHECK_FAILS(advlab_certifier_bounds(c, x, 0, NAN, lower, NULL, NULL), ADVLAB_E_ARG, "eps nan");
    CHECK_FAILS(advlab_certifier_bounds(c, x, 3, 0.1f, lower, NULL, NULL), ADVLAB_E_ARG,
                "label 3 is outside 0..2");
    x[5] = NAN;
    CHECK_FAILS(advlab_certifier_bounds(c, x, 0, 0.1f, lower, NULL, NULL), ADVLAB_E_NUMERIC, "NaN");
    x[5] = 0;
    advlab_certificate cert;
    int32_t y = 7;
    CHECK_FAILS(advlab_certifier_run(c, x, &y, 1, &cert), ADVLAB_E_ARG, "label of image 0 is 7");
    advlab_certifier_free(c);
    advlab_certify_config_default("smoothing", &cfg);
    CHECK(advlab_certifier_create(net, &cfg, &c) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK_FAILS(advlab_certifier_bounds(c, x, 0, 0.1f, lower, NULL, NULL), ADVLAB_E_ARG,
                "not logit bounds");
    advlab_certifier_free(c);
    advlab_certifier_free(NULL);
    advlab_net_free(net);
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "--oracle") == 0)
        return run_oracle(argv[2]);
    const char *dir = argc > 1 ? argv[1] : "data/mnist";
    test_interval_kernels();
    test_affine_closed_form();
    test_sound_all_vertices();
    test_sound_random_nets();
    test_sound_shipped(dir);
    test_radius(dir);
    test_smoothing(dir);
    check_ibp_training_gradient("c2k5-p2-d6-d10", ADVLAB_CERTIFY_TRAIN_IBP);
    check_ibp_training_gradient("c2k4s2p1-d6-d10", ADVLAB_CERTIFY_TRAIN_IBP);
    check_ibp_training_gradient("c2k5-p2-d6-d10", ADVLAB_CERTIFY_TRAIN_CROWN_IBP);
    check_ibp_training_gradient("c2k4s2p1-d6-d10", ADVLAB_CERTIFY_TRAIN_CROWN_IBP);
    test_crown_ibp_bounds();
    test_crown_ibp_beta_zero_is_ibp();
    test_certified_checkpoint();
    test_ibp_training_certifies(dir);
    test_bad_input();
    return check_finish("test_certify");
}
