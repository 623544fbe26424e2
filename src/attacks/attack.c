/* The attacks' front: names, defaults and the key=value setter, the
 * validation and arena of advlab_attack_create, and the chunked dispatch of
 * advlab_attack_run to the methods (methods.h). The helpers the methods
 * share are in common.c. */
#include "attacks/attack.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attacks/blackbox.h"
#include "attacks/methods.h"
#include "attacks/robust.h"
#include "base/config.h"
#include "base/error.h"
#include "nn/net.h"

static const char *const kind_names[] = {"fgsm", "bim", "pgd", "deepfool", "newtonfool", "cw",
                                         /* black-box attacks */
                                         "square", "hopskipjump", "boundary",
                                         /* AutoAttack's white-box members (issue 13) */
                                         "apgd", "apgd-t", "fab",
                                         /* L-BFGS and JSMA (issue 13) */
                                         "lbfgs", "jsma", NULL};

#define KIND(k) (1u << ADVLAB_ATTACK_##k)
/* AutoAttack's white-box members (issue 13) */
#define AUTOATTACK_KINDS (KIND(APGD) | KIND(APGD_T) | KIND(FAB))
#define GRADIENT_KINDS (KIND(FGSM) | KIND(BIM) | KIND(PGD) | AUTOATTACK_KINDS)
#define ITERATIVE_KINDS                                                                        \
    (KIND(BIM) | KIND(PGD) | KIND(DEEPFOOL) | KIND(NEWTONFOOL) | KIND(CW) | AUTOATTACK_KINDS | \
     KIND(LBFGS))
/* black-box attacks */
#define BLACKBOX_KINDS (KIND(SQUARE) | KIND(HOPSKIPJUMP) | KIND(BOUNDARY))
#define DECISION_KINDS (KIND(HOPSKIPJUMP) | KIND(BOUNDARY))
static int is_blackbox(const advlab_attack_config *c)
{
    return ((1u << c->kind) & BLACKBOX_KINDS) != 0;
}
/* end black-box attacks */

static const char *const apgd_losses[] = {"cross_entropy", "difference_logits_ratio", NULL};

/* The settable fields, in struct order, with the kinds each applies to. The
 * seed applies to every kind so that one --seed can be passed to any attack. */
