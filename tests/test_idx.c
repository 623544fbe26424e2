/* The IDX data layer: parsing from memory, one test per rejection, files and
 * gzip on disk, and (given the data directory as argv[1]) the real MNIST. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, stat, rmdir */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "advlab.h"
#include "check.h"
#include "nn/idx.h"

/* ------------------------------------------------------------ fixtures */

enum { N = 3, H = 4, W = 5, IMG_HEADER = 16, LAB_HEADER = 8 };

/* A valid 3-image 4x5 dataset, with room for a few bytes too many. */
typedef struct {
    uint8_t img[IMG_HEADER + N * H * W + 8];
    size_t img_len;
    uint8_t lab[LAB_HEADER + N + 8];
    size_t lab_len;
} fixture;

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static const uint8_t fixture_labels[N] = {7, 0, 9};

/* Pixel i is i*37 mod 256, so neighbours differ and 0 occurs (i = 0); the
 * last pixel is 255 so both ends of [0,1] are exercised. */
static uint8_t fixture_pixel(int i) { return i == N * H * W - 1 ? 255 : (uint8_t)(i * 37 % 256); }

static void make_fixture(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->img[2] = 0x08;
    f->img[3] = 3;
    put_be32(f->img + 4, N);
    put_be32(f->img + 8, H);
    put_be32(f->img + 12, W);
    for (int i = 0; i < N * H * W; i++)
        f->img[IMG_HEADER + i] = fixture_pixel(i);
    f->img_len = IMG_HEADER + N * H * W;

    f->lab[2] = 0x08;
    f->lab[3] = 1;
    put_be32(f->lab + 4, N);
    memcpy(f->lab + LAB_HEADER, fixture_labels, N);
    f->lab_len = LAB_HEADER + N;
}

/* from_idx on the fixture; on failure also checks *out was left alone. */
static advlab_status from_fixture(const fixture *f)
{
    static char sentinel;
    advlab_dataset *ds = (advlab_dataset *)&sentinel;
    advlab_status st =
        advlab_dataset_from_idx("synthetic", f->img, f->img_len, f->lab, f->lab_len, &ds);
    if (st == ADVLAB_OK)
        advlab_dataset_free(ds);
    else
        CHECK(ds == (advlab_dataset *)&sentinel, "*out changed by a failing call");
    return st;
}

/* ----------------------------------------------------------- in memory */

static void test_round_trip(void)
{
    fixture f;
    make_fixture(&f);
    advlab_dataset *ds = NULL;
    advlab_status st =
        advlab_dataset_from_idx("synthetic", f.img, f.img_len, f.lab, f.lab_len, &ds);
    CHECK(st == ADVLAB_OK, "valid fixture rejected: %s", advlab_last_error());
    if (st != ADVLAB_OK)
        return;
    /* The dataset must own its bytes, not borrow the caller's. */
    memset(&f, 0xee, sizeof f);

    CHECK(advlab_dataset_count(ds) == N, "count %d", advlab_dataset_count(ds));
    CHECK(advlab_dataset_height(ds) == H, "height %d", advlab_dataset_height(ds));
    CHECK(advlab_dataset_width(ds) == W, "width %d", advlab_dataset_width(ds));
    const uint8_t *pix = advlab_dataset_pixels(ds);
    int pix_ok = 1;
    for (int i = 0; i < N * H * W; i++)
        pix_ok &= pix[i] == fixture_pixel(i);
    CHECK(pix_ok, "pixels differ from the IDX payload");
    CHECK(memcmp(advlab_dataset_labels(ds), fixture_labels, N) == 0, "labels differ");

    /* Repeats and any order are allowed; every value must be exactly p/255.0f. */
    const int32_t idx[4] = {2, 0, 2, 1};
    float x[4 * H * W];
    int32_t y[4];
    advlab_dataset_gather(ds, idx, 4, x, y);
    int x_ok = 1, saw_zero = 0, saw_one = 0;
    for (int i = 0; i < 4; i++) {
        CHECK(y[i] == fixture_labels[idx[i]], "y[%d] = %d", i, (int)y[i]);
        for (int j = 0; j < H * W; j++) {
            float want = fixture_pixel(idx[i] * H * W + j) / 255.0f;
            float got = x[i * H * W + j];
            x_ok &= memcmp(&got, &want, sizeof got) == 0;
            saw_zero |= got == 0.0f;
            saw_one |= got == 1.0f;
        }
    }
    CHECK(x_ok, "gathered pixels are not bit-identical to p / 255.0f");
    CHECK(saw_zero && saw_one, "fixture should reach both ends of [0,1]");

    advlab_dataset_gather(ds, idx, 0, x, y); /* n = 0 is a no-op */

    /* The mean image, pixel by pixel in double, as the sum over rows. */
    float mean[H * W];
    CHECK(advlab_dataset_mean(ds, mean) == ADVLAB_OK, "%s", advlab_last_error());
    int mean_ok = 1;
    for (int j = 0; j < H * W; j++) {
        double sum = 0;
        for (int i = 0; i < N; i++)
            sum += fixture_pixel(i * H * W + j);
        mean_ok &= mean[j] == (float)(sum / (255.0 * N));
    }
    CHECK(mean_ok, "the mean image differs from the sum over the rows");
    CHECK_FAILS(advlab_dataset_mean(NULL, mean), ADVLAB_E_ARG, "ds is NULL");
    CHECK_FAILS(advlab_dataset_mean(ds, NULL), ADVLAB_E_ARG, "mean is NULL");
    advlab_dataset_free(ds);
}

