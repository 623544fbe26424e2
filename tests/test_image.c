/* advlab_image_to_mnist: the 20-pixel box keeping the aspect ratio, area
 * averaging (mass is conserved, thin strokes survive), the centre of mass on
 * pixel (14,14), independence from the drawing's resolution, MNIST's own
 * digits passing through nearly unchanged, and every bad input refused.
 * argv[1] is the MNIST directory. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "check.h"

#define SIDE 28
#define PIXELS (SIDE * SIDE)
#define MAX_LINE 4096

/* Paints a filled rectangle, columns [x0, x1) and rows [y0, y1) given in
 * pixels, possibly fractional: each pixel gets the area of it the rectangle
 * covers, the way an anti-aliased canvas draws. */
static void paint_rect(float *alpha, int width, int height, double x0, double x1, double y0,
                       double y1)
{
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            double cx = fmin(x1, x + 1.0) - fmax(x0, (double)x);
            double cy = fmin(y1, y + 1.0) - fmax(y0, (double)y);
            if (cx > 0 && cy > 0)
                alpha[y * width + x] = (float)fmin(1.0, alpha[y * width + x] + cx * cy);
        }
}

static float *blank(int width, int height) { return calloc((size_t)width * height, sizeof(float)); }

/* The centre of mass of a 28x28 image, as (column, row) pixel indices. */
static void centre_of_mass(const float *img, double *cx, double *cy)
{
    double m = 0, mx = 0, my = 0;
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++) {
            m += img[y * SIDE + x];
            mx += img[y * SIDE + x] * x;
            my += img[y * SIDE + x] * y;
        }
    *cx = mx / m;
    *cy = my / m;
}

/* How many columns and rows hold a pixel above `level`. */
static void ink_extent(const float *img, float level, int *cols, int *rows)
{
    *cols = *rows = 0;
    for (int i = 0; i < SIDE; i++) {
        int in_col = 0, in_row = 0;
        for (int j = 0; j < SIDE; j++) {
            in_col |= img[j * SIDE + i] > level;
            in_row |= img[i * SIDE + j] > level;
        }
        *cols += in_col;
        *rows += in_row;
    }
}

static double sum(const float *a, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i];
    return s;
}

static void check_centred(const float *out, const char *what)
{
    double cx, cy;
    centre_of_mass(out, &cx, &cy);
    /* whole-pixel shifts leave it up to half a pixel off; ties round up */
    CHECK(fabs(cx - 14.0) <= 0.5 + 1e-6 && fabs(cy - 14.0) <= 0.5 + 1e-6,
          "%s: centre of mass (%.3f, %.3f), expected (14,14)", what, cx, cy);
}

/* A solid 30x60 rectangle off-centre on a 100x80 canvas becomes a solid
 * 10x20 block (s = 1/3), centred by mass. */
static void test_rectangle(void)
{
    float *alpha = blank(100, 80), out[PIXELS];
    paint_rect(alpha, 100, 80, 5, 35, 12, 72);
    CHECK(advlab_image_to_mnist(alpha, 100, 80, out) == ADVLAB_OK, "%s", advlab_last_error());
    int cols, rows;
    ink_extent(out, 0.0f, &cols, &rows);
    CHECK(cols == 10 && rows == 20, "rectangle spans %d columns x %d rows, expected 10x20", cols,
          rows);
    ink_extent(out, 0.999f, &cols, &rows);
    CHECK(cols == 10 && rows == 20, "rectangle is solid over %d x %d pixels, expected 10x20", cols,
          rows);
    CHECK(fabs(sum(out, PIXELS) - 200.0) < 1e-3, "rectangle mass %.5f, expected 200",
          sum(out, PIXELS));
    check_centred(out, "rectangle");
    free(alpha);
}

/* A 2:1 blob keeps its aspect ratio: wide 90x45 (downscaled) and tall 2x4
 * (upscaled) blocks become 20x10 and 10x20. */
static void test_aspect_ratio(void)
{
    float *alpha = blank(200, 100), out[PIXELS];
    paint_rect(alpha, 200, 100, 60, 150, 30, 75);
    CHECK(advlab_image_to_mnist(alpha, 200, 100, out) == ADVLAB_OK, "%s", advlab_last_error());
    int cols, rows;
    ink_extent(out, 0.5f, &cols, &rows);
    CHECK(cols == 20 && rows == 10, "wide 2:1 blob spans %d x %d, expected 20x10", cols, rows);
    check_centred(out, "wide blob");
    free(alpha);

    alpha = blank(9, 7);
    paint_rect(alpha, 9, 7, 3, 5, 1, 5);
    CHECK(advlab_image_to_mnist(alpha, 9, 7, out) == ADVLAB_OK, "%s", advlab_last_error());
    ink_extent(out, 0.999f, &cols, &rows);
    CHECK(cols == 10 && rows == 20, "tiny 1:2 blob spans %d x %d, expected 10x20", cols, rows);
    free(alpha);
}

/* A one-pixel diagonal on 400x400 (s = 1/20): each output pixel on the
 * diagonal averages 20 ink pixels of its 400, so it is 0.05, not 0 as point
 * sampling could give; and area averaging conserves mass times s^2. */