static const advlab__cfg_field fields[] = {
    {"norm", ADVLAB__CFG_NORM, offsetof(advlab_attack_config, norm), INFINITY, 0, 0, 0,
     GRADIENT_KINDS | KIND(SQUARE) | KIND(HOPSKIPJUMP), NULL,
     "the ball: inf, 1 (fgsm) or 2 (hopskipjump: 2 by default)"},
    {"eps", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, eps), 0.3, 0, INFINITY, 0,
     GRADIENT_KINDS | KIND(SQUARE), NULL, "radius of the allowed ball"},
    {"eps_step", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, eps_step), 0.1, 0, INFINITY,
     ADVLAB__CFG_MIN_OPEN, GRADIENT_KINDS & ~KIND(FAB), NULL,
     "step size (fgsm: of the minimal search; apgd: the first)"},
    {"max_iter", ADVLAB__CFG_INT, offsetof(advlab_attack_config, max_iter), 100, 1, INT_MAX, 0,
     ITERATIVE_KINDS | BLACKBOX_KINDS, NULL,
     "iterations (square: queries per restart; hopskipjump 50, boundary 5000 by default)"},
    {"targeted", ADVLAB__CFG_FLAG, offsetof(advlab_attack_config, targeted), 0, 0, 1, 0,
     KIND(FGSM) | KIND(BIM) | KIND(PGD) | KIND(APGD) | KIND(CW) | DECISION_KINDS | KIND(LBFGS) |
         KIND(JSMA),
     NULL, "1: labels are the targets to reach (jsma: else drawn from the seed)"},
    {"num_random_init", ADVLAB__CFG_INT, offsetof(advlab_attack_config, num_random_init), 0, 0,
     INT_MAX, 0, KIND(FGSM) | KIND(PGD) | AUTOATTACK_KINDS, NULL,
     "restarts from a random point in the ball (apgd: at least 1; fab: after one from x)"},
    {"minimal", ADVLAB__CFG_FLAG, offsetof(advlab_attack_config, minimal), 0, 0, 1, 0, KIND(FGSM),
     NULL, "1: the smallest k*eps_step <= eps that flips each image"},
    {"overshoot", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, overshoot), 0.02, 0, INFINITY,
     0, KIND(DEEPFOOL), NULL, "ART's epsilon: x + (1+overshoot)(x_df - x)"},
    {"eta", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, eta), 0.01, 0, INFINITY,
     ADVLAB__CFG_MIN_OPEN, KIND(NEWTONFOOL), NULL, "step strength"},
    {"confidence", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, confidence), 0, 0, INFINITY, 0,
     KIND(CW), NULL, "margin kappa"},
    {"learning_rate", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, learning_rate), 0.1, 0,
     INFINITY, ADVLAB__CFG_MIN_OPEN, KIND(CW), NULL, "Adam's step in tanh space"},
    {"initial_const", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, initial_const), 0.01, 0,
     INFINITY, ADVLAB__CFG_MIN_OPEN, KIND(CW), NULL, "first trade-off constant c"},
    {"binary_search_steps", ADVLAB__CFG_INT, offsetof(advlab_attack_config, binary_search_steps),
     10, 1, INT_MAX, 0, KIND(CW) | KIND(LBFGS), NULL, "steps of the binary search on c"},
    /* black-box attacks */
    {"p_init", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, p_init), 0.8, 0, 1,
     ADVLAB__CFG_MIN_OPEN | ADVLAB__CFG_MAX_OPEN, KIND(SQUARE), NULL,
     "the first square's share of the image"},
    {"nb_restarts", ADVLAB__CFG_INT, offsetof(advlab_attack_config, nb_restarts), 1, 1, INT_MAX, 0,
     KIND(SQUARE), NULL, "restarts from x, each with max_iter queries"},
    {"max_queries", ADVLAB__CFG_INT, offsetof(advlab_attack_config, max_queries), 10000, 1, INT_MAX,
     0, DECISION_KINDS, NULL, "the query budget per image"},
    {"max_eval", ADVLAB__CFG_INT, offsetof(advlab_attack_config, max_eval), 10000, 1, INT_MAX, 0,
     KIND(HOPSKIPJUMP), NULL, "most queries of one gradient estimate"},
    {"init_eval", ADVLAB__CFG_INT, offsetof(advlab_attack_config, init_eval), 100, 1, INT_MAX, 0,
     KIND(HOPSKIPJUMP), NULL, "queries of the first gradient estimate"},
    {"init_size", ADVLAB__CFG_INT, offsetof(advlab_attack_config, init_size), 100, 1, INT_MAX, 0,
     DECISION_KINDS, NULL, "random images tried to find an adversarial start"},
    {"delta", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, delta), 0.01, 0, INFINITY,
     ADVLAB__CFG_MIN_OPEN, KIND(BOUNDARY), NULL,
     "first orthogonal step, relative to the distance to x"},
    {"epsilon", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, epsilon), 0.01, 0, 1,
     ADVLAB__CFG_MIN_OPEN, KIND(BOUNDARY), NULL, "first step towards x, a share of x - x_adv"},
    {"step_adapt", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, step_adapt), 0.667, 0, 1,
     ADVLAB__CFG_MIN_OPEN | ADVLAB__CFG_MAX_OPEN, KIND(BOUNDARY), NULL,
     "the factor both step sizes adapt by"},
    {"num_trial", ADVLAB__CFG_INT, offsetof(advlab_attack_config, num_trial), 25, 1, INT_MAX, 0,
     KIND(BOUNDARY), NULL, "trials to find a step that stays adversarial"},
    {"sample_size", ADVLAB__CFG_INT, offsetof(advlab_attack_config, sample_size), 20, 1, 100000, 0,
     KIND(BOUNDARY), NULL, "orthogonal candidates per trial"},
    /* end black-box attacks */
    {"seed", ADVLAB__CFG_SEED, offsetof(advlab_attack_config, seed), 1, 0, 0, 0, 0, NULL,
     "random starts"},
    /* AutoAttack's white-box members (issue 13) */
    {"loss_type", ADVLAB__CFG_CHOICE, offsetof(advlab_attack_config, loss_type), 0, 0, 1, 0,
     KIND(APGD), apgd_losses, "the loss APGD raises"},
    {"n_target_classes", ADVLAB__CFG_INT, offsetof(advlab_attack_config, n_target_classes), 9, 1,
     INT_MAX, 0, KIND(APGD_T) | KIND(FAB), NULL,
     "runner-up classes tried as targets (below the net's classes)"},
    /* L-BFGS and JSMA (issue 13) */
    {"c_init", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, c_init), 0.1, 0, INFINITY,
     ADVLAB__CFG_MIN_OPEN, KIND(LBFGS), NULL, "first trade-off constant c on ||r||^2"},
    {"theta", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, theta), 0.1, 0, 1,
     ADVLAB__CFG_MIN_OPEN, KIND(JSMA), NULL, "the rise of a chosen pixel per step"},
    {"gamma", ADVLAB__CFG_FLOAT, offsetof(advlab_attack_config, gamma), 1, 0, 1,
     ADVLAB__CFG_MIN_OPEN, KIND(JSMA), NULL, "the largest share of pixels changed"},
};

