/* Post-processing defences against model extraction, on (n, classes)
 * probabilities, as ART's ReverseSigmoid, HighConfidence, Rounded and
 * ClassLabels compute them:
 *   reverse_sigmoid  p' = p - beta (sigmoid(-gamma log((1-p)/p)) - 0.5),
 *                    clipped to [0,1], each row renormalised to sum 1
 *   high_confidence  p < cutoff -> 0
 *   rounded          rint(p * 10^d) / 10^d (numpy's around)
 *   class_labels     one-hot of each row's argmax (first maximum)
 * Stateless: the config is checked on every call. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "base/config.h"
#include "base/error.h"
#include "base/mathf.h"
#include "defences/postprocess.h"
#include "nn/net.h"

static const char *const post_names[] = {"reverse_sigmoid", "high_confidence", "rounded",
                                         "class_labels", NULL};

#define POST(k) (1u << ADVLAB_POST_##k)

/* ART checks beta > 0, gamma > 0, cutoff > 0 and decimals > 0. We also
 * want them finite, keep cutoff below 1 (at 1 every output is 0 or an
 * exact 1) and allow 0 decimals (integers), with at most 9, the last a
 * float can carry. */
static const advlab__cfg_field post_fields[] = {
    {"beta", ADVLAB__CFG_FLOAT, offsetof(advlab_postprocess_config, beta), 1, 0, INFINITY,
     ADVLAB__CFG_MIN_OPEN, POST(REVERSE_SIGMOID), NULL, "the perturbation's size"},
    {"gamma", ADVLAB__CFG_FLOAT, offsetof(advlab_postprocess_config, gamma), 0.1, 0, INFINITY,
     ADVLAB__CFG_MIN_OPEN, POST(REVERSE_SIGMOID), NULL, "the reverse sigmoid's slope"},
    {"cutoff", ADVLAB__CFG_FLOAT, offsetof(advlab_postprocess_config, cutoff), 0.25, 0, 1,
     ADVLAB__CFG_MIN_OPEN | ADVLAB__CFG_MAX_OPEN, POST(HIGH_CONFIDENCE), NULL,
     "probabilities below it become 0"},
    {"decimals", ADVLAB__CFG_INT, offsetof(advlab_postprocess_config, decimals), 3, 0, 9, 0,
     POST(ROUNDED), NULL, "decimal places kept"},
};

const advlab__cfg_spec advlab__postprocess_spec =
    ADVLAB__CFG_SPEC("post-processor", advlab_postprocess_config, post_names,
                     offsetof(advlab_postprocess_config, kind), post_fields, NULL);

const char *advlab_postprocess_name(advlab_postprocess_kind kind)
{
    return advlab__cfg_kind_name(&advlab__postprocess_spec, (int)kind);
}

/* ART's defaults for every kind. */
advlab_status advlab_postprocess_config_default(const char *name, advlab_postprocess_config *cfg)
{
    return advlab__cfg_defaults(&advlab__postprocess_spec, name, cfg);
}

advlab_status advlab_postprocess_config_set(advlab_postprocess_config *cfg, const char *key,
                                            double value)
{
    return advlab__cfg_set(&advlab__postprocess_spec, cfg, key, value);
}

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

/* clip(p - beta (sigmoid(-gamma log((1-p)/p)) - 0.5), 0, 1), where inside
 * the log p is clipped to [1e-9, 1-1e-9] as ART does. 1-1e-9 rounds to 1 in
 * float32, so 1-p is clipped to 1e-9 instead, which is the same in exact
 * arithmetic. sigmoid(-z) = 1 / (1 + e^z). */
static float reverse_sigmoid_value(float p, float beta, float gamma)
{
    float pc = clampf(p, 1e-9f, 1.0f);
    float qc = clampf(1.0f - pc, 1e-9f, 1.0f);
    float z = gamma * advlab__logf(qc / pc);
    float r = beta * (1.0f / (1.0f + advlab__expf(z)) - 0.5f);
    return clampf(p - r, 0.0f, 1.0f);
}

