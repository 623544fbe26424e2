/* Interval bound propagation (Gowal et al. 2018): each layer maps the box
 * of its inputs to a box containing all its outputs. Affine layers use the
 * W+/W- interval kernels, ReLU clamps both ends, and max-pooling pools both
 * ends (max is monotone). */
#include <string.h>

#include "base/mathf.h"
#include "certify/certify.h"
#include "kernels/kernels.h"

void advlab__ibp_boxes(advlab_certifier *c, const float *x, const float *eps, int n)
{
    size_t in = (size_t)c->net->in_size;
    for (int b = 0; b < n; b++)
        for (size_t i = 0; i < in; i++) {
            float v = x[b * in + i];
            c->x_lo[b * in + i] = advlab__clip01(v - eps[b]);
            c->x_hi[b * in + i] = advlab__clip01(v + eps[b]);
        }
}

void advlab__ibp_forward(advlab_certifier *c, int n, int from)
{
    const advlab_net *net = c->net;
    for (int i = from; i < net->arch.n_layers; i++) {
        const layer_shape *l = &net->arch.layers[i];
        const float *w = net->params + net->w_off[i], *bias = net->params + net->b_off[i];
        const float *in_lo = i ? c->post_lo[i - 1] : c->x_lo;
        const float *in_hi = i ? c->post_hi[i - 1] : c->x_hi;
        size_t isz = layer_in_size(l), osz = layer_out_size(l);
        switch (l->kind) {
        case LAYER_CONV: {
            k_conv_shape s = layer_conv_shape(l);
            k_interval_conv_fwd(c->pre_lo[i], c->pre_hi[i], in_lo, in_hi, w, bias, n, &s,
                                c->conv_work);
            break;
        }
        case LAYER_DENSE:
            k_interval_dense_fwd(c->pre_lo[i], c->pre_hi[i], in_lo, in_hi, w, bias, n, (int)isz,
                                 l->out_c);
            break;
        case LAYER_POOL:
            for (int b = 0; b < n; b++) {
                k_maxpool2_fwd(c->post_lo[i] + b * osz, in_lo + b * isz, l->in_c, l->in_h, l->in_w);
                k_maxpool2_fwd(c->post_hi[i] + b * osz, in_hi + b * isz, l->in_c, l->in_h, l->in_w);
            }
            continue;
        }
        memcpy(c->post_lo[i], c->pre_lo[i], sizeof(float) * n * osz);
        memcpy(c->post_hi[i], c->pre_hi[i], sizeof(float) * n * osz);
        if (l->relu)
            k_interval_relu(c->post_lo[i], c->post_hi[i], n * osz);
    }
}

void advlab__ibp_margin(advlab_certifier *c, int b, int label)
{
    const advlab_net *net = c->net;
    int last = net->arch.n_layers - 1, K = net->classes;
    const layer_shape *l = &net->arch.layers[last];
    int in = (int)layer_in_size(l);
    const float *w = net->params + net->w_off[last], *bias = net->params + net->b_off[last];
    /* Row j: z_label - z_j = (W_label - W_j) . h + (b_label - b_j). */
    for (int j = 0; j < K; j++) {
        for (int i = 0; i < in; i++)
            c->diff_w[(size_t)j * in + i] = w[(size_t)label * in + i] - w[(size_t)j * in + i];
        c->diff_b[j] = bias[label] - bias[j];
    }
    const float *in_lo = last ? c->post_lo[last - 1] : c->x_lo;
    const float *in_hi = last ? c->post_hi[last - 1] : c->x_hi;
    k_interval_dense_fwd(c->margin_lo + (size_t)b * K, c->margin_hi + (size_t)b * K,
                         in_lo + (size_t)b * in, in_hi + (size_t)b * in, c->diff_w, c->diff_b, 1,
                         in, K);
}
