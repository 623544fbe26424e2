/* Image files to MNIST-style digits, natively: a PNG goes to libspng
 * (image_png.c), a JPEG to libjpeg-turbo (image_jpeg.c), the pixels become
 * ink the way the web page's upload does it (web/ui/pad.js inkOf), and
 * advlab_image_to_mnist boxes and centres the ink.
 *
 * The file may come from a stranger, so it is read only by decoders that
 * are fuzzed continuously upstream, and each checks the header against
 * advlab__image_check_header before it decodes a pixel. BMP and PGM/PPM are
 * not read: the page takes PNG and JPEG only, and a reader of our own for
 * each would be one more parser facing hostile files (docs/security.md). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "native/image_decode.h"

advlab_status advlab__image_check_header(const char *name, uint32_t width, uint32_t height,
                                         int channels, int bits)
{
    if (width < 1 || height < 1 || width > IMAGE_SIDE_MAX || height > IMAGE_SIDE_MAX)
        return advlab__fail(ADVLAB_E_ARG,
                            "%s: %ux%u pixels is outside the 1..%d per side this lab takes", name,
                            (unsigned)width, (unsigned)height, IMAGE_SIDE_MAX);
    size_t decoded = (size_t)width * height * (size_t)channels * (size_t)(bits / 8);
    if (decoded > IMAGE_BYTES_MAX)
        return advlab__fail(
            ADVLAB_E_ARG,
            "%s: %ux%u pixels of %d %d-bit channels decode to %zu MiB, over the %zu MiB limit",
            name, (unsigned)width, (unsigned)height, channels, bits, decoded >> 20,
            IMAGE_BYTES_MAX >> 20);
    return ADVLAB_OK;
}

/* Pixel i as grey over white paper, in [0,1]: RGB weighted as the grey
 * conversion stb_image used before (so digits read as they did), and
 * transparency as white. */
static float grey_over_white(const advlab__pixels *img, size_t i)
{
    const uint8_t *p = img->bytes + (size_t)img->channels * i;
    int grey = img->channels >= 3 ? (p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8 : p[0];
    int alpha = img->channels == 4 ? p[3] : 255;
    float a = alpha / 255.0f;
    return (grey / 255.0f) * a + (1.0f - a);
}

/* The pixels to ink: dark or light ink is told apart by the border (a light
 * border means dark ink), and the ink is stretched so the border is 0 and
 * the strongest ink 1. out has width*height floats. */
static void ink_of(const advlab__pixels *img, float *out)
{
    size_t w = (size_t)img->width, h = (size_t)img->height, n = w * h, border_count = 0;
    double border = 0.0;
    for (size_t i = 0; i < n; i++) {
        out[i] = grey_over_white(img, i);
        size_t x = i % w, y = i / w;
        if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
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

static int starts_with(const uint8_t *bytes, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(bytes, magic, n) == 0;
}

/* Picks the decoder by the file's first bytes, never by its name. */
static advlab_status decode(const char *name, const uint8_t *bytes, size_t len, advlab__pixels *img)
{
    if (starts_with(bytes, len, "\x89PNG\r\n\x1a\n", 8))
        return advlab__png_decode(name, bytes, len, img);
    if (starts_with(bytes, len, "\xff\xd8", 2))
        return advlab__jpeg_decode(name, bytes, len, img);
    const char *hint = "";
    if (starts_with(bytes, len, "BM", 2))
        hint = " (BMP files are not read: save it as PNG)";
    else if (len >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '6')
        hint = " (PGM/PPM files are not read: save it as PNG)";
    return advlab__fail(ADVLAB_E_FORMAT, "%s: not a PNG or JPEG image%s", name, hint);
}

advlab_status advlab_image_file_to_mnist(const char *name, const uint8_t *bytes, size_t len,
                                         float *out)
{
    if (name == NULL)
        name = "image";
    if ((bytes == NULL && len > 0) || out == NULL)
        return advlab__fail(ADVLAB_E_ARG, "%s: %s is NULL", name, out ? "bytes" : "out");
    if (len == 0)
        return advlab__fail(ADVLAB_E_FORMAT, "%s: empty file (0 bytes), not an image", name);
    advlab__pixels img;
    TRY(decode(name, bytes, len, &img));
    float *ink = malloc(sizeof(float) * (size_t)img.width * (size_t)img.height);
    if (ink == NULL) {
        free(img.bytes);
        return advlab__fail(ADVLAB_E_NOMEM, "%s: cannot allocate %dx%d floats for the ink", name,
                            img.width, img.height);
    }
    ink_of(&img, ink);
    free(img.bytes);
    advlab_status st = advlab_image_to_mnist(ink, img.width, img.height, out);
    free(ink);
    return st;
}
