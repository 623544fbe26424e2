/* The bad-input catalogue: one test per way an input can be wrong (IDX
 * files, safetensors files, image files, parameters), each pinned to its
 * status code, the name of the input and the problem. Files are built from
 * bytes (forge.h). tests/node/bad_input.test.mjs runs the same cases through
 * the wasm module. Where a case is legitimately accepted, its test asserts
 * the right result instead and says why. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "advlab.h"
#include "check.h"
#include "forge.h"
#include "synthetic.h"

static int cases;

/* One rejection: the status, and a message naming the input and the problem. */
static void expect_fail(int line, advlab_status st, advlab_status want, const char *input,
                        const char *problem)
{
    const char *msg = advlab_last_error();
    cases++;
    CHECK(st == want && strstr(msg, input) && strstr(msg, problem),
          "line %d: expected status %d naming \"%s\" with \"%s\", got %d: \"%s\"", line, (int)want,
          input, problem, (int)st, msg);
}
#define EXPECT_FAIL(st, want, input, problem) \
    expect_fail(__LINE__, (st), (want), (input), (problem))

/* ----------------------------------------------------------------- IDX */

static const uint32_t two_images[3] = {2, 2, 2};
static const uint8_t eight_pixels[8] = {0, 32, 64, 96, 128, 160, 192, 255};

/* advlab_dataset_from_idx of two forged files; frees them. */
static advlab_status load_idx(const char *name, uint8_t *images, size_t images_len, uint8_t *labels,
                              size_t labels_len)
{
    advlab_dataset *ds = NULL;
    advlab_status st = advlab_dataset_from_idx(name, images, images_len, labels, labels_len, &ds);
    CHECK(st != ADVLAB_OK || ds != NULL, "%s: OK without a dataset", name);
    advlab_dataset_free(ds);
    free(images);
    free(labels);
    return st;
}

static uint8_t *labels_of(const uint8_t *labels, uint32_t n, size_t *len)
{
    return forge_idx(1, &n, labels, n, len);
}

static void test_idx(void)
{
    size_t il, ll;
    uint8_t *images, *labels;

    images = forge_idx(3, two_images, eight_pixels, 5, &il); /* 3 bytes short */
    labels = labels_of((const uint8_t[]){1, 2}, 2, &ll);
    EXPECT_FAIL(load_idx("truncated-images", images, il, labels, ll), ADVLAB_E_FORMAT,
                "truncated-images", "truncated: header says 8 data bytes, file has 5");

    images = forge_idx_magic(0x12345678u, 1, &il);
    labels = labels_of((const uint8_t[]){1}, 1, &ll);
    EXPECT_FAIL(load_idx("wrong-magic", images, il, labels, ll), ADVLAB_E_FORMAT, "wrong-magic",
                "bad magic 0x12345678");

    /* (2^31-1)^3 bytes cannot be addressed even by a 64-bit size_t. */
    images = forge_idx(3, (const uint32_t[]){0x7fffffff, 0x7fffffff, 0x7fffffff}, NULL, 0, &il);
    labels = labels_of((const uint8_t[]){1}, 1, &ll);
    EXPECT_FAIL(load_idx("overflowing-dims", images, il, labels, ll), ADVLAB_E_FORMAT,
                "overflowing-dims",
                "dimensions 2147483647 x 2147483647 x 2147483647 are too large to address");

    images = forge_idx(3, two_images, eight_pixels, 8, &il);
    labels = labels_of((const uint8_t[]){1}, 1, &ll);
    EXPECT_FAIL(load_idx("counts", images, il, labels, ll), ADVLAB_E_FORMAT, "counts",
                "has 2 images but counts (labels) has 1 labels");

    images = forge_idx(3, two_images, eight_pixels, 8, &il);
    labels = labels_of((const uint8_t[]){3, 10}, 2, &ll);
    EXPECT_FAIL(load_idx("label-ten", images, il, labels, ll), ADVLAB_E_FORMAT,
                "label-ten (labels)", "label 1 is 10, expected 0..9");
}

/* --------------------------------------------------------- safetensors */

/* A 396-parameter net, so a whole weights file is written out below. */
#define TINY_ARCH "c1k5-p2-p2-d10"
#define META "\"__metadata__\":{\"arch\":\"" TINY_ARCH "\"}"
#define CONV_W "\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,5,5],\"data_offsets\":[0,100]}"
#define CONV_B "\"conv1.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[100,104]}"
#define FC_W "\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[10,36],\"data_offsets\":[104,1544]}"
#define FC_B "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[1544,1584]}"
#define TINY_DATA 1584

