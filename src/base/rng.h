/* The seeded PRNG behind every random choice (init, shuffling, and later
 * random starts and noise): PCG32 (O'Neill), seeded through splitmix64 so
 * nearby seeds give unrelated streams. Integer-only, so native and wasm draw
 * the same numbers. */
#ifndef ADVLAB_RNG_H
#define ADVLAB_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t state, inc;
} advlab_rng;

void advlab__rng_seed(advlab_rng *rng, uint64_t seed, uint64_t stream);
uint32_t advlab__rng_u32(advlab_rng *rng);
/* Uniform in [0, 1) with 24 random bits. */
float advlab__rng_uniform(advlab_rng *rng);
/* Uniform integer in [0, n), without modulo bias. */
uint32_t advlab__rng_below(advlab_rng *rng, uint32_t n);
/* *out = stream k of base's fork: its own sequence, the same for the same
 * base and k, whoever draws it (a shard's noise in sharded training). */
void advlab__rng_fork(advlab_rng *out, const advlab_rng *base, uint64_t k);
/* Fisher-Yates shuffle of idx[0..n). */
void advlab__rng_shuffle(advlab_rng *rng, int32_t *idx, int n);

#endif
