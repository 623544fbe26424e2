/* The backdoor (Gu et al., BadNets; ART's PoisoningAttackBackdoor with
 * add_pattern_bd, add_single_bd or a drawn mask) and the clean-label
 * backdoor (Turner et al.; ART's PoisoningAttackCleanLabelBackdoor), on a
 * copy of a dataset, plus the config, its report and the IDX writer. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/rng.h"
#include "base/strbuf.h"
#include "kernels/kernels.h"
#include "poison/poison.h"

static const char *const trigger_names[] = {"pattern", "pixel", "mask", NULL};

#define CORNER_KINDS (1u << ADVLAB_TRIGGER_PATTERN | 1u << ADVLAB_TRIGGER_PIXEL)

static const advlab__cfg_field fields[] = {
    {"distance", ADVLAB__CFG_INT, offsetof(advlab_poison_config, distance), 2, 0,
     ADVLAB_TRIGGER_SIDE - 3, 0, CORNER_KINDS, NULL, "from the bottom-right walls"},
    {"value", ADVLAB__CFG_FLOAT, offsetof(advlab_poison_config, value), 1, 0, 1, 0, 0, NULL,
     "the trigger pixels' value"},
    {"source", ADVLAB__CFG_INT, offsetof(advlab_poison_config, source), -1, -1, POISON_CLASSES - 1,
     0, 0, NULL, "the class poisoned; -1: every class"},
    {"target", ADVLAB__CFG_INT, offsetof(advlab_poison_config, target), -1, -1, POISON_CLASSES - 1,
     0, 0, NULL, "the poisoned label; -1: the next class, (y+1) mod 10"},
    {"fraction", ADVLAB__CFG_FLOAT, offsetof(advlab_poison_config, fraction), 0.1, 0, 1, 0, 0, NULL,
     "of the eligible rows, poisoned"},
    {"clean_label", ADVLAB__CFG_FLAG, offsetof(advlab_poison_config, clean_label), 0, 0, 1, 0, 0,
     NULL, "1: Turner et al.'s clean-label backdoor (PGD on a proxy model)"},
    {"norm", ADVLAB__CFG_NORM, offsetof(advlab_poison_config, norm), INFINITY, 0, 0, 0, 0, NULL,
     "clean label: PGD's ball, inf or 2"},
    {"eps", ADVLAB__CFG_FLOAT, offsetof(advlab_poison_config, eps), 0.3, 0, 28, 0, 0, NULL,
     "clean label: PGD's radius"},
    {"eps_step", ADVLAB__CFG_FLOAT, offsetof(advlab_poison_config, eps_step), 0.1, 0, 1,
     ADVLAB__CFG_MIN_OPEN, 0, NULL, "clean label: PGD's step"},
    {"max_iter", ADVLAB__CFG_INT, offsetof(advlab_poison_config, max_iter), 100, 1, 100000, 0, 0,
     NULL, "clean label: PGD's iterations"},
    {"seed", ADVLAB__CFG_SEED, offsetof(advlab_poison_config, seed), 1, 0, 0, 0, 0, NULL,
     "which rows"},
};

const advlab__cfg_spec advlab__poison_spec =
    ADVLAB__CFG_SPEC("poison", advlab_poison_config, trigger_names,
                     offsetof(advlab_poison_config, trigger), fields, NULL);

advlab_status advlab_poison_config_default(const char *trigger, advlab_poison_config *cfg)
{
    return advlab__cfg_defaults(&advlab__poison_spec, trigger, cfg);
}

advlab_status advlab_poison_config_set(advlab_poison_config *cfg, const char *key, double value)
{
    return advlab__cfg_set(&advlab__poison_spec, cfg, key, value);
}

advlab_status advlab__poison_check(const advlab_poison_config *cfg)
{
    if (cfg == NULL)
        return advlab__fail(ADVLAB_E_ARG, "poison: no config (NULL)");
    TRY(advlab__cfg_check(&advlab__poison_spec, cfg));
    if (cfg->clean_label && cfg->target < 0)
        return advlab__fail(ADVLAB_E_ARG,
                            "poison: a clean-label backdoor needs a fixed target class (target -1 "
                            "is the next class, which differs by row)");
    if (cfg->norm == 1.0f)
        return advlab__fail(ADVLAB_E_ARG, "poison: norm 1 is not inf or 2 (PGD's balls)");
    if (cfg->clean_label && cfg->eps_step > cfg->eps)
        return advlab__fail(ADVLAB_E_ARG, "poison: eps_step %g is larger than eps %g",
                            cfg->eps_step, cfg->eps);
    if (cfg->trigger == ADVLAB_TRIGGER_MASK) {
        int any = 0;
        for (int i = 0; i < ADVLAB_TRIGGER_PIXELS; i++)
            any |= cfg->mask[i] != 0;
        if (!any)
            return advlab__fail(ADVLAB_E_ARG, "poison mask: the mask sets no pixel");
    }
    return ADVLAB_OK;
}

/* The trigger's pixel indices in a 28x28 image; returns their count. ART
 * indexes x[height - distance, width - distance] etc. (row, column). */
