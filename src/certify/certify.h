/* The certifier's private layout, shared by its files:
 *   certifier.c  config table, create, the public calls, radius bisection
 *   ibp.c        interval bound propagation of a batch of boxes
 *   crown.c      CROWN's backward linear relaxation of one image's margin
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

/* Randomized smoothing of one image x: *predicted is PREDICT's class (-1:
 * abstains); CERTIFY's class, its pA lower bound and L2 radius (0 when it
 * abstains) go to *certified_class (-1: abstains), *p_lower, *radius. */
void advlab__smoothing_run(advlab_certifier *c, const float *x, int *predicted,
                           int *certified_class, double *p_lower, double *radius);

#endif
