/* The evaluation (issue 13): AutoAttack's suites run member after member on
 * the images still robust, then the checks behind its warnings. advlab.h
 * documents the suites; evaluate_json.c writes the report.
 *
 * Each image has one random-start key per member, the key a run of that
 * member over all n images would give it. So a member treats an image in
 * the suite exactly as it would alone, and the suite's robust accuracy is
 * the per-image minimum of its members' by construction, not by luck. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "attacks/attack.h"
#include "attacks/methods.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/error.h"
#include "base/rng.h"

#define CHECK_IMAGES 100 /* the checks look at the first this many images */

static const char *const suite_names[] = {"quick", "autoattack", "full", NULL};

static const advlab__cfg_field fields[] = {
    {"suite", ADVLAB__CFG_CHOICE, offsetof(advlab_evaluate_config, suite), ADVLAB_SUITE_AUTOATTACK,
     0, 2, 0, 0, suite_names, "the members: quick, autoattack (standard) or full"},
    {"eps", ADVLAB__CFG_FLOAT, offsetof(advlab_evaluate_config, eps), 0.3, 0, INFINITY, 0, 0, NULL,
     "radius of the allowed ball"},
    {"norm", ADVLAB__CFG_NORM, offsetof(advlab_evaluate_config, norm), INFINITY, 0, 0, 0, 0, NULL,
     "the ball: inf or 2"},
    {"seed", ADVLAB__CFG_SEED, offsetof(advlab_evaluate_config, seed), 1, 0, 0, 0, 0, NULL,
     "the members' random starts"},
    {"first", ADVLAB__CFG_INT, offsetof(advlab_evaluate_config, first), 0, 0, INT_MAX, 0, 0, NULL,
     "the index of the first image in a larger evaluation (its random starts)"},
    {"checks", ADVLAB__CFG_FLAG, offsetof(advlab_evaluate_config, checks), 1, 0, 1, 0, 0, NULL,
     "1: the checks behind the warnings, on the first 100 images"},
};

const advlab__cfg_spec advlab__evaluate_spec =
    ADVLAB__CFG_SPEC("evaluate", advlab_evaluate_config, NULL, 0, fields, NULL);

advlab_status advlab_evaluate_config_default(advlab_evaluate_config *cfg)
{
    return advlab__cfg_defaults(&advlab__evaluate_spec, NULL, cfg);
}

advlab_status advlab_evaluate_config_set(advlab_evaluate_config *cfg, const char *key, double value)
{
    return advlab__cfg_set(&advlab__evaluate_spec, cfg, key, value);
}

/* ------------------------------------------------------------ suites */

enum { NAIVE, BPDA };

/* One member: an attack with its settings; eps and norm are the suite's,
 * eps_step 2 eps (the paper's first APGD step). */
typedef struct {
    const char *name, *attack;
    int loss_type, max_iter, restarts, targets;
    int grad;      /* NAIVE (the defence's own gradient) or BPDA */
    int black_box; /* no gradient (Square): for the black-box warning */
} member_row;

#define APGD_CE(iter)                              \
    {                                              \
        "apgd-ce", "apgd", 0, iter, 1, 0, NAIVE, 0 \
    }
#define APGD_T(iter, k)                             \
    {                                               \
        "apgd-t", "apgd-t", 0, iter, 1, k, NAIVE, 0 \
    }

#define SQUARE_5000                                 \
    {                                               \
        "square", "square", 0, 5000, 0, 0, NAIVE, 1 \
    }

static const member_row quick[] = {APGD_CE(20), APGD_T(20, 3)};
/* AutoAttack's standard version. */
static const member_row standard[] = {
    APGD_CE(100),
    APGD_T(100, 9),
    {"fab-t", "fab", 0, 100, 0, 9, NAIVE, 0},
    SQUARE_5000,
};
static const member_row full[] = {
    APGD_CE(100),
    APGD_T(100, 9),
    {"fab-t", "fab", 0, 100, 0, 9, NAIVE, 0},
    SQUARE_5000,
    {"apgd-dlr", "apgd", 1, 100, 1, 0, NAIVE, 0},
    /* under a pre-processor only: the adaptive attack */
    {"apgd-ce-bpda", "apgd", 0, 100, 1, 0, BPDA, 0},
    {"apgd-t-bpda", "apgd-t", 0, 100, 1, 9, BPDA, 0},
};

static const struct {
    const member_row *rows;
    int n;
} suites[] = {{quick, 2}, {standard, 4}, {full, 7}};

/* -------------------------------------------------------------- work */

