/* The bad-input catalogue: one test per way an input can be wrong (IDX
 * files, safetensors files, image files, parameters), each pinned to its
 * status code, the name of the input and the problem. Files are built from
 * bytes (forge.h). tests/node/bad_input.test.mjs runs the same cases through
 * the wasm module. Where a case is legitimately accepted, its test asserts
 * the right result instead and says why. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
                ADVLAB_E_FORMAT, "notes.txt", "not a PNG, JPEG, BMP or PGM/PPM image");

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

    /* What the fuzzer found in stb_image, now refused before stb decodes. */
    uint8_t pnm[] = "P5\n12345678901 1\n255\n";
    EXPECT_FAIL(advlab_image_file_to_mnist("long.pgm", pnm, sizeof pnm - 1, out), ADVLAB_E_FORMAT,
                "long.pgm", "corrupt PGM/PPM header: a number of 11 digits");
    uint8_t jpeg[2 + 2 + 2 + 1 + 16] = {0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x13, 0x00};
    memset(jpeg + 7, 255, 16); /* 16 x 255 codes in one table */
    EXPECT_FAIL(advlab_image_file_to_mnist("dht.jpg", jpeg, sizeof jpeg, out), ADVLAB_E_FORMAT,
                "dht.jpg", "Huffman table at byte 2 declares 4080 codes, more than 256");
    uint8_t filled[2 + sizeof jpeg] = {0xFF, 0xFF}; /* stb skips 0xFF fill bytes before the SOI */
    memcpy(filled + 2, jpeg, sizeof jpeg);
    EXPECT_FAIL(advlab_image_file_to_mnist("filled.jpg", filled, sizeof filled, out),
                ADVLAB_E_FORMAT, "filled.jpg",
                "Huffman table at byte 4 declares 4080 codes, more than 256");
    uint8_t idat[] = {0x78, 0x9c};
    uint8_t *png = forge_png(28, 28, 8, 0, idat, sizeof idat, &len);
    /* The IDAT chunk (after the signature and IHDR) claims 2^30 + 1 bytes. */
    png[33] = 0x40, png[34] = 0x00, png[35] = 0x00, png[36] = 0x01;
    EXPECT_FAIL(decode("idat.png", png, len, out), ADVLAB_E_NOMEM, "idat.png",
                "decoding would need");
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
                "unknown layer \"lenet\" (expected cNkK, p2 or dN, or a preset: tutorial, madry)");
    EXPECT_FAIL(advlab_net_create("c4k5-p3-d10", 8, 1, &made), ADVLAB_E_ARG, "arch \"c4k5-p3-d10\"",
                "pooling layer \"p3\" must be p2");
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