/* black-box attacks */
/* ART's defaults that differ by kind in fields the kinds share. */
static void kind_defaults(void *config)
{
    advlab_attack_config *c = config;
    if (c->kind == ADVLAB_ATTACK_HOPSKIPJUMP)
        c->norm = 2.0f, c->max_iter = 50;
    if (c->kind == ADVLAB_ATTACK_BOUNDARY)
        c->max_iter = 5000;
}
/* end black-box attacks */

const advlab__cfg_spec advlab__attack_spec =
    ADVLAB__CFG_SPEC("attack", advlab_attack_config, kind_names,
                     offsetof(advlab_attack_config, kind), fields, kind_defaults);

const char *advlab_attack_name(advlab_attack_kind kind)
{
    return advlab__cfg_kind_name(&advlab__attack_spec, (int)kind);
}

/* ------------------------------------------------------------- config */

/* ART's defaults, in the field table, for every kind. C&W departs from ART's
 * 10 iterations at learning rate 0.01, which suit ART's line-search
 * optimiser: with the paper's Adam they flip about 3% of MNIST digits, and
 * 100 iterations at 0.1 flip them all (docs/ATTACKS.md). */
advlab_status advlab_attack_config_default(const char *name, advlab_attack_config *cfg)
{
    return advlab__cfg_defaults(&advlab__attack_spec, name, cfg);
}

advlab_status advlab_attack_config_set(advlab_attack_config *cfg, const char *key, double value)
{
    return advlab__cfg_set(&advlab__attack_spec, cfg, key, value);
}

/* ------------------------------------------------------------- create */

/* AutoAttack's white-box members (issue 13): what their fields cannot say
 * alone. Bounds that need the net are checked in advlab_attack_create. */
static advlab_status check_autoattack(const advlab_attack_config *c)
{
    const char *name = kind_names[c->kind];
    if (c->kind == ADVLAB_ATTACK_APGD || c->kind == ADVLAB_ATTACK_APGD_T) {
        if (c->norm == 1.0f)
            return advlab__fail(ADVLAB_E_ARG, "attack %s: norm 1 is not inf or 2", name);
        if (c->eps > 0.0f && c->eps_step > 2.0f * c->eps) /* at eps 0 every step is undone */
            return advlab__fail(ADVLAB_E_ARG,
                                "attack %s: eps_step %g is larger than 2 eps (eps %g), the "
                                "paper's first step",
                                name, c->eps_step, c->eps);
    }
    if (c->kind == ADVLAB_ATTACK_APGD && c->targeted && c->loss_type != 0)
        return advlab__fail(ADVLAB_E_ARG,
                            "attack apgd: targeted takes loss_type cross_entropy; the targeted "
                            "DLR loss is apgd-t");
    if (c->kind == ADVLAB_ATTACK_FAB && c->norm != INFINITY)
        return advlab__fail(ADVLAB_E_ARG, "attack fab: norm %g; only inf is built", c->norm);
    return ADVLAB_OK;
}

