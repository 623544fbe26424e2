/* Direct convolution: forward, input gradient and weight gradient, on whole
 * batches, without im2col, at stride 1 without padding (other shapes go to
 * conv_strided.c, which runs these tiles over a padded copy). For the tutorial's small layers (1 or
 * 4 input channels, 5x5 kernels) an im2col matrix is as large as the work done on it, so these
 * kernels read the images in place with unaligned loads and keep a register tile of output vectors,
 * sized for 16 vector registers: at most 8 accumulators plus the loads that feed them. Wide layers
 * (16 or more input channels) take their input gradient with vectors along the channels instead
 * (bwd_wide_tile), which skips the zero columns the row tiles must compute. Both gradients hand a
 * dy that is mostly zeros, as a max-pool leaves it, to conv_sparse.c. */
#include "kernels/kernels.h"

#include <string.h>

#include "kernels/conv_sparse.h"
#include "kernels/conv_strided.h"
#include "kernels/simd.h"

/* Tile functions take their tile size as constant arguments; forcing them
 * inline lets the compiler unroll each size into its own register tile. */
#define TILE static inline __attribute__((always_inline))

#define MAX_ROWS 4 /* channels per tile */
#define MAX_VECS 4 /* vectors along x per tile */

static inline float relu_scalar(float x) { return x < 0.0f ? 0.0f : x; } /* pmax(x, 0) */

static inline float finish_scalar(float sum, float bias, int relu)
{
    float v = sum + bias;
    return relu ? relu_scalar(v) : v;
}

static inline v4f finish_vec(v4f sum, float bias, int relu)
{
    v4f v = v4_add(sum, v4_splat(bias));
    return relu ? v4_max(v, v4_zero()) : v;
}

/* ------------------------------------------------------------ forward */

/* Output channels o0..o0+OB, row oy, columns ox..ox+4V of one image. */
TILE void fwd_tile(int OB, int V, float *y, const float *x, const float *w, const float *bias,
                   const k_conv_shape *s, int o0, int oy, int ox, int relu)
{
    int K = s->k, KK = K * K, OH = s->h - K + 1, OW = s->w - K + 1;
    v4f acc[MAX_ROWS][MAX_VECS];
    for (int o = 0; o < OB; o++)
        for (int v = 0; v < V; v++)
            acc[o][v] = v4_zero();
    size_t wstride = (size_t)s->c * KK; /* from one output channel's weights to the next */
    /* Stepped as pointers: emcc builds with LLVM's loop strength reduction off, and V8 would
     * multiply for every load. */
    const float *xr = x + (size_t)oy * s->w + ox, *wr = w + (size_t)o0 * wstride;
    for (int c = 0; c < s->c; c++, xr += (size_t)(s->h - K) * s->w)
        for (int ky = 0; ky < K; ky++, xr += s->w, wr += K) {
            const float *xk = xr, *wk = wr;
            for (int kx = 0; kx < K; kx++, xk++, wk++) {
                v4f xv[MAX_VECS];
                for (int v = 0; v < V; v++)
                    xv[v] = v4_load(xk + 4 * v);
                for (int o = 0; o < OB; o++) {
                    v4f wv = v4_splat(wk[o * wstride]);
                    for (int v = 0; v < V; v++)
                        acc[o][v] = v4_madd(acc[o][v], wv, xv[v]);
                }
            }
        }
    for (int o = 0; o < OB; o++)
        for (int v = 0; v < V; v++)
            v4_store(y + ((size_t)(o0 + o) * OH + oy) * OW + ox + 4 * v,
                     finish_vec(acc[o][v], bias[o0 + o], relu));
}

/* One output element, summed in the tiles' order. */
static float fwd_scalar(const float *x, const float *w, const k_conv_shape *s, int o, int oy,
                        int ox)
{
    float sum = 0.0f;
    for (int c = 0; c < s->c; c++)
        for (int ky = 0; ky < s->k; ky++)
            for (int kx = 0; kx < s->k; kx++)
                sum += w[(((size_t)o * s->c + c) * s->k + ky) * s->k + kx] *
                       x[((size_t)c * s->h + oy + ky) * s->w + ox + kx];
    return sum;
}

/* Channels o0..o0+OB of one output row: 8 columns at a time, then 4, then
 * one by one. */
