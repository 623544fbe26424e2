#include "kernels/kernels.h"

#include <math.h>
#include <string.h>

#include "base/mathf.h"
#include "kernels/simd.h"

/* ---------------------------------------------------------------- GEMM */

/* A(i,k) for a row-major A, read straight or transposed. */
static inline float a_at(const float *A, int lda, int a_trans, int i, int k)
{
    return a_trans ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
}

/* Rows i..i+3, columns j..j+7 of C: eight vector accumulators, each fed by
 * one A splat and one B vector per k. A_TRANS is a constant in each copy, and
 * A and B are stepped as pointers: emcc builds with LLVM's loop strength
 * reduction off, and V8 would multiply for every load. */
static inline __attribute__((always_inline)) void
gemm_nn_4x8_tile(int A_TRANS, int K, const float *A, int lda, const float *B, int ldb, float *C,
                 int ldc, int accumulate)
{
    size_t a_k_step = A_TRANS ? (size_t)lda : 1, a_r_step = A_TRANS ? 1 : (size_t)lda;
    v4f acc[4][2];
    for (int r = 0; r < 4; r++) {
        acc[r][0] = accumulate ? v4_load(C + (size_t)r * ldc) : v4_zero();
        acc[r][1] = accumulate ? v4_load(C + (size_t)r * ldc + 4) : v4_zero();
    }
    for (int k = 0; k < K; k++, A += a_k_step, B += ldb) {
        v4f b0 = v4_load(B), b1 = v4_load(B + 4);
        for (int r = 0; r < 4; r++) {
            v4f a = v4_splat(A[r * a_r_step]);
            acc[r][0] = v4_madd(acc[r][0], a, b0);
            acc[r][1] = v4_madd(acc[r][1], a, b1);
        }
    }
    for (int r = 0; r < 4; r++) {
        v4_store(C + (size_t)r * ldc, acc[r][0]);
        v4_store(C + (size_t)r * ldc + 4, acc[r][1]);
    }
}

static void gemm_nn_4x8(int K, const float *A, int lda, int a_trans, const float *B, int ldb,
                        float *C, int ldc, int accumulate)
{
    if (a_trans)
        gemm_nn_4x8_tile(1, K, A, lda, B, ldb, C, ldc, accumulate);
    else
        gemm_nn_4x8_tile(0, K, A, lda, B, ldb, C, ldc, accumulate);
}

/* One row, four columns: the tail of both loops above. */
static void gemm_nn_1x4(int K, const float *A, int lda, int a_trans, const float *B, int ldb,
                        float *C, int accumulate)
{
    v4f acc = accumulate ? v4_load(C) : v4_zero();
    for (int k = 0; k < K; k++)
        acc = v4_madd(acc, v4_splat(a_at(A, lda, a_trans, 0, k)), v4_load(B + (size_t)k * ldb));
    v4_store(C, acc);
}

void k_gemm_nn(int M, int N, int K, const float *A, int lda, int a_trans, const float *B, int ldb,
               float *C, int ldc, int accumulate)
{
    /* The row block start of A, as an offset for either orientation. */
    size_t a_row_step = a_trans ? 1 : (size_t)lda;
    int i = 0;
    for (; i + 4 <= M; i += 4) {
        const float *Ai = A + i * a_row_step;
        float *Ci = C + (size_t)i * ldc;
        int j = 0;
        for (; j + 8 <= N; j += 8)
            gemm_nn_4x8(K, Ai, lda, a_trans, B + j, ldb, Ci + j, ldc, accumulate);
        for (; j + 4 <= N; j += 4)
            for (int r = 0; r < 4; r++)
                gemm_nn_1x4(K, Ai + r * a_row_step, lda, a_trans, B + j, ldb,
                            Ci + (size_t)r * ldc + j, accumulate);
        for (; j < N; j++)
            for (int r = 0; r < 4; r++) {
                float s = accumulate ? Ci[(size_t)r * ldc + j] : 0.0f;
                for (int k = 0; k < K; k++)
                    s += a_at(Ai + r * a_row_step, lda, a_trans, 0, k) * B[(size_t)k * ldb + j];
                Ci[(size_t)r * ldc + j] = s;
            }
    }
    for (; i < M; i++) {
        const float *Ai = A + i * a_row_step;
        float *Ci = C + (size_t)i * ldc;
        int j = 0;
        for (; j + 4 <= N; j += 4)
            gemm_nn_1x4(K, Ai, lda, a_trans, B + j, ldb, Ci + j, accumulate);
        for (; j < N; j++) {
            float s = accumulate ? Ci[j] : 0.0f;
            for (int k = 0; k < K; k++)
                s += a_at(Ai, lda, a_trans, 0, k) * B[(size_t)k * ldb + j];
            Ci[j] = s;
        }
    }
}

