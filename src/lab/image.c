/* MNIST's normalisation (LeCun et al.) applied to a drawing: the ink's
 * bounding box is scaled to 20 pixels on its longer side by area averaging,
 * then placed in 28x28 with its centre of mass on pixel (14,14).
 *
 * The input is read one row at a time and accumulated straight into the 20x20
 * box, so any size up to 4096x4096 needs only a few KB of stack and no heap. */
#include <math.h>
#include <string.h>

#include "base/error.h"
#include "base/mathf.h"

#define MNIST_SIDE 28
#define BOX_SIDE 20
#define MAX_SIDE 4096

/* Ink is alpha above this. It leaves out faint anti-aliasing and JPEG or
 * scanner noise, which would otherwise stretch the bounding box. */
static const float INK_THRESHOLD = 0.05f;
/* MNIST's test digits have their centre of mass at (14.01, 13.99), in pixel
 * indices counted from 0 (column, row), so that is where ours goes. */
static const float MASS_CENTRE = 14.0f;

/* The ink's bounding box: columns [x0, x1), rows [y0, y1). */
typedef struct {
    int x0, x1, y0, y1;
} ink_box;

static advlab_status check_alpha(const float *alpha, int width, int height)
{
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            float a = alpha[(size_t)y * width + x];
            if (!isfinite(a))
                return advlab__fail(ADVLAB_E_NUMERIC, "image to mnist: alpha at (x %d, y %d) is %s",
                                    x, y, isnan(a) ? "NaN" : "infinite");
            if (a < 0.0f || a > 1.0f)
                return advlab__fail(ADVLAB_E_ARG,
                                    "image to mnist: alpha at (x %d, y %d) is %g, outside [0,1]", x,
                                    y, (double)a);
        }
    return ADVLAB_OK;
}

static advlab_status check_args(const float *alpha, int width, int height, const float *out)
{
    if (!alpha || !out)
        return advlab__fail(ADVLAB_E_ARG, "image to mnist: %s is NULL", alpha ? "out" : "alpha");
    if (width < 1 || width > MAX_SIDE)
        return advlab__fail(ADVLAB_E_ARG, "image to mnist: width %d is outside 1..%d", width,
                            MAX_SIDE);
    if (height < 1 || height > MAX_SIDE)
        return advlab__fail(ADVLAB_E_ARG, "image to mnist: height %d is outside 1..%d", height,
                            MAX_SIDE);
    return check_alpha(alpha, width, height);
}

/* Returns 0 when no pixel is ink. */
static int find_ink(const float *alpha, int width, int height, ink_box *box)
{
    *box = (ink_box){width, 0, height, 0};
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            if (alpha[(size_t)y * width + x] > INK_THRESHOLD) {
                box->x0 = x < box->x0 ? x : box->x0;
                box->x1 = x + 1 > box->x1 ? x + 1 : box->x1;
                box->y0 = y < box->y0 ? y : box->y0;
                box->y1 = y + 1 > box->y1 ? y + 1 : box->y1;
            }
    return box->x1 > 0;
}

/* Input pixel i covers [i*s, (i+1)*s) of the output axis; this is the length
 * of its overlap with output pixel o, [o, o+1). */
static float overlap(int i, int o, float s)
{
    float lo = (float)i * s, hi = (float)(i + 1) * s;
    float a = lo > (float)o ? lo : (float)o;
    float b = hi < (float)(o + 1) ? hi : (float)(o + 1);
    return b - a;
}

/* row[o] = sum_i in[i] * overlap(i, o) over n input pixels; row is BOX_SIDE wide. */
static void scale_row(float *row, const float *in, int n, float s)
{
    memset(row, 0, BOX_SIDE * sizeof *row);
    for (int i = 0; i < n; i++) {
        if (in[i] == 0.0f) /* adds exactly nothing; most of a drawing is blank */
            continue;
        for (int o = (int)((float)i * s); o < BOX_SIDE && (float)o < (float)(i + 1) * s; o++)
            row[o] += in[i] * overlap(i, o, s);
    }
}

/* block (BOX_SIDE, BOX_SIDE) = the box scaled by s, area-averaged:
 * block[oy][ox] = sum over input (iy, ix) of a * overlap(iy, oy) * overlap(ix, ox),
 * one input row at a time. */
static void scale_box(float block[BOX_SIDE][BOX_SIDE], const float *alpha, int width, ink_box box,
                      float s)
{
    float row[BOX_SIDE];
    memset(block, 0, BOX_SIDE * sizeof block[0]);
    for (int iy = 0; iy < box.y1 - box.y0; iy++) {
        scale_row(row, alpha + (size_t)(box.y0 + iy) * width + box.x0, box.x1 - box.x0, s);
        for (int oy = (int)((float)iy * s); oy < BOX_SIDE && (float)oy < (float)(iy + 1) * s;
             oy++) {
            float w = overlap(iy, oy, s);
            for (int ox = 0; ox < BOX_SIDE; ox++)
                block[oy][ox] += row[ox] * w;
        }
    }
}

/* Output pixels an input extent of n covers at scale s: ceil(n*s), at most BOX_SIDE. */
static int scaled_extent(int n, float s)
{
    float e = ceilf((float)n * s);
    return e < (float)BOX_SIDE ? (int)e : BOX_SIDE;
}

/* Where a block of `extent` pixels whose centre of mass is at c (from its
 * first pixel) starts in 28 so that c lands on MASS_CENTRE, rounded to whole
 * pixels like the original; kept inside the frame so no ink is cut. */
static int placement(float c, int extent)
{
    int start = (int)floorf(MASS_CENTRE - c + 0.5f);
    int last = MNIST_SIDE - extent;
    return start < 0 ? 0 : start > last ? last : start;
}

advlab_status advlab_image_to_mnist(const float *alpha, int width, int height, float *out)
{
    TRY(check_args(alpha, width, height, out));
    ink_box box;
    if (!find_ink(alpha, width, height, &box)) {
        memset(out, 0, MNIST_SIDE * MNIST_SIDE * sizeof *out);
        return ADVLAB_OK;
    }
    int box_w = box.x1 - box.x0, box_h = box.y1 - box.y0;
    float s = (float)BOX_SIDE / (float)(box_w > box_h ? box_w : box_h);
    float block[BOX_SIDE][BOX_SIDE];
    scale_box(block, alpha, width, box, s);

    int bw = scaled_extent(box_w, s), bh = scaled_extent(box_h, s);
    /* centre of mass (cx, cy) = sum a*(x, y) / sum a, over the block */
    float mass = 0.0f, mx = 0.0f, my = 0.0f;
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            mass += block[y][x];
            mx += block[y][x] * (float)x;
            my += block[y][x] * (float)y;
        }
    int x0 = placement(mx / mass, bw), y0 = placement(my / mass, bh);

    /* out may be alpha itself (a 28x28 input): alpha is not read after this. */
    memset(out, 0, MNIST_SIDE * MNIST_SIDE * sizeof *out);
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++)
            out[(y0 + y) * MNIST_SIDE + x0 + x] = advlab__clip01(block[y][x]);
    return ADVLAB_OK;
}
