#include "base/mathf.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t to_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* exp(x) = 2^n * exp(r) with n = round(x / ln2) and |r| <= ln2/2; ln2 is
 * split in two so n*ln2 is subtracted without losing r's low bits. exp(r) is
 * Cephes' degree-6 polynomial. */
float advlab__expf(float x)
{
    if (x != x)
        return x;
    if (x > 88.72283f)
        return INFINITY;
    if (x < -87.33654f) /* below the smallest normal: flush to zero */
        return 0.0f;
    float n = floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    /* 2^n for n in [-126, 128]: 2^128 does not exist, so split it. */
    int e = (int)n;
    if (e > 127)
        return p * 2.0f * from_bits((uint32_t)(e - 1 + 127) << 23);
    return p * from_bits((uint32_t)(e + 127) << 23);
}

/* log(x) = e*ln2 + log(m) with m in [sqrt(1/2), sqrt(2)); log(1+f) is Cephes'
 * degree-9 polynomial in f. Subnormals are scaled up first. */
float advlab__logf(float x)
{
    if (x != x || x < 0.0f)
        return NAN;
    if (x == 0.0f)
        return -INFINITY;
    if (x == INFINITY)
        return x;
    int e = 0;
    if (x < 1.17549435e-38f) {
        x *= 16777216.0f; /* 2^24 */
        e = -24;
    }
    uint32_t u = to_bits(x);
    e += (int)(u >> 23) - 127;
    float m = from_bits((u & 0x007fffffu) | 0x3f800000u); /* [1, 2) */
    if (m > 1.41421356f) {
        m *= 0.5f;
        e += 1;
    }
    float f = m - 1.0f, z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f + -1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f + -1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f + -1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f + -2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    float y = p * f * z;
    float fe = (float)e;
    y += fe * -2.12194440e-4f;
    y += -0.5f * z;
    return f + y + fe * 0.693359375f;
}
