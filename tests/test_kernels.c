/* Every fast kernel against its scalar twin, on odd sizes and at float
 * offsets that are not multiples of 4 (so no load is 16-byte aligned). The
 * twins sum in the same order as the kernels, so most comparisons are exact;
 * the dot-product GEMM reduces lanes in a different order and gets a
 * tolerance instead. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "base/aligned.h"
#include "base/mathf.h"
#include "base/rng.h"
#include "check.h"
#include "kernels/conv_sparse.h"
#include "kernels/kernels.h"
#include "nn/net.h"

static advlab_rng rng;

/* A buffer of n floats starting `offset` floats into a fresh allocation. */
static float *rand_buf(size_t n, size_t offset)
{
    if (n > (1u << 26)) /* keeps gcc's allocation-size analysis quiet */
        abort();
    float *p = calloc(n + offset, sizeof(float));
    for (size_t i = 0; i < n + offset; i++)
        p[i] = 2.0f * advlab__rng_uniform(&rng) - 1.0f;
    return p;
}

static int same(const float *a, const float *b, size_t n, float tol, size_t *where)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabsf(a[i] - b[i]) <= tol * (1.0f + fabsf(b[i])))) {
            *where = i;
            return 0;
        }
    return 1;
}

/* ---- scalar twins ---- */

static void twin_gemm_nn(int M, int N, int K, const float *A, int lda, int at, const float *B,
                         int ldb, float *C, int ldc, int acc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = acc ? C[i * ldc + j] : 0.0f;
            for (int k = 0; k < K; k++)
                s += (at ? A[k * lda + i] : A[i * lda + k]) * B[k * ldb + j];
            C[i * ldc + j] = s;
        }
}

static void twin_gemm_nt(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                         float *C, int ldc, int acc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int k = 0; k < K; k++)
                s += (double)A[i * lda + k] * B[j * ldb + k];
            C[i * ldc + j] = (float)(acc ? C[i * ldc + j] + s : s);
        }
}

static float max4(float a, float b, float c, float d)
{
    float m = a;
    if (b > m)
        m = b;
    if (c > m)
        m = c;
    if (d > m)
        m = d;
    return m;
}

static void test_gemm(void)
{
    int sizes[][3] = {{1, 1, 1}, {4, 8, 25}, {10, 64, 100}, {5, 13, 7},
                      {7, 9, 3}, {3, 5, 11}, {9, 17, 33}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int off = 0; off < 4; off += 3)
            for (int acc = 0; acc < 2; acc++)
                for (int at = 0; at < 2; at++) {
                    int M = sizes[s][0], N = sizes[s][1], K = sizes[s][2];
                    int lda = (at ? M : K) + 1, ldb = N + 2, ldc = N + 3;
                    float *A = rand_buf((size_t)lda * (at ? K : M), off);
                    float *B = rand_buf((size_t)ldb * K, off);
                    float *C = rand_buf((size_t)ldc * M, off),
                          *T = malloc(sizeof(float) * (ldc * M + off));
                    memcpy(T, C, sizeof(float) * (ldc * M + off));
                    k_gemm_nn(M, N, K, A + off, lda, at, B + off, ldb, C + off, ldc, acc);
                    twin_gemm_nn(M, N, K, A + off, lda, at, B + off, ldb, T + off, ldc, acc);
                    size_t w = 0;
                    CHECK(same(C, T, (size_t)ldc * M + off, 0.0f, &w),
                          "gemm_nn %dx%dx%d off %d acc %d trans %d differs at %zu: %g vs %g", M, N,
                          K, off, acc, at, w, C[w], T[w]);
                    free(A), free(B), free(C), free(T);
                }
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int off = 1; off < 4; off += 2)
            for (int acc = 0; acc < 2; acc++) {
                int M = sizes[s][0], N = sizes[s][1], K = sizes[s][2];
                int lda = K + 1, ldb = K + 3, ldc = N + 1;
                float *A = rand_buf((size_t)lda * M, off), *B = rand_buf((size_t)ldb * N, off);
                float *C = rand_buf((size_t)ldc * M, off),
                      *T = malloc(sizeof(float) * (ldc * M + off));
                memcpy(T, C, sizeof(float) * (ldc * M + off));
                k_gemm_nt(M, N, K, A + off, lda, B + off, ldb, C + off, ldc, acc);
                twin_gemm_nt(M, N, K, A + off, lda, B + off, ldb, T + off, ldc, acc);
                size_t w = 0;
                CHECK(same(C, T, (size_t)ldc * M + off, 1e-5f, &w),
                      "gemm_nt %dx%dx%d off %d acc %d differs at %zu: %g vs %g", M, N, K, off, acc,
                      w, C[w], T[w]);
                free(A), free(B), free(C), free(T);
            }
}

