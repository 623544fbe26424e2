/* The certifier: its config table, its memory, and the public calls. A
 * certified radius is found by bisection: IBP's and CROWN's bounds only
 * grow with eps, so "proved at eps" holds on an interval [0, eps*]. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "certify/certify.h"
#include "kernels/kernels.h"

/* Bisection halvings on [0, 1]: 2^-10 < 1e-3. */
#define RADIUS_STEPS 10
/* The PCG stream of smoothing's noise. */
#define NOISE_STREAM 7

static const char *const methods[] = {"ibp", "crown", "smoothing", NULL};

#define FIELD(key) offsetof(advlab_certify_config, key)
#define BOUNDS ((1u << ADVLAB_CERTIFY_IBP) | (1u << ADVLAB_CERTIFY_CROWN))
#define SMOOTH (1u << ADVLAB_CERTIFY_SMOOTHING)

static const advlab__cfg_field certify_fields[] = {
    {"eps", ADVLAB__CFG_FLOAT, FIELD(eps), 0.1, 0, 100, 0, 0, NULL,
     "radius to prove: L-inf for ibp and crown, L2 for smoothing"},
    {"radius", ADVLAB__CFG_FLAG, FIELD(radius), 1, 0, 1, 0, BOUNDS, NULL,
     "also find each image's largest provable eps (bisection to 1e-3)"},
    {"sigma", ADVLAB__CFG_FLOAT, FIELD(sigma), 0.25, 0, 10, ADVLAB__CFG_MIN_OPEN, SMOOTH, NULL,
     "std of the Gaussian noise"},
    {"n0", ADVLAB__CFG_INT, FIELD(n0), 100, 1, 10000000, 0, SMOOTH, NULL,
     "noisy samples that choose the class"},
    {"n", ADVLAB__CFG_INT, FIELD(n), 1000, 1, 10000000, 0, SMOOTH, NULL,
     "noisy samples that bound its probability (and vote in PREDICT)"},
    {"alpha", ADVLAB__CFG_FLOAT, FIELD(alpha), 0.001, 0, 0.5,
     ADVLAB__CFG_MIN_OPEN | ADVLAB__CFG_MAX_OPEN, SMOOTH, NULL,
     "failure probability of the certificate"},
    {"batch", ADVLAB__CFG_INT, FIELD(batch), 100, 1, 65536, 0, SMOOTH, NULL,
     "noisy images per forward pass (at most the net's max_batch)"},
    {"seed", ADVLAB__CFG_SEED, FIELD(seed), 1, 0, 0, 0, SMOOTH, NULL, "the noise"},
};

const advlab__cfg_spec advlab__certify_spec = ADVLAB__CFG_SPEC(
    "certify", advlab_certify_config, methods, FIELD(method), certify_fields, NULL);

advlab_status advlab_certify_config_default(const char *name, advlab_certify_config *cfg)
{
    return advlab__cfg_defaults(&advlab__certify_spec, name, cfg);
}

advlab_status advlab_certify_config_set(advlab_certify_config *cfg, const char *key, double value)
{
    return advlab__cfg_set(&advlab__certify_spec, cfg, key, value);
}

static const char *method_name(const advlab_certifier *c)
{
    return advlab__cfg_kind_name(&advlab__certify_spec, c->cfg.method);
}

/* ------------------------------------------------------------- create */

/* The size of the widest layer input or output. */
static size_t widest(const advlab_net *net)
{
    size_t w = (size_t)net->in_size;
    for (int i = 0; i < net->arch.n_layers; i++) {
        size_t o = layer_out_size(&net->arch.layers[i]);
        w = o > w ? o : w;
    }
    return w;
}

static size_t conv_work(const advlab_net *net)
{
    size_t w = 0;
    for (int i = 0; i < net->arch.n_layers; i++) {
        const layer_shape *l = &net->arch.layers[i];
        if (l->kind != LAYER_CONV)
            continue;
        k_conv_shape s = layer_conv_shape(l);
        size_t bwd = k_conv_bwd_input_work(&s), fwd = k_interval_conv_fwd_work(&s);
        w = bwd > w ? bwd : w;
        w = fwd > w ? fwd : w;
    }
    return w;
}

