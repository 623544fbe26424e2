#include "synthetic.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/rng.h"

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

advlab_dataset *synthetic_dataset(int n, uint64_t seed)
{
    size_t img_len = 16 + (size_t)n * 784, lab_len = 8 + (size_t)n;
    uint8_t *img = malloc(img_len), *lab = malloc(lab_len);
    advlab_rng rng;
    advlab__rng_seed(&rng, seed, 3);
    put_be32(img, 0x803), put_be32(img + 4, (uint32_t)n), put_be32(img + 8, 28),
        put_be32(img + 12, 28);
    put_be32(lab, 0x801), put_be32(lab + 4, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        int label = (int)advlab__rng_below(&rng, 10);
        lab[8 + i] = (uint8_t)label;
        uint8_t *p = img + 16 + (size_t)i * 784;
        for (int j = 0; j < 784; j++)
            p[j] = (uint8_t)advlab__rng_below(&rng, 60);
        for (int r = 2 + 2 * label; r < 4 + 2 * label; r++)
            for (int c = 4; c < 24; c++)
                p[r * 28 + c] = 255;
    }
    advlab_dataset *ds = NULL;
    if (advlab_dataset_from_idx("synthetic", img, img_len, lab, lab_len, &ds))
        fprintf(stderr, "synthetic dataset: %s\n", advlab_last_error());
    free(img), free(lab);
    return ds;
}
