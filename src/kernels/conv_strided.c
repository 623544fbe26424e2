/* Stride and zero padding, through the plain (stride 1, no padding) tiles
 * of conv.c and interval.c: the input is padded into the workspace, the
 * plain conv runs over it, and every stride-th output is kept. The backward
 * passes spread dy onto the plain conv's output grid (zeros in between) and
 * crop the padding off dx. A stride s costs s^2 times a direct strided
 * kernel's arithmetic; in the reference models (Gowal et al.'s) only the
 * small first layer is strided, and one set of vector tiles stays the only
 * one to keep fast and bit-identical. Images go one at a time, so the
 * workspace holds one image's copies. */
#include "kernels/conv_strided.h"

#include <string.h>

/* The plain conv over the padded input: (C, HP, WP) -> (OC, FH, FW), of
 * which outputs (OC, OH, OW) are the elements at multiples of the stride. */
typedef struct {
    k_conv_shape plain;
    int FH, FW;
    size_t padded; /* floats of a padded image copy, 0 without padding */
    size_t full;   /* floats of a plain output, 0 at stride 1 */
} strided_plan;

static strided_plan plan_of(const k_conv_shape *s)
{
    int HP = s->h + 2 * s->pad, WP = s->w + 2 * s->pad;
    strided_plan p = {{s->c, HP, WP, s->oc, s->k, 1, 0}, HP - s->k + 1, WP - s->k + 1, 0, 0};
    p.padded = s->pad ? (size_t)s->c * HP * WP : 0;
    p.full = s->stride > 1 ? (size_t)s->oc * p.FH * p.FW : 0;
    return p;
}

static size_t in_size(const k_conv_shape *s) { return (size_t)s->c * s->h * s->w; }

static size_t out_size(const k_conv_shape *s)
{
    return (size_t)s->oc * k_conv_out_h(s) * k_conv_out_w(s);
}

/* xp (C, H+2P, W+2P) = x (C, H, W) in the middle of zeros. */
static void pad_image(float *xp, const float *x, const k_conv_shape *s, const strided_plan *p)
{
    int P = s->pad, HP = p->plain.h, WP = p->plain.w;
    memset(xp, 0, sizeof(float) * p->padded);
    for (int c = 0; c < s->c; c++)
        for (int y = 0; y < s->h; y++)
            memcpy(xp + ((size_t)c * HP + y + P) * WP + P, x + ((size_t)c * s->h + y) * s->w,
                   sizeof(float) * (size_t)s->w);
}

/* x (C, H, W) = the middle of xp (C, H+2P, W+2P). */
static void crop_image(float *x, const float *xp, const k_conv_shape *s, const strided_plan *p)
{
    int P = s->pad, HP = p->plain.h, WP = p->plain.w;
    for (int c = 0; c < s->c; c++)
        for (int y = 0; y < s->h; y++)
            memcpy(x + ((size_t)c * s->h + y) * s->w, xp + ((size_t)c * HP + y + P) * WP + P,
                   sizeof(float) * (size_t)s->w);
}

/* y (OC, OH, OW) = full (OC, FH, FW) at rows and columns that are multiples
 * of the stride. */
static void keep_strided(float *y, const float *full, const k_conv_shape *s, const strided_plan *p)
{
    int S = s->stride, OH = k_conv_out_h(s), OW = k_conv_out_w(s);
    for (int o = 0; o < s->oc; o++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++)
                y[((size_t)o * OH + oy) * OW + ox] =
                    full[((size_t)o * p->FH + S * oy) * p->FW + S * ox];
}

/* full (OC, FH, FW) = dy (OC, OH, OW) at multiples of the stride, 0 elsewhere. */
static void spread_strided(float *full, const float *dy, const k_conv_shape *s,
                           const strided_plan *p)
{
    int S = s->stride, OH = k_conv_out_h(s), OW = k_conv_out_w(s);
    memset(full, 0, sizeof(float) * p->full);
    for (int o = 0; o < s->oc; o++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++)
                full[((size_t)o * p->FH + S * oy) * p->FW + S * ox] =
                    dy[((size_t)o * OH + oy) * OW + ox];
}

