/* Training for certifiability as a batch hook on the ordinary trainer
 * (train/trainer.h), as adversarial training is:
 *   ibp    Gowal et al. 2018. The step's loss is kappa xent(z, y) + (1 -
 *          kappa) xent(z_hat, y), where z_hat_j = -(lower bound of z_y - z_j)
 *          from IBP's margin rows at eps (z_hat_y = 0): the worst logits the
 *          bounds allow. Its gradient runs back through the interval
 *          propagation: ReLU and pooling route each end like the plain
 *          layers, and an affine layer's W+/W- split sends each end's
 *          gradient to the weight's sign.
 *   noise  Gaussian data augmentation (Cohen et al. 2019): each batch gets
 *          N(0, sigma^2) noise, not clipped, as ART's smoothing trains.
 *   crown-ibp  Zhang et al. 2020: as ibp, with z_hat_j = -(beta m_crown +
 *          (1 - beta) m_ibp), m_crown being the larger of CROWN-IBP's and
 *          IBP's lower bounds of z_y - z_j (crown_ibp.c; the paper mixes the
 *          CROWN-IBP bound alone, which on a trained net can be looser than
 *          IBP's). Its gradient runs back through CROWN-IBP's coefficients
 *          and into IBP's bounds, which its relaxations read.
 * Schedule (ibp, crown-ibp), in epochs of the trainer's batches: eps 0 and
 * kappa 1 for `warmup`, then both move linearly over `ramp` to eps and
 * kappa while beta falls from 1 to 0. With kappa 1 the step is the ordinary
 * one (at eps 0 the two losses agree); with beta 0 crown-ibp is ibp. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/error.h"
#include "base/mathf.h"
#include "certify/certify.h"
#include "kernels/kernels.h"
#include "train/trainer.h"

static const char *const train_methods[] = {"none", "ibp", "noise", "crown-ibp", NULL};

#define FIELD(key) offsetof(advlab_certify_train_config, key)

static const advlab__cfg_field certify_train_fields[] = {
    {"certify", ADVLAB__CFG_CHOICE, FIELD(certify), ADVLAB_CERTIFY_TRAIN_NONE, 0, 0, 0, 0,
     train_methods,
     "none, ibp (Gowal et al.), noise (for randomized smoothing) or crown-ibp (Zhang et al.)"},
    {"eps", ADVLAB__CFG_FLOAT, FIELD(eps), 0.1, 0, 1, 0, 0, NULL,
     "ibp, crown-ibp: the L-inf training eps after the ramp"},
    {"warmup", ADVLAB__CFG_FLOAT, FIELD(warmup), 1, 0, 10000, 0, 0, NULL,
     "ibp, crown-ibp: epochs of natural training first"},
    {"ramp", ADVLAB__CFG_FLOAT, FIELD(ramp), 5, 0, 10000, 0, 0, NULL,
     "ibp, crown-ibp: epochs over which eps rises from 0, kappa falls from 1 and beta from 1 to 0"},
    {"kappa", ADVLAB__CFG_FLOAT, FIELD(kappa), 0.5, 0, 1, 0, 0, NULL,
     "ibp, crown-ibp: the natural loss's final weight"},
    {"sigma", ADVLAB__CFG_FLOAT, FIELD(sigma), 0.25, 0, 10, ADVLAB__CFG_MIN_OPEN, 0, NULL,
     "noise: std of the Gaussian noise"},
};

const advlab__cfg_spec advlab__certify_train_spec = ADVLAB__CFG_SPEC(
    "certified training", advlab_certify_train_config, NULL, 0, certify_train_fields, NULL);

void advlab_certify_train_config_default(advlab_certify_train_config *cfg)
{
    advlab__cfg_defaults(&advlab__certify_train_spec, NULL, cfg); /* cannot fail: no kinds */
}

advlab_status advlab_certify_train_config_set(advlab_certify_train_config *cfg, const char *key,
                                              double value)
{
    return advlab__cfg_set(&advlab__certify_train_spec, cfg, key, value);
}

