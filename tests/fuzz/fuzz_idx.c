/* libFuzzer target for the IDX parser and dataset builder. The first two
 * bytes (little-endian) give the length of the image file that follows; the
 * rest is the label file. Any input must give a dataset or a clean error,
 * never a crash. */
#include <stddef.h>
#include <stdint.h>

#include "advlab.h"
#include "nn/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const uint8_t *images = data + 2;
    size_t images_len = (size_t)(data[0] | data[1] << 8), rest = size - 2;
    if (images_len > rest)
        images_len = rest;
    int32_t dims[3];
    const uint8_t *payload;
    advlab__idx_parse("fuzz", images, rest, 3, dims, &payload);
    advlab__idx_parse("fuzz", images, rest, 1, dims, &payload);
    advlab_dataset *ds = NULL;
    if (advlab_dataset_from_idx("fuzz", images, images_len, images + images_len, rest - images_len,
                                &ds) == ADVLAB_OK) {
        int32_t idx = advlab_dataset_count(ds) - 1, y;
        float x[784];
        if (advlab_dataset_height(ds) * advlab_dataset_width(ds) <= 784)
            advlab_dataset_gather(ds, &idx, 1, x, &y);
        advlab_dataset_free(ds);
    }
    return 0;
}