/* The tail of a dot product past the last whole vector, added in k order. */
static inline float dot_tail(const float *a, const float *b, int k0, int K)
{
    float s = 0.0f;
    for (int k = k0; k < K; k++)
        s += a[k] * b[k];
    return s;
}

static inline void store_dot(float *c, float dot, int accumulate)
{
    *c = accumulate ? *c + dot : dot;
}

/* Two rows of A against four rows of B: eight dots sharing six loads per k. */
static void gemm_nt_2x4(int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
                        int accumulate)
{
    v4f acc[2][4];
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 4; c++)
            acc[r][c] = v4_zero();
    int k = 0;
    for (; k + 4 <= K; k += 4) {
        v4f a0 = v4_load(A + k), a1 = v4_load(A + lda + k);
        for (int c = 0; c < 4; c++) {
            v4f b = v4_load(B + (size_t)c * ldb + k);
            acc[0][c] = v4_madd(acc[0][c], a0, b);
            acc[1][c] = v4_madd(acc[1][c], a1, b);
        }
    }
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 4; c++) {
            float dot =
                v4_hsum(acc[r][c]) + dot_tail(A + (size_t)r * lda, B + (size_t)c * ldb, k, K);
            store_dot(C + (size_t)r * ldc + c, dot, accumulate);
        }
}

static float dot(const float *a, const float *b, int K)
{
    v4f acc = v4_zero();
    int k = 0;
    for (; k + 4 <= K; k += 4)
        acc = v4_madd(acc, v4_load(a + k), v4_load(b + k));
    return v4_hsum(acc) + dot_tail(a, b, k, K);
}

void k_gemm_nt(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C,
               int ldc, int accumulate)
{
    int i = 0;
    for (; i + 2 <= M; i += 2) {
        int j = 0;
        for (; j + 4 <= N; j += 4)
            gemm_nt_2x4(K, A + (size_t)i * lda, lda, B + (size_t)j * ldb, ldb,
                        C + (size_t)i * ldc + j, ldc, accumulate);
        for (; j < N; j++)
            for (int r = 0; r < 2; r++)
                store_dot(C + (size_t)(i + r) * ldc + j,
                          dot(A + (size_t)(i + r) * lda, B + (size_t)j * ldb, K), accumulate);
    }
    for (; i < M; i++)
        for (int j = 0; j < N; j++)
            store_dot(C + (size_t)i * ldc + j, dot(A + (size_t)i * lda, B + (size_t)j * ldb, K),
                      accumulate);
}

/* --------------------------------------------------------------- add */

void k_add(float *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        v4_store(dst + i, v4_add(v4_load(dst + i), v4_load(src + i)));
    for (; i < n; i++)
        dst[i] += src[i];
}

void k_sum(float *dst, const float *a, const float *b, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        v4_store(dst + i, v4_add(v4_load(a + i), v4_load(b + i)));
    for (; i < n; i++)
        dst[i] = a[i] + b[i];
}

void k_add_scaled(float *dst, const float *src, float scale, size_t n)
{
    v4f s = v4_splat(scale);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        v4_store(dst + i, v4_madd(v4_load(dst + i), v4_load(src + i), s));
    for (; i < n; i++) {
        float scaled = src[i] * scale;
        dst[i] += scaled;
    }
}

void k_bytes_to_unit(float *dst, const uint8_t *src, size_t n)
{
    /* Widened by the vector: clang's own vectorising of the scalar loop moved
     * each byte through a scalar register, 3.3 to 3.6% of the tutorial's
     * training in V8's tick profile, against 1.7 to 2.0% this way. */
    v4f scale = v4_splat(255.0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        v4f v[4];
        v4_from_bytes(src + i, v);
        for (int j = 0; j < 4; j++)
            v4_store(dst + i + 4 * j, v4_div(v[j], scale));
    }
    for (; i < n; i++)
        dst[i] = src[i] / 255.0f;
}

