/* Adversarial-input detectors. Each scores an image; a score above the
 * threshold flags it.
 *   squeeze  Xu et al. 2018: max over squeezers s of ||p(x) - p(s(x))||_1,
 *            s = bit-depth reduction and a median filter (the pre-processors).
 *            The threshold is +inf, so nothing is flagged, until calibrated.
 *   binary   ART's BinaryInputDetector: a 2-class net (0 clean, 1
 *            adversarial); the score is p(class 1), threshold 0.5, which is
 *            ART's argmax decision. It trains through the ordinary trainer
 *            (train.c), whose samples are the pairs of images in memory. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "nn/net.h"
#include "train/trainer.h"

/* advlab_net_create makes every net for 1x28x28 images. */
#define IMAGE_H 28
#define IMAGE_W 28

typedef enum { DETECTOR_SQUEEZE, DETECTOR_BINARY } detector_kind;

struct advlab_detector {
    detector_kind kind;
    advlab_net *net; /* borrowed */
    float threshold;
    int max_batch, in_size, classes;
    advlab_preprocessor *squeezers[2]; /* bit depth, median; NULL when disabled */
    float *arena;                      /* the one allocation everything below points into */
    float *squeezed;                   /* (max_batch, in_size) */
    float *probs, *probs_squeezed;     /* (max_batch, classes) each */
    float *scores;                     /* (max_batch) for detect */
};

static advlab_status detector_alloc(advlab_net *net, detector_kind kind, float threshold,
                                    advlab_detector **out)
{
    size_t B = (size_t)net->max_batch, floats = B * net->in_size + 2 * B * net->classes + B;
    advlab_detector *d = calloc(1, sizeof *d);
    float *arena = d ? malloc(sizeof(float) * floats) : NULL;
    if (!arena) {
        free(d);
        return advlab__fail(ADVLAB_E_NOMEM, "detector: scratch for batch %d", net->max_batch);
    }
    *d = (advlab_detector){kind,         net,          threshold,    net->max_batch,
                           net->in_size, net->classes, {NULL, NULL}, arena,
                           arena,        NULL,         NULL,         NULL};
    d->probs = d->squeezed + B * net->in_size;
    d->probs_squeezed = d->probs + B * net->classes;
    d->scores = d->probs_squeezed + B * net->classes;
    *out = d;
    return ADVLAB_OK;
}

void advlab_detector_free(advlab_detector *d)
{
    if (!d)
        return;
    advlab_preprocessor_free(d->squeezers[0]);
    advlab_preprocessor_free(d->squeezers[1]);
    free(d->arena);
    free(d);
}

advlab_status advlab_squeeze_detector_create(advlab_net *net, int bit_depth, int median_window,
                                             advlab_detector **out)
{
    if (!net || !out)
        return advlab__fail(ADVLAB_E_ARG, "squeeze detector: net and out are required");
    if (net->in_size != IMAGE_H * IMAGE_W)
        return advlab__fail(ADVLAB_E_ARG,
                            "squeeze detector: the net takes %d inputs, not %dx%d images",
                            net->in_size, IMAGE_H, IMAGE_W);
    if (bit_depth < 0 || bit_depth > 8)
        return advlab__fail(ADVLAB_E_ARG,
                            "squeeze detector: bit_depth %d is out of range 1..8 (0 disables it)",
                            bit_depth);
    if (median_window == 1 || median_window < 0 || median_window > IMAGE_H)
        return advlab__fail(
            ADVLAB_E_ARG,
            "squeeze detector: median_window %d is out of range 2..%d (0 disables it)",
            median_window, IMAGE_H);
    if (bit_depth == 0 && median_window == 0)
        return advlab__fail(ADVLAB_E_ARG,
                            "squeeze detector: bit_depth and median_window are both 0; "
                            "enable at least one squeezer");
    advlab_detector *d = NULL;
    TRY(detector_alloc(net, DETECTOR_SQUEEZE, INFINITY, &d));
    advlab_preprocess_config cfg;
    advlab_status st = ADVLAB_OK;
    if (bit_depth) {
        advlab_preprocess_config_default("squeeze", &cfg);
        cfg.bit_depth = bit_depth;
        st = advlab_preprocessor_create(&cfg, IMAGE_H, IMAGE_W, &d->squeezers[0]);
    }
    if (!st && median_window) {
        advlab_preprocess_config_default("median", &cfg);
        cfg.window = median_window;
        st = advlab_preprocessor_create(&cfg, IMAGE_H, IMAGE_W, &d->squeezers[1]);
    }
    if (st) {
        advlab_detector_free(d);
        return st;
    }
    *out = d;
    return ADVLAB_OK;
}

