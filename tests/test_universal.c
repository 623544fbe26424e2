/* The universal perturbation (issue 13, item 3) on the shipped standard
 * model and the first MNIST test images: v stays in the eps-ball (inf and
 * 2); the fitting and held-out fooling rates equal a recount made here with
 * advlab_net_predict; a rerun is bit-identical; the fit stops at 1 - delta
 * or after max_iter passes; v fools more held-out digits than random signs
 * of the same size; bad parameters are refused with a message naming them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "check.h"
#include "mnist_split.h"

#define N_FIT 60
#define N_HELD 100
#define PIXELS 784

typedef struct {
    advlab_net *net;
    float x[(N_FIT + N_HELD) * PIXELS]; /* the first N_FIT fit, the rest are held out */
    int32_t y[N_FIT + N_HELD];
} fixture;

static const float *held_out(const fixture *f) { return f->x + N_FIT * PIXELS; }

static advlab_net *load_model(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/../weights/%s.safetensors", dir, name);
    uint8_t *bytes = NULL;
    size_t len = 0;
    advlab_net *net = NULL;
    CHECK(advlab_file_read(path, &bytes, &len) == ADVLAB_OK &&
              advlab_net_from_weights(path, bytes, len, 32, &net) == ADVLAB_OK,
          "%s", advlab_last_error());
    advlab_buffer_free(bytes);
    return net;
}

static advlab_universal_config config(float eps, float norm)
{
    advlab_universal_config c;
    CHECK(advlab_universal_config_default(&c) == ADVLAB_OK, "%s", advlab_last_error());
    c.eps = eps, c.norm = norm, c.max_iter = 4, c.attacker_max_iter = 20;
    return c;
}

/* The class advlab_net_predict gives each image of clip(x + v) (v NULL: x). */
static void predict(advlab_net *net, const float *x, const float *v, int n, int32_t *pred)
{
    float *xv = malloc(sizeof(float) * n * PIXELS), *probs = malloc(sizeof(float) * n * 10);
    for (int i = 0; i < n * PIXELS; i++) {
        float p = x[i] + (v ? v[i % PIXELS] : 0.0f);
        xv[i] = p < 0.0f ? 0.0f : p > 1.0f ? 1.0f : p;
    }
    CHECK(advlab_net_predict(net, xv, n, probs) == ADVLAB_OK, "%s", advlab_last_error());
    for (int b = 0; b < n; b++) {
        pred[b] = 0;
        for (int c = 1; c < 10; c++)
            if (probs[b * 10 + c] > probs[b * 10 + pred[b]])
                pred[b] = c;
    }
    free(xv), free(probs);
}

/* How many of x are predicted under clip(x + v) other than as y, or (y NULL)
 * other than as x. */
static int recount(advlab_net *net, const float *x, const int32_t *y, const float *v, int n)
{
    int32_t clean[N_HELD], moved[N_HELD];
    predict(net, x, v, n, moved);
    if (!y)
        predict(net, x, NULL, n, clean);
    int fooled = 0;
    for (int b = 0; b < n; b++)
        fooled += moved[b] != (y ? y[b] : clean[b]);
    return fooled;
}

static double norm_of(const float *v, float norm)
{
    double acc = 0.0;
    for (int i = 0; i < PIXELS; i++)
        acc = norm == INFINITY ? fmax(acc, fabs(v[i])) : acc + (double)v[i] * v[i];
    return norm == INFINITY ? acc : sqrt(acc);
}