/* ---- convolution: twins that sum each output in the kernels' order ---- */

/* x at row y, column xx of the padded image: 0 in the padding. */
static float conv_x(const float *x, const k_conv_shape *s, int c, int y, int xx)
{
    y -= s->pad, xx -= s->pad;
    return y < 0 || y >= s->h || xx < 0 || xx >= s->w ? 0.0f
                                                      : x[((size_t)c * s->h + y) * s->w + xx];
}

/* Sums in (c, ky, kx) order from 0, padding included (w * 0 adds nothing). */
static void twin_conv_fwd(float *y, const float *x, const float *w, const float *bias, int n,
                          const k_conv_shape *s, int relu)
{
    int K = s->k, S = s->stride, OH = k_conv_out_h(s), OW = k_conv_out_w(s);
    for (int b = 0; b < n; b++)
        for (int o = 0; o < s->oc; o++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    float sum = 0.0f;
                    for (int c = 0; c < s->c; c++)
                        for (int ky = 0; ky < K; ky++)
                            for (int kx = 0; kx < K; kx++)
                                sum += w[((o * s->c + c) * K + ky) * K + kx] *
                                       conv_x(x + (size_t)b * s->c * s->h * s->w, s, c, S * oy + ky,
                                              S * ox + kx);
                    sum += bias[o];
                    y[(((size_t)b * s->oc + o) * OH + oy) * OW + ox] =
                        relu && sum < 0.0f ? 0.0f : sum;
                }
}

/* Rows of dy that do not exist are skipped; columns that do not exist add w * 0. */
static void twin_conv_bwd_input(float *dx, const float *dy, const float *w, int n,
                                const k_conv_shape *s)
{
    int K = s->k, OH = s->h - K + 1, OW = s->w - K + 1;
    for (int b = 0; b < n; b++)
        for (int c = 0; c < s->c; c++)
            for (int y = 0; y < s->h; y++)
                for (int xx = 0; xx < s->w; xx++) {
                    float sum = 0.0f;
                    for (int o = 0; o < s->oc; o++)
                        for (int ky = 0; ky < K; ky++) {
                            if (y - ky < 0 || y - ky >= OH)
                                continue;
                            for (int kx = 0; kx < K; kx++) {
                                int ox = xx - kx;
                                float d =
                                    ox < 0 || ox >= OW
                                        ? 0.0f
                                        : dy[(((size_t)b * s->oc + o) * OH + y - ky) * OW + ox];
                                sum += w[((o * s->c + c) * K + ky) * K + kx] * d;
                            }
                        }
                    dx[(((size_t)b * s->c + c) * s->h + y) * s->w + xx] = sum;
                }
}

/* Four lane sums by column mod 4 over the whole vectors, a tail sum over the rest. */
static void twin_conv_wgrad(float *dw, const float *dy, const float *x, int n,
                            const k_conv_shape *s)
{
    int K = s->k, OH = s->h - K + 1, OW = s->w - K + 1, OW4 = OW / 4 * 4;
    for (int o = 0; o < s->oc; o++)
        for (int c = 0; c < s->c; c++)
            for (int ky = 0; ky < K; ky++)
                for (int kx = 0; kx < K; kx++) {
                    float lane[4] = {0.0f, 0.0f, 0.0f, 0.0f}, tail = 0.0f;
                    for (int b = 0; b < n; b++)
                        for (int oy = 0; oy < OH; oy++)
                            for (int ox = 0; ox < OW; ox++) {
                                float p = dy[(((size_t)b * s->oc + o) * OH + oy) * OW + ox] *
                                          conv_x(x + (size_t)b * s->c * s->h * s->w, s, c, oy + ky,
                                                 ox + kx);
                                if (ox < OW4)
                                    lane[ox % 4] += p;
                                else
                                    tail += p;
                            }
                    dw[((o * s->c + c) * K + ky) * K + kx] +=
                        ((lane[0] + lane[1]) + (lane[2] + lane[3])) + tail;
                }
}

/* dy as a max-pool and a ReLU leave it: two neighbours in twenty kept (none in a plane of fewer
 * than 80), each image's at other places, and the rest +0 or -0 at random. Neighbours share dx
 * elements and weights, so a sum taken in another order shows. Pattern 0 leaves dy dense; 1 thins
 * every image; 2 all but the last, so that one batch takes both paths, and the weight gradient's
 * two blocks of images each its own. */