advlab_status advlab_binary_detector_create(advlab_net *detector, advlab_detector **out)
{
    if (!detector || !out)
        return advlab__fail(ADVLAB_E_ARG, "binary detector: net and out are required");
    if (detector->classes != 2)
        return advlab__fail(
            ADVLAB_E_ARG,
            "binary detector: the detector net has %d classes, expected 2 (clean, adversarial)",
            detector->classes);
    return detector_alloc(detector, DETECTOR_BINARY, 0.5f, out);
}

/* ------------------------------------------------------------- scores */

static advlab_status check_images(const advlab_detector *d, const char *what, const float *x, int n)
{
    if (n < 1)
        return advlab__fail(ADVLAB_E_ARG, "detector: batch of %d %s images, expected at least 1", n,
                            what);
    if (!x)
        return advlab__fail(ADVLAB_E_ARG, "detector: %s images: NULL", what);
    return advlab__check_finite(x, n, d->in_size, "detector: %s", what);
}

/* scores[b] = max over squeezers of sum_c |p(x_b)_c - p(s(x_b))_c|, for
 * m <= max_batch checked images. */
static advlab_status squeeze_scores(advlab_detector *d, const float *x, int m, float *scores)
{
    TRY(advlab_net_predict(d->net, x, m, d->probs));
    for (int b = 0; b < m; b++)
        scores[b] = 0.0f;
    for (int s = 0; s < 2; s++) {
        if (!d->squeezers[s])
            continue;
        TRY(advlab_preprocessor_apply(d->squeezers[s], x, m, d->squeezed));
        TRY(advlab_net_predict(d->net, d->squeezed, m, d->probs_squeezed));
        for (int b = 0; b < m; b++) {
            const float *p = d->probs + (size_t)b * d->classes,
                        *q = d->probs_squeezed + (size_t)b * d->classes;
            float l1 = 0.0f;
            for (int c = 0; c < d->classes; c++)
                l1 += fabsf(p[c] - q[c]);
            if (l1 > scores[b])
                scores[b] = l1;
        }
    }
    return ADVLAB_OK;
}

static advlab_status binary_scores(advlab_detector *d, const float *x, int m, float *scores)
{
    TRY(advlab_net_predict(d->net, x, m, d->probs));
    for (int b = 0; b < m; b++)
        scores[b] = d->probs[(size_t)b * 2 + 1];
    return ADVLAB_OK;
}

static advlab_status chunk_scores(advlab_detector *d, const float *x, int m, float *scores)
{
    return d->kind == DETECTOR_SQUEEZE ? squeeze_scores(d, x, m, scores)
                                       : binary_scores(d, x, m, scores);
}

/* Scores of n checked images, in chunks of max_batch. */
static advlab_status all_scores(advlab_detector *d, const float *x, int n, float *scores)
{
    for (int b0 = 0; b0 < n; b0 += d->max_batch) {
        int m = n - b0 < d->max_batch ? n - b0 : d->max_batch;
        TRY(chunk_scores(d, x + (size_t)b0 * d->in_size, m, scores + b0));
    }
    return ADVLAB_OK;
}

advlab_status advlab_detector_score(advlab_detector *d, const float *x, int n, float *scores)
{
    if (!d || !scores)
        return advlab__fail(ADVLAB_E_ARG, "detector: %s is NULL", d ? "scores" : "detector");
    TRY(check_images(d, "input", x, n));
    return all_scores(d, x, n, scores);
}

advlab_status advlab_detector_detect(advlab_detector *d, const float *x, int n, uint8_t *flags)
{
    if (!d || !flags)
        return advlab__fail(ADVLAB_E_ARG, "detector: %s is NULL", d ? "flags" : "detector");
    TRY(check_images(d, "input", x, n));
    for (int b0 = 0; b0 < n; b0 += d->max_batch) {
        int m = n - b0 < d->max_batch ? n - b0 : d->max_batch;
        TRY(chunk_scores(d, x + (size_t)b0 * d->in_size, m, d->scores));
        for (int b = 0; b < m; b++)
            flags[b0 + b] = d->scores[b] > d->threshold;
    }
    return ADVLAB_OK;
}

/* -------------------------------------------------------- threshold */

float advlab_detector_threshold(const advlab_detector *d) { return d->threshold; }