TILE void fwd_row(int OB, float *y, const float *x, const float *w, const float *bias,
                  const k_conv_shape *s, int o0, int oy, int relu)
{
    int OH = s->h - s->k + 1, OW = s->w - s->k + 1, ox = 0;
    for (; ox + 8 <= OW; ox += 8)
        fwd_tile(OB, 2, y, x, w, bias, s, o0, oy, ox, relu);
    for (; ox + 4 <= OW; ox += 4)
        fwd_tile(OB, 1, y, x, w, bias, s, o0, oy, ox, relu);
    for (; ox < OW; ox++)
        for (int o = o0; o < o0 + OB; o++)
            y[((size_t)o * OH + oy) * OW + ox] =
                finish_scalar(fwd_scalar(x, w, s, o, oy, ox), bias[o], relu);
}

size_t k_conv_fwd_work(const k_conv_shape *s)
{
    return k_conv_is_plain(s) ? 0 : k__conv_strided_fwd_work(s);
}

void k_conv_fwd(float *y, const float *x, const float *w, const float *bias, int n,
                const k_conv_shape *s, int relu, float *work)
{
    if (!k_conv_is_plain(s)) {
        k__conv_strided_fwd(y, x, w, bias, n, s, relu, work);
        return;
    }
    int OH = s->h - s->k + 1, OW = s->w - s->k + 1;
    size_t isz = (size_t)s->c * s->h * s->w, osz = (size_t)s->oc * OH * OW;
    for (int b = 0; b < n; b++) {
        const float *xb = x + b * isz;
        float *yb = y + b * osz;
        for (int oy = 0; oy < OH; oy++) {
            int o = 0;
            for (; o + 4 <= s->oc; o += 4)
                fwd_row(4, yb, xb, w, bias, s, o, oy, relu);
            for (; o + 2 <= s->oc; o += 2)
                fwd_row(2, yb, xb, w, bias, s, o, oy, relu);
            for (; o < s->oc; o++)
                fwd_row(1, yb, xb, w, bias, s, o, oy, relu);
        }
    }
}

/* ----------------------------------------------------- input gradient */

/* dx[c][y][x] = sum over (o, ky, kx) of w[o][c][ky][kx] dy[o][y-ky][x-kx].
 * The ky whose dy row y-ky does not exist are skipped; the columns are read
 * from dy padded by K-1 zeros left and right (pad, (OC, OH, W+K-1)), so a
 * vector of x needs no per-lane test. Tile: input channels c0..c0+CB, row
 * yy, columns xx..xx+4V. */
TILE void bwd_tile(int CB, int V, float *dx, const float *pad, const float *w,
                   const k_conv_shape *s, int c0, int yy, int xx)
{
    int K = s->k, KK = K * K, OH = s->h - K + 1, PW = s->w + K - 1;
    int ky_lo = yy - OH + 1 > 0 ? yy - OH + 1 : 0, ky_hi = yy < K - 1 ? yy : K - 1;
    v4f acc[MAX_ROWS][MAX_VECS];
    for (int c = 0; c < CB; c++)
        for (int v = 0; v < V; v++)
            acc[c][v] = v4_zero();
    /* Stepped as pointers, as in fwd_tile. */
    const float *po = pad + (size_t)(yy - ky_lo) * PW + xx + K - 1;
    const float *wo = w + (size_t)c0 * KK + ky_lo * K;
    for (int o = 0; o < s->oc; o++, po += (size_t)OH * PW, wo += (size_t)s->c * KK) {
        const float *pr = po, *wr = wo;
        for (int ky = ky_lo; ky <= ky_hi; ky++, pr -= PW, wr += K) {
            const float *pk = pr, *wk = wr;
            for (int kx = 0; kx < K; kx++, pk--, wk++) {
                v4f dv[MAX_VECS];
                for (int v = 0; v < V; v++)
                    dv[v] = v4_load(pk + 4 * v);
                for (int c = 0; c < CB; c++) {
                    v4f wv = v4_splat(wk[c * KK]);
                    for (int v = 0; v < V; v++)
                        acc[c][v] = v4_madd(acc[c][v], wv, dv[v]);
                }
            }
        }
    }
    for (int c = 0; c < CB; c++)
        for (int v = 0; v < V; v++)
            v4_store(dx + ((size_t)(c0 + c) * s->h + yy) * s->w + xx + 4 * v, acc[c][v]);
}

