/* The IDX file format (LeCun's MNIST container), read from memory.
 *
 * An IDX file is a 4-byte magic 00 00 <type> <rank>, then <rank> big-endian
 * u32 dimensions, then the elements in row-major order. advlab reads only
 * unsigned-byte data (type 0x08): rank 3 (count, height, width) for images,
 * rank 1 (count) for labels. */
#ifndef ADVLAB_IDX_H
#define ADVLAB_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "advlab.h"

/* Validates an unsigned-byte IDX file of rank expect_rank (1 or 3) held in
 * bytes[0..len): the magic, the rank, every dimension in 1..INT32_MAX, and
 * that the header plus the product of the dimensions is exactly len. On
 * success dims[0..expect_rank) holds the dimensions, the rest are set to 1 so
 * dims[0]*dims[1]*dims[2] is always the element count, and *payload points
 * at the first element inside bytes. On failure the message names `name`
 * and neither dims nor *payload is touched. */
advlab_status advlab__idx_parse(const char *name, const uint8_t *bytes, size_t len, int expect_rank,
                                int32_t dims[3], const uint8_t **payload);

/* advlab_dataset_from_idx with a separate (non-NULL) name for each input, so
 * advlab_dataset_load can name the labels file in messages about labels. */
advlab_status advlab__dataset_from_idx_named(const char *images_name, const uint8_t *images,
                                             size_t images_len, const char *labels_name,
                                             const uint8_t *labels, size_t labels_len,
                                             advlab_dataset **out);

#endif
