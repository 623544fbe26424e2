/* Finding the poison in a training set from the activations of the model
 * trained on it: ART's ActivationDefence (Chen et al. 2018) and
 * SpectralSignatureDefense (Tran et al. 2018). The work runs in units (a
 * batch of activations, then a class), so a Worker can yield between them. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/cluster.h"
#include "base/error.h"
#include "base/linalg.h"
#include "base/strbuf.h"
#include "nn/net.h"
#include "poison/poison.h"

static const char *const kind_names[] = {"ac", "spectral", NULL};
static const char *const analysis_names[] = {"smaller", "relative_size", "silhouette", NULL};

#define AC (1u << ADVLAB_CLEANSE_AC)
#define SPECTRAL (1u << ADVLAB_CLEANSE_SPECTRAL)

static const advlab__cfg_field fields[] = {
    {"nb_dims", ADVLAB__CFG_INT, offsetof(advlab_cleanse_config, nb_dims), 10, 1, 1024, 0, AC, NULL,
     "PCA dimensions"},
    /* Not ART's default, smaller: that flags a cluster in every class, so with
     * one class poisoned most of what it flags is clean (docs/ATTACKS.md). */
    {"analysis", ADVLAB__CFG_CHOICE, offsetof(advlab_cleanse_config, analysis), 2, 0, 0, 0, AC,
     analysis_names, "which cluster is poison: smaller, relative_size, silhouette"},
    {"size_threshold", ADVLAB__CFG_FLOAT, offsetof(advlab_cleanse_config, size_threshold), 0.35, 0,
     1, 0, AC, NULL, "relative_size, silhouette: a poison cluster holds less of its class"},
    {"silhouette_threshold", ADVLAB__CFG_FLOAT,
     offsetof(advlab_cleanse_config, silhouette_threshold), 0.1, -1, 1, 0, AC, NULL,
     "silhouette: and the clusters' silhouette is at least this"},
    {"restarts", ADVLAB__CFG_INT, offsetof(advlab_cleanse_config, restarts), 10, 1, 1000, 0, AC,
     NULL, "k-means++ runs, the best kept"},
    {"expected_fraction", ADVLAB__CFG_FLOAT, offsetof(advlab_cleanse_config, expected_fraction),
     0.33, 0, 1, 0, SPECTRAL, NULL, "the poison expected in a class"},
    {"eps_multiplier", ADVLAB__CFG_FLOAT, offsetof(advlab_cleanse_config, eps_multiplier), 1.5, 0,
     INFINITY, 0, SPECTRAL, NULL, "flags eps_multiplier * expected_fraction of each class"},
    {"seed", ADVLAB__CFG_SEED, offsetof(advlab_cleanse_config, seed), 1, 0, 0, 0, 0, NULL,
     "k-means++"},
};

const advlab__cfg_spec advlab__cleanse_spec =
    ADVLAB__CFG_SPEC("cleanse", advlab_cleanse_config, kind_names,
                     offsetof(advlab_cleanse_config, kind), fields, NULL);

advlab_status advlab_cleanse_config_default(const char *name, advlab_cleanse_config *cfg)
{
    return advlab__cfg_defaults(&advlab__cleanse_spec, name, cfg);
}

advlab_status advlab_cleanse_config_set(advlab_cleanse_config *cfg, const char *key, double value)
{
    return advlab__cfg_set(&advlab__cleanse_spec, cfg, key, value);
}

#define MAX_METRICS 4

typedef struct {
    int rows, flagged;
    int sizes[2];      /* ac: the two clusters */
    double silhouette; /* ac silhouette */
    double cutoff;     /* spectral: the score at and above which rows are flagged */
} class_result;

struct advlab_cleanse {
    advlab_net *net;
    const advlab_dataset *ds;
    advlab_cleanse_config cfg;
    int count, hidden, batches;
    float *act;     /* (count, hidden): the last hidden layer's outputs */
    int32_t *order; /* row indices by label: class c's at [start[c], start[c+1]) */
    int start[POISON_CLASSES + 1];
    uint8_t *flags, *clusters, *truth;
    float *points;    /* (count, 2) */
    float *x;         /* (max_batch, in_size) the batch gathered */
    float *class_act; /* (largest class, hidden): one class's activations */
    double *work;     /* the largest class's analysis (class_work) */
    int32_t *y;
    int done;       /* units done: batches, then classes */
    advlab_rng rng; /* k-means++, stream 12 */
    class_result classes[POISON_CLASSES];
    int n_truth;
    int n_metrics;
    struct {
        char name[32];
        advlab_poison_metrics m;
    } metrics[MAX_METRICS];
    advlab_strbuf report;
};

