/* The certifier's private layout, shared by its files:
 *   certifier.c  config table, create, the public calls, radius bisection
 *   ibp.c        interval bound propagation of a batch of boxes
 *   crown.c      CROWN's backward linear relaxation of one image's margin
 *   crown_ibp.c  CROWN-IBP's margin bounds for a chunk of images, and their gradient
 *   smoothing.c  randomized smoothing's PREDICT and CERTIFY
 *   stats.c      the beta and normal quantiles smoothing needs
 *   certified_training.c  IBP and Gaussian-noise training, as trainer hooks */
#ifndef ADVLAB_CERTIFY_H
#define ADVLAB_CERTIFY_H

#include "advlab.h"
#include "base/config.h"
#include "base/rng.h"
#include "nn/net.h"

/* Images per IBP pass. */
#define CERTIFY_CHUNK 32
/* Rows of linear coefficients CROWN carries back at once. */
#define CROWN_ROWS 32

struct advlab_certifier {
    advlab_net *net; /* borrowed */
    advlab_certify_config cfg;
    float *arena; /* the one allocation everything below points into */
    /* IBP, (CERTIFY_CHUNK, size) each: the input boxes, and per layer the
     * bounds of its output before ReLU (pre) and after it (post; pooling
     * layers have post only, and pre aliases it). */
    float *x_lo, *x_hi;
    float *pre_lo[ADVLAB_MAX_LAYERS], *pre_hi[ADVLAB_MAX_LAYERS];
    float *post_lo[ADVLAB_MAX_LAYERS], *post_hi[ADVLAB_MAX_LAYERS];
    float *diff_w, *diff_b;       /* (classes, last layer's in) and (classes): margin rows */
    float *margin_lo, *margin_hi; /* (CERTIFY_CHUNK, classes) */
    /* CROWN, one image: two coefficient blocks (CROWN_ROWS, widest layer),
     * the conv backward's workspace, and per row its constant (double). */
    float *crown_a, *crown_b, *conv_work; /* conv_work: also IBP's strided convs */
    double *crown_const;
    float *crown_out; /* (CROWN_ROWS) lower bounds */
    /* smoothing: a batch of noisy images and the vote counts */
    float *noisy;
    float *images; /* (CERTIFY_CHUNK, in) a dataset's gathered batch */
    int32_t *counts;
    advlab_rng rng;
    int has_spare;
    float spare;
};

extern const advlab__cfg_spec advlab__certify_spec;
/* advlab_certify_train_config's fields (certified_training.c). */
extern const advlab__cfg_spec advlab__certify_train_spec;

/* IBP of images 0..n-1 (n <= CERTIFY_CHUNK) whose boxes are already in
 * x_lo, x_hi, from layer `from` on (0: all; later, when CROWN has tightened
 * layer from-1's bounds). Leaves every layer's bounds in pre_* / post_*. */
void advlab__ibp_forward(advlab_certifier *c, int n, int from);
/* margin_lo, margin_hi of image b from the bounds ibp_forward left: the
 * bounds of z_label - z_j through the last layer's difference rows
 * W_label - W_j (Gowal et al.), tighter than subtracting logit bounds. */
void advlab__ibp_margin(advlab_certifier *c, int b, int label);
/* The boxes [clip01(x - eps_b), clip01(x + eps_b)] of n images. */
void advlab__ibp_boxes(advlab_certifier *c, const float *x, const float *eps, int n);

/* CROWN for image 0, whose IBP bounds are in place: tightens every hidden
 * layer's bounds (keeping the tighter of CROWN and IBP for each neuron),
 * then writes margin_lo of image 0 as the larger of CROWN's and IBP's. */
void advlab__crown_margin(advlab_certifier *c, int label);

