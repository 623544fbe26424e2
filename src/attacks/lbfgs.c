/* Box-constrained L-BFGS (Szegedy et al. 2013, "Intriguing properties of
 * neural networks"). ART never had it; this follows the paper, with the
 * choices docs/ATTACKS.md records. For each image x0 and trade-off c it
 * minimises over x in [0,1]
 *   F(x) = c ||x - x0||_2^2 + L(x),
 *   L = -log p_t(x)          targeted, t the target,
 *   L = -log(1 - p_y(x))     untargeted, y the label: the log-probability
 *                            of "any class but y", which like the targeted
 *                            loss falls to 0 once the image is fooled,
 * by a projected L-BFGS of our own, from x0, for max_iter iterations:
 * - pixels within LBFGS_BAND of a bound that the gradient pushes out take a
 *   projected gradient step (Bertsekas' projected Newton split); the
 *   others take the two-loop recursion's -H g, H the inverse-Hessian
 *   estimate of the last LBFGS_HISTORY pairs (s, y), each kept only when
 *   s.y > 0 so that H stays positive definite;
 * - the trial point is the projection clip(x + alpha d, 0, 1); alpha starts
 *   at 1 (or where the step is LBFGS_MAX_STEP long in L2) and halves until
 *   Armijo's decrease F(trial) <= F(x) + 1e-4 g.(trial - x) holds; the
 *   first direction, with no history, is -g at unit L2 length.
 * An image stops early when no step decreases F, or F decreases by less
 * than LBFGS_FTOL relatively. The last point is the minimiser, and c
 * succeeds when it reaches the target (untargeted: leaves y). Every
 * accepted point that does is an adversarial example, though: each image
 * keeps its smallest-L2 one over the whole search, and one that never
 * succeeds is returned as x0.
 *
 * The paper asks for the "minimum c" whose minimiser reaches the target,
 * with c on the norm term that is the LARGEST c that still succeeds (a
 * larger c weighs the norm more, so the minimiser is closer to x0). The
 * search starts at c_init, multiplies c by 10 after a success and divides
 * it by 10 after a failure until both a success and a failure are known,
 * then bisects between the largest success and the smallest failure, for
 * binary_search_steps steps in all. */
#include <math.h>
#include <string.h>

#include "attacks/attack.h"
#include "attacks/methods.h"
#include "base/error.h"
#include "base/mathf.h"

#define LBFGS_HISTORY 10    /* the (s, y) pairs kept: the m of L-BFGS */
#define LBFGS_GROUP 32      /* images whose state lives on the stack and in the arena */
#define LBFGS_ARMIJO 1e-4f  /* the sufficient-decrease constant */
#define LBFGS_HALVINGS 30   /* step halvings before an image is taken as converged */
#define LBFGS_FTOL 1e-6f    /* relative decrease below which an image has converged */
#define LBFGS_BAND 1e-3f    /* pixels this near a bound, pushed out, take projected steps */
#define LBFGS_MAX_STEP 0.5f /* the longest first trial step, in L2 */
#define LBFGS_C_MIN 1e-10f  /* the search gives up on c outside [C_MIN, C_MAX] */
#define LBFGS_C_MAX 1e10f

/* The arena rows (in_size floats each) of one image of a group, in a->class_grads. */
enum { ROW_X, ROW_G, ROW_D, ROW_S, ROW_Y = ROW_S + LBFGS_HISTORY, ROWS = ROW_Y + LBFGS_HISTORY };

typedef struct {
    float c, succeeded, failed; /* c, its largest success (0: none) and smallest failure (inf) */
    float best_l2;              /* squared L2 of the success held in x_adv; inf while none */
    int success;                /* the minimiser found at this c reaches the target */
    int running;                /* still optimised at this c */
    int iter, halvings;         /* iterations taken; halvings of the current step */
    int count, head;            /* pairs in the history; the slot the next one goes to */
    float rho[LBFGS_HISTORY];   /* 1 / (s . y) of each pair */
    float f, alpha, gamma;      /* F at x; the trial step; the initial Hessian scale s.y/y.y */
} lbfgs_image;

uint64_t advlab__lbfgs_floats(uint64_t max_batch, uint64_t in_size)
{
    return (max_batch < LBFGS_GROUP ? max_batch : LBFGS_GROUP) * ROWS * in_size;
}

static float dot(const float *u, const float *v, size_t n)
{
    float s = 0.0f;
    for (size_t p = 0; p < n; p++)
        s += u[p] * v[p];
    return s;
}

