/* The defences: each pre-processor's defining property (binary squeezing, a
 * true k x k median with reflected borders, a JPEG round trip, seeded
 * clipped noise), their true derivatives (zero, the median's routing checked
 * by hand and by finite differences, noise's clip mask), the post-processors
 * against ART's formulas (and without
 * ClassLabels' batch bug), the two detectors on a briefly trained MNIST net
 * with FGSM images, and every bad parameter. argv[1] is the MNIST directory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "base/rng.h"
#include "check.h"
#include "defences/preprocess.h"

#define SIDE 28
#define PIXELS (SIDE * SIDE)

static advlab_preprocessor *make_pre(const char *name, const char *key, double value, int h, int w)
{
    advlab_preprocess_config cfg;
    advlab_preprocessor *p = NULL;
    CHECK(advlab_preprocess_config_default(name, &cfg) == ADVLAB_OK, "%s", advlab_last_error());
    if (key)
        CHECK(advlab_preprocess_config_set(&cfg, key, value) == ADVLAB_OK, "%s",
              advlab_last_error());
    CHECK(advlab_preprocessor_create(&cfg, h, w, &p) == ADVLAB_OK, "%s", advlab_last_error());
    return p;
}

static void random_images(float *x, int n, uint64_t seed)
{
    advlab_rng rng;
    advlab__rng_seed(&rng, seed, 99);
    for (int i = 0; i < n * PIXELS; i++)
        x[i] = advlab__rng_uniform(&rng);
}

/* ------------------------------------------------------------ squeeze */