typedef struct {
    advlab_net *net;
    advlab_preprocessor *pre;
    const advlab_evaluate_config *cfg;
    const float *x;
    const int32_t *y;
    int n, in;
    uint8_t *robust;  /* (n) still correctly classified */
    int32_t *idx;     /* (n) the images a member attacks */
    uint64_t *keys;   /* (n) their keys for the member */
    float *xs, *xadv; /* (n, in) gathered images and their attacked versions */
    int32_t *ys, *pred;
} work;

/* The attack of a row at radius eps, seeded for member `m`. */
static advlab_status make_attack(const work *w, const member_row *row, int m, float eps,
                                 advlab_attack **out)
{
    advlab_attack_config c;
    TRY(advlab_attack_config_default(row->attack, &c));
    c.eps = eps, c.norm = w->cfg->norm, c.max_iter = row->max_iter;
    c.num_random_init = row->restarts;
    c.seed = w->cfg->seed + (uint64_t)m;
    if (c.kind == ADVLAB_ATTACK_APGD || c.kind == ADVLAB_ATTACK_APGD_T)
        c.eps_step = eps > 0.0f ? 2.0f * eps : 1.0f; /* eps 0: every step is projected away */
    if (c.kind == ADVLAB_ATTACK_APGD)
        c.loss_type = row->loss_type;
    if (row->targets)
        c.n_target_classes = row->targets;
    TRY(advlab_attack_create(w->net, &c, out));
    if (w->pre) {
        advlab_attack_set_preprocessor(*out, w->pre);
        TRY(advlab_attack_set_grad_mode(*out,
                                        row->grad == BPDA ? ADVLAB_GRAD_BPDA : ADVLAB_GRAD_EXACT));
    }
    return ADVLAB_OK;
}

/* pred (m) of net(pre(x)) for m images, in chunks. */
static advlab_status predict(advlab_attack *a, const float *x, int m, int32_t *pred)
{
    for (int b0 = 0; b0 < m; b0 += a->max_batch) {
        int k = m - b0 < a->max_batch ? m - b0 : a->max_batch;
        TRY(advlab__attack_predict(a, x + (size_t)b0 * a->in_size, k, pred + b0));
    }
    return ADVLAB_OK;
}

/* Whether xa is inside the ball around x, allowing the L2 projection's
 * rounding: an example outside does not count (AutoAttack checks this too). */
static int in_ball(const float *x, const float *xa, int d, float eps, float norm)
{
    float m = 0.0f;
    for (int i = 0; i < d; i++) {
        float diff = fabsf(xa[i] - x[i]);
        m = norm == 2.0f ? m + diff * diff : diff > m ? diff : m;
    }
    if (norm == 2.0f)
        m = sqrtf(m);
    return m <= eps * 1.0001f + 1e-6f;
}

/* Attacks the first `limit` images that `active` marks with member row `m`
 * at radius eps; clears active for those it fools and returns how many. */
static advlab_status attack_active(work *w, const member_row *row, int m, float eps, int limit,
                                   uint8_t *active, int *broke, long long *grad_calls)
{
    advlab_rng rng;
    advlab__rng_seed(&rng, w->cfg->seed + (uint64_t)m, 4);
    for (int i = 0; i < w->cfg->first; i++) /* the keys of the images before this part */
        advlab__rng_u32(&rng), advlab__rng_u32(&rng);
    int k = 0;
    for (int i = 0; i < limit; i++) {
        uint64_t key = (uint64_t)advlab__rng_u32(&rng) << 32;
        key |= advlab__rng_u32(&rng); /* what a run over every image would draw for image i */
        if (!active[i])
            continue;
        w->idx[k] = i, w->keys[k] = key, w->ys[k] = w->y[i];
        memcpy(w->xs + (size_t)k * w->in, w->x + (size_t)i * w->in, sizeof(float) * w->in);
        k++;
    }
    *broke = 0;
    if (k == 0)
        return ADVLAB_OK;
    advlab_attack *a = NULL;
    advlab_status s = make_attack(w, row, m, eps, &a);
    if (!s) {
        advlab__attack_set_image_keys(a, w->keys);
        s = advlab_attack_run(a, w->xs, w->ys, k, w->xadv);
        advlab__attack_set_image_keys(a, NULL);
    }
    if (!s)
        s = predict(a, w->xadv, k, w->pred);
    if (!s)
        for (int j = 0; j < k; j++) {
            size_t off = (size_t)j * w->in;
            if (w->pred[j] != w->ys[j] &&
                in_ball(w->xs + off, w->xadv + off, w->in, eps, w->cfg->norm)) {
                active[w->idx[j]] = 0;
                (*broke)++;
            }
        }
    if (grad_calls) {
        advlab_attack_counts counts;
        advlab_attack_counts_get(a, &counts);
        *grad_calls = (long long)counts.backward_images;
    }
    advlab_attack_free(a);
    return s;
}

