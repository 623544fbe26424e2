/* Clustering for the poisoning defences: seeded k-means (k-means++ starts,
 * Lloyd's iterations, the best of several restarts) and the silhouette
 * score, both as scikit-learn defines them. In double; deterministic for a
 * given rng. */
#ifndef ADVLAB_CLUSTER_H
#define ADVLAB_CLUSTER_H

#include <stdint.h>

#include "base/rng.h"

#define ADVLAB_KMEANS_MAX_K 8

/* Clusters n rows of x (n, d) into k (1..ADVLAB_KMEANS_MAX_K, <= n)
 * clusters: `restarts` runs, each from k-means++ centres (the first row
 * uniform, each next row with probability proportional to its squared
 * distance to the nearest centre) and Lloyd's iterations until no row
 * changes cluster (at most 300); the run of least inertia wins (the first
 * of equals). assign (n) receives each row's cluster; centres (k, d) the
 * winner's centres. work holds 2*k*d doubles + n ints (as int32_t, after
 * the doubles) + n doubles. Returns the inertia (sum of squared distances
 * to the assigned centres). A cluster that empties keeps its centre. */
double advlab__kmeans(const double *x, int n, int d, int k, int restarts, advlab_rng *rng,
                      int32_t *assign, double *centres, double *work);
/* The bytes of work advlab__kmeans needs. */
unsigned long advlab__kmeans_work_bytes(int n, int d, int k);

/* The mean silhouette (b - a) / max(a, b) over the n rows of x (n, d) in
 * clusters assign[i] in 0..k-1: a is a row's mean Euclidean distance to the
 * other rows of its cluster, b the least mean distance to another
 * cluster's rows; a row alone in its cluster scores 0. Needs 2 <= (clusters
 * in use) <= n - 1, else returns 0. O(n^2 d). */
double advlab__silhouette(const double *x, int n, int d, int k, const int32_t *assign);

#endif
