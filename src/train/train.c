/* The training loop: shuffle, gather a batch, let the batch hook (if any)
 * rewrite it, forward/backward, step. It runs in chunks of batches so a Web
 * Worker can yield between them. Samples come from a dataset here, or from
 * any advlab_sample_source through advlab__trainer_create. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "base/config.h"
#include "base/error.h"
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
    t->x = malloc(sizeof(float) * cfg->batch * net->in_size);
    t->y = malloc(sizeof(int32_t) * cfg->batch);
    if (!t->order || !t->x || !t->y) {
        advlab_trainer_free(t);
        return advlab__fail(ADVLAB_E_NOMEM, "trainer buffers for %d samples", n);
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

advlab_status advlab_trainer_run(advlab_trainer *t, int max_batches,
                                 advlab_train_progress *progress)
{
    if (advlab_trainer_finished(t))
        return advlab__fail(ADVLAB_E_ARG, "trainer: all %d epochs are done", t->cfg.epochs);
    if (max_batches < 1)
        return advlab__fail(ADVLAB_E_ARG, "max_batches %d must be at least 1", max_batches);
    double start = advlab__now_seconds();
    for (int done = 0; done < max_batches && t->batch < t->batches_per_epoch; done++) {
        int first = t->batch * t->cfg.batch;
        int m = t->n - first < t->cfg.batch ? t->n - first : t->cfg.batch;
        t->src.gather(t->src.data, t->order + first, m, t->x, t->y);
        advlab_status st = t->hook.apply ? t->hook.apply(t->hook.self, t->x, t->y, m) : ADVLAB_OK;
        if (st) {
            t->seconds += advlab__now_seconds() - start;
            return st;
        }
        int correct;
        double loss = t->hook.step ? t->hook.step(t->hook.self, t->net, t->x, t->y, m, &correct)
                                   : advlab__net_train_step_grad(t->net, t->x, t->y, m, &correct);
        if (!isfinite(loss)) {
            t->seconds += advlab__now_seconds() - start;
            return advlab__fail(
                ADVLAB_E_NUMERIC,
                "training diverged at epoch %d, batch %d: the loss is %s; the weights are "
                "kept as they were before this batch (try a lower lr)",
                t->epoch + 1, t->batch + 1, isnan(loss) ? "NaN" : "infinite");
        }
        advlab__optim_step(&t->opt, t->net->params, t->net->grads);
        t->loss_sum += loss * m;
        t->correct += correct;
        t->seen += m;
        t->batch++;
    }
    t->seconds += advlab__now_seconds() - start;
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
