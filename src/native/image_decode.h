/* What image_file.c shares with its two decoders: the caps every image file
 * is held to, and the decoded pixels they hand back. PNG goes to libspng
 * (image_png.c), JPEG to libjpeg-turbo (image_jpeg.c): both are fuzzed
 * continuously upstream and patched by Debian, so no decoder of ours faces a
 * stranger's file (docs/security.md, "Image files in the CLI"). */
#ifndef ADVLAB_IMAGE_DECODE_H
#define ADVLAB_IMAGE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "advlab.h"

/* The side advlab_image_to_mnist accepts. */
#define IMAGE_SIDE_MAX 4096
/* The most bytes one image may take as its file stores it: 4096 x 4096 x 4
 * channels of 8 bits (a phone photo fits; a 16-bit RGBA picture of the
 * largest side does not). */
#define IMAGE_BYTES_MAX ((size_t)IMAGE_SIDE_MAX * IMAGE_SIDE_MAX * 4)

/* Decoded pixels: height rows of width pixels, each `channels` 8-bit
 * samples (1 grey, 3 RGB, 4 RGBA), malloc'd; the caller frees `bytes`. */
typedef struct {
    uint8_t *bytes;
    int width, height, channels;
} advlab__pixels;

/* The header check every decoder makes before it decodes a pixel: each
 * side in 1..IMAGE_SIDE_MAX, and width*height*channels*(bits/8) within
 * IMAGE_BYTES_MAX. ADVLAB_E_ARG naming `name` and the sizes if not. */
advlab_status advlab__image_check_header(const char *name, uint32_t width, uint32_t height,
                                         int channels, int bits);

/* A PNG file (any colour type and depth, interlaced or not) as RGBA. */
advlab_status advlab__png_decode(const char *name, const uint8_t *bytes, size_t len,
                                 advlab__pixels *out);
/* A JPEG file (baseline or progressive; grey, YCbCr or CMYK) as grey or RGB. */
advlab_status advlab__jpeg_decode(const char *name, const uint8_t *bytes, size_t len,
                                  advlab__pixels *out);

#endif
