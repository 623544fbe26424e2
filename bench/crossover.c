/* The kernel bench's crossover (kernels.h): how long the sparse paths of a conv's two gradients
 * (src/kernels/conv_sparse.c) take against the dense tiles, as dy thins. The kernels choose a
 * path by counting dy's non-zeros; this calls the sparse paths directly at any share of
 * non-zeros, so that the shares at which they choose can be read off. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "kernels.h"
#include "kernels/conv_sparse.h"
#include "kernels/kernels.h"

#define SECONDS 0.05 /* per figure and round */

static const double shares[] = {0.05, 0.1, 0.2, 0.3, 0.5};
#define N_SHARES ((int)(sizeof shares / sizeof shares[0]))

typedef struct {
    const char *arch, *layer;
    k_conv_shape s;
} layer_case;

/* The conv layers of ART's tutorial CNN and of Madry's net (kernels.c's cases). */
static const layer_case layers[] = {{"tutorial", "conv1", {1, 28, 28, 4, 5, 1, 0}},
                                    {"tutorial", "conv2", {4, 12, 12, 10, 5, 1, 0}},
                                    {"madry", "conv1", {1, 28, 28, 32, 5, 1, 0}},
                                    {"madry", "conv2", {32, 12, 12, 64, 5, 1, 0}}};
#define N_LAYERS ((int)(sizeof layers / sizeof layers[0]))

/* One layer's buffers, for n images: dy dense and thinned, and every path's scratch. */
typedef struct {
    float *x, *w, *dy, *thin, *dx, *dw, *work, *wt, *dxt, *lanes, *val;
    int32_t *at, *list;
} buffers;

static int buffers_make(buffers *b, const k_conv_shape *s, int n)
{
    size_t outputs = (size_t)k_conv_out_h(s) * k_conv_out_w(s);
    size_t nx = (size_t)n * s->c * s->h * s->w, ny = (size_t)n * s->oc * outputs;
    size_t nw = (size_t)s->oc * s->c * s->k * s->k;
    size_t work = k_conv_wgrad_work(s) > k_conv_bwd_input_work(s) ? k_conv_wgrad_work(s)
                                                                  : k_conv_bwd_input_work(s);
    *b = (buffers){kernels_filled(nx),
                   kernels_filled(nw),
                   kernels_filled(ny),
                   kernels_filled(ny),
                   kernels_filled(nx),
                   kernels_filled(nw),
                   kernels_filled(work),
                   kernels_filled(nw),
                   kernels_filled((size_t)s->c * s->h * s->w),
                   kernels_filled(5 * nw),
                   kernels_filled(n * outputs),
                   malloc(sizeof(int32_t) * n * outputs),
                   malloc(sizeof(int32_t) * outputs)};
    return b->x && b->w && b->dy && b->thin && b->dx && b->dw && b->work && b->wt && b->dxt &&
                   b->lanes && b->val && b->at && b->list
               ? 0
               : -1;
}

static void buffers_free(buffers *b)
{
    free(b->x), free(b->w), free(b->dy), free(b->thin), free(b->dx), free(b->dw), free(b->work);
    free(b->wt), free(b->dxt), free(b->lanes), free(b->val), free(b->at), free(b->list);
}

/* thin = dy with about `share` of its elements kept, at places spread by a hash. */
static void thin_to(buffers *b, size_t count, double share)
{
    for (size_t i = 0; i < count; i++)
        b->thin[i] = (double)((i * 2246822519u) % 10007) < share * 10007 ? b->dy[i] : 0.0f;
}

/* One call: the public kernel on the dense dy (the tiles), or the sparse path on thin. */
static void call(const buffers *b, const k_conv_shape *s, int n, int weights, int sparse)
{
    size_t isz = (size_t)s->c * s->h * s->w,
           osz = (size_t)s->oc * k_conv_out_h(s) * k_conv_out_w(s);
    size_t nw = (size_t)s->oc * s->c * s->k * s->k;
    if (!sparse && weights)
        k_conv_wgrad(b->dw, b->dy, b->x, n, s, b->work);
    else if (!sparse)
        k_conv_bwd_input(b->dx, b->dy, b->w, n, s, b->work);
    else if (weights) {
        k__wgrad_block a = {b->thin, b->x, n, isz, osz, b->lanes, b->lanes + 4 * nw, b->at, b->val};
        k__conv_wgrad_sparse(&a, s);
    } else
        for (int i = 0; i < n; i++)
            k__conv_bwd_input_sparse(b->dx + i * isz, b->thin + i * osz, b->w,
                                     s->c % 4 ? NULL : b->wt, s, b->dxt, b->list);
}

static double seconds_per_call(const buffers *b, const k_conv_shape *s, int n, int weights,
                               int sparse)
{
    call(b, s, n, weights, sparse); /* warm */
    double start = advlab__now_seconds(), elapsed;
    long calls = 0;
    do {
        call(b, s, n, weights, sparse);
        calls++;
    } while ((elapsed = advlab__now_seconds() - start) < SECONDS);
    return elapsed / calls;
}

static double least(double a, double b) { return a < b ? a : b; }

int crossover_json(int images, int rounds, char *out, int cap)
{
    double dense[N_LAYERS][2], sparse[N_LAYERS][2][N_SHARES];
    int len = snprintf(out, cap, "[");
    for (int l = 0; l < N_LAYERS && len >= 0 && len < cap; l++) {
        const k_conv_shape *s = &layers[l].s;
        size_t ny = (size_t)images * s->oc * k_conv_out_h(s) * k_conv_out_w(s);
        buffers b;
        if (buffers_make(&b, s, images)) {
            buffers_free(&b);
            return -1;
        }
        for (int weights = 0; weights < 2; weights++) {
            dense[l][weights] = 1e30;
            for (int i = 0; i < N_SHARES; i++)
                sparse[l][weights][i] = 1e30;
        }
        for (int r = 0; r < rounds; r++)
            for (int weights = 0; weights < 2; weights++) {
                dense[l][weights] =
                    least(dense[l][weights], seconds_per_call(&b, s, images, weights, 0));
                for (int i = 0; i < N_SHARES; i++) {
                    thin_to(&b, ny, shares[i]);
                    sparse[l][weights][i] =
                        least(sparse[l][weights][i], seconds_per_call(&b, s, images, weights, 1));
                }
            }
        buffers_free(&b);
        for (int weights = 1; weights >= 0 && len >= 0 && len < cap; weights--) {
            len += snprintf(out + len, cap - len,
                            "%s{\"arch\": \"%s\", \"layer\": \"%s\", \"pass\": \"%s\", "
                            "\"nonzero\": [",
                            l || weights == 0 ? ", " : "", layers[l].arch, layers[l].layer,
                            weights ? "weight gradient" : "input gradient");
            for (int i = 0; i < N_SHARES && len >= 0 && len < cap; i++)
                len += snprintf(out + len, cap - len, "%s%.2f", i ? ", " : "", shares[i]);
            len += len >= 0 && len < cap
                       ? snprintf(out + len, cap - len, "], \"sparse_over_dense\": [")
                       : 0;
            for (int i = 0; i < N_SHARES && len >= 0 && len < cap; i++)
                len += snprintf(out + len, cap - len, "%s%.3f", i ? ", " : "",
                                sparse[l][weights][i] / dense[l][weights]);
            len += len >= 0 && len < cap ? snprintf(out + len, cap - len, "]}") : 0;
        }
    }
    if (len >= 0 && len < cap)
        len += snprintf(out + len, cap - len, "]");
    return len >= 0 && len < cap ? len : -1;
}