static int trigger_pixels(const advlab_poison_config *cfg, int *px)
{
    const int s = ADVLAB_TRIGGER_SIDE, d = cfg->distance;
    int n = 0;
#define AT(r, c) (px[n++] = (r)*s + (c))
    switch (cfg->trigger) {
    case ADVLAB_TRIGGER_PATTERN:
        AT(s - d, s - d);
        AT(s - d - 1, s - d - 1);
        AT(s - d, s - d - 2);
        AT(s - d - 2, s - d);
        break;
    case ADVLAB_TRIGGER_PIXEL: AT(s - d, s - d); break;
    case ADVLAB_TRIGGER_MASK:
        for (int i = 0; i < ADVLAB_TRIGGER_PIXELS; i++)
            if (cfg->mask[i])
                px[n++] = i;
        break;
    }
#undef AT
    return n;
}

advlab_status advlab_trigger_apply(const advlab_poison_config *cfg, float *x, int n)
{
    TRY(advlab__poison_check(cfg));
    if (x == NULL || n < 0)
        return advlab__fail(ADVLAB_E_ARG, "advlab_trigger_apply: x is NULL or n %d < 0", n);
    int px[ADVLAB_TRIGGER_PIXELS], m = trigger_pixels(cfg, px);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            x[(size_t)i * ADVLAB_TRIGGER_PIXELS + px[j]] = cfg->value;
    return ADVLAB_OK;
}

/* ------------------------------------------------------------ datasets */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* IDX bytes (ubyte, rank 1 or 3) of dims and data; NULL when out of memory. */
static uint8_t *idx_bytes(int rank, const int *dims, const uint8_t *data, size_t *len)
{
    size_t count = 1;
    for (int i = 0; i < rank; i++)
        count *= (size_t)dims[i];
    *len = 4 + 4 * (size_t)rank + count;
    uint8_t *b = malloc(*len);
    if (!b)
        return NULL;
    b[0] = b[1] = 0;
    b[2] = 0x08;
    b[3] = (uint8_t)rank;
    for (int i = 0; i < rank; i++)
        put_be32(b + 4 + 4 * i, (uint32_t)dims[i]);
    memcpy(b + 4 + 4 * rank, data, count);
    return b;
}

advlab_status advlab__dataset_from_bytes(const char *name, int count, int height, int width,
                                         const uint8_t *pixels, const uint8_t *labels,
                                         advlab_dataset **out)
{
    int dims[3] = {count, height, width};
    size_t il, ll;
    uint8_t *images = idx_bytes(3, dims, pixels, &il), *lab = idx_bytes(1, dims, labels, &ll);
    advlab_status st = images && lab ? advlab_dataset_from_idx(name, images, il, lab, ll, out)
                                     : advlab__fail(ADVLAB_E_NOMEM,
                                                    "%s: out of memory for %d images", name, count);
    free(images);
    free(lab);
    return st;
}

advlab_status advlab_dataset_to_idx(const advlab_dataset *ds, uint8_t **images, size_t *images_len,
                                    uint8_t **labels, size_t *labels_len)
{
    if (!ds || !images || !images_len || !labels || !labels_len)
        return advlab__fail(ADVLAB_E_ARG, "advlab_dataset_to_idx: an argument is NULL");
    int dims[3] = {advlab_dataset_count(ds), advlab_dataset_height(ds), advlab_dataset_width(ds)};
    *images = idx_bytes(3, dims, advlab_dataset_pixels(ds), images_len);
    *labels = idx_bytes(1, dims, advlab_dataset_labels(ds), labels_len);
    if (*images && *labels)
        return ADVLAB_OK;
    free(*images);
    free(*labels);
    *images = *labels = NULL;
    return advlab__fail(ADVLAB_E_NOMEM, "advlab_dataset_to_idx: out of memory for %d images",
                        dims[0]);
}

/* ------------------------------------------------------------- poison */

