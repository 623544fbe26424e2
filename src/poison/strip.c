/* STRIP (Gao et al. 2019; ART's STRIP): a backdoored input keeps its
 * prediction under superimposition, so its predictions' entropy stays low. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/mathf.h"
#include "base/rng.h"
#include "base/strbuf.h"
#include "nn/net.h"
#include "poison/poison.h"

static const advlab__cfg_field fields[] = {
    {"num_samples", ADVLAB__CFG_INT, offsetof(advlab_strip_config, num_samples), 20, 1, 10000, 0, 0,
     NULL, "clean images superimposed on each input"},
    {"false_acceptance_rate", ADVLAB__CFG_FLOAT,
     offsetof(advlab_strip_config, false_acceptance_rate), 0.01, 0, 1,
     ADVLAB__CFG_MIN_OPEN | ADVLAB__CFG_MAX_OPEN, 0, NULL,
     "the clean inputs' share expected below the threshold"},
    {"seed", ADVLAB__CFG_SEED, offsetof(advlab_strip_config, seed), 1, 0, 0, 0, 0, NULL,
     "which clean images"},
};

const advlab__cfg_spec advlab__strip_spec =
    ADVLAB__CFG_SPEC("strip", advlab_strip_config, NULL, 0, fields, NULL);

void advlab_strip_config_default(advlab_strip_config *cfg)
{
    advlab__cfg_defaults(&advlab__strip_spec, NULL, cfg); /* cannot fail: no kinds */
}

advlab_status advlab_strip_config_set(advlab_strip_config *cfg, const char *key, double value)
{
    return advlab__cfg_set(&advlab__strip_spec, cfg, key, value);
}

struct advlab_strip {
    advlab_net *net;
    advlab_strip_config cfg;
    int n, size, classes;
    float *pool;    /* (n, size) the clean images */
    float *mixed;   /* (num_samples, size) */
    float *probs;   /* (num_samples, classes) */
    advlab_rng rng; /* stream 13 */
    double mean, std, threshold;
};

void advlab_strip_free(advlab_strip *s)
{
    if (!s)
        return;
    free(s->pool);
    free(s);
}

/* The standard normal's quantile at p in (0, 1): Acklam's rational
 * approximation (relative error below 1.15e-9), which needs only log and
 * sqrt, so both builds agree. */
static double normal_quantile(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    const double low = 0.02425;
    if (p < low || p > 1 - low) {
        double q = sqrt(-2 * advlab__logf((float)(p < low ? p : 1 - p)));
        double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                   ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        return p < low ? x : -x;
    }
    double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/* The mean entropy in bits of net's predictions on x superimposed with
 * num_samples pool images drawn with replacement: (x + clean) / 2. */
static double entropy_of(advlab_strip *s, const float *x)
{
    int m = s->cfg.num_samples, at = 0;
    double total = 0;
    while (at < m) {
        int n = m - at < s->net->max_batch ? m - at : s->net->max_batch;
        for (int i = 0; i < n; i++) {
            const float *other =
                s->pool + (size_t)advlab__rng_below(&s->rng, (uint32_t)s->n) * s->size;
            for (int j = 0; j < s->size; j++)
                s->mixed[(size_t)i * s->size + j] = 0.5f * x[j] + 0.5f * other[j];
        }
        advlab_net_predict(s->net, s->mixed, n, s->probs);
        for (int i = 0; i < n * s->classes; i++) {
            float p = s->probs[i];
            if (p > 0)
                total -= (double)p * advlab__logf(p);
        }
        at += n;
    }
    return total / 0.6931471805599453 / m;
}

advlab_status advlab_strip_create(advlab_net *net, const float *clean, int n,
                                  const advlab_strip_config *cfg, advlab_strip **out)
{
    if (!net || !clean || !cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "advlab_strip_create: an argument is NULL");
    TRY(advlab__cfg_check(&advlab__strip_spec, cfg));
    if (n < 2)
        return advlab__fail(ADVLAB_E_ARG, "strip: %d clean images, need at least 2", n);
    int size = advlab_net_input_size(net);
    TRY(advlab__check_finite(clean, n, size, "strip: clean"));
    advlab_strip *s = calloc(1, sizeof *s);
    int mb = net->max_batch, k = advlab_net_classes(net);
    if (s)
        s->pool = malloc(sizeof(float) * ((size_t)n * size + (size_t)mb * (size + k)));
    if (!s || !s->pool) {
        advlab_strip_free(s);
        return advlab__fail(ADVLAB_E_NOMEM, "strip: out of memory for %d clean images", n);
    }
    *s = (advlab_strip){
        .net = net, .cfg = *cfg, .n = n, .size = size, .classes = k, .pool = s->pool};
    memcpy(s->pool, clean, sizeof(float) * (size_t)n * size);
    s->mixed = s->pool + (size_t)n * size;
    s->probs = s->mixed + (size_t)mb * size;
    advlab__rng_seed(&s->rng, cfg->seed, 13);
    /* scipy's norm.fit: the mean and the population deviation. */
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; i++) {
        double e = entropy_of(s, s->pool + (size_t)i * size);
        sum += e;
        sum2 += e * e;
    }
    s->mean = sum / n;
    double var = sum2 / n - s->mean * s->mean;
    s->std = var > 0 ? sqrt(var) : 0;
    s->threshold = s->mean + s->std * normal_quantile(cfg->false_acceptance_rate);
    *out = s;
    return ADVLAB_OK;
}