static advlab_status check_for_net(const advlab_attack_config *c, const advlab_net *net)
{
    const char *name = kind_names[c->kind];
    int dlr = c->kind == ADVLAB_ATTACK_APGD_T || (c->kind == ADVLAB_ATTACK_APGD && c->loss_type);
    int need = c->kind == ADVLAB_ATTACK_APGD_T ? 4 : 3;
    if (dlr && net->classes < need)
        return advlab__fail(ADVLAB_E_ARG,
                            "attack %s: the DLR loss needs %d classes, the net has %d", name, need,
                            net->classes);
    int ranked = c->kind == ADVLAB_ATTACK_APGD_T || c->kind == ADVLAB_ATTACK_FAB;
    if (ranked && c->n_target_classes > net->classes - 1)
        return advlab__fail(ADVLAB_E_ARG,
                            "attack %s: n_target_classes %d is out of range 1..%d (the net's "
                            "classes but the predicted one)",
                            name, c->n_target_classes, net->classes - 1);
    return ADVLAB_OK;
}

/* What the field table cannot say: ranges that depend on the kind or on
 * other fields. advlab__cfg_check has checked each field on its own. */
static advlab_status check_combination(const advlab_attack_config *c)
{
    const char *name = kind_names[c->kind];
    if (c->kind == ADVLAB_ATTACK_FGSM || c->kind == ADVLAB_ATTACK_BIM ||
        c->kind == ADVLAB_ATTACK_PGD) {
        if (c->kind != ADVLAB_ATTACK_FGSM && c->norm == 1.0f)
            return advlab__fail(ADVLAB_E_ARG, "attack %s: norm 1 is not inf or 2", name);
        int uses_step = c->kind != ADVLAB_ATTACK_FGSM || c->minimal;
        if (uses_step && c->eps_step > c->eps)
            return advlab__fail(ADVLAB_E_ARG, "attack %s: eps_step %g is larger than eps %g", name,
                                c->eps_step, c->eps);
    }
    if (c->kind == ADVLAB_ATTACK_BIM && c->num_random_init > 0)
        return advlab__fail(ADVLAB_E_ARG,
                            "attack bim: num_random_init %d, but bim never starts at random "
                            "(use pgd)",
                            c->num_random_init);
    if (c->minimal && c->num_random_init > 0)
        return advlab__fail(ADVLAB_E_ARG,
                            "attack fgsm: minimal does not take random starts (num_random_init %d)",
                            c->num_random_init);
    if ((c->kind == ADVLAB_ATTACK_DEEPFOOL || c->kind == ADVLAB_ATTACK_NEWTONFOOL ||
         c->kind == ADVLAB_ATTACK_SQUARE) &&
        c->targeted)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: has no targeted variant (targeted must be 0)",
                            name);
    /* black-box attacks */
    if ((c->kind == ADVLAB_ATTACK_SQUARE || c->kind == ADVLAB_ATTACK_HOPSKIPJUMP) &&
        c->norm == 1.0f)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: norm 1 is not inf or 2", name);
    if (c->kind == ADVLAB_ATTACK_SQUARE && !(c->eps > 0.0f))
        return advlab__fail(ADVLAB_E_ARG, "attack square: eps %g must be > 0", c->eps);
    if (c->kind == ADVLAB_ATTACK_SQUARE && c->max_iter < 2)
        return advlab__fail(ADVLAB_E_ARG,
                            "attack square: max_iter %d must be >= 2 (the clean image and the "
                            "first stripes are queries)",
                            c->max_iter);
    if (c->kind == ADVLAB_ATTACK_SQUARE && (int64_t)c->max_iter * c->nb_restarts > INT_MAX)
        return advlab__fail(ADVLAB_E_ARG,
                            "attack square: max_iter %d times nb_restarts %d is over %d queries",
                            c->max_iter, c->nb_restarts, INT_MAX);
    if (c->kind == ADVLAB_ATTACK_HOPSKIPJUMP && c->init_eval > c->max_eval)
        return advlab__fail(ADVLAB_E_ARG,
                            "attack hopskipjump: init_eval %d is larger than max_eval %d",
                            c->init_eval, c->max_eval);
    /* end black-box attacks */
    return check_autoattack(c);
}

