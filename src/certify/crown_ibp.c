/* CROWN-IBP (Zhang et al. 2020) for training: the margin rows' lower bounds
 * by CROWN's backward relaxation (the relaxations of crown.c) over IBP's
 * bounds of every hidden layer, which are not tightened; and the gradient of
 * a weighted sum of those bounds with respect to the parameters and to the
 * IBP bounds that the relaxations read, which certified_training.c carries
 * on through IBP's own backward.
 *
 * Rows are (image, class): row b K + j bounds z_y - z_j of image b from
 * below. Going down, each layer's coefficients are kept (a_post on its
 * output, a_pre on its pre-activations), because the gradient runs back up:
 * the adjoint of the coefficients on a layer's input is carried forward
 * through W like an activation (with the row's weight times the bias), and
 * through each relaxation as the chain rule of its slope and intercept. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "certify/certify.h"
#include "kernels/kernels.h"

advlab_status advlab__crown_ibp_create(const advlab_net *net, crown_ibp *out)
{
    const arch_desc *d = &net->arch;
    size_t K = (size_t)net->classes, rows = CERTIFY_CHUNK * K, in = (size_t)net->in_size;
    size_t wide = in, channels = 0;
    uint64_t floats = rows * in + 2 * rows; /* a_x, cst (doubles) */
    for (int i = 0; i < d->n_layers; i++) {
        size_t o = layer_out_size(&d->layers[i]);
        wide = o > wide ? o : wide;
        channels = (size_t)d->layers[i].out_c > channels ? (size_t)d->layers[i].out_c : channels;
        floats += 2 * (uint64_t)rows * o + 4 * (uint64_t)CERTIFY_CHUNK * o;
    }
    floats += 2 * K * wide + channels;
    float *p = floats <= SIZE_MAX / sizeof(float) ? malloc(sizeof(float) * (size_t)floats) : NULL;
    if (!p)
        return advlab__fail(ADVLAB_E_NOMEM, "crown-ibp training: %llu MB of coefficient buffers",
                            (unsigned long long)(floats * sizeof(float) >> 20));
    *out = (crown_ibp){.arena = p};
    out->cst = (double *)p, p += 2 * rows; /* first: double alignment */
    out->a_x = p, p += rows * in;
    for (int i = 0; i < d->n_layers; i++) {
        size_t o = layer_out_size(&d->layers[i]), chunk = (size_t)CERTIFY_CHUNK * o;
        out->a_post[i] = p, p += rows * o;
        out->a_pre[i] = p, p += rows * o;
        out->d_pre_lo[i] = p, p += chunk;
        out->d_pre_hi[i] = p, p += chunk;
        out->d_post_lo[i] = p, p += chunk;
        out->d_post_hi[i] = p, p += chunk;
    }
    out->adj = p, p += K * wide;
    out->adj_next = p, p += K * wide;
    out->row_bias = p;
    return ADVLAB_OK;
}

void advlab__crown_ibp_free(crown_ibp *cb)
{
    free(cb->arena);
    cb->arena = NULL;
}

/* The bounds of layer i's input for image b: the previous layer's output,
 * or the input box. */
static const float *input_lo(const advlab_certifier *c, int i, int b)
{
    const layer_shape *l = &c->net->arch.layers[i];
    return (i ? c->post_lo[i - 1] : c->x_lo) + (size_t)b * layer_in_size(l);
}

static const float *input_hi(const advlab_certifier *c, int i, int b)
{
    const layer_shape *l = &c->net->arch.layers[i];
    return (i ? c->post_hi[i - 1] : c->x_hi) + (size_t)b * layer_in_size(l);
}

/* ------------------------------------------------------------- bounds */

