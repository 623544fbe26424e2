/* The sequential network: one arena carved into parameters, gradients,
 * activations and workspaces at create time; forward, backward, the loss and
 * the gradient with respect to the input. */
#include "nn/net.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/aligned.h"
#include "base/error.h"
#include "base/rng.h"
#include "kernels/kernels.h"

#define MNIST_C 1
#define MNIST_H 28
#define MNIST_W 28

/* ------------------------------------------------------------- create */

/* Scratch floats a layer's kernels need: a conv's padded dy or its weight
 * gradient's lane sums, and a strided or padded conv's image copies. */
static size_t layer_workspace(const layer_shape *l)
{
    if (l->kind != LAYER_CONV)
        return 0;
    k_conv_shape s = layer_conv_shape(l);
    size_t fwd = k_conv_fwd_work(&s), bwd = k_conv_bwd_input_work(&s),
           wgrad = k_conv_wgrad_work(&s);
    size_t most = bwd > wgrad ? bwd : wgrad;
    return fwd > most ? fwd : most;
}

advlab_status advlab_net_create(const char *arch, int max_batch, uint64_t seed, advlab_net **out)
{
    arch_desc d;
    advlab_status st = advlab__arch_parse(arch, MNIST_C, MNIST_H, MNIST_W, &d);
    if (st)
        return st;
    if (max_batch < 1 || max_batch > 65536)
        return advlab__fail(ADVLAB_E_ARG, "max_batch %d is out of range 1..65536", max_batch);

    /* Count everything first, then carve one allocation. */
    size_t n_params = 0, n_act = 0, workspace = 0;
    for (int i = 0; i < d.n_layers; i++) {
        const layer_shape *l = &d.layers[i];
        n_params += advlab__layer_weights(l) + layer_biases(l);
        n_act += layer_out_size(l);
        if (layer_workspace(l) > workspace)
            workspace = layer_workspace(l);
    }
    const layer_shape *last = &d.layers[d.n_layers - 1];
    size_t in_size = layer_in_size(&d.layers[0]), classes = (size_t)last->out_c,
           B = (size_t)max_batch;
    /* Counted in 64 bits: on wasm32 size_t is 32 bits, and a large arch at a
     * large batch would wrap around into a small, wrong allocation. Each
     * buffer starts on a cache line (base/aligned.h): a line more per buffer
     * at most. */
    uint64_t lines = 2 * (uint64_t)d.n_layers + 6;
    uint64_t floats = 2 * (uint64_t)n_params    /* params, grads */
                      + 2 * (uint64_t)B * n_act /* activations, deltas */
                      + (uint64_t)B * in_size   /* dx */
                      + workspace               /* work */
                      + (uint64_t)B * classes   /* probs */
                      + lines * ADVLAB_LINE_FLOATS;
    if (floats > SIZE_MAX / sizeof(float))
        return advlab__fail(
            ADVLAB_E_NOMEM,
            "arch \"%s\" at batch %d needs %llu MB, more than this build can address", d.spec,
            max_batch, (unsigned long long)(floats * sizeof(float) >> 20));
    advlab_net *net = calloc(1, sizeof *net);
    float *arena = net ? advlab__aligned_alloc(sizeof(float) * (size_t)floats) : NULL;
    if (!arena) {
        free(net);
        return advlab__fail(ADVLAB_E_NOMEM, "arch \"%s\": cannot allocate %llu MB for batch %d",
                            d.spec, (unsigned long long)(floats * sizeof(float) >> 20), max_batch);
    }
    net->arch = d;
    net->max_batch = max_batch;
    net->in_size = (int)in_size;
    net->classes = (int)classes;
    net->n_params = n_params;
    net->arena = arena;
    float *p = arena;
    net->params = p, p += advlab__line_floats(n_params);
    net->grads = p, p += advlab__line_floats(n_params);
    size_t off = 0;
    for (int i = 0; i < d.n_layers; i++) {
        const layer_shape *l = &d.layers[i];
        net->w_off[i] = off, off += advlab__layer_weights(l);
        net->b_off[i] = off, off += layer_biases(l);
        net->act[i] = p, p += advlab__line_floats(B * layer_out_size(l));
        net->delta[i] = p, p += advlab__line_floats(B * layer_out_size(l));
    }
    net->dx = p, p += advlab__line_floats(B * in_size);
    net->work = p, p += advlab__line_floats(workspace);
    net->probs = p;
    memset(net->grads, 0, sizeof(float) * n_params);
    advlab_net_init(net, seed);
    *out = net;
    return ADVLAB_OK;
}

