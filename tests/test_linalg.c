/* The poisoning defences' linear algebra against closed forms on hand-made
 * data: the symmetric eigen-solver, PCA, power iteration, k-means and the
 * silhouette. (tests/torch_linalg.py checks them against torch.linalg on
 * random matrices.) */
#include <math.h>
#include <string.h>

#include "base/cluster.h"
#include "base/linalg.h"
#include "check.h"

static int near(double a, double b, double tol) { return fabs(a - b) <= tol; }

static void test_eigen_2x2(void)
{
    double a[4] = {2, 1, 1, 2}, values[2], vecs[4];
    advlab__sym_eigen(a, 2, values, vecs);
    double r = sqrt(0.5);
    CHECK(near(values[0], 3, 1e-12) && near(values[1], 1, 1e-12), "values %g %g", values[0],
          values[1]);
    CHECK(near(vecs[0], r, 1e-12) && near(vecs[1], r, 1e-12), "first vector %g %g", vecs[0],
          vecs[1]);
    /* (1, -1)/sqrt 2: the first of the equal magnitudes is made positive. */
    CHECK(near(vecs[2], r, 1e-12) && near(vecs[3], -r, 1e-12), "second vector %g %g", vecs[2],
          vecs[3]);
}

/* Q diag(4, 2, 1) Q^T for a rotation Q about the z axis by 30 degrees,
 * whose eigenvectors are Q's columns. */
static void test_eigen_rotated(void)
{
    double c = sqrt(3.0) / 2, s = 0.5;
    double q[9] = {c, -s, 0, s, c, 0, 0, 0, 1}, lam[3] = {1, 4, 2}, a[9] = {0};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 3; k++)
                a[i * 3 + j] += q[i * 3 + k] * lam[k] * q[j * 3 + k];
    double values[3], vecs[9];
    advlab__sym_eigen(a, 3, values, vecs);
    CHECK(near(values[0], 4, 1e-12) && near(values[1], 2, 1e-12) && near(values[2], 1, 1e-12),
          "values %g %g %g", values[0], values[1], values[2]);
    /* value 4 is Q's column 1 = (-s, c, 0), whose largest component is already positive. */
    CHECK(near(vecs[0], -s, 1e-12) && near(vecs[1], c, 1e-12) && near(vecs[2], 0, 1e-12),
          "vector of 4: %g %g %g", vecs[0], vecs[1], vecs[2]);
    CHECK(near(vecs[3], 0, 1e-12) && near(vecs[4], 0, 1e-12) && near(vecs[5], 1, 1e-12),
          "vector of 2: %g %g %g", vecs[3], vecs[4], vecs[5]);
    CHECK(near(vecs[6], c, 1e-12) && near(vecs[7], s, 1e-12), "vector of 1: %g %g", vecs[6],
          vecs[7]);
}

/* Points on the line y = 2x: one component, (1, 2)/sqrt 5, carries all the
 * variance; the projections are (i - 2) sqrt 5. */
static void test_pca_line(void)
{
    float x[10];
    for (int i = 0; i < 5; i++) {
        x[2 * i] = (float)i;
        x[2 * i + 1] = 2.0f * i;
    }
    double out[10], var[2], work[2 + 3 * 4];
    advlab__pca(x, 5, 2, 2, out, var, work);
    CHECK(near(var[0], 10, 1e-9) && near(var[1], 0, 1e-9), "variances %g %g", var[0], var[1]);
    for (int i = 0; i < 5; i++)
        CHECK(near(out[2 * i], (i - 2) * sqrt(5.0), 1e-9) && near(out[2 * i + 1], 0, 1e-9),
              "point %d projects to %g %g", i, out[2 * i], out[2 * i + 1]);
}

