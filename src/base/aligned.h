/* Memory the vector kernels stream through, aligned to a cache line.
 * Emscripten's malloc aligns to 8 bytes only: a 16-byte load or store at 8
 * mod 16 straddles two cache lines one time in four, and V8 pays for each.
 * From malloc'd memory the dense layer of Madry's net took its weight
 * gradient at 25% of the SIMD128 peak, from aligned memory at 44%
 * (bench/kernels.mjs). Freed with free(). */
#ifndef ADVLAB_ALIGNED_H
#define ADVLAB_ALIGNED_H

#include <stddef.h>

/* Floats in a cache line: buffers carved from one allocation start at
 * multiples of this. */
#define ADVLAB_LINE_FLOATS 16

/* n rounded up to whole cache lines of floats. */
static inline size_t advlab__line_floats(size_t n)
{
    return (n + ADVLAB_LINE_FLOATS - 1) / ADVLAB_LINE_FLOATS * ADVLAB_LINE_FLOATS;
}

/* bytes (at least 1) at a cache-line boundary, uninitialised; NULL when
 * memory runs out or bytes overflows. */
void *advlab__aligned_alloc(size_t bytes);
/* n floats at a cache-line boundary, zeroed; NULL as above. */
float *advlab__floats_zeroed(size_t n);

#endif
