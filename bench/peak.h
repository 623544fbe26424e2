/* The SIMD128 peak kernel of bench/peak.c, for bench_native.c (the wasm build
 * exports the same three functions). */
#ifndef ADVLAB_BENCH_PEAK_H
#define ADVLAB_BENCH_PEAK_H

/* Variants 0..PEAK_VARIANTS-1 differ only in how many independent chains run. */
#define PEAK_VARIANTS 4

/* Independent f32x4 chains of a variant (0 for an unknown one). */
int peak_chains(int variant);
/* Flops one iteration does: chains * (4 mul + 4 add). */
double peak_flops_per_iter(int variant);
/* Runs `iters` iterations; the result is a checksum that keeps the work live. */
float peak_run(int variant, int iters);

#endif
