/* Jacobi eigen-solver, covariance, PCA and power iteration (linalg.h). */
#include "base/linalg.h"

#include <math.h>
#include <string.h>

/* Makes the largest-magnitude component of v (the first of equals) positive. */
static void fix_sign(double *v, int d)
{
    int big = 0;
    for (int i = 1; i < d; i++)
        if (fabs(v[i]) > fabs(v[big]))
            big = i;
    if (v[big] < 0)
        for (int i = 0; i < d; i++)
            v[i] = -v[i];
}

/* One Jacobi rotation zeroing a[p][q]; v (row-major, columns are the
 * eigenvectors so far) is rotated alike. Golub & Van Loan, algorithm 8.4.2:
 * theta = (a_qq - a_pp) / (2 a_pq), t = sign(theta) / (|theta| + sqrt(theta^2 + 1)). */
static void rotate(double *a, double *v, int d, int p, int q)
{
    double apq = a[p * d + q];
    double theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
    double t = 1.0 / (fabs(theta) + sqrt(theta * theta + 1.0));
    if (theta < 0)
        t = -t;
    double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
    for (int k = 0; k < d; k++) {
        double akp = a[k * d + p], akq = a[k * d + q];
        a[k * d + p] = c * akp - s * akq;
        a[k * d + q] = s * akp + c * akq;
    }
    for (int k = 0; k < d; k++) {
        double apk = a[p * d + k], aqk = a[q * d + k];
        a[p * d + k] = c * apk - s * aqk;
        a[q * d + k] = s * apk + c * aqk;
    }
    for (int k = 0; k < d; k++) {
        double vkp = v[k * d + p], vkq = v[k * d + q];
        v[k * d + p] = c * vkp - s * vkq;
        v[k * d + q] = s * vkp + c * vkq;
    }
}

void advlab__sym_eigen(double *a, int d, double *values, double *vecs)
{
    /* vecs holds V (columns = eigenvectors) during the sweeps. */
    memset(vecs, 0, sizeof(double) * d * d);
    double total = 0;
    for (int i = 0; i < d; i++) {
        vecs[i * d + i] = 1.0;
        for (int j = 0; j < d; j++)
            total += a[i * d + j] * a[i * d + j];
    }
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0;
        for (int i = 0; i < d; i++)
            for (int j = i + 1; j < d; j++)
                off += a[i * d + j] * a[i * d + j];
        if (off <= 1e-30 * total)
            break;
        for (int p = 0; p < d; p++)
            for (int q = p + 1; q < d; q++)
                if (a[p * d + q] != 0.0)
                    rotate(a, vecs, d, p, q);
    }
    /* Selection sort by value, descending (stable: the first of equals
     * stays first), transposing V's columns into rows as it goes. */
    int order[d > 0 ? d : 1];
    for (int i = 0; i < d; i++)
        order[i] = i;
    for (int i = 0; i < d; i++) {
        int best = i;
        for (int j = i + 1; j < d; j++)
            if (a[order[j] * d + order[j]] > a[order[best] * d + order[best]])
                best = j;
        int tmp = order[i];
        order[i] = order[best];
        order[best] = tmp;
    }
    /* Once values has a's diagonal, a is free to hold a copy of V. */
    for (int i = 0; i < d; i++)
        values[i] = a[order[i] * d + order[i]];
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            a[i * d + j] = vecs[i * d + j];
    for (int r = 0; r < d; r++) {
        for (int k = 0; k < d; k++)
            vecs[r * d + k] = a[k * d + order[r]];
        fix_sign(vecs + r * d, d);
    }
}

void advlab__covariance(const float *x, int n, int d, double *mean, double *cov)
{
    memset(mean, 0, sizeof(double) * d);
    memset(cov, 0, sizeof(double) * d * d);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            mean[j] += x[(size_t)i * d + j];
    for (int j = 0; j < d; j++)
        mean[j] /= n;
    double row[d > 0 ? d : 1];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < d; j++)
            row[j] = x[(size_t)i * d + j] - mean[j];
        for (int j = 0; j < d; j++) {
            if (row[j] == 0.0)
                continue; /* ReLU activations are mostly zeros */
            for (int k = j; k < d; k++)
                cov[j * d + k] += row[j] * row[k];
        }
    }
    for (int j = 0; j < d; j++)
        for (int k = j; k < d; k++) {
            cov[j * d + k] /= n;
            cov[k * d + j] = cov[j * d + k];
        }
}

void advlab__pca(const float *x, int n, int d, int k, double *out, double *variances, double *work)
{
    double *mean = work, *cov = mean + d, *vecs = cov + d * d, *values = vecs + d * d;
    advlab__covariance(x, n, d, mean, cov);
    advlab__sym_eigen(cov, d, values, vecs);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < k; c++) {
            double s = 0;
            for (int j = 0; j < d; j++)
                s += (x[(size_t)i * d + j] - mean[j]) * vecs[c * d + j];
            out[(size_t)i * k + c] = s;
        }
    if (variances)
        memcpy(variances, values, sizeof(double) * k);
}

double advlab__top_eigenvector(const double *c, int d, double *v, double *work)
{
    for (int i = 0; i < d; i++)
        v[i] = 1.0 / sqrt((double)d);
    double lambda = 0;
    for (int step = 0; step < 10000; step++) {
        double norm = 0;
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int j = 0; j < d; j++)
                s += c[i * d + j] * v[j];
            work[i] = s;
            norm += s * s;
        }
        if (norm == 0.0)
            return 0.0;
        norm = sqrt(norm);
        double change = 0;
        for (int i = 0; i < d; i++) {
            double next = work[i] / norm;
            change = fmax(change, fabs(next - v[i]));
            v[i] = next;
        }
        lambda = norm;
        if (change < 1e-12)
            break;
    }
    fix_sign(v, d);
    return lambda;
}
