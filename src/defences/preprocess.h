/* The pre-processors' private half: their config table and their true derivative, which the naive
 * attack of advlab_attack_set_grad_mode(ADVLAB_GRAD_EXACT) back-propagates. */
#ifndef ADVLAB_PREPROCESS_H
#define ADVLAB_PREPROCESS_H

#include "advlab.h"
#include "base/config.h"

/* advlab_preprocess_config's fields, for the setter, the checks and --help. */
extern const advlab__cfg_spec advlab__preprocess_spec;

/* grad_in (n, height*width) = J_pre(x)^T grad_out, pre's vector-Jacobian
 * product at x:
 *   squeeze, jpeg  0: rounding makes them piecewise constant, so their
 *                  derivative is 0 wherever it exists
 *   median         each output's gradient goes to the pixel its window
 *                  selected; among equal values, the first window position
 *                  in row-major scan order. Reflected borders can route
 *                  several outputs (or positions) to one pixel: they add up.
 *   noise          identity, 0 where the clip to [0,1] bit, for the noise the
 *                  last advlab_preprocessor_apply drew: call it after the
 *                  apply on these same n images (x, not pre(x)).
 * grad_in must overlap neither x nor grad_out. Allocates nothing. */
advlab_status advlab__preprocess_vjp(advlab_preprocessor *p, const float *x, int n,
                                     const float *grad_out, float *grad_in);

#endif
