/* CROWN (Zhang et al. 2018): a lower bound of a linear function A . z_k + c
 * of a layer's pre-activations, carried back layer by layer to the input,
 * where the box gives it in closed form. Each ReLU with bounds l < 0 < u is
 * replaced by a line below it (slope 1 if u > -l, else 0: the adaptive
 * lower slope) where the coefficient is >= 0, and by the chord
 * u (x - l) / (u - l) above it where it is < 0. A 2x2 max-pool is replaced by
 * its input with the largest lower bound (below) or by the largest upper
 * bound (above), and is exact when that input's lower bound reaches the
 * others' upper bounds.
 *
 * Hidden layers' bounds come from the same back-substitution, one row per
 * bound, and each neuron keeps the tighter of CROWN's and IBP's; the first
 * affine layer's are IBP's, which are exact on a box. Everything is for
 * image slot 0. */
#include <string.h>

#include "certify/certify.h"
#include "kernels/kernels.h"

typedef struct {
    advlab_certifier *c;
    float *cur, *next; /* (m, size) coefficient blocks, swapped as they move back */
    double *cst;       /* (m) */
    int m;
} backsub;

static void swap_blocks(backsub *s)
{
    float *t = s->cur;
    s->cur = s->next;
    s->next = t;
}

/* cur on layer j's pre-activations becomes cur on its input. */
static void through_affine(backsub *s, int j)
{
    const advlab_net *net = s->c->net;
    const layer_shape *l = &net->arch.layers[j];
    const float *w = net->params + net->w_off[j], *bias = net->params + net->b_off[j];
    size_t osz = layer_out_size(l), isz = layer_in_size(l), area = osz / l->out_c;
    for (int r = 0; r < s->m; r++) {
        const float *a = s->cur + r * osz;
        double sum = 0.0;
        for (size_t o = 0; o < osz; o++)
            sum += (double)a[o] * bias[o / area];
        s->cst[r] += sum;
    }
    if (l->kind == LAYER_DENSE) { /* next (m, in) = cur (m, out) . W (out, in) */
        k_gemm_nn(s->m, (int)isz, l->out_c, s->cur, l->out_c, 0, w, (int)isz, s->next, (int)isz, 0);
    } else {
        k_conv_shape shape = layer_conv_shape(l);
        k_conv_bwd_input(s->next, s->cur, w, s->m, &shape, s->c->conv_work);
    }
    swap_blocks(s);
}

void advlab__crown_relax_relu(float *a_pre, const float *a_post, double *cst, int m, size_t osz,
                              const float *lo, const float *hi)
{
    for (int r = 0; r < m; r++)
        for (size_t t = 0; t < osz; t++) {
            float a = a_post[r * osz + t], u = hi[t], v = lo[t], out = a;
            if (u <= 0.0f)
                out = 0.0f;
            else if (v < 0.0f) {
                if (a >= 0.0f) {
                    out = u > -v ? a : 0.0f;
                } else {
                    float slope = u / (u - v);
                    cst[r] += (double)a * (double)(-slope * v);
                    out = a * slope;
                }
            }
            a_pre[r * osz + t] = out;
        }
}

advlab__pool_window advlab__crown_pool_window(const layer_shape *l, const float *lo,
                                              const float *hi, int ch, int oy, int ox)
{
    advlab__pool_window p;
    for (int q = 0; q < 4; q++)
        p.at[q] = ((size_t)ch * l->in_h + 2 * oy + q / 2) * l->in_w + 2 * ox + q % 2;
    p.best = 0;
    for (int q = 1; q < 4; q++)
        if (lo[p.at[q]] > lo[p.at[p.best]])
            p.best = q;
    float rival = -1e30f;
    p.top = hi[p.at[0]], p.argtop = 0;
    for (int q = 0; q < 4; q++) {
        if (hi[p.at[q]] > p.top)
            p.top = hi[p.at[q]], p.argtop = q;
        if (q != p.best && hi[p.at[q]] > rival)
            rival = hi[p.at[q]];
    }
    p.exact = lo[p.at[p.best]] >= rival;
    return p;
}

void advlab__crown_relax_pool(float *below, const float *a, double *cst, int m,
                              const layer_shape *l, const float *lo, const float *hi)
{
    size_t osz = layer_out_size(l), isz = layer_in_size(l);
    memset(below, 0, sizeof(float) * m * isz);
    for (int ch = 0; ch < l->out_c; ch++)
        for (int oy = 0; oy < l->out_h; oy++)
            for (int ox = 0; ox < l->out_w; ox++) {
                size_t o = ((size_t)ch * l->out_h + oy) * l->out_w + ox;
                advlab__pool_window p = advlab__crown_pool_window(l, lo, hi, ch, oy, ox);
                for (int r = 0; r < m; r++) {
                    float v = a[r * osz + o];
                    if (v >= 0.0f || p.exact)
                        below[r * isz + p.at[p.best]] += v;
                    else
                        cst[r] += (double)v * p.top;
                }
            }
}