/* The doubles a class of n rows needs for its analysis. */
static size_t class_work(const advlab_cleanse_config *cfg, int n, int d)
{
    int dims = cfg->nb_dims < d ? cfg->nb_dims : d;
    if (cfg->kind == ADVLAB_CLEANSE_AC)
        return (size_t)n * dims + d + 3 * (size_t)d * d + 2 * (size_t)dims +
               advlab__kmeans_work_bytes(n, dims, 2) / sizeof(double) + 1 + ((size_t)n + 1) / 2;
    return 3 * (size_t)d + (size_t)d * d + 2 * (size_t)n;
}

void advlab_cleanse_free(advlab_cleanse *c)
{
    if (!c)
        return;
    free(c->act);
    free(c->order);
    free(c->flags);
    free(c->truth);
    free(c->x);
    free(c->class_act);
    free(c->work);
    advlab__sb_free(&c->report);
    free(c);
}

advlab_status advlab_cleanse_create(advlab_net *net, const advlab_dataset *ds,
                                    const advlab_cleanse_config *cfg, advlab_cleanse **out)
{
    if (!net || !ds || !cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "advlab_cleanse_create: an argument is NULL");
    TRY(advlab__cfg_check(&advlab__cleanse_spec, cfg));
    TRY(advlab__net_check_dataset(net, ds));
    if (net->arch.n_layers < 2)
        return advlab__fail(ADVLAB_E_ARG,
                            "cleanse: the model %s has no hidden layer to read activations from",
                            net->arch.spec);
    if (net->classes != POISON_CLASSES)
        return advlab__fail(ADVLAB_E_ARG, "cleanse: the model has %d classes, not %d", net->classes,
                            POISON_CLASSES);
    advlab_cleanse *c = calloc(1, sizeof *c);
    if (!c)
        return advlab__fail(ADVLAB_E_NOMEM, "cleanse: out of memory");
    c->net = net;
    c->ds = ds;
    c->cfg = *cfg;
    c->count = advlab_dataset_count(ds);
    c->hidden = (int)layer_out_size(&net->arch.layers[net->arch.n_layers - 2]);
    c->batches = (c->count + net->max_batch - 1) / net->max_batch;
    size_t n = (size_t)c->count;
    c->act = malloc(sizeof(float) * n * ((size_t)c->hidden + 2));
    c->order = malloc(sizeof(int32_t) * n);
    c->flags = calloc(3, n);
    c->x = malloc((sizeof(float) * net->in_size + sizeof(int32_t)) * (size_t)net->max_batch);
    if (!c->act || !c->order || !c->flags || !c->x) {
        advlab_cleanse_free(c);
        return advlab__fail(ADVLAB_E_NOMEM, "cleanse: out of memory for %d rows' activations",
                            (int)n);
    }
    c->points = c->act + n * (size_t)c->hidden;
    c->clusters = c->flags + n;
    c->y = (int32_t *)(c->x + (size_t)net->in_size * net->max_batch);
    memset(c->points, 0, sizeof(float) * 2 * n);
    /* Counting sort by label keeps each class's rows ascending. */
    const uint8_t *labels = advlab_dataset_labels(ds);
    int fill[POISON_CLASSES] = {0};
    for (int i = 0; i < c->count; i++)
        c->start[labels[i] + 1]++;
    for (int k = 0; k < POISON_CLASSES; k++)
        c->start[k + 1] += c->start[k];
    for (int i = 0; i < c->count; i++)
        c->order[c->start[labels[i]] + fill[labels[i]]++] = i;
    /* Every class's analysis works in buffers sized here, for the largest. */
    int largest = 0;
    for (int k = 0; k < POISON_CLASSES; k++)
        if (c->start[k + 1] - c->start[k] > largest)
            largest = c->start[k + 1] - c->start[k];
    c->class_act = malloc(sizeof(float) * ((size_t)largest * c->hidden + 1));
    c->work = malloc(sizeof(double) * class_work(cfg, largest, c->hidden));
    if (!c->class_act || !c->work) {
        advlab_cleanse_free(c);
        return advlab__fail(ADVLAB_E_NOMEM, "cleanse: out of memory for a class of %d rows",
                            largest);
    }
    advlab__rng_seed(&c->rng, cfg->seed, 12);
    *out = c;
    return ADVLAB_OK;
}