static float reverse_sigmoid_row_sum(const advlab_postprocess_config *c, const float *p,
                                     int classes)
{
    float sum = 0.0f;
    for (int k = 0; k < classes; k++)
        sum += reverse_sigmoid_value(p[k], c->beta, c->gamma);
    return sum;
}

/* ART divides each row by its sum; a row that sums to 0 (all-zero input
 * with a vanishing gamma) would be NaN there and is refused here, before
 * anything is written. */
static advlab_status reverse_sigmoid(const advlab_postprocess_config *c, const float *probs, int n,
                                     int classes, float *out)
{
    for (int b = 0; b < n; b++)
        if (!(reverse_sigmoid_row_sum(c, probs + (size_t)b * classes, classes) > 0.0f))
            return advlab__fail(
                ADVLAB_E_NUMERIC,
                "post-processor reverse_sigmoid: row %d sums to 0 after the perturbation "
                "(gamma %g is too small for it)",
                b, (double)c->gamma);
    for (int b = 0; b < n; b++) {
        const float *p = probs + (size_t)b * classes;
        float *o = out + (size_t)b * classes;
        float alpha = 1.0f / reverse_sigmoid_row_sum(c, p, classes);
        for (int k = 0; k < classes; k++)
            o[k] = alpha * reverse_sigmoid_value(p[k], c->beta, c->gamma);
    }
    return ADVLAB_OK;
}

/* One-hot of each row's own argmax. ART's ClassLabels sets column
 * argmax(row) for every row at once (class_labels[:, index_labels] = 1), so
 * in a batch each row gets a 1 at every row's argmax. */
static void class_labels(const float *probs, int n, int classes, float *out)
{
    for (int b = 0; b < n; b++) {
        const float *p = probs + (size_t)b * classes;
        float *o = out + (size_t)b * classes;
        int best = advlab__argmax(p, classes);
        for (int k = 0; k < classes; k++)
            o[k] = k == best ? 1.0f : 0.0f;
    }
}

advlab_status advlab_postprocess(const advlab_postprocess_config *cfg, const float *probs, int n,
                                 int classes, float *out)
{
    if (!cfg)
        return advlab__fail(ADVLAB_E_ARG, "post-processor: config is NULL");
    TRY(advlab__cfg_check(&advlab__postprocess_spec, cfg));
    const char *kind = advlab_postprocess_name(cfg->kind);
    if (n < 1 || classes < 2)
        return advlab__fail(
            ADVLAB_E_ARG,
            "post-processor %s: %d rows of %d classes, expected n >= 1 and classes >= 2", kind, n,
            classes);
    if (!probs || !out)
        return advlab__fail(ADVLAB_E_ARG, "post-processor %s: %s is NULL", kind,
                            probs ? "out" : "probs");
    size_t count = (size_t)n * classes;
    for (size_t i = 0; i < count; i++)
        if (!isfinite(probs[i]))
            return advlab__fail(ADVLAB_E_NUMERIC, "post-processor %s: row %zu, class %zu is %s",
                                kind, i / classes, i % classes,
                                isnan(probs[i]) ? "NaN" : "infinite");
    switch (cfg->kind) {
    case ADVLAB_POST_REVERSE_SIGMOID: return reverse_sigmoid(cfg, probs, n, classes, out);
    case ADVLAB_POST_HIGH_CONFIDENCE:
        for (size_t i = 0; i < count; i++)
            out[i] = probs[i] < cfg->cutoff ? 0.0f : probs[i];
        break;
    case ADVLAB_POST_ROUNDED: {
        float scale = 1.0f;
        for (int d = 0; d < cfg->decimals; d++)
            scale *= 10.0f; /* exact: 10^9 = 2^9 5^9 and 5^9 < 2^24 */
        for (size_t i = 0; i < count; i++)
            out[i] = rintf(probs[i] * scale) / scale;
        break;
    }
    case ADVLAB_POST_CLASS_LABELS: class_labels(probs, n, classes, out); break;
    }
    return ADVLAB_OK;
}