/* ------------------------------------------------------------ forward */

size_t k__conv_strided_fwd_work(const k_conv_shape *s)
{
    strided_plan p = plan_of(s);
    return p.padded + p.full;
}

void k__conv_strided_fwd(float *y, const float *x, const float *w, const float *bias, int n,
                         const k_conv_shape *s, int relu, float *work)
{
    strided_plan p = plan_of(s);
    float *xp = work, *full = work + p.padded;
    for (int b = 0; b < n; b++) {
        const float *xb = x + b * in_size(s);
        float *yb = y + b * out_size(s);
        if (s->pad) {
            pad_image(xp, xb, s, &p);
            xb = xp;
        }
        k_conv_fwd(p.full ? full : yb, xb, w, bias, 1, &p.plain, relu, NULL);
        if (p.full)
            keep_strided(yb, full, s, &p);
    }
}

size_t k__interval_conv_strided_fwd_work(const k_conv_shape *s)
{
    return 2 * k__conv_strided_fwd_work(s);
}

void k__interval_conv_strided_fwd(float *lo_out, float *hi_out, const float *lo, const float *hi,
                                  const float *w, const float *bias, int n, const k_conv_shape *s,
                                  float *work)
{
    strided_plan p = plan_of(s);
    float *lo_p = work, *hi_p = lo_p + p.padded, *full_lo = hi_p + p.padded,
          *full_hi = full_lo + p.full;
    for (int b = 0; b < n; b++) {
        const float *lb = lo + b * in_size(s), *hb = hi + b * in_size(s);
        float *lo_b = lo_out + b * out_size(s), *hi_b = hi_out + b * out_size(s);
        if (s->pad) {
            pad_image(lo_p, lb, s, &p);
            pad_image(hi_p, hb, s, &p);
            lb = lo_p, hb = hi_p;
        }
        k_interval_conv_fwd(p.full ? full_lo : lo_b, p.full ? full_hi : hi_b, lb, hb, w, bias, 1,
                            &p.plain, NULL);
        if (p.full) {
            keep_strided(lo_b, full_lo, s, &p);
            keep_strided(hi_b, full_hi, s, &p);
        }
    }
}

/* ----------------------------------------------------------- backward */

size_t k__conv_strided_bwd_input_work(const k_conv_shape *s)
{
    strided_plan p = plan_of(s);
    return k_conv_bwd_input_work(&p.plain) + p.full + p.padded;
}

void k__conv_strided_bwd_input(float *dx, const float *dy, const float *w, int n,
                               const k_conv_shape *s, float *work)
{
    strided_plan p = plan_of(s);
    float *full = work + k_conv_bwd_input_work(&p.plain), *dxp = full + p.full;
    for (int b = 0; b < n; b++) {
        const float *db = dy + b * out_size(s);
        float *dxb = dx + b * in_size(s);
        if (p.full) {
            spread_strided(full, db, s, &p);
            db = full;
        }
        k_conv_bwd_input(s->pad ? dxp : dxb, db, w, 1, &p.plain, work);
        if (s->pad)
            crop_image(dxb, dxp, s, &p);
    }
}

size_t k__conv_strided_wgrad_work(const k_conv_shape *s)
{
    strided_plan p = plan_of(s);
    return k_conv_wgrad_work(&p.plain) + p.full + p.padded;
}

void k__conv_strided_wgrad(float *dw, const float *dy, const float *x, int n, const k_conv_shape *s,
                           float *work)
{
    strided_plan p = plan_of(s);
    float *full = work + k_conv_wgrad_work(&p.plain), *xp = full + p.full;
    for (int b = 0; b < n; b++) {
        const float *db = dy + b * out_size(s), *xb = x + b * in_size(s);
        if (p.full) {
            spread_strided(full, db, s, &p);
            db = full;
        }
        if (s->pad) {
            pad_image(xp, xb, s, &p);
            xb = xp;
        }
        k_conv_wgrad(dw, db, xb, 1, &p.plain, work);
    }
}
