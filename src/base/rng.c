#include "base/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void advlab__rng_seed(advlab_rng *rng, uint64_t seed, uint64_t stream)
{
    uint64_t s = seed ^ (stream * 0xd1342543de82ef95ull);
    rng->state = splitmix64(&s);
    rng->inc = splitmix64(&s) | 1u; /* PCG needs an odd increment */
}

void advlab__rng_fork(advlab_rng *out, const advlab_rng *base, uint64_t k)
{
    /* base's whole state and k through splitmix, so forks of nearby k or of
     * consecutive base states are unrelated. */
    advlab__rng_seed(out, base->state ^ (base->inc * 0x9e3779b97f4a7c15ull), k + 1);
}

uint32_t advlab__rng_u32(advlab_rng *rng)
{
    uint64_t old = rng->state;
    rng->state = old * 6364136223846793005ull + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

float advlab__rng_uniform(advlab_rng *rng) { return (float)(advlab__rng_u32(rng) >> 8) * 0x1p-24f; }

/* Lemire's multiply-shift with rejection of the biased low range. */
uint32_t advlab__rng_below(advlab_rng *rng, uint32_t n)
{
    uint64_t m = (uint64_t)advlab__rng_u32(rng) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (0u - n) % n;
        while (low < threshold) {
            m = (uint64_t)advlab__rng_u32(rng) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

void advlab__rng_shuffle(advlab_rng *rng, int32_t *idx, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)advlab__rng_below(rng, (uint32_t)i + 1);
        int32_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}
