/* Pre-processing defences, as ART's FeatureSqueezing, SpatialSmoothing,
 * JpegCompression and GaussianAugmentation (augmentation=False) apply them to
 * one-channel images in [0,1]:
 *   squeeze  rint(clip(x) * (2^b - 1)) / (2^b - 1)
 *   median   the window x window median, scipy.ndimage.median_filter's
 *            centring and 'reflect' borders, over height and width
 *   jpeg     encode at `quality` with stb_image_write, decode with stb_image
 *   noise    clip(x + sigma * N(0,1)), normals from PCG32 stream 5
 * Everything a pre-processor needs is allocated at create, including the
 * memory stb_image decodes into (see the JPEG section). The last section is
 * each one's true derivative (preprocess.h), for the naive attack. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "defences/preprocess.h"

#include "base/config.h"
#include "base/error.h"
#include "base/mathf.h"
#include "base/rng.h"
#include "kernels/kernels.h"

#define MAX_SIDE 4096

/* ------------------------------------------------------- stb, in memory */

/* stb_image decodes through STBI_MALLOC. Pointing it at a bump arena sized
 * at create keeps "nothing allocates after create" true for JPEG too: each
 * decode resets the arena, and free is a no-op. */
typedef struct {
    unsigned char *base;
    size_t cap, used;
} decode_arena;

static _Thread_local decode_arena *current_arena;

static void *arena_alloc(size_t size)
{
    decode_arena *a = current_arena;
    size_t start = (a->used + 15) & ~(size_t)15; /* malloc's alignment */
    if (size > a->cap || start > a->cap - size)
        return NULL;
    a->used = start + size;
    return a->base + start;
}

#define STBI_MALLOC(size) arena_alloc(size)
#define STBI_REALLOC_SIZED(p, old_size, new_size) \
    NULL /* only the PNG and GIF decoders grow buffers */
#define STBI_FREE(p) ((void)(p))
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
/* The SSE2 IDCT is documented as bit-identical to the C one; wasm runs the
 * C one, so we run it everywhere and there is one path to trust. */
#define STBI_NO_SIMD
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
/* stb is private to this file (STB_*_STATIC). gcc reports the static
 * declarations that STBI_ONLY_JPEG leaves undefined at the end of the file,
 * past any pop, so -Wunused-function stays off for the whole file. */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <stb/stb_image.h>
/* stb_image_write 1.16's JPEG bit writer shifts a signed int past its top
 * bit (nothings/stb#1433), relying on two's-complement wrapping. -fwrapv
 * makes that defined for gcc, so UBSan builds do not stop there; clang
 * (emcc) compiles the same wrapping shift. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("wrapv")
#endif
#include <stb/stb_image_write.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#pragma GCC diagnostic pop

/* Upper bounds on what stb needs for one image. The encoder writes three
 * components (Y and constant chroma) in at most 6 blocks per 8x8 tile of
 * pixels; a block is at most 64 coefficients of 16 code + 11 value bits
 * (1728 bits), doubled for 0xFF byte stuffing, so 512 bytes. The decoder
 * allocates a stbi__jpeg twice (test, load), one raw plane per component
 * padded to 16x16 tiles, a line buffer per component and the output. */
static size_t jpeg_encoded_bound(int h, int w)
{
    return 1024 + (size_t)6 * 512 * (size_t)((h + 7) / 8) * (size_t)((w + 7) / 8);
}

static size_t jpeg_decode_bound(int h, int w)
{
    size_t plane = (size_t)(h + 15) * (size_t)(w + 15) + 15;
    return 2 * sizeof(stbi__jpeg) + 3 * plane + 3 * ((size_t)w + 3) + (size_t)h * w + 16 * 16;
}

/* ------------------------------------------------------------ config */

/* Where the noise stream stands: the polar method makes normals in pairs. */
typedef struct {
    advlab_rng rng;
    int has_spare;
    float spare;
} normal_stream;