advlab_status advlab_certifier_create(advlab_net *net, const advlab_certify_config *cfg,
                                      advlab_certifier **out)
{
    if (!net || !cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "certify: net, config and out are required");
    TRY(advlab__cfg_check(&advlab__certify_spec, cfg));
    if (cfg->method == ADVLAB_CERTIFY_SMOOTHING && cfg->n0 > cfg->n)
        return advlab__fail(ADVLAB_E_ARG,
                            "certify smoothing: n0 %d is larger than n %d (n0 only chooses the "
                            "class; n bounds its probability)",
                            cfg->n0, cfg->n);
    const arch_desc *d = &net->arch;
    size_t chunk = CERTIFY_CHUNK, in = (size_t)net->in_size, K = (size_t)net->classes;
    size_t last_in = layer_in_size(&d->layers[d->n_layers - 1]), wide = widest(net);
    uint64_t floats = 2 * chunk * in + 2 * K * chunk + K * last_in + K;
    for (int i = 0; i < d->n_layers; i++)
        floats += (d->layers[i].kind == LAYER_POOL ? 2 : 4) * chunk * layer_out_size(&d->layers[i]);
    floats += 2 * (uint64_t)CROWN_ROWS * wide + conv_work(net) + CROWN_ROWS;
    floats += 2 * (uint64_t)CROWN_ROWS;                       /* crown_const, doubles */
    floats += (uint64_t)net->max_batch * in + chunk * in + K; /* noisy, images, counts */
    if (floats > SIZE_MAX / sizeof(float))
        return advlab__fail(ADVLAB_E_NOMEM,
                            "certify: arch \"%s\" needs more memory than this build can address",
                            d->spec);
    advlab_certifier *c = calloc(1, sizeof *c);
    float *p = c ? malloc(sizeof(float) * (size_t)floats) : NULL;
    if (!p) {
        free(c);
        return advlab__fail(ADVLAB_E_NOMEM, "certify: cannot allocate %llu MB for arch \"%s\"",
                            (unsigned long long)(floats * sizeof(float) >> 20), d->spec);
    }
    c->net = net;
    c->cfg = *cfg;
    c->arena = p;
    c->crown_const = (double *)p, p += 2 * CROWN_ROWS; /* first: double alignment */
    c->x_lo = p, p += chunk * in;
    c->x_hi = p, p += chunk * in;
    for (int i = 0; i < d->n_layers; i++) {
        size_t o = chunk * layer_out_size(&d->layers[i]);
        c->post_lo[i] = p, p += o;
        c->post_hi[i] = p, p += o;
        if (d->layers[i].kind == LAYER_POOL) {
            c->pre_lo[i] = c->post_lo[i], c->pre_hi[i] = c->post_hi[i];
        } else {
            c->pre_lo[i] = p, p += o;
            c->pre_hi[i] = p, p += o;
        }
    }
    c->diff_w = p, p += K * last_in;
    c->diff_b = p, p += K;
    c->margin_lo = p, p += chunk * K;
    c->margin_hi = p, p += chunk * K;
    c->crown_a = p, p += (size_t)CROWN_ROWS * wide;
    c->crown_b = p, p += (size_t)CROWN_ROWS * wide;
    c->conv_work = p, p += conv_work(net);
    c->crown_out = p, p += CROWN_ROWS;
    c->noisy = p, p += (size_t)net->max_batch * in;
    c->images = p, p += chunk * in;
    c->counts = (int32_t *)p;
    *out = c;
    return ADVLAB_OK;
}

void advlab_certifier_free(advlab_certifier *c)
{
    if (!c)
        return;
    free(c->arena);
    free(c);
}

/* -------------------------------------------------------------- bounds */

static advlab_status check_images(const advlab_certifier *c, const float *x, const int32_t *y,
                                  int n)
{
    if (!x)
        return advlab__fail(ADVLAB_E_ARG, "certify: input images: NULL");
    if (n < 1)
        return advlab__fail(ADVLAB_E_ARG, "certify: %d images; at least 1 is needed", n);
    TRY(advlab__check_finite(x, n, c->net->in_size, "certify: input"));
    if (y)
        for (int b = 0; b < n; b++)
            if (y[b] < 0 || y[b] >= c->net->classes)
                return advlab__fail(ADVLAB_E_ARG, "certify: label of image %d is %d, outside 0..%d",
                                    b, (int)y[b], c->net->classes - 1);
    return ADVLAB_OK;
}

