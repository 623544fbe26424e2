/* Fast kernels: GEMM, direct convolution, pooling, elementwise, softmax
 * cross-entropy. Each has a scalar twin in tests/test_kernels.c.
 *
 * Dimension letters used in the shape comments:
 *   B batch, C input channels, H W input height/width, OC output channels,
 *   K kernel size, OH OW output height/width; the GEMMs name their own
 *   sizes M N K (rows of C, columns of C, the summed dimension).
 * All matrices are row-major with explicit row strides (ld*), so views into
 * larger buffers at any float offset work. */
#ifndef ADVLAB_KERNELS_H
#define ADVLAB_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* C[M,N] (+)= A[M,K] B[K,N]. A is read as A[i*lda + k], or transposed as
 * A[k*lda + i] when a_trans. accumulate=0 overwrites C. Each C element is
 * summed over k in order, starting from C (or 0). */
void k_gemm_nn(int M, int N, int K, const float *A, int lda, int a_trans, const float *B, int ldb,
               float *C, int ldc, int accumulate);
/* C[M,N] (+)= A[M,K] B[N,K]^T: dot products along K. Each dot keeps four
 * lane sums over k = lane (mod 4), reduces them (l0+l1)+(l2+l3), then adds
 * the K%4 tail in order, then adds to C (when accumulate). */
void k_gemm_nt(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C,
               int ldc, int accumulate);

/* One conv layer: (c, h, w) input images, oc output channels, k x k
 * kernels, the given stride (>= 1) and `pad` zeros on each side (< k);
 * outputs are (oc, OH, OW) with OH = (h + 2 pad - k) / stride + 1 (OW
 * likewise). Weights are (oc, c, k, k). Stride 1 and pad 0, the "plain"
 * case, run the direct tiles of conv.c; the others run those tiles over a
 * padded copy in the workspace (conv_strided.c). */
typedef struct {
    int c, h, w, oc, k, stride, pad;
} k_conv_shape;

static inline int k_conv_out_h(const k_conv_shape *s)
{
    return (s->h + 2 * s->pad - s->k) / s->stride + 1;
}
static inline int k_conv_out_w(const k_conv_shape *s)
{
    return (s->w + 2 * s->pad - s->k) / s->stride + 1;
}
static inline int k_conv_is_plain(const k_conv_shape *s) { return s->stride == 1 && s->pad == 0; }

/* y (n, OC, OH, OW) = conv(x (n, C, H, W), w) + bias, then ReLU if relu.
 * Each output sums w*x over (c, ky, kx) in that order from 0 (a padding
 * pixel adds w*0), then adds its bias. work holds k_conv_fwd_work(s) floats
 * (none when plain: NULL will do). */
void k_conv_fwd(float *y, const float *x, const float *w, const float *bias, int n,
                const k_conv_shape *s, int relu, float *work);
size_t k_conv_fwd_work(const k_conv_shape *s);
/* dx (n, C, H, W) = the gradient of the conv's input given dy (n, OC, OH,
 * OW). Plain: dx[c][y][x] sums w[o][c][ky][kx] dy[o][y-ky][x-kx] over (o,
 * ky, kx) in order from 0, skipping the ky whose row y-ky is outside dy; a
 * column x-kx outside dy counts as 0 (the term is added). Strided or padded:
 * the same over dy spread onto the stride-1 grid of the padded input, then
 * cropped. Where dy is mostly zeros, only its non-zeros are visited, with the same bits
 * (conv_sparse.c). work holds k_conv_bwd_input_work(s) floats. */
void k_conv_bwd_input(float *dx, const float *dy, const float *w, int n, const k_conv_shape *s,
                      float *work);
size_t k_conv_bwd_input_work(const k_conv_shape *s);
/* dw (OC, C, K, K) += sum over the n images and all output positions of
 * dy * x. Plain: columns up to the last multiple of 4 sum into four lanes
 * by column mod 4 (in image, row, column order), the rest into one tail
 * sum; dw += ((l0+l1) + (l2+l3)) + tail. Strided or padded: that, image by
 * image, over the spread dy and the padded x. Where dy is mostly zeros,
 * only its non-zeros are visited, with the same bits (conv_sparse.c). work
 * holds k_conv_wgrad_work(s) floats. */
void k_conv_wgrad(float *dw, const float *dy, const float *x, int n, const k_conv_shape *s,
                  float *work);