static void test_squeeze(void)
{
    float x[2 * PIXELS], out[2 * PIXELS];
    random_images(x, 2, 1);
    x[0] = -0.2f, x[1] = 1.3f, x[2] = 0.5f; /* clipped first; 0.5 rounds to even */
    advlab_preprocessor *one = make_pre("squeeze", NULL, 0, SIDE, SIDE);
    CHECK(advlab_preprocessor_apply(one, x, 2, out) == ADVLAB_OK, "%s", advlab_last_error());
    int binary = 1;
    for (int i = 0; i < 2 * PIXELS; i++)
        binary &= out[i] == 0.0f || out[i] == 1.0f;
    CHECK(binary, "1-bit squeezing left a pixel that is neither 0 nor 1");
    CHECK(out[0] == 0.0f && out[1] == 1.0f && out[2] == 0.0f, "clip and rint: %g %g %g", out[0],
          out[1], out[2]);
    CHECK(out[5] == (x[5] >= 0.5f ? 1.0f : 0.0f), "pixel 5 %g squeezed to %g", x[5], out[5]);
    advlab_preprocessor_free(one);

    for (int i = 0; i < 2 * PIXELS; i++)
        x[i] = (float)(i % 256) / 255.0f;
    advlab_preprocessor *eight = make_pre("squeeze", "bit_depth", 8, SIDE, SIDE);
    CHECK(advlab_preprocessor_apply(eight, x, 2, out) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(memcmp(x, out, sizeof x) == 0, "8-bit squeezing of p/255 pixels is not the identity");
    advlab_preprocessor_free(eight);

    advlab_preprocessor *three = make_pre("squeeze", "bit_depth", 3, SIDE, SIDE);
    CHECK(advlab_preprocessor_apply(three, x, 2, x) == ADVLAB_OK, "in place: %s",
          advlab_last_error());
    int on_grid = 1;
    for (int i = 0; i < 2 * PIXELS; i++)
        on_grid &= fabsf(x[i] * 7.0f - rintf(x[i] * 7.0f)) < 1e-6f;
    CHECK(on_grid, "3-bit squeezing left a pixel off the k/7 grid");
    advlab_preprocessor_free(three);
}

/* ------------------------------------------------------------- median */

/* A reference median: the full sorted window, borders reflected by the
 * d c b a | a b c d | d c b a rule written out as a loop. */
static int reflect_ref(int i, int n)
{
    while (i < 0 || i >= n)
        i = i < 0 ? -i - 1 : 2 * n - 1 - i;
    return i;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static float median_ref(const float *img, int h, int w, int k, int r, int c)
{
    float v[SIDE * SIDE];
    int m = 0;
    for (int dr = -(k / 2); dr < k - k / 2; dr++)
        for (int dc = -(k / 2); dc < k - k / 2; dc++)
            v[m++] = img[reflect_ref(r + dr, h) * w + reflect_ref(c + dc, w)];
    qsort(v, (size_t)m, sizeof(float), cmp_float);
    return v[m / 2];
}

static void test_median_by_hand(void)
{
    static const float img[25] = {0.10f, 0.20f, 0.30f, 0.40f, 0.50f, /* row 0 */
                                  0.60f, 0.70f, 0.80f, 0.90f, 0.11f, /* row 1 */
                                  0.21f, 0.31f, 0.41f, 0.51f, 0.61f, /* row 2 */
                                  0.71f, 0.81f, 0.91f, 0.12f, 0.22f, /* row 3 */
                                  0.32f, 0.42f, 0.52f, 0.62f, 0.72f};
    float out[25];
    advlab_preprocessor *m3 = make_pre("median", "window", 3, 5, 5);
    CHECK(advlab_preprocessor_apply(m3, img, 1, out) == ADVLAB_OK, "%s", advlab_last_error());
    /* (0,0): rows {0,0,1} x cols {0,0,1} = 10 10 20 10 10 20 60 60 70 -> 20 */
    CHECK(out[0] == 0.20f, "3x3 median at the reflected corner (0,0) is %g, expected 0.20", out[0]);
    /* (2,2): 70 80 90 31 41 51 81 91 12 -> sorted 12 31 41 51 [70] 80 81 90 91 */
    CHECK(out[12] == 0.70f, "3x3 median at (2,2) is %g, expected 0.70", out[12]);
    /* (4,4): rows {3,4,4} x cols {3,4,4} = 12 22 22 62 72 72 62 72 72 -> 62 */
    CHECK(out[24] == 0.62f, "3x3 median at the reflected corner (4,4) is %g, expected 0.62",
          out[24]);
    advlab_preprocessor_free(m3);

    /* Even window: offsets -1..0, and the upper of the two middle values. */
    advlab_preprocessor *m2 = make_pre("median", "window", 2, 5, 5);
    CHECK(advlab_preprocessor_apply(m2, img, 1, out) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(out[0] == 0.10f, "2x2 median at (0,0) is %g, expected 0.10", out[0]);
    /* (2,2): rows 1,2 x cols 1,2 = 70 80 31 41 -> 31 41 [70] 80 */
    CHECK(out[12] == 0.70f, "2x2 median at (2,2) is %g, expected the upper middle 0.70", out[12]);
    /* (1,3): rows 0,1 x cols 2,3 = 30 40 80 90 -> 80 */
    CHECK(out[8] == 0.80f, "2x2 median at (1,3) is %g, expected 0.80", out[8]);
    /* (0,4): rows {0,0} x cols 3,4 = 40 50 40 50 -> 50 */
    CHECK(out[4] == 0.50f, "2x2 median at (0,4) is %g, expected 0.50", out[4]);
    advlab_preprocessor_free(m2);

    advlab_preprocessor *m1 = make_pre("median", "window", 1, 5, 5);
    CHECK(advlab_preprocessor_apply(m1, img, 1, out) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(memcmp(out, img, sizeof out) == 0, "a 1x1 median is not the identity");
    advlab_preprocessor_free(m1);
}

static void test_median(void)
{
    test_median_by_hand();

    float salt[PIXELS] = {0}, out[3 * PIXELS];
    salt[10 * SIDE + 10] = 1.0f;
    for (int k = 2; k <= 3; k++) {
        advlab_preprocessor *m = make_pre("median", "window", k, SIDE, SIDE);
        CHECK(advlab_preprocessor_apply(m, salt, 1, out) == ADVLAB_OK, "%s", advlab_last_error());
        float most = 0.0f;
        for (int i = 0; i < PIXELS; i++)
            most = out[i] > most ? out[i] : most;
        CHECK(most == 0.0f, "the %dx%d median kept an isolated salt pixel", k, k);
        advlab_preprocessor_free(m);
    }

    /* Against the sorting reference, on odd and even windows and a
     * non-square image; in place equals out of place. */
    float x[3 * PIXELS], inplace[3 * PIXELS];
    random_images(x, 3, 2);
    for (int i = 0; i < 3 * PIXELS; i += 7)
        x[i] = x[i / 2]; /* repeated values exercise the selection's ties */
    for (int k = 2; k <= 6; k++) {
        advlab_preprocessor *m = make_pre("median", "window", k, SIDE, SIDE);
        CHECK(advlab_preprocessor_apply(m, x, 3, out) == ADVLAB_OK, "%s", advlab_last_error());
        int bad = 0;
        for (int b = 0; b < 3; b++)
            for (int r = 0; r < SIDE; r++)
                for (int c = 0; c < SIDE; c++)
                    bad += out[b * PIXELS + r * SIDE + c] !=
                           median_ref(x + b * PIXELS, SIDE, SIDE, k, r, c);
        CHECK(bad == 0, "window %d: %d pixels differ from the sorting reference", k, bad);
        memcpy(inplace, x, sizeof x);
        CHECK(advlab_preprocessor_apply(m, inplace, 3, inplace) == ADVLAB_OK, "%s",
              advlab_last_error());
        CHECK(memcmp(inplace, out, sizeof out) == 0,
              "window %d: in place differs from out of place", k);
        advlab_preprocessor_free(m);
    }
    advlab_preprocessor *wide = make_pre("median", "window", 3, 7, 12);
    CHECK(advlab_preprocessor_apply(wide, x, 1, out) == ADVLAB_OK, "%s", advlab_last_error());
    int bad = 0;
    for (int r = 0; r < 7; r++)
        for (int c = 0; c < 12; c++)
            bad += out[r * 12 + c] != median_ref(x, 7, 12, 3, r, c);
    CHECK(bad == 0, "7x12 image: %d pixels differ from the sorting reference", bad);
    advlab_preprocessor_free(wide);
}

/* --------------------------------------------------------------- jpeg */

static void jpeg_error(const float *x, int n, int quality, double *mean, double *max)
{
    float *out = malloc(sizeof(float) * n * PIXELS);
    advlab_preprocessor *j = make_pre("jpeg", "quality", quality, SIDE, SIDE);
    CHECK(advlab_preprocessor_apply(j, x, n, out) == ADVLAB_OK, "%s", advlab_last_error());
    *mean = *max = 0.0;
    int on_grid = 1;
    for (int i = 0; i < n * PIXELS; i++) {
        double e = fabs((double)out[i] - x[i]);
        *mean += e / (n * PIXELS);
        *max = e > *max ? e : *max;
        on_grid &= out[i] == rintf(out[i] * 255.0f) / 255.0f;
    }
    CHECK(on_grid, "quality %d: decoded pixels are not k/255", quality);
    advlab_preprocessor_free(j);
    free(out);
}

static void test_jpeg(const float *digits, int n)
{
    double mean100, max100, mean90, max90, mean10, max10;
    jpeg_error(digits, n, 100, &mean100, &max100);
    jpeg_error(digits, n, 90, &mean90, &max90);
    jpeg_error(digits, n, 10, &mean10, &max10);
    printf("jpeg on %d digits: mean/max abs error q100 %.4f/%.4f, q90 %.4f/%.4f, q10 %.4f/%.4f\n",
           n, mean100, max100, mean90, max90, mean10, max10);
    /* Measured: q100 mean 0.0001, max 2/255. */
    CHECK(mean100 < 0.001 && max100 < 0.02, "quality 100 is too lossy: mean %g, max %g", mean100,
          max100);
    CHECK(mean10 > mean90 && mean90 > mean100,
          "error does not fall with quality: q10 %g, q90 %g, q100 %g", mean10, mean90, mean100);
    CHECK(mean10 > 0.02, "quality 10 barely changes the digits: mean %g", mean10);

    /* Odd and tiny sizes fit the encode and decode buffers sized at create. */
    static const int sizes[4][2] = {{1, 1}, {5, 13}, {37, 9}, {64, 48}};
    float odd[4 * PIXELS], odd_out[4 * PIXELS]; /* >= 64 * 48 */
    random_images(odd, 4, 5);
    for (int s = 0; s < 4; s++) {
        for (int q = 1; q <= 100; q += 99) {
            advlab_preprocessor *j = make_pre("jpeg", "quality", q, sizes[s][0], sizes[s][1]);
            CHECK(advlab_preprocessor_apply(j, odd, 1, odd_out) == ADVLAB_OK,
                  "%dx%d at quality %d: %s", sizes[s][0], sizes[s][1], q, advlab_last_error());
            advlab_preprocessor_free(j);
        }
    }

    float *a = malloc(sizeof(float) * n * PIXELS), *b = malloc(sizeof(float) * n * PIXELS);
    advlab_preprocessor *j = make_pre("jpeg", NULL, 0, SIDE, SIDE);
    CHECK(advlab_preprocessor_apply(j, digits, n, a) == ADVLAB_OK, "%s", advlab_last_error());
    memcpy(b, digits, sizeof(float) * n * PIXELS);
    CHECK(advlab_preprocessor_apply(j, b, n, b) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(memcmp(a, b, sizeof(float) * n * PIXELS) == 0, "jpeg: a second run, in place, differs");
    advlab_preprocessor_free(j);
    free(a), free(b);
}

/* -------------------------------------------------------------- noise */

static void test_noise(void)
{
    enum { N = 20 };
    static float grey[N * PIXELS], out[N * PIXELS], again[N * PIXELS];
    for (int i = 0; i < N * PIXELS; i++)
        grey[i] = 0.5f;
    advlab_preprocessor *p = make_pre("noise", NULL, 0, SIDE, SIDE);
    CHECK(advlab_preprocessor_apply(p, grey, N, out) == ADVLAB_OK, "%s", advlab_last_error());
    double sum = 0.0, sq = 0.0;
    int within = 0;
    for (int i = 0; i < N * PIXELS; i++) {
        double d = out[i] - 0.5;
        sum += d, sq += d * d;
        within += fabs(d) < 0.1;
    }
    double mean = sum / (N * PIXELS), std = sqrt(sq / (N * PIXELS) - mean * mean);
    double frac = (double)within / (N * PIXELS);
    CHECK(fabs(mean) < 0.004, "noise mean %g is not ~0 (4 standard errors: 0.003)", mean);
    CHECK(fabs(std - 0.1) < 0.004, "noise std %g is not ~sigma 0.1", std);
    CHECK(fabs(frac - 0.6827) < 0.02, "%.4f of the noise lies within one sigma, expected 0.6827",
          frac);
    advlab_preprocessor_free(p);

    /* Same seed, same noise, however the batch is split; another seed differs. */
    p = make_pre("noise", NULL, 0, SIDE, SIDE);
    CHECK(advlab_preprocessor_apply(p, grey, 3, again) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_preprocessor_apply(p, grey, N - 3, again + 3 * PIXELS) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(memcmp(out, again, sizeof out) == 0,
          "noise with seed 1 differs when the batch is split 3 + 17");
    advlab_preprocessor_free(p);
    p = make_pre("noise", "seed", 2, SIDE, SIDE);
    CHECK(advlab_preprocessor_apply(p, grey, N, again) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(memcmp(out, again, sizeof out) != 0, "seeds 1 and 2 give the same noise");
    advlab_preprocessor_free(p);

    p = make_pre("noise", "sigma", 1.0, SIDE, SIDE);
    CHECK(advlab_preprocessor_apply(p, grey, N, out) == ADVLAB_OK, "%s", advlab_last_error());
    int zeros = 0, ones = 0, inside = 1;
    for (int i = 0; i < N * PIXELS; i++) {
        zeros += out[i] == 0.0f, ones += out[i] == 1.0f;
        inside &= out[i] >= 0.0f && out[i] <= 1.0f;
    }
    CHECK(inside && zeros > 0 && ones > 0,
          "sigma 1 noise is not clipped to [0,1]: %d zeros, %d ones", zeros, ones);
    advlab_preprocessor_free(p);

    p = make_pre("noise", "sigma", 0.0, SIDE, SIDE);
    random_images(again, N, 3);
    CHECK(advlab_preprocessor_apply(p, again, N, out) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(memcmp(out, again, sizeof out) == 0, "sigma 0 noise is not the identity");
    advlab_preprocessor_free(p);
}

static void test_pre_errors(void)
{
    advlab_preprocess_config cfg;
    advlab_preprocessor *p = NULL;
#define BAD_PRE(name, key, value, h, w, needle)                                        \
    do {                                                                               \
        advlab_preprocess_config_default(name, &cfg);                                  \
        advlab_preprocess_config_set(&cfg, key, value);                                \
        CHECK_FAILS(advlab_preprocessor_create(&cfg, h, w, &p), ADVLAB_E_ARG, needle); \
    } while (0)
    BAD_PRE("median", "window", 0, SIDE, SIDE,
            "pre-processor median: window 0 is out of range 1..28");
    BAD_PRE("median", "window", 8, 7, 12, "window 8 is out of range 1..7");
    BAD_PRE("jpeg", "quality", 0, SIDE, SIDE,
            "pre-processor jpeg: quality 0 is out of range 1..100");
    BAD_PRE("jpeg", "quality", 101, SIDE, SIDE, "quality 101 is out of range 1..100");
    BAD_PRE("squeeze", "bit_depth", 0, SIDE, SIDE,
            "pre-processor squeeze: bit_depth 0 is out of range 1..8");
    BAD_PRE("squeeze", "bit_depth", 9, SIDE, SIDE, "bit_depth 9 is out of range 1..8");
    BAD_PRE("noise", "sigma", NAN, SIDE, SIDE,
            "pre-processor noise: sigma nan must be finite and >= 0");
    BAD_PRE("noise", "sigma", -0.1, SIDE, SIDE, "sigma -0.1 must be finite and >= 0");
    BAD_PRE("noise", "sigma", INFINITY, SIDE, SIDE, "sigma inf must be finite");
    BAD_PRE("squeeze", "bit_depth", 1, 0, SIDE,
            "pre-processor squeeze: 0x28 images are out of range 1..4096");
    BAD_PRE("jpeg", "quality", 50, SIDE, 4097, "28x4097 images are out of range 1..4096");
#undef BAD_PRE
    CHECK(p == NULL, "a failed create wrote its out-param");
    cfg.kind = (advlab_preprocess_kind)9;
    CHECK_FAILS(advlab_preprocessor_create(&cfg, SIDE, SIDE, &p), ADVLAB_E_ARG,
                "pre-processor kind 9 is unknown");

    CHECK_FAILS(advlab_preprocess_config_default("blur", &cfg), ADVLAB_E_ARG,
                "pre-processor \"blur\" is unknown; known: squeeze, median, jpeg, noise");
    advlab_preprocess_config_default("median", &cfg);
    CHECK_FAILS(advlab_preprocess_config_set(&cfg, "size", 3), ADVLAB_E_ARG,
                "pre-processor median: unknown key \"size\"; valid keys: window");
    CHECK_FAILS(advlab_preprocess_config_set(&cfg, "quality", 3), ADVLAB_E_ARG,
                "pre-processor median: key \"quality\" does not apply; median takes window");
    CHECK_FAILS(advlab_preprocess_config_set(&cfg, "seed", 3), ADVLAB_E_ARG,
                "key \"seed\" does not apply");
    CHECK_FAILS(advlab_preprocess_config_set(&cfg, "window", 2.5), ADVLAB_E_ARG,
                "pre-processor median: window 2.5 is not an integer");
    advlab_preprocess_config_default("noise", &cfg);
    CHECK_FAILS(advlab_preprocess_config_set(&cfg, "seed", -1), ADVLAB_E_ARG,
                "seed -1 is not an integer in 0..2^53-1");
    CHECK_FAILS(advlab_preprocess_config_set(&cfg, "window", 3), ADVLAB_E_ARG,
                "noise takes sigma, seed");
    CHECK(advlab_preprocess_config_set(&cfg, "seed", 12345) == ADVLAB_OK && cfg.seed == 12345,
          "seed 12345");
    CHECK(strcmp(advlab_preprocess_name(ADVLAB_PRE_JPEG), "jpeg") == 0, "name of jpeg");

    /* A non-finite pixel is refused before anything is written, even in place. */
    float x[2 * PIXELS], before[2 * PIXELS];
    random_images(x, 2, 4);
    x[PIXELS + 5] = NAN;
    memcpy(before, x, sizeof x);
    for (int k = 0; k < 4; k++) {
        static const char *const names[] = {"squeeze", "median", "jpeg", "noise"};
        p = make_pre(names[k], NULL, 0, SIDE, SIDE);
        CHECK_FAILS(advlab_preprocessor_apply(p, x, 2, x), ADVLAB_E_NUMERIC,
                    "input image 1, pixel 5 is NaN");
        CHECK(memcmp(x, before, sizeof x) == 0, "%s: a refused batch was modified", names[k]);
        CHECK_FAILS(advlab_preprocessor_apply(p, x, 0, x), ADVLAB_E_ARG, "batch of 0 images");
        CHECK_FAILS(advlab_preprocessor_apply(p, NULL, 1, x), ADVLAB_E_ARG, "input images is NULL");
        advlab_preprocessor_free(p);
    }
    advlab_preprocessor_free(NULL);
}

/* ------------------------------------------------- true derivatives */

/* grad_in of one VJP on n images of h x w, or all NaN if it failed. */
static void vjp(advlab_preprocessor *p, const float *x, int n, int size, const float *grad_out,
                float *grad_in)
{
    for (int i = 0; i < n * size; i++)
        grad_in[i] = NAN;
    CHECK(advlab__preprocess_vjp(p, x, n, grad_out, grad_in) == ADVLAB_OK, "%s",
          advlab_last_error());
}

/* 2x2 image, window 2: output (r,c) takes rows {r-1, r} and columns
 * {c-1, c}, where -1 reflects to 0, and the upper middle of the four. */
static void test_median_vjp_by_hand(void)
{
    advlab_preprocessor *m2 = make_pre("median", "window", 2, 2, 2);
    /* out(0,0) = median{a,a,a,a} = a            -> a
     * out(0,1) = upper middle {a,b,a,b} = 0.4   -> b
     * out(1,0) = upper middle {a,a,c,c} = 0.3   -> c
     * out(1,1) = upper middle {a,b,c,d} = 0.3   -> c
     * so with grad_out 1, 2, 4, 8: grad_in = 1, 2, 4 + 8, 0. */
    const float x[4] = {0.1f, 0.4f, 0.3f, 0.2f}, g[4] = {1, 2, 4, 8};
    float out[4], gi[4];
    CHECK(advlab_preprocessor_apply(m2, x, 1, out) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(out[0] == x[0] && out[1] == x[1] && out[2] == x[2] && out[3] == x[2],
          "2x2 medians %g %g %g %g", out[0], out[1], out[2], out[3]);
    vjp(m2, x, 1, 4, g, gi);
    CHECK(gi[0] == 1 && gi[1] == 2 && gi[2] == 12 && gi[3] == 0,
          "median routing: %g %g %g %g, expected 1 2 12 0", gi[0], gi[1], gi[2], gi[3]);
    /* All equal: every window's first position in scan order is pixel (0,0),
     * reached through the reflection by all four outputs. */
    const float flat[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    vjp(m2, flat, 1, 4, g, gi);
    CHECK(gi[0] == 15 && gi[1] == 0 && gi[2] == 0 && gi[3] == 0,
          "median ties: %g %g %g %g, expected 15 0 0 0", gi[0], gi[1], gi[2], gi[3]);
    advlab_preprocessor_free(m2);
}

/* sum_i g_i * median(x)_i, in double. */
static double median_dot(advlab_preprocessor *p, const float *x, int n, int size, const float *g)
{
    float out[2 * 7 * 6];
    CHECK(advlab_preprocessor_apply(p, x, n, out) == ADVLAB_OK, "%s", advlab_last_error());
    double dot = 0.0;
    for (int i = 0; i < n * size; i++)
        dot += (double)g[i] * out[i];
    return dot;
}

/* Away from ties the median is locally a fixed selection, so central
 * differences of g . median(x) give J^T g up to rounding. */
static void test_median_vjp_fd(void)
{
    enum { H = 7, W = 6, SIZE = H * W, N = 2 };
    float x[N * SIZE], g[N * SIZE], gi[N * SIZE], ones[N * SIZE];
    advlab_rng rng;
    advlab__rng_seed(&rng, 7, 99);
    for (int b = 0; b < N; b++) {
        int32_t order[SIZE];
        for (int i = 0; i < SIZE; i++)
            order[i] = i;
        advlab__rng_shuffle(&rng, order, SIZE);
        for (int i = 0; i < SIZE; i++)
            x[b * SIZE + i] = (float)(order[i] + 1) / (SIZE + 1); /* distinct, 1/43 apart */
    }
    for (int i = 0; i < N * SIZE; i++)
        g[i] = 2.0f * advlab__rng_uniform(&rng) - 1.0f, ones[i] = 1.0f;
    const float h = 1e-3f;
    for (int k = 2; k <= 3; k++) {
        advlab_preprocessor *m = make_pre("median", "window", k, H, W);
        vjp(m, x, N, SIZE, g, gi);
        double worst = 0.0, largest = 0.0;
        for (int j = 0; j < N * SIZE; j++) {
            float keep = x[j];
            x[j] = keep + h;
            double up = median_dot(m, x, N, SIZE, g);
            x[j] = keep - h;
            double down = median_dot(m, x, N, SIZE, g);
            x[j] = keep;
            double fd = (up - down) / ((double)(keep + h) - (double)(keep - h));
            worst = fmax(worst, fabs(fd - gi[j]));
            largest = fmax(largest, fabs(gi[j]));
        }
        CHECK(worst < 1e-4 && largest > 0.1,
              "window %d: the median VJP is %g from finite differences (largest %g)", k, worst,
              largest);
        /* With grad_out = 1, grad_in counts the outputs each pixel feeds. */
        vjp(m, x, N, SIZE, ones, gi);
        double total = 0.0;
        int integral = 1;
        for (int j = 0; j < N * SIZE; j++)
            total += gi[j], integral &= gi[j] == rintf(gi[j]) && gi[j] >= 0.0f;
        CHECK(integral && total == N * SIZE, "window %d: routing counts sum to %g, expected %d", k,
              total, N * SIZE);
        advlab_preprocessor_free(m);
    }
}

static void test_flat_and_noise_vjp(void)
{
    enum { N = 3 };
    static float x[N * PIXELS], g[N * PIXELS], gi[N * PIXELS], again[N * PIXELS], out[N * PIXELS];
    random_images(x, N, 11);
    random_images(g, N, 12);
    static const char *const flat[] = {"squeeze", "jpeg"};
    for (int k = 0; k < 2; k++) {
        advlab_preprocessor *p = make_pre(flat[k], NULL, 0, SIDE, SIDE);
        vjp(p, x, N, PIXELS, g, gi);
        int zero = 1;
        for (int i = 0; i < N * PIXELS; i++)
            zero &= gi[i] == 0.0f;
        CHECK(zero, "the %s VJP is not exactly zero", flat[k]);
        advlab_preprocessor_free(p);
    }

    /* Noise: grad_out where x + noise stayed inside [0,1], 0 where clipped. */
    advlab_preprocessor *p = make_pre("noise", "sigma", 0.3, SIDE, SIDE);
    CHECK_FAILS(
        advlab__preprocess_vjp(p, x, N, g, gi), ADVLAB_E_ARG,
        "pre-processor noise gradient: needs the noise of the last apply, on these 3 images, but that apply "
        "had 0");
    CHECK(advlab_preprocessor_apply(p, x, N, out) == ADVLAB_OK, "%s", advlab_last_error());
    vjp(p, x, N, PIXELS, g, gi);
    int clipped = 0, wrong = 0;
    for (int i = 0; i < N * PIXELS; i++) {
        int clip = out[i] == 0.0f || out[i] == 1.0f;
        clipped += clip;
        wrong += gi[i] != (clip ? 0.0f : g[i]);
    }
    CHECK(wrong == 0 && clipped > 100 && clipped < N * PIXELS / 2,
          "noise VJP: %d pixels are not grad_out inside [0,1] and 0 where clipped (%d clipped)",
          wrong, clipped);
    vjp(p, x, N, PIXELS, g, again);
    CHECK(memcmp(gi, again, sizeof gi) == 0, "a second noise VJP after the same apply differs");
    CHECK_FAILS(advlab__preprocess_vjp(p, x, N - 1, g, gi), ADVLAB_E_ARG,
                "on these 2 images, but that apply had 3");
    /* The VJP replays the noise without drawing: the next apply continues
     * the stream exactly as if no VJP had run. */
    CHECK(advlab_preprocessor_apply(p, x, N, out) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_preprocessor *fresh = make_pre("noise", "sigma", 0.3, SIDE, SIDE);
    CHECK(advlab_preprocessor_apply(fresh, x, N, again) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_preprocessor_apply(fresh, x, N, again) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(memcmp(out, again, sizeof out) == 0, "a noise VJP moved the noise stream");
    advlab_preprocessor_free(fresh);

    CHECK_FAILS(advlab__preprocess_vjp(NULL, x, N, g, gi), ADVLAB_E_ARG,
                "pre-processor gradient: NULL");
    CHECK_FAILS(advlab__preprocess_vjp(p, x, 0, g, gi), ADVLAB_E_ARG,
                "pre-processor noise gradient: batch of 0 images, expected at least 1");
    CHECK_FAILS(advlab__preprocess_vjp(p, x, N, NULL, gi), ADVLAB_E_ARG,
                "noise gradient: grad_out is NULL");
    CHECK_FAILS(advlab__preprocess_vjp(p, x, N, g, g), ADVLAB_E_ARG,
                "noise gradient: grad_in overlaps grad_out");
    CHECK_FAILS(advlab__preprocess_vjp(p, x, N, g, x + PIXELS), ADVLAB_E_ARG, "grad_in overlaps x");
    advlab_preprocessor_free(p);
}

static void test_vjps(void)
{
    test_median_vjp_by_hand();
    test_median_vjp_fd();
    test_flat_and_noise_vjp();
}

/* ------------------------------------------------------ post-processors */

static void post(const char *name, const char *key, double value, const float *probs, int n,
                 int classes, float *out)
{
    advlab_postprocess_config cfg;
    CHECK(advlab_postprocess_config_default(name, &cfg) == ADVLAB_OK, "%s", advlab_last_error());
    if (key)
        CHECK(advlab_postprocess_config_set(&cfg, key, value) == ADVLAB_OK, "%s",
              advlab_last_error());
    CHECK(advlab_postprocess(&cfg, probs, n, classes, out) == ADVLAB_OK, "%s", advlab_last_error());
}

/* ART's ReverseSigmoid in double, for rows of classes >= 2. */
static void reverse_sigmoid_ref(const float *p, int classes, double beta, double gamma, double *out)
{
    double sum = 0.0;
    for (int k = 0; k < classes; k++) {
        double pc = p[k] < 1e-9 ? 1e-9 : p[k] > 1 - 1e-9 ? 1 - 1e-9 : p[k];
        double r = beta * (1.0 / (1.0 + exp(gamma * log((1.0 - pc) / pc))) - 0.5);
        double v = p[k] - r;
        out[k] = v < 0 ? 0 : v > 1 ? 1 : v;
        sum += out[k];
    }
    for (int k = 0; k < classes; k++)
        out[k] /= sum;
}

static void test_postprocess(void)
{
    enum { C = 4 };
    static const float probs[3 * C] = {0.70f, 0.20f, 0.06f, 0.04f,  /* argmax 0 */
                                       0.10f, 0.15f, 0.60f, 0.15f,  /* argmax 2 */
                                       0.20f, 0.30f, 0.20f, 0.30f}; /* tie: first, 1 */
    float out[3 * C];

    post("class_labels", NULL, 0, probs, 3, C, out);
    static const float onehot[3 * C] = {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0};
    CHECK(
        memcmp(out, onehot, sizeof out) == 0,
        "class_labels is not the one-hot of each row's own argmax (ART's batch bug?): row 0 = %g %g %g %g",
        out[0], out[1], out[2], out[3]);

    post("high_confidence", NULL, 0, probs, 3, C, out);
    for (int i = 0; i < 3 * C; i++)
        CHECK(out[i] == (probs[i] < 0.25f ? 0.0f : probs[i]), "high_confidence at %d: %g -> %g", i,
              probs[i], out[i]);

    static const float to_round[4] = {0.123456f, 0.125f, 0.5f, 0.996f};
    float rounded[4];
    post("rounded", "decimals", 2, to_round, 1, 4, rounded);
    CHECK(rounded[0] == 0.12f && rounded[1] == 0.12f && rounded[2] == 0.5f && rounded[3] == 1.0f,
          "rounded to 2 places (half to even, as numpy): %g %g %g %g", rounded[0], rounded[1],
          rounded[2], rounded[3]);
    post("rounded", NULL, 0, to_round, 1, 4, rounded);
    CHECK(fabsf(rounded[0] - 0.123f) < 1e-7f && rounded[1] == 0.125f, "rounded to 3 places: %g %g",
          rounded[0], rounded[1]);

    /* Reverse sigmoid: ART's numbers and rows summing to 1. At the defaults
     * the argmax is kept; a large beta perturbs enough to reorder classes,
     * in ART's formula as in ours. */
    for (int pass = 0; pass < 2; pass++) {
        double beta = pass ? 3.0 : 1.0, gamma = pass ? 0.5 : 0.1;
        float rs[3 * C];
        memcpy(rs, probs, sizeof rs);
        advlab_postprocess_config cfg;
        advlab_postprocess_config_default("reverse_sigmoid", &cfg);
        cfg.beta = (float)beta, cfg.gamma = (float)gamma;
        CHECK(advlab_postprocess(&cfg, rs, 3, C, rs) == ADVLAB_OK, "in place: %s",
              advlab_last_error());
        double changed = 0.0;
        for (int b = 0; b < 3; b++) {
            double ref[C], sum = 0.0;
            reverse_sigmoid_ref(probs + b * C, C, beta, gamma, ref);
            int best_in = 0, best_out = 0;
            for (int k = 0; k < C; k++) {
                CHECK(fabs(rs[b * C + k] - ref[k]) < 2e-6,
                      "beta %g gamma %g: row %d class %d is %.7f, ART %.7f", beta, gamma, b, k,
                      rs[b * C + k], ref[k]);
                sum += rs[b * C + k];
                changed = fmax(changed, fabs(rs[b * C + k] - probs[b * C + k]));
                best_in = probs[b * C + k] > probs[b * C + best_in] ? k : best_in;
                best_out = rs[b * C + k] > rs[b * C + best_out] ? k : best_out;
            }
            CHECK(fabs(sum - 1.0) < 1e-6, "reverse_sigmoid row %d sums to %.8f", b, sum);
            CHECK(pass || best_in == best_out,
                  "reverse_sigmoid moved row %d's argmax from %d to %d", b, best_in, best_out);
        }
        CHECK(changed > (pass ? 0.1 : 0.01),
              "beta %g gamma %g changed the probabilities by only %g", beta, gamma, changed);
    }

    /* Probabilities of exactly 0 and 1 stay finite. */
    static const float edges[2] = {0.0f, 1.0f};
    float e[2];
    post("reverse_sigmoid", NULL, 0, edges, 1, 2, e);
    CHECK(isfinite(e[0]) && isfinite(e[1]) && fabsf(e[0] + e[1] - 1.0f) < 1e-6f && e[1] > e[0],
          "reverse_sigmoid of (0, 1) is (%g, %g)", e[0], e[1]);
}

static void test_post_errors(void)
{
    static const float probs[4] = {0.2f, 0.8f, NAN, 0.5f};
    float out[4];
    advlab_postprocess_config cfg;
#define BAD_POST(name, field, value, needle)                                           \
    do {                                                                               \
        advlab_postprocess_config_default(name, &cfg);                                 \
        cfg.field = value;                                                             \
        CHECK_FAILS(advlab_postprocess(&cfg, probs, 1, 2, out), ADVLAB_E_ARG, needle); \
    } while (0)
    BAD_POST("reverse_sigmoid", beta, 0.0f,
             "post-processor reverse_sigmoid: beta 0 must be finite and > 0");
    BAD_POST("reverse_sigmoid", beta, INFINITY, "beta inf must be finite and > 0");
    BAD_POST("reverse_sigmoid", gamma, NAN, "gamma nan must be finite and > 0");
    BAD_POST("reverse_sigmoid", gamma, -1.0f, "gamma -1 must be finite and > 0");
    BAD_POST("high_confidence", cutoff, 0.0f,
             "post-processor high_confidence: cutoff 0 is out of range (0, 1)");
    BAD_POST("high_confidence", cutoff, 1.0f, "cutoff 1 is out of range (0, 1)");
    BAD_POST("rounded", decimals, 10, "post-processor rounded: decimals 10 is out of range 0..9");
    BAD_POST("rounded", decimals, -1, "decimals -1 is out of range 0..9");
#undef BAD_POST
    advlab_postprocess_config_default("rounded", &cfg);
    CHECK_FAILS(advlab_postprocess(&cfg, probs, 1, 1, out), ADVLAB_E_ARG,
                "1 rows of 1 classes, expected n >= 1 and classes >= 2");
    CHECK_FAILS(advlab_postprocess(&cfg, probs, 0, 2, out), ADVLAB_E_ARG, "0 rows of 2 classes");
    memcpy(out, probs, sizeof out);
    CHECK_FAILS(advlab_postprocess(&cfg, out, 2, 2, out), ADVLAB_E_NUMERIC,
                "post-processor rounded: row 1, class 0 is NaN");
    CHECK(out[0] == 0.2f && out[1] == 0.8f, "a refused call modified row 0");
    cfg.kind = (advlab_postprocess_kind)7;
    CHECK_FAILS(advlab_postprocess(&cfg, probs, 1, 2, out), ADVLAB_E_ARG,
                "post-processor kind 7 is unknown");

    CHECK_FAILS(
        advlab_postprocess_config_default("noise", &cfg), ADVLAB_E_ARG,
        "post-processor \"noise\" is unknown; known: reverse_sigmoid, high_confidence, rounded, "
        "class_labels");
    advlab_postprocess_config_default("rounded", &cfg);
    CHECK_FAILS(advlab_postprocess_config_set(&cfg, "cutoff", 0.5), ADVLAB_E_ARG,
                "post-processor rounded: key \"cutoff\" does not apply; rounded takes decimals");
    CHECK_FAILS(advlab_postprocess_config_set(&cfg, "digits", 2), ADVLAB_E_ARG,
                "post-processor rounded: unknown key \"digits\"; valid keys: decimals");
    CHECK_FAILS(advlab_postprocess_config_set(&cfg, "decimals", 1.5), ADVLAB_E_ARG,
                "decimals 1.5 is not an integer");
    advlab_postprocess_config_default("class_labels", &cfg);
    CHECK_FAILS(advlab_postprocess_config_set(&cfg, "beta", 1), ADVLAB_E_ARG,
                "class_labels takes no keys");

    /* All-zero rows with a vanishing gamma would divide by zero in ART. */
    static const float zeros[2] = {0.0f, 0.0f};
    advlab_postprocess_config_default("reverse_sigmoid", &cfg);
    cfg.gamma = 1e-12f;
    CHECK_FAILS(advlab_postprocess(&cfg, zeros, 1, 2, out), ADVLAB_E_NUMERIC, "row 0 sums to 0");
}

/* ---------------------------------------------------------- detectors */

typedef struct {
    advlab_dataset *train, *test;
    advlab_net *net;
} mnist;

static float *gather(const advlab_dataset *ds, int first, int n, int32_t *labels)
{
    int32_t *idx = malloc(sizeof(int32_t) * n), *y = labels ? labels : malloc(sizeof(int32_t) * n);
    float *x = malloc(sizeof(float) * n * PIXELS);
    for (int i = 0; i < n; i++)
        idx[i] = first + i;
    advlab_dataset_gather(ds, idx, n, x, y);
    free(idx);
    if (!labels)
        free(y);
    return x;
}

/* FGSM eps 0.3 (ART's default) against net, on the true labels. */
static float *fgsm(advlab_net *net, const float *x, const int32_t *y, int n)
{
    advlab_attack_config cfg;
    advlab_attack *a = NULL;
    float *adv = malloc(sizeof(float) * n * PIXELS);
    CHECK(advlab_attack_config_default("fgsm", &cfg) == ADVLAB_OK, "%s", advlab_last_error());
    cfg.eps = 0.3f;
    CHECK(advlab_attack_create(net, &cfg, &a) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(a && advlab_attack_run(a, x, y, n, adv) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_attack_free(a);
    return adv;
}

static double flagged_fraction(advlab_detector *d, const float *x, int n)
{
    uint8_t *flags = malloc((size_t)n);
    CHECK(advlab_detector_detect(d, x, n, flags) == ADVLAB_OK, "%s", advlab_last_error());
    int count = 0;
    for (int i = 0; i < n; i++)
        count += flags[i];
    free(flags);
    return (double)count / n;
}

static void test_squeeze_detector(advlab_net *net, const float *calib, int n_calib,
                                  const float *clean, const float *adv, int n)
{
    advlab_detector *d = NULL;
    CHECK(advlab_squeeze_detector_create(net, 1, 2, &d) == ADVLAB_OK, "%s", advlab_last_error());
    if (!d)
        return;
    CHECK(isinf(advlab_detector_threshold(d)) && flagged_fraction(d, adv, n) == 0.0,
          "an uncalibrated squeeze detector flags images");

    /* The calibration rule, exactly: at most floor(fpr n) clean scores lie
     * above the threshold, which is a score, and no lower score would do. */
    float *scores = malloc(sizeof(float) * n_calib);
    CHECK(advlab_detector_score(d, calib, n_calib, scores) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_detector_calibrate(d, calib, n_calib, 0.05f) == ADVLAB_OK, "%s",
          advlab_last_error());
    float t = advlab_detector_threshold(d);
    int above = 0, is_score = 0, above_next_lower = 0;
    float next_lower = -INFINITY;
    for (int i = 0; i < n_calib; i++) {
        above += scores[i] > t;
        is_score |= scores[i] == t;
        if (scores[i] < t && scores[i] > next_lower)
            next_lower = scores[i];
    }
    for (int i = 0; i < n_calib; i++)
        above_next_lower += scores[i] > next_lower;
    int allowed = (int)floor(0.05 * n_calib);
    CHECK(above <= allowed, "%d calibration scores above the threshold, at most %d allowed", above,
          allowed);
    CHECK(is_score, "threshold %g is not one of the scores", t);
    CHECK(next_lower == -INFINITY || above_next_lower > allowed,
          "threshold %g is not the smallest that works", t);
    double fpr_calib = flagged_fraction(d, calib, n_calib);
    CHECK(fpr_calib <= allowed / (double)n_calib, "detect flags %g of the calibration images",
          fpr_calib);

    double fpr = flagged_fraction(d, clean, n), tpr = flagged_fraction(d, adv, n);
    printf(
        "squeeze detector (1 bit, 2x2): threshold %.4f, FPR %.3f on held-out clean, detects %.3f of FGSM\n",
        t, fpr, tpr);
    CHECK(fpr < 0.12, "held-out FPR %g is far above the calibrated 0.05", fpr);
    CHECK(tpr > 0.3 && tpr > 3 * fpr, "squeeze detector: detection %g is not well above FPR %g",
          tpr, fpr);

    CHECK(advlab_detector_calibrate(d, calib, n_calib, 0.0f) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(flagged_fraction(d, calib, n_calib) == 0.0, "fpr 0 still flags calibration images");
    CHECK(advlab_detector_calibrate(d, calib, n_calib, 1.0f) == ADVLAB_OK, "%s",
          advlab_last_error());
    float lowest = scores[0];
    for (int i = 1; i < n_calib; i++)
        lowest = scores[i] < lowest ? scores[i] : lowest;
    CHECK(advlab_detector_threshold(d) == lowest,
          "fpr 1 gives threshold %g, not the lowest score %g", advlab_detector_threshold(d),
          lowest);

    CHECK_FAILS(advlab_detector_calibrate(d, calib, n_calib, 1.5f), ADVLAB_E_ARG,
                "detector: fpr 1.5 is out of range 0..1");
    CHECK_FAILS(advlab_detector_calibrate(d, calib, n_calib, NAN), ADVLAB_E_ARG,
                "fpr nan is out of range");
    CHECK_FAILS(advlab_detector_set_threshold(d, NAN), ADVLAB_E_ARG, "threshold is NaN");
    CHECK_FAILS(advlab_binary_detector_train(d, calib, calib, 1, NULL), ADVLAB_E_ARG,
                "only the binary detector trains");
    float bad[PIXELS];
    memcpy(bad, clean, sizeof bad);
    bad[3] = NAN;
    uint8_t flag;
    CHECK_FAILS(advlab_detector_detect(d, bad, 1, &flag), ADVLAB_E_NUMERIC,
                "detector: input image 0, pixel 3 is NaN");
    CHECK_FAILS(advlab_detector_score(d, bad, 0, scores), ADVLAB_E_ARG, "batch of 0 input images");
    free(scores);
    advlab_detector_free(d);

    d = NULL;
    CHECK_FAILS(advlab_squeeze_detector_create(net, 0, 0, &d), ADVLAB_E_ARG,
                "bit_depth and median_window are both 0");
    CHECK_FAILS(advlab_squeeze_detector_create(net, 9, 2, &d), ADVLAB_E_ARG,
                "bit_depth 9 is out of range 1..8");
    CHECK_FAILS(advlab_squeeze_detector_create(net, 1, 1, &d), ADVLAB_E_ARG,
                "median_window 1 is out of range 2..28");
    CHECK(d == NULL, "a failed detector create wrote its out-param");
    CHECK(advlab_squeeze_detector_create(net, 0, 3, &d) == ADVLAB_OK, "median only: %s",
          advlab_last_error());
    advlab_detector_free(d);
    advlab_detector_free(NULL);
}

static void test_binary_detector(advlab_net *net, const mnist *m)
{
    enum { N_TRAIN = 1000, N_TEST = 500 };
    int32_t y[N_TRAIN];
    float *clean = gather(m->train, 10000, N_TRAIN, y);
    float *adv = fgsm(net, clean, y, N_TRAIN);
    advlab_net *dnet = NULL;
    advlab_detector *d = NULL;
    CHECK(advlab_net_create("c4k5-p2-c10k5-p2-d100-d2", 64, 5, &dnet) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK_FAILS(advlab_binary_detector_create(net, &d), ADVLAB_E_ARG,
                "the detector net has 10 classes, expected 2");
    CHECK(advlab_binary_detector_create(dnet, &d) == ADVLAB_OK, "%s", advlab_last_error());
    if (!d)
        return;
    CHECK(advlab_detector_threshold(d) == 0.5f, "binary threshold starts at %g",
          advlab_detector_threshold(d));

    advlab_train_config cfg;
    advlab_train_config_default(&cfg);
    cfg.epochs = 2, cfg.batch = 64, cfg.lr = 0.001f;
    CHECK(advlab_binary_detector_train(d, clean, adv, N_TRAIN, &cfg) == ADVLAB_OK, "%s",
          advlab_last_error());

    int32_t yt[N_TEST];
    float *clean_test = gather(m->test, 500, N_TEST, yt);
    float *adv_test = fgsm(net, clean_test, yt, N_TEST);
    double fpr = flagged_fraction(d, clean_test, N_TEST),
           tpr = flagged_fraction(d, adv_test, N_TEST);
    printf("binary detector: FPR %.3f on clean test images, detects %.3f of their FGSM images\n",
           fpr, tpr);
    CHECK(tpr > 0.8 && fpr < 0.2, "binary detector: detects %g of FGSM images at FPR %g", tpr, fpr);

    /* Same seed, same detector weights. */
    advlab_net *dnet2 = NULL;
    advlab_detector *d2 = NULL;
    advlab_net_create("c4k5-p2-c10k5-p2-d100-d2", 64, 5, &dnet2);
    advlab_binary_detector_create(dnet2, &d2);
    CHECK(advlab_binary_detector_train(d2, clean, adv, N_TRAIN, &cfg) == ADVLAB_OK, "%s",
          advlab_last_error());
    size_t param_bytes = sizeof(float) * advlab_net_param_count(dnet);
    CHECK(memcmp(advlab_net_params(dnet), advlab_net_params(dnet2), param_bytes) == 0,
          "two detectors trained with the same seed differ");
    advlab_detector_free(d2);
    advlab_net_free(dnet2);

    cfg.batch = 65;
    CHECK_FAILS(advlab_binary_detector_train(d, clean, adv, N_TRAIN, &cfg), ADVLAB_E_ARG,
                "batch 65 is out of range 1..64");
    cfg.batch = 64, cfg.lr = 0.0f;
    CHECK_FAILS(advlab_binary_detector_train(d, clean, adv, N_TRAIN, &cfg), ADVLAB_E_ARG,
                "lr 0 is out of range");
    cfg.lr = 0.001f;
    adv[7] = NAN;
    CHECK_FAILS(advlab_binary_detector_train(d, clean, adv, N_TRAIN, &cfg), ADVLAB_E_NUMERIC,
                "detector: adversarial image 0, pixel 7 is NaN");
    adv[7] = 0.0f;

    /* Weights so large the loss overflows: training stops, weights as before. */
    float *params = advlab_net_params(dnet);
    for (int i = 0; i < 100; i++)
        params[i] = 3e38f;
    float *before = malloc(param_bytes);
    memcpy(before, params, param_bytes);
    CHECK_FAILS(advlab_binary_detector_train(d, clean, adv, N_TRAIN, &cfg), ADVLAB_E_NUMERIC,
                "binary detector: training diverged at epoch 1, batch 1");
    CHECK(memcmp(before, params, param_bytes) == 0,
          "a diverged batch changed the detector's weights");
    free(before);

    advlab_detector_free(d);
    advlab_net_free(dnet);
    free(clean), free(adv), free(clean_test), free(adv_test);
}

static void test_detectors(const mnist *m)
{
    advlab_train_config cfg;
    advlab_train_config_default(&cfg);
    cfg.epochs = 1, cfg.limit = 3000;
    CHECK(advlab_train(m->net, m->train, &cfg, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    double acc = 0.0;
    CHECK(advlab_net_evaluate(m->net, m->test, 1000, &acc, NULL) == ADVLAB_OK, "%s",
          advlab_last_error());
    printf("net trained on 3000 images for 1 epoch: test accuracy %.3f\n", acc);
    CHECK(acc > 0.8, "the briefly trained net reaches only %g", acc);

    enum { N_CALIB = 500, N = 500 };
    int32_t y[N];
    float *calib = gather(m->test, 0, N_CALIB, NULL);
    float *clean = gather(m->test, N_CALIB, N, y);
    float *adv = fgsm(m->net, clean, y, N);
    test_squeeze_detector(m->net, calib, N_CALIB, clean, adv, N);
    test_binary_detector(m->net, m);
    free(calib), free(clean), free(adv);
}

static advlab_dataset *load(const char *dir, const char *images, const char *labels)
{
    char ip[1024], lp[1024];
    snprintf(ip, sizeof ip, "%s/%s", dir, images);
    snprintf(lp, sizeof lp, "%s/%s", dir, labels);
    advlab_dataset *ds = NULL;
    CHECK(advlab_dataset_load(ip, lp, &ds) == ADVLAB_OK, "%s", advlab_last_error());
    return ds;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/mnist";
    test_squeeze();
    test_median();
    test_noise();
    test_pre_errors();
    test_vjps();
    test_postprocess();
    test_post_errors();

    mnist m = {load(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               load(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"), NULL};
    if (m.train && m.test) {
        float *digits = gather(m.test, 0, 200, NULL);
        test_jpeg(digits, 200);
        free(digits);
        CHECK(advlab_net_create("tutorial", 64, 1, &m.net) == ADVLAB_OK, "%s", advlab_last_error());
        if (m.net)
            test_detectors(&m);
    }
    advlab_net_free(m.net);
    advlab_dataset_free(m.train);
    advlab_dataset_free(m.test);
    return check_finish("test_defences");
}
