/* A trainer's checkpoint state: save it, and restore it only once every byte
 * has been checked against the trainer it goes into.
 *
 * Layout (host byte order; both targets are little-endian):
 *   header  magic "advlabTS", version, the settings that define the run
 *           (arch, defence, optimizer and its hyper-parameters, seed,
 *           samples, batch, epochs, shards) and the count of the batch hook's words
 *   place   epoch, batch, the RNG as it was before this epoch's shuffle,
 *           the epoch's loss sum, correct and seen counts, Adam's beta^t
 *   words   the batch hook's state (adversarial training: its source and RNGs)
 *   floats  the optimizer's m and v, one per parameter each
 * Restoring the RNG from before the shuffle and re-shuffling rebuilds this
 * epoch's order, so a state taken mid-epoch (on pause) resumes exactly too. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "nn/net.h"
#include "train/trainer.h"

#define MAGIC "advlabTS"
#define VERSION 2u /* 2: shards */
#define DEFENCE_MAX 512

typedef struct {
    char magic[8];
    uint32_t version, optimizer;
    char arch[ADVLAB_ARCH_MAX];
    char defence[DEFENCE_MAX];
    uint64_t n_params, seed;
    int32_t samples, batch, epochs, hook_words, shards;
    float lr, momentum, beta1, beta2, epsilon;
} state_header;

typedef struct {
    int32_t epoch, batch;
    uint64_t rng_state, rng_inc;
    double loss_sum;
    int64_t correct, seen;
    double beta1_t, beta2_t;
} state_place;

static int hook_words(const advlab_trainer *t)
{
    return t->hook.apply ? t->hook.state_words(t->hook.self) : 0;
}

/* The header this trainer would write; zeroed first so padding compares equal. */
static void make_header(const advlab_trainer *t, state_header *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, MAGIC, sizeof h->magic);
    h->version = VERSION;
    h->optimizer = (uint32_t)t->cfg.optimizer;
    snprintf(h->arch, sizeof h->arch, "%s", advlab_net_arch(t->net));
    if (t->hook.apply)
        t->hook.describe(t->hook.self, h->defence, sizeof h->defence);
    else
        snprintf(h->defence, sizeof h->defence, "none");
    h->n_params = t->opt.n;
    h->seed = t->cfg.seed;
    h->samples = t->n, h->batch = t->cfg.batch, h->epochs = t->cfg.epochs;
    h->hook_words = hook_words(t);
    h->shards = t->cfg.shards;
    h->lr = t->cfg.lr, h->momentum = t->cfg.momentum;
    h->beta1 = t->cfg.beta1, h->beta2 = t->cfg.beta2, h->epsilon = t->cfg.epsilon;
}

size_t advlab_trainer_state_size(const advlab_trainer *t)
{
    return sizeof(state_header) + sizeof(state_place) + sizeof(uint64_t) * hook_words(t) +
           2 * sizeof(float) * t->opt.n;
}

advlab_status advlab_trainer_state_save(const advlab_trainer *t, uint8_t *bytes, size_t len)
{
    if (!t || !bytes)
        return advlab__fail(ADVLAB_E_ARG,
                            "trainer state save: the trainer and a buffer are required");
    size_t need = advlab_trainer_state_size(t);
    if (len != need)
        return advlab__fail(ADVLAB_E_ARG,
                            "trainer state save: the buffer has %zu bytes, the state needs %zu",
                            len, need);
    state_header h;
    make_header(t, &h);
    state_place p = {t->epoch,   t->batch, t->epoch_rng.state, t->epoch_rng.inc, t->loss_sum,
                     t->correct, t->seen,  t->opt.beta1_t,     t->opt.beta2_t};
    uint8_t *at = bytes;
    memcpy(at, &h, sizeof h), at += sizeof h;
    memcpy(at, &p, sizeof p), at += sizeof p;
    if (t->hook.apply)
        t->hook.state_save(t->hook.self, at);
    at += sizeof(uint64_t) * h.hook_words;
    memcpy(at, t->opt.m, sizeof(float) * t->opt.n), at += sizeof(float) * t->opt.n;
    memcpy(at, t->opt.v, sizeof(float) * t->opt.n);
    return ADVLAB_OK;
}

/* Names the first setting in which the saved header differs from ours. */
static advlab_status check_settings(const state_header *saved, const state_header *ours)
{
    if (!memchr(saved->arch, 0, sizeof saved->arch) ||
        !memchr(saved->defence, 0, sizeof saved->defence))
        return advlab__fail(ADVLAB_E_FORMAT,
                            "trainer state: the arch or defence text is not terminated");
    if (strcmp(saved->arch, ours->arch))
        return advlab__fail(ADVLAB_E_ARG,
                            "trainer state: saved for arch \"%s\", this trainer trains \"%s\"",
                            saved->arch, ours->arch);
    if (strcmp(saved->defence, ours->defence))
        return advlab__fail(ADVLAB_E_ARG,
                            "trainer state: saved with defence \"%s\", this trainer has \"%s\"",
                            saved->defence, ours->defence);
#define SAME_INT(field)                                                                         \
    if (saved->field != ours->field)                                                            \
        return advlab__fail(ADVLAB_E_ARG,                                                       \
                            "trainer state: saved with " #field " %lld, this trainer has %lld", \
                            (long long)saved->field, (long long)ours->field);
/* Unsigned fields print as such: a seed of 2^63 or more is not negative. */
#define SAME_UNSIGNED(field)                                                                    \
    if (saved->field != ours->field)                                                            \
        return advlab__fail(ADVLAB_E_ARG,                                                       \
                            "trainer state: saved with " #field " %llu, this trainer has %llu", \
                            (unsigned long long)saved->field, (unsigned long long)ours->field);
#define SAME_FLOAT(field)                                                                   \
    if (memcmp(&saved->field, &ours->field, sizeof(float)))                                 \
        return advlab__fail(ADVLAB_E_ARG,                                                   \
                            "trainer state: saved with " #field " %g, this trainer has %g", \
                            (double)saved->field, (double)ours->field);
    SAME_UNSIGNED(optimizer)
    SAME_UNSIGNED(n_params)
    SAME_UNSIGNED(seed)
    SAME_INT(samples)
    SAME_INT(batch)
    SAME_INT(epochs)
    SAME_INT(hook_words)
    SAME_INT(shards)
    SAME_FLOAT(lr)
    SAME_FLOAT(momentum)
    SAME_FLOAT(beta1)
    SAME_FLOAT(beta2)
    SAME_FLOAT(epsilon)
#undef SAME_INT
#undef SAME_UNSIGNED
#undef SAME_FLOAT
    return ADVLAB_OK;
}