static advlab_net *tiny;
static uint8_t zeros[TINY_DATA]; /* every weight 0.0f */

/* Loads header + data into the tiny net, which must not change on failure. */
static advlab_status load_weights(const char *name, uint64_t declared, const char *header,
                                  const uint8_t *data, size_t n_data)
{
    size_t len, count = advlab_net_param_count(tiny);
    float *before = malloc(sizeof(float) * count);
    memcpy(before, advlab_net_params(tiny), sizeof(float) * count);
    uint8_t *file = forge_safetensors(declared, header, data, n_data, &len);
    advlab_status st = advlab_weights_load(tiny, name, file, len);
    CHECK(st == ADVLAB_OK || memcmp(before, advlab_net_params(tiny), sizeof(float) * count) == 0,
          "%s: a rejected file changed the net", name);
    free(before);
    free(file);
    return st;
}

static advlab_status load_header(const char *name, const char *header, const uint8_t *data)
{
    return load_weights(name, strlen(header), header, data, TINY_DATA);
}

static void test_safetensors(void)
{
    const char *good = "{" META "," CONV_W "," CONV_B "," FC_W "," FC_B "}";
    CHECK(load_header("good.safetensors", good, zeros) == ADVLAB_OK, "the well-formed file: %s",
          advlab_last_error());

    EXPECT_FAIL(load_weights("past-end.safetensors", 1000, "{}", NULL, 0), ADVLAB_E_FORMAT,
                "past-end.safetensors",
                "header length 1000 runs past the end of the file (10 bytes)");
    EXPECT_FAIL(load_header("not-json.safetensors", "{\"conv1.weight\": [1,2", zeros),
                ADVLAB_E_FORMAT, "not-json.safetensors: header JSON", "");
    EXPECT_FAIL(load_header("f16.safetensors",
                            "{" META "," CONV_W
                            ",\"conv1.bias\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":"
                            "[100,104]}," FC_W "," FC_B "}",
                            zeros),
                ADVLAB_E_FORMAT, "f16.safetensors",
                "tensor conv1.bias: dtype F16 is not supported, expected F32");
    EXPECT_FAIL(
        load_header("shape.safetensors",
                    "{" META
                    ",\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,10,2.5],\"data_offsets\":"
                    "[0,100]}," CONV_B "," FC_W "," FC_B "}",
                    zeros),
        ADVLAB_E_FORMAT, "shape.safetensors",
        "tensor conv1.weight: shape is not a list of non-negative");
    EXPECT_FAIL(
        load_header("shape2.safetensors",
                    "{" META
                    ",\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,25],\"data_offsets\":"
                    "[0,100]}," CONV_B "," FC_W "," FC_B "}",
                    zeros),
        ADVLAB_E_FORMAT, "shape2.safetensors",
        "tensor conv1.weight has shape [1,1,25], expected [1,1,5,5]");
    EXPECT_FAIL(load_header("overlap.safetensors",
                            "{" META "," CONV_W
                            ",\"conv1.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":"
                            "[96,100]}," FC_W "," FC_B "}",
                            zeros),
                ADVLAB_E_FORMAT, "overlap.safetensors",
                "tensors conv1.weight and conv1.bias overlap");
    EXPECT_FAIL(
        load_header(
            "out-of-range.safetensors",
            "{" META "," CONV_W "," CONV_B "," FC_W
            ",\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[1584,1624]}}",
            zeros),
        ADVLAB_E_FORMAT, "out-of-range.safetensors",
        "tensor fc1.bias: data_offsets [1584,1624] run past the end of the data (1584 bytes)");

    uint8_t data[TINY_DATA] = {0};
    memcpy(data + 104 + 4 * 37, (const uint8_t[]){0x00, 0x00, 0xc0, 0x7f},
           4); /* fc1.weight[1,1] = NaN */
    EXPECT_FAIL(load_header("nan.safetensors", good, data), ADVLAB_E_NUMERIC, "nan.safetensors",
                "tensor fc1.weight[1,1] (flat index 37) is NaN");
    memcpy(data + 104 + 4 * 37, (const uint8_t[]){0x00, 0x00, 0x80, 0xff}, 4);
    EXPECT_FAIL(load_header("inf.safetensors", good, data), ADVLAB_E_NUMERIC, "inf.safetensors",
                "tensor fc1.weight[1,1] (flat index 37) is -Inf");

    EXPECT_FAIL(load_weights("missing.safetensors",
                             strlen("{" META "," CONV_W "," CONV_B "," FC_W "}"),
                             "{" META "," CONV_W "," CONV_B "," FC_W "}", zeros, 1544),
                ADVLAB_E_FORMAT, "missing.safetensors", "tensor fc1.bias is missing");
    EXPECT_FAIL(
        load_header(
            "extra.safetensors",
            "{" META "," CONV_W "," CONV_B "," FC_W "," FC_B
            ",\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[1584,1588]}}",
            zeros),
        ADVLAB_E_FORMAT, "extra.safetensors", "unexpected tensor \"fc2.weight\" (arch " TINY_ARCH);

    /* Huge declared sizes: a header length of 2^63, a tensor of 2^40
     * elements, and offsets ending at 2^53-1 (the largest integer JSON
     * carries exactly). None is allocated or read. */
    EXPECT_FAIL(load_weights("huge-header.safetensors", (uint64_t)1 << 63, "{}", NULL, 0),
                ADVLAB_E_FORMAT, "huge-header.safetensors",
                "header length 9223372036854775808 runs past the end");
    EXPECT_FAIL(load_header("huge-shape.safetensors",
                            "{" META
                            ",\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[1099511627776],"
                            "\"data_offsets\":[0,100]}," CONV_B "," FC_W "," FC_B "}",
                            zeros),
                ADVLAB_E_FORMAT, "huge-shape.safetensors",
                "tensor conv1.weight has shape [1099511627776], expected [1,1,5,5]");
    EXPECT_FAIL(
        load_header("huge-offsets.safetensors",
                    "{" META "," CONV_W "," CONV_B "," FC_W
                    ",\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[1544,"
                    "9007199254740991]}}",
                    zeros),
        ADVLAB_E_FORMAT, "huge-offsets.safetensors",
        "data_offsets [1544,9007199254740991] run past the end of the data");
}

