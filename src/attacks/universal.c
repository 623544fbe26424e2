/* Universal adversarial perturbations (Moosavi-Dezfooli et al. 2017), as
 * ART's UniversalPerturbation with DeepFool as the attacker: one v for every
 * image. A pass visits the fitting images in a fresh random order; where
 * clip(x + v) is still classified as its label, DeepFool starts from there,
 * and if it flips the image, v = x_df - x, projected onto the eps-ball:
 *   inf:  v_i = clamp(v_i, -eps, eps)
 *   2:    v = v * min(1, eps / (||v||_2 + tol))      (ART's projection)
 * After each pass, the fooling rate is the share of the fitting set that
 * clip(x + v) moves off its label; passes stop at 1 - delta or max_iter. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "attacks/attack.h"
#include "base/config.h"
#include "base/error.h"
#include "base/mathf.h"
#include "base/rng.h"
#include "nn/net.h"

/* ART's guard against dividing by a zero norm in its projection. */
#define PROJECTION_TOL 1e-7f

static const char *const attackers[] = {"deepfool", NULL};

static const advlab__cfg_field fields[] = {
    {"attacker", ADVLAB__CFG_CHOICE, offsetof(advlab_universal_config, attacker), 0, 0, 0, 0, 0,
     attackers, "the attack run on each image still classified as before: deepfool"},
    {"delta", ADVLAB__CFG_FLOAT, offsetof(advlab_universal_config, delta), 0.2, 0, 1,
     ADVLAB__CFG_MAX_OPEN, 0, NULL, "stop once the fitting set's fooling rate reaches 1 - delta"},
    {"max_iter", ADVLAB__CFG_INT, offsetof(advlab_universal_config, max_iter), 20, 1, INT_MAX, 0, 0,
     NULL, "passes over the fitting set at most"},
    {"eps", ADVLAB__CFG_FLOAT, offsetof(advlab_universal_config, eps), 0.3, 0, INFINITY,
     ADVLAB__CFG_MIN_OPEN, 0, NULL, "radius of the ball the perturbation stays in"},
    {"norm", ADVLAB__CFG_NORM, offsetof(advlab_universal_config, norm), INFINITY, 0, 0, 0, 0, NULL,
     "the ball: inf or 2"},
    {"attacker_max_iter", ADVLAB__CFG_INT, offsetof(advlab_universal_config, attacker_max_iter),
     100, 1, INT_MAX, 0, 0, NULL, "DeepFool's iterations per image"},
    {"overshoot", ADVLAB__CFG_FLOAT, offsetof(advlab_universal_config, overshoot), 0.02, 0,
     INFINITY, 0, 0, NULL, "DeepFool's overshoot, ART's epsilon"},
    {"seed", ADVLAB__CFG_SEED, offsetof(advlab_universal_config, seed), 1, 0, 0, 0, 0, NULL,
     "the order of every pass"},
};

const advlab__cfg_spec advlab__universal_spec =
    ADVLAB__CFG_SPEC("universal", advlab_universal_config, NULL, 0, fields, NULL);

advlab_status advlab_universal_config_default(advlab_universal_config *cfg)
{
    return advlab__cfg_defaults(&advlab__universal_spec, NULL, cfg);
}

advlab_status advlab_universal_config_set(advlab_universal_config *cfg, const char *key,
                                          double value)
{
    return advlab__cfg_set(&advlab__universal_spec, cfg, key, value);
}

/* ------------------------------------------------------------ helpers */

/* xv (n, d) = clip(x + v, 0, 1), v (d) added to every image. */
static void add_clipped(const float *x, const float *v, int n, int d, float *xv)
{
    for (int b = 0; b < n; b++)
        for (int i = 0; i < d; i++)
            xv[(size_t)b * d + i] = advlab__clip01(x[(size_t)b * d + i] + v[i]);
}

static int predict_one(advlab_net *net, const float *x)
{
    return advlab__argmax(advlab__net_logits(net, x, 1), net->classes);
}

/* How many of the n images x are classified under clip(x + v) other than
 * as y, or (y NULL) than as x itself; chunks of max_batch go through xv. */