static float bwd_scalar(const float *pad, const float *w, const k_conv_shape *s, int c, int yy,
                        int xx)
{
    int K = s->k, OH = s->h - K + 1, PW = s->w + K - 1;
    int ky_lo = yy - OH + 1 > 0 ? yy - OH + 1 : 0, ky_hi = yy < K - 1 ? yy : K - 1;
    float sum = 0.0f;
    for (int o = 0; o < s->oc; o++)
        for (int ky = ky_lo; ky <= ky_hi; ky++)
            for (int kx = 0; kx < K; kx++)
                sum += w[(((size_t)o * s->c + c) * K + ky) * K + kx] *
                       pad[((size_t)o * OH + yy - ky) * PW + xx + K - 1 - kx];
    return sum;
}

/* Channels c0..c0+CB of one input row: up to 4 vectors per tile, then the
 * columns past the last whole vector one by one. */
TILE void bwd_row(int CB, float *dx, const float *pad, const float *w, const k_conv_shape *s,
                  int c0, int yy)
{
    int xx = 0;
    for (; xx + 16 <= s->w; xx += 16)
        bwd_tile(CB, 4, dx, pad, w, s, c0, yy, xx);
    switch ((s->w - xx) / 4) {
    case 3: bwd_tile(CB, 3, dx, pad, w, s, c0, yy, xx); break;
    case 2: bwd_tile(CB, 2, dx, pad, w, s, c0, yy, xx); break;
    case 1: bwd_tile(CB, 1, dx, pad, w, s, c0, yy, xx); break;
    }
    for (xx += (s->w - xx) / 4 * 4; xx < s->w; xx++)
        for (int c = c0; c < c0 + CB; c++)
            dx[((size_t)c * s->h + yy) * s->w + xx] = bwd_scalar(pad, w, s, c, yy, xx);
}

/* Copies one image's dy into the middle of pad's rows, whose ends stay zero. */
static void pad_copy(float *pad, const float *dy, const k_conv_shape *s)
{
    int K = s->k, OH = s->h - K + 1, OW = s->w - K + 1, PW = s->w + K - 1;
    for (int o = 0; o < s->oc; o++)
        for (int oy = 0; oy < OH; oy++)
            memcpy(pad + ((size_t)o * OH + oy) * PW + K - 1, dy + ((size_t)o * OH + oy) * OW,
                   sizeof(float) * (size_t)OW);
}

/* --------------------------------------- input gradient, wide layers */

/* With 16 or more input channels (a multiple of 4) the vectors run along
 * the channels: a tile is 4*CB input channels at P neighbouring columns
 * xx..xx+P-1 of row yy, fed per (o, ky, kx) by CB weight vectors from wt,
 * the weights repacked as (OC, K, K, C), and one dy splat per column. Each
 * tile visits only the kx some of its columns need (the union of their
 * ranges), so the zero columns of the padded dy that the row tiles sum are
 * skipped, except the few a column shares with its neighbour. The sum for
 * each dx is the same as the row tiles' term for term in the same (o, ky,
 * kx) order, less some zero terms: a sum that starts at +0 is never -0, and
 * adding a zero to it changes no bit, so both paths agree exactly. */
static int conv_is_wide(const k_conv_shape *s) { return s->c >= 16 && s->c % 4 == 0; }

#define WIDE_VECS 4 /* channel vectors per tile */
#define WIDE_COLS 2 /* columns per tile: 8 accumulators, 4 weight loads and a splat */