advlab_status advlab_attack_create(advlab_net *net, const advlab_attack_config *cfg,
                                   advlab_attack **out)
{
    if (!net || !cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "attack create: %s is NULL",
                            !net   ? "net"
                            : !cfg ? "config"
                                   : "out");
    TRY(advlab__cfg_check(&advlab__attack_spec, cfg));
    TRY(check_combination(cfg));
    TRY(check_for_net(cfg, net));
    uint64_t B = (uint64_t)net->max_batch, in = (uint64_t)net->in_size,
             classes = (uint64_t)net->classes;
    /* DeepFool: one gradient per class; C&W: Adam's second moment and the
     * current points, one row each per image. */
    uint64_t class_grads = cfg->kind == ADVLAB_ATTACK_DEEPFOOL ? B * classes * in
                           : cfg->kind == ADVLAB_ATTACK_CW     ? 2 * B * in
                           /* L-BFGS: each image's point, gradient, direction and history;
                              JSMA: each image's target and changed pixels */
                           : cfg->kind == ADVLAB_ATTACK_LBFGS ? advlab__lbfgs_floats(B, in)
                           : cfg->kind == ADVLAB_ATTACK_JSMA  ? 2 * B
                                                              : 0;
    int autoattack = cfg->kind == ADVLAB_ATTACK_APGD || cfg->kind == ADVLAB_ATTACK_APGD_T ||
                     cfg->kind == ADVLAB_ATTACK_FAB;
    uint64_t extra = autoattack ? advlab__robust_floats(B, in, classes) : 0;
    /* Counted in 64 bits, as in advlab_net_create: size_t is 32 bits on wasm32. */
    uint64_t floats = 5 * B * in        /* xp, pre_grad, grad, work, work2 */
                      + 2 * B * classes /* probs, dlogits */
                      + class_grads +
                      2 * B /* labels, pred/active (int32, the same size as a float) */
                      + extra;
    const char *name = kind_names[cfg->kind];
    if (floats > SIZE_MAX / sizeof(float))
        return advlab__fail(
            ADVLAB_E_NOMEM, "attack %s: batch %d needs %llu MB, more than this build can address",
            name, net->max_batch, (unsigned long long)(floats * sizeof(float) >> 20));
    advlab_attack *a = calloc(1, sizeof *a);
    float *arena = a ? malloc(sizeof(float) * (size_t)floats) : NULL;
    if (!arena) {
        free(a);
        return advlab__fail(ADVLAB_E_NOMEM, "attack %s: cannot allocate %llu MB for batch %d", name,
                            (unsigned long long)(floats * sizeof(float) >> 20), net->max_batch);
    }
    a->net = net;
    a->cfg = *cfg;
    a->max_batch = net->max_batch, a->in_size = net->in_size, a->classes = net->classes;
    a->arena = arena;
    float *p = arena;
    a->xp = p, p += B * in;
    a->pre_grad = p, p += B * in;
    a->grad = p, p += B * in;
    a->work = p, p += B * in;
    a->work2 = p, p += B * in;
    a->probs = p, p += B * classes;
    a->dlogits = p, p += B * classes;
    a->class_grads = class_grads ? p : NULL, p += class_grads;
    a->labels = (int32_t *)p, p += B;
    a->pred = (int32_t *)p, p += B;
    a->extra = extra ? p : NULL;
    advlab__rng_seed(&a->rng, cfg->seed, 4);
    /* black-box attacks: each image's state, and boundary's candidates' outcomes */
    if (is_blackbox(cfg)) {
        size_t flags = cfg->kind == ADVLAB_ATTACK_BOUNDARY ? (size_t)B * cfg->sample_size : 0;
        a->img = calloc((size_t)B, sizeof *a->img);
        a->satisfied = flags ? malloc(flags) : NULL;
        if (!a->img || (flags && !a->satisfied)) {
            advlab_attack_free(a);
            return advlab__fail(ADVLAB_E_NOMEM, "attack %s: cannot allocate the state of %d images",
                                name, net->max_batch);
        }
    }
    /* end black-box attacks */
    *out = a;
    return ADVLAB_OK;
}