/* -------------------------------------------------------------- images */

enum { SIDE = 28 };

/* A dark vertical bar on white, the same picture in three encodings. */
static int bar_pixel(int x, int y) { return x >= 12 && x < 16 && y >= 4 && y < 24; }

static uint8_t *png_grey8(size_t *len)
{
    uint8_t rows[SIDE * (1 + SIDE)] = {0};
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
            rows[y * (1 + SIDE) + 1 + x] = bar_pixel(x, y) ? 0 : 255;
    return forge_png(SIDE, SIDE, 8, 0, rows, sizeof rows, len);
}

/* Black ink, opaque on the bar and fully transparent elsewhere. */
static uint8_t *png_rgba8(size_t *len)
{
    uint8_t rows[SIDE * (1 + 4 * SIDE)] = {0};
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
            rows[y * (1 + 4 * SIDE) + 1 + 4 * x + 3] = bar_pixel(x, y) ? 255 : 0;
    return forge_png(SIDE, SIDE, 8, 6, rows, sizeof rows, len);
}

static uint8_t *png_grey16(size_t *len)
{
    uint8_t rows[SIDE * (1 + 2 * SIDE)] = {0};
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++) {
            uint8_t v = bar_pixel(x, y) ? 0x00 : 0xff;
            rows[y * (1 + 2 * SIDE) + 1 + 2 * x] = v;
            rows[y * (1 + 2 * SIDE) + 2 + 2 * x] = v;
        }
    return forge_png(SIDE, SIDE, 16, 0, rows, sizeof rows, len);
}

/* advlab_image_file_to_mnist of a forged file; frees it. */
static advlab_status decode(const char *name, uint8_t *bytes, size_t len, float *out)
{
    advlab_status st = advlab_image_file_to_mnist(name, bytes, len, out);
    free(bytes);
    return st;
}