void advlab__crown_ibp_bounds(crown_ibp *cb, advlab_certifier *c, const int32_t *y, int n,
                              float *lower, float *work)
{
    const advlab_net *net = c->net;
    int last = net->arch.n_layers - 1, K = net->classes;
    const layer_shape *top = &net->arch.layers[last];
    size_t top_in = layer_in_size(top), in = (size_t)net->in_size;
    const float *w_top = net->params + net->w_off[last], *b_top = net->params + net->b_off[last];
    for (int b = 0; b < n; b++) {
        size_t r0 = (size_t)b * K;
        double *cst = cb->cst + r0;
        float *a = (last ? cb->a_post[last - 1] : cb->a_x) + r0 * top_in;
        for (int j = 0; j < K; j++) { /* row j: z_y - z_j = (W_y - W_j) . h + b_y - b_j */
            for (size_t t = 0; t < top_in; t++)
                a[j * top_in + t] =
                    j == y[b] ? 0.0f : w_top[y[b] * top_in + t] - w_top[j * top_in + t];
            cst[j] = j == y[b] ? 0.0 : (double)b_top[y[b]] - b_top[j];
        }
        for (int i = last - 1; i >= 0; i--) {
            const layer_shape *l = &net->arch.layers[i];
            size_t osz = layer_out_size(l), isz = layer_in_size(l);
            const float *a_post = cb->a_post[i] + r0 * osz;
            float *below = (i ? cb->a_post[i - 1] : cb->a_x) + r0 * isz;
            if (l->kind == LAYER_POOL) {
                advlab__crown_relax_pool(below, a_post, cst, K, l, input_lo(c, i, b),
                                         input_hi(c, i, b));
                continue;
            }
            float *a_pre = cb->a_pre[i] + r0 * osz;
            if (l->relu)
                advlab__crown_relax_relu(a_pre, a_post, cst, K, osz, c->pre_lo[i] + b * osz,
                                         c->pre_hi[i] + b * osz);
            else
                memcpy(a_pre, a_post, sizeof(float) * K * osz);
            const float *w = net->params + net->w_off[i], *bias = net->params + net->b_off[i];
            size_t area = osz / l->out_c;
            for (int r = 0; r < K; r++) {
                double sum = 0.0;
                for (size_t t = 0; t < osz; t++)
                    sum += (double)a_pre[r * osz + t] * bias[t / area];
                cst[r] += sum;
            }
            if (l->kind == LAYER_DENSE) { /* below (K, in) = a_pre (K, out) . W (out, in) */
                k_gemm_nn(K, (int)isz, l->out_c, a_pre, l->out_c, 0, w, (int)isz, below, (int)isz,
                          0);
            } else {
                k_conv_shape sh = layer_conv_shape(l);
                k_conv_bwd_input(below, a_pre, w, K, &sh, work);
            }
        }
        const float *a_x = cb->a_x + r0 * in, *lo = c->x_lo + b * in, *hi = c->x_hi + b * in;
        for (int j = 0; j < K; j++) {
            double sum = cst[j];
            for (size_t t = 0; t < in; t++) {
                float v = a_x[j * in + t];
                sum += (double)v * (v >= 0.0f ? lo[t] : hi[t]);
            }
            lower[r0 + j] = j == y[b] ? 0.0f : (float)sum;
        }
    }
}

/* ----------------------------------------------------------- gradient */

/* adj (m, osz) becomes the adjoint of a_post from that of a_pre; the
 * gradients of the slopes and intercepts go to d_lo, d_hi (the bounds'). */
static void relu_adjoint(float *adj, const float *a_post, const float *e, int m, size_t osz,
                         const float *lo, const float *hi, float *d_lo, float *d_hi)
{
    for (int r = 0; r < m; r++)
        for (size_t t = 0; t < osz; t++) {
            float a = a_post[r * osz + t], u = hi[t], v = lo[t], *g = &adj[r * osz + t];
            if (u <= 0.0f)
                *g = 0.0f;
            else if (v < 0.0f) {
                if (a >= 0.0f) {
                    *g = u > -v ? *g : 0.0f;
                } else {
                    /* a_pre = s a and the intercept e a (-s v), s = u / (u - v) */
                    float span = u - v, slope = u / span;
                    float g_slope = a * *g - e[r] * a * v;
                    d_hi[t] += g_slope * (-v / (span * span));
                    d_lo[t] += g_slope * (u / (span * span)) - e[r] * a * slope;
                    *g = slope * *g + e[r] * (-slope * v);
                }
            }
        }
}

/* out (m, osz) = the adjoint of the pool's output coefficients from adj
 * (m, isz), its input's; an input routed to the intercept top sends e a to
 * the upper bound at argtop (d_hi, NULL for the input box). */
static void pool_adjoint(float *out, const float *adj, const float *a_post, const float *e, int m,
                         const layer_shape *l, const float *lo, const float *hi, float *d_hi)
{
    size_t osz = layer_out_size(l), isz = layer_in_size(l);
    for (int ch = 0; ch < l->out_c; ch++)
        for (int oy = 0; oy < l->out_h; oy++)
            for (int ox = 0; ox < l->out_w; ox++) {
                size_t o = ((size_t)ch * l->out_h + oy) * l->out_w + ox;
                advlab__pool_window p = advlab__crown_pool_window(l, lo, hi, ch, oy, ox);
                for (int r = 0; r < m; r++) {
                    float a = a_post[r * osz + o];
                    if (a >= 0.0f || p.exact) {
                        out[r * osz + o] = adj[r * isz + p.at[p.best]];
                    } else {
                        out[r * osz + o] = e[r] * p.top;
                        if (d_hi)
                            d_hi[p.at[p.argtop]] += e[r] * a;
                    }
                }
            }
}

static void swap_adjoints(crown_ibp *cb)
{
    float *t = cb->adj;
    cb->adj = cb->adj_next;
    cb->adj_next = t;
}

