/* The attack methods' entry points, one file each, which advlab_attack_run
 * (attack.c) dispatches to. Each works on one chunk, n <= max_batch; y holds
 * targets when targeted, else the labels to move away from (never NULL).
 * x_adv never overlaps x. */
#ifndef ADVLAB_METHODS_H
#define ADVLAB_METHODS_H

#include "attacks/attack.h"

advlab_status advlab__attack_fgsm(advlab_attack *a, const float *x, const int32_t *y, int n,
                                  float *x_adv);
/* BIM is PGD without a random start. */
advlab_status advlab__attack_pgd(advlab_attack *a, const float *x, const int32_t *y, int n,
                                 float *x_adv);
advlab_status advlab__attack_deepfool(advlab_attack *a, const float *x, const int32_t *y, int n,
                                      float *x_adv);
advlab_status advlab__attack_newtonfool(advlab_attack *a, const float *x, const int32_t *y, int n,
                                        float *x_adv);
advlab_status advlab__attack_cw(advlab_attack *a, const float *x, const int32_t *y, int n,
                                float *x_adv);
/* black-box attacks (blackbox.h) */
advlab_status advlab__attack_square(advlab_attack *a, const float *x, const int32_t *y, int n,
                                    float *x_adv);
advlab_status advlab__attack_hopskipjump(advlab_attack *a, const float *x, const int32_t *y, int n,
                                         float *x_adv);
advlab_status advlab__attack_boundary(advlab_attack *a, const float *x, const int32_t *y, int n,
                                      float *x_adv);
/* end black-box attacks */

#endif