/* The place in the run must be one this trainer can reach. */
static advlab_status check_place(const advlab_trainer *t, const state_place *p)
{
    int finished = p->epoch == t->cfg.epochs;
    if (p->epoch < 0 || p->epoch > t->cfg.epochs)
        return advlab__fail(ADVLAB_E_FORMAT, "trainer state: epoch %d is out of range 0..%d",
                            p->epoch, t->cfg.epochs);
    /* A finished trainer stops after its last batch; any other starts its epoch at batch 0. */
    int last = finished ? t->batches_per_epoch : t->batches_per_epoch - 1;
    if (p->batch < (finished ? last : 0) || p->batch > last)
        return advlab__fail(ADVLAB_E_FORMAT, "trainer state: batch %d is out of range %d..%d",
                            p->batch, finished ? last : 0, last);
    long long seen = finished ? t->n : (long long)p->batch * t->cfg.batch;
    if (p->seen != seen || p->correct < 0 || p->correct > p->seen)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "trainer state: %lld correct of %lld seen does not fit batch %d "
                            "(expected %lld seen)",
                            (long long)p->correct, (long long)p->seen, p->batch, seen);
    if (!(p->rng_inc & 1))
        return advlab__fail(ADVLAB_E_FORMAT,
                            "trainer state: the shuffle RNG has an even increment");
    if (!isfinite(p->loss_sum) || p->loss_sum < 0.0)
        return advlab__fail(ADVLAB_E_NUMERIC, "trainer state: the epoch's loss sum is %g",
                            p->loss_sum);
    if (!(p->beta1_t > 0.0 && p->beta1_t <= 1.0 && p->beta2_t > 0.0 && p->beta2_t <= 1.0))
        return advlab__fail(ADVLAB_E_NUMERIC,
                            "trainer state: Adam's beta^t %g, %g are not in (0, 1]", p->beta1_t,
                            p->beta2_t);
    return ADVLAB_OK;
}

/* m and v (n floats each, at any alignment in bytes) must be finite, v >= 0. */
static advlab_status check_moments(const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < 2 * n; i++) {
        float x;
        memcpy(&x, bytes + sizeof(float) * i, sizeof x);
        int is_v = i >= n;
        if (!isfinite(x) || (is_v && x < 0.0f))
            return advlab__fail(ADVLAB_E_NUMERIC, "trainer state: optimizer moment %s[%zu] is %g",
                                is_v ? "v" : "m", is_v ? i - n : i, (double)x);
    }
    return ADVLAB_OK;
}

advlab_status advlab_trainer_state_restore(advlab_trainer *t, const uint8_t *bytes, size_t len)
{
    if (!t || (!bytes && len))
        return advlab__fail(ADVLAB_E_ARG,
                            "trainer state restore: the trainer and the bytes are required");
    state_header saved, ours;
    if (len < sizeof saved)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "trainer state: %zu bytes is too short for its %zu-byte header", len,
                            sizeof saved);
    memcpy(&saved, bytes, sizeof saved);
    if (memcmp(saved.magic, MAGIC, sizeof saved.magic))
        return advlab__fail(ADVLAB_E_FORMAT,
                            "trainer state: not an advlab trainer state (no \"%s\" magic)", MAGIC);
    if (saved.version != VERSION)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "trainer state: version %u, this build reads version %u", saved.version,
                            VERSION);
    make_header(t, &ours);
    TRY(check_settings(&saved, &ours));
    size_t need = advlab_trainer_state_size(t);
    if (len != need)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "trainer state: %zu bytes, expected %zu for %zu parameters", len, need,
                            t->opt.n);
    state_place p;
    memcpy(&p, bytes + sizeof saved, sizeof p);
    TRY(check_place(t, &p));
    const uint8_t *words = bytes + sizeof saved + sizeof p;
    const uint8_t *at = words + sizeof(uint64_t) * ours.hook_words;
    size_t n = t->opt.n;
    TRY(check_moments(at, n));
    if (t->hook.apply)
        TRY(t->hook.state_restore(t->hook.self, words));
    memcpy(t->opt.m, at, sizeof(float) * n);
    memcpy(t->opt.v, at + sizeof(float) * n, sizeof(float) * n);
    t->opt.beta1_t = p.beta1_t, t->opt.beta2_t = p.beta2_t;
    t->rng = (advlab_rng){p.rng_state, p.rng_inc};
    t->epoch = p.epoch;
    t->epoch_rng = t->rng;
    if (t->epoch < t->cfg.epochs)
        advlab__trainer_start_epoch(t);
    t->batch = p.batch;
    t->loss_sum = p.loss_sum;
    t->correct = (long)p.correct, t->seen = (long)p.seen;
    t->seconds = 0.0;
    advlab__trainer_record(t);
    return ADVLAB_OK;
}