static void activations_batch(advlab_cleanse *c, int b)
{
    int B = c->net->max_batch, at = b * B, n = c->count - at < B ? c->count - at : B;
    int32_t idx[n];
    for (int i = 0; i < n; i++)
        idx[i] = at + i;
    advlab_dataset_gather(c->ds, idx, n, c->x, c->y);
    advlab__net_logits(c->net, c->x, n);
    memcpy(c->act + (size_t)at * c->hidden, c->net->act[c->net->arch.n_layers - 2],
           sizeof(float) * (size_t)n * c->hidden);
}

/* numpy's round(x, places), which rounds half to even. */
static double round_places(double x, double scale) { return rint(x * scale) / scale; }

/* ART's ActivationDefence on one class: PCA, 2-means, the analysis. */
static advlab_status ac_class(advlab_cleanse *c, int k, const float *a, int n, double *work)
{
    class_result *r = &c->classes[k];
    int d = c->hidden, dims = c->cfg.nb_dims < d ? c->cfg.nb_dims : d;
    const int32_t *rows = c->order + c->start[k];
    if (n < 3)
        return ADVLAB_OK; /* too few rows for two clusters */
    double *reduced = work, *pca_work = reduced + (size_t)n * dims;
    double *centres = pca_work + (size_t)d + 3 * (size_t)d * d, *km = centres + 2 * (size_t)dims;
    int32_t *assign = (int32_t *)(km + advlab__kmeans_work_bytes(n, dims, 2) / sizeof(double) + 1);
    advlab__pca(a, n, d, dims, reduced, NULL, pca_work);
    advlab__kmeans(reduced, n, dims, 2, c->cfg.restarts, &c->rng, assign, centres, km);
    for (int i = 0; i < n; i++) {
        r->sizes[assign[i]]++;
        c->clusters[rows[i]] = (uint8_t)assign[i];
        c->points[2 * (size_t)rows[i]] = (float)reduced[(size_t)i * dims];
        c->points[2 * (size_t)rows[i] + 1] = dims > 1 ? (float)reduced[(size_t)i * dims + 1] : 0;
    }
    int poison[2] = {0, 0};
    double size_threshold = round_places(c->cfg.size_threshold, 100);
    for (int j = 0; j < 2; j++) {
        double pct = round_places((double)r->sizes[j] / n, 100);
        switch (c->cfg.analysis) {
        case ADVLAB_AC_SMALLER:
            poison[j] = r->sizes[j] < r->sizes[1 - j] || (r->sizes[0] == r->sizes[1] && j == 0);
            break;
        case ADVLAB_AC_RELATIVE_SIZE:
        case ADVLAB_AC_SILHOUETTE: poison[j] = pct < size_threshold; break;
        }
    }
    if (c->cfg.analysis == ADVLAB_AC_SILHOUETTE) {
        r->silhouette = round_places(advlab__silhouette(reduced, n, dims, 2, assign), 1e4);
        if (r->silhouette < round_places(c->cfg.silhouette_threshold, 1e4))
            poison[0] = poison[1] = 0;
    }
    for (int i = 0; i < n; i++)
        if (poison[assign[i]]) {
            c->flags[rows[i]] = 1;
            r->flagged++;
        }
    return ADVLAB_OK;
}