static void thin_dy(float *dy, int n, const k_conv_shape *s, int pattern)
{
    size_t osz = (size_t)s->oc * k_conv_out_h(s) * k_conv_out_w(s);
    int thinned = pattern == 0 ? 0 : pattern == 1 ? n : n - 1;
    for (int b = 0; b < thinned; b++)
        for (size_t i = 0; i < osz; i++)
            if (osz < 80 || (i + 7 * (size_t)b) % 20 / 2 != 1)
                dy[b * osz + i] = advlab__rng_u32(&rng) % 2 ? 0.0f : -0.0f;
    for (int b = 0; b < n; b++)
        CHECK(k__conv_dy_is_sparse(dy + b * osz, osz, s) == (b < thinned),
              "thin_dy pattern %d: image %d should %s the sparse paths", pattern, b,
              b < thinned ? "take" : "not take");
}

/* The input and weight gradients against their twins, bit for bit, with dy of one pattern. */
static void check_conv_backward(const k_conv_shape *s, int n, size_t work_n, int pattern)
{
    int off = 1;
    size_t nx = (size_t)n * s->c * s->h * s->w,
           osz = (size_t)s->oc * k_conv_out_h(s) * k_conv_out_w(s);
    size_t ny = n * osz, nw = (size_t)s->oc * s->c * s->k * s->k, where = 0;
    float *x = rand_buf(nx, off), *w = rand_buf(nw, off), *work = rand_buf(work_n, off);
    float *dy = rand_buf(ny, off), *dx = rand_buf(nx, off), *tdx = rand_buf(nx, 0);
    thin_dy(dy + off, n, s, pattern);
    k_conv_bwd_input(dx + off, dy + off, w + off, n, s, work + off);
    twin_conv_bwd_input(tdx, dy + off, w + off, n, s);
    CHECK(same(dx + off, tdx, nx, 0.0f, &where),
          "conv_bwd_input %dx%dx%d oc %d k %d dy pattern %d differs at %zu: %g vs %g", s->c, s->h,
          s->w, s->oc, s->k, pattern, where, dx[off + where], tdx[where]);
    float *dw = rand_buf(nw, off), *tdw = malloc(sizeof(float) * nw);
    memcpy(tdw, dw + off, sizeof(float) * nw); /* both accumulate into the same start */
    k_conv_wgrad(dw + off, dy + off, x + off, n, s, work + off);
    twin_conv_wgrad(tdw, dy + off, x + off, n, s);
    CHECK(same(dw + off, tdw, nw, 0.0f, &where),
          "conv_wgrad %dx%dx%d oc %d k %d dy pattern %d differs at %zu: %g vs %g", s->c, s->h, s->w,
          s->oc, s->k, pattern, where, dw[off + where], tdw[where]);
    free(x), free(w), free(work);
    free(dy), free(dx), free(tdx), free(dw), free(tdw);
}

/* Every output of the three conv kernels must equal its twin's bit for bit,
 * on shapes that exercise each tile size and the scalar column tails. The
 * backward twins follow the plain kernels' structure, so strided and padded
 * shapes check their forward here and their backward against the
 * definition below. */
static void test_conv(void)
{
    /* c, h, w, oc, k, stride, pad: the tutorial's two layers, odd sizes,
     * then Gowal et al.'s strided first layer and padded ones, then wide
     * layers (16 or more channels, whose input gradient has its own tiles):
     * Madry's second layer at a third of its width, every channel block
     * (28 = 16 + 8 + 4) with an odd row, rows narrower than the kernel's
     * reach, 1x1 kernels, and a padded one. */
    k_conv_shape shapes[] = {
        {1, 28, 28, 4, 5, 1, 0},  {4, 12, 12, 10, 5, 1, 0},  {3, 9, 22, 7, 3, 1, 0},
        {2, 7, 5, 3, 1, 1, 0},    {5, 11, 19, 1, 4, 1, 0},   {1, 6, 6, 2, 6, 1, 0},
        {1, 28, 28, 16, 4, 2, 0}, {3, 9, 11, 5, 3, 1, 1},    {2, 10, 13, 3, 4, 3, 2},
        {2, 5, 7, 4, 3, 2, 1},    {32, 12, 12, 21, 5, 1, 0}, {28, 7, 9, 3, 3, 1, 0},
        {16, 6, 5, 5, 5, 1, 0},   {20, 5, 7, 3, 1, 1, 0},    {16, 6, 7, 2, 4, 1, 1}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const k_conv_shape *s = &shapes[i];
        int n = 9, off = 1, OH = k_conv_out_h(s), OW = k_conv_out_w(s); /* wgrad: 2 blocks */
        size_t nx = (size_t)n * s->c * s->h * s->w, ny = (size_t)n * s->oc * OH * OW;
        size_t nw = (size_t)s->oc * s->c * s->k * s->k;
        size_t work_n = k_conv_bwd_input_work(s) > k_conv_wgrad_work(s) ? k_conv_bwd_input_work(s)
                                                                        : k_conv_wgrad_work(s);
        work_n = k_conv_fwd_work(s) > work_n ? k_conv_fwd_work(s) : work_n;
        float *x = rand_buf(nx, off), *w = rand_buf(nw, off), *bias = rand_buf(s->oc, off);
        float *y = rand_buf(ny, off), *t = rand_buf(ny, 0), *work = rand_buf(work_n, off);
        size_t where = 0;
        for (int relu = 0; relu < 2; relu++) {
            k_conv_fwd(y + off, x + off, w + off, bias + off, n, s, relu, work + off);
            twin_conv_fwd(t, x + off, w + off, bias + off, n, s, relu);
            CHECK(same(y + off, t, ny, 0.0f, &where),
                  "conv_fwd %dx%dx%d oc %d k %d s %d p %d relu %d differs at %zu: %g vs %g", s->c,
                  s->h, s->w, s->oc, s->k, s->stride, s->pad, relu, where, y[off + where],
                  t[where]);
        }
        free(x), free(w), free(bias), free(y), free(t), free(work);
        if (!k_conv_is_plain(s))
            continue;
        for (int pattern = 0; pattern < 3; pattern++)
            check_conv_backward(s, n, work_n, pattern);
    }
}