static float log_sum_exp(const float *z, int K, int skip)
{
    float m = -INFINITY;
    for (int k = 0; k < K; k++)
        if (k != skip && z[k] > m)
            m = z[k];
    float s = 0.0f;
    for (int k = 0; k < K; k++)
        if (k != skip)
            s += advlab__expf(z[k] - m);
    return m + advlab__logf(s);
}

/* L at logits z and dlogits = dL/dz; p is softmax(z). */
static float loss(const advlab_attack *a, const float *z, const float *p, int label, float *dlogits)
{
    int K = a->classes;
    float all = log_sum_exp(z, K, -1);
    if (a->cfg.targeted) { /* -log p_t; dL/dz = p - onehot(t) */
        for (int k = 0; k < K; k++)
            dlogits[k] = p[k] - (k == label ? 1.0f : 0.0f);
        return all - z[label];
    }
    /* -log(1 - p_y) = LSE(z) - LSE_{k != y}(z); dL/dz_k = p_k - q_k, with q the
     * softmax over the classes but y (q_y = 0) */
    float others = log_sum_exp(z, K, label);
    for (int k = 0; k < K; k++)
        dlogits[k] = p[k] - (k == label ? 0.0f : advlab__expf(z[k] - others));
    return all - others;
}

static int reached(const advlab_attack *a, const float *z, int label)
{
    int pred = advlab__argmax(z, a->classes);
    return a->cfg.targeted ? pred == label : pred != label;
}

/* F and its gradient for the m images listed in active, at the points in
 * a->work rows 0..m: f[j], grad rows in a->grad, and hit[j] whether the
 * point reaches the target. */
static advlab_status evaluate(advlab_attack *a, const float *x0, const int32_t *y,
                              const int32_t *active, int m, const lbfgs_image *s, float *f,
                              int *hit)
{
    size_t in = (size_t)a->in_size;
    int K = a->classes;
    const float *z;
    TRY(advlab__attack_logits(a, a->work, m, &z));
    for (int j = 0; j < m; j++) {
        int i = active[j];
        const float *zj = z + (size_t)j * K;
        f[j] = loss(a, zj, a->probs + (size_t)j * K, y[i], a->dlogits + (size_t)j * K);
        const float *pt = a->work + j * in, *o = x0 + i * in;
        float l2 = 0.0f;
        for (size_t p = 0; p < in; p++)
            l2 += (pt[p] - o[p]) * (pt[p] - o[p]);
        f[j] += s[i].c * l2;
        hit[j] = reached(a, zj, y[i]);
    }
    TRY(advlab__attack_backward(a, a->work, m, a->dlogits, a->grad));
    for (int j = 0; j < m; j++) { /* + d/dx c ||x - x0||^2 */
        int i = active[j];
        float *g = a->grad + j * in;
        const float *pt = a->work + j * in, *o = x0 + i * in;
        for (size_t p = 0; p < in; p++)
            g[p] += 2.0f * s[i].c * (pt[p] - o[p]);
    }
    return ADVLAB_OK;
}

/* Scores an accepted point of image s, x0 its clean image: a success
 * closer to x0 than the last is kept in x_adv, whether or not it is the
 * minimiser; the search on c looks only at the last point, the minimiser. */
static void score(size_t in, const float *x0, const float *pt, int hit, lbfgs_image *s,
                  float *x_adv)
{
    s->success = hit; /* so far: the last accepted point */
    if (!hit)
        return;
    float l2 = 0.0f;
    for (size_t p = 0; p < in; p++)
        l2 += (pt[p] - x0[p]) * (pt[p] - x0[p]);
    if (l2 < s->best_l2) {
        s->best_l2 = l2;
        memcpy(x_adv, pt, sizeof(float) * in);
    }
}

/* Whether pixel p is held near its bound: within LBFGS_BAND of 0 or 1 with
 * the gradient pushing it out. */
static int near_bound(float x, float g)
{
    return (x <= LBFGS_BAND && g > 0.0f) || (x >= 1.0f - LBFGS_BAND && g < 0.0f);
}

/* d = -H g on the free pixels (the two-loop recursion on g with the pixels
 * near their bound zeroed), and -gamma g on those, which the projection then
 * takes to the bound: Bertsekas' projected Newton split, so that a pixel a
 * hair from its bound cannot absorb the step (a plain active set stalls
 * there). With no history, d = -g at unit L2 length. A pixel exactly at a
 * bound that d would push out is held. */
