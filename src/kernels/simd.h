/* The vector vocabulary every fast kernel is written in: a handful of
 * helpers over SIMDe's simde_wasm_* names. Under emcc -msimd128 they are the
 * native WebAssembly SIMD instructions; natively SIMDe lowers them to SSE.
 * Only plain mul and add are used (base simd128 has no FMA), so both builds
 * round identically. */
#ifndef ADVLAB_SIMD_H
#define ADVLAB_SIMD_H

#include <simde/wasm/simd128.h>

typedef simde_v128_t v4f;

static inline v4f v4_load(const float *p) { return simde_wasm_v128_load(p); }
static inline void v4_store(float *p, v4f v) { simde_wasm_v128_store(p, v); }
static inline v4f v4_splat(float x) { return simde_wasm_f32x4_splat(x); }
static inline v4f v4_zero(void) { return simde_wasm_f32x4_splat(0.0f); }
static inline v4f v4_add(v4f a, v4f b) { return simde_wasm_f32x4_add(a, b); }
static inline v4f v4_sub(v4f a, v4f b) { return simde_wasm_f32x4_sub(a, b); }
static inline v4f v4_mul(v4f a, v4f b) { return simde_wasm_f32x4_mul(a, b); }
/* acc + a*b as two roundings, never fused. */
static inline v4f v4_madd(v4f acc, v4f a, v4f b) { return v4_add(acc, v4_mul(a, b)); }
static inline v4f v4_div(v4f a, v4f b) { return simde_wasm_f32x4_div(a, b); }
/* Correctly rounded, as sqrtf is. */
static inline v4f v4_sqrt(v4f a) { return simde_wasm_f32x4_sqrt(a); }
/* pmax(a, b) = a < b ? b : a, the same rule in both builds. */
static inline v4f v4_max(v4f a, v4f b) { return simde_wasm_f32x4_pmax(a, b); }
/* pmin(a, b) = b < a ? b : a. */
static inline v4f v4_min(v4f a, v4f b) { return simde_wasm_f32x4_pmin(a, b); }
/* Lanes where a > b keep x, the others become 0. */
static inline v4f v4_keep_gt(v4f x, v4f a, v4f b)
{
    return simde_wasm_v128_and(x, simde_wasm_f32x4_gt(a, b));
}
/* Even lanes (0,2,4,6) and odd lanes (1,3,5,7) of the pair a:b. */
static inline v4f v4_even(v4f a, v4f b) { return simde_wasm_i32x4_shuffle(a, b, 0, 2, 4, 6); }
static inline v4f v4_odd(v4f a, v4f b) { return simde_wasm_i32x4_shuffle(a, b, 1, 3, 5, 7); }
/* Lane masks: all ones where a == b; bitwise and, or, and a & ~b. */
static inline v4f v4_eq(v4f a, v4f b) { return simde_wasm_f32x4_eq(a, b); }
static inline v4f v4_and(v4f a, v4f b) { return simde_wasm_v128_and(a, b); }
static inline v4f v4_or(v4f a, v4f b) { return simde_wasm_v128_or(a, b); }
static inline v4f v4_andnot(v4f a, v4f b) { return simde_wasm_v128_andnot(a, b); }
/* Interleaved lanes a0 b0 a1 b1 (lo) and a2 b2 a3 b3 (hi): the inverse of
 * v4_even / v4_odd. */
static inline v4f v4_zip_lo(v4f a, v4f b) { return simde_wasm_i32x4_shuffle(a, b, 0, 4, 1, 5); }
static inline v4f v4_zip_hi(v4f a, v4f b) { return simde_wasm_i32x4_shuffle(a, b, 2, 6, 3, 7); }
/* Bit l set where lane l is neither +0 nor -0 (NaN is set). */
static inline int v4_nonzero_bits(v4f v)
{
    return (int)simde_wasm_i32x4_bitmask(simde_wasm_f32x4_ne(v, v4_zero()));
}
/* Sixteen bytes from p as four vectors of floats, exactly: out[0] has bytes
 * 0-3, out[3] bytes 12-15. Each byte b goes into the low bits of 2^23's
 * mantissa, giving 2^23 + b, and 2^23 is subtracted, both exact. A plain
 * int-to-float conversion of the widened lanes would be the same bits, but
 * LLVM 14 folds the widening into it and then converts lane by lane. */
static inline void v4_from_bytes(const uint8_t *p, v4f out[4])
{
    const simde_v128_t two23 = simde_wasm_f32x4_splat(8388608.0f);
    simde_v128_t b = simde_wasm_v128_load(p);
    simde_v128_t lo = simde_wasm_u16x8_extend_low_u8x16(b),
                 hi = simde_wasm_u16x8_extend_high_u8x16(b);
    simde_v128_t lanes[4] = {
        simde_wasm_u32x4_extend_low_u16x8(lo), simde_wasm_u32x4_extend_high_u16x8(lo),
        simde_wasm_u32x4_extend_low_u16x8(hi), simde_wasm_u32x4_extend_high_u16x8(hi)};
    for (int i = 0; i < 4; i++)
        out[i] = simde_wasm_f32x4_sub(simde_wasm_v128_or(lanes[i], two23), two23);
}
/* (l0 + l1) + (l2 + l3): one fixed order for every horizontal sum. */
static inline float v4_hsum(v4f v)
{
    return (simde_wasm_f32x4_extract_lane(v, 0) + simde_wasm_f32x4_extract_lane(v, 1)) +
           (simde_wasm_f32x4_extract_lane(v, 2) + simde_wasm_f32x4_extract_lane(v, 3));
}

#endif