typedef struct {
    advlab_certify_train_config cfg;
    int batches_per_epoch;
    uint64_t steps;      /* batches done: the schedule's clock */
    advlab_rng rng;      /* noise: stream 4 of the training seed */
    advlab_certifier *c; /* ibp: the bounds' buffers */
    size_t n_params;
    float *arena;              /* ibp: everything below */
    float *robust;             /* (n_params) the worst-case loss's summed gradient */
    float *g_lo, *g_hi;        /* (CERTIFY_CHUNK, widest) d loss / d a layer's bounds */
    float *h_lo, *h_hi;        /* the same for the layer below */
    float *tmp;                /* (CERTIFY_CHUNK, widest) */
    float *w_pos, *w_neg;      /* (largest weight count) */
    float *d_pos, *d_neg;      /* (largest weight count) weight gradients for w > 0, w < 0 */
    float *work;               /* the conv kernels' workspace */
    float *z_hat, *probs, *dz; /* (CERTIFY_CHUNK, classes) */
    float *e_ibp;              /* (CERTIFY_CHUNK, classes) d loss / d IBP's margins */
    float *crown_lo, *e_crown; /* crown-ibp: CROWN-IBP's margins, d loss / d them */
    crown_ibp cb;              /* crown-ibp: its coefficients */
} cert_train;

/* --------------------------------------------------------------- noise */

/* The hook's apply: x += sigma N(0, 1) per pixel (polar method, pairs). */
static advlab_status add_noise(void *self, float *x, const int32_t *y, int m)
{
    (void)y;
    cert_train *s = self;
    size_t n = (size_t)m * s->c->net->in_size;
    for (size_t i = 0; i < n; i += 2) {
        float u, v, r;
        do {
            u = 2.0f * advlab__rng_uniform(&s->rng) - 1.0f;
            v = 2.0f * advlab__rng_uniform(&s->rng) - 1.0f;
            r = u * u + v * v;
        } while (r >= 1.0f || r == 0.0f);
        float f = sqrtf(-2.0f * advlab__logf(r) / r);
        x[i] += s->cfg.sigma * u * f;
        if (i + 1 < n)
            x[i + 1] += s->cfg.sigma * v * f;
    }
    return ADVLAB_OK;
}

/* ---------------------------------------------------------------- ibp */

static advlab_status no_rewrite(void *self, float *x, const int32_t *y, int m)
{
    (void)self, (void)x, (void)y, (void)m;
    return ADVLAB_OK;
}

/* How far the ramp is, 0..1, at the current batch. */
static float ramp_position(const cert_train *s)
{
    double epochs = (double)s->steps / s->batches_per_epoch - s->cfg.warmup;
    if (epochs < 0.0)
        return 0.0f;
    if (s->cfg.ramp <= 0.0f || epochs >= s->cfg.ramp)
        return 1.0f;
    return (float)(epochs / s->cfg.ramp);
}

/* Gradient of an affine layer i's interval map, given the gradients g of its
 * pre-activation bounds for n images: weight and bias gradients into
 * s->robust, and (when want_input) the gradients of its input bounds into
 * h. lo, hi are its input bounds. */
