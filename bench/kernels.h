/* The kernel bench (bench/kernels.c): each training kernel of the tutorial's
 * and Madry's layers alone, on one shard of images, against the SIMD128 peak
 * of the same run. It is the profile under the training rates: a trainer can
 * come no nearer the peak than its kernels do. Built natively into
 * advlab_kernels (kernels_main.c) and into bench/gen/advlab_kernels.{mjs,wasm}
 * for bench/kernels.mjs. Never a test: it checks nothing. */
#ifndef ADVLAB_BENCH_KERNELS_H
#define ADVLAB_BENCH_KERNELS_H

#include <stddef.h>

/* Measures every kernel on `images` images (1 to 256) in `rounds` rounds of
 * about 0.1 s each, kernels and the peak in turns, and writes a JSON object
 * to out: {"images", "rounds", "peak_gflops", "kernels": [{"arch", "layer",
 * "pass", "dy", "flops", "gflops", "fraction_of_peak"}]}, each figure the best of
 * its rounds (on a shared machine, slow rounds are other work's), then
 * "crossover": crossover_json's array. dy is
 * "dense", or "pooled" (10% non-zero, as behind a max-pool in training):
 * there flops still counts every product, so gflops is the rate of the
 * dense work the kernel stands for, not of the arithmetic it does. Returns
 * the length written, or -1 (bad argument, no memory, out too short). */
int kernels_json(int images, int rounds, char *out, int cap);

/* n floats (at least one) on a cache line, as the net's buffers are, filled
 * with fixed values in [-0.5, 0.5); NULL without memory. */
float *kernels_filled(size_t n);

/* Each conv gradient's sparse path (src/kernels/conv_sparse.c) against the
 * dense tiles, as dy thins (crossover.c): writes a JSON array to out, one
 * {"arch", "layer", "pass", "nonzero": [shares], "sparse_over_dense":
 * [ratios of the best seconds per call]} per layer and pass. Returns the
 * length written, or -1. */
int crossover_json(int images, int rounds, char *out, int cap);

#endif