static void test_thin_stroke(void)
{
    enum { N = 400 };
    float *alpha = blank(N, N), out[PIXELS];
    for (int i = 0; i < N; i++)
        alpha[i * N + i] = 1.0f;
    CHECK(advlab_image_to_mnist(alpha, N, N, out) == ADVLAB_OK, "%s", advlab_last_error());
    int x0 = SIDE, y0 = SIDE;
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++)
            if (out[y * SIDE + x] > 0.0f) {
                x0 = x < x0 ? x : x0;
                y0 = y < y0 ? y : y0;
            }
    CHECK(x0 == 5 && y0 == 5, "diagonal starts at (%d, %d), expected (5, 5)", x0, y0);
    for (int k = 0; k < 20 && x0 + k < SIDE && y0 + k < SIDE; k++) {
        float v = out[(y0 + k) * SIDE + x0 + k];
        CHECK(fabsf(v - 0.05f) < 1e-4f, "diagonal pixel %d is %g, expected 0.05", k, v);
    }
    CHECK(fabs(sum(out, PIXELS) - N / 400.0) < 1e-4, "diagonal mass %.6f, expected %.6f",
          sum(out, PIXELS), N / 400.0);
    check_centred(out, "diagonal");
    free(alpha);
}

/* An L shape, whose mass is far from its bounding box's centre. */
static void test_centre_of_mass(void)
{
    float *alpha = blank(120, 120), out[PIXELS];
    paint_rect(alpha, 120, 120, 10, 25, 10, 110);
    paint_rect(alpha, 120, 120, 25, 70, 95, 110);
    CHECK(advlab_image_to_mnist(alpha, 120, 120, out) == ADVLAB_OK, "%s", advlab_last_error());
    check_centred(out, "L shape");
    free(alpha);
}