TILE void bwd_wide_tile(int CB, int P, float *dx, const float *pad, const float *wt,
                        const k_conv_shape *s, int c0, int yy, int xx)
{
    int K = s->k, C = s->c, OH = s->h - K + 1, OW = s->w - K + 1, PW = s->w + K - 1;
    int ky_lo = yy - OH + 1 > 0 ? yy - OH + 1 : 0, ky_hi = yy < K - 1 ? yy : K - 1;
    int kx_lo = xx - OW + 1 > 0 ? xx - OW + 1 : 0, kx_hi = xx + P - 1 < K - 1 ? xx + P - 1 : K - 1;
    v4f acc[WIDE_COLS][WIDE_VECS];
    for (int p = 0; p < P; p++)
        for (int v = 0; v < CB; v++)
            acc[p][v] = v4_zero();
    /* pk[p] is dy[o][yy-ky][xx+p-kx], or 0 past either end of the row; wk the weights of (o, ky,
     * kx) from channel c0. Stepped as pointers, as in fwd_tile. */
    const float *po = pad + (size_t)(yy - ky_lo) * PW + K - 1 + xx - kx_lo;
    const float *wo = wt + ((size_t)ky_lo * K + kx_lo) * C + c0;
    for (int o = 0; o < s->oc; o++, po += (size_t)OH * PW, wo += (size_t)K * K * C) {
        const float *pr = po, *wr = wo;
        for (int ky = ky_lo; ky <= ky_hi; ky++, pr -= PW, wr += (size_t)K * C) {
            const float *pk = pr, *wk = wr;
            for (int kx = kx_lo; kx <= kx_hi; kx++, pk--, wk += C) {
                v4f wv[WIDE_VECS];
                for (int v = 0; v < CB; v++)
                    wv[v] = v4_load(wk + 4 * v);
                for (int p = 0; p < P; p++) {
                    v4f d = v4_splat(pk[p]);
                    for (int v = 0; v < CB; v++)
                        acc[p][v] = v4_madd(acc[p][v], wv[v], d);
                }
            }
        }
    }
    size_t plane = (size_t)s->h * s->w;
    for (int p = 0; p < P; p++)
        for (int v = 0; v < CB; v++) {
            float lanes[4];
            v4_store(lanes, acc[p][v]);
            float *out = dx + (size_t)(c0 + 4 * v) * plane + (size_t)yy * s->w + xx + p;
            for (int l = 0; l < 4; l++)
                out[l * plane] = lanes[l];
        }
}

/* Channels c0..c0+4CB of one input row: two columns at a time, then the last. */
TILE void bwd_wide_row(int CB, float *dx, const float *pad, const float *wt, const k_conv_shape *s,
                       int c0, int yy)
{
    int xx = 0;
    for (; xx + WIDE_COLS <= s->w; xx += WIDE_COLS)
        bwd_wide_tile(CB, WIDE_COLS, dx, pad, wt, s, c0, yy, xx);
    if (xx < s->w)
        bwd_wide_tile(CB, 1, dx, pad, wt, s, c0, yy, xx);
}

/* w (OC, C, K, K) repacked as wt (OC, K, K, C), channels innermost. */
static void repack_channels_last(float *wt, const float *w, const k_conv_shape *s)
{
    int C = s->c, KK = s->k * s->k;
    for (int o = 0; o < s->oc; o++)
        for (int c = 0; c < C; c++)
            for (int kk = 0; kk < KK; kk++)
                wt[((size_t)o * KK + kk) * C + c] = w[((size_t)o * C + c) * KK + kk];
}

static void bwd_input_wide(float *dxb, const float *pad, const float *wt, const k_conv_shape *s)
{
    for (int yy = 0; yy < s->h; yy++) {
        int c = 0;
        for (; c + 4 * WIDE_VECS <= s->c; c += 4 * WIDE_VECS)
            bwd_wide_row(WIDE_VECS, dxb, pad, wt, s, c, yy);
        for (; c + 8 <= s->c; c += 8)
            bwd_wide_row(2, dxb, pad, wt, s, c, yy);
        for (; c < s->c; c += 4)
            bwd_wide_row(1, dxb, pad, wt, s, c, yy);
    }
}

static void bwd_input_rows(float *dxb, const float *pad, const float *w, const k_conv_shape *s)
{
    for (int yy = 0; yy < s->h; yy++) {
        int c = 0;
        for (; c + 2 <= s->c; c += 2)
            bwd_row(2, dxb, pad, w, s, c, yy);
        for (; c < s->c; c++)
            bwd_row(1, dxb, pad, w, s, c, yy);
    }
}

/* The padded dy, the sparse path's list of a plane's non-zeros, then (channels filling vectors)
 * the repacked weights and the sparse path's channels-last dx. */
static size_t padded_dy_size(const k_conv_shape *s)
{
    return (size_t)s->oc * (s->h - s->k + 1) * (s->w + s->k - 1);
}

size_t k_conv_bwd_input_work(const k_conv_shape *s)
{
    if (!k_conv_is_plain(s))
        return k__conv_strided_bwd_input_work(s);
    size_t repacked = s->c % 4 == 0 ? (size_t)s->oc * s->c * s->k * s->k + s->c * s->h * s->w : 0;
    return padded_dy_size(s) + (size_t)(s->h - s->k + 1) * (s->w - s->k + 1) + repacked;
}

