/* The Boundary Attack (Brendel et al. 2018), ART's BoundaryAttack,
 * decision-based: it sees only each query's predicted class. It starts
 * from a uniform random image that is adversarial (init_size tries) and
 * walks along the boundary towards x. Each iteration:
 * - up to num_trial rounds of sample_size candidates, each x_adv plus a
 *   random step of delta * ||x - x_adv|| orthogonal to x - x_adv, brought
 *   back onto the sphere around x: with h = sqrt(1 + delta^2),
 *   c = clip(x_adv + ((1 - h)(x_adv - x) + p) / h); delta shrinks by
 *   step_adapt when under 20% of them stay adversarial, grows over 50%;
 * - then up to num_trial rounds stepping each adversarial candidate a
 *   share epsilon of the way to x, clip(c + epsilon (x - c)), with epsilon
 *   adapted the same way; the adversarial point nearest x (L2) becomes
 *   x_adv.
 * An image stops when a round finds nothing num_trial times, after
 * max_iter iterations, or when its budget cannot pay for the next round. */
#include <math.h>
#include <string.h>

#include "attacks/blackbox.h"
#include "attacks/methods.h"
#include "base/error.h"
#include "base/mathf.h"

enum { BOUNDARY_DRAW, BOUNDARY_NEXT, BOUNDARY_ORTHOGONAL, BOUNDARY_TOWARD };

static float l2_between(const float *u, const float *v, size_t d)
{
    float s = 0.0f;
    for (size_t i = 0; i < d; i++)
        s += (u[i] - v[i]) * (u[i] - v[i]);
    return sqrtf(s);
}

/* One orthogonal candidate (ART's _orthogonal_perturb) into out. */
static void candidate(advlab_rng *rng, float delta, const float *x, const float *x_adv, size_t d,
                      float *out)
{
    for (size_t i = 0; i < d; i += 2) {
        float z0, z1;
        advlab__attack_normal_pair(rng, &z0, &z1);
        out[i] = z0;
        if (i + 1 < d)
            out[i + 1] = z1;
    }
    float dist = l2_between(x, x_adv, d), ss = 0.0f;
    for (size_t i = 0; i < d; i++)
        ss += out[i] * out[i];
    float f = delta * dist / sqrtf(ss), along = 0.0f;
    for (size_t i = 0; i < d; i++) {
        out[i] *= f;
        along += out[i] * (x[i] - x_adv[i]) / dist;
    }
    float h = sqrtf(1.0f + delta * delta);
    for (size_t i = 0; i < d; i++) {
        float p = out[i] - along * (x[i] - x_adv[i]) / dist;
        out[i] = advlab__clip01(x_adv[i] + ((1.0f - h) * (x_adv[i] - x[i]) + p) / h);
    }
}

/* ART's trust region: shrink below 20% success, grow above 50%. */
static float adapt(float step, int hits, int n, float factor)
{
    float ratio = (float)hits / (float)n;
    return ratio < 0.2f ? step * factor : ratio > 0.5f ? step / factor : step;
}

static advlab_status queue_orthogonal(advlab__bb_run *r, int j)
{
    advlab_attack *a = r->a;
    advlab__bb_image *im = &a->img[j];
    size_t d = (size_t)a->in_size;
    if (advlab__bb_left(im) < a->cfg.sample_size)
        return ADVLAB_OK;
    im->replay = im->rng, im->drawn_step = im->step;
    im->hits = 0, im->taken = 0;
    im->phase = BOUNDARY_ORTHOGONAL; /* before the adds: a full queue is taken at once */
    for (int k = 0; k < a->cfg.sample_size; k++) {
        float *row;
        TRY(advlab__bb_add(r, j, &row));
        candidate(&im->rng, im->step, r->x + j * d, r->x_adv + j * d, d, row);
    }
    return ADVLAB_OK;
}

/* The adversarial candidates of the last orthogonal round again, from the
 * stream saved before them: queued a share epsilon towards x (queue 1),
 * or, when queue is 0, the one nearest x copied to x_adv. */
