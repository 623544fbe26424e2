/* The plain convolution's input and weight gradients, visiting only dy's non-zeros. Behind a
 * 2x2 max-pool at most a quarter of a conv's dy is non-zero, and behind its ReLU fewer: 9% of
 * the tutorial net's and 1 to 2% of Madry's in training (advlab_profile train). The dense tiles
 * of conv.c multiply every zero.
 *
 * The bits are the dense tiles' own. Each sum takes its non-zero terms in the tiles' order, and
 * only drops terms w * 0 or x * 0: a sum that starts at +0 is never -0, so adding a zero to it
 * changes no bit. (Were w or x infinite or NaN, the dropped term would not be zero; such a net is
 * lost already, and the trainer stops on its non-finite gradient.) */
#include "kernels/conv_sparse.h"

#include <string.h>

#include "kernels/simd.h"

#define TILE static inline __attribute__((always_inline))

/* Bits set in 4 bits, from a table packed in nibbles: natively a popcount is a library call
 * unless the target has the instruction. */
static int bits_set(int bits4) { return (int)(0x4332322132212110ull >> (4 * bits4)) & 15; }

/* The sparse paths take dy with at most one non-zero in this many. Where the channels fill
 * vectors both paths broke even with the tiles at 40 to 50% non-zeros; with the first layer's one
 * channel, near 25% (the input gradient at 20 to 27%, a kernel row at a time). Natively and in V8
 * alike: `node bench/kernels.mjs`, its crossover table. */
static int sparse_share(const k_conv_shape *s) { return s->c % 4 == 0 ? 3 : 5; }

int k__conv_dy_is_sparse(const float *v, size_t count, const k_conv_shape *s)
{
    size_t nonzero = 0, i = 0;
    for (; i + 4 <= count; i += 4)
        nonzero += (size_t)bits_set(v4_nonzero_bits(v4_load(v + i)));
    for (; i < count; i++)
        nonzero += v[i] != 0.0f;
    return nonzero * (size_t)sparse_share(s) <= count;
}

/* ----------------------------------------------------- input gradient */

/* dx[c][oy+ky][ox+kx] += w[o][c][ky][kx] d for each non-zero d = dy[o][oy][ox]. The tiles sum
 * each dx over (o, ky, kx) ascending, which for one dx is (o, oy, ox) with oy and ox descending:
 * the order of these loops. */

/* One d into dx (C, H, W) a row of kernel columns at a time: the layers whose channels do not
 * fill vectors (the first layer's one). K is s->k, a constant where inlined. */
TILE void scatter_rows(int K, float *dx, float d, int o, int oy, int ox, const float *w,
                       const k_conv_shape *s)
{
    size_t plane = (size_t)s->h * s->w;
    v4f dv = v4_splat(d);
    /* Stepped as pointers, as in conv.c's tiles. */
    float *xr = dx + (size_t)oy * s->w + ox;
    const float *wr = w + (size_t)o * s->c * K * K;
    for (int c = 0; c < s->c; c++, xr += plane - (size_t)K * s->w)
        for (int ky = 0; ky < K; ky++, xr += s->w, wr += K) {
            int kx = 0;
            for (; kx + 4 <= K; kx += 4)
                v4_store(xr + kx, v4_madd(v4_load(xr + kx), v4_load(wr + kx), dv));
            for (; kx < K; kx++)
                xr[kx] += wr[kx] * d;
        }
}

/* One d into dxt (H, W, C), channels innermost, from wt (OC, K, K, C): CV vectors a pixel. */
TILE void scatter_pixels(int CV, float *dxt, float d, int o, int oy, int ox, const float *wt,
                         const k_conv_shape *s)
{
    int K = s->k, C = s->c;
    v4f dv = v4_splat(d);
    float *xr = dxt + ((size_t)oy * s->w + ox) * C;
    const float *wr = wt + (size_t)o * K * K * C;
    for (int ky = 0; ky < K; ky++, xr += (size_t)s->w * C) {
        float *xk = xr;
        for (int kx = 0; kx < K; kx++, xk += C, wr += C)
            for (int v = 0; v < CV; v++)
                v4_store(xk + 4 * v, v4_madd(v4_load(xk + 4 * v), v4_load(wr + 4 * v), dv));
    }
}

