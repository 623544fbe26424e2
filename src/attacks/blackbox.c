/* The black-box attacks' driver (blackbox.h): per-image streams and query
 * counts, the rounds, and the queue of query points forwarded max_batch at
 * a time through the defended model. */
#include "attacks/blackbox.h"

#include <string.h>

#include "base/error.h"
#include "nn/net.h"

/* Passes the queued rows forward and hands each row's logits to the image
 * that queued it: the clean round's own bookkeeping, or the method's take. */
static advlab_status flush(advlab__bb_run *r)
{
    advlab_attack *a = r->a;
    if (r->rows == 0)
        return ADVLAB_OK;
    const float *z;
    TRY(advlab__attack_logits(a, a->work, r->rows, &z));
    for (int i = 0; i < r->rows; i++) {
        int j = a->active[i];
        const float *zi = z + (size_t)i * a->classes;
        if (!r->clean) {
            r->m->take(r, j, a->work + (size_t)i * a->in_size, zi);
            continue;
        }
        advlab__bb_image *im = &a->img[j];
        if (a->labels_pending) /* y is a->labels: the model's answer at x */
            a->labels[j] = advlab__argmax(zi, a->classes);
        im->label = a->labels_pending ? a->labels[j] : im->label;
        if (advlab__bb_adversarial(r, j, zi))
            im->active = 0; /* x itself meets the goal: x_adv = x, as ART returns it */
        else
            r->m->start(r, j, zi);
    }
    r->rows = 0;
    return ADVLAB_OK;
}

advlab_status advlab__bb_add(advlab__bb_run *r, int j, float **row)
{
    advlab_attack *a = r->a;
    if (r->rows == a->max_batch)
        TRY(flush(r));
    a->active[r->rows] = j;
    a->img[j].queries++;
    *row = a->work + (size_t)r->rows++ * a->in_size;
    return ADVLAB_OK;
}

int advlab__bb_adversarial(const advlab__bb_run *r, int j, const float *z)
{
    int pred = advlab__argmax(z, r->a->classes);
    int32_t label = r->a->img[j].label;
    return r->a->cfg.targeted ? pred == label : pred != label;
}

advlab_status advlab__blackbox_run(advlab_attack *a, const float *x, const int32_t *y, int n,
                                   float *x_adv, int32_t budget, const advlab__bb_method *m)
{
    size_t in = (size_t)a->in_size;
    advlab__bb_run r = {.a = a, .m = m, .x = x, .x_adv = x_adv, .n = n, .clean = 1};
    memcpy(x_adv, x, sizeof(float) * n * in);
    for (int j = 0; j < n; j++) {
        advlab__bb_image *im = &a->img[j];
        memset(im, 0, sizeof *im);
        /* In an evaluation (evaluate.c) each image brings its own key, so that a
         * member treats it the same whichever other images are still robust. */
        if (a->chunk_keys)
            advlab__rng_seed(&im->rng, a->chunk_keys[j], 0);
        else
            advlab__rng_seed(&im->rng, a->run_key, (uint64_t)(a->chunk_start + j));
        im->budget = budget, im->label = y[j], im->active = 1;
        float *row;
        TRY(advlab__bb_add(&r, j, &row));
        memcpy(row, x + j * in, sizeof(float) * in);
    }
    TRY(flush(&r));
    a->labels_pending = 0;
    r.clean = 0;
    for (int any = 1; any;) {
        any = 0;
        for (int j = 0; j < n; j++) {
            advlab__bb_image *im = &a->img[j];
            if (!im->active)
                continue;
            int32_t before = im->queries;
            TRY(m->step(&r, j));
            if (im->queries == before)
                im->active = 0;
            any |= im->active;
        }
        TRY(flush(&r));
    }
    return ADVLAB_OK;
}