/* The convolution against a plain definition in double, with stride and
 * padding: the bit-exact twins above share the kernels' structure, this
 * one shares nothing. dw starts non-zero, as the kernel accumulates. Each
 * float sum of n terms may be off by n * FLT_EPSILON times the sum of the
 * terms' magnitudes (twice the classic bound for recursive summation, for
 * the lane sums' extra additions); the check allows that and no more. */
static void check_conv_definition(const k_conv_shape *sp)
{
    k_conv_shape s = *sp;
    int n = 2, K = s.k, S = s.stride, P = s.pad, OH = k_conv_out_h(&s), OW = k_conv_out_w(&s);
    size_t nx = (size_t)n * s.c * s.h * s.w, ny = (size_t)n * s.oc * OH * OW,
           nw = (size_t)s.oc * s.c * K * K;
    float *x = rand_buf(nx, 0), *w = rand_buf(nw, 0), *bias = rand_buf(s.oc, 0),
          *y = rand_buf(ny, 0);
    float *dy = rand_buf(ny, 0), *dx = rand_buf(nx, 0), *dw = rand_buf(nw, 0);
    float *work =
        rand_buf(k_conv_fwd_work(&s) + k_conv_bwd_input_work(&s) + k_conv_wgrad_work(&s), 0);
    double *rdx = calloc(nx, sizeof(double)), *rdw = calloc(nw, sizeof(double));
    double *adx = calloc(nx, sizeof(double)), *adw = calloc(nw, sizeof(double));
    for (size_t i = 0; i < nw; i++)
        rdw[i] = dw[i], adw[i] = fabs(dw[i]);
    k_conv_fwd(y, x, w, bias, n, &s, 0, work);
    k_conv_bwd_input(dx, dy, w, n, &s, work);
    k_conv_wgrad(dw, dy, x, n, &s, work);
    /* Terms per sum, at most: a forward output's, an input gradient's, a weight gradient's. */
    double y_terms = s.c * K * K + 1, dx_terms = s.oc * K * K, dw_terms = ny / s.oc + 1;
    double worst = 0.0; /* the largest error over its allowance */
    for (int b = 0; b < n; b++)
        for (int o = 0; o < s.oc; o++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    size_t yi = (((size_t)b * s.oc + o) * OH + oy) * OW + ox;
                    double sum = bias[o], mag = fabs(bias[o]);
                    for (int c = 0; c < s.c; c++)
                        for (int ky = 0; ky < K; ky++)
                            for (int kx = 0; kx < K; kx++) {
                                int iy = S * oy + ky - P, ix = S * ox + kx - P;
                                if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w)
                                    continue;
                                size_t xi = (((size_t)b * s.c + c) * s.h + iy) * s.w + ix;
                                size_t wi = ((o * s.c + c) * K + ky) * K + kx;
                                sum += (double)w[wi] * x[xi];
                                mag += fabs((double)w[wi] * x[xi]);
                                rdx[xi] += (double)w[wi] * dy[yi];
                                adx[xi] += fabs((double)w[wi] * dy[yi]);
                                rdw[wi] += (double)dy[yi] * x[xi];
                                adw[wi] += fabs((double)dy[yi] * x[xi]);
                            }
                    worst = fmax(worst, fabs(y[yi] - sum) / (y_terms * FLT_EPSILON * mag + 1e-30));
                }
    for (size_t i = 0; i < nx; i++)
        worst = fmax(worst, fabs(dx[i] - rdx[i]) / (dx_terms * FLT_EPSILON * adx[i] + 1e-30));
    for (size_t i = 0; i < nw; i++)
        worst = fmax(worst, fabs(dw[i] - rdw[i]) / (dw_terms * FLT_EPSILON * adw[i] + 1e-30));
    CHECK(worst <= 1.0,
          "conv kernels %dx%dx%d oc %d k %d s %d p %d vs the definition: an error %g times its "
          "allowance",
          s.c, s.h, s.w, s.oc, K, S, P, worst);
    free(x), free(w), free(bias), free(y), free(dy), free(dx), free(dw), free(work), free(rdx),
        free(rdw), free(adx), free(adw);
}