struct advlab_preprocessor {
    advlab_preprocess_config cfg;
    int height, width;
    normal_stream noise;      /* noise: seeded from cfg.seed, stream 5 */
    normal_stream last_noise; /* noise: the stream as the last apply found it */
    int last_n;               /* noise: images in the last apply, 0 before any */
    void *block;              /* the one allocation everything below points into */
    float *image;             /* median: (height, width) copy, so out may equal x */
    float *window;            /* median: (window * window) */
    uint8_t *pixels;          /* jpeg: (height, width) bytes */
    uint8_t *encoded;         /* jpeg: encoded_cap bytes */
    size_t encoded_cap, encoded_len;
    int encoded_overflow;
    decode_arena arena; /* jpeg: stb_image's allocations */
};

static const char *const pre_names[] = {"squeeze", "median", "jpeg", "noise", NULL};

#define PRE(k) (1u << ADVLAB_PRE_##k)

/* The settable fields and the kind each applies to. The median's window is
 * also bounded by the image, which only create knows. */
static const advlab__cfg_field pre_fields[] = {
    {"bit_depth", ADVLAB__CFG_INT, offsetof(advlab_preprocess_config, bit_depth), 1, 1, 8, 0,
     PRE(SQUEEZE), NULL, "bits kept per pixel"},
    {"window", ADVLAB__CFG_INT, offsetof(advlab_preprocess_config, window), 2, 1, MAX_SIDE, 0,
     PRE(MEDIAN), NULL, "side of the median's window"},
    {"quality", ADVLAB__CFG_INT, offsetof(advlab_preprocess_config, quality), 50, 1, 100, 0,
     PRE(JPEG), NULL, "JPEG quality"},
    {"sigma", ADVLAB__CFG_FLOAT, offsetof(advlab_preprocess_config, sigma), 0.1, 0, INFINITY, 0,
     PRE(NOISE), NULL, "the noise's standard deviation"},
    {"seed", ADVLAB__CFG_SEED, offsetof(advlab_preprocess_config, seed), 1, 0, 0, 0, PRE(NOISE),
     NULL, "the noise's generator"},
};

const advlab__cfg_spec advlab__preprocess_spec =
    ADVLAB__CFG_SPEC("pre-processor", advlab_preprocess_config, pre_names,
                     offsetof(advlab_preprocess_config, kind), pre_fields, NULL);

const char *advlab_preprocess_name(advlab_preprocess_kind kind)
{
    return advlab__cfg_kind_name(&advlab__preprocess_spec, (int)kind);
}

/* Xu et al.'s MNIST settings: 1 bit and a 2x2 median (ART's defaults are 8
 * bits and 3x3, meant for colour images). ART's GaussianAugmentation sigma
 * 1.0 makes training copies; as a test-time defence on [0,1] pixels that
 * would drown the digit, so sigma is 0.1. Quality 50 is ART's. */
advlab_status advlab_preprocess_config_default(const char *name, advlab_preprocess_config *cfg)
{
    return advlab__cfg_defaults(&advlab__preprocess_spec, name, cfg);
}

advlab_status advlab_preprocess_config_set(advlab_preprocess_config *cfg, const char *key,
                                           double value)
{
    return advlab__cfg_set(&advlab__preprocess_spec, cfg, key, value);
}

/* ------------------------------------------------------------ create */

/* The median's window is bounded by the image, which the field table cannot
 * know, so that bound is checked first, with the image's side in the message. */
static advlab_status check_config(const advlab_preprocess_config *c, int height, int width)
{
    const char *kind = advlab_preprocess_name(c->kind);
    if (height < 1 || height > MAX_SIDE || width < 1 || width > MAX_SIDE)
        return advlab__fail(ADVLAB_E_ARG, "pre-processor %s: %dx%d images are out of range 1..%d",
                            kind, height, width, MAX_SIDE);
    int side = height < width ? height : width;
    if (c->kind == ADVLAB_PRE_MEDIAN && (c->window < 1 || c->window > side))
        return advlab__fail(ADVLAB_E_ARG, "pre-processor median: window %d is out of range 1..%d",
                            c->window, side);
    return advlab__cfg_check(&advlab__preprocess_spec, c);
}

