/* CopycatCNN and KnockoffNets (ART's art/attacks/extraction/): choose rows
 * of the thief set, ask the victim for them through advlab__victim_query,
 * keep the argmax of each answer (ART's use_probability=False; with
 * use_probability the answers themselves, soft.c) and train
 * the thief, a tutorial-arch net, on those labels with the ordinary
 * trainer. Copycat and knockoff's random sampling choose `queries` rows
 * without replacement, as ART's _select_data does; adaptive sampling is in
 * bandit.c. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/error.h"
#include "defences/postprocess.h"
#include "extract/extract.h"
#include "nn/net.h"
#include "train/trainer.h"

/* Images per victim call in random sampling (ART's batch_size_query only
 * chunks the calls; the answers do not depend on it). */
#define QUERY_BATCH 64
#define THIEF_ARCH "tutorial"
/* PCG streams of the seed: the rows, and the thief's shuffling. */
#define ROWS_STREAM 0x726f7773ull
#define SHUFFLE_STREAM 0x736875666c65ull

static const char *const extract_names[] = {"copycat", "knockoff", NULL};
static const char *const sampling_names[] = {"random", "adaptive", NULL};
static const char *const reward_names[] = {"cert", "div", "loss", "all", NULL};

#define FIELD(f) offsetof(advlab_extract_config, f)
#define KNOCKOFF (1u << ADVLAB_EXTRACT_KNOCKOFF)

/* ART's nb_stolen defaults to 1 and its batch_size_fit to 1; we default to
 * a budget worth a lesson and the tutorial's batch. */
static const advlab__cfg_field extract_fields[] = {
    {"queries", ADVLAB__CFG_INT, FIELD(queries), 1000, 1, 1000000, 0, 0, NULL,
     "the query budget: images the victim answers"},
    {"sampling", ADVLAB__CFG_CHOICE, FIELD(sampling), ADVLAB_SAMPLING_RANDOM, 0, 1, 0, KNOCKOFF,
     sampling_names, "how the thief picks its queries"},
    {"reward", ADVLAB__CFG_CHOICE, FIELD(reward), ADVLAB_REWARD_ALL, 0, 3, 0, KNOCKOFF,
     reward_names, "adaptive sampling's reward"},
    {"epochs", ADVLAB__CFG_INT, FIELD(epochs), 10, 1, 1000, 0, 0, NULL,
     "epochs of the thief's training"},
    {"batch", ADVLAB__CFG_INT, FIELD(batch), 64, 1, 512, 0, 0, NULL, "the thief's batch"},
    {"lr", ADVLAB__CFG_FLOAT, FIELD(lr), 0.01, 0, 10, ADVLAB__CFG_MIN_OPEN, 0, NULL,
     "the thief's Adam step"},
    {"eps", ADVLAB__CFG_FLOAT, FIELD(eps), 0.2, 0, 1, 0, 0, NULL,
     "FGSM's radius in the transfer measure"},
    {"use_probability", ADVLAB__CFG_FLAG, FIELD(use_probability), 0, 0, 1, 0, 0, NULL,
     "1: the thief learns the answers themselves (ART's use_probability)"},
    {"seed", ADVLAB__CFG_SEED, FIELD(seed), 1, 0, 0, 0, 0, NULL,
     "the rows, the noise and the thief's training"},
};

const advlab__cfg_spec advlab__extract_spec = ADVLAB__CFG_SPEC(
    "extraction", advlab_extract_config, extract_names, FIELD(kind), extract_fields, NULL);

const char *advlab_extract_name(advlab_extract_kind kind)
{
    return advlab__cfg_kind_name(&advlab__extract_spec, (int)kind);
}

advlab_status advlab_extract_config_default(const char *name, advlab_extract_config *cfg)
{
    return advlab__cfg_defaults(&advlab__extract_spec, name, cfg);
}

advlab_status advlab_extract_config_set(advlab_extract_config *cfg, const char *key, double value)
{
    return advlab__cfg_set(&advlab__extract_spec, cfg, key, value);
}

static int adaptive(const advlab_extract_config *cfg)
{
    return cfg->kind == ADVLAB_EXTRACT_KNOCKOFF && cfg->sampling == ADVLAB_SAMPLING_ADAPTIVE;
}