static int count_fooled(advlab_net *net, const float *v, const float *x, const int32_t *y, int n,
                        float *xv)
{
    int d = net->in_size, K = net->classes, fooled = 0;
    for (int b0 = 0; b0 < n; b0 += net->max_batch) {
        int m = n - b0 < net->max_batch ? n - b0 : net->max_batch;
        const float *xb = x + (size_t)b0 * d;
        int32_t *clean = (int32_t *)(xv + (size_t)m * d); /* room for m labels past the images */
        if (!y) {
            const float *z = advlab__net_logits(net, xb, m);
            for (int j = 0; j < m; j++)
                clean[j] = advlab__argmax(z + (size_t)j * K, K);
        }
        add_clipped(xb, v, m, d, xv);
        const float *z = advlab__net_logits(net, xv, m);
        for (int j = 0; j < m; j++)
            fooled += advlab__argmax(z + (size_t)j * K, K) != (y ? y[b0 + j] : clean[j]);
    }
    return fooled;
}

/* xv's size: a chunk of images and, after them, a chunk of labels. */
static size_t chunk_floats(const advlab_net *net)
{
    return (size_t)net->max_batch * ((size_t)net->in_size + 1);
}

static void project(float *v, int d, float eps, float norm)
{
    if (norm == INFINITY) {
        for (int i = 0; i < d; i++)
            v[i] = v[i] < -eps ? -eps : v[i] > eps ? eps : v[i];
        return;
    }
    float sum = 0.0f;
    for (int i = 0; i < d; i++)
        sum += v[i] * v[i];
    float scale = eps / (sqrtf(sum) + PROJECTION_TOL);
    if (scale < 1.0f)
        for (int i = 0; i < d; i++)
            v[i] *= scale;
}

static double norm_of(const float *v, int d, float norm)
{
    double acc = 0.0;
    for (int i = 0; i < d; i++)
        acc = norm == INFINITY ? fmax(acc, fabs((double)v[i])) : acc + (double)v[i] * v[i];
    return norm == INFINITY ? acc : sqrt(acc);
}

static advlab_status check_images(const advlab_net *net, const float *x, int n, const char *who)
{
    if (!net || !x)
        return advlab__fail(ADVLAB_E_ARG, "%s: %s is NULL", who, !net ? "net" : "x");
    if (n < 1)
        return advlab__fail(ADVLAB_E_ARG, "%s: %d images; need at least 1", who, n);
    return advlab__check_finite(x, n, net->in_size, "%s: input", who);
}

/* ---------------------------------------------------------------- fit */

static advlab_status check_fit(const advlab_net *net, const advlab_universal_config *cfg,
                               const float *x, const int32_t *y, int n, const float *v,
                               const advlab_universal_report *out)
{
    if (!cfg || !v || !out)
        return advlab__fail(ADVLAB_E_ARG, "universal: %s is NULL",
                            !cfg ? "config"
                            : !v ? "v"
                                 : "out");
    TRY(advlab__cfg_check(&advlab__universal_spec, cfg));
    if (cfg->norm != INFINITY && cfg->norm != 2.0f)
        return advlab__fail(ADVLAB_E_ARG, "universal: norm %g is not inf or 2", cfg->norm);
    TRY(check_images(net, x, n, "universal"));
    for (int i = 0; y && i < n; i++)
        if (y[i] < 0 || y[i] >= net->classes)
            return advlab__fail(ADVLAB_E_ARG, "universal: label of image %d is %d, outside 0..%d",
                                i, (int)y[i], net->classes - 1);
    return ADVLAB_OK;
}

typedef struct {
    advlab_net *net;
    const advlab_universal_config *cfg;
    advlab_attack *deepfool;
    float *xv;  /* chunk_floats: clip(x + v) of a chunk, or of one image */
    float *adv; /* (in_size) DeepFool's image */
} fitter;

/* One visit: if clip(x + v) keeps label y, DeepFool from there, and if it
 * flips the image, v = project(x_df - x). */