advlab_status advlab_preprocessor_create(const advlab_preprocess_config *cfg, int height, int width,
                                         advlab_preprocessor **out)
{
    if (!cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "pre-processor: config and out are required");
    TRY(check_config(cfg, height, width));
    size_t pixels = (size_t)height * width, floats = 0, bytes = 0, encoded = 0, decoded = 0;
    if (cfg->kind == ADVLAB_PRE_MEDIAN)
        floats = pixels + (size_t)cfg->window * cfg->window;
    if (cfg->kind == ADVLAB_PRE_JPEG) {
        bytes = pixels;
        encoded = jpeg_encoded_bound(height, width);
        decoded = jpeg_decode_bound(height, width);
    }
    /* Floats first, then the bytes; the arena starts 16-aligned. */
    size_t arena_at = (sizeof(float) * floats + bytes + encoded + 15) & ~(size_t)15;
    advlab_preprocessor *p = calloc(1, sizeof *p);
    void *block = arena_at + decoded ? malloc(arena_at + decoded + 15) : NULL;
    if (!p || (arena_at + decoded && !block)) {
        free(p);
        free(block);
        return advlab__fail(ADVLAB_E_NOMEM, "pre-processor %s: scratch for %dx%d images",
                            pre_names[cfg->kind], height, width);
    }
    p->cfg = *cfg, p->height = height, p->width = width, p->block = block;
    if (cfg->kind == ADVLAB_PRE_MEDIAN) {
        p->image = block;
        p->window = p->image + pixels;
    }
    if (cfg->kind == ADVLAB_PRE_JPEG) {
        unsigned char *base = (unsigned char *)(((uintptr_t)block + 15) & ~(uintptr_t)15);
        p->pixels = base;
        p->encoded = p->pixels + pixels;
        p->encoded_cap = encoded;
        p->arena = (decode_arena){base + arena_at, decoded, 0};
    }
    advlab__rng_seed(&p->noise.rng, cfg->seed, 5);
    *out = p;
    return ADVLAB_OK;
}

void advlab_preprocessor_free(advlab_preprocessor *p)
{
    if (!p)
        return;
    free(p->block);
    free(p);
}

/* ------------------------------------------------------------- apply */

/* out = rint(clip(x) * L) / L with L = 2^bits - 1 levels above zero. */
static void squeeze_image(const advlab_preprocessor *p, const float *x, float *out)
{
    float levels = (float)((1 << p->cfg.bit_depth) - 1);
    size_t count = (size_t)p->height * p->width;
    for (size_t i = 0; i < count; i++)
        out[i] = rintf(advlab__clip01(x[i]) * levels) / levels;
}

/* scipy's 'reflect' border: d c b a | a b c d | d c b a, period 2n. */
static int reflect(int i, int n)
{
    int period = 2 * n;
    i %= period;
    if (i < 0)
        i += period;
    return i < n ? i : period - 1 - i;
}

/* The element of rank `rank` (0-based, ascending) of v[0..n), by
 * quickselect; v is reordered. Any selection gives the same value. */
static float select_rank(float *v, int n, int rank)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = v[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (rank <= j)
            hi = j;
        else if (rank >= i)
            lo = i;
        else
            return v[rank];
    }
    return v[rank];
}

/* The index into the image of position m (row-major scan order) of the
 * window of output (r,c): rows r-k/2 .. r+k-1-k/2, the same columns,
 * borders reflected. */
static size_t window_pixel(const advlab_preprocessor *p, int r, int c, int m)
{
    int k = p->cfg.window, half = k / 2;
    return (size_t)reflect(r + m / k - half, p->height) * p->width +
           (size_t)reflect(c + m % k - half, p->width);
}

/* The median of output (r,c)'s window of img; p->window is its scratch. */
static float window_median(advlab_preprocessor *p, const float *img, int r, int c)
{
    int m = p->cfg.window * p->cfg.window;
    for (int i = 0; i < m; i++)
        p->window[i] = img[window_pixel(p, r, c, i)];
    return select_rank(p->window, m, m / 2);
}

/* out(r,c) = element k*k/2 of the sorted window: scipy's median_filter with
 * origin 0, which for an even k takes the upper of the two middle values. */
static void median_image(advlab_preprocessor *p, const float *x, float *out)
{
    int h = p->height, w = p->width;
    memcpy(p->image, x, sizeof(float) * (size_t)h * w);
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
            out[(size_t)r * w + c] = window_median(p, p->image, r, c);
}

