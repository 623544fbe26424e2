/* Gradient checks. A double-precision reference of the net (written
 * independently of the kernels) gives the loss; central finite differences of
 * it are compared with the float analytic gradients, with respect to the
 * parameters (advlab_net_loss_grad) and to the input (advlab_net_input_grad).
 * Each layer is checked in a small net that isolates it, then whole nets.
 * Coordinates whose +-h step changes a ReLU sign or a max-pool winner (a
 * kink) are skipped; a check fails if it compared almost nothing or the
 * gradient is all zero. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "check.h"
#include "nn/net.h"

#define H_STEP 1e-3

/* Signs of every ReLU input and winners of every pool window, so a finite
 * difference that crosses a kink can be recognised and skipped. */
typedef struct {
    unsigned char *bits;
    size_t n, cap;
} pattern;

static void mark(pattern *p, int v)
{
    if (p->n < p->cap)
        p->bits[p->n] = (unsigned char)v;
    p->n++;
}

#define SCRATCH (1 << 16) /* doubles: more than any layer's output here */

/* The summed loss of n images through net's arch in double, reading
 * parameters from w (a double copy of advlab_net_params). a and b are
 * SCRATCH-double work buffers. */
static double ref_loss(const advlab_net *net, const double *w, const double *x, const int32_t *y,
                       int n, pattern *pat, double *a, double *b)
{
    double total = 0.0;
    for (int img = 0; img < n; img++) {
        memcpy(a, x + (size_t)img * net->in_size, sizeof(double) * net->in_size);
        for (int i = 0; i < net->arch.n_layers; i++) {
            const layer_shape *l = &net->arch.layers[i];
            const double *W = w + net->w_off[i], *bias = w + net->b_off[i];
            if (l->kind == LAYER_CONV) {
                for (int o = 0; o < l->out_c; o++)
                    for (int oy = 0; oy < l->out_h; oy++)
                        for (int ox = 0; ox < l->out_w; ox++) {
                            double s = bias[o];
                            for (int c = 0; c < l->in_c; c++)
                                for (int ky = 0; ky < l->k; ky++)
                                    for (int kx = 0; kx < l->k; kx++) {
                                        int iy = l->stride * oy + ky - l->pad,
                                            ix = l->stride * ox + kx - l->pad;
                                        if (iy >= 0 && iy < l->in_h && ix >= 0 && ix < l->in_w)
                                            s += W[((o * l->in_c + c) * l->k + ky) * l->k + kx] *
                                                 a[(c * l->in_h + iy) * l->in_w + ix];
                                    }
                            mark(pat, s > 0);
                            b[(o * l->out_h + oy) * l->out_w + ox] = s > 0 ? s : 0;
                        }
            } else if (l->kind == LAYER_POOL) {
                for (int c = 0; c < l->out_c; c++)
                    for (int oy = 0; oy < l->out_h; oy++)
                        for (int ox = 0; ox < l->out_w; ox++) {
                            const double *p = a + (c * l->in_h + 2 * oy) * l->in_w + 2 * ox;
                            double v[4] = {p[0], p[1], p[l->in_w], p[l->in_w + 1]};
                            int best = 0;
                            for (int j = 1; j < 4; j++)
                                if (v[j] > v[best])
                                    best = j;
                            mark(pat, best);
                            b[(c * l->out_h + oy) * l->out_w + ox] = v[best];
                        }
            } else {
                int in = (int)layer_in_size(l);
                for (int o = 0; o < l->out_c; o++) {
                    double s = bias[o];
                    for (int j = 0; j < in; j++)
                        s += W[(size_t)o * in + j] * a[j];
                    if (l->relu)
                        mark(pat, s > 0);
                    b[o] = l->relu && s <= 0 ? 0 : s;
                }
            }
            double *t = a;
            a = b, b = t;
        }
        double m = a[0], s = 0.0;
        for (int c = 1; c < net->classes; c++)
            m = fmax(m, a[c]);
        for (int c = 0; c < net->classes; c++)
            s += exp(a[c] - m);
        total += log(s) - (a[y[img]] - m);
    }
    return total;
}

typedef struct {
    const advlab_net *net;
    double *w, *x;
    const int32_t *y;
    int n;
    pattern base, probe;
    double *scratch_a, *scratch_b;
} problem;

/* Central difference of the summed loss along coordinate v[i]; returns 0 if
 * the step crosses a kink. */
static int central_diff(problem *pb, double *v, size_t i, double *out)
{
    double keep = v[i];
    double f[2];
    for (int side = 0; side < 2; side++) {
        v[i] = keep + (side ? -H_STEP : H_STEP);
        pb->probe.n = 0;
        f[side] =
            ref_loss(pb->net, pb->w, pb->x, pb->y, pb->n, &pb->probe, pb->scratch_a, pb->scratch_b);
        if (memcmp(pb->probe.bits, pb->base.bits, pb->base.n) != 0) {
            v[i] = keep;
            return 0;
        }
    }
    v[i] = keep;
    *out = (f[0] - f[1]) / (2 * H_STEP);
    return 1;
}

static int close_enough(double analytic, double numeric)
{
    return fabs(analytic - numeric) <= 2e-3 * fabs(numeric) + 2e-4;
}

/* Compares the analytic gradient with central differences along `count`
 * random coordinates of v (all len when count <= 0); the numeric value is
 * multiplied by scale. Fails on mismatches, an all-zero gradient, or too few
 * coordinates away from kinks. */