void advlab_attack_free(advlab_attack *a)
{
    if (!a)
        return;
    free(a->arena);
    free(a->img);
    free(a->satisfied);
    free(a);
}

void advlab_attack_set_preprocessor(advlab_attack *a, advlab_preprocessor *pre) { a->pre = pre; }

advlab_status advlab_attack_set_grad_mode(advlab_attack *a, advlab_grad_mode mode)
{
    if (!a)
        return advlab__fail(ADVLAB_E_ARG, "attack: NULL");
    if (mode != ADVLAB_GRAD_BPDA && mode != ADVLAB_GRAD_EXACT)
        return advlab__fail(
            ADVLAB_E_ARG, "attack: gradient mode %d is neither bpda (0) nor exact (1)", (int)mode);
    a->grad_mode = mode;
    return ADVLAB_OK;
}

/* ---------------------------------------------------------------- run */

static advlab_status check_run(const advlab_attack *a, const float *x, const int32_t *y, int n,
                               const float *x_adv)
{
    const char *name = kind_names[a->cfg.kind];
    if (!x || !x_adv)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: %s is NULL", name, !x ? "x" : "x_adv");
    if (n < 1)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: %d images; need at least 1", name, n);
    size_t count = (size_t)n * a->in_size;
    uintptr_t x0 = (uintptr_t)x, a0 = (uintptr_t)x_adv, bytes = count * sizeof(float);
    if (x0 < a0 + bytes && a0 < x0 + bytes)
        return advlab__fail(ADVLAB_E_ARG,
                            "attack %s: x_adv overlaps x; pass a separate output buffer", name);
    TRY(advlab__check_finite(x, n, a->in_size, "attack %s: input", name));
    if (a->cfg.targeted && !y)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: targeted needs target labels y, got NULL",
                            name);
    if (y)
        for (int b = 0; b < n; b++)
            if (y[b] < 0 || y[b] >= a->classes)
                return advlab__fail(ADVLAB_E_ARG,
                                    "attack %s: label of image %d is %d, outside 0..%d", name, b,
                                    (int)y[b], a->classes - 1);
    return ADVLAB_OK;
}

