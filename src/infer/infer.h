/* The inference family's private half: its config tables and the
 * membership attack's state. membership.c runs the three attacks,
 * boundary.c is label_only's distance search, roc.c the metrics and ART's
 * threshold calibration, invert.c MIFace. */
#ifndef ADVLAB_INFER_H
#define ADVLAB_INFER_H

#include "advlab.h"
#include "base/config.h"

extern const advlab__cfg_spec advlab__membership_spec;
extern const advlab__cfg_spec advlab__invert_spec;

/* The L2 distance from x (784, labelled y, which net predicts) to net's
 * decision boundary, found from predicted labels alone: seeded uniform
 * starts (stream `stream` of seed) that net labels otherwise, and a
 * bisection on the segment from x to each; the nearest point found. When
 * no start is labelled otherwise, the farthest start's distance. work
 * holds (starts + 1) * 784 floats and probs (starts + 1) * classes. */
double advlab__boundary_distance(advlab_net *net, const float *x, int y, int starts, int steps,
                                 uint64_t seed, uint64_t stream, float *work, float *probs);

/* ART's calibrate_distance_threshold: of tau = k * max / 100, k = 1..99,
 * the first that best separates members (distance > tau) from
 * non-members; 0 when none beats 0 accuracy. */
double advlab__calibrate_threshold(const float *members, int n_members, const float *nonmembers,
                                   int n_nonmembers);

#endif