static void test_conv_definition(void)
{
    /* plain; stride 2 with a row and column of input no output reads;
     * padded; both; a stride larger than the kernel; wide layers, padded
     * and strided */
    k_conv_shape shapes[] = {{3, 10, 13, 5, 3, 1, 0}, {1, 28, 28, 16, 4, 2, 0},
                             {4, 9, 11, 6, 3, 1, 1},  {2, 10, 13, 3, 4, 3, 2},
                             {3, 12, 9, 2, 2, 3, 0},  {16, 9, 11, 6, 3, 1, 1},
                             {20, 10, 9, 3, 4, 2, 1}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        check_conv_definition(&shapes[i]);
}

static void test_pool(void)
{
    int shapes[][3] = {{4, 24, 24}, {10, 8, 8}, {3, 7, 9}, {2, 2, 2}, {1, 5, 18}, {2, 11, 21}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int C = shapes[s][0], H = shapes[s][1], W = shapes[s][2], OH = H / 2, OW = W / 2, off = 1;
        float *x = rand_buf((size_t)C * H * W, off),
              *out = calloc((size_t)C * OH * OW + off, sizeof(float));
        /* Ties: the backward pass must pick the first maximum only, in the
         * vector body (windows 0 and 2) and in the scalar tail (the last). */
        x[off] = x[off + 1] = 5.0f;
        if (W >= 6)
            x[off + 5] = x[off + W + 4] = 5.0f;
        size_t last = (size_t)(C - 1) * H * W + (size_t)(H - 1 - H % 2) * W + W - W % 2 - 2;
        x[off + last] = x[off + last + 1] = 6.0f; /* the last channel's last whole window */
        k_maxpool2_fwd(out + off, x + off, C, H, W);
        int bad = 0;
        for (int c = 0; c < C; c++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    const float *p = x + off + (c * H + 2 * oy) * W + 2 * ox;
                    bad += out[off + (c * OH + oy) * OW + ox] != max4(p[0], p[1], p[W], p[W + 1]);
                }
        CHECK(bad == 0, "maxpool fwd %dx%dx%d: %d wrong", C, H, W, bad);

        float *dout = rand_buf((size_t)C * OH * OW, 0), *dx = rand_buf((size_t)C * H * W, off);
        k_maxpool2_bwd(dx + off, dout, x + off, out + off, C, H, W);
        float *twin = calloc((size_t)C * H * W, sizeof(float)); /* the scalar twin */
        for (int c = 0; c < C; c++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    size_t p = ((size_t)c * H + 2 * oy) * W + 2 * ox,
                           win[4] = {p, p + 1, p + W, p + W + 1};
                    for (int k = 0; k < 4; k++)
                        if (x[off + win[k]] == out[off + (c * OH + oy) * OW + ox]) {
                            twin[win[k]] = dout[(c * OH + oy) * OW + ox];
                            break;
                        }
                }
        size_t where = 0;
        CHECK(same(dx + off, twin, (size_t)C * H * W, 0.0f, &where),
              "maxpool bwd %dx%dx%d differs at %zu: %g vs %g", C, H, W, where, dx[off + where],
              twin[where]);
        free(twin);
        CHECK(dx[off] == dout[0] && dx[off + 1] == 0.0f, "tie must go to the first max: %g %g",
              dx[off], dx[off + 1]);
        free(x), free(out), free(dout), free(dx);
    }
}

/* R rows of N: bias per column, ReLU backward and sums. */
static void check_elementwise(int R, int N, int relu)
{
    int off = 2;
    size_t n = (size_t)R * N;
    float *y = rand_buf(n, off), *t = malloc(sizeof(float) * n),
          *bias = rand_buf(N > R ? N : R, off);
    memcpy(t, y + off, sizeof(float) * n);
    k_bias_cols_fwd(y + off, bias + off, R, N, relu);
    int bad = 0;
    for (int r = 0; r < R; r++)
        for (int c = 0; c < N; c++) {
            float v = t[r * N + c] + bias[off + c];
            bad += y[off + r * N + c] != (relu && v < 0.0f ? 0.0f : v);
        }
    CHECK(bad == 0, "bias_cols %dx%d relu %d: %d wrong", R, N, relu, bad);

    float *d = rand_buf(n, off), *dref = calloc(n, sizeof(float));
    for (size_t i = 0; i < n; i++)
        dref[i] = t[i] > 0.0f ? d[off + i] : 0.0f;
    k_relu_bwd(d + off, t, n);
    size_t w = 0;
    CHECK(same(d + off, dref, n, 0.0f, &w), "relu_bwd n=%zu differs at %zu", n, w);

    float *db = calloc(R + off, sizeof(float)), *dbc = calloc(N + off, sizeof(float));
    k_sum_rows(db + off, t, R, N);
    k_sum_cols(dbc + off, t, R, N);
    for (int r = 0; r < R; r++) {
        double s = 0.0;
        for (int c = 0; c < N; c++)
            s += t[r * N + c];
        CHECK(fabs(db[off + r] - s) < 1e-5 * (1 + fabs(s)), "sum_rows row %d: %g vs %g", r,
              db[off + r], s);
    }
    for (int c = 0; c < N; c++) {
        float s = 0.0f;
        for (int r = 0; r < R; r++)
            s += t[r * N + c];
        CHECK(dbc[off + c] == s, "sum_cols col %d: %g vs %g", c, dbc[off + c], s);
    }
    free(y), free(t), free(bias), free(d), free(dref), free(db), free(dbc);
}

static void test_elementwise(void)
{
    /* ReLU propagates NaN (as PyTorch does) in the vector body and the tail. */
    float y[6] = {NAN, -1.0f, 2.0f, 0.5f, -3.0f, NAN}, zero_bias[6] = {0.0f};
    k_bias_cols_fwd(y, zero_bias, 1, 6, 1);
    CHECK(isnan(y[0]) && isnan(y[5]) && y[1] == 0.0f && y[2] == 2.0f && y[4] == 0.0f,
          "relu of NaN: %g %g %g %g %g %g", y[0], y[1], y[2], y[3], y[4], y[5]);

    int Rs[] = {1, 3, 10}, Ns[] = {1, 7, 64, 101};
    for (int ri = 0; ri < 3; ri++)
        for (int ni = 0; ni < 4; ni++)
            for (int relu = 0; relu < 2; relu++)
                check_elementwise(Rs[ri], Ns[ni], relu);
}

static void test_softmax_xent(void)
{
    int B = 5, K = 10, y[5] = {0, 3, 9, 7, 7};
    float *z = rand_buf((size_t)B * K, 0), p[50], d[50];
    for (int i = 0; i < B * K; i++)
        z[i] *= 20.0f;
    z[30] = 80.0f; /* a confident row: exp must not overflow */
    int correct;
    double loss = k_softmax_xent(p, d, z, y, B, K, 0.5f, &correct);
    double ref_loss = 0.0;
    int ref_correct = 0;
    for (int b = 0; b < B; b++) {
        double m = -1e30, s = 0.0;
        int best = 0;
        for (int c = 0; c < K; c++)
            if (z[b * K + c] > m)
                m = z[b * K + c], best = c;
        for (int c = 0; c < K; c++)
            s += exp(z[b * K + c] - m);
        ref_correct += best == y[b];
        ref_loss += log(s) - (z[b * K + y[b]] - m);
        for (int c = 0; c < K; c++) {
            double pr = exp(z[b * K + c] - m) / s;
            CHECK(fabs(p[b * K + c] - pr) < 2e-6, "softmax p[%d,%d] %g vs %g", b, c, p[b * K + c],
                  pr);
            CHECK(fabs(d[b * K + c] - 0.5 * (pr - (c == y[b]))) < 2e-6, "dlogits[%d,%d]", b, c);
        }
    }
    CHECK(fabs(loss - ref_loss) < 1e-4 * (1 + ref_loss), "loss %g vs %g", loss, ref_loss);
    CHECK(correct == ref_correct, "correct %d vs %d", correct, ref_correct);
    free(z);
}

/* Our exp/log against libm in double over their useful range. */
static void test_mathf(void)
{
    double worst_exp = 0.0, worst_log = 0.0;
    for (int i = 0; i <= 200000; i++) {
        float x = -87.0f + 175.0f * (float)i / 200000.0f;
        double ref = exp((double)x), rel = fabs(advlab__expf(x) - ref) / ref;
        if (rel > worst_exp)
            worst_exp = rel;
        float u = ldexpf(1.0f + (float)(i % 1000) / 1000.0f, i / 1000 - 100);
        double lref = log((double)u), err = fabs(advlab__logf(u) - lref) / fmax(1.0, fabs(lref));
        if (err > worst_log)
            worst_log = err;
    }
    CHECK(worst_exp < 4e-7, "expf worst relative error %g", worst_exp);
    CHECK(worst_log < 4e-7, "logf worst error %g", worst_log);
    CHECK(advlab__expf(-100.0f) == 0.0f && isinf(advlab__expf(100.0f)), "expf range ends");
    CHECK(isinf(advlab__logf(0.0f)) && isnan(advlab__logf(-1.0f)), "logf 0 and negative");
    CHECK(fabsf(advlab__logf(1e-40f) - logf(1e-40f)) < 1e-4f, "logf subnormal %g",
          advlab__logf(1e-40f));
}

/* Adam in vectors rounds each entry as the scalar expression does (the
 * bits of every trained model rest on it), and the tail past the last
 * vector too. */
static void test_adam(void)
{
    for (size_t n = 1; n <= 13; n += 3)
        for (size_t off = 0; off < 4; off++) {
            float *p = rand_buf(n, off), *m = rand_buf(n, off), *g = rand_buf(n, off);
            float *v = rand_buf(n, off);
            for (size_t i = 0; i < n + off; i++)
                v[i] = fabsf(v[i]) * 1e-3f; /* second moments are not negative */
            float tp[16], tm[16], tv[16];
            for (size_t i = 0; i < n; i++) {
                size_t j = off + i;
                tm[i] = m[j] + (g[j] - m[j]) * 0.1f;
                tv[i] = v[j] + (g[j] * g[j] - v[j]) * 0.001f;
                tp[i] = p[j] - 0.01f * tm[i] / (sqrtf(tv[i]) + 1e-7f);
            }
            k_adam(p + off, m + off, v + off, g + off, n, 0.1f, 0.001f, 0.01f, 1e-7f);
            size_t w = 0;
            CHECK(same(m + off, tm, n, 0.0f, &w), "adam n=%zu off=%zu: m differs at %zu", n, off,
                  w);
            CHECK(same(v + off, tv, n, 0.0f, &w), "adam n=%zu off=%zu: v differs at %zu", n, off,
                  w);
            CHECK(same(p + off, tp, n, 0.0f, &w), "adam n=%zu off=%zu: p differs at %zu", n, off,
                  w);
            free(p), free(m), free(v), free(g);
        }
}

/* The first non-finite entry is found wherever it is, in a vector or the
 * tail, and a finite buffer (with -0 and the largest floats) has none. */
static void test_first_nonfinite(void)
{
    float x[11];
    for (size_t i = 0; i < 11; i++)
        x[i] = i % 2 ? -FLT_MAX : (i % 3 ? -0.0f : FLT_MAX);
    CHECK(k_first_nonfinite(x, 11) == 11, "a finite buffer: %zu", k_first_nonfinite(x, 11));
    CHECK(k_first_nonfinite(x, 0) == 0, "an empty buffer: %zu", k_first_nonfinite(x, 0));
    const float bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t at = 0; at < 11; at++)
        for (int b = 0; b < 3; b++) {
            float y[11];
            memcpy(y, x, sizeof y);
            y[at] = bad[b];
            if (at + 2 < 11)
                y[at + 2] = NAN; /* a later one does not hide the first */
            CHECK(k_first_nonfinite(y, 11) == at, "%g at %zu found at %zu", bad[b], at,
                  k_first_nonfinite(y, 11));
        }
}