/* Rows [first, first+n) as a dataset of their own: a copy of exactly those rows; a range
 * outside the dataset, or none, is refused and names the rows. */
static void test_rows(void)
{
    fixture f;
    make_fixture(&f);
    advlab_dataset *ds = NULL, *rows = NULL;
    if (advlab_dataset_from_idx("synthetic", f.img, f.img_len, f.lab, f.lab_len, &ds)) {
        CHECK(0, "valid fixture rejected: %s", advlab_last_error());
        return;
    }
    CHECK(advlab_dataset_rows(ds, 1, N - 1, &rows) == ADVLAB_OK, "%s", advlab_last_error());
    if (rows) {
        CHECK(advlab_dataset_count(rows) == N - 1 && advlab_dataset_height(rows) == H &&
                  advlab_dataset_width(rows) == W,
              "rows are %d of %dx%d", advlab_dataset_count(rows), advlab_dataset_height(rows),
              advlab_dataset_width(rows));
        CHECK(memcmp(advlab_dataset_pixels(rows), advlab_dataset_pixels(ds) + H * W,
                     (size_t)(N - 1) * H * W) == 0,
              "the rows' pixels are not rows 1.. of the dataset");
        CHECK(memcmp(advlab_dataset_labels(rows), fixture_labels + 1, N - 1) == 0,
              "the rows' labels are not rows 1.. of the dataset");
        advlab_dataset_free(rows);
    }
    CHECK_FAILS(advlab_dataset_rows(ds, 1, N, &rows), ADVLAB_E_ARG, "rows 1..3 are not inside");
    CHECK_FAILS(advlab_dataset_rows(ds, -1, 1, &rows), ADVLAB_E_ARG, "rows -1..-1");
    CHECK_FAILS(advlab_dataset_rows(ds, 0, 0, &rows), ADVLAB_E_ARG, "rows 0..-1");
    CHECK_FAILS(advlab_dataset_rows(ds, 0, 1, NULL), ADVLAB_E_ARG, "no place for the rows");
    CHECK_FAILS(advlab_dataset_rows(NULL, 0, 1, &rows), ADVLAB_E_ARG, "no dataset");
    advlab_dataset_free(ds);
}