static advlab_status run_method(advlab_attack *a, const float *x, const int32_t *y, int n,
                                float *x_adv)
{
    switch (a->cfg.kind) {
    case ADVLAB_ATTACK_FGSM: return advlab__attack_fgsm(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_BIM:
    case ADVLAB_ATTACK_PGD: return advlab__attack_pgd(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_DEEPFOOL: return advlab__attack_deepfool(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_NEWTONFOOL: return advlab__attack_newtonfool(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_CW: return advlab__attack_cw(a, x, y, n, x_adv);
    /* black-box attacks */
    case ADVLAB_ATTACK_SQUARE: return advlab__attack_square(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_HOPSKIPJUMP: return advlab__attack_hopskipjump(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_BOUNDARY: return advlab__attack_boundary(a, x, y, n, x_adv);
    /* end black-box attacks */
    case ADVLAB_ATTACK_APGD:
    case ADVLAB_ATTACK_APGD_T: return advlab__attack_apgd(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_FAB: return advlab__attack_fab(a, x, y, n, x_adv);
    /* L-BFGS and JSMA (issue 13) */
    case ADVLAB_ATTACK_LBFGS: return advlab__attack_lbfgs(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_JSMA: return advlab__attack_jsma(a, x, y, n, x_adv);
    }
    return advlab__fail(ADVLAB_E_ARG, "attack kind %d is unknown", (int)a->cfg.kind);
}

static int first_forward_at_x(const advlab_attack_config *c)
{
    int gradient = c->kind == ADVLAB_ATTACK_FGSM || c->kind == ADVLAB_ATTACK_BIM ||
                   c->kind == ADVLAB_ATTACK_PGD;
    /* the black-box attacks' first query is x itself (blackbox.c) */
    return (gradient && c->num_random_init == 0) || is_blackbox(c);
}

/* advlab_attack_run, with queries (may be NULL) for the black-box kinds. */
static advlab_status run_chunks(advlab_attack *a, const float *x, const int32_t *y, int n,
                                float *x_adv, int32_t *queries)
{
    if (!a)
        return advlab__fail(ADVLAB_E_ARG, "attack: NULL");
    TRY(check_run(a, x, y, n, x_adv));
    /* One key per run, from the attack's stream: image i of the run draws
     * from stream i under it, whatever chunk it falls in. */
    if (is_blackbox(&a->cfg) || a->cfg.kind == ADVLAB_ATTACK_JSMA) /* JSMA: random targets */
        a->run_key = (uint64_t)advlab__rng_u32(&a->rng) << 32 | advlab__rng_u32(&a->rng);
    uint64_t forward0 = a->net->forward_images, backward0 = a->net->backward_images;
    advlab_status st = ADVLAB_OK;
    for (int b0 = 0; b0 < n && !st; b0 += a->max_batch) {
        int m = n - b0 < a->max_batch ? n - b0 : a->max_batch;
        size_t off = (size_t)b0 * a->in_size;
        /* Without labels, attack the defended model's own answers (ART).
         * Gradient methods without a random start take their first gradient
         * at x itself, so its forward pass gives the labels: one pass saved,
         * the same bits. */
        a->labels_pending = !y && first_forward_at_x(&a->cfg);
        if (!y && !a->labels_pending)
            st = advlab__attack_predict(a, x + off, m, a->labels);
        a->chunk_start = b0;
        a->chunk_keys = a->image_keys ? a->image_keys + b0 : NULL;
        if (!st)
            st = run_method(a, x + off, y ? y + b0 : a->labels, m, x_adv + off);
        for (int j = 0; j < m && queries && !st; j++)
            queries[b0 + j] = a->img[j].queries;
    }
    a->counts.forward_images += (double)(a->net->forward_images - forward0);
    a->counts.backward_images += (double)(a->net->backward_images - backward0);
    return st;
}

advlab_status advlab_attack_run(advlab_attack *a, const float *x, const int32_t *y, int n,
                                float *x_adv)
{
    return run_chunks(a, x, y, n, x_adv, NULL);
}

/* black-box attacks: queries and gradients */
advlab_status advlab_attack_run_queries(advlab_attack *a, const float *x, const int32_t *y, int n,
                                        float *x_adv, int32_t *queries)
{
    if (a && !is_blackbox(&a->cfg))
        return advlab__fail(ADVLAB_E_ARG,
                            "attack %s: counts no queries per image (only square, hopskipjump "
                            "and boundary do; see advlab_attack_counts_get)",
                            kind_names[a->cfg.kind]);
    if (a && !queries)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: queries is NULL", kind_names[a->cfg.kind]);
    return run_chunks(a, x, y, n, x_adv, queries);
}

void advlab_attack_counts_get(const advlab_attack *a, advlab_attack_counts *out)
{
    if (out)
        *out = a ? a->counts : (advlab_attack_counts){0, 0};
}
/* end black-box attacks */

void advlab__attack_set_image_keys(advlab_attack *a, const uint64_t *keys) { a->image_keys = keys; }