/* CROWN's relaxations, shared by crown.c and crown_ibp.c, on m rows of
 * coefficients. a_pre (m, osz) = a_post with each ReLU replaced by its line
 * (in place allowed) over pre-activation bounds lo, hi; below (m, in) = a
 * (m, out) on a 2x2 pool's input, whose bounds are lo, hi. The intercepts go
 * to cst (m). */
void advlab__crown_relax_relu(float *a_pre, const float *a_post, double *cst, int m, size_t osz,
                              const float *lo, const float *hi);
void advlab__crown_relax_pool(float *below, const float *a, double *cst, int m,
                              const layer_shape *l, const float *lo, const float *hi);
/* One pool window's relaxation: its inputs (at), the one with the largest
 * lower bound (best), whether that one is surely the max (exact), and the
 * largest upper bound (top, at argtop). */
typedef struct {
    size_t at[4];
    int best, exact, argtop;
    float top;
} advlab__pool_window;
advlab__pool_window advlab__crown_pool_window(const layer_shape *l, const float *lo,
                                              const float *hi, int ch, int oy, int ox);

/* CROWN-IBP's buffers for a chunk of images (crown_ibp.c); rows are (image,
 * class), (CERTIFY_CHUNK * classes) of them. */
typedef struct {
    float *arena;                     /* the one allocation the rest points into */
    float *a_post[ADVLAB_MAX_LAYERS]; /* (rows, layer i's out size) on its output */
    float *a_pre[ADVLAB_MAX_LAYERS];  /* (rows, out size) on its pre-activations */
    float *a_x;                       /* (rows, in) on the input */
    double *cst;                      /* (rows) */
    float *adj, *adj_next;            /* (classes, widest) one image's adjoints */
    float *row_bias;                  /* (most channels) a bias times a row's weight */
    /* (CERTIFY_CHUNK, out size): d (weighted bounds) / d IBP's bounds of
     * layer i's pre-activations (read by ReLU relaxations) and of its output
     * (read by a following pool's) */
    float *d_pre_lo[ADVLAB_MAX_LAYERS], *d_pre_hi[ADVLAB_MAX_LAYERS];
    float *d_post_lo[ADVLAB_MAX_LAYERS], *d_post_hi[ADVLAB_MAX_LAYERS];
} crown_ibp;

advlab_status advlab__crown_ibp_create(const advlab_net *net, crown_ibp *out);
void advlab__crown_ibp_free(crown_ibp *cb);
/* lower (n, classes): CROWN-IBP's lower bounds of z_y - z_j for images
 * 0..n-1 whose IBP bounds are in c (0 at j = y), keeping the coefficients.
 * work holds the conv kernels' workspace (backward input). */
void advlab__crown_ibp_bounds(crown_ibp *cb, advlab_certifier *c, const int32_t *y, int n,
                              float *lower, float *work);
/* After advlab__crown_ibp_bounds: adds to grads (n_params) the gradient of
 * sum e (n, classes) * lower, and sets d_* to its gradient with respect to
 * IBP's bounds. work: the conv kernels' workspace (forward, weight gradient). */
void advlab__crown_ibp_backward(crown_ibp *cb, advlab_certifier *c, const int32_t *y, int n,
                                const float *e, float *grads, float *work);

/* The margin crown-ibp training uses, beta m_crown + (1 - beta) m_ibp with
 * m_crown the tighter of the two bounds, written as ibp + beta (m_crown -
 * ibp) so that rounding cannot take it below IBP's. */
static inline float advlab__crown_ibp_mix(float beta, float crown, float ibp)
{
    float tight = crown > ibp ? crown : ibp;
    return ibp + beta * (tight - ibp);
}

/* Randomized smoothing of one image x: *predicted is PREDICT's class (-1:
 * abstains); CERTIFY's class, its pA lower bound and L2 radius (0 when it
 * abstains) go to *certified_class (-1: abstains), *p_lower, *radius. */
void advlab__smoothing_run(advlab_certifier *c, const float *x, int *predicted,
                           int *certified_class, double *p_lower, double *radius);

#endif