static void test_parse(void)
{
    fixture f;
    make_fixture(&f);
    int32_t dims[3] = {-1, -1, -1};
    const uint8_t *payload = NULL;
    advlab_status st = advlab__idx_parse("imgs", f.img, f.img_len, 3, dims, &payload);
    CHECK(st == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(dims[0] == N && dims[1] == H && dims[2] == W, "dims %d %d %d", (int)dims[0], (int)dims[1],
          (int)dims[2]);
    CHECK(payload == f.img + IMG_HEADER, "payload should point just past the header");

    st = advlab__idx_parse("labs", f.lab, f.lab_len, 1, dims, &payload);
    CHECK(st == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(dims[0] == N && dims[1] == 1 && dims[2] == 1, "rank 1 dims %d %d %d", (int)dims[0],
          (int)dims[1], (int)dims[2]);
    CHECK(payload == f.lab + LAB_HEADER, "label payload should point just past the header");

    /* A failure leaves the out-params alone. */
    dims[0] = dims[1] = dims[2] = -7;
    payload = NULL;
    st = advlab__idx_parse("labs", f.lab, f.lab_len - 1, 1, dims, &payload);
    CHECK_FAILS(st, ADVLAB_E_FORMAT, "labs: truncated");
    CHECK(dims[0] == -7 && dims[1] == -7 && dims[2] == -7 && payload == NULL,
          "out-params changed by a failing parse");

    CHECK_FAILS(advlab__idx_parse("labs", f.lab, f.lab_len, 2, dims, &payload), ADVLAB_E_ARG,
                "rank 2 requested");
}

static void test_reject_bad_magic(void)
{
    fixture f;
    make_fixture(&f);
    f.img[0] = 0x12;
    f.img[1] = 0x34;
    f.img[2] = 0x56;
    f.img[3] = 0x78;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic: bad magic 0x12345678, expected 0x00000803 (ubyte, rank 3)");

    make_fixture(&f);
    f.lab[1] = 0x01;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic (labels): bad magic 0x00010801, expected 0x00000801");
}

static void test_reject_gzip_bytes(void)
{
    fixture f;
    make_fixture(&f);
    f.img[0] = 0x1f;
    f.img[1] = 0x8b;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT, "looks gzip-compressed, inflate it first");
}

static void test_reject_wrong_dtype(void)
{
    fixture f;
    make_fixture(&f);
    f.img[2] = 0x0d; /* IDX float */
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic: data type 0x0d is not unsigned byte (0x08)");
}

static void test_reject_wrong_rank(void)
{
    fixture f;
    make_fixture(&f);
    /* Images and labels swapped, the likeliest mix-up. */
    advlab_dataset *ds = NULL;
    CHECK_FAILS(advlab_dataset_from_idx("swapped", f.lab, f.lab_len, f.img, f.img_len, &ds),
                ADVLAB_E_FORMAT, "swapped: rank 1, expected 3 (count, height, width)");
    CHECK(ds == NULL, "*out set by a failing call");

    make_fixture(&f);
    f.lab[3] = 3;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic (labels): rank 3, expected 1 (count)");
}

static void test_reject_zero_dim(void)
{
    fixture f;
    make_fixture(&f);
    put_be32(f.img + 8, 0);
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT, "synthetic: dimension 1 (height) is 0");

    /* An empty dataset is useless to every caller, so it is an error too. */
    make_fixture(&f);
    put_be32(f.img + 4, 0);
    f.img_len = IMG_HEADER;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT, "synthetic: dimension 0 (count) is 0");
}

static void test_reject_huge_dim(void)
{
    fixture f;
    make_fixture(&f);
    put_be32(f.img + 12, 0x80000000u);
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic: dimension 2 (width) is 2147483648, larger than 2147483647");
}

static void test_reject_overflow(void)
{
    fixture f;
    make_fixture(&f);
    /* Each dimension is legal; their product is not addressable. A parser
     * that wrapped around could then accept a short file. */
    for (int i = 0; i < 3; i++)
        put_be32(f.img + 4 + 4 * i, 0x7fffffffu);
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic: dimensions 2147483647 x 2147483647 x 2147483647 are too large");
}

static void test_reject_truncated(void)
{
    fixture f;
    make_fixture(&f);
    f.img_len -= 1;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic: truncated: header says 60 data bytes, file has 59");

    make_fixture(&f);
    f.lab_len = LAB_HEADER;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic (labels): truncated: header says 3 data bytes, file has 0");
}

static void test_reject_trailing(void)
{
    fixture f;
    make_fixture(&f);
    f.img_len += 2;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic: trailing bytes: 2 after the 60 data bytes");

    make_fixture(&f);
    f.lab_len += 1;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT, "synthetic (labels): trailing bytes: 1");
}

static void test_reject_short_magic(void)
{
    fixture f;
    make_fixture(&f);
    f.img_len = 3;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic: too short for an IDX header: 3 bytes, need at least 4");
    f.img_len = 0;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT, "too short for an IDX header: 0 bytes");
}

static void test_reject_short_dims(void)
{
    fixture f;
    make_fixture(&f);
    f.img_len = 10;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic: header truncated: 10 bytes, a rank 3 header needs 16");
    make_fixture(&f);
    f.lab_len = 7;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic (labels): header truncated: 7 bytes, a rank 1 header needs 8");
}