void k__conv_bwd_input_sparse(float *dx, const float *dy, const float *w, const float *wt,
                              const k_conv_shape *s, float *dxt, int32_t *nonzero)
{
    int K = s->k, OH = s->h - K + 1, OW = s->w - K + 1, CV = s->c / 4;
    size_t plane = (size_t)s->h * s->w;
    memset(wt ? dxt : dx, 0, sizeof(float) * s->c * plane);
    for (int o = 0; o < s->oc; o++) {
        /* The plane's non-zeros, last first, four elements a test: at 10% a branch per element
         * guesses wrong at every non-zero. */
        const float *d = dy + (size_t)o * OH * OW;
        int m = 0, i = OH * OW;
        while (i % 4)
            i--, nonzero[m] = i, m += d[i] != 0.0f;
        while (i > 0) {
            i -= 4;
            for (int bits = v4_nonzero_bits(v4_load(d + i)); bits;) {
                int lane = 31 - __builtin_clz((unsigned)bits);
                bits ^= 1 << lane, nonzero[m++] = i + lane;
            }
        }
        for (int j = 0; j < m; j++) {
            int oy = nonzero[j] / OW, ox = nonzero[j] % OW;
            if (!wt && s->k == 5) /* the tutorial's and Madry's first layers */
                scatter_rows(5, dx, d[nonzero[j]], o, oy, ox, w, s);
            else if (!wt)
                scatter_rows(s->k, dx, d[nonzero[j]], o, oy, ox, w, s);
            else if (CV == 1) /* the tutorial's second layer */
                scatter_pixels(1, dxt, d[nonzero[j]], o, oy, ox, wt, s);
            else
                scatter_pixels(CV, dxt, d[nonzero[j]], o, oy, ox, wt, s);
        }
    }
    if (wt)
        for (int c = 0; c < s->c; c++)
            for (size_t p = 0; p < plane; p++)
                dx[c * plane + p] = dxt[p * s->c + c];
}

/* ---------------------------------------------------- weight gradient */

/* Rows ky0..ky0+G of one channel, kernel columns kx..kx+3: acc[g*row + j*step] is the sum of
 * (ky0+g, kx+j), and x the entries' common corner. */
TILE void sparse_vectors(int G, float *acc, size_t step, size_t row, const float *x, int W,
                         const int32_t *at, const float *val, int m)
{
    v4f sum[4];
    for (int g = 0; g < G; g++) {
        float *a = acc + g * row;
        float lanes[4] = {a[0], a[step], a[2 * step], a[3 * step]};
        sum[g] = v4_load(lanes);
    }
    for (int i = 0; i < m; i++) {
        v4f d = v4_splat(val[i]);
        const float *xi = x + at[i];
        for (int g = 0; g < G; g++)
            sum[g] = v4_madd(sum[g], d, v4_load(xi + g * W));
    }
    for (int g = 0; g < G; g++) {
        float *a = acc + g * row, lanes[4];
        v4_store(lanes, sum[g]);
        for (int j = 0; j < 4; j++)
            a[j * step] = lanes[j];
    }
}

/* The same for one kernel column kx. */
TILE void sparse_column(int G, float *acc, size_t row, const float *x, int W, const int32_t *at,
                        const float *val, int m)
{
    float sum[4];
    for (int g = 0; g < G; g++)
        sum[g] = acc[g * row];
    for (int i = 0; i < m; i++) {
        float d = val[i];
        const float *xi = x + at[i];
        for (int g = 0; g < G; g++)
            sum[g] += d * xi[g * W];
    }
    for (int g = 0; g < G; g++)
        acc[g * row] = sum[g];
}

