/* BIM and PGD (ART's BasicIterativeMethod and ProjectedGradientDescent):
 * max_iter steps of eps_step along the loss gradient's sign, or along the
 * gradient scaled to unit L1/L2 norm (against it when targeted), each
 * clipped to [0,1] and projected back onto the eps-ball around the clean
 * image. With num_random_init > 0, PGD makes that many attempts, each from a
 * random point of the ball, and keeps per image the first that succeeds,
 * else the last; otherwise (and BIM always) it starts at the clean image.
 * The shared steps are in gradient.c. */
#include <string.h>

#include "attacks/gradient.h"
#include "attacks/methods.h"
#include "base/error.h"

/* max_iter times: xa = project(clip(xa + eps_step * dir(xa), 0, 1)). ART's
 * PGD does not stop early at success, and neither does this. */
static advlab_status pgd_attempt(advlab_attack *a, const float *x, const int32_t *y, int n,
                                 float *xa)
{
    for (int it = 0; it < a->cfg.max_iter; it++) {
        TRY(advlab__attack_step(a, xa, y, n, a->cfg.eps_step, xa));
        advlab__attack_project(a, x, n, xa);
    }
    return ADVLAB_OK;
}

advlab_status advlab__attack_pgd(advlab_attack *a, const float *x, const int32_t *y, int n,
                                 float *x_adv)
{
    if (a->cfg.num_random_init > 0)
        return advlab__attack_best_of_restarts(a, x, y, n, x_adv, pgd_attempt);
    memcpy(x_adv, x, sizeof(float) * (size_t)n * a->in_size);
    return pgd_attempt(a, x, y, n, x_adv);
}
