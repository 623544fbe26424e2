/* Image files to MNIST-style digits, natively: stb_image decodes PNG, JPEG,
 * BMP and PGM/PPM from memory, the pixels become ink the way the web page's
 * upload does it (web/ui/pad.js inkOf), and advlab_image_to_mnist boxes and
 * centres the ink.
 *
 * The file may come from a stranger, so its size is checked twice before any
 * pixel is decoded: stbi_info_from_memory reads only the header, and our own
 * limit on width*height*channels refuses what would need a large buffer.
 * Behind those, STBI_MAX_DIMENSIONS and a cap on every allocation stb makes
 * stop what a header check cannot see. */
#include <stdint.h>
#include <stdlib.h>

#include "base/error.h"
#include "native/image_guard.h"

/* The side advlab_image_to_mnist accepts. */
#define IMAGE_SIDE_MAX 4096
/* The most bytes one decoded image may take: 4096 x 4096 x 4 channels of 8
 * bits (a phone photo fits; a 16-bit RGBA picture of the largest side does
 * not). */
#define IMAGE_BYTES_MAX ((size_t)IMAGE_SIDE_MAX * IMAGE_SIDE_MAX * 4)

/* The most one stb allocation may take: the largest decode we allow plus
 * room for its row filters. A PNG chunk may declare a length of up to 2^31, and
 * stb grows its buffer to that before it finds the bytes missing, so a
 * 60-byte file could make it ask for gigabytes (the fuzzer's find). */
#define STB_ALLOC_MAX (IMAGE_BYTES_MAX + ((size_t)1 << 20))

/* The size of the last allocation refused, for the message; 0 if none. */
static _Thread_local size_t stb_refused;

static void *stb_malloc(size_t size)
{
    if (size > STB_ALLOC_MAX) {
        stb_refused = size;
        return NULL;
    }
    return malloc(size);
}

static void *stb_realloc(void *p, size_t size)
{
    if (size > STB_ALLOC_MAX) {
        stb_refused = size;
        return NULL;
    }
    return realloc(p, size);
}

#define STBI_MALLOC(size) stb_malloc(size)
#define STBI_REALLOC(p, size) stb_realloc(p, size)
#define STBI_FREE(p) free(p)
/* stb's own ceiling, for any path our header check might miss. It sits above
 * IMAGE_SIDE_MAX so that stbi_info still reports a 10000x10000 picture and
 * the message can say what is wrong with it. */
#define STBI_MAX_DIMENSIONS (1 << 16)
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_PNM
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_FAILURE_USERMSG
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#define IMAGE_KINDS "PNG, JPEG, BMP or PGM/PPM"

/* Header-only checks: a known format, each side in 1..IMAGE_SIDE_MAX, and
 * width*height*channels*bytes per channel within IMAGE_BYTES_MAX. */
static advlab_status check_header(const char *name, const uint8_t *bytes, size_t len)
{
    int w = 0, h = 0, channels = 0;
    if (len == 0)
        return advlab__fail(ADVLAB_E_FORMAT, "%s: empty file (0 bytes), not an image", name);
    if (len > INT32_MAX)
        return advlab__fail(ADVLAB_E_ARG, "%s: %zu bytes is more than an image file may have", name,
                            len);
    TRY(advlab__image_guard(name, bytes, len));
    if (!stbi_info_from_memory(bytes, (int)len, &w, &h, &channels))
        return advlab__fail(ADVLAB_E_FORMAT, "%s: not a %s image (%s)", name, IMAGE_KINDS,
                            stbi_failure_reason());
    if (w < 1 || h < 1 || w > IMAGE_SIDE_MAX || h > IMAGE_SIDE_MAX)
        return advlab__fail(ADVLAB_E_ARG,
                            "%s: %dx%d pixels is outside the 1..%d per side this lab takes", name,
                            w, h, IMAGE_SIDE_MAX);
    int bits = stbi_is_16_bit_from_memory(bytes, (int)len) ? 16 : 8;
    size_t decoded = (size_t)w * (size_t)h * (size_t)channels * (size_t)(bits / 8);
    if (decoded > IMAGE_BYTES_MAX)
        return advlab__fail(
            ADVLAB_E_ARG,
            "%s: %dx%d pixels of %d %d-bit channels decode to %zu MiB, over the %zu MiB limit",
            name, w, h, channels, bits, decoded >> 20, IMAGE_BYTES_MAX >> 20);
    return ADVLAB_OK;
}