/* Affine layer i: adj_next (K, osz) = W adj + e_r bias, the adjoint of its
 * pre-activation coefficients; and the parameter gradients a_pre (x) adj. */
static void affine_adjoint(crown_ibp *cb, const advlab_net *net, int i, const float *a_pre,
                           const float *e, float *grads, float *work)
{
    const layer_shape *l = &net->arch.layers[i];
    int K = net->classes;
    size_t osz = layer_out_size(l), isz = layer_in_size(l), area = osz / l->out_c;
    const float *w = net->params + net->w_off[i], *bias = net->params + net->b_off[i];
    float *dw = grads + net->w_off[i], *db = grads + net->b_off[i];
    if (l->kind == LAYER_DENSE) {
        k_gemm_nt(K, l->out_c, (int)isz, cb->adj, (int)isz, w, (int)isz, cb->adj_next, l->out_c, 0);
        for (int r = 0; r < K; r++)
            for (int o = 0; o < l->out_c; o++)
                cb->adj_next[r * osz + o] += e[r] * bias[o];
        /* dW (out, in) += a_pre^T (out, K) . adj (K, in) */
        k_gemm_nn(l->out_c, (int)isz, K, a_pre, l->out_c, 1, cb->adj, (int)isz, dw, (int)isz, 1);
    } else {
        k_conv_shape sh = layer_conv_shape(l);
        for (int r = 0; r < K; r++) {
            for (int o = 0; o < l->out_c; o++)
                cb->row_bias[o] = e[r] * bias[o];
            k_conv_fwd(cb->adj_next + r * osz, cb->adj + r * isz, w, cb->row_bias, 1, &sh, 0, work);
        }
        k_conv_wgrad(dw, a_pre, cb->adj, K, &sh, work);
    }
    for (int r = 0; r < K; r++)
        for (size_t t = 0; t < osz; t++)
            db[t / area] += e[r] * a_pre[r * osz + t];
}

void advlab__crown_ibp_backward(crown_ibp *cb, advlab_certifier *c, const int32_t *y, int n,
                                const float *e_all, float *grads, float *work)
{
    const advlab_net *net = c->net;
    int last = net->arch.n_layers - 1, K = net->classes;
    size_t in = (size_t)net->in_size;
    for (int i = 0; i < last; i++) {
        size_t all = (size_t)n * layer_out_size(&net->arch.layers[i]);
        memset(cb->d_pre_lo[i], 0, sizeof(float) * all);
        memset(cb->d_pre_hi[i], 0, sizeof(float) * all);
        memset(cb->d_post_lo[i], 0, sizeof(float) * all);
        memset(cb->d_post_hi[i], 0, sizeof(float) * all);
    }
    for (int b = 0; b < n; b++) {
        size_t r0 = (size_t)b * K;
        const float *e = e_all + r0, *a_x = cb->a_x + r0 * in;
        const float *lo = c->x_lo + b * in, *hi = c->x_hi + b * in;
        for (int r = 0; r < K; r++) /* the box's corner each coefficient picked */
            for (size_t t = 0; t < in; t++)
                cb->adj[r * in + t] = e[r] * (a_x[r * in + t] >= 0.0f ? lo[t] : hi[t]);
        for (int i = 0; i < last; i++) {
            const layer_shape *l = &net->arch.layers[i];
            size_t osz = layer_out_size(l);
            const float *a_post = cb->a_post[i] + r0 * osz;
            if (l->kind == LAYER_POOL) {
                float *d_hi = i ? cb->d_post_hi[i - 1] + b * layer_in_size(l) : NULL;
                pool_adjoint(cb->adj_next, cb->adj, a_post, e, K, l, input_lo(c, i, b),
                             input_hi(c, i, b), d_hi);
            } else {
                affine_adjoint(cb, net, i, cb->a_pre[i] + r0 * osz, e, grads, work);
                if (l->relu)
                    relu_adjoint(cb->adj_next, a_post, e, K, osz, c->pre_lo[i] + b * osz,
                                 c->pre_hi[i] + b * osz, cb->d_pre_lo[i] + b * osz,
                                 cb->d_pre_hi[i] + b * osz);
            }
            swap_adjoints(cb);
        }
        /* the rows' start, W_y - W_j and b_y - b_j */
        const layer_shape *top = &net->arch.layers[last];
        size_t top_in = layer_in_size(top);
        float *dw = grads + net->w_off[last], *db = grads + net->b_off[last];
        for (int j = 0; j < K; j++) {
            if (j == y[b])
                continue;
            for (size_t t = 0; t < top_in; t++) {
                dw[y[b] * top_in + t] += cb->adj[j * top_in + t];
                dw[j * top_in + t] -= cb->adj[j * top_in + t];
            }
            db[y[b]] += e[j];
            db[j] -= e[j];
        }
    }
}