void k_conv_bwd_input(float *dx, const float *dy, const float *w, int n, const k_conv_shape *s,
                      float *work)
{
    if (!k_conv_is_plain(s)) {
        k__conv_strided_bwd_input(dx, dy, w, n, s, work);
        return;
    }
    int OH = s->h - s->k + 1, OW = s->w - s->k + 1, wide = conv_is_wide(s);
    size_t isz = (size_t)s->c * s->h * s->w, osz = (size_t)s->oc * OH * OW;
    float *pad = work, *wt = NULL, *dxt = NULL;
    int32_t *nonzero = (int32_t *)(pad + padded_dy_size(s));
    memset(pad, 0, sizeof(float) * padded_dy_size(s));
    if (s->c % 4 == 0) {
        wt = pad + padded_dy_size(s) + (size_t)OH * OW;
        dxt = wt + (size_t)s->oc * s->c * s->k * s->k;
        repack_channels_last(wt, w, s);
    }
    for (int b = 0; b < n; b++) {
        if (k__conv_dy_is_sparse(dy + b * osz, osz, s)) {
            k__conv_bwd_input_sparse(dx + b * isz, dy + b * osz, w, wt, s, dxt, nonzero);
            continue;
        }
        pad_copy(pad, dy + b * osz, s);
        if (wide)
            bwd_input_wide(dx + b * isz, pad, wt, s);
        else
            bwd_input_rows(dx + b * isz, pad, w, s);
    }
}

/* ---------------------------------------------------- weight gradient */

/* dw[o][c][ky][kx] += sum over images b and output positions (oy, ox) of
 * dy[b][o][oy][ox] x[b][c][oy+ky][ox+kx]. Columns ox < OW4 (the whole
 * vectors) go to four lane sums per weight, kept in `lanes` across the
 * batch; the columns past OW4 go to one scalar sum per weight, `tail`. At
 * the end dw += ((l0 + l1) + (l2 + l3)) + tail. A tile keeps its lane sums in
 * registers over a block of WGRAD_IMAGES images, not one: for a wide layer the
 * lanes (800 KB for Madry's second) were loaded and stored for every image.
 * The images stay in order, so each lane sums the same terms in the same order. A block is a
 * k__wgrad_block (conv_sparse.h), which the sparse path sums into too. */

/* Images per block: the block's x and dy stay in cache while the tiles sweep them. */
#define WGRAD_IMAGES 8

#define WGRAD_ROWS 2 /* output channels per tile */
/* Kernel columns per tile: 6 accumulators, 2 dy and 1 x vector. V8 keeps 15 vector registers, and
 * loads a tile's whole row before its sums, so larger tiles spill accumulators to the stack (5
 * columns did: 38% of the peak on Madry's second layer, 51% with 3; bench/kernels.mjs). */
#define WGRAD_COLS 3
_Static_assert(WGRAD_COLS == 3, "wgrad_row's last tile takes 1 or 2 columns");

/* Output channels o0..o0+OB against kernel columns kx0..kx0+KB of row ky
 * of input channel c, over the block's whole vectors. */
TILE void wgrad_tile(int OB, int KB, const k__wgrad_block *a, const k_conv_shape *s, int o0, int c,
                     int ky, int kx0)
{
    int K = s->k, CKK = s->c * K * K, OH = s->h - K + 1, OW = s->w - K + 1, OW4 = OW / 4 * 4;
    float *lanes = a->lanes + 4 * ((size_t)o0 * CKK + (c * K + ky) * K + kx0);
    v4f acc[WGRAD_ROWS][WGRAD_COLS];
    for (int o = 0; o < OB; o++)
        for (int k = 0; k < KB; k++)
            acc[o][k] = v4_load(lanes + 4 * ((size_t)o * CKK + k));
    /* Stepped as pointers, as in fwd_tile. */
    size_t dstride = (size_t)OH * OW; /* from one output channel's plane to the next */
    const float *db = a->dy + (size_t)o0 * dstride;
    const float *xb = a->x + ((size_t)c * s->h + ky) * s->w + kx0;
    for (int b = 0; b < a->images; b++, db += a->osz, xb += a->isz) {
        const float *dr = db, *xr = xb;
        for (int oy = 0; oy < OH; oy++, dr += OW, xr += s->w) {
            for (int ox = 0; ox < OW4; ox += 4) {
                v4f dv[WGRAD_ROWS];
                for (int o = 0; o < OB; o++)
                    dv[o] = v4_load(dr + o * dstride + ox);
                for (int k = 0; k < KB; k++) {
                    v4f xv = v4_load(xr + ox + k);
                    for (int o = 0; o < OB; o++)
                        acc[o][k] = v4_madd(acc[o][k], dv[o], xv);
                }
            }
        }
    }
    for (int o = 0; o < OB; o++)
        for (int k = 0; k < KB; k++)
            v4_store(lanes + 4 * ((size_t)o * CKK + k), acc[o][k]);
}