/* Pixel i of stb's 1..4-channel output as grey over white paper, in [0,1]:
 * RGB weighted as stb's own grey conversion, transparency as white. */
static float grey_over_white(const stbi_uc *pixels, int channels, size_t i)
{
    const stbi_uc *p = pixels + (size_t)channels * i;
    int grey = channels >= 3 ? (p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8 : p[0];
    int alpha = channels == 2 ? p[1] : channels == 4 ? p[3] : 255;
    float a = alpha / 255.0f;
    return (grey / 255.0f) * a + (1.0f - a);
}

/* The pixels to ink: dark or light ink is told apart by the border (a light
 * border means dark ink), and the ink is stretched so the border is 0 and
 * the strongest ink 1. out has w*h floats. */
static void ink_of(const stbi_uc *pixels, int channels, int w, int h, float *out)
{
    size_t n = (size_t)w * (size_t)h, border_count = 0;
    double border = 0.0;
    for (size_t i = 0; i < n; i++) {
        out[i] = grey_over_white(pixels, channels, i);
        size_t x = i % (size_t)w, y = i / (size_t)w;
        if (x == 0 || y == 0 || x == (size_t)w - 1 || y == (size_t)h - 1) {
            border += out[i];
            border_count++;
        }
    }
    float mean = (float)(border / (double)border_count);
    int light = mean > 0.5f;
    float paper = light ? 1.0f - mean : mean, top = 0.0f;
    for (size_t i = 0; i < n; i++) {
        out[i] = light ? 1.0f - out[i] : out[i];
        top = out[i] > top ? out[i] : top;
    }
    float span = top - paper > 1e-3f ? top - paper : 1e-3f;
    for (size_t i = 0; i < n; i++) {
        float v = (out[i] - paper) / span;
        out[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
    }
}

advlab_status advlab_image_file_to_mnist(const char *name, const uint8_t *bytes, size_t len,
                                         float *out)
{
    if (name == NULL)
        name = "image";
    if ((bytes == NULL && len > 0) || out == NULL)
        return advlab__fail(ADVLAB_E_ARG, "%s: %s is NULL", name, out ? "bytes" : "out");
    TRY(check_header(name, bytes, len));
    int w = 0, h = 0, channels = 0;
    /* Channels as stored (req_comp 0): stb 2.27 converts the channels of a
     * 16-bit PGM/PPM as if it were 8-bit and then reads past its buffer,
     * which the fuzzer found; the conversion is done here instead. */
    stb_refused = 0;
    stbi_uc *pixels = stbi_load_from_memory(bytes, (int)len, &w, &h, &channels, 0);
    if (pixels == NULL && stb_refused)
        return advlab__fail(ADVLAB_E_NOMEM,
                            "%s: decoding would need %zu MiB at once, over the %zu MiB limit", name,
                            stb_refused >> 20, STB_ALLOC_MAX >> 20);
    if (pixels == NULL)
        return advlab__fail(ADVLAB_E_FORMAT, "%s: cannot decode the image: %s", name,
                            stbi_failure_reason());
    float *ink = malloc(sizeof(float) * (size_t)w * (size_t)h);
    if (ink == NULL) {
        stbi_image_free(pixels);
        return advlab__fail(ADVLAB_E_NOMEM, "%s: cannot allocate %dx%d floats for the ink", name, w,
                            h);
    }
    ink_of(pixels, channels, w, h, ink);
    stbi_image_free(pixels);
    advlab_status st = advlab_image_to_mnist(ink, w, h, out);
    free(ink);
    return st;
}
