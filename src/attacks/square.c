/* Square Attack (Andriushchenko et al. 2020), ART's SquareAttack: a
 * score-based random search on the logit margin
 *   L(x') = z_y(x') - max_{k != y} z_k(x'),
 * keeping a candidate only when it lowers L, until the prediction leaves y.
 * L-inf: the start is x with a random +-eps per column (vertical stripes);
 * each step sets a random square of side s to x +- eps (one sign per
 * channel). L2: the start is a 5x5 grid of pseudo-Gaussian tiles scaled to
 * ||delta|| = eps; each step moves the perturbation's mass from a second
 * random square into the first, as a fresh pseudo-Gaussian bump plus the
 * old content, keeping ||delta|| = eps. The side s shrinks with the
 * schedule p(i) = p_init * 2^-k at ART's fractions of max_iter. Queries:
 * x itself, the start, then one per step; each restart begins again at x
 * and may spend max_iter queries (the first counts the query of x). */
#include <math.h>
#include <string.h>

#include "attacks/blackbox.h"
#include "attacks/methods.h"
#include "base/error.h"
#include "base/mathf.h"

enum { SQUARE_START, SQUARE_STEP };

/* The margin L above, of logits z for label y. */
static float margin(const float *z, int classes, int y)
{
    float other = -INFINITY;
    for (int k = 0; k < classes; k++)
        if (k != y && z[k] > other)
            other = z[k];
    return z[y] - other;
}

/* ART's schedule: p_init halved at each of these fractions of max_iter. */
static float share_at(const advlab_attack_config *c, int iter)
{
    static const double fractions[] = {0.001, 0.005, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8};
    double done = (double)iter / c->max_iter;
    int halvings = 0;
    while (halvings < 9 && fractions[halvings] < done)
        halvings++;
    return c->p_init / (float)(1 << halvings);
}

/* The side of the square covering a share p of an h x w image, at least
 * `least`, at most the image's shorter side. */
static int side_for(float p, int h, int w, int least)
{
    int s = (int)floorf(sqrtf(p * (float)(h * w)) + 0.5f);
    s = s > least ? s : least;
    int most = h < w ? h : w;
    return s < most ? s : most;
}

/* A square's corner: ART's randint(0, n - s), 0 when the square fills n. */
static int corner(advlab_rng *rng, int n, int s)
{
    return n - s > 0 ? (int)advlab__rng_below(rng, (uint32_t)(n - s)) : 0;
}

static float random_sign(advlab_rng *rng) { return advlab__rng_u32(rng) >> 31 ? 1.0f : -1.0f; }

/* ------------------------------------------------------------- L-inf */

/* row = clip(x + eps * (one random sign per channel and column)). */
static void stripes(const advlab_attack *a, advlab_rng *rng, const float *x, float *row)
{
    const layer_shape *l = &a->net->arch.layers[0];
    for (int c = 0; c < l->in_c; c++)
        for (int w = 0; w < l->in_w; w++) {
            float e = a->cfg.eps * random_sign(rng);
            for (int h = 0; h < l->in_h; h++) {
                size_t i = ((size_t)c * l->in_h + h) * l->in_w + w;
                row[i] = advlab__clip01(x[i] + e);
            }
        }
}

/* row = x_adv with a random square of side s moved to x +- eps. */
static void linf_step(const advlab_attack *a, advlab_rng *rng, float p, const float *x,
                      const float *x_adv, float *row)
{
    const layer_shape *l = &a->net->arch.layers[0];
    float eps = a->cfg.eps;
    int s = side_for(p, l->in_h, l->in_w, 1);
    int h0 = corner(rng, l->in_h, s), w0 = corner(rng, l->in_w, s);
    memcpy(row, x_adv, sizeof(float) * a->in_size);
    for (int c = 0; c < l->in_c; c++) {
        float jump = 2.0f * eps * random_sign(rng);
        for (int h = h0; h < h0 + s; h++)
            for (int w = w0; w < w0 + s; w++) {
                size_t i = ((size_t)c * l->in_h + h) * l->in_w + w;
                float v = x_adv[i] + jump;
                v = v > x[i] - eps ? v : x[i] - eps;
                v = v < x[i] + eps ? v : x[i] + eps;
                row[i] = advlab__clip01(v);
            }
    }
}

/* ---------------------------------------------------------------- L2 */

static float sum_squares(const float *v, size_t n)
{
    float s = 0.0f;
    for (size_t i = 0; i < n; i++)
        s += v[i] * v[i];
    return s;
}

static void scale(float *v, size_t n, float f)
{
    for (size_t i = 0; i < n; i++)
        v[i] *= f;
}

