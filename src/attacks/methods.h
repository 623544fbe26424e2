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
/* AutoAttack's white-box members (issue 13): APGD and APGD-T (apgd.c), FAB-T (fab.c). */
advlab_status advlab__attack_apgd(advlab_attack *a, const float *x, const int32_t *y, int n,
                                  float *x_adv);
advlab_status advlab__attack_fab(advlab_attack *a, const float *x, const int32_t *y, int n,
                                 float *x_adv);
/* APGD's objective f (n) to raise and df/dz (n, classes), from logits z:
 * loss 0 cross-entropy against y (its negative when targeted), 1 DLR, 2
 * the targeted DLR towards t (apgd.c documents each). t is read by 2 only. */
void advlab__apgd_objective(int loss, const float *z, const int32_t *y, const int32_t *t, int n,
                            int classes, int targeted, float *f, float *dlogits);
/* L-BFGS and JSMA (issue 13): lbfgs.c, jsma.c. */
advlab_status advlab__attack_lbfgs(advlab_attack *a, const float *x, const int32_t *y, int n,
                                   float *x_adv);
advlab_status advlab__attack_jsma(advlab_attack *a, const float *x, const int32_t *y, int n,
                                  float *x_adv);
/* The floats of a->class_grads L-BFGS needs for a net of this batch and input size. */
uint64_t advlab__lbfgs_floats(uint64_t max_batch, uint64_t in_size);

#endif