/* PNGs that libspng refuses: each names the file and what is wrong. */
static void test_png_damage(float *out)
{
    size_t len;
    uint8_t *png = png_grey8(&len);
    /* Cut 4 bytes into the compressed pixels (the signature, IHDR and the
     * IDAT's length and type come first). */
    EXPECT_FAIL(decode("cut.png", png, 8 + 25 + 8 + 4, out), ADVLAB_E_FORMAT, "cut.png",
                "truncated PNG: the file ends before its image data does");
    png = png_grey8(&len);
    png[8 + 8 + 13] ^= 1; /* the IHDR's CRC */
    EXPECT_FAIL(decode("crc.png", png, len, out), ADVLAB_E_FORMAT, "crc.png",
                "cannot decode the PNG: invalid chunk checksum");
    png = forge_png(5000, 1, 8, 0, NULL, 0, &len);
    EXPECT_FAIL(decode("wide.png", png, len, out), ADVLAB_E_ARG, "wide.png",
                "5000x1 pixels is outside the 1..4096 per side");
    png = forge_png(1, 4097, 8, 0, NULL, 0, &len);
    EXPECT_FAIL(decode("tall.png", png, len, out), ADVLAB_E_ARG, "tall.png",
                "1x4097 pixels is outside the 1..4096 per side");
    png = forge_png(0, 28, 8, 0, NULL, 0, &len);
    EXPECT_FAIL(decode("zero.png", png, len, out), ADVLAB_E_FORMAT, "zero.png",
                "cannot decode the PNG: invalid image width");
    uint8_t rows[SIDE * (1 + SIDE)] = {0};
    png = forge_png(SIDE, SIDE, 8, 0, rows, sizeof rows / 2, &len);
    EXPECT_FAIL(decode("short.png", png, len, out), ADVLAB_E_FORMAT, "short.png",
                "cannot decode the PNG: IDAT stream too short");
    rows[0] = 5; /* filter types are 0..4 */
    png = forge_png(SIDE, SIDE, 8, 0, rows, sizeof rows, &len);
    EXPECT_FAIL(decode("filter.png", png, len, out), ADVLAB_E_FORMAT, "filter.png",
                "cannot decode the PNG: invalid scanline filter");
    /* A zTXt comment of a few KiB that inflates to 8 MiB, over the cap on
     * metadata libspng keeps. */
    uLongf packed_len = compressBound(8 << 20);
    uint8_t *blank = calloc(8 << 20, 1), *ztxt = malloc(9 + packed_len);
    memcpy(ztxt, "Comment\0", 9); /* keyword, NUL, compression method 0 */
    compress(ztxt + 9, &packed_len, blank, 8 << 20);
    png = forge_png_chunk(png_grey8(&len), &len, "zTXt", ztxt, 9 + packed_len);
    EXPECT_FAIL(decode("bomb.png", png, len, out), ADVLAB_E_FORMAT, "bomb.png",
                "the PNG's metadata chunks pass this lab's limits (4 MiB each, 16 MiB in all)");
    free(blank);
    free(ztxt);
    uint8_t idat[] = {0x78, 0x9c};
    png = forge_png(28, 28, 8, 0, idat, sizeof idat, &len);
    /* The IDAT chunk (after the signature and IHDR) claims 2^30 + 1 bytes. */
    png[33] = 0x40, png[34] = 0x00, png[35] = 0x00, png[36] = 0x01;
    EXPECT_FAIL(decode("idat.png", png, len, out), ADVLAB_E_FORMAT, "idat.png", "truncated PNG");
}

/* The offset of the first marker 0xFF `code` in a JPEG. */
static size_t jpeg_marker(const uint8_t *jpeg, size_t len, uint8_t code)
{
    size_t i = 2;
    while (i + 1 < len && !(jpeg[i] == 0xFF && jpeg[i + 1] == code))
        i++;
    return i;
}

/* JPEGs through libjpeg-turbo: the bar as grey, RGB, CMYK and progressive
 * gives nearly the bar's digit (the encoding is lossy), and damaged files
 * are refused. want is the bar's digit. */
