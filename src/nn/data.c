/* Datasets built from IDX files: pixels kept as bytes, scaled when gathered. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "kernels/kernels.h"
#include "nn/idx.h"

#define IDX_UBYTE 0x08
#define CLASSES 10

/* One allocation: the struct, then count*height*width pixel bytes, then
 * count labels, so advlab_dataset_free is a single free. */
struct advlab_dataset {
    int count, height, width;
    uint8_t *pixels; /* [count, height, width] */
    uint8_t *labels; /* [count], each < CLASSES */
};

static uint32_t read_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* What dimension i of a rank-1 or rank-3 file means, for messages. */
static const char *dim_name(int rank, int i)
{
    static const char *const image_dims[3] = {"count", "height", "width"};
    return rank == 1 ? "count" : image_dims[i];
}

advlab_status advlab__idx_parse(const char *name, const uint8_t *bytes, size_t len, int expect_rank,
                                int32_t dims[3], const uint8_t **payload)
{
    if (name == NULL)
        name = "IDX data";
    if ((expect_rank != 1 && expect_rank != 3) || dims == NULL || payload == NULL)
        return advlab__fail(ADVLAB_E_ARG, "%s: IDX rank %d requested, only 1 and 3 are supported",
                            name, expect_rank);
    if (bytes == NULL)
        return advlab__fail(ADVLAB_E_ARG, "%s: no data (NULL pointer)", name);
    if (len < 4)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: too short for an IDX header: %zu bytes, need at least 4", name,
                            len);

    uint32_t magic = read_be32(bytes);
    uint32_t expect_magic = (uint32_t)IDX_UBYTE << 8 | (uint32_t)expect_rank;
    if (bytes[0] != 0 || bytes[1] != 0) {
        /* The web page and the CLI both meet .gz copies, so say what it is. */
        const char *hint = bytes[0] == 0x1f && bytes[1] == 0x8b
                               ? "; this looks gzip-compressed, inflate it first"
                               : "";
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: bad magic 0x%08x, expected 0x%08x (ubyte, rank %d)%s", name,
                            (unsigned)magic, (unsigned)expect_magic, expect_rank, hint);
    }
    if (bytes[2] != IDX_UBYTE)
        return advlab__fail(ADVLAB_E_FORMAT, "%s: data type 0x%02x is not unsigned byte (0x%02x)",
                            name, bytes[2], IDX_UBYTE);
    if (bytes[3] != expect_rank)
        return advlab__fail(ADVLAB_E_FORMAT, "%s: rank %d, expected %d %s", name, bytes[3],
                            expect_rank, expect_rank == 1 ? "(count)" : "(count, height, width)");

    size_t header = 4 + 4 * (size_t)expect_rank;
    if (len < header)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: header truncated: %zu bytes, a rank %d header needs %zu", name,
                            len, expect_rank, header);

    int32_t d[3] = {1, 1, 1};
    for (int i = 0; i < expect_rank; i++) {
        uint32_t v = read_be32(bytes + 4 + 4 * i);
        const char *what = dim_name(expect_rank, i);
        if (v == 0)
            return advlab__fail(ADVLAB_E_FORMAT, "%s: dimension %d (%s) is 0", name, i, what);
        if (v > INT32_MAX)
            return advlab__fail(ADVLAB_E_FORMAT, "%s: dimension %d (%s) is %u, larger than %ld",
                                name, i, what, (unsigned)v, (long)INT32_MAX);
        d[i] = (int32_t)v;
    }
    /* Checked before each multiply so the length comparison below is exact
     * (and on wasm32, where size_t is 32 bits, overflow is easy to reach). */
    size_t count = 1;
    for (int i = 0; i < 3; i++) {
        if (count > (SIZE_MAX - header) / (size_t)d[i])
            return advlab__fail(ADVLAB_E_FORMAT,
                                "%s: dimensions %d x %d x %d are too large to address", name,
                                (int)d[0], (int)d[1], (int)d[2]);
        count *= (size_t)d[i];
    }

    size_t have = len - header;
    if (have < count)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: truncated: header says %zu data bytes, file has %zu after the "
                            "%zu-byte header",
                            name, count, have, header);
    if (have > count)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: trailing bytes: %zu after the %zu data bytes the header declares",
                            name, have - count, count);

    memcpy(dims, d, sizeof d);
    *payload = bytes + header;
    return ADVLAB_OK;
}

/* A dataset of count images of height x width, copied from pixels and labels
 * (their product fits in size_t: idx_parse checked it, and rows are fewer). */
static advlab_status dataset_new(const char *name, int count, int height, int width,
                                 const uint8_t *pixels, const uint8_t *labels, advlab_dataset **out)
{
    size_t npix = (size_t)count * (size_t)height * (size_t)width;
    if (npix > SIZE_MAX - sizeof(advlab_dataset) - (size_t)count)
        return advlab__fail(ADVLAB_E_NOMEM, "%s: %zu pixel bytes are too many to hold", name, npix);
    size_t total = sizeof(advlab_dataset) + npix + (size_t)count;
    advlab_dataset *ds = malloc(total);
    if (ds == NULL)
        return advlab__fail(ADVLAB_E_NOMEM, "%s: cannot allocate %zu bytes for the dataset", name,
                            total);
    ds->count = count;
    ds->height = height;
    ds->width = width;
    ds->pixels = (uint8_t *)(ds + 1);
    ds->labels = ds->pixels + npix;
    memcpy(ds->pixels, pixels, npix);
    memcpy(ds->labels, labels, (size_t)count);
    *out = ds;
    return ADVLAB_OK;
}