static int count(const uint8_t *flags, int n)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += flags[i];
    return c;
}

/* ------------------------------------------------------------ checks */

/* Softmax outputs, randomness and zero gradients, on the first k images,
 * through an APGD-DLR attack's forward and backward (the defence's own
 * gradient: DLR's does not vanish on confident images as CE's does). */
static advlab_status check_outputs(work *w, int k, advlab_evaluate_report *r)
{
    static const member_row dlr = {"check", "apgd", 1, 1, 1, 0, NAIVE, 0};
    advlab_attack *a = NULL;
    TRY(make_attack(w, &dlr, 0, w->cfg->eps, &a));
    advlab_status s = ADVLAB_OK;
    int zero = 0, softmax = 1, random = 0, C = a->classes;
    size_t in = (size_t)w->in;
    for (int b0 = 0; b0 < k && !s; b0 += a->max_batch) {
        int m = k - b0 < a->max_batch ? k - b0 : a->max_batch;
        const float *x = w->x + b0 * in;
        const float *z;
        s = advlab__attack_logits(a, x, m, &z);
        if (s)
            break;
        memcpy(w->xadv, z, sizeof(float) * (size_t)m * C); /* the first pass's logits */
        for (int j = 0; j < m; j++) {
            float sum = 0.0f;
            for (int c = 0; c < C; c++) {
                float v = z[(size_t)j * C + c];
                softmax &= v >= 0.0f && v <= 1.0f;
                sum += v;
            }
            softmax &= fabsf(sum - 1.0f) <= 1e-4f;
        }
        s = advlab__attack_logits(a, x, m, &z);
        if (s)
            break;
        random |= memcmp(w->xadv, z, sizeof(float) * (size_t)m * C) != 0;
        float *f = w->xadv + (size_t)m * C;
        advlab__apgd_objective(1, z, w->y + b0, NULL, m, C, 0, f, a->dlogits);
        s = advlab__attack_backward(a, x, m, a->dlogits, a->grad);
        for (int j = 0; j < m && !s; j++) {
            int all_zero = 1;
            for (size_t i = 0; i < in; i++)
                all_zero &= a->grad[j * in + i] == 0.0f;
            zero += all_zero;
        }
    }
    advlab_attack_free(a);
    r->zero_gradient_share = (double)zero / k;
    r->warnings |= (softmax ? ADVLAB_WARN_SOFTMAX : 0u) | (random ? ADVLAB_WARN_RANDOM : 0u) |
                   (zero ? ADVLAB_WARN_ZERO_GRADIENTS : 0u);
    return s;
}

/* Accuracy of the first k images under the suite's first member (APGD-CE)
 * as `row` runs it, at radius eps, from the clean predictions. */
static advlab_status accuracy_under(work *w, const member_row *row, float eps, int k,
                                    double *accuracy)
{
    uint8_t *active = w->robust + w->n; /* the second half of the flags */
    memcpy(active, w->robust + 2 * w->n, (size_t)k);
    int broke;
    TRY(attack_active(w, row, 0, eps, k, active, &broke, NULL));
    *accuracy = (double)count(active, k) / k;
    return ADVLAB_OK;
}

static advlab_status run_checks(work *w, advlab_evaluate_report *r)
{
    int k = w->n < CHECK_IMAGES ? w->n : CHECK_IMAGES;
    r->checked = k;
    TRY(check_outputs(w, k, r));
    const member_row *first = &suites[w->cfg->suite].rows[0];
    /* Any image can become any other at this radius: the corner-to-corner
     * distance of the [0,1] box. */
    float large = w->cfg->norm == 2.0f ? sqrtf((float)w->in) : 1.0f;
    r->large_eps = large;
    TRY(accuracy_under(w, first, large, k, &r->large_eps_accuracy));
    if (r->large_eps_accuracy > 0.0)
        r->warnings |= ADVLAB_WARN_LARGE_EPS;
    r->naive_accuracy = r->bpda_accuracy = -1.0;
    if (w->pre) {
        member_row bpda = *first;
        bpda.grad = BPDA;
        TRY(accuracy_under(w, first, w->cfg->eps, k, &r->naive_accuracy));
        TRY(accuracy_under(w, &bpda, w->cfg->eps, k, &r->bpda_accuracy));
        if (r->naive_accuracy > r->bpda_accuracy)
            r->warnings |= ADVLAB_WARN_NAIVE_ABOVE_BPDA;
    }
    return ADVLAB_OK;
}