/* The net's classes of n <= max_batch images. */
static void predict(advlab_certifier *c, const float *x, int n, int *classes)
{
    const float *z = advlab__net_logits(c->net, x, n);
    for (int b = 0; b < n; b++)
        classes[b] = advlab__argmax(z + (size_t)b * c->net->classes, c->net->classes);
}

/* Whether image b's margin bounds prove its label (every j != label > 0). */
static int proved(const advlab_certifier *c, int b, int label, float *worst)
{
    const float *m = c->margin_lo + (size_t)b * c->net->classes;
    float low = INFINITY;
    for (int j = 0; j < c->net->classes; j++)
        if (j != label && m[j] < low)
            low = m[j];
    if (worst)
        *worst = low;
    return low > 0.0f;
}

/* Margin bounds of n <= CERTIFY_CHUNK images at eps[b] each, proved[b] and
 * the worst margin. CROWN works image by image in slot 0. */
static void bound_batch(advlab_certifier *c, const float *x, const int *labels, const float *eps,
                        int n, int *ok, float *worst)
{
    size_t in = (size_t)c->net->in_size, K = (size_t)c->net->classes;
    if (c->cfg.method == ADVLAB_CERTIFY_CROWN) {
        for (int b = 0; b < n; b++) {
            advlab__ibp_boxes(c, x + b * in, eps + b, 1);
            advlab__ibp_forward(c, 1, 0);
            advlab__crown_margin(c, labels[b]);
            memcpy(c->margin_lo + b * K, c->margin_lo, sizeof(float) * K);
            ok[b] = proved(c, b, labels[b], worst ? worst + b : NULL);
        }
        return;
    }
    advlab__ibp_boxes(c, x, eps, n);
    advlab__ibp_forward(c, n, 0);
    for (int b = 0; b < n; b++) {
        advlab__ibp_margin(c, b, labels[b]);
        ok[b] = proved(c, b, labels[b], worst ? worst + b : NULL);
    }
}

advlab_status advlab_certifier_bounds(advlab_certifier *c, const float *x, int label, float eps,
                                      float *lower, float *upper, float *margin)
{
    if (!c)
        return advlab__fail(ADVLAB_E_ARG, "certify: certifier: NULL");
    if (c->cfg.method == ADVLAB_CERTIFY_SMOOTHING)
        return advlab__fail(ADVLAB_E_ARG,
                            "certify smoothing: gives a vote and a radius, not logit bounds (use "
                            "ibp or crown)");
    if (!(eps >= 0.0f) || eps > 100.0f) /* also NaN */
        return advlab__fail(ADVLAB_E_ARG, "certify %s: eps %g must be finite and in 0..100",
                            method_name(c), (double)eps);
    TRY(check_images(c, x, NULL, 1));
    int K = c->net->classes;
    if (label >= K)
        return advlab__fail(ADVLAB_E_ARG, "certify: label %d is outside 0..%d", label, K - 1);
    if (label < 0)
        predict(c, x, 1, &label);
    int ok;
    bound_batch(c, x, &label, &eps, 1, &ok, NULL);
    int last = c->net->arch.n_layers - 1;
    if (lower)
        memcpy(lower, c->pre_lo[last], sizeof(float) * K);
    if (upper)
        memcpy(upper, c->pre_hi[last], sizeof(float) * K);
    if (margin) {
        memcpy(margin, c->margin_lo, sizeof(float) * K);
        margin[label] = 0.0f;
    }
    return ADVLAB_OK;
}

/* ----------------------------------------------------------------- run */

/* Certificates of n <= CERTIFY_CHUNK images (and <= max_batch). */
static void run_bounds(advlab_certifier *c, const float *x, const int32_t *y, int n,
                       advlab_certificate *out)
{
    int predicted[CERTIFY_CHUNK], labels[CERTIFY_CHUNK], ok[CERTIFY_CHUNK];
    float eps[CERTIFY_CHUNK], worst[CERTIFY_CHUNK], lo[CERTIFY_CHUNK], hi[CERTIFY_CHUNK];
    predict(c, x, n, predicted);
    for (int b = 0; b < n; b++) {
        labels[b] = y ? y[b] : predicted[b];
        eps[b] = c->cfg.eps;
    }
    bound_batch(c, x, labels, eps, n, ok, worst);
    for (int b = 0; b < n; b++)
        out[b] = (advlab_certificate){predicted[b], labels[b], ok[b], -1.0, worst[b]};
    if (!c->cfg.radius)
        return;
    for (int b = 0; b < n; b++)
        lo[b] = 0.0f, hi[b] = 1.0f;
    for (int step = 0; step < RADIUS_STEPS; step++) {
        for (int b = 0; b < n; b++)
            eps[b] = 0.5f * (lo[b] + hi[b]);
        bound_batch(c, x, labels, eps, n, ok, NULL);
        for (int b = 0; b < n; b++)
            *(ok[b] ? &lo[b] : &hi[b]) = eps[b];
    }
    for (int b = 0; b < n; b++)
        out[b].radius = lo[b];
}