static advlab_status check(advlab_net *victim, const advlab_dataset *thief,
                           const advlab_extract_config *cfg)
{
    TRY(advlab__cfg_check(&advlab__extract_spec, cfg));
    if (advlab_net_input_size(victim) != 784)
        return advlab__fail(ADVLAB_E_ARG, "extraction: the victim takes %d inputs, expected 784",
                            advlab_net_input_size(victim));
    if (advlab_net_classes(victim) > 16)
        return advlab__fail(ADVLAB_E_ARG, "extraction: the victim has %d classes, at most 16",
                            advlab_net_classes(victim));
    if (thief && (advlab_dataset_height(thief) != 28 || advlab_dataset_width(thief) != 28))
        return advlab__fail(ADVLAB_E_ARG,
                            "extraction: the thief set's images are %dx%d, expected 28x28",
                            advlab_dataset_height(thief), advlab_dataset_width(thief));
    if (thief && cfg->queries > advlab_dataset_count(thief))
        return advlab__fail(ADVLAB_E_ARG,
                            "extraction: queries %d is more than the thief set's %d images",
                            cfg->queries, advlab_dataset_count(thief));
    if (!thief && adaptive(cfg))
        return advlab__fail(ADVLAB_E_ARG,
                            "extraction: adaptive sampling needs a labelled thief set (noise has "
                            "no labels)");
    if (adaptive(cfg) && cfg->use_probability)
        return advlab__fail(ADVLAB_E_ARG, "extraction: adaptive sampling learns the answers' "
                                          "labels only, as ART's does (use_probability 1)");
    if (cfg->batch > cfg->queries)
        return advlab__fail(ADVLAB_E_ARG, "extraction: batch %d is more than the %d queries",
                            cfg->batch, cfg->queries);
    return ADVLAB_OK;
}

/* ART's np.random.choice(count, queries, replace=False): the first
 * `queries` of a seeded shuffle; noise images are all new, in order. */
static advlab_status choose_rows(advlab_extraction *e)
{
    int q = e->cfg.queries;
    if (!e->thief_set) {
        for (int i = 0; i < q; i++)
            e->rows[i] = i;
        return ADVLAB_OK;
    }
    int count = advlab_dataset_count(e->thief_set);
    int32_t *order = malloc(sizeof(int32_t) * (size_t)count);
    if (!order)
        return advlab__fail(ADVLAB_E_NOMEM, "extraction: shuffle of %d rows", count);
    for (int i = 0; i < count; i++)
        order[i] = i;
    advlab__rng_shuffle(&e->rng, order, count);
    memcpy(e->rows, order, sizeof(int32_t) * (size_t)q);
    free(order);
    return ADVLAB_OK;
}

void advlab_extraction_free(advlab_extraction *e)
{
    if (!e)
        return;
    advlab_trainer_free(e->trainer);
    advlab__bandit_free(&e->bandit);
    advlab_net_free(e->thief);
    free(e->rows);
    free(e->labels);
    free(e->kept);
    free(e->batch_rows);
    free(e->dlogits);
    free(e->x);
    free(e->answers);
    free(e);
}

advlab_status advlab_extraction_create(advlab_net *victim, const advlab_postprocess_config *post,
                                       const advlab_dataset *thief,
                                       const advlab_extract_config *cfg, advlab_extraction **out)
{
    if (!victim || !cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "advlab_extraction_create: %s is NULL",
                            !victim ? "victim"
                            : !cfg  ? "cfg"
                                    : "out");
    *out = NULL;
    TRY(check(victim, thief, cfg));
    if (post)
        TRY(advlab__cfg_check(&advlab__postprocess_spec, post));
    advlab_extraction *e = calloc(1, sizeof *e);
    if (!e)
        return advlab__fail(ADVLAB_E_NOMEM, "extraction");
    e->victim = (advlab__victim){.net = victim, .budget = cfg->queries};
    if (post) {
        e->victim.own_post = *post;
        e->victim.post = &e->victim.own_post;
    }
    e->thief_set = thief;
    e->cfg = *cfg;
    advlab__rng_seed(&e->rng, cfg->seed, ROWS_STREAM);
    int q = cfg->queries, classes = advlab_net_classes(victim);
    e->rows = malloc(sizeof(int32_t) * (size_t)q);
    e->labels = malloc(sizeof(int32_t) * (size_t)q);
    e->x = malloc(sizeof(float) * QUERY_BATCH * 784);
    e->answers = malloc(sizeof(float) * QUERY_BATCH * (size_t)classes);
    if (cfg->use_probability) {
        e->kept = malloc(sizeof(float) * (size_t)q * classes);
        e->batch_rows = malloc(sizeof(int32_t) * (size_t)cfg->batch);
        e->dlogits = malloc(sizeof(float) * (size_t)cfg->batch * classes);
    }
    advlab_status st = e->rows && e->labels && e->x && e->answers &&
                               (!cfg->use_probability || (e->kept && e->batch_rows && e->dlogits))
                           ? advlab_net_create(THIEF_ARCH, cfg->batch, cfg->seed, &e->thief)
                           : advlab__fail(ADVLAB_E_NOMEM, "extraction buffers for %d queries", q);
    if (st == ADVLAB_OK && advlab_net_classes(e->thief) != classes)
        st = advlab__fail(ADVLAB_E_ARG, "extraction: the victim has %d classes, the thief %d",
                          classes, advlab_net_classes(e->thief));
    if (st == ADVLAB_OK)
        st = adaptive(cfg) ? advlab__bandit_init(e) : choose_rows(e);
    if (st != ADVLAB_OK) {
        advlab_extraction_free(e);
        return st;
    }
    e->query_units = adaptive(cfg) ? q : (q + QUERY_BATCH - 1) / QUERY_BATCH;
    *out = e;
    return ADVLAB_OK;
}