static void compare(problem *pb, advlab_rng *rng, const char *arch, const char *what, double *v,
                    size_t len, const float *analytic, double scale, int count)
{
    int wanted = count > 0 ? count : (int)len, checked = 0, bad = 0;
    double norm = 0.0;
    for (int t = 0; t < wanted; t++) {
        size_t i = count > 0 ? advlab__rng_below(rng, (uint32_t)len) : (size_t)t;
        double num;
        norm += fabs(analytic[i]);
        if (!central_diff(pb, v, i, &num))
            continue;
        checked++;
        num *= scale;
        if (!close_enough(analytic[i], num) && bad++ < 5)
            CHECK(0, "%s: d loss / d %s[%zu] = %g, finite difference %g", arch, what, i,
                  analytic[i], num);
    }
    CHECK(bad == 0, "%s: %d %s gradients differ", arch, bad, what);
    CHECK(norm > 0.0, "%s: %s gradient is all zero", arch, what);
    CHECK(checked >= wanted / 2, "%s: only %d %s coordinates away from kinks", arch, checked, what);
    printf("%s: checked %d %s coordinates\n", arch, checked, what);
}

/* Checks `count` coordinates (all when count <= 0) of both gradients. */
static void check_net(const char *arch, uint64_t seed, int n, int count)
{
    advlab_net *net;
    CHECK(advlab_net_create(arch, 8, seed, &net) == ADVLAB_OK, "create %s: %s", arch,
          advlab_last_error());
    advlab_rng rng;
    advlab__rng_seed(&rng, seed, 9);
    size_t P = advlab_net_param_count(net), D = (size_t)advlab_net_input_size(net) * n;
    float *params = advlab_net_params(net), *x = malloc(sizeof(float) * D),
          *gx = malloc(sizeof(float) * D);
    int32_t y[8];
    /* Random biases and inputs keep ReLUs away from exact zeros. */
    for (size_t i = 0; i < P; i++)
        params[i] += 0.05f * (advlab__rng_uniform(&rng) - 0.5f);
    for (size_t i = 0; i < D; i++)
        x[i] = advlab__rng_uniform(&rng);
    for (int b = 0; b < n; b++)
        y[b] = (int32_t)advlab__rng_below(&rng, (uint32_t)advlab_net_classes(net));

    problem pb = {net, malloc(sizeof(double) * P),       malloc(sizeof(double) * D),      y, n, {0},
                  {0}, malloc(sizeof(double) * SCRATCH), malloc(sizeof(double) * SCRATCH)};
    for (size_t i = 0; i < P; i++)
        pb.w[i] = params[i];
    for (size_t i = 0; i < D; i++)
        pb.x[i] = x[i];
    pb.base.cap = pb.probe.cap = 1 << 22;
    pb.base.bits = malloc(pb.base.cap);
    pb.probe.bits = malloc(pb.probe.cap);
    double ref = ref_loss(net, pb.w, pb.x, y, n, &pb.base, pb.scratch_a, pb.scratch_b);

    float loss;
    CHECK(advlab_net_loss_grad(net, x, y, n, &loss) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(fabs(loss - ref / n) < 1e-4 * (1 + ref / n), "%s: loss %g, reference %g", arch, loss,
          ref / n);
    const float *g = advlab_net_grads(net);

    /* loss_grad differentiates the batch mean, input_grad the summed loss. */
    compare(&pb, &rng, arch, "param", pb.w, P, g, 1.0 / n, count);

    float before = params[0];
    CHECK(advlab_net_input_grad(net, x, y, n, gx, &loss) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(params[0] == before, "input_grad must not touch the parameters");
    compare(&pb, &rng, arch, "input", pb.x, D, gx, 1.0, count);

    free(pb.w), free(pb.x), free(pb.base.bits), free(pb.probe.bits), free(pb.scratch_a),
        free(pb.scratch_b);
    free(x), free(gx);
    advlab_net_free(net);
}

/* The input gradient is per image, so chunking cannot change it. */
static void check_chunking(void)
{
    advlab_net *small, *big;
    CHECK(advlab_net_create("tutorial", 3, 5, &small) == ADVLAB_OK, "create");
    CHECK(advlab_net_create("tutorial", 8, 5, &big) == ADVLAB_OK, "create");
    int n = 7;
    float *x = malloc(sizeof(float) * 784 * n), *g1 = malloc(sizeof(float) * 784 * n),
          *g2 = malloc(sizeof(float) * 784 * n);
    int32_t y[7] = {1, 2, 3, 4, 5, 6, 7};
    for (int i = 0; i < 784 * n; i++)
        x[i] = (float)((i * 37) % 101) / 100.0f;
    float l1, l2;
    CHECK(advlab_net_input_grad(small, x, y, n, g1, &l1) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_net_input_grad(big, x, y, n, g2, &l2) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(memcmp(g1, g2, sizeof(float) * 784 * n) == 0, "input gradient depends on the chunk size");
    CHECK(fabsf(l1 - l2) < 1e-6f, "mean loss depends on chunking: %g vs %g", l1, l2);
    free(x), free(g1), free(g2);
    advlab_net_free(small), advlab_net_free(big);
}

int main(void)
{
    check_net("d10", 1, 3, 0);      /* dense (logits) alone */
    check_net("d17-d10", 2, 3, 0);  /* hidden dense with ReLU */
    check_net("c3k5-d10", 3, 2, 0); /* conv + ReLU */
    check_net("p2-d10", 4, 2, 0);   /* max-pool */
    check_net("c3k5-p2-c4k3-p2-d12-d10", 5, 3, 0);
    check_net("c3k4s2p1-c4k3p1-p2-d10", 7, 2, 0); /* stride and padding */
    check_net("gowal-small", 8, 2, 600);
    check_net("tutorial", 6, 2, 600); /* the real model, sampled coordinates */
    check_chunking();
    return check_finish("test_grad");
}