static void affine_backward(cert_train *s, int i, const float *lo, const float *hi, int n,
                            int want_input)
{
    const advlab_net *net = s->c->net;
    const layer_shape *l = &net->arch.layers[i];
    const float *w = net->params + net->w_off[i];
    float *dw = s->robust + net->w_off[i], *db = s->robust + net->b_off[i];
    size_t nw = advlab__layer_weights(l), isz = layer_in_size(l), osz = layer_out_size(l);
    for (size_t k = 0; k < nw; k++) {
        s->w_pos[k] = w[k] < 0.0f ? 0.0f : w[k];
        s->w_neg[k] = 0.0f < w[k] ? 0.0f : w[k];
    }
    memset(s->d_pos, 0, sizeof(float) * nw);
    memset(s->d_neg, 0, sizeof(float) * nw);
    if (l->kind == LAYER_DENSE) {
        int in = (int)isz, out = l->out_c;
        /* d lo' / d W+ = lo, d hi' / d W+ = hi; through W- the ends swap */
        k_gemm_nn(out, in, n, s->g_lo, out, 1, lo, in, s->d_pos, in, 1);
        k_gemm_nn(out, in, n, s->g_hi, out, 1, hi, in, s->d_pos, in, 1);
        k_gemm_nn(out, in, n, s->g_lo, out, 1, hi, in, s->d_neg, in, 1);
        k_gemm_nn(out, in, n, s->g_hi, out, 1, lo, in, s->d_neg, in, 1);
        k_sum_cols(db, s->g_lo, n, out);
        k_sum_cols(db, s->g_hi, n, out);
        if (want_input) {
            k_gemm_nn(n, in, out, s->g_lo, out, 0, s->w_pos, in, s->h_lo, in, 0);
            k_gemm_nn(n, in, out, s->g_hi, out, 0, s->w_neg, in, s->h_lo, in, 1);
            k_gemm_nn(n, in, out, s->g_hi, out, 0, s->w_pos, in, s->h_hi, in, 0);
            k_gemm_nn(n, in, out, s->g_lo, out, 0, s->w_neg, in, s->h_hi, in, 1);
        }
    } else {
        k_conv_shape sh = layer_conv_shape(l);
        k_conv_wgrad(s->d_pos, s->g_lo, lo, n, &sh, s->work);
        k_conv_wgrad(s->d_pos, s->g_hi, hi, n, &sh, s->work);
        k_conv_wgrad(s->d_neg, s->g_lo, hi, n, &sh, s->work);
        k_conv_wgrad(s->d_neg, s->g_hi, lo, n, &sh, s->work);
        int area = l->out_h * l->out_w;
        for (int b = 0; b < n; b++) {
            k_sum_rows(db, s->g_lo + b * osz, l->out_c, area);
            k_sum_rows(db, s->g_hi + b * osz, l->out_c, area);
        }
        if (want_input) {
            size_t all = (size_t)n * isz;
            k_conv_bwd_input(s->h_lo, s->g_lo, s->w_pos, n, &sh, s->work);
            k_conv_bwd_input(s->tmp, s->g_hi, s->w_neg, n, &sh, s->work);
            k_add(s->h_lo, s->tmp, all);
            k_conv_bwd_input(s->h_hi, s->g_hi, s->w_pos, n, &sh, s->work);
            k_conv_bwd_input(s->tmp, s->g_lo, s->w_neg, n, &sh, s->work);
            k_add(s->h_hi, s->tmp, all);
        }
    }
    /* w > 0 moved through W+, w < 0 through W-; at 0 the right derivative */
    for (size_t k = 0; k < nw; k++)
        dw[k] += w[k] < 0.0f ? s->d_neg[k] : s->d_pos[k];
}

static void swap_gradients(cert_train *s)
{
    float *t = s->g_lo;
    s->g_lo = s->h_lo, s->h_lo = t;
    t = s->g_hi;
    s->g_hi = s->h_hi, s->h_hi = t;
}

/* The margin rows' backward for n images with labels y: e_ibp (n, K) is
 * d loss / d margin_j, and margin_j = sum_i (d_ji)+ lo_i + (d_ji)- hi_i +
 * b_y - b_j with d_j = W_y - W_j. */
static void margin_backward(cert_train *s, const int32_t *y, int n)
{
    const advlab_net *net = s->c->net;
    int last = net->arch.n_layers - 1, K = net->classes;
    const layer_shape *l = &net->arch.layers[last];
    int in = (int)layer_in_size(l);
    const float *w = net->params + net->w_off[last];
    float *dw = s->robust + net->w_off[last], *db = s->robust + net->b_off[last];
    const float *lo = last ? s->c->post_lo[last - 1] : s->c->x_lo;
    const float *hi = last ? s->c->post_hi[last - 1] : s->c->x_hi;
    memset(s->g_lo, 0, sizeof(float) * n * in);
    memset(s->g_hi, 0, sizeof(float) * n * in);
    for (int b = 0; b < n; b++) {
        int label = y[b];
        const float *lb = lo + (size_t)b * in, *hb = hi + (size_t)b * in;
        float *gl = s->g_lo + (size_t)b * in, *gh = s->g_hi + (size_t)b * in;
        for (int j = 0; j < K; j++) {
            float e = s->e_ibp[b * K + j];
            if (j == label || e == 0.0f)
                continue;
            db[label] += e;
            db[j] -= e;
            for (int i = 0; i < in; i++) {
                float d = w[(size_t)label * in + i] - w[(size_t)j * in + i];
                float dd = e * (d < 0.0f ? hb[i] : lb[i]);
                dw[(size_t)label * in + i] += dd;
                dw[(size_t)j * in + i] -= dd;
                if (d > 0.0f)
                    gl[i] += e * d;
                else
                    gh[i] += e * d;
            }
        }
    }
}