static void two_loop(size_t in, const lbfgs_image *s, float *rows)
{
    const float *x = rows + ROW_X * in, *g = rows + ROW_G * in;
    float *d = rows + ROW_D * in, alpha[LBFGS_HISTORY];
    if (!s->count) {
        float norm = sqrtf(dot(g, g, in));
        for (size_t p = 0; p < in; p++)
            d[p] = norm > 0.0f ? -g[p] / norm : 0.0f;
    } else {
        for (size_t p = 0; p < in; p++)
            d[p] = near_bound(x[p], g[p]) ? 0.0f : g[p];
        for (int k = 0; k < s->count; k++) { /* newest first */
            int slot = (s->head - 1 - k + LBFGS_HISTORY) % LBFGS_HISTORY;
            const float *sv = rows + (ROW_S + slot) * in, *yv = rows + (ROW_Y + slot) * in;
            alpha[k] = s->rho[slot] * dot(sv, d, in);
            for (size_t p = 0; p < in; p++)
                d[p] -= alpha[k] * yv[p];
        }
        for (size_t p = 0; p < in; p++)
            d[p] *= s->gamma;
        for (int k = s->count - 1; k >= 0; k--) { /* oldest first */
            int slot = (s->head - 1 - k + LBFGS_HISTORY) % LBFGS_HISTORY;
            const float *sv = rows + (ROW_S + slot) * in, *yv = rows + (ROW_Y + slot) * in;
            float beta = s->rho[slot] * dot(yv, d, in);
            for (size_t p = 0; p < in; p++)
                d[p] += (alpha[k] - beta) * sv[p];
        }
        for (size_t p = 0; p < in; p++)
            d[p] = near_bound(x[p], g[p]) ? -s->gamma * g[p] : -d[p];
    }
    for (size_t p = 0; p < in; p++)
        if ((x[p] <= 0.0f && d[p] < 0.0f) || (x[p] >= 1.0f && d[p] > 0.0f))
            d[p] = 0.0f;
}

/* The next direction and its first trial step. -H g is a descent
 * direction, but a pixel at a bound that it would push out is held, which
 * can undo that; then the history is dropped and the direction is -g. */
static void direction(size_t in, lbfgs_image *s, float *rows)
{
    two_loop(in, s, rows);
    if (s->count && dot(rows + ROW_G * in, rows + ROW_D * in, in) >= 0.0f) {
        s->count = 0, s->head = 0;
        two_loop(in, s, rows);
    }
    float norm = sqrtf(dot(rows + ROW_D * in, rows + ROW_D * in, in));
    s->alpha = norm > LBFGS_MAX_STEP ? LBFGS_MAX_STEP / norm : 1.0f, s->halvings = 0;
}

/* Takes the trial point (a->work row j) as image i's new x, with F f_new
 * and gradient g_new, adding (s, y) to the history when s.y > 0. */
static void accept(size_t in, lbfgs_image *s, float *rows, const float *trial, const float *g_new,
                   float f_new)
{
    float *x = rows + ROW_X * in, *g = rows + ROW_G * in;
    float *sv = rows + (ROW_S + s->head) * in, *yv = rows + (ROW_Y + s->head) * in;
    for (size_t p = 0; p < in; p++)
        sv[p] = trial[p] - x[p], yv[p] = g_new[p] - g[p];
    float sy = dot(sv, yv, in), yy = dot(yv, yv, in);
    if (sy > 0.0f && yy > 0.0f) {
        s->rho[s->head] = 1.0f / sy, s->gamma = sy / yy;
        s->head = (s->head + 1) % LBFGS_HISTORY;
        s->count += s->count < LBFGS_HISTORY;
    }
    float decrease = s->f - f_new, size = fabsf(s->f) > 1.0f ? fabsf(s->f) : 1.0f;
    memcpy(x, trial, sizeof(float) * in);
    memcpy(g, g_new, sizeof(float) * in);
    s->f = f_new, s->iter++;
    s->running = decrease > LBFGS_FTOL * size;
}

