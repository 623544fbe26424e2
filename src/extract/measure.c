/* Scores a theft on test images: the victim's accuracy behind its
 * post-processor, the thief's accuracy, their agreement (fidelity), and the
 * black-box transfer attack of Papernot et al. 2017: FGSM made on the thief
 * with the true labels, shown to the victim, beside FGSM made on the victim
 * itself. These are the experimenter's calls, not the thief's: they are not
 * counted against the budget. */
#include <stdlib.h>

#include "base/error.h"
#include "extract/extract.h"
#include "nn/net.h"

#define CHUNK 256

typedef struct {
    long right, thief_right, agree, victim_right, transferred, whitebox;
} tally;

/* The victim's answers (argmax behind its post-processor) for n images. */
static advlab_status victim_labels(advlab_extraction *e, const float *x, int n, float *probs,
                                   int32_t *out)
{
    advlab_net *v = e->victim.net;
    int classes = advlab_net_classes(v);
    TRY(advlab_net_predict(v, x, n, probs));
    if (e->victim.post)
        TRY(advlab_postprocess(e->victim.post, probs, n, classes, probs));
    for (int i = 0; i < n; i++)
        out[i] = advlab__argmax(probs + (size_t)i * classes, classes);
    return ADVLAB_OK;
}

static advlab_status thief_labels(advlab_extraction *e, const float *x, int n, float *probs,
                                  int32_t *out)
{
    int classes = advlab_net_classes(e->thief);
    TRY(advlab_net_predict(e->thief, x, n, probs));
    for (int i = 0; i < n; i++)
        out[i] = advlab__argmax(probs + (size_t)i * classes, classes);
    return ADVLAB_OK;
}

typedef struct {
    float *x, *adv, *probs;
    int32_t *idx, *y, *victim, *thief, *after;
    advlab_attack *on_thief, *on_victim;
} buffers;

static advlab_status chunk(advlab_extraction *e, const advlab_dataset *test, int first, int n,
                           buffers *b, tally *t)
{
    for (int i = 0; i < n; i++)
        b->idx[i] = first + i;
    advlab_dataset_gather(test, b->idx, n, b->x, b->y);
    TRY(victim_labels(e, b->x, n, b->probs, b->victim));
    TRY(thief_labels(e, b->x, n, b->probs, b->thief));
    for (int i = 0; i < n; i++) {
        t->victim_right += b->victim[i] == b->y[i];
        t->thief_right += b->thief[i] == b->y[i];
        t->agree += b->victim[i] == b->thief[i];
    }
    TRY(advlab_attack_run(b->on_thief, b->x, b->y, n, b->adv));
    TRY(victim_labels(e, b->adv, n, b->probs, b->after));
    for (int i = 0; i < n; i++)
        t->transferred += b->victim[i] == b->y[i] && b->after[i] != b->y[i];
    TRY(advlab_attack_run(b->on_victim, b->x, b->y, n, b->adv));
    TRY(victim_labels(e, b->adv, n, b->probs, b->after));
    for (int i = 0; i < n; i++)
        t->whitebox += b->victim[i] == b->y[i] && b->after[i] != b->y[i];
    return ADVLAB_OK;
}

static advlab_status measure(advlab_extraction *e, const advlab_dataset *test, int n, float eps,
                             buffers *b, tally *t)
{
    advlab_attack_config fgsm;
    TRY(advlab_attack_config_default("fgsm", &fgsm));
    fgsm.eps = eps;
    TRY(advlab_attack_create(e->thief, &fgsm, &b->on_thief));
    TRY(advlab_attack_create(e->victim.net, &fgsm, &b->on_victim));
    for (int first = 0; first < n; first += CHUNK)
        TRY(chunk(e, test, first, n - first < CHUNK ? n - first : CHUNK, b, t));
    return ADVLAB_OK;
}

advlab_status advlab_extraction_measure(advlab_extraction *e, const advlab_dataset *test, int limit,
                                        advlab_extract_report *out)
{
    if (!e || !test || !out)
        return advlab__fail(ADVLAB_E_ARG, "advlab_extraction_measure: %s is NULL",
                            !e      ? "the extraction"
                            : !test ? "test"
                                    : "out");
    if (!advlab_extraction_finished(e))
        return advlab__fail(ADVLAB_E_ARG,
                            "advlab_extraction_measure: the thief is not trained yet");
    TRY(advlab__net_check_dataset(e->victim.net, test));
    int n = advlab_dataset_count(test);
    if (limit > 0 && limit < n)
        n = limit;
    buffers b = {0};
    b.x = malloc(sizeof(float) * CHUNK * 784);
    b.adv = malloc(sizeof(float) * CHUNK * 784);
    b.probs = malloc(sizeof(float) * CHUNK * (size_t)advlab_net_classes(e->thief));
    b.idx = malloc(sizeof(int32_t) * CHUNK * 5);
    tally t = {0};
    advlab_status st = ADVLAB_OK;
    if (!b.x || !b.adv || !b.probs || !b.idx)
        st = advlab__fail(ADVLAB_E_NOMEM, "extraction measure buffers");
    else {
        b.y = b.idx + CHUNK, b.victim = b.y + CHUNK, b.thief = b.victim + CHUNK;
        b.after = b.thief + CHUNK;
        st = measure(e, test, n, e->cfg.eps, &b, &t);
    }
    advlab_attack_free(b.on_thief);
    advlab_attack_free(b.on_victim);
    free(b.x);
    free(b.adv);
    free(b.probs);
    free(b.idx);
    if (st != ADVLAB_OK)
        return st;
    *out = (advlab_extract_report){
        .queries = e->victim.queries,
        .victim_accuracy = (double)t.victim_right / n,
        .thief_accuracy = (double)t.thief_right / n,
        .fidelity = (double)t.agree / n,
        .transfer_rate = t.victim_right ? (double)t.transferred / t.victim_right : 0.0,
        .whitebox_rate = t.victim_right ? (double)t.whitebox / t.victim_right : 0.0,
    };
    return ADVLAB_OK;
}