size_t k_first_nonfinite(const float *x, size_t n)
{
    /* x * 0 is 0 for a finite x and NaN otherwise, and NaN stays in a sum:
     * one vector pass, then a scalar one only to find where. */
    v4f acc = v4_zero(), zero = v4_zero();
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        acc = v4_add(acc, v4_mul(v4_load(x + i), zero));
    float tail = 0.0f;
    for (size_t j = i; j < n; j++)
        tail += x[j] * 0.0f;
    if (v4_hsum(acc) + tail == 0.0f)
        return n;
    for (i = 0; i < n && x[i] - x[i] == 0.0f; i++)
        ;
    return i;
}

void k_adam(float *p, float *m, float *v, const float *g, size_t n, float one_b1, float one_b2,
            float alpha, float eps)
{
    v4f b1 = v4_splat(one_b1), b2 = v4_splat(one_b2), a = v4_splat(alpha), e = v4_splat(eps);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f gi = v4_load(g + i), mi = v4_load(m + i), vi = v4_load(v + i);
        mi = v4_add(mi, v4_mul(v4_sub(gi, mi), b1));
        vi = v4_add(vi, v4_mul(v4_sub(v4_mul(gi, gi), vi), b2));
        v4_store(m + i, mi);
        v4_store(v + i, vi);
        v4_store(p + i, v4_sub(v4_load(p + i), v4_div(v4_mul(a, mi), v4_add(v4_sqrt(vi), e))));
    }
    for (; i < n; i++) {
        m[i] += (g[i] - m[i]) * one_b1;
        v[i] += (g[i] * g[i] - v[i]) * one_b2;
        p[i] -= alpha * m[i] / (sqrtf(v[i]) + eps);
    }
}

/* ------------------------------------------------------------- pooling */

static inline float max_scalar(float a, float b) { return a < b ? b : a; } /* pmax's rule */

void k_maxpool2_fwd(float *out, const float *x, int C, int H, int W)
{
    int OH = H / 2, OW = W / 2;
    for (int c = 0; c < C; c++)
        for (int oy = 0; oy < OH; oy++) {
            const float *r0 = x + ((size_t)c * H + 2 * oy) * W, *r1 = r0 + W;
            float *o = out + ((size_t)c * OH + oy) * OW;
            int ox = 0;
            for (; ox + 4 <= OW; ox += 4) {
                v4f lo = v4_max(v4_load(r0 + 2 * ox), v4_load(r1 + 2 * ox));
                v4f hi = v4_max(v4_load(r0 + 2 * ox + 4), v4_load(r1 + 2 * ox + 4));
                v4_store(o + ox, v4_max(v4_even(lo, hi), v4_odd(lo, hi)));
            }
            for (; ox < OW; ox++)
                o[ox] = max_scalar(max_scalar(r0[2 * ox], r1[2 * ox]),
                                   max_scalar(r0[2 * ox + 1], r1[2 * ox + 1]));
        }
}

/* Four windows side by side: dout goes to the first element of each window,
 * in the order top-left, top-right, bottom-left, bottom-right, that equals
 * the window's max; the other three get 0. */
static void maxpool2_bwd_4(float *d0, float *d1, const float *r0, const float *r1, const float *out,
                           const float *dout)
{
    v4f a0 = v4_load(r0), a1 = v4_load(r0 + 4), b0 = v4_load(r1), b1 = v4_load(r1 + 4);
    v4f o = v4_load(out), g = v4_load(dout);
    v4f m_tl = v4_eq(v4_even(a0, a1), o), taken = m_tl;
    v4f m_tr = v4_andnot(v4_eq(v4_odd(a0, a1), o), taken);
    taken = v4_or(taken, m_tr);
    v4f m_bl = v4_andnot(v4_eq(v4_even(b0, b1), o), taken);
    taken = v4_or(taken, m_bl);
    v4f m_br = v4_andnot(v4_eq(v4_odd(b0, b1), o), taken);
    v4f g_tl = v4_and(g, m_tl), g_tr = v4_and(g, m_tr), g_bl = v4_and(g, m_bl),
        g_br = v4_and(g, m_br);
    v4_store(d0, v4_zip_lo(g_tl, g_tr));
    v4_store(d0 + 4, v4_zip_hi(g_tl, g_tr));
    v4_store(d1, v4_zip_lo(g_bl, g_br));
    v4_store(d1 + 4, v4_zip_hi(g_bl, g_br));
}

/* One window, the same rule. */
static void maxpool2_bwd_1(float *d0, float *d1, const float *r0, const float *r1, float out,
                           float dout)
{
    int first = r0[0] == out ? 0 : r0[1] == out ? 1 : r1[0] == out ? 2 : r1[1] == out ? 3 : 4;
    d0[0] = first == 0 ? dout : 0.0f;
    d0[1] = first == 1 ? dout : 0.0f;
    d1[0] = first == 2 ? dout : 0.0f;
    d1[1] = first == 3 ? dout : 0.0f;
}