static void test_reject_count_mismatch(void)
{
    fixture f;
    make_fixture(&f);
    put_be32(f.lab + 4, N - 1);
    f.lab_len -= 1;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic has 3 images but synthetic (labels) has 2 labels");

    make_fixture(&f);
    put_be32(f.lab + 4, N + 1);
    f.lab_len += 1;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic has 3 images but synthetic (labels) has 4 labels");
}

static void test_reject_label_range(void)
{
    fixture f;
    make_fixture(&f);
    f.lab[LAB_HEADER + 2] = 10;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT,
                "synthetic (labels): label 2 is 10, expected 0..9");
    make_fixture(&f);
    f.lab[LAB_HEADER + 1] = 255;
    CHECK_FAILS(from_fixture(&f), ADVLAB_E_FORMAT, "label 1 is 255");
}

static void test_reject_null(void)
{
    fixture f;
    make_fixture(&f);
    advlab_dataset *ds = NULL;
    CHECK_FAILS(advlab_dataset_from_idx("synthetic", NULL, f.img_len, f.lab, f.lab_len, &ds),
                ADVLAB_E_ARG, "synthetic: no data");
    CHECK_FAILS(advlab_dataset_from_idx("synthetic", f.img, f.img_len, NULL, f.lab_len, &ds),
                ADVLAB_E_ARG, "synthetic (labels): no data");
    CHECK_FAILS(advlab_dataset_from_idx("synthetic", f.img, f.img_len, f.lab, f.lab_len, NULL),
                ADVLAB_E_ARG, "out is NULL");
    CHECK(ds == NULL, "*out set by a failing call");

    /* A NULL name is allowed; messages then use a generic one. */
    f.img_len -= 1;
    CHECK_FAILS(advlab_dataset_from_idx(NULL, f.img, f.img_len, f.lab, f.lab_len, &ds),
                ADVLAB_E_FORMAT, "dataset: truncated");

    advlab_dataset_free(NULL);
    CHECK(advlab_dataset_count(NULL) == 0 && advlab_dataset_pixels(NULL) == NULL &&
              advlab_dataset_labels(NULL) == NULL,
          "getters on NULL");
}

/* ---------------------------------------------------------------- files */

static char tmp_dir[256];

static const char *tmp_file(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmp_dir, name);
    return buf;
}

static int write_gzip(const char *path, const char *mode, const uint8_t *bytes, size_t len)
{
    gzFile gz = gzopen(path, mode);
    if (gz == NULL)
        return 0;
    int ok = len == 0 || gzwrite(gz, bytes, (unsigned)len) == (int)len;
    return gzclose(gz) == Z_OK && ok;
}

static int same_dataset(const advlab_dataset *a, const advlab_dataset *b)
{
    int n = advlab_dataset_count(a), h = advlab_dataset_height(a), w = advlab_dataset_width(a);
    return n == advlab_dataset_count(b) && h == advlab_dataset_height(b) &&
           w == advlab_dataset_width(b) &&
           memcmp(advlab_dataset_pixels(a), advlab_dataset_pixels(b), (size_t)n * h * w) == 0 &&
           memcmp(advlab_dataset_labels(a), advlab_dataset_labels(b), (size_t)n) == 0;
}