static int ascending_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ART's SpectralSignatureDefense on one class: scores are the squared
 * projections of the centred activations on their top right singular
 * vector (the covariance's top eigenvector, by power iteration). */
static advlab_status spectral_class(advlab_cleanse *c, int k, const float *a, int n, double *work)
{
    class_result *r = &c->classes[k];
    int d = c->hidden;
    const int32_t *rows = c->order + c->start[k];
    if (n < 1)
        return ADVLAB_OK;
    double *mean = work, *cov = mean + d, *v = cov + (size_t)d * d, *tmp = v + d;
    double *score = tmp + d, *sorted = score + n;
    advlab__covariance(a, n, d, mean, cov);
    advlab__top_eigenvector(cov, d, v, tmp);
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < d; j++)
            s += (a[(size_t)i * d + j] - mean[j]) * v[j];
        score[i] = sorted[i] = s * s;
    }
    /* np.quantile's linear interpolation at q. */
    qsort(sorted, (size_t)n, sizeof(double), ascending_double);
    double q = 1.0 - (double)c->cfg.eps_multiplier * c->cfg.expected_fraction;
    double pos = (q > 0 ? q : 0.0) * (n - 1);
    int lo = (int)floor(pos);
    double cutoff =
        lo + 1 < n ? sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - lo) : sorted[lo];
    r->cutoff = cutoff;
    for (int i = 0; i < n; i++) {
        c->points[2 * (size_t)rows[i]] = (float)score[i];
        if (!(score[i] < cutoff)) {
            c->flags[rows[i]] = c->clusters[rows[i]] = 1;
            r->flagged++;
        }
    }
    return ADVLAB_OK;
}

static advlab_status analyse_class(advlab_cleanse *c, int k)
{
    int n = c->start[k + 1] - c->start[k], d = c->hidden;
    c->classes[k].rows = n;
    if (n == 0)
        return ADVLAB_OK;
    for (int i = 0; i < n; i++)
        memcpy(c->class_act + (size_t)i * d, c->act + (size_t)c->order[c->start[k] + i] * d,
               sizeof(float) * d);
    return c->cfg.kind == ADVLAB_CLEANSE_AC ? ac_class(c, k, c->class_act, n, c->work)
                                            : spectral_class(c, k, c->class_act, n, c->work);
}

advlab_status advlab_cleanse_run(advlab_cleanse *c, int max_units, int *done, int *total)
{
    if (!c)
        return advlab__fail(ADVLAB_E_ARG, "advlab_cleanse_run: no cleanse (NULL)");
    int all = c->batches + POISON_CLASSES;
    for (int u = 0; u < max_units && c->done < all; u++) {
        if (c->done < c->batches)
            activations_batch(c, c->done);
        else
            TRY(analyse_class(c, c->done - c->batches));
        c->done++;
    }
    if (done)
        *done = c->done;
    if (total)
        *total = all;
    return ADVLAB_OK;
}

int advlab_cleanse_finished(const advlab_cleanse *c)
{
    return c && c->done == c->batches + POISON_CLASSES;
}

const uint8_t *advlab_cleanse_flags(const advlab_cleanse *c) { return c ? c->flags : NULL; }
const float *advlab_cleanse_points(const advlab_cleanse *c) { return c ? c->points : NULL; }
const uint8_t *advlab_cleanse_clusters(const advlab_cleanse *c) { return c ? c->clusters : NULL; }

advlab_status advlab_cleanse_set_truth(advlab_cleanse *c, const int32_t *rows, int n_rows)
{
    if (!c)
        return advlab__fail(ADVLAB_E_ARG, "advlab_cleanse_set_truth: no cleanse (NULL)");
    TRY(advlab_poison_rows_check("poisoned rows", rows, n_rows, c->ds));
    if (!c->truth && !(c->truth = malloc((size_t)c->count)))
        return advlab__fail(ADVLAB_E_NOMEM, "cleanse: out of memory for the poisoned rows");
    memset(c->truth, 0, (size_t)c->count);
    for (int i = 0; i < n_rows; i++)
        c->truth[rows[i]] = 1;
    c->n_truth = n_rows;
    return ADVLAB_OK;
}

advlab_status advlab_cleanse_dataset(const advlab_cleanse *c, advlab_dataset **out)
{
    if (!c || !out)
        return advlab__fail(ADVLAB_E_ARG, "advlab_cleanse_dataset: an argument is NULL");
    if (!advlab_cleanse_finished(c))
        return advlab__fail(ADVLAB_E_ARG, "cleanse: the defence has not finished");
    int h = advlab_dataset_height(c->ds), w = advlab_dataset_width(c->ds), size = h * w, kept = 0;
    const uint8_t *pixels = advlab_dataset_pixels(c->ds), *labels = advlab_dataset_labels(c->ds);
    uint8_t *p = malloc((size_t)c->count * (size + 1));
    if (!p)
        return advlab__fail(ADVLAB_E_NOMEM, "cleanse: out of memory for the cleaned set");
    uint8_t *y = p + (size_t)c->count * size;
    for (int i = 0; i < c->count; i++)
        if (!c->flags[i]) {
            memcpy(p + (size_t)kept * size, pixels + (size_t)i * size, (size_t)size);
            y[kept++] = labels[i];
        }
    advlab_status st =
        kept ? advlab__dataset_from_bytes("cleaned dataset", kept, h, w, p, y, out)
             : advlab__fail(ADVLAB_E_ARG, "cleanse: every row was flagged; nothing is left");
    free(p);
    return st;
}

