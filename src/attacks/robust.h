/* The bookkeeping AutoAttack's members share (apgd.c, fab.c): one
 * random-start key per image, the classes ranked by the clean logits (the
 * targets of APGD-T and FAB-T), and the list of images still robust,
 * gathered into contiguous rows so that each run (a restart, a target)
 * attacks only those. */
#ifndef ADVLAB_ROBUST_H
#define ADVLAB_ROBUST_H

#include <stdint.h>

#include "attacks/attack.h"

#define ADVLAB__ROBUST_ROWS 6
#define ADVLAB__ROBUST_SCALARS 8

typedef struct {
    float *row[ADVLAB__ROBUST_ROWS];       /* (max_batch, in_size) each, the method's */
    float *scalar[ADVLAB__ROBUST_SCALARS]; /* (max_batch) each, the method's */
    float *projection;                     /* (4 * in_size) FAB's projection scratch */
    int32_t *idx;                          /* (max_batch) chunk index of each listed image */
    int32_t *y, *t;                        /* (max_batch) their labels and targets, gathered */
    int32_t *ranked;                       /* (max_batch, classes) by clean logit, largest first */
    uint64_t *keys;                        /* (max_batch) random-start keys of the chunk */
    int m;                                 /* images listed */
} advlab__robust;

/* Floats attack.c allocates for a->extra. */
uint64_t advlab__robust_floats(uint64_t max_batch, uint64_t in_size, uint64_t classes);
/* Starts a chunk of n images: carves a->extra into r, takes the keys (the
 * run's image keys, or two draws per image from a->rng), ranks the classes
 * at x by one forward pass, and lists the images not yet fooled at x. */
advlab_status advlab__robust_start(advlab_attack *a, advlab__robust *r, const float *x,
                                   const int32_t *y, int n);
/* Gathers the listed images: r->row[0] their x, r->row[1] their start (x
 * itself, or the random start `restart` of each image's key), r->y their
 * labels, r->t the class of rank `rank` (0: the clean prediction's) when
 * rank >= 0. */
void advlab__robust_gather(advlab_attack *a, advlab__robust *r, const float *x, const int32_t *y,
                           int random_start, int restart, int rank);
/* Writes r->row[1] (the run's results) back into x_adv and drops from the
 * list the images whose flag in r->scalar[0] is set (fooled). */
void advlab__robust_scatter(advlab_attack *a, advlab__robust *r, float *x_adv);

#endif