static void test_files(void)
{
    fixture f;
    make_fixture(&f);
    char img[512], lab[512], img_gz[512], lab_gz[512];
    tmp_file(img, sizeof img, "images-idx3-ubyte");
    tmp_file(lab, sizeof lab, "labels-idx1-ubyte");
    tmp_file(img_gz, sizeof img_gz, "images-idx3-ubyte.gz");
    tmp_file(lab_gz, sizeof lab_gz, "labels-idx1-ubyte.gz");

    CHECK(advlab_file_write(img, f.img, f.img_len) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_file_write(lab, f.lab, f.lab_len) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(write_gzip(img_gz, "wb9", f.img, f.img_len), "cannot write %s", img_gz);
    CHECK(write_gzip(lab_gz, "wb9", f.lab, f.lab_len), "cannot write %s", lab_gz);

    advlab_dataset *mem = NULL, *raw = NULL, *gz = NULL, *mixed = NULL;
    CHECK(advlab_dataset_from_idx("synthetic", f.img, f.img_len, f.lab, f.lab_len, &mem) ==
              ADVLAB_OK,
          "%s", advlab_last_error());
    CHECK(advlab_dataset_load(img, lab, &raw) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_dataset_load(img_gz, lab_gz, &gz) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_dataset_load(img, lab_gz, &mixed) == ADVLAB_OK, "%s", advlab_last_error());
    if (mem && raw && gz && mixed) {
        CHECK(same_dataset(mem, raw), "file differs from memory");
        CHECK(same_dataset(mem, gz), "gzip file differs from memory");
        CHECK(same_dataset(mem, mixed), "raw images + gzip labels differ from memory");
    }
    advlab_dataset_free(mem);
    advlab_dataset_free(raw);
    advlab_dataset_free(gz);
    advlab_dataset_free(mixed);
    remove(img_gz);
    remove(lab_gz);
    remove(img);
    remove(lab);
}

/* Load errors name the file at fault, not just "the dataset". */
static void test_load_names_file(void)
{
    fixture f;
    make_fixture(&f);
    char img[512], lab[512];
    tmp_file(img, sizeof img, "good-images");
    tmp_file(lab, sizeof lab, "bad-labels");
    f.lab[LAB_HEADER] = 42;
    advlab_file_write(img, f.img, f.img_len);
    advlab_file_write(lab, f.lab, f.lab_len);

    static char sentinel;
    advlab_dataset *ds = (advlab_dataset *)&sentinel;
    char want[600];
    snprintf(want, sizeof want, "%s: label 0 is 42", lab);
    CHECK_FAILS(advlab_dataset_load(img, lab, &ds), ADVLAB_E_FORMAT, want);
    /* Swapped arguments: the labels file is blamed for not being images. */
    snprintf(want, sizeof want, "%s: rank 1, expected 3", lab);
    CHECK_FAILS(advlab_dataset_load(lab, img, &ds), ADVLAB_E_FORMAT, want);
    CHECK(ds == (advlab_dataset *)&sentinel, "*out changed by a failing load");
    remove(img);
    remove(lab);
}

static void test_missing_file(void)
{
    char missing[512], want[600];
    tmp_file(missing, sizeof missing, "no-such-file");
    snprintf(want, sizeof want, "%s: cannot open: ", missing);
    uint8_t *bytes = NULL;
    size_t len = 0;
    CHECK_FAILS(advlab_file_read(missing, &bytes, &len), ADVLAB_E_IO, want);
    CHECK(bytes == NULL && len == 0, "out-params changed by a failing read");
    advlab_dataset *ds = NULL;
    CHECK_FAILS(advlab_dataset_load(missing, missing, &ds), ADVLAB_E_IO, want);

    snprintf(missing, sizeof missing, "%s/no-such-dir/out.bin", tmp_dir);
    snprintf(want, sizeof want, "%s: cannot create: ", missing);
    CHECK_FAILS(advlab_file_write(missing, (const uint8_t *)"x", 1), ADVLAB_E_IO, want);
}

static void test_gzip_variants(void)
{
    fixture f;
    make_fixture(&f);
    char path[512], want[600];
    tmp_file(path, sizeof path, "variant.gz");
    uint8_t *bytes = NULL;
    size_t len = 0;

    /* Valid magic, then garbage. */
    static const uint8_t corrupt[] = {0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef,
                                      0x00, 0x03, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99,
                                      0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99};
    advlab_file_write(path, corrupt, sizeof corrupt);
    snprintf(want, sizeof want, "%s: corrupt gzip data", path);
    CHECK_FAILS(advlab_file_read(path, &bytes, &len), ADVLAB_E_FORMAT, want);
    advlab_dataset *ds = NULL;
    CHECK_FAILS(advlab_dataset_load(path, path, &ds), ADVLAB_E_FORMAT, want);
    CHECK(bytes == NULL && ds == NULL, "out-params changed by a failing read");

    /* Just the magic: the stream ends before its header does. */
    advlab_file_write(path, corrupt, 2);
    snprintf(want, sizeof want, "%s: gzip data is truncated", path);
    CHECK_FAILS(advlab_file_read(path, &bytes, &len), ADVLAB_E_FORMAT, want);

    /* A real stream with its trailer cut off. */
    uint8_t *whole = NULL;
    size_t whole_len = 0;
    write_gzip(path, "wb9", f.img, f.img_len);
    FILE *fp = fopen(path, "rb");
    if (fp) {
        uint8_t buf[1024];
        whole_len = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        whole = malloc(whole_len + 5);
        memcpy(whole, buf, whole_len);
    }
    CHECK(whole != NULL && whole_len > 20, "could not read back %s", path);
    if (whole == NULL)
        return;
    advlab_file_write(path, whole, whole_len - 3);
    CHECK_FAILS(advlab_file_read(path, &bytes, &len), ADVLAB_E_FORMAT, want);

    /* Junk after a complete member is rejected like IDX trailing bytes. */
    memcpy(whole + whole_len, "junk!", 5);
    advlab_file_write(path, whole, whole_len + 5);
    snprintf(want, sizeof want, "%s: 5 trailing bytes after the gzip data", path);
    CHECK_FAILS(advlab_file_read(path, &bytes, &len), ADVLAB_E_FORMAT, want);
    free(whole);

    /* Concatenated members (gzip's append mode) inflate to the concatenation. */
    size_t half = f.img_len / 2;
    CHECK(write_gzip(path, "wb", f.img, half) &&
              write_gzip(path, "ab", f.img + half, f.img_len - half),
          "cannot write two members to %s", path);
    advlab_status st = advlab_file_read(path, &bytes, &len);
    CHECK(st == ADVLAB_OK, "%s", advlab_last_error());
    if (st == ADVLAB_OK) {
        CHECK(len == f.img_len && memcmp(bytes, f.img, len) == 0, "two members inflated wrong");
        advlab_buffer_free(bytes);
    }

    /* Empty files, plain and gzipped, read as zero bytes in a real buffer. */
    write_gzip(path, "wb", NULL, 0);
    bytes = NULL;
    st = advlab_file_read(path, &bytes, &len);
    CHECK(st == ADVLAB_OK && bytes != NULL && len == 0, "empty gzip: %s", advlab_last_error());
    advlab_buffer_free(bytes);
    advlab_file_write(path, NULL, 0);
    bytes = NULL;
    st = advlab_file_read(path, &bytes, &len);
    CHECK(st == ADVLAB_OK && bytes != NULL && len == 0, "empty file: %s", advlab_last_error());
    advlab_buffer_free(bytes);
    remove(path);
}

/* A file larger than the 64 KiB first read buffer, so the growth path runs,
 * and a gzip copy whose trailer size hint is right. */
static void test_large_file(void)
{
    size_t n = 300001;
    uint8_t *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 2654435761u >> 13);
    char path[512], gz[512];
    tmp_file(path, sizeof path, "large.bin");
    tmp_file(gz, sizeof gz, "large.bin.gz");
    CHECK(advlab_file_write(path, data, n) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(write_gzip(gz, "wb1", data, n), "cannot write %s", gz);
    const char *paths[2] = {path, gz};
    for (int k = 0; k < 2; k++) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        advlab_status st = advlab_file_read(paths[k], &bytes, &len);
        CHECK(st == ADVLAB_OK, "%s", advlab_last_error());
        CHECK(st != ADVLAB_OK || (len == n && memcmp(bytes, data, n) == 0), "%s read back wrong",
              paths[k]);
        advlab_buffer_free(bytes);
    }
    free(data);
    remove(path);
    remove(gz);
}