advlab_status advlab_cleanse_add_metrics(advlab_cleanse *c, const char *name,
                                         const advlab_poison_metrics *m)
{
    if (!c || !name || !m)
        return advlab__fail(ADVLAB_E_ARG, "advlab_cleanse_add_metrics: an argument is NULL");
    if (c->n_metrics == MAX_METRICS || strlen(name) >= sizeof c->metrics[0].name)
        return advlab__fail(ADVLAB_E_ARG,
                            "cleanse: measurement \"%s\" is one too many (%d) or too long", name,
                            MAX_METRICS);
    strcpy(c->metrics[c->n_metrics].name, name);
    c->metrics[c->n_metrics++].m = *m;
    return ADVLAB_OK;
}

const char *advlab_cleanse_report_json(advlab_cleanse *c)
{
    if (!advlab_cleanse_finished(c))
        return NULL;
    advlab_strbuf *b = &c->report;
    advlab__sb_free(b);
    *b = (advlab_strbuf){0};
    int flagged = 0, tp = 0;
    for (int i = 0; i < c->count; i++) {
        flagged += c->flags[i];
        tp += c->truth && c->flags[i] && c->truth[i];
    }
    advlab__sb_printf(b, "{\"defence\":\"%s\",\"settings\":", kind_names[c->cfg.kind]);
    advlab__cfg_json(&advlab__cleanse_spec, &c->cfg, b);
    advlab__sb_printf(b, ",\"rows\":%d,\"flagged\":%d,\"classes\":[", c->count, flagged);
    for (int k = 0; k < POISON_CLASSES; k++) {
        const class_result *r = &c->classes[k];
        advlab__sb_printf(b, "%s{\"class\":%d,\"rows\":%d,\"flagged\":%d", k ? "," : "", k, r->rows,
                          r->flagged);
        if (c->cfg.kind == ADVLAB_CLEANSE_AC) {
            advlab__sb_printf(b, ",\"clusters\":[%d,%d]", r->sizes[0], r->sizes[1]);
            if (c->cfg.analysis == ADVLAB_AC_SILHOUETTE) {
                advlab__sb_printf(b, ",\"silhouette\":");
                advlab__sb_json_number(b, r->silhouette);
            }
        } else {
            advlab__sb_printf(b, ",\"cutoff\":");
            advlab__sb_json_number(b, r->cutoff);
        }
        advlab__sb_printf(b, "}");
    }
    advlab__sb_printf(b, "]");
    if (c->truth) {
        advlab__sb_printf(b, ",\"poisoned\":%d,\"true_positives\":%d,\"precision\":", c->n_truth,
                          tp);
        advlab__sb_json_number(b, flagged ? (double)tp / flagged : 0.0);
        advlab__sb_printf(b, ",\"recall\":");
        advlab__sb_json_number(b, c->n_truth ? (double)tp / c->n_truth : 0.0);
    }
    advlab__sb_printf(b, ",\"measurements\":{");
    for (int i = 0; i < c->n_metrics; i++) {
        const advlab_poison_metrics *m = &c->metrics[i].m;
        advlab__sb_printf(b, "%s", i ? "," : "");
        advlab__sb_json_string(b, c->metrics[i].name);
        advlab__sb_printf(b, ":{\"clean_accuracy\":");
        advlab__sb_json_number(b, m->clean_accuracy);
        advlab__sb_printf(b, ",\"clean_images\":%d,\"attack_success\":", m->clean_n);
        advlab__sb_json_number(b, m->attack_success);
        advlab__sb_printf(b, ",\"attack_images\":%d}", m->attack_n);
    }
    advlab__sb_printf(b, "}}");
    return b->failed ? NULL : b->data;
}
