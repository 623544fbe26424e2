/* The attacks' private layout and the helpers every method shares.
 *
 * attack.c owns the config, validation, the arena and the dispatch to the
 * methods (methods.h); common.c holds the helpers declared here. Each method
 * lives in its own file and works on one chunk of n <= max_batch images with
 * resolved labels (never NULL). */
#ifndef ADVLAB_ATTACK_H
#define ADVLAB_ATTACK_H

#include "advlab.h"
#include "base/config.h"
#include "base/rng.h"
#include "nn/net.h"

/* black-box attacks */
typedef struct advlab__bb_image advlab__bb_image; /* blackbox.h */
/* end black-box attacks */

/* advlab_attack_config's fields, for the setter, the checks and --help. */
extern const advlab__cfg_spec advlab__attack_spec;
/* advlab_evaluate_config's fields (evaluate.c). */
extern const advlab__cfg_spec advlab__evaluate_spec;
/* advlab_universal_config's fields (universal.c). */
extern const advlab__cfg_spec advlab__universal_spec;

struct advlab_attack {
    advlab_net *net;
    advlab_attack_config cfg;
    advlab_preprocessor *pre; /* forward through it; the gradient crosses it by grad_mode */
    advlab_grad_mode grad_mode;
    advlab_rng rng; /* random starts: seeded from cfg.seed, stream 4 */
    int max_batch, in_size, classes;
    float *arena;        /* the one allocation everything below points into */
    float *xp;           /* (max_batch, in_size) pre(x) when pre is set */
    float *pre_grad;     /* (max_batch, in_size) exact mode: the net's gradient at pre(x) */
    float *grad;         /* (max_batch, in_size) */
    float *work, *work2; /* (max_batch, in_size) each, free for the method (forward_unfooled
                            and best_of_restarts use them as they document) */
    float *probs;        /* (max_batch, classes) softmax of the last forward */
    float *dlogits;      /* (max_batch, classes) */
    float *class_grads;  /* DeepFool: (max_batch * classes, in_size) per-class gradients;
                            C&W: (2 * max_batch, in_size) Adam's second moment, current points;
                            L-BFGS: its state rows (lbfgs.c); JSMA: targets, pixels changed */
    int32_t *labels;     /* (max_batch) the defended model's answers when run has no labels */
    int labels_pending;  /* labels = argmax of the next forward, which is at the clean x */
    union {              /* (max_batch) scratch, named by the method using it: */
        int32_t *pred;   /* FGSM, BIM, PGD: the predictions of the last check */
        int32_t *active; /* DeepFool, NewtonFool, C&W: indices of the images still attacked;
                            black-box: the image each queued query row belongs to */
    };
    advlab_attack_counts counts; /* the net's images forward and backward during runs */
    /* black-box attacks (blackbox.h): per-image state, allocated at create */
    advlab__bb_image *img; /* (max_batch) */
    uint8_t *satisfied;    /* boundary: (max_batch, sample_size) candidates' outcomes */
    uint64_t run_key;      /* drawn from rng once per advlab_attack_run (and by jsma) */
    int chunk_start;       /* the index, in the run, of the chunk's first image */
    /* end black-box attacks */
    /* AutoAttack's members (APGD, APGD-T, FAB; issue 13) */
    float *extra;               /* their rows and per-image state, carved by robust.c */
    const uint64_t *image_keys; /* NULL, or one random-start key per image of the run
                                   (evaluate.c: a member then treats each image as it
                                   would in a run over the whole set) */
    const uint64_t *chunk_keys; /* image_keys + the chunk's offset, during a run */
};

/* Sets the keys above (borrowed until the next run ends), or NULL. */
void advlab__attack_set_image_keys(advlab_attack *a, const uint64_t *keys);

/* Forward pass of n images through pre (if set) and the net: *logits is a
 * view (n, classes) valid until the next pass; a->probs gets the softmax. */
advlab_status advlab__attack_logits(advlab_attack *a, const float *x, int n, const float **logits);
/* After advlab__attack_logits on the same x: grad (n, in_size) = d/dx of
 * sum_b dlogits_b . z_b, passed straight through pre (BPDA) or through its
 * true derivative (exact mode). grad must not be a->pre_grad. */
advlab_status advlab__attack_backward(advlab_attack *a, const float *x, int n, const float *dlogits,
                                      float *grad);
/* grad (n, in_size) = d/dx of each image's own cross-entropy against y. */
advlab_status advlab__attack_loss_grad(advlab_attack *a, const float *x, const int32_t *y, int n,
                                       float *grad);
/* pred[b] = argmax of the defended model's logits for image b (first max). */
advlab_status advlab__attack_predict(advlab_attack *a, const float *x, int n, int32_t *pred);
/* Two independent standard normals (Marsaglia's polar method). */
void advlab__attack_normal_pair(advlab_rng *rng, float *z0, float *z1);
/* out = clip(x + a uniform point of the cfg.norm ball of radius eps, 0, 1),
 * as ART's random_sphere; draws from a->rng. */
void advlab__attack_random_start(advlab_attack *a, const float *x, int n, float *out);

/* For methods that work image by image until each is fooled (DeepFool,
 * NewtonFool). Starts one: x_adv = x, and a->active lists every image;
 * returns n, the count listed. */
int advlab__attack_start_unfooled(advlab_attack *a, const float *x, int n, float *x_adv);
/* Gathers the images listed in active[0..*m) from x_cur into a->work and
 * runs them forward; drops those no longer predicted as their y, and runs
 * the survivors forward again if any were dropped, so that *z (m, classes),
 * a->probs and the net's activations describe exactly the images still
 * listed. */
advlab_status advlab__attack_forward_unfooled(advlab_attack *a, const float *x_cur,
                                              const int32_t *y, int32_t *active, int *m,
                                              const float **z);

#endif
