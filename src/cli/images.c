#include "cli/images.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "cli/cli.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wshadow"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#define GRID_COLUMNS 16
#define GRID_SCALE 2
#define GRID_GAP 2
/* predict --image prints every class probability, for nets of this many classes at most. */
#define MAX_CLASSES_SHOWN 1000

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

static int write_idx(const char *path, const float *x, int n, int h, int w)
{
    size_t count = (size_t)n * h * w, len = 16 + 4 * count;
    uint8_t *bytes = malloc(len);
    if (!bytes)
        return cli_fail("%s: out of memory for %d images", path, n);
    put_be32(bytes, 0x00000D03); /* float32, rank 3 */
    put_be32(bytes + 4, (uint32_t)n);
    put_be32(bytes + 8, (uint32_t)h);
    put_be32(bytes + 12, (uint32_t)w);
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &x[i], 4);
        put_be32(bytes + 16 + 4 * i, bits);
    }
    advlab_status st = advlab_file_write(path, bytes, len);
    free(bytes);
    return st ? cli_fail_status() : 0;
}

typedef struct {
    uint8_t *data;
    size_t len, cap;
    int failed;
} png_buffer;

static void append_png(void *context, void *data, int size)
{
    png_buffer *b = context;
    if (b->failed)
        return;
    if (!b->data || b->len + (size_t)size > b->cap) {
        size_t cap = (b->cap ? b->cap : 4096) * 2 + (size_t)size;
        uint8_t *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->data = grown, b->cap = cap;
    }
    memcpy(b->data + b->len, data, (size_t)size);
    b->len += (size_t)size;
}

/* The grid's pixels as a PNG file. */
static int write_png(const char *path, const uint8_t *pixels, int width, int height)
{
    png_buffer png = {0};
    int ok = stbi_write_png_to_func(append_png, &png, width, height, 1, pixels, width);
    advlab_status st =
        ok && png.data && !png.failed ? advlab_file_write(path, png.data, png.len) : ADVLAB_E_NOMEM;
    free(png.data);
    if (st == ADVLAB_E_NOMEM)
        return cli_fail("%s: PNG encoding failed", path);
    return st ? cli_fail_status() : 0;
}

int cli_write_row_png(const char *path, const float *x, int n, int h, int w)
{
    int cell_w = w * GRID_SCALE + GRID_GAP, width = n * cell_w + GRID_GAP;
    int height = h * GRID_SCALE + 2 * GRID_GAP;
    uint8_t *pixels = malloc((size_t)width * height);
    if (!pixels)
        return cli_fail("%s: out of memory for the grid", path);
    memset(pixels, 255, (size_t)width * height);
    for (int c = 0; c < n; c++)
        for (int i = 0; i < h * GRID_SCALE; i++)
            for (int j = 0; j < w * GRID_SCALE; j++) {
                float v = x[(size_t)c * h * w + (i / GRID_SCALE) * w + j / GRID_SCALE];
                pixels[(size_t)(GRID_GAP + i) * width + GRID_GAP + c * cell_w + j] =
                    (uint8_t)lrintf(fminf(fmaxf(v, 0.0f), 1.0f) * 255.0f);
            }
    int rc = write_png(path, pixels, width, height);
    free(pixels);
    return rc;
}

/* Row 0: clean images; row 1: adversarial; row 2: the perturbation, mid
 * grey for zero and scaled so the largest change is black or white. */
static int write_grid(const char *path, const float *x, const float *x_adv, int n, int h, int w)
{
    int cols = n < GRID_COLUMNS ? n : GRID_COLUMNS, cell_w = w * GRID_SCALE + GRID_GAP,
        cell_h = h * GRID_SCALE + GRID_GAP;
    int width = cols * cell_w + GRID_GAP, height = 3 * cell_h + GRID_GAP;
    uint8_t *pixels = malloc((size_t)width * height);
    if (!pixels)
        return cli_fail("%s: out of memory for the grid", path);
    memset(pixels, 255, (size_t)width * height);
    for (int c = 0; c < cols; c++) {
        const float *a = x + (size_t)c * h * w, *b = x_adv + (size_t)c * h * w;
        float largest = 1e-6f;
        for (int i = 0; i < h * w; i++)
            largest = fmaxf(largest, fabsf(b[i] - a[i]));
        for (int row = 0; row < 3; row++)
            for (int i = 0; i < h * GRID_SCALE; i++)
                for (int j = 0; j < w * GRID_SCALE; j++) {
                    int k = (i / GRID_SCALE) * w + j / GRID_SCALE;
                    float v = row == 0   ? a[k]
                              : row == 1 ? b[k]
                                         : 0.5f + 0.5f * (b[k] - a[k]) / largest;
                    pixels[(size_t)(GRID_GAP + row * cell_h + i) * width + GRID_GAP + c * cell_w +
                           j] = (uint8_t)lrintf(fminf(fmaxf(v, 0.0f), 1.0f) * 255.0f);
                }
    }
    int rc = write_png(path, pixels, width, height);
    free(pixels);
    return rc;
}

int cli_write_images(const char *path, const float *x, const float *x_adv, int n, int h, int w)
{
    size_t len = strlen(path);
    if (len >= 4 && strcmp(path + len - 4, ".png") == 0)
        return write_grid(path, x, x_adv, n, h, w);
    return write_idx(path, x_adv, n, h, w);
}

/* Prints the class and every probability, as text or JSON. */
static void print_prediction(const char *image, const float *probs, int k, int json)
{
    int best = 0;
    for (int c = 1; c < k; c++)
        best = probs[c] > probs[best] ? c : best;
    if (json) {
        printf("{\"command\":\"predict\",\"image\":");
        cli_print_json_string(image);
        printf(",\"class\":%d,\"probs\":[", best);
    } else
        printf("%s: class %d, probabilities", image, best);
    for (int c = 0; c < k; c++) {
        const char *sep = !json ? " " : c ? "," : "";
        printf(json ? "%s%.9g" : "%s%.4f", sep, (double)probs[c]);
    }
    printf(json ? "]}\n" : "\n");
}

/* Reading: the digit in an image file (advlab_image_file_to_mnist), classified. */
int cli_predict_image(const cli_options *o)
{
    if (!o->model)
        return cli_fail("predict: --model is required with --image (see advlab predict --help)");
    advlab_net *net = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    float x[28 * 28], probs[MAX_CLASSES_SHOWN];
    if (cli_load_model(o->model, 1, &net))
        return 1;
    int k = advlab_net_classes(net), rc = 0;
    if (advlab_net_input_size(net) != 28 * 28 || k > MAX_CLASSES_SHOWN)
        rc = cli_fail("%s: predict --image needs a 28x28 model of at most %d classes", o->model,
                      MAX_CLASSES_SHOWN);
    else if (advlab_file_read(o->image, &bytes, &len) ||
             advlab_image_file_to_mnist(o->image, bytes, len, x) ||
             advlab_net_predict(net, x, 1, probs))
        rc = cli_fail_status();
    else
        print_prediction(o->image, probs, k, o->json);
    advlab_buffer_free(bytes);
    advlab_net_free(net);
    return rc;
}