advlab_status advlab_detector_set_threshold(advlab_detector *d, float threshold)
{
    if (!d)
        return advlab__fail(ADVLAB_E_ARG, "detector: NULL");
    if (isnan(threshold))
        return advlab__fail(ADVLAB_E_ARG, "detector: threshold is NaN");
    d->threshold = threshold;
    return ADVLAB_OK;
}

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* With k = floor(fpr * n) and the scores sorted ascending, s[n-1-k] is the
 * smallest score t with at most k scores above it. Not a hot loop: it
 * allocates the n scores it sorts. */
advlab_status advlab_detector_calibrate(advlab_detector *d, const float *clean, int n, float fpr)
{
    if (!d)
        return advlab__fail(ADVLAB_E_ARG, "detector: NULL");
    if (!(fpr >= 0.0f && fpr <= 1.0f))
        return advlab__fail(ADVLAB_E_ARG, "detector: fpr %g is out of range 0..1", (double)fpr);
    TRY(check_images(d, "clean", clean, n));
    float *scores = malloc(sizeof(float) * (size_t)n);
    if (!scores)
        return advlab__fail(ADVLAB_E_NOMEM, "detector: scores of %d calibration images", n);
    advlab_status st = all_scores(d, clean, n, scores);
    for (int i = 0; !st && i < n; i++)
        if (isnan(scores[i]))
            st = advlab__fail(ADVLAB_E_NUMERIC, "detector: the score of clean image %d is NaN", i);
    if (!st) {
        qsort(scores, (size_t)n, sizeof(float), compare_floats);
        int k = (int)floor((double)fpr * n);
        d->threshold = scores[k < n ? n - 1 - k : 0];
    }
    free(scores);
    return st;
}

/* ---------------------------------------------------------- training */

/* The PCG stream of the detector's shuffle (the dataset trainer's is 2). */
#define SHUFFLE_STREAM 6

/* The 2n training samples: clean[i] (label 0) for i < n, else adv[i-n]
 * (label 1). */
typedef struct {
    const float *clean, *adv;
    int n, in_size;
} image_pairs;

static void gather_pairs(const void *data, const int32_t *idx, int m, float *x, int32_t *y)
{
    const image_pairs *p = data;
    for (int b = 0; b < m; b++) {
        int i = idx[b];
        const float *src =
            i < p->n ? p->clean + (size_t)i * p->in_size : p->adv + (size_t)(i - p->n) * p->in_size;
        memcpy(x + (size_t)b * p->in_size, src, sizeof(float) * p->in_size);
        y[b] = i < p->n ? 0 : 1;
    }
}

/* The trainer's own message, prefixed so the caller sees which call failed. */
static advlab_status training_failed(advlab_status st)
{
    char reason[512];
    snprintf(reason, sizeof reason, "%s", advlab_last_error());
    return advlab__fail(st, "binary detector: %s", reason);
}

/* An ordinary trainer over the 2n samples, shuffled each epoch, in batches
 * of cfg->batch (the last may be short). A batch whose loss is not finite
 * stops training before its optimizer step. */
advlab_status advlab_binary_detector_train(advlab_detector *d, const float *clean, const float *adv,
                                           int n, const advlab_train_config *cfg)
{
    if (!d)
        return advlab__fail(ADVLAB_E_ARG, "binary detector: NULL");
    if (d->kind != DETECTOR_BINARY)
        return advlab__fail(
            ADVLAB_E_ARG,
            "detector: only the binary detector trains; this one is feature squeezing");
    if (!cfg)
        return advlab__fail(ADVLAB_E_ARG, "binary detector: train config is NULL");
    if (n > (1 << 29))
        return advlab__fail(ADVLAB_E_ARG, "binary detector: %d image pairs is more than 2^29", n);
    TRY(check_images(d, "clean", clean, n));
    TRY(check_images(d, "adversarial", adv, n));
    image_pairs pairs = {clean, adv, n, d->in_size};
    advlab_sample_source src = {2 * n, gather_pairs, &pairs};
    advlab_train_config all = *cfg;
    all.limit = 0; /* limit caps a dataset; the detector trains on every pair (advlab.h) */
    advlab_trainer *t = NULL;
    advlab_status st = advlab__trainer_create(d->net, &src, &all, SHUFFLE_STREAM, &t);
    while (!st && !advlab_trainer_finished(t))
        st = advlab_trainer_run(t, INT_MAX, NULL); /* stops at the end of each epoch */
    advlab_trainer_free(t);
    return st ? training_failed(st) : ADVLAB_OK;
}
