/* The training loop: shuffle, gather a batch, let the batch hook (if any)
 * rewrite it, forward/backward, step. It runs in chunks of batches so a Web
 * Worker can yield between them. Samples come from a dataset here, or from
 * any advlab_sample_source through advlab__trainer_create. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/aligned.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/error.h"
#include "kernels/kernels.h"
#include "nn/net.h"
#include "train/trainer.h"

static const char *const optimizers[] = {"adam", "sgd", NULL};

#define FIELD(key) offsetof(advlab_train_config, key)

static const advlab__cfg_field train_fields[] = {
    {"optimizer", ADVLAB__CFG_CHOICE, FIELD(optimizer), ADVLAB_OPT_ADAM, 0, 0, 0, 0, optimizers,
     "adam or sgd"},
    {"lr", ADVLAB__CFG_FLOAT, FIELD(lr), 0.01, 0, 10, ADVLAB__CFG_MIN_OPEN, 0, NULL,
     "learning rate"},
    {"momentum", ADVLAB__CFG_FLOAT, FIELD(momentum), 0.9, 0, 1, ADVLAB__CFG_MAX_OPEN, 0, NULL,
     "SGD's momentum"},
    {"beta1", ADVLAB__CFG_FLOAT, FIELD(beta1), 0.9, 0, 1, ADVLAB__CFG_MAX_OPEN, 0, NULL,
     "Adam's first-moment decay"},
    {"beta2", ADVLAB__CFG_FLOAT, FIELD(beta2), 0.999, 0, 1, ADVLAB__CFG_MAX_OPEN, 0, NULL,
     "Adam's second-moment decay"},
    {"epsilon", ADVLAB__CFG_FLOAT, FIELD(epsilon), 1e-7, 0, 1,
     ADVLAB__CFG_MIN_OPEN | ADVLAB__CFG_MAX_OPEN, 0, NULL, "Adam's epsilon"},
    {"epochs", ADVLAB__CFG_INT, FIELD(epochs), 20, 1, 10000, 0, 0, NULL, "passes over the data"},
    {"batch", ADVLAB__CFG_INT, FIELD(batch), 64, 1, 65536, 0, 0, NULL,
     "images per step (at most the net's max_batch)"},
    {"seed", ADVLAB__CFG_SEED, FIELD(seed), 1, 0, 0, 0, 0, NULL, "shuffling"},
    {"limit", ADVLAB__CFG_INT, FIELD(limit), 0, 0, INT_MAX, 0, 0, NULL,
     "train on the first N samples; 0: all"},
    {"shards", ADVLAB__CFG_INT, FIELD(shards), 1, 1, ADVLAB__MAX_SHARDS, 0, 0, NULL,
     "a power of two: each batch's gradient summed over this many shards, which workers or "
     "threads may share out"},
};

const advlab__cfg_spec advlab__train_spec =
    ADVLAB__CFG_SPEC("train config", advlab_train_config, NULL, 0, train_fields, NULL);
/* PCG stream of the dataset trainer's shuffle (the net's init is stream 1). */
#define SHUFFLE_STREAM 2

void advlab_train_config_default(advlab_train_config *cfg)
{
    advlab__cfg_defaults(&advlab__train_spec, NULL, cfg); /* cannot fail: no kinds */
}

advlab_status advlab_train_config_set(advlab_train_config *cfg, const char *key, double value)
{
    return advlab__cfg_set(&advlab__train_spec, cfg, key, value);
}