/* ART's pseudo-Gaussian s x s pattern of unit L2 norm: the top half holds
 * nested rectangles weighted 1/(k+1)^2, the bottom half its negation;
 * randomly transposed, randomly negated. */
static void bump(advlab_rng *rng, int s, float *out)
{
    int half = s / 2;
    memset(out, 0, sizeof(float) * s * s);
    int r = s / 4, c = s / 2;
    for (int k = 0; k < s / 2; k++, r--, c--) {
        int r0 = r > 0 ? r : 0, c0 = c > 0 ? c : 0;
        int r1 = r + 2 * k + 1 < half ? r + 2 * k + 1 : half;
        int c1 = c + 2 * k + 1 < s ? c + 2 * k + 1 : s;
        float weight = 1.0f / (float)((k + 1) * (k + 1));
        for (int i = r0; i < r1; i++)
            for (int q = c0; q < c1; q++)
                out[i * s + q] += weight;
    }
    float top = sum_squares(out, (size_t)half * s);
    if (top > 0.0f)
        scale(out, (size_t)half * s, 1.0f / sqrtf(top));
    for (int i = 0; i < half; i++)
        for (int q = 0; q < s; q++)
            out[(half + i) * s + q] = -out[i * s + q];
    float all = sum_squares(out, (size_t)s * s);
    if (all > 0.0f)
        scale(out, (size_t)s * s, 1.0f / sqrtf(all));
    if (advlab__rng_uniform(rng) > 0.5f)
        for (int i = 0; i < s; i++)
            for (int q = i + 1; q < s; q++) {
                float t = out[i * s + q];
                out[i * s + q] = out[q * s + i], out[q * s + i] = t;
            }
    if (advlab__rng_uniform(rng) > 0.5f)
        scale(out, (size_t)s * s, -1.0f);
}

/* row = clip(x + eps * delta / ||delta||); delta in row on entry. */
static void place(const advlab_attack *a, const float *x, float *row)
{
    size_t d = (size_t)a->in_size;
    float norm = sqrtf(sum_squares(row, d));
    float f = norm > 0.0f ? a->cfg.eps / norm : 0.0f;
    for (size_t i = 0; i < d; i++)
        row[i] = advlab__clip01(x[i] + f * row[i]);
}

/* The start: 5x5 tiles of side h/5 from the corner, each a bump times a
 * random sign per channel; tmp holds a bump (in_size floats). */
static void l2_start(const advlab_attack *a, advlab_rng *rng, const float *x, float *row,
                     float *tmp)
{
    const layer_shape *l = &a->net->arch.layers[0];
    int t = l->in_h / 5;
    memset(row, 0, sizeof(float) * a->in_size);
    for (int th = 0; th < 5 && t > 0; th++)
        for (int tw = 0; tw < 5 && (tw + 1) * t <= l->in_w; tw++) {
            bump(rng, t, tmp);
            for (int c = 0; c < l->in_c; c++) {
                float sign = random_sign(rng);
                for (int i = 0; i < t; i++)
                    for (int q = 0; q < t; q++)
                        row[((size_t)c * l->in_h + th * t + i) * l->in_w + tw * t + q] +=
                            sign * tmp[i * t + q];
            }
        }
    place(a, x, row);
}

/* Sum of squares of one channel's plane (h x w) over the s x s square at
 * (h1, w1), and, when h2 >= 0, over its union with the square at (h2, w2). */
static float window_ss(const float *plane, int h, int w, int s, int h1, int w1, int h2, int w2)
{
    float ss = 0.0f;
    for (int i = 0; i < h; i++)
        for (int q = 0; q < w; q++) {
            int in1 = i >= h1 && i < h1 + s && q >= w1 && q < w1 + s;
            int in2 = h2 >= 0 && i >= h2 && i < h2 + s && q >= w2 && q < w2 + s;
            if (in1 || in2)
                ss += plane[i * w + q] * plane[i * w + q];
        }
    return ss;
}

/* One L2 step (the paper's, whose rescaling ART inverts: docs/ATTACKS.md):
 * delta = x_adv - x; in each channel the first square gets a new bump plus
 * its old content, scaled so the two squares together hold their old mass
 * and the room left in the ball; the second square is emptied; then
 * row = clip(x + eps * delta / ||delta||). fresh, pattern: in_size floats
 * each. */
