#include "forge.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

uint8_t *forge_idx(int rank, const uint32_t *dims, const uint8_t *data, size_t n_data, size_t *len)
{
    *len = 4 + 4 * (size_t)rank + n_data;
    uint8_t *b = malloc(*len);
    put_be32(b, 0x0800u | (uint32_t)rank);
    for (int i = 0; i < rank; i++)
        put_be32(b + 4 + 4 * i, dims[i]);
    if (n_data)
        memcpy(b + 4 + 4 * rank, data, n_data);
    return b;
}

uint8_t *forge_idx_magic(uint32_t magic, uint32_t dim, size_t *len)
{
    *len = 9;
    uint8_t *b = malloc(*len);
    put_be32(b, magic);
    put_be32(b + 4, dim);
    b[8] = 0;
    return b;
}

uint8_t *forge_safetensors(uint64_t declared, const char *header, const uint8_t *data,
                           size_t n_data, size_t *len)
{
    size_t h = strlen(header);
    *len = 8 + h + n_data;
    uint8_t *b = malloc(*len);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(declared >> 8 * i);
    memcpy(b + 8, header, h);
    if (n_data)
        memcpy(b + 8 + h, data, n_data);
    return b;
}

/* Appends one chunk: length, type, data, CRC of type and data. */
static size_t put_chunk(uint8_t *at, const char type[4], const uint8_t *data, size_t n)
{
    put_be32(at, (uint32_t)n);
    memcpy(at + 4, type, 4);
    if (n)
        memcpy(at + 8, data, n);
    put_be32(at + 8 + n, (uint32_t)crc32(crc32(0, at + 4, 4), data, (uInt)n));
    return 12 + n;
}

uint8_t *forge_png(uint32_t width, uint32_t height, int bit_depth, int color_type,
                   const uint8_t *rows, size_t rows_len, size_t *len)
{
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uLongf packed_len = compressBound((uLong)rows_len);
    uint8_t *packed = malloc(packed_len), ihdr[13] = {0};
    if (rows)
        compress(packed, &packed_len, rows, (uLong)rows_len);
    else
        packed_len = 0;
    put_be32(ihdr, width);
    put_be32(ihdr + 4, height);
    ihdr[8] = (uint8_t)bit_depth;
    ihdr[9] = (uint8_t)color_type;
    uint8_t *b = malloc(8 + 25 + 12 + packed_len + 12), *p = b;
    memcpy(p, signature, 8);
    p += 8;
    p += put_chunk(p, "IHDR", ihdr, 13);
    if (rows)
        p += put_chunk(p, "IDAT", packed, packed_len);
    p += put_chunk(p, "IEND", NULL, 0);
    free(packed);
    *len = (size_t)(p - b);
    return b;
}