/* What the weights file will say about how they were made. */
void advlab__trainer_record(advlab_trainer *t)
{
    const advlab_train_config *c = &t->cfg;
    char text[256];
    if (c->optimizer == ADVLAB_OPT_ADAM)
        snprintf(
            text, sizeof text,
            "adam lr=%g beta1=%g beta2=%g epsilon=%g batch=%d seed=%llu samples=%d epochs=%d/%d",
            (double)c->lr, (double)c->beta1, (double)c->beta2, (double)c->epsilon, c->batch,
            (unsigned long long)c->seed, t->n, t->epoch, c->epochs);
    else
        snprintf(text, sizeof text,
                 "sgd lr=%g momentum=%g batch=%d seed=%llu samples=%d epochs=%d/%d", (double)c->lr,
                 (double)c->momentum, c->batch, (unsigned long long)c->seed, t->n, t->epoch,
                 c->epochs);
    if (c->shards > 1) /* the sum's tree is part of the recipe: other shards, other bits */
        snprintf(text + strlen(text), sizeof text - strlen(text), " shards=%d", c->shards);
    advlab_net_set_meta(t->net, "training", text);
    char defence[512] = "none";
    if (t->hook.apply)
        t->hook.describe(t->hook.self, defence, sizeof defence);
    advlab_net_set_meta(t->net, "defence", defence);
}

void advlab__trainer_start_epoch(advlab_trainer *t)
{
    t->epoch_rng = t->rng;
    for (int i = 0; i < t->n; i++)
        t->order[i] = i;
    advlab__rng_shuffle(&t->rng, t->order, t->n);
    t->batch = 0;
    t->loss_sum = 0.0;
    t->correct = t->seen = 0;
    t->seconds = 0.0;
}

static void gather_dataset(const void *ds, const int32_t *idx, int n, float *x, int32_t *y)
{
    advlab_dataset_gather(ds, idx, n, x, y);
}

advlab_status advlab__dataset_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                             const advlab_train_config *cfg, advlab_trainer **out)
{
    if (!net || !cfg)
        return advlab__fail(ADVLAB_E_ARG, "trainer: net and config are required");
    TRY(advlab__net_check_dataset(net, ds));
    advlab_sample_source src = {advlab_dataset_count(ds), gather_dataset, ds};
    return advlab__trainer_create(net, &src, cfg, SHUFFLE_STREAM, out);
}

advlab_status advlab_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                    const advlab_train_config *cfg, advlab_trainer **out)
{
    TRY(advlab__dataset_trainer_create(net, ds, cfg, out));
    advlab__trainer_record(*out);
    return ADVLAB_OK;
}

advlab_status advlab__trainer_create(advlab_net *net, const advlab_sample_source *src,
                                     const advlab_train_config *cfg, uint64_t shuffle_stream,
                                     advlab_trainer **out)
{
    if (cfg->batch < 1 || cfg->batch > net->max_batch) /* the table's bound is the largest net's */
        return advlab__fail(ADVLAB_E_ARG,
                            "train config: batch %d is out of range 1..%d (the net's max_batch)",
                            cfg->batch, net->max_batch);
    TRY(advlab__cfg_check(&advlab__train_spec, cfg));
    if (cfg->shards & (cfg->shards - 1))
        return advlab__fail(ADVLAB_E_ARG, "train config: shards %d is not a power of two",
                            cfg->shards);
    int n = src->count;
    if (cfg->limit > 0 && cfg->limit < n)
        n = cfg->limit;

    advlab_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return advlab__fail(ADVLAB_E_NOMEM, "trainer");
    advlab_status st = advlab__optim_init(&t->opt, cfg, net->n_params);
    if (st) {
        free(t);
        return st;
    }
    t->order = malloc(sizeof(int32_t) * n);
    t->x = advlab__aligned_alloc(sizeof(float) * cfg->batch * net->in_size);
    t->y = malloc(sizeof(int32_t) * cfg->batch);
    if (!t->order || !t->x || !t->y) {
        advlab_trainer_free(t);
        return advlab__fail(ADVLAB_E_NOMEM, "trainer buffers for %d samples", n);
    }
    for (int s = cfg->shards; s > 1; s >>= 1)
        t->levels++;
    if (t->levels) {
        t->tree = advlab__aligned_alloc(sizeof(float) * (t->levels + 1) *
                                        advlab__line_floats(net->n_params));
        if (!t->tree) {
            advlab_trainer_free(t);
            return advlab__fail(ADVLAB_E_NOMEM, "trainer: %d shards' sums", cfg->shards);
        }
    }
    t->net = net, t->src = *src, t->cfg = *cfg, t->n = n;
    t->batches_per_epoch =
        (n + cfg->batch - 1) / cfg->batch; /* the last batch may be short, as in Keras */
    advlab__rng_seed(&t->rng, cfg->seed, shuffle_stream);
    advlab__trainer_start_epoch(t);
    *out = t;
    return ADVLAB_OK;
}