void k_maxpool2_bwd(float *dx, const float *dout, const float *x, const float *out, int C, int H,
                    int W)
{
    int OH = H / 2, OW = W / 2;
    if ((H | W) & 1) /* the dropped last row or column gets no gradient */
        memset(dx, 0, sizeof(float) * (size_t)C * H * W);
    for (int c = 0; c < C; c++)
        for (int oy = 0; oy < OH; oy++) {
            size_t row = ((size_t)c * H + 2 * oy) * W, o = ((size_t)c * OH + oy) * OW;
            int ox = 0;
            for (; ox + 4 <= OW; ox += 4)
                maxpool2_bwd_4(dx + row + 2 * ox, dx + row + W + 2 * ox, x + row + 2 * ox,
                               x + row + W + 2 * ox, out + o + ox, dout + o + ox);
            for (; ox < OW; ox++)
                maxpool2_bwd_1(dx + row + 2 * ox, dx + row + W + 2 * ox, x + row + 2 * ox,
                               x + row + W + 2 * ox, out[o + ox], dout[o + ox]);
        }
}

/* --------------------------------------------------------- elementwise */

/* max(x, 0) with x first: pmax keeps its first operand when the comparison
 * fails, so a NaN stays NaN (as in PyTorch) and training can notice it. */
static inline float relu_scalar(float x) { return max_scalar(x, 0.0f); }

void k_bias_cols_fwd(float *y, const float *bias, int R, int N, int relu)
{
    v4f zero = v4_zero();
    for (int r = 0; r < R; r++) {
        float *row = y + (size_t)r * N;
        int i = 0;
        for (; i + 4 <= N; i += 4) {
            v4f v = v4_add(v4_load(row + i), v4_load(bias + i));
            v4_store(row + i, relu ? v4_max(v, zero) : v);
        }
        for (; i < N; i++)
            row[i] = relu ? relu_scalar(row[i] + bias[i]) : row[i] + bias[i];
    }
}

void k_relu_bwd(float *d, const float *out, size_t n)
{
    size_t i = 0;
    v4f zero = v4_zero();
    for (; i + 4 <= n; i += 4)
        v4_store(d + i, v4_keep_gt(v4_load(d + i), v4_load(out + i), zero));
    for (; i < n; i++)
        d[i] = out[i] > 0.0f ? d[i] : 0.0f;
}

void k_sum_rows(float *db, const float *d, int R, int N)
{
    for (int r = 0; r < R; r++) {
        const float *row = d + (size_t)r * N;
        v4f acc = v4_zero();
        int i = 0;
        for (; i + 4 <= N; i += 4)
            acc = v4_add(acc, v4_load(row + i));
        float s = v4_hsum(acc);
        for (; i < N; i++)
            s += row[i];
        db[r] += s;
    }
}

void k_sum_cols(float *db, const float *d, int R, int N)
{
    for (int r = 0; r < R; r++)
        k_add(db, d + (size_t)r * N, N);
}

/* ------------------------------------------------------------- softmax */

/* p = exp(z - max z) / sum; loss = log(sum) - (z_y - max z), which stays
 * finite however confident the net is. */
double k_softmax_xent(float *probs, float *dlogits, const float *logits, const int *y, int B,
                      int classes, float scale, int *correct)
{
    double loss = 0.0;
    int hits = 0;
    for (int b = 0; b < B; b++) {
        const float *z = logits + (size_t)b * classes;
        float *p = probs + (size_t)b * classes;
        int best = 0;
        for (int c = 1; c < classes; c++)
            if (z[c] > z[best])
                best = c;
        float zmax = z[best], sum = 0.0f;
        for (int c = 0; c < classes; c++) {
            p[c] = advlab__expf(z[c] - zmax);
            sum += p[c];
        }
        float inv = 1.0f / sum;
        for (int c = 0; c < classes; c++)
            p[c] *= inv;
        if (!y)
            continue;
        hits += best == y[b];
        loss += (double)(advlab__logf(sum) - (z[y[b]] - zmax));
        if (dlogits)
            for (int c = 0; c < classes; c++)
                dlogits[(size_t)b * classes + c] = (p[c] - (c == y[b] ? 1.0f : 0.0f)) * scale;
    }
    if (correct)
        *correct = hits;
    return loss;
}
