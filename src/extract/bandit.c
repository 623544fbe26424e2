/* KnockoffNets' adaptive sampling (ART's _adaptive_extraction): a gradient
 * bandit whose actions are the thief set's labels. Each query draws an
 * action from softmax(h), a random row with that label (with replacement),
 * asks the victim, takes one training step of the thief on that image and
 * its answer's argmax, and rewards the action:
 *   cert  the answer's top probability minus its second
 *   div   sum_k max(0, y_k - ybar_k), ybar the running mean answer
 *   loss  cross-entropy of softmax(thief's answer) against softmax(victim's)
 *         (ART applies softmax to both, though both are probabilities)
 *   all   the mean of the three, each standardised by its running mean and
 *         variance (clipped to [0,1] on the first query)
 * then h_a += (r - rbar) (1 - p_a) / pulls_a for the action and
 * h_b -= (r - rbar) p_b / pulls_a for the others. exp and log are our own
 * (base/mathf.h), so native and wasm choose the same rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/mathf.h"
#include "extract/extract.h"
#include "nn/net.h"

#define BANDIT_STREAM 0x62616e646974ull

void advlab__bandit_free(advlab__bandit *b)
{
    free(b->pool);
    free(b->pool_start);
    free(b->h);
    free(b->probs);
    free(b->pulls);
    advlab__optim_free(&b->opt);
    memset(b, 0, sizeof *b);
}

/* Groups the thief set's rows by label: actions are the labels present, in
 * increasing order, as np.unique gives them. */
static advlab_status make_pools(advlab__bandit *b, const advlab_dataset *ds)
{
    int count = advlab_dataset_count(ds), per_label[256] = {0};
    const uint8_t *labels = advlab_dataset_labels(ds);
    for (int i = 0; i < count; i++)
        per_label[labels[i]]++;
    int action_of[256];
    for (int l = 0; l < 256; l++)
        action_of[l] = per_label[l] ? b->actions++ : -1;
    b->pool = malloc(sizeof(int32_t) * (size_t)count);
    b->pool_start = calloc((size_t)b->actions + 1, sizeof(int32_t));
    b->h = calloc((size_t)b->actions, sizeof(double));
    b->probs = malloc(sizeof(double) * (size_t)b->actions);
    b->pulls = calloc((size_t)b->actions, sizeof(double));
    if (!b->pool || !b->pool_start || !b->h || !b->probs || !b->pulls)
        return advlab__fail(ADVLAB_E_NOMEM, "adaptive sampling over %d rows", count);
    for (int l = 0; l < 256; l++)
        if (per_label[l])
            b->pool_start[action_of[l] + 1] = per_label[l];
    for (int a = 0; a < b->actions; a++)
        b->pool_start[a + 1] += b->pool_start[a];
    int32_t *fill = calloc((size_t)b->actions, sizeof(int32_t));
    if (!fill)
        return advlab__fail(ADVLAB_E_NOMEM, "adaptive sampling over %d rows", count);
    for (int i = 0; i < count; i++) {
        int a = action_of[labels[i]];
        b->pool[b->pool_start[a] + fill[a]++] = i;
    }
    free(fill);
    for (int a = 0; a < b->actions; a++)
        b->probs[a] = 1.0 / b->actions;
    return ADVLAB_OK;
}

advlab_status advlab__bandit_init(advlab_extraction *e)
{
    advlab__bandit *b = &e->bandit;
    advlab__rng_seed(&e->rng, e->cfg.seed, BANDIT_STREAM);
    TRY(make_pools(b, e->thief_set));
    advlab_train_config tc;
    advlab_train_config_default(&tc);
    tc.lr = e->cfg.lr;
    return advlab__optim_init(&b->opt, &tc, advlab_net_param_count(e->thief));
}

/* np.random.choice(actions, p=probs): the first action whose cumulative
 * probability passes a uniform draw. */
static int draw_action(advlab__bandit *b, advlab_rng *rng)
{
    double u = advlab__rng_uniform(rng), sum = 0.0;
    for (int a = 0; a < b->actions - 1; a++) {
        sum += b->probs[a];
        if (u < sum)
            return a;
    }
    return b->actions - 1;
}

static double reward_cert(const float *y, int classes)
{
    float first = -1.0f, second = -1.0f;
    for (int k = 0; k < classes; k++) {
        if (y[k] > first)
            second = first, first = y[k];
        else if (y[k] > second)
            second = y[k];
    }
    return (double)first - (double)second;
}