void advlab__trainer_set_hook(advlab_trainer *t, const advlab_batch_hook *hook) { t->hook = *hook; }

void advlab_trainer_free(advlab_trainer *t)
{
    if (!t)
        return;
    advlab__optim_free(&t->opt);
    if (t->hook.apply)
        t->hook.free(t->hook.self);
    free(t->order);
    free(t->x);
    free(t->y);
    free(t->tree);
    free(t);
}

advlab_status advlab_trainer_continue_optimizer(advlab_trainer *t, const advlab_trainer *from)
{
    if (!t || !from)
        return advlab__fail(ADVLAB_E_ARG, "continue optimizer: both trainers are required");
    if (t->opt.kind != from->opt.kind || t->opt.n != from->opt.n)
        return advlab__fail(
            ADVLAB_E_ARG, "continue optimizer: %s over %zu parameters cannot continue %s over %zu",
            t->opt.kind == ADVLAB_OPT_ADAM ? "adam" : "sgd", t->opt.n,
            from->opt.kind == ADVLAB_OPT_ADAM ? "adam" : "sgd", from->opt.n);
    if (t->epoch > 0 || t->batch > 0)
        return advlab__fail(ADVLAB_E_ARG, "continue optimizer: the trainer has already run");
    advlab__optim_copy_state(&t->opt, &from->opt);
    return ADVLAB_OK;
}

int advlab_trainer_finished(const advlab_trainer *t) { return t->epoch >= t->cfg.epochs; }

static void report(const advlab_trainer *t, int epoch_done, advlab_train_progress *p)
{
    *p = (advlab_train_progress){
        .epoch = t->epoch + (epoch_done ? 0 : 1),
        .epochs = t->cfg.epochs,
        .batch_in_epoch = epoch_done ? t->batches_per_epoch : t->batch,
        .batches_per_epoch = t->batches_per_epoch,
        .epoch_done = epoch_done,
        .loss = t->seen ? t->loss_sum / t->seen : 0.0,
        .accuracy = t->seen ? (double)t->correct / t->seen : 0.0,
        .images_per_sec = t->seconds > 0.0 ? t->seen / t->seconds : 0.0,
    };
}

/* Rows in the current batch (the last of an epoch may be short). */
static int batch_rows(const advlab_trainer *t)
{
    int first = t->batch * t->cfg.batch;
    return t->n - first < t->cfg.batch ? t->n - first : t->cfg.batch;
}

/* Ends a batch whose summed gradient is in the net's grads and whose rows
 * lost loss_sum in all: the hook's finish, the optimizer's step unless the
 * loss diverged, the counts, the hook's end of batch. */
static advlab_status end_batch(advlab_trainer *t, double loss_sum, int correct, int m)
{
    if (t->hook.finish_gradient)
        t->hook.finish_gradient(t->hook.self, t->net);
    double loss = loss_sum / m;
    if (!isfinite(loss))
        return advlab__fail(ADVLAB_E_NUMERIC,
                            "training diverged at epoch %d, batch %d: the loss is %s; the weights "
                            "are kept as they were before this batch (try a lower lr)",
                            t->epoch + 1, t->batch + 1, isnan(loss) ? "NaN" : "infinite");
    advlab__optim_step(&t->opt, t->net->params, t->net->grads);
    t->loss_sum += loss_sum;
    t->correct += correct;
    t->seen += m;
    t->batch++;
    if (t->hook.end_batch)
        t->hook.end_batch(t->hook.self);
    if (t->levels) /* the streams the next batch's shards fork from */
        for (int i = 0; i < t->hook.n_rngs; i++)
            advlab__rng_u32(t->hook.rngs[i]);
    return ADVLAB_OK;
}

