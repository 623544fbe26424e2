/* Writes random matrices and what base/linalg and base/cluster make of them
 * into a folder, for tests/torch_linalg.py to check against torch.linalg:
 *   eig_D.bin    D, then A (D x D), our values (D) and vectors (D x D rows)
 *   pca.bin      N, D, K, then X (N x D, float64 of our float32), our
 *                projections (N x K) and variances (K)
 *   top.bin      D, then C (D x D), our top eigenvector (D) and eigenvalue
 *   kmeans.bin   N, D, then X (N x D), our assignment (N), inertia, silhouette
 * Every number is a float64, little-endian. usage: linalg_oracle DIR */
#include <stdio.h>
#include <stdlib.h>

#include "base/cluster.h"
#include "base/linalg.h"
#include "base/rng.h"

static FILE *open_out(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        perror(path);
    return f;
}

static void put(FILE *f, const double *v, size_t n) { fwrite(v, sizeof(double), n, f); }
static void put1(FILE *f, double v) { put(f, &v, 1); }

static double uniform(advlab_rng *rng) { return 2.0 * advlab__rng_uniform(rng) - 1.0; }

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: linalg_oracle DIR\n");
        return 2;
    }
    advlab_rng rng;
    advlab__rng_seed(&rng, 2024, 1);
    static double a[64 * 64], copy[64 * 64], values[64], vecs[64 * 64];
    int sizes[] = {3, 10, 33, 64};
    for (int s = 0; s < 4; s++) {
        int d = sizes[s];
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
                a[i * d + j] = a[j * d + i] = uniform(&rng);
        for (int i = 0; i < d * d; i++)
            copy[i] = a[i];
        advlab__sym_eigen(copy, d, values, vecs);
        char name[32];
        snprintf(name, sizeof name, "eig_%d.bin", d);
        FILE *f = open_out(argv[1], name);
        if (!f)
            return 1;
        put1(f, d);
        put(f, a, (size_t)d * d);
        put(f, values, d);
        put(f, vecs, (size_t)d * d);
        fclose(f);
    }

    enum { N = 300, D = 40, K = 10 };
    /* Rows with a decaying spectrum, so the components are well apart. */
    static float x[N * D];
    static double xd[N * D], out[N * K], var[K], work[D + 3 * D * D];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D; j++)
            x[i * D + j] = (float)(uniform(&rng) * (1.0 + 10.0 / (1 + j)));
    for (int i = 0; i < N * D; i++)
        xd[i] = x[i];
    advlab__pca(x, N, D, K, out, var, work);
    FILE *f = open_out(argv[1], "pca.bin");
    if (!f)
        return 1;
    put1(f, N), put1(f, D), put1(f, K);
    put(f, xd, N * D);
    put(f, out, N * K);
    put(f, var, K);
    fclose(f);

    static double mean[D], cov[D * D], v[D], tmp[D];
    advlab__covariance(x, N, D, mean, cov);
    double lambda = advlab__top_eigenvector(cov, D, v, tmp);
    if (!(f = open_out(argv[1], "top.bin")))
        return 1;
    put1(f, D);
    put(f, cov, D * D);
    put(f, v, D);
    put1(f, lambda);
    fclose(f);

    /* k-means on the PCA projections: two offset groups of rows. */
    for (int i = 0; i < N / 3; i++)
        out[i * K] += 40.0;
    static int32_t assign[N];
    static double centres[2 * K];
    double *km = malloc(advlab__kmeans_work_bytes(N, K, 2));
    double inertia = advlab__kmeans(out, N, K, 2, 10, &rng, assign, centres, km);
    free(km);
    double sil = advlab__silhouette(out, N, K, 2, assign);
    if (!(f = open_out(argv[1], "kmeans.bin")))
        return 1;
    put1(f, N), put1(f, K);
    put(f, out, N * K);
    for (int i = 0; i < N; i++)
        put1(f, assign[i]);
    put1(f, inertia), put1(f, sil);
    fclose(f);
    return 0;
}