/* One batch of random sampling's queries. */
static advlab_status query_batch(advlab_extraction *e)
{
    int first = e->victim.queries, n = e->cfg.queries - first;
    if (n > QUERY_BATCH)
        n = QUERY_BATCH;
    for (int i = 0; i < n; i++)
        advlab__thief_image(e->thief_set, e->cfg.seed, e->rows[first + i], e->x + (size_t)i * 784);
    TRY(advlab__victim_query(&e->victim, e->x, n, e->answers));
    int classes = advlab_net_classes(e->victim.net);
    for (int i = 0; i < n; i++)
        e->labels[first + i] = advlab__argmax(e->answers + (size_t)i * classes, classes);
    if (e->kept)
        memcpy(e->kept + (size_t)first * classes, e->answers, sizeof(float) * n * classes);
    return ADVLAB_OK;
}

/* The thief's training set: the asked images with the victim's labels. */
static void gather_answers(const void *data, const int32_t *idx, int n, float *x, int32_t *y)
{
    /* The source is the extraction's own: it notes the batch's rows for
     * use_probability's step, which runs next on this batch. */
    advlab_extraction *e = (advlab_extraction *)data;
    if (e->batch_rows)
        memcpy(e->batch_rows, idx, sizeof(int32_t) * n);
    for (int i = 0; i < n; i++) {
        advlab__thief_image(e->thief_set, e->cfg.seed, e->rows[idx[i]], x + (size_t)i * 784);
        y[i] = e->labels[idx[i]];
    }
}

static advlab_status start_training(advlab_extraction *e)
{
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.epochs = e->cfg.epochs, tc.batch = e->cfg.batch, tc.lr = e->cfg.lr, tc.seed = e->cfg.seed;
    advlab_sample_source src = {e->cfg.queries, gather_answers, e};
    TRY(advlab__trainer_create(e->thief, &src, &tc, SHUFFLE_STREAM, &e->trainer));
    if (e->cfg.use_probability) {
        advlab_batch_hook hook;
        advlab__soft_labels_hook(e, &hook);
        advlab__trainer_set_hook(e->trainer, &hook);
    }
    advlab__trainer_record(e->trainer);
    char text[96];
    snprintf(text, sizeof text, "%s, %d queries", advlab_extract_name(e->cfg.kind), e->cfg.queries);
    return advlab_net_set_meta(e->thief, "extraction", text);
}

static int total_units(const advlab_extraction *e)
{
    return e->query_units + e->cfg.epochs * ((e->cfg.queries + e->cfg.batch - 1) / e->cfg.batch);
}

advlab_status advlab_extraction_run(advlab_extraction *e, int max_units, int *done, int *total)
{
    if (!e)
        return advlab__fail(ADVLAB_E_ARG, "advlab_extraction_run: the extraction is NULL");
    for (int u = 0; u < max_units && !advlab_extraction_finished(e); u++) {
        if (e->victim.queries < e->cfg.queries) {
            TRY(adaptive(&e->cfg) ? advlab__bandit_query(e) : query_batch(e));
        } else {
            if (!e->trainer)
                TRY(start_training(e));
            advlab_train_progress p;
            TRY(advlab_trainer_run(e->trainer, 1, &p));
        }
        e->done_units++;
    }
    if (done)
        *done = e->done_units;
    if (total)
        *total = total_units(e);
    return ADVLAB_OK;
}

int advlab_extraction_finished(const advlab_extraction *e)
{
    return e && e->trainer && advlab_trainer_finished(e->trainer);
}

int advlab_extraction_queries(const advlab_extraction *e) { return e ? e->victim.queries : 0; }

advlab_net *advlab_extraction_thief(advlab_extraction *e) { return e ? e->thief : NULL; }