/* The end of a chunk of batches: the epoch's, when it is done, and the progress. */
static advlab_status end_chunk(advlab_trainer *t, advlab_train_progress *progress)
{
    int epoch_done = t->batch == t->batches_per_epoch, stop = 0;
    if (epoch_done) {
        t->epoch++;
        advlab_status st =
            t->hook.end_epoch ? t->hook.end_epoch(t->hook.self, t->epoch, &stop) : ADVLAB_OK;
        if (st)
            return st;
    }
    if (progress) /* about the epoch just done, even when the hook ends the run there */
        report(t, epoch_done, progress);
    if (stop)
        t->epoch = t->cfg.epochs;
    if (epoch_done)
        advlab__trainer_record(t);
    if (epoch_done && !advlab_trainer_finished(t))
        advlab__trainer_start_epoch(t);
    return ADVLAB_OK;
}

/* One batch on one trainer, unsharded: the hook's rewrite and step on all m rows. */
static advlab_status whole_batch(advlab_trainer *t)
{
    int first = t->batch * t->cfg.batch, m = batch_rows(t);
    t->src.gather(t->src.data, t->order + first, m, t->x, t->y);
    TRY(t->hook.apply ? t->hook.apply(t->hook.self, t->x, t->y, m) : ADVLAB_OK);
    int correct;
    double loss = t->hook.step ? t->hook.step(t->hook.self, t->net, t->x, t->y, m, &correct)
                               : advlab__net_train_step_grad(t->net, t->x, t->y, m, &correct);
    return end_batch(t, loss * m, correct, m);
}

/* ------------------------------------------------------------- shards */

/* Shard k's gradient: its mean in the net's grads, and its rows, summed loss
 * and correct predictions in part (not its gradient), with the hook's streams
 * forked to the shard's own. Returns with part->rows 0, and the grads as they
 * were, for a short batch with fewer rows than shards. */
static advlab_status shard_gradient(advlab_trainer *t, int k, advlab_gradient_part *part)
{
    int S = t->cfg.shards, m = batch_rows(t);
    int lo = (int)((int64_t)k * m / S), hi = (int)((int64_t)(k + 1) * m / S), rows = hi - lo;
    part->rows = rows, part->correct = 0, part->loss = 0.0;
    if (rows == 0)
        return ADVLAB_OK;
    float *x = t->x + (size_t)lo * t->net->in_size;
    int32_t *y = t->y + lo;
    t->src.gather(t->src.data, t->order + t->batch * t->cfg.batch + lo, rows, x, y);
    int streams = t->levels ? t->hook.n_rngs : 0; /* one shard is the whole batch: no fork */
    for (int i = 0; i < streams; i++) {
        t->rng_base[i] = *t->hook.rngs[i];
        advlab__rng_fork(t->hook.rngs[i], &t->rng_base[i], (uint64_t)k);
    }
    advlab_status st = t->hook.apply ? t->hook.apply(t->hook.self, x, y, rows) : ADVLAB_OK;
    double loss = 0.0;
    if (!st)
        loss = t->hook.step ? t->hook.step(t->hook.self, t->net, x, y, rows, &part->correct)
                            : advlab__net_train_step_grad(t->net, x, y, rows, &part->correct);
    for (int i = 0; i < streams; i++)
        *t->hook.rngs[i] = t->rng_base[i];
    TRY(st);
    part->loss = loss * rows;
    return ADVLAB_OK;
}

/* A shard's share of the batch, which its mean gradient is scaled by. */
static float shard_share(const advlab_trainer *t, const advlab_gradient_part *shard)
{
    return (float)shard->rows / (float)batch_rows(t);
}