/* ---------------------------------------------------------- real MNIST */

static void histogram(const advlab_dataset *ds, int counts[10])
{
    memset(counts, 0, 10 * sizeof counts[0]);
    const uint8_t *y = advlab_dataset_labels(ds);
    for (int i = 0; i < advlab_dataset_count(ds); i++)
        counts[y[i]]++;
}

static advlab_dataset *load_split(const char *dir, const char *split, const char *suffix)
{
    char img[1024], lab[1024];
    snprintf(img, sizeof img, "%s/%s-images-idx3-ubyte%s", dir, split, suffix);
    snprintf(lab, sizeof lab, "%s/%s-labels-idx1-ubyte%s", dir, split, suffix);
    advlab_dataset *ds = NULL;
    advlab_status st = advlab_dataset_load(img, lab, &ds);
    CHECK(st == ADVLAB_OK, "%s", advlab_last_error());
    return ds;
}

static void check_split(const advlab_dataset *ds, const char *split, int count,
                        const int want_hist[10], const uint8_t first_labels[10])
{
    CHECK(advlab_dataset_count(ds) == count, "%s count %d, expected %d", split,
          advlab_dataset_count(ds), count);
    CHECK(advlab_dataset_height(ds) == 28 && advlab_dataset_width(ds) == 28, "%s is %dx%d", split,
          advlab_dataset_height(ds), advlab_dataset_width(ds));
    int hist[10];
    histogram(ds, hist);
    for (int c = 0; c < 10; c++)
        CHECK(hist[c] == want_hist[c], "%s has %d of class %d, MNIST has %d", split, hist[c], c,
              want_hist[c]);
    CHECK(memcmp(advlab_dataset_labels(ds), first_labels, 10) == 0, "%s first labels differ",
          split);
}