static void append_encoded(void *context, void *data, int size)
{
    advlab_preprocessor *p = context;
    if (size < 0 || (size_t)size > p->encoded_cap - p->encoded_len) {
        p->encoded_overflow = 1;
        return;
    }
    memcpy(p->encoded + p->encoded_len, data, (size_t)size);
    p->encoded_len += (size_t)size;
}

/* Bytes are rounded (ART truncates x*255, which turns an exact p/255 pixel
 * into p-1 about half the time), encoded, decoded and scaled back. */
static advlab_status jpeg_image(advlab_preprocessor *p, int image, const float *x, float *out)
{
    size_t count = (size_t)p->height * p->width;
    for (size_t i = 0; i < count; i++)
        p->pixels[i] = (uint8_t)rintf(advlab__clip01(x[i]) * 255.0f);
    p->encoded_len = 0;
    p->encoded_overflow = 0;
    if (!stbi_write_jpg_to_func(append_encoded, p, p->width, p->height, 1, p->pixels,
                                p->cfg.quality) ||
        p->encoded_overflow)
        return advlab__fail(ADVLAB_E_NOMEM,
                            "pre-processor jpeg: image %d does not encode into %zu bytes", image,
                            p->encoded_cap);
    int w = 0, h = 0, comp = 0;
    p->arena.used = 0;
    current_arena = &p->arena;
    stbi_uc *decoded = stbi_load_from_memory(p->encoded, (int)p->encoded_len, &w, &h, &comp, 1);
    current_arena = NULL;
    if (!decoded)
        return advlab__fail(ADVLAB_E_FORMAT, "pre-processor jpeg: image %d does not decode: %s",
                            image, stbi_failure_reason());
    if (w != p->width || h != p->height)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "pre-processor jpeg: image %d decodes as %dx%d, expected %dx%d", image,
                            h, w, p->height, p->width);
    k_bytes_to_unit(out, decoded, count);
    return ADVLAB_OK;
}

/* A standard normal by Marsaglia's polar method: for (u,v) uniform in the
 * unit disc, s = u^2 + v^2, u*sqrt(-2 ln s / s) and v*sqrt(...) are two
 * independent normals; the second is kept for the next call. */
static float next_normal(normal_stream *n)
{
    if (n->has_spare) {
        n->has_spare = 0;
        return n->spare;
    }
    float u, v, s;
    do {
        u = 2.0f * advlab__rng_uniform(&n->rng) - 1.0f;
        v = 2.0f * advlab__rng_uniform(&n->rng) - 1.0f;
        s = u * u + v * v;
    } while (s >= 1.0f || s == 0.0f);
    float f = sqrtf(-2.0f * advlab__logf(s) / s);
    n->spare = v * f;
    n->has_spare = 1;
    return u * f;
}

static void noise_image(advlab_preprocessor *p, const float *x, float *out)
{
    size_t count = (size_t)p->height * p->width;
    for (size_t i = 0; i < count; i++)
        out[i] = advlab__clip01(x[i] + p->cfg.sigma * next_normal(&p->noise));
}

advlab_status advlab_preprocessor_apply(advlab_preprocessor *p, const float *x, int n, float *out)
{
    if (!p)
        return advlab__fail(ADVLAB_E_ARG, "pre-processor: NULL");
    const char *kind = pre_names[p->cfg.kind];
    if (n < 1)
        return advlab__fail(ADVLAB_E_ARG,
                            "pre-processor %s: batch of %d images, expected at least 1", kind, n);
    if (!x || !out)
        return advlab__fail(ADVLAB_E_ARG, "pre-processor %s: %s is NULL", kind,
                            x ? "out" : "input images");
    size_t size = (size_t)p->height * p->width;
    TRY(advlab__check_finite(x, n, (int)size, "pre-processor %s: input", kind));
    p->last_noise = p->noise;
    p->last_n = n;
    for (int b = 0; b < n; b++) {
        const float *xb = x + (size_t)b * size;
        float *ob = out + (size_t)b * size;
        switch (p->cfg.kind) {
        case ADVLAB_PRE_SQUEEZE: squeeze_image(p, xb, ob); break;
        case ADVLAB_PRE_MEDIAN: median_image(p, xb, ob); break;
        case ADVLAB_PRE_JPEG: TRY(jpeg_image(p, b, xb, ob)); break;
        case ADVLAB_PRE_NOISE: noise_image(p, xb, ob); break;
        }
    }
    return ADVLAB_OK;
}