/* Every byte becomes the float its scalar division gives, at every offset in
 * a vector and in the tail, whatever the length. */
static void test_bytes_to_unit(void)
{
    uint8_t bytes[256 + 19];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (uint8_t)(i * 37 + 11); /* every value, in no order */
    float out[256 + 19];
    size_t ns[] = {0, 1, 15, 16, 17, 33, 256 + 19};
    for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
        size_t n = ns[ni];
        for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
            out[i] = -1.0f;
        k_bytes_to_unit(out, bytes, n);
        size_t bad = n;
        for (size_t i = 0; i < n && bad == n; i++) {
            volatile float want = (float)bytes[i] / 255.0f;
            if (memcmp(&out[i], (const void *)&want, sizeof want))
                bad = i;
        }
        CHECK(bad == n, "bytes_to_unit n=%zu: byte %u at %zu gave %.9g", n,
              bad < n ? bytes[bad] : 0u, bad, bad < n ? out[bad] : 0.0f);
        CHECK(n == sizeof out / sizeof out[0] || out[n] == -1.0f,
              "bytes_to_unit n=%zu wrote past its end", n);
    }
}

/* The sharded trainer adds a right shard as it scales it (k_add_scaled): the bits of scaling it
 * into a buffer first and then adding that (k_add), in the vector body and the tail, at a share
 * whose products round. Its step sums two parts in one pass (k_sum): the bits of two. */