/* cur on layer j's ReLU output becomes cur on its pre-activations. */
static void through_relu(backsub *s, int j)
{
    size_t osz = layer_out_size(&s->c->net->arch.layers[j]);
    advlab__crown_relax_relu(s->cur, s->cur, s->cst, s->m, osz, s->c->pre_lo[j], s->c->pre_hi[j]);
}

/* cur on pool layer j's output becomes cur on its input, whose bounds are
 * lo, hi. */
static void through_pool(backsub *s, int j, const float *lo, const float *hi)
{
    advlab__crown_relax_pool(s->next, s->cur, s->cst, s->m, &s->c->net->arch.layers[j], lo, hi);
    swap_blocks(s);
}

/* The lower bounds out[0..m) of cur . z + cst, cur being on layer k's
 * pre-activations. */
static void lower_bounds(backsub *s, int k, float *out)
{
    advlab_certifier *c = s->c;
    const advlab_net *net = c->net;
    int j = k;
    for (;;) {
        through_affine(s, j--);
        while (j >= 0 && net->arch.layers[j].kind == LAYER_POOL) {
            through_pool(s, j, j ? c->post_lo[j - 1] : c->x_lo, j ? c->post_hi[j - 1] : c->x_hi);
            j--;
        }
        if (j < 0)
            break;
        through_relu(s, j);
    }
    size_t in = (size_t)net->in_size;
    for (int r = 0; r < s->m; r++) {
        const float *a = s->cur + r * in;
        double sum = s->cst[r];
        for (size_t i = 0; i < in; i++)
            sum += (double)a[i] * (a[i] >= 0.0f ? c->x_lo[i] : c->x_hi[i]);
        out[r] = (float)sum;
    }
}

static backsub start(advlab_certifier *c, int m)
{
    memset(c->crown_const, 0, sizeof(double) * m);
    return (backsub){c, c->crown_a, c->crown_b, c->crown_const, m};
}

/* Tightens the pre-activation bounds of hidden affine layer k. Rows come in
 * pairs: +e_t gives t's lower bound, -e_t minus its upper bound. Neurons
 * that IBP already proves inactive (upper <= 0) are left alone. */
static void tighten_layer(advlab_certifier *c, int k)
{
    size_t osz = layer_out_size(&c->net->arch.layers[k]);
    float *lo = c->pre_lo[k], *hi = c->pre_hi[k];
    int32_t neurons[CROWN_ROWS / 2];
    for (size_t t = 0; t < osz;) {
        int m = 0;
        for (; t < osz && m < CROWN_ROWS / 2; t++)
            if (hi[t] > 0.0f)
                neurons[m++] = (int32_t)t;
        if (!m)
            continue;
        backsub s = start(c, 2 * m);
        memset(s.cur, 0, sizeof(float) * 2 * m * osz);
        for (int q = 0; q < m; q++) {
            s.cur[(size_t)(2 * q) * osz + neurons[q]] = 1.0f;
            s.cur[(size_t)(2 * q + 1) * osz + neurons[q]] = -1.0f;
        }
        lower_bounds(&s, k, c->crown_out);
        for (int q = 0; q < m; q++) {
            float l = c->crown_out[2 * q], u = -c->crown_out[2 * q + 1];
            int32_t n = neurons[q];
            lo[n] = l > lo[n] ? l : lo[n];
            hi[n] = u < hi[n] ? u : hi[n];
        }
    }
}

void advlab__crown_margin(advlab_certifier *c, int label)
{
    const advlab_net *net = c->net;
    int last = net->arch.n_layers - 1, K = net->classes, first = 0;
    while (net->arch.layers[first].kind == LAYER_POOL)
        first++;
    for (int k = first + 1; k < last; k++) {
        if (net->arch.layers[k].kind == LAYER_POOL)
            continue;
        tighten_layer(c, k);
        /* post of layer k follows its tightened pre */
        size_t osz = layer_out_size(&net->arch.layers[k]);
        memcpy(c->post_lo[k], c->pre_lo[k], sizeof(float) * osz);
        memcpy(c->post_hi[k], c->pre_hi[k], sizeof(float) * osz);
        k_interval_relu(c->post_lo[k], c->post_hi[k], osz);
        advlab__ibp_forward(c, 1, k + 1);
    }
    advlab__ibp_margin(c, 0, label);
    for (int j0 = 0; j0 < K; j0 += CROWN_ROWS) {
        int m = K - j0 < CROWN_ROWS ? K - j0 : CROWN_ROWS;
        backsub s = start(c, m);
        memset(s.cur, 0, sizeof(float) * m * K);
        for (int r = 0; r < m; r++)
            if (j0 + r != label) { /* row r: z_label - z_(j0+r) */
                s.cur[(size_t)r * K + label] = 1.0f;
                s.cur[(size_t)r * K + j0 + r] = -1.0f;
            }
        lower_bounds(&s, last, c->crown_out);
        for (int r = 0; r < m; r++)
            if (j0 + r != label && c->crown_out[r] > c->margin_lo[j0 + r])
                c->margin_lo[j0 + r] = c->crown_out[r];
    }
}