static void test_jpegs(const float *want, float *out)
{
    uint8_t pixels[SIDE * SIDE * 4];
    size_t len;
    const int components[4] = {1, 3, 4, 3};
    const char *names[4] = {"grey.jpg", "rgb.jpg", "cmyk.jpg", "progressive.jpg"};
    for (int e = 0; e < 4; e++) {
        int c = components[e];
        for (int i = 0; i < SIDE * SIDE; i++) {
            memset(pixels + i * c, bar_pixel(i % SIDE, i / SIDE) ? 0 : 255, (size_t)c);
            if (c == 4) /* the bar in K alone; CMYK is stored inverted, 255 is no ink */
                memset(pixels + i * c, 255, 3);
        }
        uint8_t *jpeg = forge_jpeg(SIDE, SIDE, c, pixels, e == 3, &len);
        CHECK(decode(names[e], jpeg, len, out) == ADVLAB_OK, "%s: %s", names[e],
              advlab_last_error());
        float worst = 0.0f;
        for (int i = 0; i < 784; i++)
            worst = fmaxf(worst, fabsf(out[i] - want[i]));
        CHECK(worst < 0.05f, "%s gives the bar's digit to within 0.05, not %g", names[e],
              (double)worst);
        cases++;
    }

    memset(pixels, 255, SIDE * SIDE);
    uint8_t *jpeg = forge_jpeg(SIDE, SIDE, 1, pixels, 0, &len);
    EXPECT_FAIL(decode("cut.jpg", jpeg, len / 2, out), ADVLAB_E_FORMAT, "cut.jpg",
                "truncated JPEG: the file ends before its image data does");
    jpeg = forge_jpeg(SIDE, SIDE, 1, pixels, 0, &len);
    size_t sof = jpeg_marker(jpeg, len, 0xC0);
    jpeg[sof + 5] = 5000 >> 8, jpeg[sof + 6] = 5000 & 0xFF; /* the height */
    EXPECT_FAIL(decode("tall.jpg", jpeg, len, out), ADVLAB_E_ARG, "tall.jpg",
                "28x5000 pixels is outside the 1..4096 per side");
    jpeg = forge_jpeg(SIDE, SIDE, 1, pixels, 0, &len);
    size_t sos = jpeg_marker(jpeg, len, 0xDA);
    memset(jpeg + sos + 10, 0xFE, 4); /* the entropy-coded data, after the scan header */
    EXPECT_FAIL(decode("noise.jpg", jpeg, len, out), ADVLAB_E_FORMAT, "noise.jpg",
                "cannot decode the JPEG: Corrupt JPEG data");
    uint8_t dht[2 + 2 + 2 + 1 + 16] = {0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x13, 0x00};
    memset(dht + 7, 255, 16); /* 16 x 255 codes in one table, where 256 fit (stb wrote past it) */
    EXPECT_FAIL(advlab_image_file_to_mnist("dht.jpg", dht, sizeof dht, out), ADVLAB_E_FORMAT,
                "dht.jpg", "cannot decode the JPEG: Bogus Huffman table definition");

    /* Scans: each is a pass over the image, so past 100 the file is refused. */
    jpeg = forge_jpeg_scans(100, &len);
    CHECK(decode("scans-100.jpg", jpeg, len, out) == ADVLAB_OK, "100 scans: %s",
          advlab_last_error());
    cases++;
    jpeg = forge_jpeg_scans(101, &len);
    EXPECT_FAIL(decode("scans-101.jpg", jpeg, len, out), ADVLAB_E_FORMAT, "scans-101.jpg",
                "a progressive JPEG of more than 100 scans");
}