void advlab_net_free(advlab_net *net)
{
    if (!net)
        return;
    free(net->arena);
    free(net);
}

/* Keras' glorot_uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)),
 * where a conv's fans count its kernel area. Biases start at zero. */
void advlab_net_init(advlab_net *net, uint64_t seed)
{
    advlab_rng rng;
    advlab__rng_seed(&rng, seed, 1);
    for (int i = 0; i < net->arch.n_layers; i++) {
        const layer_shape *l = &net->arch.layers[i];
        size_t nw = advlab__layer_weights(l);
        if (!nw)
            continue;
        size_t area = l->kind == LAYER_CONV ? (size_t)l->k * l->k : 1;
        float fan_in = (float)(l->kind == LAYER_CONV ? l->in_c * area : layer_in_size(l));
        float fan_out = (float)(l->out_c * area);
        float limit = sqrtf(6.0f / (fan_in + fan_out));
        float *w = net->params + net->w_off[i];
        for (size_t j = 0; j < nw; j++)
            w[j] = (2.0f * advlab__rng_uniform(&rng) - 1.0f) * limit;
        memset(net->params + net->b_off[i], 0, sizeof(float) * layer_biases(l));
    }
}

/* ------------------------------------------------------------ getters */

const char *advlab_net_arch(const advlab_net *net) { return net->arch.spec; }
int advlab_net_max_batch(const advlab_net *net) { return net->max_batch; }
int advlab_net_input_size(const advlab_net *net) { return net->in_size; }
int advlab_net_classes(const advlab_net *net) { return net->classes; }
size_t advlab_net_param_count(const advlab_net *net) { return net->n_params; }
float *advlab_net_params(advlab_net *net) { return net->params; }
float *advlab_net_grads(advlab_net *net) { return net->grads; }

int advlab_net_tensor_count(const advlab_net *net)
{
    int n = 0;
    for (int i = 0; i < net->arch.n_layers; i++)
        n += net->arch.layers[i].kind == LAYER_POOL ? 0 : 2;
    return n;
}

advlab_status advlab_net_tensor(advlab_net *net, int index, advlab_tensor *out)
{
    int seen = 0;
    for (int i = 0; i < net->arch.n_layers; i++) {
        const layer_shape *l = &net->arch.layers[i];
        if (l->kind == LAYER_POOL)
            continue;
        if (index == seen + 1) { /* the bias follows its weight */
            *out = (advlab_tensor){
                l->bias_name, 1, {l->out_c, 0, 0, 0}, layer_biases(l), net->params + net->b_off[i]};
            return ADVLAB_OK;
        }
        if (index == seen) {
            *out = l->kind == LAYER_CONV ? (advlab_tensor){l->weight_name,
                                                           4,
                                                           {l->out_c, l->in_c, l->k, l->k},
                                                           advlab__layer_weights(l),
                                                           net->params + net->w_off[i]}
                                         : (advlab_tensor){l->weight_name,
                                                           2,
                                                           {l->out_c, (int)layer_in_size(l), 0, 0},
                                                           advlab__layer_weights(l),
                                                           net->params + net->w_off[i]};
            return ADVLAB_OK;
        }
        seen += 2;
    }
    return advlab__fail(ADVLAB_E_ARG, "tensor index %d is out of range 0..%d", index, seen - 1);
}

/* ------------------------------------------------------------ forward */

