/* MIFace (ART's art/attacks/inference/model_inversion/mi_face.py): one
 * reconstruction per class by gradient ascent on the class's logit z_y, the
 * class gradient ART's PyTorchClassifier gives for a model ending in
 * logits, as ours does. (The probability's gradient p_y (1[k = y] - p_k)
 * vanishes where p_y is tiny, and those rows never move.) Each class stops under the paper's rule
 * (see advlab.h); every class is one row of a batch, and the rows do not interact, so this is ART's
 * batch_size=1 loop run for all classes at once. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/error.h"
#include "base/mathf.h"
#include "infer/infer.h"
#include "nn/net.h"

#define FIELD(f) offsetof(advlab_invert_config, f)

static const advlab__cfg_field invert_fields[] = {
    {"max_iter", ADVLAB__CFG_INT, FIELD(max_iter), 10000, 0, 1000000, 0, 0, NULL,
     "gradient steps at most"},
    {"window_length", ADVLAB__CFG_INT, FIELD(window_length), 100, 1, 100000, 0, 0, NULL,
     "steps a row's cost is compared over"},
    {"threshold", ADVLAB__CFG_FLOAT, FIELD(threshold), 0.99, 0, 1, 0, 0, NULL,
     "a row goes on while its cost 1 - p_y is at most this"},
    {"init", ADVLAB__CFG_FLOAT, FIELD(init), 0, 0, 1, 0, 0, NULL,
     "the grey level every reconstruction starts from"},
    {"learning_rate", ADVLAB__CFG_FLOAT, FIELD(learning_rate), 0.1, 0, 1000, 0, 0, NULL,
     "the ascent's step"},
};

const advlab__cfg_spec advlab__invert_spec =
    ADVLAB__CFG_SPEC("inversion", advlab_invert_config, NULL, 0, invert_fields, NULL);

void advlab_invert_config_default(advlab_invert_config *cfg)
{
    advlab__cfg_defaults(&advlab__invert_spec, NULL, cfg);
}

advlab_status advlab_invert_config_set(advlab_invert_config *cfg, const char *key, double value)
{
    return advlab__cfg_set(&advlab__invert_spec, cfg, key, value);
}

struct advlab_inversion {
    advlab_net *net;
    advlab_invert_config cfg;
    int classes, iter;
    float *images; /* (classes, 784) */
    float *scores; /* (classes) p_y of each row's own class */
    uint8_t *active;
    float *window;                     /* (classes, window_length) the last costs, +inf at first */
    float *x, *grad, *dlogits, *probs; /* the active rows, gathered */
    int32_t *rows;
};

void advlab_inversion_free(advlab_inversion *v)
{
    if (!v)
        return;
    free(v->images);
    free(v->scores);
    free(v->active);
    free(v->window);
    free(v->x);
    free(v->grad);
    free(v->dlogits);
    free(v->probs);
    free(v->rows);
    free(v);
}

/* Each row's probability of its own class. */
static advlab_status score(advlab_inversion *v)
{
    TRY(advlab_net_predict(v->net, v->images, v->classes, v->probs));
    for (int c = 0; c < v->classes; c++)
        v->scores[c] = v->probs[(size_t)c * v->classes + c];
    return ADVLAB_OK;
}