static void run_smoothing(advlab_certifier *c, const float *x, const int32_t *y, int n,
                          advlab_certificate *out)
{
    size_t in = (size_t)c->net->in_size;
    for (int b = 0; b < n; b++) {
        int predicted, chosen;
        double p_lower;
        double radius;
        advlab__smoothing_run(c, x + b * in, &predicted, &chosen, &p_lower, &radius);
        int label = y ? y[b] : chosen;
        int holds = chosen >= 0 && chosen == label;
        out[b] =
            (advlab_certificate){predicted, label, holds && radius > 0.0 && radius >= c->cfg.eps,
                                 holds ? radius : 0.0, p_lower};
    }
}

advlab_status advlab_certifier_run(advlab_certifier *c, const float *x, const int32_t *y, int n,
                                   advlab_certificate *out)
{
    if (!c || !out)
        return advlab__fail(ADVLAB_E_ARG, "certify: certifier and out are required");
    TRY(check_images(c, x, y, n));
    advlab__rng_seed(&c->rng, c->cfg.seed, NOISE_STREAM);
    c->has_spare = 0;
    int chunk = c->net->max_batch < CERTIFY_CHUNK ? c->net->max_batch : CERTIFY_CHUNK;
    size_t in = (size_t)c->net->in_size;
    for (int b0 = 0; b0 < n; b0 += chunk) {
        int m = n - b0 < chunk ? n - b0 : chunk;
        if (c->cfg.method == ADVLAB_CERTIFY_SMOOTHING)
            run_smoothing(c, x + b0 * in, y ? y + b0 : NULL, m, out + b0);
        else
            run_bounds(c, x + b0 * in, y ? y + b0 : NULL, m, out + b0);
    }
    return ADVLAB_OK;
}

advlab_status advlab_certify_dataset(advlab_certifier *c, const advlab_dataset *ds, int limit,
                                     advlab_certify_summary *out, advlab_certificate *certs)
{
    if (!c || !out)
        return advlab__fail(ADVLAB_E_ARG, "certify: certifier and out are required");
    TRY(advlab__net_check_dataset(c->net, ds));
    if (limit < 0)
        return advlab__fail(ADVLAB_E_ARG, "certify: limit %d must be >= 0 (0: all)", limit);
    int total = advlab_dataset_count(ds);
    if (limit > 0 && limit < total)
        total = limit;
    advlab__rng_seed(&c->rng, c->cfg.seed, NOISE_STREAM);
    c->has_spare = 0;
    int chunk = c->net->max_batch < CERTIFY_CHUNK ? c->net->max_batch : CERTIFY_CHUNK;
    float *x = c->images;
    int32_t idx[CERTIFY_CHUNK], y[CERTIFY_CHUNK];
    advlab_certificate batch[CERTIFY_CHUNK];
    long clean = 0, verified = 0;
    for (int b0 = 0; b0 < total; b0 += chunk) {
        int m = total - b0 < chunk ? total - b0 : chunk;
        for (int j = 0; j < m; j++)
            idx[j] = b0 + j;
        advlab_dataset_gather(ds, idx, m, x, y);
        if (c->cfg.method == ADVLAB_CERTIFY_SMOOTHING)
            run_smoothing(c, x, y, m, batch);
        else
            run_bounds(c, x, y, m, batch);
        for (int j = 0; j < m; j++) {
            clean += batch[j].predicted == y[j];
            verified += batch[j].certified; /* of label y[j] */
        }
        if (certs)
            memcpy(certs + b0, batch, sizeof(advlab_certificate) * m);
    }
    *out = (advlab_certify_summary){total, total ? (double)clean / total : 0.0,
                                    total ? (double)verified / total : 0.0};
    return ADVLAB_OK;
}