double advlab_strip_threshold(const advlab_strip *s) { return s ? s->threshold : NAN; }

advlab_status advlab_strip_entropy(advlab_strip *s, const float *x, int n, float *entropy,
                                   uint8_t *flags)
{
    if (!s || !x || !entropy || n < 0)
        return advlab__fail(ADVLAB_E_ARG, "advlab_strip_entropy: an argument is NULL or n < 0");
    TRY(advlab__check_finite(x, n, s->size, "strip"));
    for (int i = 0; i < n; i++) {
        double e = entropy_of(s, x + (size_t)i * s->size);
        entropy[i] = (float)e;
        if (flags)
            flags[i] = e <= s->threshold;
    }
    return ADVLAB_OK;
}

advlab_status advlab_strip_report_json(advlab_strip *s, const float *x, int n, char **json)
{
    if (!json)
        return advlab__fail(ADVLAB_E_ARG, "advlab_strip_report_json: json is NULL");
    float *e = malloc(sizeof(float) * (n > 0 ? (size_t)n : 1) + (size_t)n);
    if (!e)
        return advlab__fail(ADVLAB_E_NOMEM, "strip: out of memory for %d images", n);
    uint8_t *flags = (uint8_t *)(e + n);
    advlab_status st = advlab_strip_entropy(s, x, n, e, flags);
    advlab_strbuf b = {0};
    if (st == ADVLAB_OK) {
        advlab__sb_printf(&b, "{\"defence\":\"strip\",\"settings\":");
        advlab__cfg_json(&advlab__strip_spec, &s->cfg, &b);
        advlab__sb_printf(&b, ",\"clean_images\":%d,\"clean_mean\":", s->n);
        advlab__sb_json_number(&b, s->mean);
        advlab__sb_printf(&b, ",\"clean_std\":");
        advlab__sb_json_number(&b, s->std);
        advlab__sb_printf(&b, ",\"threshold\":");
        advlab__sb_json_number(&b, s->threshold);
        advlab__sb_printf(&b, ",\"images\":[");
        for (int i = 0; i < n; i++) {
            advlab_net_predict(s->net, x + (size_t)i * s->size, 1, s->probs);
            advlab__sb_printf(&b, "%s{\"prediction\":%d,\"entropy\":", i ? "," : "",
                              advlab__argmax(s->probs, s->classes));
            advlab__sb_json_number(&b, e[i]);
            advlab__sb_printf(&b, ",\"flagged\":%s}", flags[i] ? "true" : "false");
        }
        advlab__sb_printf(&b, "]}");
        if (b.failed)
            st = advlab__fail(ADVLAB_E_NOMEM, "strip report: out of memory");
    }
    free(e);
    if (st != ADVLAB_OK) {
        advlab__sb_free(&b);
        return st;
    }
    *json = b.data;
    return ADVLAB_OK;
}