/* Shard k's leaf into part: the shard's mean gradient times its share of
 * the batch. */
static advlab_status shard_leaf(advlab_trainer *t, int k, advlab_gradient_part *part)
{
    TRY(shard_gradient(t, k, part));
    size_t P = t->net->n_params;
    if (part->rows == 0) {
        memset(part->grad, 0, sizeof(float) * P);
        return ADVLAB_OK;
    }
    float share = shard_share(t, part);
    for (size_t i = 0; i < P; i++)
        part->grad[i] = t->net->grads[i] * share;
    return ADVLAB_OK;
}

/* The tree's scratch for the right child of a node at `level`. */
static float *right_child(const advlab_trainer *t, int level)
{
    return t->tree + (size_t)level * advlab__line_floats(t->net->n_params);
}

/* left's counts += right's. */
static void add_counts(advlab_gradient_part *left, const advlab_gradient_part *right)
{
    left->loss += right->loss;
    left->rows += right->rows;
    left->correct += right->correct;
}

/* left += right, the one way two nodes are summed. */
static void add_node(advlab_gradient_part *left, const advlab_gradient_part *right, size_t P)
{
    k_add(left->grad, right->grad, P);
    add_counts(left, right);
}

/* Node (level, index) made from its shards into part. A right child that is a
 * shard is added as it is scaled, not first scaled into the tree's scratch:
 * the same bits (k_add_scaled), and on a wide net two passes over its
 * gradient fewer (Madry's: 4.4 MB each). */
static advlab_status make_node(advlab_trainer *t, int level, int index, advlab_gradient_part *part)
{
    part->level = level, part->index = index;
    if (level == 0)
        return shard_leaf(t, index, part);
    TRY(make_node(t, level - 1, 2 * index, part));
    advlab_gradient_part right = {.grad = right_child(t, level)};
    if (level == 1) {
        TRY(shard_gradient(t, 2 * index + 1, &right));
        if (right.rows)
            k_add_scaled(part->grad, t->net->grads, shard_share(t, &right), t->net->n_params);
        add_counts(part, &right);
    } else {
        TRY(make_node(t, level - 1, 2 * index + 1, &right));
        add_node(part, &right, t->net->n_params);
    }
    part->level = level, part->index = index;
    return ADVLAB_OK;
}

/* A hook that keeps state across a batch's rows cannot be cut into shards. */
static advlab_status check_shardable(const advlab_trainer *t)
{
    if (!t->levels || !t->hook.apply || t->hook.shardable)
        return ADVLAB_OK;
    char what[512];
    t->hook.describe(t->hook.self, what, sizeof what);
    return advlab__fail(ADVLAB_E_ARG, "train config: shards %d: this trainer (%s) runs unsharded",
                        t->cfg.shards, what);
}

/* One batch on one trainer, sharded: every shard here, summed over the tree. */
static advlab_status sharded_batch(advlab_trainer *t)
{
    /* The leaves use the net's grads as they go: the root is summed in the tree's slot 0. */
    advlab_gradient_part root = {.grad = t->tree};
    TRY(make_node(t, t->levels, 0, &root));
    memcpy(t->net->grads, root.grad, sizeof(float) * t->net->n_params);
    return end_batch(t, root.loss, root.correct, root.rows);
}

advlab_status advlab_trainer_run(advlab_trainer *t, int max_batches,
                                 advlab_train_progress *progress)
{
    if (advlab_trainer_finished(t))
        return advlab__fail(ADVLAB_E_ARG, "trainer: all %d epochs are done", t->cfg.epochs);
    if (max_batches < 1)
        return advlab__fail(ADVLAB_E_ARG, "max_batches %d must be at least 1", max_batches);
    TRY(check_shardable(t));
    double start = advlab__now_seconds();
    for (int done = 0; done < max_batches && t->batch < t->batches_per_epoch; done++) {
        advlab_status st = t->levels ? sharded_batch(t) : whole_batch(t);
        if (st) {
            t->seconds += advlab__now_seconds() - start;
            return st;
        }
    }
    t->seconds += advlab__now_seconds() - start;
    return end_chunk(t, progress);
}

