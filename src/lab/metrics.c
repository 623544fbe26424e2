/* How an attack did: accuracies, ART's success rate, the size of the
 * perturbations, and ART's empirical robustness. These calls allocate their
 * scratch: they are reports run once, not hot loops. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "nn/net.h"

static advlab_status check_images(const advlab_net *net, const char *what, const float *x, int n)
{
    if (!x)
        return advlab__fail(ADVLAB_E_ARG, "%s: NULL", what);
    return advlab__check_finite(x, n, net->in_size, "%s", what);
}

/* who: the call, for the message; what: "label" or "target" */
static advlab_status check_labels(const advlab_net *net, const char *who, const char *what,
                                  const int32_t *y, int n)
{
    if (!y)
        return advlab__fail(ADVLAB_E_ARG, "%s: %ss: NULL", who, what);
    for (int b = 0; b < n; b++)
        if (y[b] < 0 || y[b] >= net->classes)
            return advlab__fail(ADVLAB_E_ARG, "%s: %s of image %d is %d, outside 0..%d", who, what,
                                b, (int)y[b], net->classes - 1);
    return ADVLAB_OK;
}

/* pred[b] = argmax (the first max) of net(pre(x_b)) for n trusted images, a
 * max_batch chunk at a time; xp (max_batch, in_size) receives pre's output
 * and is unused when pre is NULL. */
static advlab_status predict_classes(advlab_net *net, advlab_preprocessor *pre, const float *x,
                                     int n, float *xp, int32_t *pred)
{
    for (int b0 = 0; b0 < n; b0 += net->max_batch) {
        int m = n - b0 < net->max_batch ? n - b0 : net->max_batch;
        const float *in = x + (size_t)b0 * net->in_size;
        if (pre) {
            TRY(advlab_preprocessor_apply(pre, in, m, xp));
            in = xp;
        }
        const float *z = advlab__net_logits(net, in, m);
        for (int j = 0; j < m; j++, z += net->classes)
            pred[b0 + j] = advlab__argmax(z, net->classes);
    }
    return ADVLAB_OK;
}

/* ||a - b||_p for p = 1, 2 or inf, summed in double; b NULL stands for 0. */
static double lp_distance(const float *a, const float *b, int size, float p)
{
    double acc = 0.0;
    for (int i = 0; i < size; i++) {
        double d = fabs((double)a[i] - (b ? (double)b[i] : 0.0));
        if (p == 1.0f)
            acc += d;
        else if (p == 2.0f)
            acc += d * d;
        else if (d > acc)
            acc = d;
    }
    return p == 2.0f ? sqrt(acc) : acc;
}

void advlab_perturbation_norms(const float *x, const float *x_adv, int size,
                               advlab_perturbation *out)
{
    double l0 = 0.0;
    for (int i = 0; i < size; i++)
        l0 += x[i] != x_adv[i];
    *out = (advlab_perturbation){.l0 = l0,
                                 .l2 = lp_distance(x_adv, x, size, 2.0f),
                                 .linf = lp_distance(x_adv, x, size, INFINITY)};
}

advlab_status advlab_attack_metrics_compute(advlab_net *net, advlab_preprocessor *pre,
                                            const float *x, const float *x_adv, const int32_t *y,
                                            const int32_t *targets, int n,
                                            advlab_attack_metrics *out, int32_t *confusion)
{
    if (!net || !out)
        return advlab__fail(ADVLAB_E_ARG, "attack metrics: net and out are required");
    if (n < 1)
        return advlab__fail(ADVLAB_E_ARG, "attack metrics: %d images; at least 1 is needed", n);
    TRY(check_images(net, "attack metrics: x", x, n));
    TRY(check_images(net, "attack metrics: x_adv", x_adv, n));
    TRY(check_labels(net, "attack metrics", "label", y, n));
    if (targets)
        TRY(check_labels(net, "attack metrics", "target", targets, n));

    size_t xp_floats = pre ? (size_t)net->max_batch * net->in_size : 0;
    void *arena = malloc(sizeof(float) * xp_floats + 2 * sizeof(int32_t) * (size_t)n);
    if (!arena)
        return advlab__fail(ADVLAB_E_NOMEM, "attack metrics: scratch for %d images", n);
    float *xp = arena;
    int32_t *clean = (int32_t *)(xp + xp_floats), *adv = clean + n;
    advlab_status st = predict_classes(net, pre, x, n, xp, clean);
    if (!st)
        st = predict_classes(net, pre, x_adv, n, xp, adv);
    if (st) {
        free(arena);
        return st;
    }

    long clean_hits = 0, adv_hits = 0, successes = 0;
    double l0 = 0.0, l2 = 0.0, linf = 0.0;
    if (confusion)
        memset(confusion, 0, sizeof(int32_t) * net->classes * net->classes);
    for (int b = 0; b < n; b++) {
        const float *xb = x + (size_t)b * net->in_size, *ab = x_adv + (size_t)b * net->in_size;
        clean_hits += clean[b] == y[b];
        adv_hits += adv[b] == y[b];
        /* ART's compute_success: reached the target, or moved off the clean prediction */
        successes += targets ? adv[b] == targets[b] : adv[b] != clean[b];
        advlab_perturbation d;
        advlab_perturbation_norms(xb, ab, net->in_size, &d);
        l0 += d.l0;
        l2 += d.l2;
        linf += d.linf;
        if (confusion)
            confusion[y[b] * net->classes + adv[b]]++;
    }
    free(arena);
    *out = (advlab_attack_metrics){.n = n,
                                   .clean_accuracy = (double)clean_hits / n,
                                   .adv_accuracy = (double)adv_hits / n,
                                   .success_rate = (double)successes / n,
                                   .mean_l0 = l0 / n,
                                   .mean_l2 = l2 / n,
                                   .mean_linf = linf / n};
    return ADVLAB_OK;
}

