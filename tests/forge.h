/* Files built byte by byte for the bad-input tests: IDX, safetensors, PNG
 * and JPEG, each written by a small function so a malformed file reads as the
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
/* png (from forge_png, realloc'd) with one more chunk right after its IHDR:
 * n bytes of data under a correct CRC. */
uint8_t *forge_png_chunk(uint8_t *png, size_t *len, const char type[4], const uint8_t *data,
                         size_t n);
/* A JPEG from libjpeg-turbo at quality 100: width x height pixels of
 * `components` 8-bit samples (1 grey, 3 RGB, or 4 CMYK stored inverted, as
 * Adobe's files and libjpeg's decoder have it), progressive if asked. */
uint8_t *forge_jpeg(int width, int height, int components, const uint8_t *pixels, int progressive,
                    size_t *len);
/* A progressive 8x8 grey JPEG whose one DC scan comes `scans` times over:
 * valid however many there are. */
uint8_t *forge_jpeg_scans(int scans, size_t *len);

#endif
