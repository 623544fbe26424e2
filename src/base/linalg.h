/* Small dense linear algebra in double, for the poisoning defences: the
 * symmetric eigen-problem (cyclic Jacobi), PCA through it, and the top
 * eigenvector by power iteration. Only +, -, *, / and sqrt, which IEEE
 * makes exact on every target, so native and wasm agree to the bit.
 * Matrices are row-major. Nothing here allocates. */
#ifndef ADVLAB_LINALG_H
#define ADVLAB_LINALG_H

/* Eigen-decomposition of the symmetric d x d matrix a (destroyed: it ends
 * near-diagonal): values[i] descending, vecs row i (d values) the unit
 * eigenvector of values[i], its sign fixed so that its largest-magnitude
 * component (the first of equals) is positive. Sweeps until the
 * off-diagonal mass is below 1e-30 of the whole, or 100 sweeps. */
void advlab__sym_eigen(double *a, int d, double *values, double *vecs);

/* The covariance of n rows of x (n, d) about their mean: mean (d) and
 * cov (d, d) = sum (x - mean)^T (x - mean) / n. */
void advlab__covariance(const float *x, int n, int d, double *mean, double *cov);

/* PCA to k <= d dimensions, as scikit-learn's PCA projects: out (n, k) =
 * (x - mean) . components^T, with components the k leading eigenvectors of
 * the covariance (signs as advlab__sym_eigen fixes them). work holds
 * d + 3*d*d doubles; the leading k eigenvalues go to variances (may be
 * NULL). */
void advlab__pca(const float *x, int n, int d, int k, double *out, double *variances, double *work);

/* The unit eigenvector v (d) of the largest eigenvalue of the symmetric
 * positive semi-definite c (d, d) by power iteration from (1, ..., 1)/sqrt(d),
 * until successive vectors differ by less than 1e-12 in every component or
 * after 10000 steps; sign as advlab__sym_eigen fixes it. work holds d
 * doubles. Returns |c v|, the eigenvalue; 0 with v the start vector when
 * c is 0. */
double advlab__top_eigenvector(const double *c, int d, double *v, double *work);

#endif