/* ART's metrics.empirical_robustness with "fgsm": minimal FGSM against the
 * model's own predictions, then the mean of ||x_adv - x||_p / ||x||_p over
 * the images whose prediction flipped.
 *
 * ART's minimal search adds eps_step to a float64 running sum and stops once
 * the sum exceeds eps: with eps_step 0.1 and eps 0.3 the third sum is
 * 0.30000000000000004, so eps itself is never tried and an image that only
 * flips at eps counts as unflipped. Our attack tries k * eps_step, computed
 * afresh for each k, up to eps with a relative 1e-6 allowance (the last step
 * clamped to eps), so eps is reached; on such images the two results differ.
 *
 * An image with ||x||_p = 0 has no relative perturbation (ART divides by zero
 * and returns inf or NaN); it is left out of the mean. */
advlab_status advlab_empirical_robustness(advlab_net *net, const advlab_attack_config *fgsm,
                                          const float *x, int n, double *out)
{
    if (!net || !fgsm || !out)
        return advlab__fail(ADVLAB_E_ARG,
                            "empirical robustness: net, attack config and out are required");
    if (fgsm->kind != ADVLAB_ATTACK_FGSM)
        return advlab__fail(ADVLAB_E_ARG, "empirical robustness: the attack must be fgsm, not %s",
                            advlab_attack_name(fgsm->kind));
    if (fgsm->targeted)
        return advlab__fail(ADVLAB_E_ARG, "empirical robustness: the attack must be untargeted");
    if (n < 1)
        return advlab__fail(ADVLAB_E_ARG, "empirical robustness: %d images; at least 1 is needed",
                            n);
    TRY(check_images(net, "empirical robustness: x", x, n));
    advlab_attack_config cfg = *fgsm;
    cfg.minimal = 1;
    advlab_attack *attack = NULL;
    TRY(advlab_attack_create(net, &cfg, &attack));

    size_t floats = (size_t)n * net->in_size;
    void *arena = malloc(sizeof(float) * floats + 2 * sizeof(int32_t) * (size_t)n);
    if (!arena) {
        advlab_attack_free(attack);
        return advlab__fail(ADVLAB_E_NOMEM, "empirical robustness: scratch for %d images", n);
    }
    float *x_adv = arena;
    int32_t *clean = (int32_t *)(x_adv + floats), *adv = clean + n;
    advlab_status st = advlab_attack_run(attack, x, NULL, n, x_adv);
    if (!st)
        st = predict_classes(net, NULL, x, n, NULL, clean);
    if (!st)
        st = predict_classes(net, NULL, x_adv, n, NULL, adv);
    double sum = 0.0;
    int flipped = 0;
    for (int b = 0; !st && b < n; b++) {
        const float *xb = x + (size_t)b * net->in_size, *ab = x_adv + (size_t)b * net->in_size;
        double size = lp_distance(xb, NULL, net->in_size, cfg.norm);
        if (adv[b] == clean[b] || size == 0.0)
            continue;
        sum += lp_distance(ab, xb, net->in_size, cfg.norm) / size;
        flipped++;
    }
    free(arena);
    advlab_attack_free(attack);
    if (st)
        return st;
    *out = flipped ? sum / flipped : 0.0;
    return ADVLAB_OK;
}

/* Argmax of the logits, a max_batch chunk at a time: nothing to allocate. */
advlab_status advlab_net_count_correct(advlab_net *net, const float *x, const int32_t *y, int n,
                                       int *correct)
{
    if (!net || !correct)
        return advlab__fail(ADVLAB_E_ARG, "count correct: net and correct are required");
    if (n < 0)
        return advlab__fail(ADVLAB_E_ARG, "count correct: %d images", n);
    TRY(check_images(net, "count correct: x", x, n));
    TRY(check_labels(net, "count correct", "label", y, n));
    int hits = 0;
    for (int b0 = 0; b0 < n; b0 += net->max_batch) {
        int m = n - b0 < net->max_batch ? n - b0 : net->max_batch;
        const float *z = advlab__net_logits(net, x + (size_t)b0 * net->in_size, m);
        for (int j = 0; j < m; j++, z += net->classes)
            hits += advlab__argmax(z, net->classes) == y[b0 + j];
    }
    *correct = hits;
    return ADVLAB_OK;
}
