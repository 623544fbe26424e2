/* The single-core SIMD128 peak: many independent f32x4 chains of
 * acc = acc*m + c, written with the same src/kernels/simd.h helpers as the kernels
 * (so a mul and a separate add, never an FMA, exactly what base simd128 can
 * issue). Each chain step is one vector mul + one vector add = 8 flops.
 *
 * The chains are independent so the CPU can overlap them; how many it needs
 * to fill its pipes depends on the mul+add latency and on the register count
 * (16 xmm on x86-64, which is what both gcc's SSE and V8's wasm code get;
 * 16 chains plus the two constants already spill), so a few chain counts are
 * offered and the caller keeps the fastest.
 *
 * Built twice: natively into advlab_bench, and with emcc -msimd128 into
 * bench/gen/advlab_peak.{mjs,wasm}, whose exports are peak_run and
 * peak_flops_per_iter. */
#include "peak.h"

#include "kernels/simd.h"

/* m < 1 and c > 0 make every chain converge to c/(1-m) = 1: the values stay
 * finite and far from subnormal however long it runs. */
#define PEAK_M 0.999f
#define PEAK_C 0.001f

/* One chain step for accumulator a##i. */
#define STEP(i) a##i = v4_add(v4_mul(a##i, m), c)

#define DEFINE_PEAK(N, DECLS, STEPS, SUM)                      \
    static __attribute__((noinline)) float peak_##N(int iters) \
    {                                                          \
        const v4f m = v4_splat(PEAK_M), c = v4_splat(PEAK_C);  \
        DECLS;                                                 \
        for (int it = 0; it < iters; it++) {                   \
            STEPS;                                             \
        }                                                      \
        v4f s = SUM;                                           \
        return v4_hsum(s);                                     \
    }

/* clang-format off: the macro arguments are statement lists, laid out by hand. */
DEFINE_PEAK(8, v4f a0 = v4_splat(0.0f); v4f a1 = v4_splat(0.1f); v4f a2 = v4_splat(0.2f);
            v4f a3 = v4_splat(0.3f); v4f a4 = v4_splat(0.4f); v4f a5 = v4_splat(0.5f);
            v4f a6 = v4_splat(0.6f); v4f a7 = v4_splat(0.7f), STEP(0); STEP(1); STEP(2); STEP(3);
            STEP(4); STEP(5); STEP(6); STEP(7), v4_add(v4_add(v4_add(a0, a1), v4_add(a2, a3)),
                                                       v4_add(v4_add(a4, a5), v4_add(a6, a7))))

DEFINE_PEAK(10, v4f a0 = v4_splat(0.0f); v4f a1 = v4_splat(0.1f); v4f a2 = v4_splat(0.2f);
            v4f a3 = v4_splat(0.3f); v4f a4 = v4_splat(0.4f); v4f a5 = v4_splat(0.5f);
            v4f a6 = v4_splat(0.6f); v4f a7 = v4_splat(0.7f); v4f a8 = v4_splat(0.8f);
            v4f a9 = v4_splat(0.9f), STEP(0); STEP(1); STEP(2); STEP(3); STEP(4); STEP(5); STEP(6);
            STEP(7); STEP(8); STEP(9), v4_add(v4_add(v4_add(v4_add(a0, a1), v4_add(a2, a3)),
                                                     v4_add(v4_add(a4, a5), v4_add(a6, a7))),
                                              v4_add(a8, a9)))

DEFINE_PEAK(12, v4f a0 = v4_splat(0.0f); v4f a1 = v4_splat(0.1f); v4f a2 = v4_splat(0.2f);
            v4f a3 = v4_splat(0.3f); v4f a4 = v4_splat(0.4f); v4f a5 = v4_splat(0.5f);
            v4f a6 = v4_splat(0.6f); v4f a7 = v4_splat(0.7f); v4f a8 = v4_splat(0.8f);
            v4f a9 = v4_splat(0.9f); v4f a10 = v4_splat(1.0f); v4f a11 = v4_splat(1.1f), STEP(0);
            STEP(1); STEP(2); STEP(3); STEP(4); STEP(5); STEP(6); STEP(7); STEP(8); STEP(9);
            STEP(10); STEP(11), v4_add(v4_add(v4_add(v4_add(a0, a1), v4_add(a2, a3)),
                                              v4_add(v4_add(a4, a5), v4_add(a6, a7))),
                                       v4_add(v4_add(a8, a9), v4_add(a10, a11))))

DEFINE_PEAK(14, v4f a0 = v4_splat(0.0f); v4f a1 = v4_splat(0.1f); v4f a2 = v4_splat(0.2f);
            v4f a3 = v4_splat(0.3f); v4f a4 = v4_splat(0.4f); v4f a5 = v4_splat(0.5f);
            v4f a6 = v4_splat(0.6f); v4f a7 = v4_splat(0.7f); v4f a8 = v4_splat(0.8f);
            v4f a9 = v4_splat(0.9f); v4f a10 = v4_splat(1.0f); v4f a11 = v4_splat(1.1f);
            v4f a12 = v4_splat(1.2f); v4f a13 = v4_splat(1.3f), STEP(0); STEP(1); STEP(2); STEP(3);
            STEP(4); STEP(5); STEP(6); STEP(7); STEP(8); STEP(9); STEP(10); STEP(11); STEP(12);
            STEP(13), v4_add(v4_add(v4_add(v4_add(a0, a1), v4_add(a2, a3)),
                                    v4_add(v4_add(a4, a5), v4_add(a6, a7))),
                             v4_add(v4_add(v4_add(a8, a9), v4_add(a10, a11)), v4_add(a12, a13))))
/* clang-format on */

static const int chain_counts[PEAK_VARIANTS] = {8, 10, 12, 14};

int peak_chains(int variant)
{
    return variant >= 0 && variant < PEAK_VARIANTS ? chain_counts[variant] : 0;
}

double peak_flops_per_iter(int variant) { return 8.0 * peak_chains(variant); }

float peak_run(int variant, int iters)
{
    switch (peak_chains(variant)) {
    case 8: return peak_8(iters);
    case 10: return peak_10(iters);
    case 12: return peak_12(iters);
    case 14: return peak_14(iters);
    default: return 0.0f;
    }
}
