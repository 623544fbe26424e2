/* libFuzzer target for stb_image decoding as the native build uses it
 * (advlab_image_file_to_mnist: PNG, JPEG, BMP, PGM/PPM, sizes capped before
 * decoding). Any input gives 784 values in [0,1] or a clean error. */
#include <stdint.h>
#include <stdlib.h>

#include "advlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    float out[784];
    if (advlab_image_file_to_mnist("fuzz", data, size, out) != ADVLAB_OK)
        return 0;
    for (int i = 0; i < 784; i++)
        if (!(out[i] >= 0.0f && out[i] <= 1.0f))
            abort();
    return 0;
}