static double reward_div(advlab__bandit *b, const float *y, int classes, int n)
{
    double r = 0.0;
    for (int k = 0; k < classes; k++) {
        b->y_avg[k] += (y[k] - b->y_avg[k]) / n;
        r += fmax(0.0, y[k] - b->y_avg[k]);
    }
    return r;
}

static void softmax(const float *z, int classes, double *p)
{
    double sum = 0.0;
    for (int k = 0; k < classes; k++)
        sum += p[k] = advlab__expf(z[k]);
    for (int k = 0; k < classes; k++)
        p[k] /= sum;
}

static double reward_loss(const float *y, const float *y_hat, int classes)
{
    double p[16], q[16], r = 0.0;
    softmax(y, classes, p);
    softmax(y_hat, classes, q);
    for (int k = 0; k < classes; k++)
        r -= p[k] * advlab__logf((float)q[k]);
    return r;
}

/* ART divides by the running deviation, which is 0 while a reward has been
 * constant; that term counts as 0 here instead of a NaN. */
static double reward_all(advlab__bandit *b, const float *y, const float *y_hat, int classes, int n)
{
    double r[3] = {reward_cert(y, classes), reward_div(b, y, classes, n),
                   reward_loss(y, y_hat, classes)};
    double mean = 0.0;
    for (int i = 0; i < 3; i++) {
        b->reward_avg[i] += (r[i] - b->reward_avg[i]) / n;
        double d = r[i] - b->reward_avg[i];
        b->reward_var[i] += (d * d - b->reward_var[i]) / n;
        if (n > 1)
            mean += b->reward_var[i] > 0.0 ? d / sqrt(b->reward_var[i]) : 0.0;
        else
            mean += fmin(fmax(r[i], 0.0), 1.0);
    }
    return mean / 3.0;
}

static double reward(advlab_extraction *e, const float *y, const float *y_hat, int n)
{
    int classes = advlab_net_classes(e->thief);
    switch (e->cfg.reward) {
    case ADVLAB_REWARD_CERT: return reward_cert(y, classes);
    case ADVLAB_REWARD_DIV: return reward_div(&e->bandit, y, classes, n);
    case ADVLAB_REWARD_LOSS: return reward_loss(y, y_hat, classes);
    default: return reward_all(&e->bandit, y, y_hat, classes, n);
    }
}

static void update(advlab__bandit *b, int action, double r, int n)
{
    b->avg_reward += (r - b->avg_reward) / n;
    b->pulls[action] += 1.0;
    double step = (r - b->avg_reward) / b->pulls[action], top = -INFINITY, sum = 0.0;
    for (int a = 0; a < b->actions; a++)
        b->h[a] += a == action ? step * (1.0 - b->probs[a]) : -step * b->probs[a];
    for (int a = 0; a < b->actions; a++)
        top = fmax(top, b->h[a]);
    /* exp(h - max h) / sum: softmax(h) without overflow. */
    for (int a = 0; a < b->actions; a++)
        sum += b->probs[a] = advlab__expf((float)(b->h[a] - top));
    for (int a = 0; a < b->actions; a++)
        b->probs[a] /= sum;
}

advlab_status advlab__bandit_query(advlab_extraction *e)
{
    advlab__bandit *b = &e->bandit;
    int n = e->victim.queries + 1, classes = advlab_net_classes(e->thief);
    int action = draw_action(b, &e->rng);
    int size = b->pool_start[action + 1] - b->pool_start[action];
    int row = b->pool[b->pool_start[action] + (int)advlab__rng_below(&e->rng, (uint32_t)size)];
    advlab__thief_image(e->thief_set, e->cfg.seed, row, e->x);
    TRY(advlab__victim_query(&e->victim, e->x, 1, e->answers));
    int32_t label = advlab__argmax(e->answers, classes);
    e->rows[n - 1] = row, e->labels[n - 1] = label;
    advlab__net_train_step_grad(e->thief, e->x, &label, 1, NULL);
    advlab__optim_step(&b->opt, advlab_net_params(e->thief), advlab_net_grads(e->thief));
    float y_hat[16];
    TRY(advlab_net_predict(e->thief, e->x, 1, y_hat));
    update(b, action, reward(e, e->answers, y_hat, n), n);
    return ADVLAB_OK;
}