static void test_empty(void)
{
    float *alpha = blank(50, 30), out[PIXELS];
    for (int i = 0; i < PIXELS; i++)
        out[i] = 7.0f;
    CHECK(advlab_image_to_mnist(alpha, 50, 30, out) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(sum(out, PIXELS) == 0.0, "empty drawing gives mass %g", sum(out, PIXELS));
    /* faint noise at or below the ink threshold is not a digit either */
    for (int i = 0; i < 50 * 30; i++)
        alpha[i] = 0.05f * (float)(i % 2);
    CHECK(advlab_image_to_mnist(alpha, 50, 30, out) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(sum(out, PIXELS) == 0.0, "faint noise gives mass %g", sum(out, PIXELS));
    free(alpha);
}

/* The same "1" (a vertical bar with a flag, drawn anti-aliased) at 1000x1000
 * and at 100x100 gives nearly the same 28x28 image. The low resolution's
 * bounding box is up to a pixel larger (its edge pixels are partly ink), so
 * single pixels may differ by a few tenths. */
static void test_resolution(void)
{
    float *big = blank(1000, 1000), *small = blank(100, 100), a[PIXELS], b[PIXELS];
    paint_rect(big, 1000, 1000, 473, 531, 95, 905);
    paint_rect(big, 1000, 1000, 382, 473, 95, 145);
    paint_rect(small, 100, 100, 47.3, 53.1, 9.5, 90.5);
    paint_rect(small, 100, 100, 38.2, 47.3, 9.5, 14.5);
    CHECK(advlab_image_to_mnist(big, 1000, 1000, a) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_image_to_mnist(small, 100, 100, b) == ADVLAB_OK, "%s", advlab_last_error());
    double diff = 0, worst = 0;
    for (int i = 0; i < PIXELS; i++) {
        diff += fabs(a[i] - b[i]);
        worst = fmax(worst, fabs(a[i] - b[i]));
    }
    CHECK(diff / PIXELS < 0.005 && worst < 0.25, "bar at 1000 vs 100: mean abs diff %.5f, max %.4f",
          diff / PIXELS, worst);
    double ax, ay, bx, by;
    centre_of_mass(a, &ax, &ay);
    centre_of_mass(b, &bx, &by);
    CHECK(fabs(ax - bx) < 0.05 && fabs(ay - by) < 0.05,
          "bar's centre of mass (%.3f, %.3f) at 1000, (%.3f, %.3f) at 100", ax, ay, bx, by);
    int cols, rows;
    ink_extent(a, 0.01f, &cols, &rows);
    CHECK(cols == 4 && rows == 20, "bar at 1000 spans %d x %d, expected 4x20", cols, rows);
    ink_extent(b, 0.01f, &cols, &rows);
    CHECK(cols == 4 && rows == 20, "bar at 100 spans %d x %d, expected 4x20", cols, rows);
    free(big);
    free(small);
}

/* A 28x28 input may be converted in place. */
static void test_in_place(void)
{
    float img[PIXELS] = {0}, out[PIXELS];
    for (int y = 2; y < 12; y++)
        for (int x = 3; x < 8; x++)
            img[y * SIDE + x] = 0.5f + 0.05f * (float)(x - y % 3);
    CHECK(advlab_image_to_mnist(img, SIDE, SIDE, out) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_image_to_mnist(img, SIDE, SIDE, img) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(memcmp(img, out, sizeof out) == 0, "in-place result differs from the separate one");
}

/* MNIST's digits are already normalised: they come back nearly unchanged. */
static void test_mnist(const char *dir)
{
    enum { N = 300 };
    char ip[1024], lp[1024];
    snprintf(ip, sizeof ip, "%s/t10k-images-idx3-ubyte", dir);
    snprintf(lp, sizeof lp, "%s/t10k-labels-idx1-ubyte", dir);
    advlab_dataset *ds = NULL;
    CHECK(advlab_dataset_load(ip, lp, &ds) == ADVLAB_OK, "%s", advlab_last_error());
    if (!ds)
        return;
    static float x[N * PIXELS];
    int32_t idx[N], y[N];
    for (int i = 0; i < N; i++)
        idx[i] = i;
    advlab_dataset_gather(ds, idx, N, x, y);
    double total = 0, worst = 0;
    int unchanged = 0;
    for (int i = 0; i < N; i++) {
        float out[PIXELS];
        const float *in = x + (size_t)i * PIXELS;
        CHECK(advlab_image_to_mnist(in, SIDE, SIDE, out) == ADVLAB_OK, "digit %d: %s", i,
              advlab_last_error());
        double d = 0;
        for (int p = 0; p < PIXELS; p++)
            d += fabs(out[p] - in[p]);
        total += d / PIXELS;
        worst = fmax(worst, d / PIXELS);
        unchanged += d / PIXELS < 1e-3;
    }
    printf("mnist: %d of %d digits unchanged, mean abs diff %.5f, worst %.5f\n", unchanged, N,
           total / N, worst);
    CHECK(total / N < 0.005, "MNIST digits change by %.5f on average", total / N);
    CHECK(unchanged >= N * 9 / 10, "only %d of %d MNIST digits come back unchanged", unchanged, N);
    advlab_dataset_free(ds);
}

static void test_errors(void)
{
    float alpha[6] = {0, 0.5f, 1, 0, 0, 0}, out[PIXELS];
    for (int i = 0; i < PIXELS; i++)
        out[i] = 3.0f;
    CHECK_FAILS(advlab_image_to_mnist(NULL, 3, 2, out), ADVLAB_E_ARG,
                "image to mnist: alpha is NULL");
    CHECK_FAILS(advlab_image_to_mnist(alpha, 3, 2, NULL), ADVLAB_E_ARG,
                "image to mnist: out is NULL");
    CHECK_FAILS(advlab_image_to_mnist(alpha, 0, 2, out), ADVLAB_E_ARG,
                "width 0 is outside 1..4096");
    CHECK_FAILS(advlab_image_to_mnist(alpha, 4097, 1, out), ADVLAB_E_ARG,
                "width 4097 is outside 1..4096");
    CHECK_FAILS(advlab_image_to_mnist(alpha, 3, -1, out), ADVLAB_E_ARG,
                "height -1 is outside 1..4096");
    CHECK_FAILS(advlab_image_to_mnist(alpha, 1, 4097, out), ADVLAB_E_ARG,
                "height 4097 is outside 1..4096");
    alpha[4] = NAN;
    CHECK_FAILS(advlab_image_to_mnist(alpha, 3, 2, out), ADVLAB_E_NUMERIC,
                "alpha at (x 1, y 1) is NaN");
    alpha[4] = -INFINITY;
    CHECK_FAILS(advlab_image_to_mnist(alpha, 3, 2, out), ADVLAB_E_NUMERIC,
                "alpha at (x 1, y 1) is infinite");
    alpha[4] = 0;
    alpha[5] = 1.5f;
    CHECK_FAILS(advlab_image_to_mnist(alpha, 3, 2, out), ADVLAB_E_ARG,
                "alpha at (x 2, y 1) is 1.5, outside [0,1]");
    alpha[5] = -0.25f;
    CHECK_FAILS(advlab_image_to_mnist(alpha, 3, 2, out), ADVLAB_E_ARG,
                "alpha at (x 2, y 1) is -0.25, outside [0,1]");
    CHECK(sum(out, PIXELS) == 3.0 * PIXELS, "a refused call changed out");

    /* the largest side is accepted, and a 4096-long hairline fades but stays */
    float *line = blank(MAX_LINE, 1);
    for (int i = 0; i < MAX_LINE; i++)
        line[i] = 1.0f;
    CHECK(advlab_image_to_mnist(line, MAX_LINE, 1, out) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(fabs(sum(out, PIXELS) - 20.0 * 20.0 / MAX_LINE) < 1e-3 && out[14 * SIDE + 14] > 0.0f,
          "4096x1 line: mass %g, centre %g", sum(out, PIXELS), out[14 * SIDE + 14]);
    free(line);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/mnist";
    test_rectangle();
    test_aspect_ratio();
    test_thin_stroke();
    test_centre_of_mass();
    test_empty();
    test_resolution();
    test_in_place();
    test_errors();
    test_mnist(dir);
    return check_finish("test_image");
}