static advlab_status redraw(advlab__bb_run *r, int j, int queue)
{
    advlab_attack *a = r->a;
    advlab__bb_image *im = &a->img[j];
    size_t d = (size_t)a->in_size;
    const float *x = r->x + j * d;
    float *c = a->grad + j * d, *nearest = a->pre_grad + j * d, best = INFINITY;
    advlab_rng rng = im->replay;
    for (int k = 0; k < a->cfg.sample_size; k++) {
        candidate(&rng, im->drawn_step, x, r->x_adv + j * d, d, c);
        if (!a->satisfied[(size_t)j * a->cfg.sample_size + k])
            continue;
        if (queue) {
            float *row;
            TRY(advlab__bb_add(r, j, &row));
            for (size_t i = 0; i < d; i++)
                row[i] = advlab__clip01(c[i] + im->step2 * (x[i] - c[i]));
        } else if (l2_between(c, x, d) < best) {
            best = l2_between(c, x, d);
            memcpy(nearest, c, sizeof(float) * d);
        }
    }
    if (!queue)
        memcpy(r->x_adv + j * d, nearest, sizeof(float) * d);
    return ADVLAB_OK;
}

static advlab_status queue_toward(advlab__bb_run *r, int j)
{
    advlab__bb_image *im = &r->a->img[j];
    if (advlab__bb_left(im) < im->kept)
        return ADVLAB_OK;
    im->hits = 0, im->best = INFINITY;
    im->phase = BOUNDARY_TOWARD;
    return redraw(r, j, 1);
}

static void boundary_start(advlab__bb_run *r, int j, const float *z)
{
    (void)z;
    advlab__bb_image *im = &r->a->img[j];
    im->phase = BOUNDARY_DRAW, im->iter = 0, im->hits = 0;
    im->step = r->a->cfg.delta, im->step2 = r->a->cfg.epsilon;
}

static advlab_status boundary_step(advlab__bb_run *r, int j)
{
    advlab_attack *a = r->a;
    const advlab_attack_config *c = &a->cfg;
    advlab__bb_image *im = &a->img[j];
    size_t d = (size_t)a->in_size;
    switch (im->phase) {
    case BOUNDARY_DRAW:
        if (im->hits) {
            im->iter = 0, im->phase = BOUNDARY_NEXT;
            return boundary_step(r, j);
        }
        if (im->iter == c->init_size || advlab__bb_left(im) == 0)
            return ADVLAB_OK; /* no start found: x_adv stays x, as in ART */
        float *row;
        TRY(advlab__bb_add(r, j, &row));
        for (size_t i = 0; i < d; i++)
            row[i] = advlab__rng_uniform(&im->rng);
        im->iter++;
        return ADVLAB_OK;
    case BOUNDARY_NEXT:
        if (im->iter == c->max_iter)
            return ADVLAB_OK;
        im->trial = 0;
        return queue_orthogonal(r, j);
    case BOUNDARY_ORTHOGONAL:
        im->step = adapt(im->step, im->hits, c->sample_size, c->step_adapt);
        if (im->hits > 0) {
            im->kept = im->hits, im->trial = 0;
            return queue_toward(r, j);
        }
        if (++im->trial == c->num_trial)
            return ADVLAB_OK;
        return queue_orthogonal(r, j);
    case BOUNDARY_TOWARD:
        im->step2 = adapt(im->step2, im->hits, im->kept, c->step_adapt);
        if (im->hits > 0) {
            memcpy(r->x_adv + j * d, a->pre_grad + j * d, sizeof(float) * d);
            im->iter++, im->phase = BOUNDARY_NEXT;
            return boundary_step(r, j);
        }
        if (++im->trial == c->num_trial)
            return redraw(r, j, 0); /* ART: the candidate nearest x */
        return queue_toward(r, j);
    }
    return ADVLAB_OK;
}

static void boundary_take(advlab__bb_run *r, int j, const float *row, const float *z)
{
    advlab_attack *a = r->a;
    advlab__bb_image *im = &a->img[j];
    size_t d = (size_t)a->in_size;
    int adversarial = advlab__bb_adversarial(r, j, z);
    im->hits += adversarial;
    if (im->phase == BOUNDARY_DRAW && adversarial)
        memcpy(r->x_adv + j * d, row, sizeof(float) * d);
    if (im->phase == BOUNDARY_ORTHOGONAL)
        a->satisfied[(size_t)j * a->cfg.sample_size + im->taken++] = (uint8_t)adversarial;
    if (im->phase == BOUNDARY_TOWARD && adversarial) {
        float dist = l2_between(row, r->x + j * d, d);
        if (dist < im->best) {
            im->best = dist;
            memcpy(a->pre_grad + j * d, row, sizeof(float) * d);
        }
    }
}

static const advlab__bb_method boundary = {boundary_start, boundary_step, boundary_take};

advlab_status advlab__attack_boundary(advlab_attack *a, const float *x, const int32_t *y, int n,
                                      float *x_adv)
{
    return advlab__blackbox_run(a, x, y, n, x_adv, a->cfg.max_queries, &boundary);
}