static void test_power_iteration(void)
{
    double c[4] = {2, 1, 1, 2}, v[2], work[2];
    double lambda = advlab__top_eigenvector(c, 2, v, work);
    CHECK(near(lambda, 3, 1e-9), "top eigenvalue %g", lambda);
    CHECK(near(v[0], sqrt(0.5), 1e-9) && near(v[1], sqrt(0.5), 1e-9), "vector %g %g", v[0], v[1]);
    double zero[4] = {0};
    CHECK(advlab__top_eigenvector(zero, 2, v, work) == 0.0, "the zero matrix");
    /* diag(1, 5, 2): e2 */
    double d[9] = {1, 0, 0, 0, 5, 0, 0, 0, 2}, u[3], w3[3];
    lambda = advlab__top_eigenvector(d, 3, u, w3);
    CHECK(near(lambda, 5, 1e-9) && near(u[1], 1, 1e-9) && near(u[0], 0, 1e-6),
          "diag: %g (%g %g %g)", lambda, u[0], u[1], u[2]);
}

static void test_kmeans(void)
{
    /* Two blobs in 1-D, rows interleaved so that the split is not by index. */
    double x[6] = {0.0, 10.0, 0.1, 10.1, 0.2, 10.2}, centres[2];
    int32_t assign[6];
    unsigned char work[1024];
    advlab_rng rng;
    advlab__rng_seed(&rng, 7, 12);
    CHECK(advlab__kmeans_work_bytes(6, 1, 2) <= sizeof work, "work %lu",
          advlab__kmeans_work_bytes(6, 1, 2));
    double inertia = advlab__kmeans(x, 6, 1, 2, 3, &rng, assign, centres, (double *)work);
    CHECK(near(inertia, 0.04, 1e-12), "inertia %g", inertia);
    CHECK(assign[0] == assign[2] && assign[2] == assign[4] && assign[1] == assign[3] &&
              assign[3] == assign[5] && assign[0] != assign[1],
          "assignments %d %d %d %d %d %d", assign[0], assign[1], assign[2], assign[3], assign[4],
          assign[5]);
    CHECK(near(centres[assign[0]], 0.1, 1e-12) && near(centres[assign[1]], 10.1, 1e-12),
          "centres %g %g", centres[0], centres[1]);
    /* The same seed gives the same answer; the rng moved on. */
    int32_t again[6];
    double c2[2];
    advlab__rng_seed(&rng, 7, 12);
    advlab__kmeans(x, 6, 1, 2, 3, &rng, again, c2, (double *)work);
    CHECK(memcmp(assign, again, sizeof assign) == 0, "k-means is not reproducible");
}

/* Rows 0, 1 | 4, 5 on a line: s = 3.5/4.5 at the ends, 2.5/3.5 inside. */
static void test_silhouette(void)
{
    double x[4] = {0, 1, 4, 5};
    int32_t assign[4] = {0, 0, 1, 1};
    double s = advlab__silhouette(x, 4, 1, 2, assign);
    double expect = (3.5 / 4.5 + 2.5 / 3.5) / 2;
    CHECK(near(s, expect, 1e-12), "silhouette %.15g, expected %.15g", s, expect);
    int32_t one[4] = {0, 0, 0, 0};
    CHECK(advlab__silhouette(x, 4, 1, 2, one) == 0.0, "one cluster scores 0");
    /* A singleton cluster scores 0 for its row: row 3 alone. */
    int32_t single[4] = {0, 0, 0, 1};
    /* Row 0: a = (1 + 4)/2, b = 5; row 1: a = (1 + 3)/2, b = 4; row 2: a = (4 + 3)/2, b = 1. */
    double want = ((5 - 2.5) / 5 + (4 - 2.0) / 4 + (1 - 3.5) / 3.5 + 0) / 4;
    s = advlab__silhouette(x, 4, 1, 2, single);
    CHECK(near(s, want, 1e-12), "with a singleton %.15g, expected %.15g", s, want);
}

int main(void)
{
    test_eigen_2x2();
    test_eigen_rotated();
    test_pca_line();
    test_power_iteration();
    test_kmeans();
    test_silhouette();
    return check_finish("test_linalg");
}
