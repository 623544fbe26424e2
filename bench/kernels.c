/* The kernel bench: see kernels.h. Each case calls a kernel as nn/net.c
 * does for one layer and pass of a training step (the input gradient of a
 * net's first layer is never made, so it has none). */
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/aligned.h"
#include "base/clock.h"
#include "kernels/kernels.h"
#include "peak.h"

#define ROUND_SECONDS 0.1
#define MAX_IMAGES 256

typedef enum { CONV_FWD, CONV_BWD_INPUT, CONV_WGRAD, DENSE_FWD, DENSE_WGRAD, DENSE_BWD } pass_kind;

static const char *const pass_names[] = {"forward", "input gradient",  "weight gradient",
                                         "forward", "weight gradient", "input gradient"};

typedef struct {
    const char *arch, *layer;
    pass_kind pass;
    k_conv_shape conv; /* conv passes */
    int in, out;       /* dense passes: inputs and outputs per image */
    int pooled;        /* conv gradients: dy as a max-pool and a ReLU leave it (thin_as_pooled) */
} kernel_case;

#define CONV(arch, layer, c, hw, oc)                               \
    {arch, layer, CONV_FWD, {c, hw, hw, oc, 5, 1, 0}, 0, 0, 0},    \
    {                                                              \
        arch, layer, CONV_WGRAD, {c, hw, hw, oc, 5, 1, 0}, 0, 0, 0 \
    }
#define CONV_BWD(arch, layer, c, hw, oc)                               \
    {                                                                  \
        arch, layer, CONV_BWD_INPUT, {c, hw, hw, oc, 5, 1, 0}, 0, 0, 0 \
    }
#define CONV_POOLED(arch, layer, c, hw, oc)                            \
    {arch, layer, CONV_WGRAD, {c, hw, hw, oc, 5, 1, 0}, 0, 0, 1},      \
    {                                                                  \
        arch, layer, CONV_BWD_INPUT, {c, hw, hw, oc, 5, 1, 0}, 0, 0, 1 \
    }
#define DENSE(arch, layer, in, out)                                                         \
    {arch, layer, DENSE_FWD, {0}, in, out, 0}, {arch, layer, DENSE_WGRAD, {0}, in, out, 0}, \
    {                                                                                       \
        arch, layer, DENSE_BWD, {0}, in, out, 0                                             \
    }

/* ART's tutorial CNN and Madry's MNIST net, layer by layer (nn/arch.c's presets), then their
 * conv gradients as training meets them, dy behind a max-pool (conv_sparse.c): the input gradient
 * of a first layer is made by the attacks of robust training. */
static const kernel_case cases[] = {
    CONV("tutorial", "conv1", 1, 28, 4),        CONV("tutorial", "conv2", 4, 12, 10),
    CONV_BWD("tutorial", "conv2", 4, 12, 10),   DENSE("tutorial", "dense1", 160, 100),
    DENSE("tutorial", "dense2", 100, 10),       CONV("madry", "conv1", 1, 28, 32),
    CONV("madry", "conv2", 32, 12, 64),         CONV_BWD("madry", "conv2", 32, 12, 64),
    DENSE("madry", "dense1", 1024, 1024),       DENSE("madry", "dense2", 1024, 10),
    CONV_POOLED("tutorial", "conv1", 1, 28, 4), CONV_POOLED("tutorial", "conv2", 4, 12, 10),
    CONV_POOLED("madry", "conv1", 1, 28, 32),   CONV_POOLED("madry", "conv2", 32, 12, 64),
};
#define N_CASES ((int)(sizeof cases / sizeof cases[0]))

/* One case's operands, filled with fixed values in [-0.5, 0.5). */
typedef struct {
    float *x, *w, *bias, *y, *work; /* y: the output, or the output's gradient */
} operands;

float *kernels_filled(size_t n)
{
    float *p = advlab__aligned_alloc(sizeof(float) * (n ? n : 1)); /* as the net's buffers are */
    for (size_t i = 0; p && i < n; i++)
        p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return p;
}

/* One element of each 2x2 window of dy's planes (n * oc of them, even sides) kept in five, its
 * place in the window varying: 10% non-zero, as the tutorial net's conv dy is in training. */
static void thin_as_pooled(float *dy, size_t planes, int side)
{
    for (size_t p = 0; p < planes; p++)
        for (int y = 0; y < side; y += 2)
            for (int x = 0; x < side; x += 2) {
                size_t window = (p * side + y) * side / 2 + x / 2, hash = window * 2654435761u;
                for (int i = 0; i < 4; i++) {
                    float *e = dy + (p * side + y + i / 2) * side + x + i % 2;
                    *e = hash % 5 < 2 && (int)(hash / 5 % 4) == i ? *e : 0.0f;
                }
            }
}

static size_t max3(size_t a, size_t b, size_t c)
{
    return a > b ? (a > c ? a : c) : (b > c ? b : c);
}

