/* The steps FGSM (fgsm.c) and BIM/PGD (pgd.c) share, in gradient.c. */
#ifndef ADVLAB_GRADIENT_H
#define ADVLAB_GRADIENT_H

#include "attacks/attack.h"

/* Turns the loss gradient g (n, d) into the step direction in place: -g when
 * targeted (descend towards the target), then sign(g) with sign(0) = 0 for
 * inf, g / (|g|_1 + tol) or g / (|g|_2 + tol). NaN entries count as 0 (ART). */
void advlab__attack_direction(const advlab_attack_config *c, int n, int d, float *g);
/* out = clip(from + step * direction(grad at from), 0, 1); out may be from. */
advlab_status advlab__attack_step(advlab_attack *a, const float *from, const int32_t *y, int n,
                                  float step, float *out);
/* Pulls each xa back into the eps-ball around x (ART's projection): inf
 * clamps every pixel to [x - eps, x + eps]; 1 and 2 scale xa - x by
 * min(1, eps / (|xa - x| + tol)). The scaled image is a convex combination of
 * two images in [0,1]; the clip only absorbs rounding. */
void advlab__attack_project(const advlab_attack *a, const float *x, int n, float *xa);

/* Whether an image predicted as pred counts as a success: reaching the
 * target y when targeted, leaving the label y otherwise. */
static inline int advlab__attack_succeeded(const advlab_attack *a, int32_t pred, int32_t y)
{
    return a->cfg.targeted ? pred == y : pred != y;
}

/* out = the random start of one image x for its key and restart: drawn from
 * PCG stream (key, restart), whatever the attack's stream has done. */
void advlab__attack_keyed_start(advlab_attack *a, uint64_t key, int restart, const float *x,
                                float *out);

/* One attempt from the random start already in xa: FGSM's single step or
 * PGD's iterations, ending inside the eps-ball around x. */
typedef advlab_status (*advlab__attack_attempt_fn)(advlab_attack *a, const float *x,
                                                   const int32_t *y, int n, float *xa);
/* Runs up to num_random_init attempts and keeps, per image, the first that
 * succeeds, else the last. a->work holds the attempt, a->work2 one "done"
 * flag per image. */
advlab_status advlab__attack_best_of_restarts(advlab_attack *a, const float *x, const int32_t *y,
                                              int n, float *x_adv,
                                              advlab__attack_attempt_fn attempt);

#endif
