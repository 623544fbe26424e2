/* PNG files through libspng (Debian libspng-dev), decoded to RGBA8 with
 * tRNS transparency applied and no gamma, as stb_image decoded them before.
 * libspng's own limits hold the header to the sides this lab takes, and the
 * metadata chunks it keeps (text, ICC profiles, Exif: nothing we read) to a
 * few MiB, also after inflating; every other buffer it makes is a few rows.
 * It checks every CRC and the zlib checksum, which stb did not. */
#include <stdlib.h>

#include <spng.h>

#include "base/error.h"
#include "native/image_decode.h"

/* Real files carry kilobytes of metadata; an ICC profile rarely passes
 * 1 MiB. */
#define PNG_CHUNK_MAX ((size_t)4 << 20)
#define PNG_CACHE_MAX ((size_t)16 << 20)

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Channels as the file stores them, for the size cap: a palette counts as
 * the RGB it stands for. */
static int stored_channels(uint8_t color_type)
{
    switch (color_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE: return 1;
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA: return 2;
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA: return 4;
    default: return 3;
    }
}

/* libspng's error as ours, naming the file. */
static advlab_status png_fail(const char *name, const uint8_t *bytes, int err)
{
    switch (err) {
    case SPNG_EUSER_WIDTH:
    case SPNG_EUSER_HEIGHT:
        /* Over the image limits: libspng has read a well-formed IHDR, whose
         * place is fixed, and the header check words the message. */
        return advlab__image_check_header(name, be32(bytes + 16), be32(bytes + 20), 1, 8);
    case SPNG_IO_EOF:
    case SPNG_EOF:
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: truncated PNG: the file ends before its image data does", name);
    case SPNG_ECHUNK_LIMITS:
        return advlab__fail(
            ADVLAB_E_FORMAT,
            "%s: the PNG's metadata chunks pass this lab's limits (%zu MiB each, %zu MiB in all)",
            name, PNG_CHUNK_MAX >> 20, PNG_CACHE_MAX >> 20);
    case SPNG_EMEM: return advlab__fail(ADVLAB_E_NOMEM, "%s: out of memory decoding the PNG", name);
    default:
        return advlab__fail(ADVLAB_E_FORMAT, "%s: cannot decode the PNG: %s", name,
                            spng_strerror(err));
    }
}

static advlab_status decode(spng_ctx *ctx, const char *name, const uint8_t *bytes, size_t len,
                            advlab__pixels *out)
{
    struct spng_ihdr ihdr;
    size_t size = 0;
    int err = spng_set_image_limits(ctx, IMAGE_SIDE_MAX, IMAGE_SIDE_MAX);
    if (err == 0)
        err = spng_set_chunk_limits(ctx, PNG_CHUNK_MAX, PNG_CACHE_MAX);
    if (err == 0)
        err = spng_set_png_buffer(ctx, bytes, len);
    if (err == 0)
        err = spng_get_ihdr(ctx, &ihdr);
    if (err)
        return png_fail(name, bytes, err);
    TRY(advlab__image_check_header(name, ihdr.width, ihdr.height, stored_channels(ihdr.color_type),
                                   ihdr.bit_depth == 16 ? 16 : 8));
    if ((err = spng_decoded_image_size(ctx, SPNG_FMT_RGBA8, &size)) != 0)
        return png_fail(name, bytes, err);
    uint8_t *pixels = malloc(size);
    if (pixels == NULL)
        return advlab__fail(ADVLAB_E_NOMEM, "%s: cannot allocate %zu bytes for %ux%u pixels", name,
                            size, (unsigned)ihdr.width, (unsigned)ihdr.height);
    if ((err = spng_decode_image(ctx, pixels, size, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS)) != 0) {
        free(pixels);
        return png_fail(name, bytes, err);
    }
    *out = (advlab__pixels){pixels, (int)ihdr.width, (int)ihdr.height, 4};
    return ADVLAB_OK;
}

advlab_status advlab__png_decode(const char *name, const uint8_t *bytes, size_t len,
                                 advlab__pixels *out)
{
    spng_ctx *ctx = spng_ctx_new(0);
    if (ctx == NULL)
        return advlab__fail(ADVLAB_E_NOMEM, "%s: cannot start libspng", name);
    advlab_status st = decode(ctx, name, bytes, len, out);
    spng_ctx_free(ctx);
    return st;
}
