/* Interval kernels: the affine layers and ReLU on boxes [lo, hi], for
 * interval bound propagation (src/certify/). Max-pooling needs no kernel of
 * its own: max is monotone, so k_maxpool2_fwd of lo and of hi bound it. */
#include "kernels/kernels.h"

#include "kernels/conv_strided.h"
#include "kernels/simd.h"

static inline float pos_part(float w) { return w < 0.0f ? 0.0f : w; } /* pmax(w, 0) */
static inline float neg_part(float w) { return 0.0f < w ? 0.0f : w; } /* pmin(w, 0) */

/* One dense output: sums of w+ lo + w- hi (low) and w+ hi + w- lo (high). */
static void dense_dot(float *lo_out, float *hi_out, const float *lo, const float *hi,
                      const float *w, int in, float bias)
{
    v4f zero = v4_zero(), acc_lo = zero, acc_hi = zero;
    int i = 0;
    for (; i + 4 <= in; i += 4) {
        v4f wv = v4_load(w + i), wp = v4_max(wv, zero), wn = v4_min(wv, zero);
        v4f l = v4_load(lo + i), h = v4_load(hi + i);
        acc_lo = v4_madd(v4_madd(acc_lo, wp, l), wn, h);
        acc_hi = v4_madd(v4_madd(acc_hi, wp, h), wn, l);
    }
    float sum_lo = v4_hsum(acc_lo), sum_hi = v4_hsum(acc_hi);
    for (; i < in; i++) {
        float wp = pos_part(w[i]), wn = neg_part(w[i]);
        sum_lo = sum_lo + wp * lo[i] + wn * hi[i];
        sum_hi = sum_hi + wp * hi[i] + wn * lo[i];
    }
    *lo_out = sum_lo + bias;
    *hi_out = sum_hi + bias;
}

void k_interval_dense_fwd(float *lo_out, float *hi_out, const float *lo, const float *hi,
                          const float *w, const float *bias, int n, int in, int out)
{
    for (int b = 0; b < n; b++)
        for (int o = 0; o < out; o++)
            dense_dot(lo_out + (size_t)b * out + o, hi_out + (size_t)b * out + o,
                      lo + (size_t)b * in, hi + (size_t)b * in, w + (size_t)o * in, in, bias[o]);
}

/* Output channel o, row oy of one image: four columns at a time, then the
 * rest one by one, each summed over (c, ky, kx) in order. */
static void conv_row(float *lo_out, float *hi_out, const float *lo, const float *hi, const float *w,
                     float bias, const k_conv_shape *s, int o, int oy)
{
    int K = s->k, OW = s->w - K + 1, ox = 0;
    const float *wo = w + (size_t)o * s->c * K * K;
    v4f zero = v4_zero();
    for (; ox + 4 <= OW; ox += 4) {
        v4f acc_lo = zero, acc_hi = zero;
        for (int c = 0; c < s->c; c++)
            for (int ky = 0; ky < K; ky++) {
                size_t row = ((size_t)c * s->h + oy + ky) * s->w + ox;
                const float *wr = wo + ((size_t)c * K + ky) * K;
                for (int kx = 0; kx < K; kx++) {
                    v4f wp = v4_splat(pos_part(wr[kx])), wn = v4_splat(neg_part(wr[kx]));
                    v4f l = v4_load(lo + row + kx), h = v4_load(hi + row + kx);
                    acc_lo = v4_madd(v4_madd(acc_lo, wp, l), wn, h);
                    acc_hi = v4_madd(v4_madd(acc_hi, wp, h), wn, l);
                }
            }
        v4_store(lo_out + ox, v4_add(acc_lo, v4_splat(bias)));
        v4_store(hi_out + ox, v4_add(acc_hi, v4_splat(bias)));
    }
    for (; ox < OW; ox++) {
        float sum_lo = 0.0f, sum_hi = 0.0f;
        for (int c = 0; c < s->c; c++)
            for (int ky = 0; ky < K; ky++) {
                size_t row = ((size_t)c * s->h + oy + ky) * s->w + ox;
                const float *wr = wo + ((size_t)c * K + ky) * K;
                for (int kx = 0; kx < K; kx++) {
                    float wp = pos_part(wr[kx]), wn = neg_part(wr[kx]);
                    sum_lo = sum_lo + wp * lo[row + kx] + wn * hi[row + kx];
                    sum_hi = sum_hi + wp * hi[row + kx] + wn * lo[row + kx];
                }
            }
        lo_out[ox] = sum_lo + bias;
        hi_out[ox] = sum_hi + bias;
    }
}

size_t k_interval_conv_fwd_work(const k_conv_shape *s)
{
    return k_conv_is_plain(s) ? 0 : k__interval_conv_strided_fwd_work(s);
}

void k_interval_conv_fwd(float *lo_out, float *hi_out, const float *lo, const float *hi,
                         const float *w, const float *bias, int n, const k_conv_shape *s,
                         float *work)
{
    if (!k_conv_is_plain(s)) {
        k__interval_conv_strided_fwd(lo_out, hi_out, lo, hi, w, bias, n, s, work);
        return;
    }
    int OH = s->h - s->k + 1, OW = s->w - s->k + 1;
    size_t isz = (size_t)s->c * s->h * s->w, osz = (size_t)s->oc * OH * OW;
    for (int b = 0; b < n; b++)
        for (int o = 0; o < s->oc; o++)
            for (int oy = 0; oy < OH; oy++) {
                size_t at = b * osz + ((size_t)o * OH + oy) * OW;
                conv_row(lo_out + at, hi_out + at, lo + b * isz, hi + b * isz, w, bias[o], s, o,
                         oy);
            }
}

void k_interval_relu(float *lo, float *hi, size_t n)
{
    v4f zero = v4_zero();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4_store(lo + i, v4_max(v4_load(lo + i), zero));
        v4_store(hi + i, v4_max(v4_load(hi + i), zero));
    }
    for (; i < n; i++) {
        lo[i] = lo[i] < 0.0f ? 0.0f : lo[i];
        hi[i] = hi[i] < 0.0f ? 0.0f : hi[i];
    }
}