/* z_hat of n images from the margins' lower bounds, and the loss's
 * gradient with respect to each bound (e_ibp, e_crown) from dz. At beta 0
 * CROWN-IBP plays no part, and the numbers are IBP training's. */
static void mix_margins(cert_train *s, const int32_t *y, int n, float beta, int backward)
{
    int K = s->c->net->classes;
    for (int b = 0; b < n; b++)
        for (int j = 0; j < K; j++) {
            int at = b * K + j;
            float ibp = s->c->margin_lo[at];
            if (j == y[b]) {
                s->z_hat[at] = 0.0f, s->e_ibp[at] = 0.0f;
                if (beta > 0.0f)
                    s->e_crown[at] = 0.0f;
                continue;
            }
            if (beta <= 0.0f) {
                if (backward)
                    s->e_ibp[at] = -s->dz[at];
                else
                    s->z_hat[at] = -ibp;
                continue;
            }
            int crown_wins = s->crown_lo[at] > ibp;
            if (backward) {
                s->e_crown[at] = crown_wins ? -s->dz[at] * beta : 0.0f;
                s->e_ibp[at] = crown_wins ? -s->dz[at] * (1.0f - beta) : -s->dz[at];
            } else {
                s->z_hat[at] = -advlab__crown_ibp_mix(beta, s->crown_lo[at], ibp);
            }
        }
}

/* The worst-case loss of n images at eps, summed; its gradient is added to
 * s->robust. beta > 0 mixes in CROWN-IBP's bounds (crown-ibp only). */
static double robust_chunk(cert_train *s, const float *x, const int32_t *y, int n, float eps,
                           float beta)
{
    advlab_certifier *c = s->c;
    const advlab_net *net = c->net;
    int K = net->classes, last = net->arch.n_layers - 1;
    float eps_b[CERTIFY_CHUNK];
    for (int b = 0; b < n; b++)
        eps_b[b] = eps;
    advlab__ibp_boxes(c, x, eps_b, n);
    advlab__ibp_forward(c, n, 0);
    for (int b = 0; b < n; b++)
        advlab__ibp_margin(c, b, y[b]);
    if (beta > 0.0f)
        advlab__crown_ibp_bounds(&s->cb, c, y, n, s->crown_lo, s->work);
    mix_margins(s, y, n, beta, 0);
    double loss = k_softmax_xent(s->probs, s->dz, s->z_hat, y, n, K, 1.0f, NULL);
    mix_margins(s, y, n, beta, 1);
    if (beta > 0.0f)
        advlab__crown_ibp_backward(&s->cb, c, y, n, s->e_crown, s->robust, s->work);
    margin_backward(s, y, n);
    for (int i = last - 1; i >= 0; i--) {
        const layer_shape *l = &net->arch.layers[i];
        const float *in_lo = i ? c->post_lo[i - 1] : c->x_lo;
        const float *in_hi = i ? c->post_hi[i - 1] : c->x_hi;
        size_t osz = layer_out_size(l), isz = layer_in_size(l);
        if (beta > 0.0f) { /* what CROWN-IBP's relaxations add to IBP's bounds' gradients */
            k_add(s->g_lo, s->cb.d_post_lo[i], (size_t)n * osz);
            k_add(s->g_hi, s->cb.d_post_hi[i], (size_t)n * osz);
        }
        if (l->kind == LAYER_POOL) {
            if (i == 0)
                break;
            for (int b = 0; b < n; b++) {
                k_maxpool2_bwd(s->h_lo + b * isz, s->g_lo + b * osz, in_lo + b * isz,
                               c->post_lo[i] + b * osz, l->in_c, l->in_h, l->in_w);
                k_maxpool2_bwd(s->h_hi + b * isz, s->g_hi + b * osz, in_hi + b * isz,
                               c->post_hi[i] + b * osz, l->in_c, l->in_h, l->in_w);
            }
        } else {
            if (l->relu) {
                k_relu_bwd(s->g_lo, c->post_lo[i], (size_t)n * osz);
                k_relu_bwd(s->g_hi, c->post_hi[i], (size_t)n * osz);
            }
            if (beta > 0.0f) {
                k_add(s->g_lo, s->cb.d_pre_lo[i], (size_t)n * osz);
                k_add(s->g_hi, s->cb.d_pre_hi[i], (size_t)n * osz);
            }
            affine_backward(s, i, in_lo, in_hi, n, i > 0);
        }
        swap_gradients(s);
    }
    return loss;
}