advlab_status advlab__dataset_from_idx_named(const char *images_name, const uint8_t *images,
                                             size_t images_len, const char *labels_name,
                                             const uint8_t *labels, size_t labels_len,
                                             advlab_dataset **out)
{
    if (out == NULL)
        return advlab__fail(ADVLAB_E_ARG, "%s: no place for the dataset (out is NULL)",
                            images_name);

    int32_t idims[3] = {0}, ldims[3] = {0};
    const uint8_t *pix = NULL, *lab = NULL;
    advlab_status st = advlab__idx_parse(images_name, images, images_len, 3, idims, &pix);
    if (st != ADVLAB_OK)
        return st;
    st = advlab__idx_parse(labels_name, labels, labels_len, 1, ldims, &lab);
    if (st != ADVLAB_OK)
        return st;

    int count = idims[0];
    if (ldims[0] != count)
        return advlab__fail(ADVLAB_E_FORMAT, "%s has %d images but %s has %d labels", images_name,
                            count, labels_name, ldims[0]);
    for (int i = 0; i < count; i++)
        if (lab[i] >= CLASSES)
            return advlab__fail(ADVLAB_E_FORMAT, "%s: label %d is %d, expected 0..%d", labels_name,
                                i, lab[i], CLASSES - 1);

    return dataset_new(images_name, count, idims[1], idims[2], pix, lab, out);
}

advlab_status advlab_dataset_from_idx(const char *name, const uint8_t *images, size_t images_len,
                                      const uint8_t *labels, size_t labels_len,
                                      advlab_dataset **out)
{
    if (name == NULL)
        name = "dataset";
    char labels_name[256];
    snprintf(labels_name, sizeof labels_name, "%s (labels)", name);
    return advlab__dataset_from_idx_named(name, images, images_len, labels_name, labels, labels_len,
                                          out);
}

void advlab_dataset_free(advlab_dataset *ds) { free(ds); }

advlab_status advlab_dataset_rows(const advlab_dataset *ds, int first, int n, advlab_dataset **out)
{
    if (ds == NULL || out == NULL)
        return advlab__fail(ADVLAB_E_ARG, "dataset rows: no dataset or no place for the rows");
    if (first < 0 || n < 1 || first > ds->count - n)
        return advlab__fail(ADVLAB_E_ARG,
                            "dataset rows: rows %d..%d are not inside the dataset's %d rows", first,
                            first + n - 1, ds->count);
    size_t size = (size_t)ds->height * (size_t)ds->width;
    return dataset_new("dataset rows", n, ds->height, ds->width, ds->pixels + (size_t)first * size,
                       ds->labels + first, out);
}

int advlab_dataset_count(const advlab_dataset *ds) { return ds ? ds->count : 0; }
int advlab_dataset_height(const advlab_dataset *ds) { return ds ? ds->height : 0; }
int advlab_dataset_width(const advlab_dataset *ds) { return ds ? ds->width : 0; }
const uint8_t *advlab_dataset_pixels(const advlab_dataset *ds) { return ds ? ds->pixels : NULL; }
const uint8_t *advlab_dataset_labels(const advlab_dataset *ds) { return ds ? ds->labels : NULL; }

void advlab_dataset_gather(const advlab_dataset *ds, const int32_t *idx, int n, float *x,
                           int32_t *y)
{
    size_t hw = (size_t)ds->height * (size_t)ds->width;
    for (int i = 0; i < n; i++) {
        k_bytes_to_unit(x + (size_t)i * hw, ds->pixels + (size_t)idx[i] * hw, hw);
        y[i] = ds->labels[idx[i]];
    }
}

advlab_status advlab_dataset_mean(const advlab_dataset *ds, float *mean)
{
    if (!ds || !mean)
        return advlab__fail(ADVLAB_E_ARG, "advlab_dataset_mean: %s is NULL", ds ? "mean" : "ds");
    if (ds->count <= 0)
        return advlab__fail(ADVLAB_E_ARG, "advlab_dataset_mean: the dataset is empty");
    size_t size = (size_t)ds->height * ds->width;
    double *sum = calloc(size, sizeof *sum);
    if (!sum)
        return advlab__fail(ADVLAB_E_NOMEM, "advlab_dataset_mean: out of memory");
    for (int i = 0; i < ds->count; i++)
        for (size_t j = 0; j < size; j++)
            sum[j] += ds->pixels[(size_t)i * size + j];
    for (size_t j = 0; j < size; j++)
        mean[j] = (float)(sum[j] / (255.0 * ds->count));
    free(sum);
    return ADVLAB_OK;
}