static int operands_make(operands *o, const kernel_case *k, int n)
{
    const k_conv_shape *s = &k->conv;
    int conv = k->pass <= CONV_WGRAD;
    size_t nx = conv ? (size_t)s->c * s->h * s->w : (size_t)k->in;
    size_t ny = conv ? (size_t)s->oc * k_conv_out_h(s) * k_conv_out_w(s) : (size_t)k->out;
    size_t nw = conv ? (size_t)s->oc * s->c * s->k * s->k : (size_t)k->in * k->out;
    size_t work =
        conv ? max3(k_conv_fwd_work(s), k_conv_bwd_input_work(s), k_conv_wgrad_work(s)) : 0;
    *o = (operands){kernels_filled(nx * n), kernels_filled(nw),
                    kernels_filled(conv ? s->oc : k->out), kernels_filled(ny * n),
                    kernels_filled(work)};
    if (!o->x || !o->w || !o->bias || !o->y || !o->work)
        return -1;
    if (k->pooled)
        thin_as_pooled(o->y, (size_t)n * s->oc, k_conv_out_h(s));
    return 0;
}

static void operands_free(operands *o)
{
    free(o->x), free(o->w), free(o->bias), free(o->y), free(o->work);
}

/* The input gradient and weight gradient passes write into x and w: the values do not matter. */
static void run_case(const kernel_case *k, operands *o, int n)
{
    switch (k->pass) {
    case CONV_FWD: k_conv_fwd(o->y, o->x, o->w, o->bias, n, &k->conv, 1, o->work); break;
    case CONV_BWD_INPUT: k_conv_bwd_input(o->x, o->y, o->w, n, &k->conv, o->work); break;
    case CONV_WGRAD: k_conv_wgrad(o->w, o->y, o->x, n, &k->conv, o->work); break;
    case DENSE_FWD: k_gemm_nt(n, k->out, k->in, o->x, k->in, o->w, k->in, o->y, k->out, 0); break;
    case DENSE_WGRAD:
        k_gemm_nn(k->out, k->in, n, o->y, k->out, 1, o->x, k->in, o->w, k->in, 1);
        break;
    case DENSE_BWD:
        k_gemm_nn(n, k->in, k->out, o->y, k->out, 0, o->w, k->in, o->x, k->in, 0);
        break;
    }
}

static double case_flops(const kernel_case *k, int n)
{
    const k_conv_shape *s = &k->conv;
    double macs = k->pass <= CONV_WGRAD
                      ? (double)s->oc * k_conv_out_h(s) * k_conv_out_w(s) * s->c * s->k * s->k
                      : (double)k->in * k->out;
    return 2.0 * macs * n;
}

/* GFLOP/s of the case over back-to-back calls for about ROUND_SECONDS, after one call to warm. */
static double round_gflops(const kernel_case *k, operands *o, int n)
{
    run_case(k, o, n); /* warm */
    double start = advlab__now_seconds(), elapsed;
    long calls = 0;
    do {
        run_case(k, o, n);
        calls++;
    } while ((elapsed = advlab__now_seconds() - start) < ROUND_SECONDS);
    return case_flops(k, n) * calls / elapsed / 1e9;
}

static volatile float peak_sink; /* keeps the peak kernel's work live */

static double round_peak(void)
{
    double best = 0.0;
    for (int v = 0; v < PEAK_VARIANTS; v++) {
        int iters = 1 << 20;
        double start = advlab__now_seconds();
        peak_sink = peak_run(v, iters);
        double g = peak_flops_per_iter(v) * iters / (advlab__now_seconds() - start) / 1e9;
        best = g > best ? g : best;
    }
    return best;
}

int kernels_json(int images, int rounds, char *out, int cap)
{
    if (images < 1 || images > MAX_IMAGES || rounds < 1 || !out || cap < 1)
        return -1;
    operands ops[N_CASES] = {{0}};
    double best[N_CASES] = {0}, peak = 0.0;
    int ok = 1;
    for (int i = 0; i < N_CASES; i++)
        ok = ok && operands_make(&ops[i], &cases[i], images) == 0;
    for (int r = 0; ok && r < rounds; r++) {
        double p = round_peak();
        peak = p > peak ? p : peak;
        for (int i = 0; i < N_CASES; i++) {
            double g = round_gflops(&cases[i], &ops[i], images);
            best[i] = g > best[i] ? g : best[i];
        }
    }
    int len = ok ? snprintf(out, cap,
                            "{\"images\": %d, \"rounds\": %d, \"peak_gflops\": %.3f, "
                            "\"kernels\": [",
                            images, rounds, peak)
                 : -1;
    for (int i = 0; i >= 0 && len >= 0 && len < cap && i < N_CASES; i++)
        len += snprintf(out + len, cap - len,
                        "%s{\"arch\": \"%s\", \"layer\": \"%s\", \"pass\": \"%s\", "
                        "\"dy\": \"%s\", \"flops\": %.0f, \"gflops\": %.3f, "
                        "\"fraction_of_peak\": %.4f}",
                        i ? ", " : "", cases[i].arch, cases[i].layer, pass_names[cases[i].pass],
                        cases[i].pooled ? "pooled" : "dense", case_flops(&cases[i], images),
                        best[i], best[i] / peak);
    if (len >= 0 && len < cap)
        len += snprintf(out + len, cap - len, "], \"crossover\": ");
    if (len >= 0 && len < cap) {
        int more = ok ? crossover_json(images, rounds, out + len, cap - len) : -1;
        len = more < 0 ? -1 : len + more;
    }
    if (len >= 0 && len < cap)
        len += snprintf(out + len, cap - len, "}");
    for (int i = 0; i < N_CASES; i++)
        operands_free(&ops[i]);
    return len >= 0 && len < cap ? len : -1;
}