static void test_add_scaled(void)
{
    size_t ns[] = {1, 3, 4, 7, 64, 101};
    for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
        size_t n = ns[ni];
        float *dst = rand_buf(n, 0), *src = rand_buf(n, 0), *ref = malloc(sizeof(float) * n),
              *scaled = malloc(sizeof(float) * n);
        float share = 3.0f / 7.0f;
        memcpy(ref, dst, sizeof(float) * n);
        for (size_t i = 0; i < n; i++)
            scaled[i] = src[i] * share;
        k_add(ref, scaled, n);
        k_add_scaled(dst, src, share, n);
        size_t w = 0;
        CHECK(same(dst, ref, n, 0.0f, &w), "add_scaled n=%zu differs at %zu: %.9g vs %.9g", n, w,
              dst[w], ref[w]);
        /* And two parts summed in one pass (k_sum), as copying one and adding the other. */
        memcpy(ref, dst, sizeof(float) * n);
        k_add(ref, src, n);
        k_sum(scaled, dst, src, n);
        CHECK(same(scaled, ref, n, 0.0f, &w), "sum n=%zu differs at %zu: %.9g vs %.9g", n, w,
              scaled[w], ref[w]);
        free(dst), free(src), free(ref), free(scaled);
    }
}

static int on_line(const void *p)
{
    return (uintptr_t)p % (ADVLAB_LINE_FLOATS * sizeof(float)) == 0;
}