/* All kernel columns of (c, ky) for channels o0..o0+OB: WGRAD_COLS at a
 * time, then the rest in one tile. */
TILE void wgrad_row(int OB, const k__wgrad_block *a, const k_conv_shape *s, int o0, int c, int ky)
{
    int kx = 0;
    for (; kx + WGRAD_COLS <= s->k; kx += WGRAD_COLS)
        wgrad_tile(OB, WGRAD_COLS, a, s, o0, c, ky, kx);
    switch (s->k - kx) {
    case 2: wgrad_tile(OB, 2, a, s, o0, c, ky, kx); break;
    case 1: wgrad_tile(OB, 1, a, s, o0, c, ky, kx); break;
    }
}

/* The columns past the last whole vector, in (b, oy, ox) order. */
static void wgrad_tail(const k__wgrad_block *a, const k_conv_shape *s)
{
    int K = s->k, CKK = s->c * K * K, OH = s->h - K + 1, OW = s->w - K + 1;
    for (int o = 0; o < s->oc; o++)
        for (int c = 0; c < s->c; c++)
            for (int ky = 0; ky < K; ky++)
                for (int kx = 0; kx < K; kx++) {
                    float *t = a->tail + (size_t)o * CKK + (c * K + ky) * K + kx;
                    for (int b = 0; b < a->images; b++) {
                        const float *dy = a->dy + b * a->osz, *x = a->x + b * a->isz;
                        for (int oy = 0; oy < OH; oy++)
                            for (int ox = OW / 4 * 4; ox < OW; ox++)
                                *t += dy[((size_t)o * OH + oy) * OW + ox] *
                                      x[((size_t)c * s->h + oy + ky) * s->w + ox + kx];
                    }
                }
}

size_t k_conv_wgrad_work(const k_conv_shape *s)
{
    if (!k_conv_is_plain(s))
        return k__conv_strided_wgrad_work(s);
    size_t outputs = (size_t)(s->h - s->k + 1) * (s->w - s->k + 1);
    /* 4 lanes and a tail per weight, then the sparse path's entries (conv_sparse.h) */
    return (size_t)5 * s->oc * s->c * s->k * s->k + 2 * WGRAD_IMAGES * outputs;
}

void k_conv_wgrad(float *dw, const float *dy, const float *x, int n, const k_conv_shape *s,
                  float *work)
{
    if (!k_conv_is_plain(s)) {
        k__conv_strided_wgrad(dw, dy, x, n, s, work);
        return;
    }
    int OH = s->h - s->k + 1, OW = s->w - s->k + 1;
    size_t nw = (size_t)s->oc * s->c * s->k * s->k;
    size_t isz = (size_t)s->c * s->h * s->w, osz = (size_t)s->oc * OH * OW;
    k__wgrad_block a = {.isz = isz,
                        .osz = osz,
                        .lanes = work,
                        .tail = work + 4 * nw,
                        .at = (int32_t *)(work + 5 * nw),
                        .val = work + 5 * nw + WGRAD_IMAGES * OH * OW};
    memset(work, 0, sizeof(float) * 5 * nw);
    for (int b = 0; b < n; b += WGRAD_IMAGES) {
        a.dy = dy + b * osz, a.x = x + b * isz;
        a.images = n - b < WGRAD_IMAGES ? n - b : WGRAD_IMAGES;
        if (k__conv_dy_is_sparse(a.dy, a.images * osz, s)) {
            k__conv_wgrad_sparse(&a, s);
            continue;
        }
        for (int c = 0; c < s->c; c++)
            for (int ky = 0; ky < s->k; ky++) {
                int o = 0;
                for (; o + 2 <= s->oc; o += 2)
                    wgrad_row(2, &a, s, o, c, ky);
                if (o < s->oc)
                    wgrad_row(1, &a, s, o, c, ky);
            }
        if (OW % 4)
            wgrad_tail(&a, s);
    }
    for (size_t i = 0; i < nw; i++)
        dw[i] += v4_hsum(v4_load(a.lanes + 4 * i)) + a.tail[i];
}