static void test_real_mnist(const char *dir)
{
    static const int train_hist[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    static const int test_hist[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    static const uint8_t train_first[10] = {5, 0, 4, 1, 9, 2, 1, 3, 1, 4};
    static const uint8_t test_first[10] = {7, 2, 1, 0, 4, 1, 4, 9, 5, 9};

    advlab_dataset *train = load_split(dir, "train", "");
    advlab_dataset *test = load_split(dir, "t10k", "");
    if (train)
        check_split(train, "train", 60000, train_hist, train_first);
    if (test)
        check_split(test, "t10k", 10000, test_hist, test_first);

    /* data/get-mnist.sh also makes the .gz copies the web page fetches. */
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/t10k-images-idx3-ubyte.gz", dir);
    struct stat sb;
    if (stat(probe, &sb) != 0) {
        printf("skipping MNIST .gz checks: %s not found\n", probe);
    } else {
        advlab_dataset *train_gz = load_split(dir, "train", ".gz");
        advlab_dataset *test_gz = load_split(dir, "t10k", ".gz");
        if (train && train_gz)
            CHECK(same_dataset(train, train_gz), "train .gz differs from the raw files");
        if (test && test_gz)
            CHECK(same_dataset(test, test_gz), "t10k .gz differs from the raw files");
        advlab_dataset_free(train_gz);
        advlab_dataset_free(test_gz);
    }
    advlab_dataset_free(train);
    advlab_dataset_free(test);
}

/* A failed write leaves what was at the path alone: here the path is a
 * directory, so the final rename fails after the bytes were written. */
static void test_failed_write_keeps_target(void)
{
    char dir[512], file[600];
    tmp_file(dir, sizeof dir, "a-directory");
    CHECK(mkdir(dir, 0700) == 0, "mkdir %s", dir);
    CHECK_FAILS(advlab_file_write(dir, (const uint8_t *)"new", 3), ADVLAB_E_IO, "write failed");
    struct stat sb;
    CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode), "%s is no longer a directory", dir);
    snprintf(file, sizeof file, "%s.tmp", dir);
    CHECK(stat(file, &sb) != 0, "the temporary %s was left behind", file);
    CHECK(rmdir(dir) == 0, "rmdir %s", dir);
}

int main(int argc, char **argv)
{
    test_round_trip();
    test_rows();
    test_parse();
    test_reject_bad_magic();
    test_reject_gzip_bytes();
    test_reject_wrong_dtype();
    test_reject_wrong_rank();
    test_reject_zero_dim();
    test_reject_huge_dim();
    test_reject_overflow();
    test_reject_truncated();
    test_reject_trailing();
    test_reject_short_magic();
    test_reject_short_dims();
    test_reject_count_mismatch();
    test_reject_label_range();
    test_reject_null();

    const char *tmp = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/advlab-test-idx-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(tmp_dir) == NULL) {
        CHECK(0, "cannot create a temporary directory from %s", tmp_dir);
    } else {
        test_files();
        test_load_names_file();
        test_missing_file();
        test_failed_write_keeps_target();
        test_gzip_variants();
        test_large_file();
        CHECK(rmdir(tmp_dir) == 0, "%s not empty after the tests", tmp_dir);
    }

    struct stat sb;
    if (argc < 2)
        printf("skipping real MNIST checks: no data directory given\n");
    else if (stat(argv[1], &sb) != 0 || !S_ISDIR(sb.st_mode))
        printf("skipping real MNIST checks: %s not found\n", argv[1]);
    else
        test_real_mnist(argv[1]);

    return check_finish("test_idx");
}