static void test_images(void)
{
    float out[784], want[784], ink[SIDE * SIDE];
    size_t len;

    EXPECT_FAIL(advlab_image_file_to_mnist("empty.png", (const uint8_t *)"", 0, out),
                ADVLAB_E_FORMAT, "empty.png", "empty file (0 bytes), not an image");
    uint8_t *huge =
        forge_png(10000, 10000, 8, 0, NULL, 0, &len); /* a header only: nothing to decode */
    EXPECT_FAIL(decode("huge.png", huge, len, out), ADVLAB_E_ARG, "huge.png",
                "10000x10000 pixels is outside the 1..4096 per side");
    uint8_t *deep =
        forge_png(4096, 4096, 16, 6, NULL, 0, &len); /* RGBA, 16 bits: 128 MiB decoded */
    EXPECT_FAIL(decode("deep.png", deep, len, out), ADVLAB_E_ARG, "deep.png",
                "4096x4096 pixels of 4 16-bit channels decode to 128 MiB, over the 64 MiB limit");
    const char *text = "this is not an image\n";
    EXPECT_FAIL(advlab_image_file_to_mnist("notes.txt", (const uint8_t *)text, strlen(text), out),
                ADVLAB_E_FORMAT, "notes.txt", "not a PNG or JPEG image");
    const char *bmp = "BM\x36\x03\0\0", *pgm = "P5\n16 16\n255\n";
    EXPECT_FAIL(advlab_image_file_to_mnist("paint.bmp", (const uint8_t *)bmp, 6, out),
                ADVLAB_E_FORMAT, "paint.bmp",
                "not a PNG or JPEG image (BMP files are not read: save it as PNG)");
    EXPECT_FAIL(advlab_image_file_to_mnist("scan.pgm", (const uint8_t *)pgm, strlen(pgm), out),
                ADVLAB_E_FORMAT, "scan.pgm",
                "not a PNG or JPEG image (PGM/PPM files are not read: save it as PNG)");

    /* Legitimately accepted: 1x1 is a valid picture, but its one pixel is
     * also its border, so it holds no ink darker than its paper: blank. */
    uint8_t one_row[2] = {0, 0};
    memset(out, 0xff, sizeof out);
    uint8_t *one_pixel = forge_png(1, 1, 8, 0, one_row, 2, &len);
    CHECK(decode("one-pixel.png", one_pixel, len, out) == ADVLAB_OK, "a 1x1 PNG: %s",
          advlab_last_error());
    int blank = 1;
    for (int i = 0; i < 784; i++)
        blank &= out[i] == 0.0f;
    CHECK(blank, "a 1x1 picture gives a blank digit");
    cases++;

    /* Legitimately accepted: grey, RGBA and 16-bit PNGs all decode, and the
     * same bar gives exactly the digit its ink gives advlab_image_to_mnist. */
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
            ink[y * SIDE + x] = bar_pixel(x, y) ? 1.0f : 0.0f;
    CHECK(advlab_image_to_mnist(ink, SIDE, SIDE, want) == ADVLAB_OK, "the bar's ink: %s",
          advlab_last_error());
    uint8_t *(*const encodings[3])(size_t *) = {png_grey8, png_rgba8, png_grey16};
    const char *names[3] = {"grey8.png", "rgba8.png", "grey16.png"};
    for (int e = 0; e < 3; e++) {
        uint8_t *png = encodings[e](&len);
        CHECK(decode(names[e], png, len, out) == ADVLAB_OK, "%s: %s", names[e],
              advlab_last_error());
        CHECK(memcmp(out, want, sizeof out) == 0, "%s gives the bar's digit", names[e]);
        cases++;
    }

    test_png_damage(out);
    test_jpegs(want, out);
}

/* ---------------------------------------------------------- parameters */