/* ------------------------------------------------- true derivative */

/* grad_in(j) = sum of grad_out(r,c) over the outputs whose median is pixel j.
 * The median is a selection, so its derivative is 1 at the selected pixel
 * and 0 elsewhere; among equal values the first window position in scan
 * order is taken. A reflected pixel can fill several positions of one
 * window and feed several outputs: the contributions add up. */
static void median_vjp(advlab_preprocessor *p, const float *x, const float *grad_out,
                       float *grad_in)
{
    int h = p->height, w = p->width, m = p->cfg.window * p->cfg.window;
    memset(grad_in, 0, sizeof(float) * (size_t)h * w);
    for (int r = 0; r < h; r++) {
        for (int c = 0; c < w; c++) {
            float median = window_median(p, x, r, c);
            for (int i = 0; i < m; i++) {
                size_t j = window_pixel(p, r, c, i);
                if (x[j] == median) {
                    grad_in[j] += grad_out[(size_t)r * w + c];
                    break;
                }
            }
        }
    }
}

/* d clip(x + sigma*z)/dx = 1 inside [0,1], 0 where the clip bites, for the
 * z that the last apply drew: the stream is replayed from where it stood. */
static void noise_vjp(const advlab_preprocessor *p, const float *x, int n, const float *grad_out,
                      float *grad_in)
{
    normal_stream replay = p->last_noise;
    size_t count = (size_t)n * p->height * p->width;
    for (size_t i = 0; i < count; i++) {
        float v = x[i] + p->cfg.sigma * next_normal(&replay);
        grad_in[i] = v < 0.0f || v > 1.0f ? 0.0f : grad_out[i];
    }
}

static int overlaps(const float *a, const float *b, size_t count)
{
    uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b, bytes = count * sizeof(float);
    return a0 < b0 + bytes && b0 < a0 + bytes;
}

advlab_status advlab__preprocess_vjp(advlab_preprocessor *p, const float *x, int n,
                                     const float *grad_out, float *grad_in)
{
    if (!p)
        return advlab__fail(ADVLAB_E_ARG, "pre-processor gradient: NULL");
    const char *kind = pre_names[p->cfg.kind];
    if (n < 1)
        return advlab__fail(ADVLAB_E_ARG,
                            "pre-processor %s gradient: batch of %d images, expected at least 1",
                            kind, n);
    if (!x || !grad_out || !grad_in)
        return advlab__fail(ADVLAB_E_ARG, "pre-processor %s gradient: %s is NULL", kind,
                            !x          ? "x"
                            : !grad_out ? "grad_out"
                                        : "grad_in");
    size_t size = (size_t)p->height * p->width, count = (size_t)n * size;
    if (overlaps(grad_in, x, count) || overlaps(grad_in, grad_out, count))
        return advlab__fail(ADVLAB_E_ARG, "pre-processor %s gradient: grad_in overlaps %s", kind,
                            overlaps(grad_in, x, count) ? "x" : "grad_out");
    if (p->cfg.kind == ADVLAB_PRE_NOISE && p->last_n != n)
        return advlab__fail(ADVLAB_E_ARG,
                            "pre-processor noise gradient: needs the noise of the last apply, on "
                            "these %d images, but that apply had %d",
                            n, p->last_n);
    switch (p->cfg.kind) {
    case ADVLAB_PRE_SQUEEZE:
    case ADVLAB_PRE_JPEG: memset(grad_in, 0, sizeof(float) * count); break;
    case ADVLAB_PRE_MEDIAN:
        for (int b = 0; b < n; b++)
            median_vjp(p, x + b * size, grad_out + b * size, grad_in + b * size);
        break;
    case ADVLAB_PRE_NOISE: noise_vjp(p, x, n, grad_out, grad_in); break;
    }
    return ADVLAB_OK;
}