/* One value of c for the images of a group: L-BFGS from x0 for each. */
static advlab_status minimise(advlab_attack *a, const float *x0, const int32_t *y, int images,
                              lbfgs_image *s, float *x_adv)
{
    size_t in = (size_t)a->in_size;
    float *state = a->class_grads, f[LBFGS_GROUP];
    int hit[LBFGS_GROUP];
    int32_t *active = a->active;
    int m = 0;
    for (int i = 0; i < images; i++) {
        s[i].success = 0, s[i].iter = 0, s[i].count = 0, s[i].head = 0;
        s[i].running = s[i].c >= LBFGS_C_MIN && s[i].c <= LBFGS_C_MAX;
        if (s[i].running) {
            memcpy(a->work + m * in, x0 + i * in, sizeof(float) * in);
            active[m++] = i;
        }
    }
    if (m == 0)
        return ADVLAB_OK;
    TRY(evaluate(a, x0, y, active, m, s, f, hit));
    for (int j = 0; j < m; j++) {
        score(in, x0 + active[j] * in, a->work + j * in, hit[j], &s[active[j]],
              x_adv + active[j] * in);
        float *rows = state + (size_t)active[j] * ROWS * in;
        memcpy(rows + ROW_X * in, a->work + j * in, sizeof(float) * in);
        memcpy(rows + ROW_G * in, a->grad + j * in, sizeof(float) * in);
        s[active[j]].f = f[j];
        direction(in, &s[active[j]], rows);
    }
    while (m > 0) {
        /* the images still running all have a trial step: evaluate them */
        for (int j = 0; j < m; j++) {
            const float *rows = state + (size_t)active[j] * ROWS * in;
            const float *x = rows + ROW_X * in, *d = rows + ROW_D * in;
            float alpha = s[active[j]].alpha, *trial = a->work + j * in;
            for (size_t p = 0; p < in; p++)
                trial[p] = advlab__clip01(x[p] + alpha * d[p]);
        }
        TRY(evaluate(a, x0, y, active, m, s, f, hit));
        int kept = 0;
        for (int j = 0; j < m; j++) {
            int i = active[j];
            float *rows = state + (size_t)i * ROWS * in;
            const float *trial = a->work + j * in, *x = rows + ROW_X * in;
            float gd = 0.0f, *g = rows + ROW_G * in;
            for (size_t p = 0; p < in; p++)
                gd += g[p] * (trial[p] - x[p]);
            if (f[j] < s[i].f && f[j] <= s[i].f + LBFGS_ARMIJO * gd) {
                score(in, x0 + i * in, trial, hit[j], &s[i], x_adv + i * in);
                accept(in, &s[i], rows, trial, a->grad + j * in, f[j]);
                if (s[i].iter >= a->cfg.max_iter)
                    s[i].running = 0;
                if (s[i].running)
                    direction(in, &s[i], rows);
            } else if (++s[i].halvings > LBFGS_HALVINGS) {
                s[i].running = 0; /* no step decreases F: a minimiser to float precision */
            } else {
                s[i].alpha *= 0.5f;
            }
            if (s[i].running)
                active[kept++] = i;
        }
        m = kept;
    }
    return ADVLAB_OK;
}

/* After a step at c: a success raises c (the norm counts more), a failure
 * lowers it; tenfold until both are known, then bisection. */
static void update_c(lbfgs_image *s)
{
    if (s->c < LBFGS_C_MIN || s->c > LBFGS_C_MAX)
        return;
    if (s->success)
        s->succeeded = s->c > s->succeeded ? s->c : s->succeeded;
    else
        s->failed = s->c < s->failed ? s->c : s->failed;
    if (s->succeeded > 0.0f && s->failed < INFINITY)
        s->c = (s->succeeded + s->failed) / 2.0f;
    else
        s->c = s->success ? s->c * 10.0f : s->c / 10.0f;
}

advlab_status advlab__attack_lbfgs(advlab_attack *a, const float *x, const int32_t *y, int n,
                                   float *x_adv)
{
    size_t in = (size_t)a->in_size;
    memcpy(x_adv, x, sizeof(float) * n * in);
    int group = a->max_batch < LBFGS_GROUP ? a->max_batch : LBFGS_GROUP;
    for (int g0 = 0; g0 < n; g0 += group) {
        int g = n - g0 < group ? n - g0 : group;
        lbfgs_image s[LBFGS_GROUP];
        for (int i = 0; i < g; i++)
            s[i] = (lbfgs_image){.c = a->cfg.c_init, .failed = INFINITY, .best_l2 = INFINITY};
        for (int step = 0; step < a->cfg.binary_search_steps; step++) {
            TRY(minimise(a, x + g0 * in, y + g0, g, s, x_adv + g0 * in));
            for (int i = 0; i < g; i++)
                update_c(&s[i]);
        }
    }
    return ADVLAB_OK;
}