/* -------------------------------------------------------------- run */

static advlab_status check_input(const advlab_net *net, const advlab_evaluate_config *cfg,
                                 const float *x, const int32_t *y, int n)
{
    TRY(advlab__cfg_check(&advlab__evaluate_spec, cfg));
    if (cfg->norm == 1.0f)
        return advlab__fail(ADVLAB_E_ARG, "evaluate: norm 1 is not inf or 2");
    if (!x || !y)
        return advlab__fail(ADVLAB_E_ARG, "evaluate: %s is NULL", !x ? "x" : "labels");
    if (n < 1)
        return advlab__fail(ADVLAB_E_ARG, "evaluate: %d images; need at least 1", n);
    TRY(advlab__check_finite(x, n, net->in_size, "evaluate: input"));
    for (int i = 0; i < n; i++)
        if (y[i] < 0 || y[i] >= net->classes)
            return advlab__fail(ADVLAB_E_ARG, "evaluate: label of image %d is %d, outside 0..%d", i,
                                (int)y[i], net->classes - 1);
    return ADVLAB_OK;
}

static advlab_status run_suite(work *w, advlab_evaluate_report *r)
{
    /* The clean predictions, through a throwaway attack's forward. */
    advlab_attack *a = NULL;
    TRY(make_attack(w, &quick[0], 0, w->cfg->eps, &a));
    advlab_status s = predict(a, w->x, w->n, w->pred);
    advlab_attack_free(a);
    TRY(s);
    for (int i = 0; i < w->n; i++)
        w->robust[i] = w->robust[2 * w->n + i] = w->pred[i] == w->y[i];
    r->clean_accuracy = (double)count(w->robust, w->n) / w->n;
    int white_box_done = 0;
    for (int m = 0; m < suites[w->cfg->suite].n; m++) {
        const member_row *row = &suites[w->cfg->suite].rows[m];
        if (row->grad == BPDA && !w->pre)
            continue;
        advlab_evaluate_member *out = &r->member[r->members++];
        strncpy(out->name, row->name, sizeof out->name - 1);
        double start = advlab__now_seconds();
        TRY(attack_active(w, row, m, w->cfg->eps, w->n, w->robust, &out->broke,
                          &out->gradient_calls));
        out->seconds = advlab__now_seconds() - start;
        out->accuracy = (double)count(w->robust, w->n) / w->n;
        if (row->black_box && white_box_done && out->broke > 0)
            r->warnings |= ADVLAB_WARN_BLACK_BOX;
        white_box_done |= !row->black_box;
    }
    r->robust_accuracy = (double)count(w->robust, w->n) / w->n;
    if (!w->cfg->checks) {
        r->naive_accuracy = r->bpda_accuracy = -1.0;
        return ADVLAB_OK;
    }
    return run_checks(w, r);
}

advlab_status advlab_evaluate(advlab_net *net, advlab_preprocessor *pre,
                              const advlab_evaluate_config *cfg, const float *x, const int32_t *y,
                              int n, advlab_evaluate_report *out)
{
    if (!net || !cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "evaluate: %s is NULL",
                            !net   ? "net"
                            : !cfg ? "config"
                                   : "report");
    TRY(check_input(net, cfg, x, y, n));
    work w = {.net = net, .pre = pre, .cfg = cfg, .x = x, .y = y, .n = n, .in = net->in_size};
    size_t rows = (size_t)n * w.in;
    w.robust = malloc(3 * (size_t)n); /* robust, check scratch, clean-correct */
    w.idx = malloc(sizeof(int32_t) * 3 * (size_t)n);
    w.keys = malloc(sizeof(uint64_t) * (size_t)n);
    /* xadv also holds the checks' logits: 2 * max_batch * classes floats */
    size_t xadv = rows > 2 * (size_t)net->max_batch * net->classes
                      ? rows
                      : 2 * (size_t)net->max_batch * net->classes;
    w.xs = malloc(sizeof(float) * rows);
    w.xadv = malloc(sizeof(float) * xadv);
    advlab_status s = ADVLAB_OK;
    if (!w.robust || !w.idx || !w.keys || !w.xs || !w.xadv)
        s = advlab__fail(ADVLAB_E_NOMEM, "evaluate: cannot allocate the buffers of %d images", n);
    else {
        w.ys = w.idx + n, w.pred = w.idx + 2 * (size_t)n;
        memset(out, 0, sizeof *out);
        out->cfg = *cfg, out->n = n;
        s = run_suite(&w, out);
    }
    free(w.robust);
    free(w.idx);
    free(w.keys);
    free(w.xs);
    free(w.xadv);
    return s;
}