/* Every weight of one output channel, for one accumulator (a lane, or the tail) of each: acc
 * (C*K*K weights, step floats apart) gains the m entries. */
static void sparse_accumulate(float *acc, size_t step, const float *x, const k_conv_shape *s,
                              const int32_t *at, const float *val, int m)
{
    int K = s->k, W = s->w;
    size_t plane = (size_t)s->h * W;
    for (int c = 0; c < s->c; c++)
        for (int ky0 = 0; ky0 < K; ky0 += 4) {
            int G = K - ky0 < 4 ? K - ky0 : 4;
            float *a = acc + step * ((size_t)(c * K + ky0) * K);
            const float *xr = x + c * plane + (size_t)ky0 * W;
            size_t row = step * K;
            int kx = 0;
            for (; kx + 4 <= K; kx += 4)
                switch (G) {
                case 4: sparse_vectors(4, a + step * kx, step, row, xr + kx, W, at, val, m); break;
                case 3: sparse_vectors(3, a + step * kx, step, row, xr + kx, W, at, val, m); break;
                case 2: sparse_vectors(2, a + step * kx, step, row, xr + kx, W, at, val, m); break;
                default: sparse_vectors(1, a + step * kx, step, row, xr + kx, W, at, val, m);
                }
            for (; kx < K; kx++)
                switch (G) {
                case 4: sparse_column(4, a + step * kx, row, xr + kx, W, at, val, m); break;
                case 3: sparse_column(3, a + step * kx, row, xr + kx, W, at, val, m); break;
                case 2: sparse_column(2, a + step * kx, row, xr + kx, W, at, val, m); break;
                default: sparse_column(1, a + step * kx, row, xr + kx, W, at, val, m);
                }
        }
}

/* The tiles give lane l the columns ox = l mod 4 below OW4, and the tail the rest, each summed
 * over (b, oy, ox) ascending. Each accumulator here takes its non-zeros in that order, gathered
 * into a list per lane first (a vector of four columns is one element of each lane's), so that
 * each weight's sum runs in registers over the whole list. */
void k__conv_wgrad_sparse(const k__wgrad_block *a, const k_conv_shape *s)
{
    int K = s->k, W = s->w, OH = s->h - K + 1, OW = s->w - K + 1, OW4 = OW / 4 * 4;
    size_t CKK = (size_t)s->c * K * K;
    /* Lane l's list from l * room, the tail's from 4 * room: images * OH * OW entries in all. */
    size_t room = (size_t)a->images * OH * (OW4 / 4);
    int32_t *at = a->at;
    float *val = a->val;
    for (int o = 0; o < s->oc; o++) {
        size_t m[5] = {0, 0, 0, 0, 0};
        for (int b = 0; b < a->images; b++) {
            const float *d = a->dy + b * a->osz + (size_t)o * OH * OW;
            int32_t corner = (int32_t)(b * a->isz);
            for (int oy = 0; oy < OH; oy++, d += OW, corner += W) {
                int ox = 0;
                for (; ox < OW4; ox += 4)
                    for (int bits = v4_nonzero_bits(v4_load(d + ox)); bits; bits &= bits - 1) {
                        int lane = __builtin_ctz((unsigned)bits);
                        size_t e = lane * room + m[lane]++;
                        at[e] = corner + ox + lane, val[e] = d[ox + lane];
                    }
                for (; ox < OW; ox++) { /* without a branch, as in k__conv_bwd_input_sparse */
                    size_t e = 4 * room + m[4];
                    at[e] = corner + ox, val[e] = d[ox], m[4] += d[ox] != 0.0f;
                }
            }
        }
        for (int lane = 0; lane < 4; lane++)
            if (m[lane])
                sparse_accumulate(a->lanes + 4 * o * CKK + lane, 4, a->x, s, at + lane * room,
                                  val + lane * room, (int)m[lane]);
        if (m[4])
            sparse_accumulate(a->tail + o * CKK, 1, a->x, s, at + 4 * room, val + 4 * room,
                              (int)m[4]);
    }
}