/* The hook's step: kappa times the ordinary step's gradient plus (1 -
 * kappa) times the worst-case loss's, both batch means. */
static double ibp_step(void *self, advlab_net *net, const float *x, const int32_t *y, int m,
                       int *correct)
{
    cert_train *s = self;
    float t = ramp_position(s);
    float eps = t * s->cfg.eps, kappa = 1.0f - t * (1.0f - s->cfg.kappa);
    float beta = s->cfg.certify == ADVLAB_CERTIFY_TRAIN_CROWN_IBP ? 1.0f - t : 0.0f;
    double natural = advlab__net_train_step_grad(net, x, y, m, correct);
    if (kappa >= 1.0f)
        return natural;
    memset(s->robust, 0, sizeof(float) * s->n_params);
    double robust = 0.0;
    size_t in = (size_t)net->in_size;
    for (int b0 = 0; b0 < m; b0 += CERTIFY_CHUNK) {
        int n = m - b0 < CERTIFY_CHUNK ? m - b0 : CERTIFY_CHUNK;
        robust += robust_chunk(s, x + b0 * in, y + b0, n, eps, beta);
    }
    float a = kappa, r = (1.0f - kappa) / (float)m;
    for (size_t k = 0; k < s->n_params; k++)
        net->grads[k] = a * net->grads[k] + r * s->robust[k];
    return kappa * natural + (1.0 - kappa) * robust / m;
}

/* ---------------------------------------------------------------- hook */

/* The hook's end of a batch: the schedule's clock. */
static void next_step(void *self) { ((cert_train *)self)->steps++; }

static void describe(const void *self, char *text, size_t len)
{
    const cert_train *s = self;
    if (s->cfg.certify == ADVLAB_CERTIFY_TRAIN_NOISE)
        snprintf(text, len, "gaussian noise sigma=%g", (double)s->cfg.sigma);
    else
        snprintf(text, len, "%s eps=%g warmup=%g ramp=%g kappa=%g%s",
                 s->cfg.certify == ADVLAB_CERTIFY_TRAIN_CROWN_IBP ? "crown-ibp" : "ibp",
                 (double)s->cfg.eps, (double)s->cfg.warmup, (double)s->cfg.ramp,
                 (double)s->cfg.kappa,
                 s->cfg.certify == ADVLAB_CERTIFY_TRAIN_CROWN_IBP ? " beta=1->0" : "");
}

/* Checkpoint words: the schedule's clock and the noise RNG. */
static int state_words(const void *self)
{
    (void)self;
    return 3;
}

static void state_save(const void *self, uint8_t *bytes)
{
    const cert_train *s = self;
    uint64_t words[3] = {s->steps, s->rng.state, s->rng.inc};
    memcpy(bytes, words, sizeof words);
}

static advlab_status state_restore(void *self, const uint8_t *bytes)
{
    cert_train *s = self;
    uint64_t words[3];
    memcpy(words, bytes, sizeof words);
    if (!(words[2] & 1))
        return advlab__fail(ADVLAB_E_FORMAT,
                            "trainer state: the certified training's RNG has an even increment");
    s->steps = words[0], s->rng.state = words[1], s->rng.inc = words[2];
    return ADVLAB_OK;
}

static void cert_free(void *self)
{
    cert_train *s = self;
    if (!s)
        return;
    advlab_certifier_free(s->c);
    advlab__crown_ibp_free(&s->cb);
    free(s->arena);
    free(s);
}

