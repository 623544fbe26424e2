/* The still-robust list of AutoAttack's members; robust.h documents it. */
#include "attacks/robust.h"

#include <string.h>

#include "attacks/gradient.h"
#include "base/error.h"

enum { INT_ARRAYS = 4 /* idx, y, t and the keys' two halves */ };

uint64_t advlab__robust_floats(uint64_t max_batch, uint64_t in_size, uint64_t classes)
{
    return ADVLAB__ROBUST_ROWS * max_batch * in_size + 4 * in_size +
           (ADVLAB__ROBUST_SCALARS + INT_ARRAYS + 1 + classes) * max_batch;
}

static void layout(advlab_attack *a, advlab__robust *r)
{
    size_t B = (size_t)a->max_batch, in = (size_t)a->in_size;
    float *p = a->extra;
    for (int i = 0; i < ADVLAB__ROBUST_ROWS; i++)
        r->row[i] = p, p += B * in;
    r->projection = p, p += 4 * in;
    /* An even count of floats precedes the keys in a->extra and in the
     * arena (attack.c), which malloc aligns to 8 bytes. */
    r->keys = (uint64_t *)(void *)p, p += 2 * B;
    for (int i = 0; i < ADVLAB__ROBUST_SCALARS; i++)
        r->scalar[i] = p, p += B;
    r->idx = (int32_t *)p, p += B;
    r->y = (int32_t *)p, p += B;
    r->t = (int32_t *)p, p += B;
    r->ranked = (int32_t *)p;
}

/* Classes by logit, largest first; equal logits by index. */
static void rank_classes(const float *z, int classes, int32_t *out)
{
    for (int c = 0; c < classes; c++) {
        int k = c;
        while (k > 0 && z[out[k - 1]] < z[c]) {
            out[k] = out[k - 1];
            k--;
        }
        out[k] = c;
    }
}

advlab_status advlab__robust_start(advlab_attack *a, advlab__robust *r, const float *x,
                                   const int32_t *y, int n)
{
    layout(a, r);
    for (int b = 0; b < n; b++) {
        if (a->chunk_keys) {
            r->keys[b] = a->chunk_keys[b];
            continue;
        }
        uint64_t key = (uint64_t)advlab__rng_u32(&a->rng) << 32;
        r->keys[b] = key | advlab__rng_u32(&a->rng);
    }
    const float *z;
    TRY(advlab__attack_logits(a, x, n, &z));
    r->m = 0;
    for (int b = 0; b < n; b++) {
        int32_t *ranks = r->ranked + (size_t)b * a->classes;
        rank_classes(z + (size_t)b * a->classes, a->classes, ranks);
        if (!advlab__attack_succeeded(a, ranks[0], y[b]))
            r->idx[r->m++] = b;
    }
    return ADVLAB_OK;
}

void advlab__robust_gather(advlab_attack *a, advlab__robust *r, const float *x, const int32_t *y,
                           int random_start, int restart, int rank)
{
    size_t in = (size_t)a->in_size;
    for (int j = 0; j < r->m; j++) {
        int b = r->idx[j];
        memcpy(r->row[0] + j * in, x + b * in, sizeof(float) * in);
        if (random_start)
            advlab__attack_keyed_start(a, r->keys[b], restart, x + b * in, r->row[1] + j * in);
        else
            memcpy(r->row[1] + j * in, x + b * in, sizeof(float) * in);
        r->y[j] = y[b];
        if (rank >= 0)
            r->t[j] = r->ranked[(size_t)b * a->classes + rank];
    }
}

void advlab__robust_scatter(advlab_attack *a, advlab__robust *r, float *x_adv)
{
    size_t in = (size_t)a->in_size;
    int kept = 0;
    for (int j = 0; j < r->m; j++) {
        int b = r->idx[j];
        memcpy(x_adv + b * in, r->row[1] + j * in, sizeof(float) * in);
        if (r->scalar[0][j] == 0.0f)
            r->idx[kept++] = b;
    }
    r->m = kept;
}
