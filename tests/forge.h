/* Files built byte by byte for the bad-input tests: IDX, safetensors and
 * PNG, each written by a small function so a malformed file reads as the
 * one thing that is wrong with it. Every function returns a malloc'd buffer
 * (free it) and its length through *len. */
#ifndef ADVLAB_FORGE_H
#define ADVLAB_FORGE_H

#include <stddef.h>
#include <stdint.h>

/* An IDX file: magic 00 00 08 <rank>, rank big-endian dims, then n_data
 * bytes of data (which need not match the dims). */
uint8_t *forge_idx(int rank, const uint32_t *dims, const uint8_t *data, size_t n_data, size_t *len);
/* An IDX file with a magic of the caller's choosing and one dim. */
uint8_t *forge_idx_magic(uint32_t magic, uint32_t dim, size_t *len);
/* safetensors: an 8-byte little-endian header length (declared, which may
 * differ from strlen(header)), the header text, then n_data data bytes. */
uint8_t *forge_safetensors(uint64_t declared, const char *header, const uint8_t *data,
                           size_t n_data, size_t *len);
/* A PNG of one IDAT chunk: rows are the raw scanlines (filter byte 0 then
 * the pixels), compressed with zlib. rows may be NULL for a header-only
 * picture of any size. */
uint8_t *forge_png(uint32_t width, uint32_t height, int bit_depth, int color_type,
                   const uint8_t *rows, size_t rows_len, size_t *len);

#endif