/* x is (n, in_size); leaves each layer's output in act[i]. */
static void forward(advlab_net *net, const float *x, int n)
{
    net->forward_images += (uint64_t)n;
    const float *in = x;
    for (int i = 0; i < net->arch.n_layers; i++) {
        const layer_shape *l = &net->arch.layers[i];
        const float *w = net->params + net->w_off[i], *bias = net->params + net->b_off[i];
        float *y = net->act[i];
        size_t isz = layer_in_size(l), osz = layer_out_size(l);
        switch (l->kind) {
        case LAYER_CONV: {
            k_conv_shape s = layer_conv_shape(l);
            k_conv_fwd(y, in, w, bias, n, &s, l->relu, net->work);
            break;
        }
        case LAYER_POOL:
            for (int b = 0; b < n; b++)
                k_maxpool2_fwd(y + b * osz, in + b * isz, l->in_c, l->in_h, l->in_w);
            break;
        case LAYER_DENSE: /* y (n, out) = x (n, in) . W^T, W (out, in) */
            k_gemm_nt(n, l->out_c, (int)isz, in, (int)isz, w, (int)isz, y, l->out_c, 0);
            k_bias_cols_fwd(y, bias, n, l->out_c, l->relu);
            break;
        }
        in = y;
    }
}

/* ----------------------------------------------------------- backward */

/* Zeroes the parameter gradients that backward accumulates: all but the dense
 * layers' weights, which it writes. Those are most of a wide net's
 * parameters (Madry's dense layer: 1M of 1.1M), and each data-parallel shard
 * takes a gradient of its own, so zeroing them cost a pass over 4 MB per
 * 8-image shard, and accumulating another. The bits are the same: the GEMM
 * starts its sums from +0 either way. */
static void zero_accumulated_grads(advlab_net *net)
{
    for (int i = 0; i < net->arch.n_layers; i++) {
        const layer_shape *l = &net->arch.layers[i];
        size_t first = l->kind == LAYER_DENSE ? net->b_off[i] : net->w_off[i];
        memset(net->grads + first, 0, sizeof(float) * (net->b_off[i] + layer_biases(l) - first));
    }
}

/* Back-propagates delta[last] (dloss/dlogits, set by the caller) through the
 * net. want_params writes the dense layers' weight gradients and accumulates
 * the rest into grads, zeroed first (zero_accumulated_grads); want_input
 * writes dloss/dx to net->dx. Layer 0's input gradient is skipped unless
 * wanted, which is most of the saving when training. */
static void backward(advlab_net *net, const float *x, int n, int want_params, int want_input)
{
    net->backward_images += (uint64_t)n;
    for (int i = net->arch.n_layers - 1; i >= 0; i--) {
        const layer_shape *l = &net->arch.layers[i];
        const float *in = i ? net->act[i - 1] : x;
        float *din = i ? net->delta[i - 1] : (want_input ? net->dx : NULL);
        const float *w = net->params + net->w_off[i];
        float *dw = net->grads + net->w_off[i], *db = net->grads + net->b_off[i];
        float *dy = net->delta[i];
        size_t isz = layer_in_size(l), osz = layer_out_size(l);
        if (l->relu)
            k_relu_bwd(dy, net->act[i], n * osz);
        switch (l->kind) {
        case LAYER_CONV: {
            k_conv_shape s = layer_conv_shape(l);
            if (want_params) {
                k_conv_wgrad(dw, dy, in, n, &s, net->work);
                for (int b = 0; b < n; b++)
                    k_sum_rows(db, dy + b * osz, l->out_c, l->out_h * l->out_w);
            }
            if (din)
                k_conv_bwd_input(din, dy, w, n, &s, net->work);
            break;
        }
        case LAYER_POOL:
            if (din)
                for (int b = 0; b < n; b++)
                    k_maxpool2_bwd(din + b * isz, dy + b * osz, in + b * isz, net->act[i] + b * osz,
                                   l->in_c, l->in_h, l->in_w);
            break;
        case LAYER_DENSE:
            if (want_params) { /* dW (out, in) = dy^T (out, n) . x (n, in) */
                k_gemm_nn(l->out_c, (int)isz, n, dy, l->out_c, 1, in, (int)isz, dw, (int)isz, 0);
                k_sum_cols(db, dy, n, l->out_c);
            }
            if (din) /* dx (n, in) = dy (n, out) . W (out, in) */
                k_gemm_nn(n, (int)isz, l->out_c, dy, l->out_c, 0, w, (int)isz, din, (int)isz, 0);
            break;
        }
    }
}