static void test_fit(fixture *f, float eps, float norm, const int32_t *y)
{
    const char *name = norm == INFINITY ? "inf" : "2";
    advlab_universal_config c = config(eps, norm);
    float v[PIXELS], again[PIXELS];
    advlab_universal_report r, r2;
    CHECK(advlab_universal_fit(f->net, &c, f->x, y, N_FIT, v, &r) == ADVLAB_OK, "fit %s: %s", name,
          advlab_last_error());
    double n = norm_of(v, norm);
    CHECK(n > 0.0, "norm %s: the fit left v at zero", name);
    CHECK(n <= eps * (1.0 + 1e-6), "norm %s: ||v|| %.9g is over eps %g", name, n, eps);
    CHECK(fabs(r.norm - n) <= 1e-12 * n, "norm %s: report says ||v|| %.9g, recount %.9g", name,
          r.norm, n);
    CHECK(r.n == N_FIT, "norm %s: report n %d", name, r.n);
    int fooled = recount(f->net, f->x, y, v, N_FIT);
    CHECK(r.fooled == fooled && r.fooling_rate == (double)fooled / N_FIT,
          "norm %s: report fooled %d (rate %g), recount %d", name, r.fooled, r.fooling_rate,
          fooled);
    CHECK(r.passes >= 1 && r.passes <= c.max_iter, "norm %s: %d passes", name, r.passes);
    CHECK(r.fooling_rate >= 1.0 - (double)c.delta || r.passes == c.max_iter,
          "norm %s: stopped after %d of %d passes at rate %g below 1 - delta", name, r.passes,
          c.max_iter, r.fooling_rate);

    int held;
    double rate;
    CHECK(advlab_universal_fooling_rate(f->net, v, held_out(f), N_HELD, &held, &rate) == ADVLAB_OK,
          "held out %s: %s", name, advlab_last_error());
    int held_recount = recount(f->net, held_out(f), NULL, v, N_HELD);
    CHECK(held == held_recount && rate == (double)held / N_HELD,
          "norm %s: held-out fooled %d (rate %g), recount %d", name, held, rate, held_recount);
    printf("norm %s eps %g: fitting rate %.3f after %d passes, held out %d of %d\n", name, eps,
           r.fooling_rate, r.passes, held, N_HELD);

    CHECK(advlab_universal_fit(f->net, &c, f->x, y, N_FIT, again, &r2) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(memcmp(v, again, sizeof v) == 0 && memcmp(&r, &r2, sizeof r) == 0,
          "norm %s: a rerun differs", name);

    if (norm == INFINITY) { /* v against random signs of the same size */
        float noise[PIXELS];
        uint32_t s = 12345;
        for (int i = 0; i < PIXELS; i++) {
            s = s * 1664525u + 1013904223u;
            noise[i] = (s >> 31) ? eps : -eps;
        }
        int by_noise = recount(f->net, held_out(f), NULL, noise, N_HELD);
        CHECK(held > by_noise, "norm inf: v fools %d held-out digits, random signs %d", held,
              by_noise);
    }
}

/* The stop at 1 - delta: with delta 0.99, the first pass that fools one
 * image in a hundred ends the fit. */
static void test_stop(fixture *f)
{
    advlab_universal_config c = config(0.3f, INFINITY);
    c.delta = 0.99f, c.max_iter = 10;
    float v[PIXELS];
    advlab_universal_report r;
    CHECK(advlab_universal_fit(f->net, &c, f->x, NULL, N_FIT, v, &r) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(r.passes == 1 && r.fooling_rate >= 1.0 - (double)c.delta,
          "delta 0.99: %d passes, rate %g", r.passes, r.fooling_rate);
}

static void fit_fails(fixture *f, const advlab_universal_config *c, const float *x,
                      const int32_t *y, int n, int status, const char *needle)
{
    float v[PIXELS];
    advlab_universal_report r;
    CHECK_FAILS(advlab_universal_fit(f->net, c, x, y, n, v, &r), status, needle);
}

static void test_bad_parameters(fixture *f)
{
    advlab_universal_config c = config(0.3f, INFINITY);
    advlab_universal_config bad = c;
    bad.eps = 0.0f;
    fit_fails(f, &bad, f->x, NULL, N_FIT, ADVLAB_E_ARG, "eps 0");
    bad = c, bad.eps = NAN;
    fit_fails(f, &bad, f->x, NULL, N_FIT, ADVLAB_E_ARG, "eps nan");
    bad = c, bad.eps = -0.1f;
    fit_fails(f, &bad, f->x, NULL, N_FIT, ADVLAB_E_ARG, "eps -0.1");
    bad = c, bad.delta = 1.0f;
    fit_fails(f, &bad, f->x, NULL, N_FIT, ADVLAB_E_ARG, "delta 1");
    bad = c, bad.delta = -0.5f;
    fit_fails(f, &bad, f->x, NULL, N_FIT, ADVLAB_E_ARG, "delta -0.5");
    bad = c, bad.max_iter = 0;
    fit_fails(f, &bad, f->x, NULL, N_FIT, ADVLAB_E_ARG, "max_iter 0");
    bad = c, bad.norm = 1.0f;
    fit_fails(f, &bad, f->x, NULL, N_FIT, ADVLAB_E_ARG, "norm 1 is not inf or 2");
    bad = c, bad.attacker = 1;
    fit_fails(f, &bad, f->x, NULL, N_FIT, ADVLAB_E_ARG, "attacker");
    fit_fails(f, &c, f->x, NULL, 0, ADVLAB_E_ARG, "0 images");
    fit_fails(f, &c, NULL, NULL, N_FIT, ADVLAB_E_ARG, "x is NULL");
    int32_t y[N_FIT];
    memcpy(y, f->y, sizeof y);
    y[7] = 10;
    fit_fails(f, &c, f->x, y, N_FIT, ADVLAB_E_ARG, "label of image 7 is 10");
    float *x = malloc(sizeof(float) * N_FIT * PIXELS);
    memcpy(x, f->x, sizeof(float) * N_FIT * PIXELS);
    x[3 * PIXELS + 5] = NAN;
    fit_fails(f, &c, x, NULL, N_FIT, ADVLAB_E_NUMERIC, "image 3, pixel 5 is NaN");
    free(x);

    CHECK_FAILS(advlab_universal_config_set(&bad, "norm", 3), ADVLAB_E_ARG, "norm");
    CHECK_FAILS(advlab_universal_config_set(&bad, "sigma", 1), ADVLAB_E_ARG, "sigma");

    float v[PIXELS] = {0};
    int fooled;
    double rate;
    CHECK_FAILS(advlab_universal_fooling_rate(f->net, v, f->x, 0, &fooled, &rate), ADVLAB_E_ARG,
                "0 images");
    v[9] = INFINITY;
    CHECK_FAILS(advlab_universal_fooling_rate(f->net, v, f->x, 1, &fooled, &rate), ADVLAB_E_NUMERIC,
                "perturbation image 0, pixel 9");
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/mnist";
    fixture *f = calloc(1, sizeof *f);
    f->net = load_model(dir, "standard");
    advlab_dataset *test = load_mnist_split(dir, "t10k");
    if (f->net && test) {
        int32_t idx[N_FIT + N_HELD];
        for (int i = 0; i < N_FIT + N_HELD; i++)
            idx[i] = i;
        advlab_dataset_gather(test, idx, N_FIT + N_HELD, f->x, f->y);
        test_bad_parameters(f);
        test_fit(f, 0.3f, INFINITY, NULL);
        test_fit(f, 4.0f, 2.0f, f->y);
        test_stop(f);
    }
    advlab_dataset_free(test);
    advlab_net_free(f->net);
    free(f);
    return check_finish("test_universal");
}