static advlab_status visit(fitter *f, const float *x, int32_t y, float *v)
{
    int d = f->net->in_size;
    add_clipped(x, v, 1, d, f->xv);
    if (predict_one(f->net, f->xv) != y)
        return ADVLAB_OK;
    TRY(advlab_attack_run(f->deepfool, f->xv, &y, 1, f->adv));
    if (predict_one(f->net, f->adv) == y)
        return ADVLAB_OK;
    for (int i = 0; i < d; i++) /* the step from clip(x + v), so clipping erases nothing of v */
        v[i] += f->adv[i] - f->xv[i];
    project(v, d, f->cfg->eps, f->cfg->norm);
    return ADVLAB_OK;
}

static advlab_status fit_passes(fitter *f, const float *x, const int32_t *y, int n, int32_t *order,
                                float *v, advlab_universal_report *r)
{
    const advlab_universal_config *cfg = f->cfg;
    advlab_rng rng;
    advlab__rng_seed(&rng, cfg->seed, 0);
    memset(v, 0, sizeof(float) * (size_t)f->net->in_size);
    *r = (advlab_universal_report){.n = n};
    while (r->fooling_rate < 1.0 - (double)cfg->delta && r->passes < cfg->max_iter) {
        for (int i = 0; i < n; i++)
            order[i] = i;
        advlab__rng_shuffle(&rng, order, n);
        for (int i = 0; i < n; i++)
            TRY(visit(f, x + (size_t)order[i] * f->net->in_size, y[order[i]], v));
        r->passes++;
        r->fooled = count_fooled(f->net, v, x, y, n, f->xv);
        r->fooling_rate = (double)r->fooled / n;
    }
    r->norm = norm_of(v, f->net->in_size, cfg->norm);
    return ADVLAB_OK;
}

advlab_status advlab_universal_fit(advlab_net *net, const advlab_universal_config *cfg,
                                   const float *x, const int32_t *y, int n, float *v,
                                   advlab_universal_report *out)
{
    TRY(check_fit(net, cfg, x, y, n, v, out));
    advlab_attack_config df;
    advlab_attack_config_default("deepfool", &df);
    df.max_iter = cfg->attacker_max_iter;
    df.overshoot = cfg->overshoot;
    fitter f = {net, cfg, NULL, NULL, NULL};
    TRY(advlab_attack_create(net, &df, &f.deepfool));
    /* xv, then adv, then v's working copy: the caller's v is written only on success. */
    f.xv = malloc(sizeof(float) * (chunk_floats(net) + 2 * (size_t)net->in_size));
    int32_t *order = malloc(sizeof(int32_t) * (size_t)n * 2);
    advlab_status st;
    if (!f.xv || !order) {
        st = advlab__fail(ADVLAB_E_NOMEM, "universal: cannot allocate the scratch of %d images", n);
    } else {
        f.adv = f.xv + chunk_floats(net);
        int32_t *labels = order + n; /* the model's own answers when y is NULL (ART) */
        if (!y)
            for (int i = 0; i < n; i++)
                labels[i] = predict_one(net, x + (size_t)i * net->in_size);
        float *work = f.adv + net->in_size;
        advlab_universal_report r;
        st = fit_passes(&f, x, y ? y : labels, n, order, work, &r);
        if (!st) {
            memcpy(v, work, sizeof(float) * (size_t)net->in_size);
            *out = r;
        }
    }
    free(order);
    free(f.xv);
    advlab_attack_free(f.deepfool);
    return st;
}

/* ------------------------------------------------------- fooling rate */

advlab_status advlab_universal_fooling_rate(advlab_net *net, const float *v, const float *x, int n,
                                            int *fooled, double *rate)
{
    if (!v || !fooled || !rate)
        return advlab__fail(ADVLAB_E_ARG, "universal fooling rate: %s is NULL",
                            !v        ? "v"
                            : !fooled ? "fooled"
                                      : "rate");
    TRY(check_images(net, x, n, "universal fooling rate"));
    TRY(advlab__check_finite(v, 1, net->in_size, "universal fooling rate: perturbation"));
    float *xv = malloc(sizeof(float) * chunk_floats(net));
    if (!xv)
        return advlab__fail(ADVLAB_E_NOMEM, "universal fooling rate: cannot allocate a chunk");
    int count = count_fooled(net, v, x, NULL, n, xv);
    free(xv);
    *fooled = count;
    *rate = (double)count / n;
    return ADVLAB_OK;
}
