/* exp and log of our own. glibc's and musl's (wasm) libm differ in the last
 * ulp, which would break bit-identical native and wasm training; these use
 * only + - * / and exact bit manipulation, so they round the same everywhere.
 * Both are accurate to about 2 ulp. */
#ifndef ADVLAB_MATHF_H
#define ADVLAB_MATHF_H

float advlab__expf(float x);
/* x > 0; returns -inf for 0 and NaN for negative or NaN input. */
float advlab__logf(float x);

/* v clamped to the image range [0,1]. */
static inline float advlab__clip01(float v) { return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v; }

#endif