/* ------------------------------------------------------ public passes */

static advlab_status check_inputs(const advlab_net *net, const float *x, const int32_t *y, int n,
                                  int max_n)
{
    if (n < 1 || n > max_n)
        return advlab__fail(ADVLAB_E_ARG, "batch of %d images is out of range 1..%d", n, max_n);
    if (!x)
        return advlab__fail(ADVLAB_E_ARG, "input images: NULL");
    TRY(advlab__check_finite(x, n, net->in_size, "input"));
    if (y)
        for (int b = 0; b < n; b++)
            if (y[b] < 0 || y[b] >= net->classes)
                return advlab__fail(ADVLAB_E_ARG, "label of image %d is %d, outside 0..%d", b,
                                    (int)y[b], net->classes - 1);
    return ADVLAB_OK;
}

static float *logits(advlab_net *net) { return net->act[net->arch.n_layers - 1]; }
static float *dlogits_buffer(advlab_net *net) { return net->delta[net->arch.n_layers - 1]; }

advlab_status advlab_net_predict(advlab_net *net, const float *x, int n, float *probs)
{
    advlab_status st = check_inputs(net, x, NULL, n, 1 << 30);
    if (st)
        return st;
    for (int b0 = 0; b0 < n; b0 += net->max_batch) {
        int m = n - b0 < net->max_batch ? n - b0 : net->max_batch;
        forward(net, x + (size_t)b0 * net->in_size, m);
        k_softmax_xent(probs + (size_t)b0 * net->classes, NULL, logits(net), NULL, m, net->classes,
                       0.0f, NULL);
    }
    return ADVLAB_OK;
}

double advlab__net_train_step_grad(advlab_net *net, const float *x, const int32_t *y, int n,
                                   int *correct)
{
    forward(net, x, n);
    double loss = k_softmax_xent(net->probs, dlogits_buffer(net), logits(net), y, n, net->classes,
                                 1.0f / (float)n, correct);
    zero_accumulated_grads(net);
    backward(net, x, n, 1, 0);
    return loss / n;
}

advlab_status advlab_net_loss_grad(advlab_net *net, const float *x, const int32_t *y, int n,
                                   float *loss)
{
    advlab_status st = check_inputs(net, x, y, n, net->max_batch);
    if (st)
        return st;
    if (!y)
        return advlab__fail(ADVLAB_E_ARG, "labels: NULL");
    double l = advlab__net_train_step_grad(net, x, y, n, NULL);
    if (loss)
        *loss = (float)l;
    return ADVLAB_OK;
}

advlab_status advlab_net_input_grad(advlab_net *net, const float *x, const int32_t *y, int n,
                                    float *grad, float *loss)
{
    advlab_status st = check_inputs(net, x, y, n, 1 << 30);
    if (st)
        return st;
    if (!y || !grad)
        return advlab__fail(ADVLAB_E_ARG, "%s: NULL", y ? "grad" : "labels");
    double total = 0.0;
    for (int b0 = 0; b0 < n; b0 += net->max_batch) {
        int m = n - b0 < net->max_batch ? n - b0 : net->max_batch;
        const float *xb = x + (size_t)b0 * net->in_size;
        forward(net, xb, m);
        total += k_softmax_xent(net->probs, dlogits_buffer(net), logits(net), y + b0, m,
                                net->classes, 1.0f, NULL);
        backward(net, xb, m, 0, 1);
        memcpy(grad + (size_t)b0 * net->in_size, net->dx, sizeof(float) * (size_t)m * net->in_size);
    }
    if (loss)
        *loss = (float)(total / n);
    return ADVLAB_OK;
}

const float *advlab__net_logits(advlab_net *net, const float *x, int n)
{
    forward(net, x, n);
    return logits(net);
}

void advlab__net_backward_params(advlab_net *net, const float *x, int n, const float *dlogits)
{
    memcpy(dlogits_buffer(net), dlogits, sizeof(float) * (size_t)n * net->classes);
    zero_accumulated_grads(net);
    backward(net, x, n, 1, 0);
}