/* Sizes the backward's buffers for net. */
static advlab_status alloc_backward(cert_train *s, const advlab_net *net)
{
    size_t wide = (size_t)net->in_size, weights = 0, work = 0, chunk = CERTIFY_CHUNK;
    for (int i = 0; i < net->arch.n_layers; i++) {
        const layer_shape *l = &net->arch.layers[i];
        size_t o = layer_out_size(l), nw = advlab__layer_weights(l);
        wide = o > wide ? o : wide;
        weights = nw > weights ? nw : weights;
        if (l->kind == LAYER_CONV) {
            k_conv_shape sh = layer_conv_shape(l);
            size_t a = k_conv_bwd_input_work(&sh), b = k_conv_wgrad_work(&sh),
                   f = k_conv_fwd_work(&sh);
            work = a > work ? a : work;
            work = b > work ? b : work;
            work = f > work ? f : work; /* crown-ibp's adjoints run forward */
        }
    }
    size_t K = (size_t)net->classes;
    uint64_t floats =
        (uint64_t)net->n_params + 5 * chunk * wide + 4 * weights + work + 6 * chunk * K;
    if (floats > SIZE_MAX / sizeof(float) || !(s->arena = malloc(sizeof(float) * (size_t)floats)))
        return advlab__fail(ADVLAB_E_NOMEM, "certified training: %llu MB of buffers",
                            (unsigned long long)(floats * sizeof(float) >> 20));
    float *p = s->arena;
    s->n_params = net->n_params;
    s->robust = p, p += net->n_params;
    s->g_lo = p, p += chunk * wide;
    s->g_hi = p, p += chunk * wide;
    s->h_lo = p, p += chunk * wide;
    s->h_hi = p, p += chunk * wide;
    s->tmp = p, p += chunk * wide;
    s->w_pos = p, p += weights;
    s->w_neg = p, p += weights;
    s->d_pos = p, p += weights;
    s->d_neg = p, p += weights;
    s->work = p, p += work;
    s->z_hat = p, p += chunk * K;
    s->probs = p, p += chunk * K;
    s->dz = p, p += chunk * K;
    s->e_ibp = p, p += chunk * K;
    s->crown_lo = p, p += chunk * K;
    s->e_crown = p;
    return ADVLAB_OK;
}

advlab_status advlab_certify_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                            const advlab_train_config *train,
                                            const advlab_certify_train_config *cfg,
                                            advlab_trainer **out)
{
    if (!cfg)
        return advlab__fail(ADVLAB_E_ARG, "certified training: config is required");
    TRY(advlab__cfg_check(&advlab__certify_train_spec, cfg));
    if (cfg->certify == ADVLAB_CERTIFY_TRAIN_NONE)
        return advlab__fail(ADVLAB_E_ARG,
                            "certified training: certify is none (choose ibp, noise or crown-ibp)");
    advlab_trainer *t = NULL;
    TRY(advlab__dataset_trainer_create(net, ds, train, &t));
    cert_train *s = calloc(1, sizeof *s);
    advlab_certify_config bounds;
    advlab_certify_config_default("ibp", &bounds);
    advlab_status st = s ? advlab_certifier_create(net, &bounds, &s->c)
                         : advlab__fail(ADVLAB_E_NOMEM, "certified training state");
    int bounds_trained = cfg->certify != ADVLAB_CERTIFY_TRAIN_NOISE;
    if (!st && bounds_trained)
        st = alloc_backward(s, net);
    if (!st && cfg->certify == ADVLAB_CERTIFY_TRAIN_CROWN_IBP)
        st = advlab__crown_ibp_create(net, &s->cb);
    if (st) {
        cert_free(s);
        advlab_trainer_free(t);
        return st;
    }
    s->cfg = *cfg;
    s->batches_per_epoch = t->batches_per_epoch;
    advlab__rng_seed(&s->rng, train->seed, 4);
    int noise = cfg->certify == ADVLAB_CERTIFY_TRAIN_NOISE;
    advlab_batch_hook hook = {.self = s,
                              .apply = noise ? add_noise : no_rewrite,
                              .describe = describe,
                              .state_words = state_words,
                              .state_save = state_save,
                              .state_restore = state_restore,
                              .free = cert_free,
                              .step = noise ? NULL : ibp_step,
                              .end_batch = next_step,
                              .rngs = {&s->rng},
                              .n_rngs = 1,
                              .shardable = 1};
    advlab__trainer_set_hook(t, &hook);
    advlab__trainer_record(t);
    *out = t;
    return ADVLAB_OK;
}