/* The allocator the kernels' buffers come from, and the net's carving of its arena: every buffer
 * on a cache line, at any size, and a clear NULL where the size cannot be had. */
static void test_aligned(void)
{
    size_t sizes[] = {1, 3, 63, 64, 65, 4 * 1111946 + 8};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *p = advlab__aligned_alloc(sizes[i]);
        CHECK(p && on_line(p), "aligned_alloc(%zu) is %p", sizes[i], (void *)p);
        if (p)
            memset(p, 1, sizes[i]); /* all of it is ours (ASan checks) */
        free(p);
    }
    CHECK(advlab__aligned_alloc(SIZE_MAX) == NULL, "aligned_alloc(SIZE_MAX) is not NULL");
    CHECK(advlab__floats_zeroed(SIZE_MAX / 2) == NULL, "floats_zeroed(SIZE_MAX / 2) is not NULL");
    float *z = advlab__floats_zeroed(37);
    int zeroed = z && on_line(z);
    for (int i = 0; zeroed && i < 37; i++)
        zeroed = z[i] == 0.0f;
    CHECK(zeroed, "floats_zeroed(37) is not 37 zeros on a cache line");
    free(z);
    CHECK(advlab__line_floats(0) == 0 && advlab__line_floats(1) == 16 &&
              advlab__line_floats(16) == 16 && advlab__line_floats(17) == 32,
          "line_floats rounds wrongly");

    /* Madry's net: 1,111,946 parameters, 8 bytes past a multiple of 16, and odd batches. */
    advlab_net *net = NULL;
    CHECK(advlab_net_create("c32k5-p2-c64k5-p2-d1024-d10", 3, 1, &net) == ADVLAB_OK, "net: %s",
          advlab_last_error());
    if (!net)
        return;
    int ok = on_line(net->params) && on_line(net->grads) && on_line(net->dx) &&
             on_line(net->work) && on_line(net->probs);
    for (int i = 0; i < net->arch.n_layers; i++)
        ok = ok && on_line(net->act[i]) && on_line(net->delta[i]);
    CHECK(ok, "a buffer of the net's arena is not on a cache line");
    advlab_net_free(net);
}

int main(void)
{
    advlab__rng_seed(&rng, 42, 0);
    test_gemm();
    test_conv();
    test_conv_definition();
    test_pool();
    test_elementwise();
    test_softmax_xent();
    test_mathf();
    test_adam();
    test_first_nonfinite();
    test_bytes_to_unit();
    test_add_scaled();
    test_aligned();
    return check_finish("test_kernels");
}