void advlab__net_backward_input(advlab_net *net, const float *x, int n, const float *dlogits,
                                float *dx)
{
    memcpy(dlogits_buffer(net), dlogits, sizeof(float) * (size_t)n * net->classes);
    backward(net, x, n, 0, 1);
    memcpy(dx, net->dx, sizeof(float) * (size_t)n * net->in_size);
}

advlab_status advlab__net_check_dataset(const advlab_net *net, const advlab_dataset *ds)
{
    if (!ds)
        return advlab__fail(ADVLAB_E_ARG, "dataset: NULL");
    if (advlab_dataset_height(ds) * advlab_dataset_width(ds) != net->in_size)
        return advlab__fail(ADVLAB_E_ARG, "dataset images are %dx%d, the net expects %d pixels",
                            advlab_dataset_height(ds), advlab_dataset_width(ds), net->in_size);
    const uint8_t *labels = advlab_dataset_labels(ds);
    for (int i = 0; i < advlab_dataset_count(ds); i++)
        if (labels[i] >= net->classes)
            return advlab__fail(ADVLAB_E_ARG,
                                "dataset label %d of sample %d is not below the net's %d classes",
                                labels[i], i, net->classes);
    return ADVLAB_OK;
}

advlab_status advlab_net_evaluate(advlab_net *net, const advlab_dataset *ds, int limit,
                                  double *accuracy, int32_t *confusion)
{
    advlab_status st = advlab__net_check_dataset(net, ds);
    if (st)
        return st;
    int total = advlab_dataset_count(ds);
    if (limit > 0 && limit < total)
        total = limit;
    if (confusion)
        memset(confusion, 0, sizeof(int32_t) * net->classes * net->classes);
    int32_t idx[256], y[256];
    int chunk = net->max_batch < 256 ? net->max_batch : 256, hits = 0;
    /* The dx buffer holds max_batch images and is free during evaluation. */
    for (int b0 = 0; b0 < total; b0 += chunk) {
        int m = total - b0 < chunk ? total - b0 : chunk;
        for (int j = 0; j < m; j++)
            idx[j] = b0 + j;
        advlab_dataset_gather(ds, idx, m, net->dx, y);
        forward(net, net->dx, m);
        for (int j = 0; j < m; j++) {
            int best = advlab__argmax(logits(net) + (size_t)j * net->classes, net->classes);
            hits += best == y[j];
            if (confusion)
                confusion[y[j] * net->classes + best]++;
        }
    }
    *accuracy = total ? (double)hits / total : 0.0;
    return ADVLAB_OK;
}

/* ----------------------------------------------------------- metadata */

advlab_status advlab_net_set_meta(advlab_net *net, const char *key, const char *value)
{
    if (!key || !*key || strlen(key) >= ADVLAB_META_KEY)
        return advlab__fail(ADVLAB_E_ARG, "metadata key must be 1..%d characters",
                            ADVLAB_META_KEY - 1);
    if (!value || strlen(value) >= ADVLAB_META_VALUE)
        return advlab__fail(ADVLAB_E_ARG, "metadata \"%s\": value must be at most %d characters",
                            key, ADVLAB_META_VALUE - 1);
    int slot = -1;
    for (int i = 0; i < net->n_meta && slot < 0; i++)
        if (strcmp(net->meta[i].key, key) == 0)
            slot = i;
    if (slot < 0) {
        if (net->n_meta == ADVLAB_META_MAX)
            return advlab__fail(ADVLAB_E_ARG, "metadata \"%s\": more than %d entries", key,
                                ADVLAB_META_MAX);
        slot = net->n_meta++;
        strcpy(net->meta[slot].key, key);
    }
    strcpy(net->meta[slot].value, value);
    return ADVLAB_OK;
}

const char *advlab_net_meta(const advlab_net *net, const char *key)
{
    for (int i = 0; i < net->n_meta; i++)
        if (strcmp(net->meta[i].key, key) == 0)
            return net->meta[i].value;
    return NULL;
}

void advlab__net_meta_clear(advlab_net *net) { net->n_meta = 0; }

int advlab__net_meta_count(const advlab_net *net) { return net->n_meta; }

const char *advlab__net_meta_key(const advlab_net *net, int i) { return net->meta[i].key; }