static void test_parameters(advlab_net *net, const advlab_dataset *ds)
{
    advlab_attack_config fgsm, pgd;
    advlab_attack *attack = NULL;
    advlab_attack_config_default("fgsm", &fgsm);
    advlab_attack_config_default("pgd", &pgd);

    fgsm.eps = -0.1f;
    EXPECT_FAIL(advlab_attack_create(net, &fgsm, &attack), ADVLAB_E_ARG, "attack fgsm",
                "eps -0.1 must be finite and >= 0");
    fgsm.eps = NAN;
    EXPECT_FAIL(advlab_attack_create(net, &fgsm, &attack), ADVLAB_E_ARG, "attack fgsm",
                "eps nan must be finite");
    pgd.eps = 0.1f, pgd.eps_step = 0.25f;
    EXPECT_FAIL(advlab_attack_create(net, &pgd, &attack), ADVLAB_E_ARG, "attack pgd",
                "eps_step 0.25 is larger than eps 0.1");
    EXPECT_FAIL(advlab_attack_config_default("fgsn", &fgsm), ADVLAB_E_ARG, "attack \"fgsn\"",
                "is unknown");
    CHECK(attack == NULL, "no attack made by the failures above");

    advlab_train_config train;
    advlab_adv_config adv;
    advlab_trainer *t = NULL;
    advlab_train_config_default(&train);
    train.batch = 8;
    advlab_adv_config_default(&adv);
    float ratios[3] = {-0.1f, 1.5f, NAN};
    const char *shown[3] = {"ratio -0.1 is out of range 0..1", "ratio 1.5 is out of range 0..1",
                            "ratio nan is out of range 0..1"};
    for (int i = 0; i < 3; i++) {
        adv.ratio = ratios[i];
        EXPECT_FAIL(advlab_adv_trainer_create(net, ds, &train, &adv, &t), ADVLAB_E_ARG,
                    "adversarial training", shown[i]);
    }

    advlab_train_config bad = train;
    bad.epochs = 0;
    EXPECT_FAIL(advlab_trainer_create(net, ds, &bad, &t), ADVLAB_E_ARG, "train config",
                "epochs 0 is out of range 1..10000");
    bad = train, bad.batch = 0;
    EXPECT_FAIL(advlab_trainer_create(net, ds, &bad, &t), ADVLAB_E_ARG, "train config",
                "batch 0 is out of range 1..8");
    bad = train, bad.lr = 0.0f;
    EXPECT_FAIL(advlab_trainer_create(net, ds, &bad, &t), ADVLAB_E_ARG, "train config",
                "lr 0 is out of range (0, 10]");
    bad = train, bad.lr = -0.01f;
    EXPECT_FAIL(advlab_trainer_create(net, ds, &bad, &t), ADVLAB_E_ARG, "train config",
                "lr -0.01 is out of range");
    CHECK(t == NULL, "no trainer made by the failures above");

    /* Legitimately accepted: a batch larger than the data is one short
     * batch per epoch, as in Keras (and ART, which trains through it), so a
     * handful of imported digits still trains at the default batch. */
    bad = train, bad.limit = 5, bad.epochs = 1;
    CHECK(advlab_trainer_create(net, ds, &bad, &t) == ADVLAB_OK, "batch 8 over 5 samples: %s",
          advlab_last_error());
    advlab_train_progress p;
    CHECK(t && advlab_trainer_run(t, 10, &p) == ADVLAB_OK && p.batches_per_epoch == 1 &&
              p.batch_in_epoch == 1 && advlab_trainer_finished(t),
          "batch 8 over 5 samples trains one batch of 5");
    advlab_trainer_free(t);
    cases++;

    advlab_net *made = NULL;
    EXPECT_FAIL(advlab_net_create("lenet", 8, 1, &made), ADVLAB_E_ARG, "arch \"lenet\"",
                "unknown layer \"lenet\" (expected cNkK[sS][pP], p2 or dN, or a preset: "
                "tutorial, madry, gowal-small)");
    EXPECT_FAIL(advlab_net_create("c4k5-p3-d10", 8, 1, &made), ADVLAB_E_ARG, "arch \"c4k5-p3-d10\"",
                "pooling layer \"p3\" must be p2");
    /* conv stride and padding */
    EXPECT_FAIL(advlab_net_create("c16k4s0-d10", 8, 1, &made), ADVLAB_E_ARG, "arch \"c16k4s0-d10\"",
                "layer \"c16k4s0\" has stride 0 (must be >= 1)");
    EXPECT_FAIL(advlab_net_create("c8k3p3-d10", 8, 1, &made), ADVLAB_E_ARG, "arch \"c8k3p3-d10\"",
                "layer \"c8k3p3\" pads 3, not less than its kernel size 3");
    EXPECT_FAIL(
        advlab_net_create("c8k5s2-c8k15p1-d10", 8, 1, &made), ADVLAB_E_ARG,
        "arch \"c8k5s2-c8k15p1-d10\"",
        "15x15 kernel of \"c8k15p1\" is larger than its 12x12 input (padded by 1): no output");
    EXPECT_FAIL(advlab_net_create("c8k3s-d10", 8, 1, &made), ADVLAB_E_ARG, "arch \"c8k3s-d10\"",
                "layer \"c8k3s\" is not cNkK[sS][pP] (e.g. c4k5, c16k4s2, c32k3s1p1)");
    EXPECT_FAIL(advlab_net_create("c8k3p1s2-d10", 8, 1, &made), ADVLAB_E_ARG,
                "arch \"c8k3p1s2-d10\"", "is not cNkK[sS][pP]");
    CHECK(made == NULL, "no net made by the failures above");
}

int main(void)
{
    CHECK(advlab_net_create(TINY_ARCH, 1, 1, &tiny) == ADVLAB_OK, "tiny net: %s",
          advlab_last_error());
    test_idx();
    test_safetensors();
    test_images();
    advlab_net *net = NULL;
    advlab_dataset *ds = synthetic_dataset(32, 7);
    CHECK(ds && advlab_net_create("tutorial", 8, 1, &net) == ADVLAB_OK, "tutorial net: %s",
          advlab_last_error());
    test_parameters(net, ds);
    advlab_net_free(net);
    advlab_dataset_free(ds);
    advlab_net_free(tiny);
    printf("bad-input catalogue: %d cases\n", cases);
    return check_finish("test_bad_input");
}
