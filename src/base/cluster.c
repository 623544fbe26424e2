/* k-means and the silhouette score (cluster.h). */
#include "base/cluster.h"

#include <math.h>
#include <string.h>

static double dist2(const double *a, const double *b, int d)
{
    double s = 0;
    for (int j = 0; j < d; j++) {
        double t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

/* k-means++ (Arthur & Vassilvitskii): centres (k, d) from rows of x; near
 * (n) ends as each row's squared distance to its nearest centre. */
static void kmeans_pp(const double *x, int n, int d, int k, advlab_rng *rng, double *centres,
                      double *near)
{
    memcpy(centres, x + (size_t)advlab__rng_below(rng, (uint32_t)n) * d, sizeof(double) * d);
    for (int i = 0; i < n; i++)
        near[i] = dist2(x + (size_t)i * d, centres, d);
    for (int c = 1; c < k; c++) {
        double total = 0;
        for (int i = 0; i < n; i++)
            total += near[i];
        /* A point drawn uniformly on [0, total): 2^-32 resolution. */
        double pick = total * ((double)advlab__rng_u32(rng) / 4294967296.0);
        int chosen = n - 1;
        for (int i = 0; i < n; i++) {
            if (pick < near[i]) {
                chosen = i;
                break;
            }
            pick -= near[i];
        }
        if (total == 0.0) /* every row sits on a centre: any row will do */
            chosen = (int)advlab__rng_below(rng, (uint32_t)n);
        double *centre = centres + (size_t)c * d;
        memcpy(centre, x + (size_t)chosen * d, sizeof(double) * d);
        for (int i = 0; i < n; i++) {
            double t = dist2(x + (size_t)i * d, centre, d);
            if (t < near[i])
                near[i] = t;
        }
    }
}

/* Lloyd's iterations from the given centres; returns the inertia. */
static double lloyd(const double *x, int n, int d, int k, double *centres, int32_t *assign,
                    double *near)
{
    for (int i = 0; i < n; i++)
        assign[i] = -1;
    double inertia = 0;
    for (int iter = 0; iter < 300; iter++) {
        int changed = 0;
        inertia = 0;
        for (int i = 0; i < n; i++) {
            int best = 0;
            double bd = dist2(x + (size_t)i * d, centres, d);
            for (int c = 1; c < k; c++) {
                double t = dist2(x + (size_t)i * d, centres + (size_t)c * d, d);
                if (t < bd) {
                    bd = t;
                    best = c;
                }
            }
            near[i] = bd;
            inertia += bd;
            if (assign[i] != best) {
                assign[i] = best;
                changed = 1;
            }
        }
        if (!changed)
            break;
        for (int c = 0; c < k; c++) {
            int count = 0;
            double *centre = centres + (size_t)c * d;
            double mean[d];
            memset(mean, 0, sizeof mean);
            for (int i = 0; i < n; i++)
                if (assign[i] == c) {
                    count++;
                    for (int j = 0; j < d; j++)
                        mean[j] += x[(size_t)i * d + j];
                }
            if (count)
                for (int j = 0; j < d; j++)
                    centre[j] = mean[j] / count;
        }
    }
    return inertia;
}

unsigned long advlab__kmeans_work_bytes(int n, int d, int k)
{
    return sizeof(double) * (2ul * k * d + (unsigned long)n) + sizeof(int32_t) * (unsigned long)n;
}

double advlab__kmeans(const double *x, int n, int d, int k, int restarts, advlab_rng *rng,
                      int32_t *assign, double *centres, double *work)
{
    double *trial = work, *near = trial + (size_t)k * d;
    int32_t *trial_assign = (int32_t *)(near + n);
    double best = INFINITY;
    for (int r = 0; r < restarts; r++) {
        kmeans_pp(x, n, d, k, rng, trial, near);
        double inertia = lloyd(x, n, d, k, trial, trial_assign, near);
        if (inertia < best) {
            best = inertia;
            memcpy(centres, trial, sizeof(double) * k * d);
            memcpy(assign, trial_assign, sizeof(int32_t) * n);
        }
    }
    return best;
}

double advlab__silhouette(const double *x, int n, int d, int k, const int32_t *assign)
{
    int sizes[ADVLAB_KMEANS_MAX_K] = {0}, used = 0;
    for (int i = 0; i < n; i++)
        sizes[assign[i]]++;
    for (int c = 0; c < k; c++)
        used += sizes[c] > 0;
    if (used < 2 || used > n - 1)
        return 0.0;
    double total = 0;
    for (int i = 0; i < n; i++) {
        double sum[ADVLAB_KMEANS_MAX_K] = {0};
        for (int j = 0; j < n; j++)
            if (j != i)
                sum[assign[j]] += sqrt(dist2(x + (size_t)i * d, x + (size_t)j * d, d));
        int own = assign[i];
        if (sizes[own] == 1)
            continue;
        double a = sum[own] / (sizes[own] - 1), b = INFINITY;
        for (int c = 0; c < k; c++)
            if (c != own && sizes[c] > 0 && sum[c] / sizes[c] < b)
                b = sum[c] / sizes[c];
        double m = a > b ? a : b;
        total += m > 0 ? (b - a) / m : 0.0;
    }
    return total / n;
}