advlab_status advlab_inversion_create(advlab_net *net, const advlab_invert_config *cfg,
                                      const float *start, advlab_inversion **out)
{
    if (!net || !cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "advlab_inversion_create: %s is NULL",
                            !net   ? "net"
                            : !cfg ? "cfg"
                                   : "out");
    *out = NULL;
    TRY(advlab__cfg_check(&advlab__invert_spec, cfg));
    for (int j = 0; start && j < 784; j++)
        if (!(start[j] >= 0.0f && start[j] <= 1.0f))
            return advlab__fail(ADVLAB_E_ARG, "inversion: start pixel %d is %g, outside [0,1]", j,
                                (double)start[j]);
    if (advlab_net_input_size(net) != 784)
        return advlab__fail(ADVLAB_E_ARG, "inversion: the net takes %d inputs, expected 784",
                            advlab_net_input_size(net));
    advlab_inversion *v = calloc(1, sizeof *v);
    if (!v)
        return advlab__fail(ADVLAB_E_NOMEM, "inversion");
    int k = advlab_net_classes(net);
    v->net = net, v->cfg = *cfg, v->classes = k;
    v->images = malloc(sizeof(float) * k * 784);
    v->scores = malloc(sizeof(float) * k);
    v->active = malloc((size_t)k);
    v->window = malloc(sizeof(float) * k * (size_t)cfg->window_length);
    v->x = malloc(sizeof(float) * k * 784);
    v->grad = malloc(sizeof(float) * k * 784);
    v->dlogits = malloc(sizeof(float) * k * k);
    v->probs = malloc(sizeof(float) * k * k);
    v->rows = malloc(sizeof(int32_t) * k);
    if (!v->images || !v->scores || !v->active || !v->window || !v->x || !v->grad || !v->dlogits ||
        !v->probs || !v->rows) {
        advlab_inversion_free(v);
        return advlab__fail(ADVLAB_E_NOMEM, "inversion buffers");
    }
    for (size_t i = 0; i < (size_t)k * 784; i++)
        v->images[i] = start ? start[i % 784] : cfg->init;
    memset(v->active, cfg->max_iter > 0, (size_t)k);
    for (size_t i = 0; i < (size_t)k * cfg->window_length; i++)
        v->window[i] = INFINITY;
    advlab_status st = score(v);
    if (st != ADVLAB_OK) {
        advlab_inversion_free(v);
        return st;
    }
    *out = v;
    return ADVLAB_OK;
}

/* One ascent step of the active rows, then ART's rule on every row. */
static advlab_status step(advlab_inversion *v)
{
    int k = v->classes, n = 0;
    for (int c = 0; c < k; c++)
        if (v->active[c]) {
            memcpy(v->x + (size_t)n * 784, v->images + (size_t)c * 784, sizeof(float) * 784);
            v->rows[n++] = c;
        }
    for (int b0 = 0; b0 < n; b0 += advlab_net_max_batch(v->net)) {
        int m = n - b0 < advlab_net_max_batch(v->net) ? n - b0 : advlab_net_max_batch(v->net);
        const float *xb = v->x + (size_t)b0 * 784;
        advlab__net_logits(v->net, xb, m);
        memset(v->dlogits, 0, sizeof(float) * (size_t)m * k);
        for (int i = 0; i < m; i++)
            v->dlogits[(size_t)i * k + v->rows[b0 + i]] = 1.0f;
        advlab__net_backward_input(v->net, xb, m, v->dlogits, v->grad + (size_t)b0 * 784);
    }
    for (int i = 0; i < n; i++) {
        float *img = v->images + (size_t)v->rows[i] * 784;
        const float *g = v->grad + (size_t)i * 784;
        for (int j = 0; j < 784; j++)
            img[j] = fminf(fmaxf(img[j] + v->cfg.learning_rate * g[j], 0.0f), 1.0f);
    }
    TRY(score(v));
    int wl = v->cfg.window_length;
    for (int c = 0; c < k; c++) {
        float cost = 1.0f - v->scores[c], *w = v->window + (size_t)c * wl, worst = w[0];
        for (int j = 1; j < wl; j++)
            worst = fmaxf(worst, w[j]);
        /* The paper's rule: stop once the cost is at most threshold, or no
         * lower than every cost in the window. */
        v->active[c] = v->active[c] && cost > v->cfg.threshold && cost < worst;
        w[v->iter % wl] = cost;
    }
    v->iter++;
    return ADVLAB_OK;
}

int advlab_inversion_finished(const advlab_inversion *v)
{
    if (!v)
        return 0;
    int any = 0;
    for (int c = 0; c < v->classes; c++)
        any |= v->active[c];
    return !any || v->iter >= v->cfg.max_iter;
}

advlab_status advlab_inversion_run(advlab_inversion *v, int max_units, int *done, int *total)
{
    if (!v)
        return advlab__fail(ADVLAB_E_ARG, "advlab_inversion_run: the inversion is NULL");
    for (int u = 0; u < max_units && !advlab_inversion_finished(v); u++)
        TRY(step(v));
    if (done)
        *done = v->iter;
    if (total)
        *total = v->cfg.max_iter;
    return ADVLAB_OK;
}

const float *advlab_inversion_images(const advlab_inversion *v) { return v ? v->images : NULL; }
const float *advlab_inversion_scores(const advlab_inversion *v) { return v ? v->scores : NULL; }
const uint8_t *advlab_inversion_active(const advlab_inversion *v) { return v ? v->active : NULL; }
