/* libFuzzer target for image files as the native build reads them
 * (advlab_image_file_to_mnist: PNG through libspng, JPEG through
 * libjpeg-turbo, sizes capped before decoding). Any input gives 784 values
 * in [0,1] or a clean error. The libraries are Debian's, not instrumented:
 * this fuzzes our use of them (limits, error paths, what we do with the
 * pixels), and their own fuzzing is upstream's (docs/security.md). */
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
