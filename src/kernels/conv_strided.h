/* Private to the kernel layer: the strided and padded convolutions behind
 * k_conv_* and k_interval_conv_fwd, which call these when the shape is not
 * plain (conv_strided.c). Arguments as the public kernels'. */
#ifndef ADVLAB_CONV_STRIDED_H
#define ADVLAB_CONV_STRIDED_H

#include "kernels/kernels.h"

void k__conv_strided_fwd(float *y, const float *x, const float *w, const float *bias, int n,
                         const k_conv_shape *s, int relu, float *work);
size_t k__conv_strided_fwd_work(const k_conv_shape *s);
void k__conv_strided_bwd_input(float *dx, const float *dy, const float *w, int n,
                               const k_conv_shape *s, float *work);
size_t k__conv_strided_bwd_input_work(const k_conv_shape *s);
void k__conv_strided_wgrad(float *dw, const float *dy, const float *x, int n, const k_conv_shape *s,
                           float *work);
size_t k__conv_strided_wgrad_work(const k_conv_shape *s);
void k__interval_conv_strided_fwd(float *lo_out, float *hi_out, const float *lo, const float *hi,
                                  const float *w, const float *bias, int n, const k_conv_shape *s,
                                  float *work);
size_t k__interval_conv_strided_fwd_work(const k_conv_shape *s);

#endif
