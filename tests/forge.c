#include "forge.h"

#include <stdio.h> /* jpeglib.h uses FILE without including it */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
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

uint8_t *forge_png_chunk(uint8_t *png, size_t *len, const char type[4], const uint8_t *data,
                         size_t n)
{
    const size_t after_ihdr = 8 + 25;
    png = realloc(png, *len + 12 + n);
    memmove(png + after_ihdr + 12 + n, png + after_ihdr, *len - after_ihdr);
    put_chunk(png + after_ihdr, type, data, n);
    *len += 12 + n;
    return png;
}

uint8_t *forge_jpeg(int width, int height, int components, const uint8_t *pixels, int progressive,
                    size_t *len)
{
    static const J_COLOR_SPACE spaces[5] = {JCS_UNKNOWN, JCS_GRAYSCALE, JCS_UNKNOWN, JCS_RGB,
                                            JCS_CMYK};
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr err;
    unsigned char *out = NULL;
    unsigned long out_len = 0;
    cinfo.err = jpeg_std_error(&err);
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &out, &out_len);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = spaces[components];
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, 100, TRUE);
    if (progressive)
        jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)pixels + (size_t)cinfo.next_scanline * width * components;
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *len = out_len;
    return out;
}

uint8_t *forge_jpeg_scans(int scans, size_t *len)
{
    static const uint8_t
        head[] =
            {
                0xFF, 0xD8,                   /* SOI */
                0xFF, 0xDB, 0x00, 0x43, 0x00, /* DQT 0, then 64 ones */
                1,    1,    1,    1,    1,    1, 1, 1, 1, 1, 1, 1, 1,    1, 1, 1, 1, 1, 1, 1, 1,
                1,    1,    1,    1,    1,    1, 1, 1, 1, 1, 1, 1, 1,    1, 1, 1, 1, 1, 1, 1, 1,
                1,    1,    1,    1,    1,    1, 1, 1, 1, 1, 1, 1, 1,    1, 1, 1, 1, 1, 1, 1, 1,
                1,    0xFF, 0xC2, 0x00, 0x0B, 8, 0, 8, 0, 8, 1, 1, 0x11, 0, /* SOF2: 8x8, one
                                                                               component */
                0xFF, 0xC4, 0x00, 0x14, 0x00, 1, 0, 0, 0, 0, 0, 0, 0,    0, 0, 0, 0, 0, 0, 0, 0,
                0x00, /* DHT DC 0: one 1-bit code, for "no change" */
            };
    /* A DC first scan of the one block: the 1-bit code 0, padded with ones. */
    static const uint8_t scan[] = {0xFF, 0xDA, 0x00, 0x08, 1, 1, 0x00, 0, 0, 0x00, 0x7F};
    *len = sizeof head + (size_t)scans * sizeof scan + 2;
    uint8_t *b = malloc(*len), *p = b;
    memcpy(p, head, sizeof head);
    p += sizeof head;
    for (int i = 0; i < scans; i++, p += sizeof scan)
        memcpy(p, scan, sizeof scan);
    p[0] = 0xFF, p[1] = 0xD9; /* EOI */
    return b;
}