static void l2_step(const advlab_attack *a, advlab_rng *rng, float p, const float *x,
                    const float *x_adv, float *row, float *fresh, float *pattern)
{
    const layer_shape *l = &a->net->arch.layers[0];
    size_t d = (size_t)a->in_size, plane = (size_t)l->in_h * l->in_w;
    int s = side_for(p, l->in_h, l->in_w, 3);
    if (s % 2 == 0)
        s += s < (l->in_h < l->in_w ? l->in_h : l->in_w) ? 1 : -1;
    int h1 = corner(rng, l->in_h, s), w1 = corner(rng, l->in_w, s);
    int h2 = corner(rng, l->in_h, s), w2 = corner(rng, l->in_w, s);
    float eps = a->cfg.eps;
    for (size_t i = 0; i < d; i++)
        row[i] = x_adv[i] - x[i];
    float room = eps * eps - sum_squares(row, d);
    room = room > 0.0f ? room : 0.0f;
    bump(rng, s, pattern);
    for (int c = 0; c < l->in_c; c++) {
        float *delta = row + c * plane;
        float old = sqrtf(window_ss(delta, l->in_h, l->in_w, s, h1, w1, -1, -1));
        float both = window_ss(delta, l->in_h, l->in_w, s, h1, w1, h2, w2);
        float sign = random_sign(rng), keep = 1.0f / (old > 1e-9f ? old : 1e-9f);
        for (int i = 0; i < s; i++)
            for (int q = 0; q < s; q++)
                fresh[i * s + q] =
                    sign * pattern[i * s + q] + delta[(size_t)(h1 + i) * l->in_w + w1 + q] * keep;
        float norm = sqrtf(sum_squares(fresh, (size_t)s * s));
        float target = sqrtf(room / (float)l->in_c + both);
        scale(fresh, (size_t)s * s, norm > 0.0f ? target / norm : 0.0f);
        for (int i = 0; i < s; i++)
            for (int q = 0; q < s; q++)
                delta[(size_t)(h2 + i) * l->in_w + w2 + q] = 0.0f;
        for (int i = 0; i < s; i++)
            for (int q = 0; q < s; q++)
                delta[(size_t)(h1 + i) * l->in_w + w1 + q] = fresh[i * s + q];
    }
    place(a, x, row);
}

/* ------------------------------------------------------------ method */

static void square_start(advlab__bb_run *r, int j, const float *z)
{
    advlab__bb_image *im = &r->a->img[j];
    im->best = im->origin = margin(z, r->a->classes, im->label);
    im->phase = SQUARE_START;
}

static advlab_status square_step(advlab__bb_run *r, int j)
{
    advlab_attack *a = r->a;
    const advlab_attack_config *c = &a->cfg;
    advlab__bb_image *im = &a->img[j];
    size_t d = (size_t)a->in_size;
    const float *x = r->x + j * d;
    float *x_adv = r->x_adv + j * d, *tmp = a->grad + j * d, *row;
    if (im->hits) /* the point kept last is adversarial */
        return ADVLAB_OK;
    if (im->queries >= (im->trial + 1) * c->max_iter) { /* this restart's queries are spent */
        if (++im->trial == c->nb_restarts)
            return ADVLAB_OK;
        memcpy(x_adv, x, sizeof(float) * d); /* ART restarts from x */
        im->best = im->origin;
        im->phase = SQUARE_START, im->iter = 0;
    }
    TRY(advlab__bb_add(r, j, &row));
    int l2 = c->norm == 2.0f;
    if (im->phase == SQUARE_START) {
        if (l2)
            l2_start(a, &im->rng, x, row, tmp);
        else
            stripes(a, &im->rng, x, row);
        im->phase = SQUARE_STEP;
        return ADVLAB_OK;
    }
    float p = share_at(c, im->iter++);
    if (l2)
        l2_step(a, &im->rng, p, x, x_adv, row, tmp, a->pre_grad + j * d);
    else
        linf_step(a, &im->rng, p, x, x_adv, row);
    return ADVLAB_OK;
}

/* Keeps the candidate when it lowers the margin (ART: strictly). */
static void square_take(advlab__bb_run *r, int j, const float *row, const float *z)
{
    advlab_attack *a = r->a;
    advlab__bb_image *im = &a->img[j];
    float m = margin(z, a->classes, im->label);
    if (!(m < im->best))
        return;
    im->best = m;
    im->hits = advlab__bb_adversarial(r, j, z);
    memcpy(r->x_adv + (size_t)j * a->in_size, row, sizeof(float) * a->in_size);
}

static const advlab__bb_method square = {square_start, square_step, square_take};

advlab_status advlab__attack_square(advlab_attack *a, const float *x, const int32_t *y, int n,
                                    float *x_adv)
{
    return advlab__blackbox_run(a, x, y, n, x_adv, a->cfg.nb_restarts * a->cfg.max_iter, &square);
}
