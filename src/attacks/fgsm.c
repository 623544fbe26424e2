/* FGSM (ART's FastGradientMethod): one step of eps along the loss
 * gradient's sign, or along the gradient scaled to unit L1/L2 norm (against
 * it when targeted), clipped to [0,1]. With num_random_init > 0, each
 * attempt steps from a random point of the eps-ball and is projected back
 * onto it; the minimal variant takes, per image, the smallest multiple of
 * eps_step up to eps that fools. The shared steps are in gradient.c. */
#include "attacks/gradient.h"
#include "attacks/methods.h"
#include "base/error.h"
#include "base/mathf.h"

/* One restart: a step of eps from the random start in xa, projected back
 * onto the eps-ball around x. */
static advlab_status fgsm_attempt(advlab_attack *a, const float *x, const int32_t *y, int n,
                                  float *xa)
{
    TRY(advlab__attack_step(a, xa, y, n, a->cfg.eps, xa));
    advlab__attack_project(a, x, n, xa);
    return ADVLAB_OK;
}

/* ART's minimal FGSM: one gradient at x, then for k = 1, 2, ... while
 * k*eps_step <= eps, images not yet fooled get x + k*eps_step*dir. eps
 * itself is reached within a relative 1e-6 (ART's float64 running sum can
 * miss it); images never fooled keep the largest step tried. */
static advlab_status minimal_fgsm(advlab_attack *a, const float *x, const int32_t *y, int n,
                                  float *x_adv)
{
    size_t d = (size_t)a->in_size;
    float eps = a->cfg.eps, eps_step = a->cfg.eps_step, *dir = a->grad, *unfooled = a->work2;
    TRY(advlab__attack_loss_grad(a, x, y, n, dir));
    advlab__attack_direction(&a->cfg, n, (int)d, dir);
    for (int b = 0; b < n; b++)
        unfooled[b] = 1.0f;
    int remaining = n;
    for (int k = 1; remaining > 0 && (double)k * eps_step <= (double)eps * (1.0 + 1e-6); k++) {
        float e = (float)k * eps_step;
        e = e < eps ? e : eps;
        for (int b = 0; b < n; b++)
            if (unfooled[b])
                for (size_t i = b * d; i < (b + 1) * d; i++)
                    x_adv[i] = advlab__clip01(x[i] + e * dir[i]);
        TRY(advlab__attack_predict(a, x_adv, n, a->pred));
        for (int b = 0; b < n; b++)
            if (unfooled[b] && advlab__attack_succeeded(a, a->pred[b], y[b])) {
                unfooled[b] = 0.0f;
                remaining--;
            }
    }
    return ADVLAB_OK;
}

advlab_status advlab__attack_fgsm(advlab_attack *a, const float *x, const int32_t *y, int n,
                                  float *x_adv)
{
    if (a->cfg.minimal)
        return minimal_fgsm(a, x, y, n, x_adv);
    if (a->cfg.num_random_init > 0)
        return advlab__attack_best_of_restarts(a, x, y, n, x_adv, fgsm_attempt);
    return advlab__attack_step(a, x, y, n, a->cfg.eps, x_adv);
}
