/* libFuzzer target for image preprocessing (advlab_image_to_mnist): the
 * first four bytes are the width and height (signed 16-bit, little-endian, so
 * zero, negative and oversized sides occur), the rest are pixels, one byte
 * each, cycled to fill width*height: 0..250 map onto [0,1], 251..255 are NaN,
 * +Inf, -0.5, 1.5 and -0. The function must reject bad sides without reading
 * the pixels, reject bad pixels, and otherwise give 784 values in [0,1]. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "advlab.h"

/* Inputs up to this many pixels are built; larger valid sizes are skipped so
 * one run stays fast (the sides themselves are still fuzzed). */
#define PIXELS_LIMIT (1 << 20)

static float pixel(uint8_t b)
{
    static const float special[5] = {NAN, INFINITY, -0.5f, 1.5f, -0.0f};
    return b <= 250 ? (float)b / 250.0f : special[b - 251];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    int width = (int16_t)(data[0] | data[1] << 8), height = (int16_t)(data[2] | data[3] << 8);
    const uint8_t *bytes = data + 4;
    size_t nbytes = size - 4;
    float out[784];
    int sides_ok = width >= 1 && width <= 4096 && height >= 1 && height <= 4096;
    if (!sides_ok) {
        float one = 0.5f; /* too small for any size: must not be read past */
        if (advlab_image_to_mnist(&one, width, height, out) == ADVLAB_OK)
            abort();
        return 0;
    }
    size_t n = (size_t)width * (size_t)height;
    if (n > PIXELS_LIMIT || nbytes == 0)
        return 0;
    float *alpha = malloc(n * sizeof *alpha);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        alpha[i] = pixel(bytes[i % nbytes]);
        bad |= !(alpha[i] >= 0.0f && alpha[i] <= 1.0f);
    }
    advlab_status st = advlab_image_to_mnist(alpha, width, height, out);
    free(alpha);
    if ((st == ADVLAB_OK) == bad)
        abort(); /* accepted a bad pixel, or rejected a good image */
    for (int i = 0; st == ADVLAB_OK && i < 784; i++)
        if (!(out[i] >= 0.0f && out[i] <= 1.0f))
            abort();
    return 0;
}