size_t k_conv_wgrad_work(const k_conv_shape *s);

/* out (C,H/2,W/2) = max over each 2x2 window of x (C,H,W); odd edges dropped. */
void k_maxpool2_fwd(float *out, const float *x, int C, int H, int W);
/* dx (C,H,W) = dout routed to the first maximal element of each window
 * (scan order), zero elsewhere. */
void k_maxpool2_bwd(float *dx, const float *dout, const float *x, const float *out, int C, int H,
                    int W);

/* y[r, c] += bias[c], then max(., 0) if relu (a NaN stays NaN); y is (R,N). */
void k_bias_cols_fwd(float *y, const float *bias, int R, int N, int relu);
/* d[i] = out[i] > 0 ? d[i] : 0, the ReLU backward, in place. */
void k_relu_bwd(float *d, const float *out, size_t n);
/* db[r] += sum of d[r, :]; d is (R,N). */
void k_sum_rows(float *db, const float *d, int R, int N);
/* db[c] += sum over r of d[r, c]; d is (R,N). */
void k_sum_cols(float *db, const float *d, int R, int N);
/* dst[i] += src[i]. */
void k_add(float *dst, const float *src, size_t n);
/* dst[i] = a[i] + b[i]: one pass where copying a and adding b would take two. */
void k_sum(float *dst, const float *a, const float *b, size_t n);
/* dst[i] += src[i] * scale, the product rounded first: the bits of scaling src
 * into a buffer and then adding it. */
void k_add_scaled(float *dst, const float *src, float scale, size_t n);
/* dst[i] = src[i] / 255.0f, pixels' bytes as the net's inputs: one correctly
 * rounded division each, so every build gives the same bits. */
void k_bytes_to_unit(float *dst, const uint8_t *src, size_t n);
/* The index of x's first NaN or infinity; n when every entry is finite. */
size_t k_first_nonfinite(const float *x, size_t n);
/* One Adam step in Keras's form, each entry as the scalar expression
 *   m += (g - m) one_b1;  v += (g^2 - v) one_b2;  p -= alpha m / (sqrt(v) + eps)
 * rounds it, four entries to a vector (division and sqrt round exactly). */
void k_adam(float *p, float *m, float *v, const float *g, size_t n, float one_b1, float one_b2,
            float alpha, float eps);

/* Interval arithmetic for certification (interval.c): images are boxes
 * [lo, hi], and an affine map splits its weights into W+ = max(W, 0) and
 * W- = min(W, 0), so lo' = W+ lo + W- hi + b and hi' = W+ hi + W- lo + b.
 * Each output adds the two products of one weight in that order (the W+
 * term first). Rounding is to nearest, not outward. */

/* Dense: lo', hi' (n, out) from lo, hi (n, in), w (out, in), bias (out).
 * Each output keeps four lane sums over i = lane (mod 4), reduces them
 * (l0+l1)+(l2+l3), adds the in%4 tail in order, then the bias. */
void k_interval_dense_fwd(float *lo_out, float *hi_out, const float *lo, const float *hi,
                          const float *w, const float *bias, int n, int in, int out);
/* Conv (shape s, as k_conv_fwd): lo', hi' (n, OC, OH, OW) from lo, hi (n, C,
 * H, W). Each output sums over (c, ky, kx) in order from 0 (padding is the
 * box [0, 0]), then adds its bias. work holds k_interval_conv_fwd_work(s)
 * floats (none when plain). */
void k_interval_conv_fwd(float *lo_out, float *hi_out, const float *lo, const float *hi,
                         const float *w, const float *bias, int n, const k_conv_shape *s,
                         float *work);
size_t k_interval_conv_fwd_work(const k_conv_shape *s);
/* [lo, hi] = [max(lo, 0), max(hi, 0)] (pmax), in place, n floats each. */
void k_interval_relu(float *lo, float *hi, size_t n);

/* Softmax cross-entropy over B rows of `classes` logits: probs (B, classes)
 * receives the softmax and, when dlogits is not NULL, dlogits = (probs -
 * onehot(y)) * scale. Returns the summed loss and counts argmax == y in
 * *correct (may be NULL). With y NULL only probs is computed. */
double k_softmax_xent(float *probs, float *dlogits, const float *logits, const int *y, int B,
                      int classes, float scale, int *correct);

#endif