/* ------------------------------------------- shards across replicas */

int advlab_trainer_shards(const advlab_trainer *t) { return t ? t->cfg.shards : 0; }

/* The largest aligned node that starts at `first` and ends by `end`: its level. */
static int node_level(int first, int end)
{
    int level = 0;
    while (first % (2 << level) == 0 && first + (2 << level) <= end)
        level++;
    return level;
}

int advlab_gradient_part_count(int first, int count)
{
    int parts = 0;
    for (int k = first; count > 0 && first >= 0 && k < first + count; parts++)
        k += 1 << node_level(k, first + count);
    return parts;
}

advlab_status advlab_trainer_shard_gradient(advlab_trainer *t, int first, int count,
                                            advlab_gradient_part *parts)
{
    if (!t || !parts)
        return advlab__fail(ADVLAB_E_ARG, "shard gradient: the trainer and parts are required");
    if (advlab_trainer_finished(t))
        return advlab__fail(ADVLAB_E_ARG, "shard gradient: all %d epochs are done", t->cfg.epochs);
    int S = t->cfg.shards;
    if (first < 0 || count < 1 || first > S - count)
        return advlab__fail(ADVLAB_E_ARG,
                            "shard gradient: shards %d..%d are not within this trainer's 0..%d",
                            first, first + count - 1, S - 1);
    TRY(check_shardable(t));
    double start = advlab__now_seconds();
    advlab_status st = ADVLAB_OK;
    for (int k = first, i = 0; !st && k < first + count; i++) {
        int level = node_level(k, first + count);
        if (!parts[i].grad) {
            st = advlab__fail(ADVLAB_E_ARG, "shard gradient: part %d has no gradient buffer", i);
            break;
        }
        st = make_node(t, level, k >> level, &parts[i]);
        k += 1 << level;
    }
    t->seconds += advlab__now_seconds() - start;
    return st;
}

advlab_status advlab_train(advlab_net *net, const advlab_dataset *ds,
                           const advlab_train_config *cfg, advlab_epoch_callback on_epoch,
                           void *user)
{
    advlab_trainer *t = NULL;
    advlab_status st = advlab_trainer_create(net, ds, cfg, &t);
    while (!st && !advlab_trainer_finished(t)) {
        advlab_train_progress p;
        st = advlab_trainer_run(t, t->batches_per_epoch, &p);
        if (!st && on_epoch)
            on_epoch(&p, user);
    }
    advlab_trainer_free(t);
    return st;
}

/* The part that is node (level, index) of the tree, or NULL. */
static const advlab_gradient_part *part_at(const advlab_gradient_part *parts, int n, int level,
                                           int index)
{
    for (int i = 0; i < n; i++)
        if (parts[i].level == level && parts[i].index == index)
            return &parts[i];
    return NULL;
}

/* Sums node (level, index) of the tree from the parts into total->grad, and
 * its counts into total; each node of the tree is in at most one part
 * (checked by the caller). A node whose children are both parts is summed in
 * one pass (k_sum): with two workers, the whole of the step's sum. */
static void sum_node(advlab_trainer *t, const advlab_gradient_part *parts, int n, int level,
                     int index, advlab_gradient_part *total)
{
    size_t P = t->net->n_params;
    float *grad = total->grad;
    const advlab_gradient_part *whole = part_at(parts, n, level, index);
    if (whole) {
        *total = *whole;
        total->grad = grad;
        memcpy(grad, whole->grad, sizeof(float) * P);
        return;
    }
    const advlab_gradient_part *left = part_at(parts, n, level - 1, 2 * index),
                               *right = part_at(parts, n, level - 1, 2 * index + 1);
    if (left && right) {
        *total = *left;
        total->grad = grad;
        k_sum(grad, left->grad, right->grad, P);
        add_counts(total, right);
    } else {
        sum_node(t, parts, n, level - 1, 2 * index, total);
        advlab_gradient_part sum = {.grad = right_child(t, level)};
        if (!right) /* a right child that is a part is added as it is, not copied first */
            sum_node(t, parts, n, level - 1, 2 * index + 1, &sum);
        add_node(total, right ? right : &sum, P);
    }
    total->level = level, total->index = index;
}