static advlab_status check_dataset(const advlab_dataset *ds, const char *what)
{
    if (ds == NULL)
        return advlab__fail(ADVLAB_E_ARG, "%s: no dataset (NULL)", what);
    if (advlab_dataset_height(ds) != ADVLAB_TRIGGER_SIDE ||
        advlab_dataset_width(ds) != ADVLAB_TRIGGER_SIDE)
        return advlab__fail(ADVLAB_E_ARG, "%s: images are %dx%d, the triggers are drawn on %dx%d",
                            what, advlab_dataset_height(ds), advlab_dataset_width(ds),
                            ADVLAB_TRIGGER_SIDE, ADVLAB_TRIGGER_SIDE);
    return ADVLAB_OK;
}

/* Clean label: moves the chosen rows' pixels (bytes) by PGD on proxy, away
 * from their own class as the proxy sees it (ART's generate without labels),
 * each change rounded to whole 1/255 steps and kept within eps. */
static advlab_status clean_label_pgd(const advlab_poison_config *cfg, advlab_net *proxy,
                                     uint8_t *pixels, const int32_t *rows, int m)
{
    if (proxy == NULL)
        return advlab__fail(ADVLAB_E_ARG,
                            "poison: a clean-label backdoor needs a proxy model (NULL)");
    if (advlab_net_input_size(proxy) != ADVLAB_TRIGGER_PIXELS)
        return advlab__fail(ADVLAB_E_ARG, "poison: the proxy model takes %d inputs, not %d",
                            advlab_net_input_size(proxy), ADVLAB_TRIGGER_PIXELS);
    advlab_attack_config pgd;
    advlab_attack_config_default("pgd", &pgd);
    pgd.norm = cfg->norm;
    pgd.eps = cfg->eps;
    pgd.eps_step = cfg->eps_step;
    pgd.max_iter = cfg->max_iter;
    pgd.seed = cfg->seed;
    advlab_attack *attack = NULL;
    TRY(advlab_attack_create(proxy, &pgd, &attack));
    const int chunk = 256, P = ADVLAB_TRIGGER_PIXELS;
    float *x = malloc(sizeof(float) * 2 * chunk * P);
    advlab_status st =
        x ? ADVLAB_OK : advlab__fail(ADVLAB_E_NOMEM, "poison: out of memory for PGD's images");
    for (int at = 0; st == ADVLAB_OK && at < m; at += chunk) {
        int n = m - at < chunk ? m - at : chunk;
        float *adv = x + (size_t)chunk * P;
        for (int i = 0; i < n; i++)
            k_bytes_to_unit(x + (size_t)i * P, pixels + (size_t)rows[at + i] * P, P);
        st = advlab_attack_run(attack, x, NULL, n, adv);
        for (int i = 0; st == ADVLAB_OK && i < n; i++)
            for (int j = 0; j < P; j++) {
                uint8_t *p = &pixels[(size_t)rows[at + i] * P + j];
                int delta = (int)((adv[(size_t)i * P + j] - x[(size_t)i * P + j]) * 255.0f);
                int v = *p + delta;
                *p = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    }
    free(x);
    advlab_attack_free(attack);
    return st;
}

static int ascending(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

advlab_status advlab_poison_dataset(const advlab_dataset *clean, const advlab_poison_config *cfg,
                                    advlab_net *proxy, advlab_dataset **out, int32_t **rows,
                                    int *n_rows)
{
    TRY(check_dataset(clean, "poison"));
    TRY(advlab__poison_check(cfg));
    if (!out || !rows || !n_rows)
        return advlab__fail(ADVLAB_E_ARG, "advlab_poison_dataset: out, rows or n_rows is NULL");
    const int count = advlab_dataset_count(clean), P = ADVLAB_TRIGGER_PIXELS;
    const uint8_t *labels = advlab_dataset_labels(clean);
    uint8_t *pixels = malloc((size_t)count * P), *ys = malloc((size_t)count);
    int32_t *eligible = malloc(sizeof(int32_t) * (size_t)count);
    if (!pixels || !ys || !eligible) {
        free(pixels);
        free(ys);
        free(eligible);
        return advlab__fail(ADVLAB_E_NOMEM, "poison: out of memory for %d images", count);
    }
    memcpy(pixels, advlab_dataset_pixels(clean), (size_t)count * P);
    memcpy(ys, labels, (size_t)count);
    int n_eligible = 0;
    for (int i = 0; i < count; i++)
        if (advlab__poison_eligible(cfg, labels[i]))
            eligible[n_eligible++] = i;
    /* round(fraction * eligible), half away from zero as Python's round is
     * not (banker's): the docs say which. */
    int m = (int)floor((double)cfg->fraction * n_eligible + 0.5);
    advlab_rng rng;
    advlab__rng_seed(&rng, cfg->seed, 11);
    advlab__rng_shuffle(&rng, eligible, n_eligible);
    /* The first m of the shuffle, in ascending order. */
    qsort(eligible, (size_t)m, sizeof(int32_t), ascending);
    advlab_status st =
        cfg->clean_label ? clean_label_pgd(cfg, proxy, pixels, eligible, m) : ADVLAB_OK;
    int px[ADVLAB_TRIGGER_PIXELS], k = trigger_pixels(cfg, px);
    uint8_t byte = (uint8_t)lrintf(cfg->value * 255.0f);
    for (int i = 0; st == ADVLAB_OK && i < m; i++) {
        int r = eligible[i];
        for (int j = 0; j < k; j++)
            pixels[(size_t)r * P + px[j]] = byte;
        ys[r] = (uint8_t)advlab__poison_target(cfg, labels[r]);
    }
    advlab_dataset *ds = NULL;
    if (st == ADVLAB_OK)
        st = advlab__dataset_from_bytes("poisoned dataset", count, ADVLAB_TRIGGER_SIDE,
                                        ADVLAB_TRIGGER_SIDE, pixels, ys, &ds);
    free(pixels);
    free(ys);
    if (st != ADVLAB_OK) {
        free(eligible);
        return st;
    }
    int32_t *kept = realloc(eligible, sizeof(int32_t) * (size_t)(m > 0 ? m : 1));
    *out = ds;
    *rows = kept ? kept : eligible;
    *n_rows = m;
    return ADVLAB_OK;
}

advlab_status advlab_poison_rows_check(const char *name, const int32_t *rows, int n_rows,
                                       const advlab_dataset *ds)
{
    if (name == NULL)
        name = "poisoned rows";
    if (ds == NULL || (rows == NULL && n_rows > 0) || n_rows < 0)
        return advlab__fail(ADVLAB_E_ARG, "%s: no rows or no dataset (NULL)", name);
    int count = advlab_dataset_count(ds);
    if (n_rows > count)
        return advlab__fail(ADVLAB_E_FORMAT, "%s: %d rows, but the data has only %d", name, n_rows,
                            count);
    for (int i = 0; i < n_rows; i++) {
        if (rows[i] < 0 || rows[i] >= count)
            return advlab__fail(ADVLAB_E_FORMAT, "%s: row %d is not a row of the data (0..%d)",
                                name, (int)rows[i], count - 1);
        if (i && rows[i] <= rows[i - 1])
            return advlab__fail(ADVLAB_E_FORMAT,
                                "%s: rows must ascend, but %d follows %d (entry %d)", name,
                                (int)rows[i], (int)rows[i - 1], i);
    }
    return ADVLAB_OK;
}

advlab_status advlab_poison_report_json(const advlab_poison_config *cfg,
                                        const advlab_dataset *poisoned, const int32_t *rows,
                                        int n_rows, char **json)
{
    TRY(advlab__poison_check(cfg));
    TRY(check_dataset(poisoned, "poison report"));
    TRY(advlab_poison_rows_check("poison report", rows, n_rows, poisoned));
    if (json == NULL)
        return advlab__fail(ADVLAB_E_ARG, "advlab_poison_report_json: json is NULL");
    const uint8_t *labels = advlab_dataset_labels(poisoned);
    int per_class[POISON_CLASSES] = {0};
    for (int i = 0; i < n_rows; i++)
        per_class[labels[rows[i]]]++;
    advlab_strbuf b = {0};
    advlab__sb_printf(&b, "{\"attack\":\"%s\",\"trigger\":\"%s\",\"settings\":",
                      cfg->clean_label ? "clean_label" : "backdoor", trigger_names[cfg->trigger]);
    advlab__cfg_json(&advlab__poison_spec, cfg, &b);
    advlab__sb_printf(&b, ",\"rows\":%d,\"poisoned\":%d,\"poisoned_by_label\":[",
                      advlab_dataset_count(poisoned), n_rows);
    for (int c = 0; c < POISON_CLASSES; c++)
        advlab__sb_printf(&b, "%s%d", c ? "," : "", per_class[c]);
    advlab__sb_printf(&b, "]}");
    if (b.failed) {
        advlab__sb_free(&b);
        return advlab__fail(ADVLAB_E_NOMEM, "poison report: out of memory");
    }
    *json = b.data;
    return ADVLAB_OK;
}
