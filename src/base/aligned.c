#include "base/aligned.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LINE_BYTES (ADVLAB_LINE_FLOATS * sizeof(float))

void *advlab__aligned_alloc(size_t bytes)
{
    if (bytes > SIZE_MAX - LINE_BYTES)
        return NULL;
    /* aligned_alloc wants a whole number of lines. */
    size_t whole = bytes ? (bytes + LINE_BYTES - 1) / LINE_BYTES * LINE_BYTES : LINE_BYTES;
    return aligned_alloc(LINE_BYTES, whole);
}

float *advlab__floats_zeroed(size_t n)
{
    if (n > SIZE_MAX / sizeof(float))
        return NULL;
    float *p = advlab__aligned_alloc(n * sizeof(float));
    if (p)
        memset(p, 0, n * sizeof(float));
    return p;
}