/* Parts from outside (another replica's message) must each be a node of the
 * tree, together cover every shard once, and hold this batch's rows. */
static advlab_status check_parts(const advlab_trainer *t, const advlab_gradient_part *parts, int n)
{
    int S = t->cfg.shards, rows = 0;
    uint64_t covered = 0; /* a bit per shard: at most ADVLAB__MAX_SHARDS = 64 */
    for (int i = 0; i < n; i++) {
        int level = parts[i].level, index = parts[i].index;
        if (level < 0 || level > t->levels || index < 0 || index >= S >> level || !parts[i].grad)
            return advlab__fail(ADVLAB_E_ARG,
                                "step: part %d (level %d, index %d) is not a node of the tree "
                                "of %d shards",
                                i, level, index, S);
        int width = 1 << level;
        uint64_t mask = (width == 64 ? ~0ull : (1ull << width) - 1) << (index << level);
        if (covered & mask)
            return advlab__fail(ADVLAB_E_ARG, "step: part %d covers a shard twice", i);
        covered |= mask;
        rows += parts[i].rows;
    }
    if (covered != (S == 64 ? ~0ull : (1ull << S) - 1))
        return advlab__fail(ADVLAB_E_ARG, "step: the parts miss shards of the %d", S);
    if (rows != batch_rows(t))
        return advlab__fail(ADVLAB_E_ARG, "step: the parts hold %d rows, and this batch %d", rows,
                            batch_rows(t));
    return ADVLAB_OK;
}

/* A gradient from outside with a NaN or an infinity would spread to every
 * weight. The sum holds one wherever a part does (or where finite parts
 * overflowed), so it is checked once, and the parts only to say which. */
static advlab_status check_sum(const advlab_trainer *t, const advlab_gradient_part *parts, int n)
{
    size_t P = t->net->n_params, at = k_first_nonfinite(t->net->grads, P);
    if (at == P)
        return ADVLAB_OK;
    for (int i = 0; i < n; i++) {
        size_t j = k_first_nonfinite(parts[i].grad, P);
        if (j < P)
            return advlab__fail(ADVLAB_E_NUMERIC, "step: part %d: gradient entry %zu is %s", i, j,
                                isnan(parts[i].grad[j]) ? "NaN" : "infinite");
    }
    return advlab__fail(ADVLAB_E_NUMERIC, "step: the parts' sum: gradient entry %zu is infinite",
                        at);
}

advlab_status advlab_trainer_step(advlab_trainer *t, const advlab_gradient_part *parts, int n,
                                  advlab_train_progress *progress)
{
    if (!t || !parts || n < 1)
        return advlab__fail(ADVLAB_E_ARG, "step: the trainer and parts are required");
    if (advlab_trainer_finished(t))
        return advlab__fail(ADVLAB_E_ARG, "step: all %d epochs are done", t->cfg.epochs);
    TRY(check_parts(t, parts, n));
    double start = advlab__now_seconds();
    advlab_gradient_part total = {.grad = t->net->grads};
    sum_node(t, parts, n, t->levels, 0, &total);
    advlab_status st = check_sum(t, parts, n);
    if (!st)
        st = end_batch(t, total.loss, total.correct, total.rows);
    t->seconds += advlab__now_seconds() - start;
    if (st)
        return st;
    return t->batch == t->batches_per_epoch || progress ? end_chunk(t, progress) : ADVLAB_OK;
}
