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

#include "attacks/methods.h"
#include "base/error.h"
#include "nn/net.h"

#define N_KINDS 6

static const char *const kind_names[N_KINDS] = {"fgsm", "bim", "pgd", "deepfool", "newtonfool", "cw"};

const char *advlab_attack_name(advlab_attack_kind kind)
{
    return (unsigned)kind < N_KINDS ? kind_names[kind] : "unknown";
}

/* ------------------------------------------------------------- config */

advlab_status advlab_attack_config_default(const char *name, advlab_attack_config *cfg)
{
    int kind = -1;
    for (int k = 0; k < N_KINDS && name; k++)
        if (strcmp(name, kind_names[k]) == 0)
            kind = k;
    if (kind < 0)
        return advlab__fail(ADVLAB_E_ARG, "attack \"%s\" is unknown; known attacks: fgsm, bim, pgd, deepfool, "
                            "newtonfool, cw", name ? name : "(null)");
    /* Every field gets ART's default even where the kind ignores it, so a
     * config switched to another kind by hand still holds sane values. */
    *cfg = (advlab_attack_config){
        .kind = (advlab_attack_kind)kind,
        .norm = INFINITY,
        .eps = 0.3f,
        .eps_step = 0.1f,
        .max_iter = 100,
        .overshoot = 0.02f,
        .eta = 0.01f,
        .confidence = 0.0f,
        .learning_rate = 0.1f, /* cw: see below */
        .initial_const = 0.01f,
        .binary_search_steps = 10,
        .seed = 1,
    };
    /* ART's C&W defaults (10 iterations at lr 0.01) suit its line-search
     * optimiser; with the paper's Adam they flip about 3% of MNIST digits.
     * 100 iterations at lr 0.1 flip them all (docs/ATTACKS.md). */
    if (kind == ADVLAB_ATTACK_CW)
        cfg->max_iter = 100;
    return ADVLAB_OK;
}

#define KIND(k) (1u << ADVLAB_ATTACK_##k)
#define GRADIENT_KINDS (KIND(FGSM) | KIND(BIM) | KIND(PGD))
#define ALL_KINDS ((1u << N_KINDS) - 1)

typedef enum { FIELD_FLOAT, FIELD_INT, FIELD_NORM, FIELD_SEED } field_type;

/* The settable fields, in struct order, with the kinds each applies to. The
 * seed applies to every kind so that one --seed can be passed to any attack. */
static const struct {
    const char *key;
    field_type type;
    size_t offset;
    unsigned kinds;
} fields[] = {
    {"norm", FIELD_NORM, offsetof(advlab_attack_config, norm), GRADIENT_KINDS},
    {"eps", FIELD_FLOAT, offsetof(advlab_attack_config, eps), GRADIENT_KINDS},
    {"eps_step", FIELD_FLOAT, offsetof(advlab_attack_config, eps_step), GRADIENT_KINDS},
    {"max_iter", FIELD_INT, offsetof(advlab_attack_config, max_iter),
     KIND(BIM) | KIND(PGD) | KIND(DEEPFOOL) | KIND(NEWTONFOOL) | KIND(CW)},
    {"targeted", FIELD_INT, offsetof(advlab_attack_config, targeted), GRADIENT_KINDS | KIND(CW)},
    {"num_random_init", FIELD_INT, offsetof(advlab_attack_config, num_random_init), KIND(FGSM) | KIND(PGD)},
    {"minimal", FIELD_INT, offsetof(advlab_attack_config, minimal), KIND(FGSM)},
    {"overshoot", FIELD_FLOAT, offsetof(advlab_attack_config, overshoot), KIND(DEEPFOOL)},
    {"eta", FIELD_FLOAT, offsetof(advlab_attack_config, eta), KIND(NEWTONFOOL)},
    {"confidence", FIELD_FLOAT, offsetof(advlab_attack_config, confidence), KIND(CW)},
    {"learning_rate", FIELD_FLOAT, offsetof(advlab_attack_config, learning_rate), KIND(CW)},
    {"initial_const", FIELD_FLOAT, offsetof(advlab_attack_config, initial_const), KIND(CW)},
    {"binary_search_steps", FIELD_INT, offsetof(advlab_attack_config, binary_search_steps), KIND(CW)},
    {"seed", FIELD_SEED, offsetof(advlab_attack_config, seed), ALL_KINDS},
};
#define N_FIELDS (int)(sizeof fields / sizeof fields[0])

/* "norm, eps, ..." : the keys that apply to `kind`, for error messages. */
static const char *keys_of(advlab_attack_kind kind, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < N_FIELDS; i++)
        if (fields[i].kinds & (1u << kind))
            used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s", used ? ", " : "",
                                     fields[i].key);
    return buf;
}

advlab_status advlab_attack_config_set(advlab_attack_config *cfg, const char *key, double value)
{
    if (!cfg || (unsigned)cfg->kind >= N_KINDS)
        return advlab__fail(ADVLAB_E_ARG, "attack config: %s", cfg ? "unknown kind" : "NULL");
    const char *name = kind_names[cfg->kind];
    char keys[256];
    int f = -1;
    for (int i = 0; i < N_FIELDS && key; i++)
        if (strcmp(key, fields[i].key) == 0)
            f = i;
    if (f < 0)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: unknown key \"%s\"; valid keys: %s", name,
                            key ? key : "(null)", keys_of(cfg->kind, keys, sizeof keys));
    if (!(fields[f].kinds & (1u << cfg->kind)))
        return advlab__fail(ADVLAB_E_ARG, "attack %s: key \"%s\" does not apply; %s takes %s", name, key, name,
                            keys_of(cfg->kind, keys, sizeof keys));
    void *field = (char *)cfg + fields[f].offset;
    switch (fields[f].type) {
    case FIELD_FLOAT:
        *(float *)field = (float)value;
        break;
    case FIELD_INT:
        if (!(value == floor(value) && value >= INT_MIN && value <= INT_MAX))
            return advlab__fail(ADVLAB_E_ARG, "attack %s: %s %g is not an integer", name, key, value);
        *(int *)field = (int)value;
        break;
    case FIELD_NORM:
        if (!(value == 0.0 || value == 1.0 || value == 2.0 || value == INFINITY))
            return advlab__fail(ADVLAB_E_ARG, "attack %s: norm %g is not inf (or 0), 1 or 2", name, value);
        *(float *)field = value == 0.0 ? INFINITY : (float)value;
        break;
    case FIELD_SEED:
        if (!(value == floor(value) && value >= 0.0 && value < 0x1p53))
            return advlab__fail(ADVLAB_E_ARG, "attack %s: seed %g is not an integer in 0..2^53-1", name, value);
        *(uint64_t *)field = (uint64_t)value;
        break;
    }
    return ADVLAB_OK;
}

/* ------------------------------------------------------------- create */

static advlab_status check_norm(const advlab_attack_config *c, const char *name)
{
    int is_inf = isinf(c->norm) && c->norm > 0;
    if (c->kind == ADVLAB_ATTACK_FGSM && !(is_inf || c->norm == 1.0f || c->norm == 2.0f))
        return advlab__fail(ADVLAB_E_ARG, "attack %s: norm %g is not inf, 1 or 2", name, c->norm);
    if (c->kind != ADVLAB_ATTACK_FGSM && !(is_inf || c->norm == 2.0f))
        return advlab__fail(ADVLAB_E_ARG, "attack %s: norm %g is not inf or 2", name, c->norm);
    return ADVLAB_OK;
}

static advlab_status check_gradient_config(const advlab_attack_config *c, const char *name)
{
    TRY(check_norm(c, name));
    if (!(isfinite(c->eps) && c->eps >= 0.0f))
        return advlab__fail(ADVLAB_E_ARG, "attack %s: eps %g must be finite and >= 0", name, c->eps);
    int uses_step = c->kind != ADVLAB_ATTACK_FGSM || c->minimal;
    if (uses_step && !(isfinite(c->eps_step) && c->eps_step > 0.0f))
        return advlab__fail(ADVLAB_E_ARG, "attack %s: eps_step %g must be finite and > 0", name, c->eps_step);
    if (uses_step && c->eps_step > c->eps)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: eps_step %g is larger than eps %g", name, c->eps_step,
                            c->eps);
    if (c->kind != ADVLAB_ATTACK_FGSM && c->max_iter < 1)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: max_iter %d must be >= 1", name, c->max_iter);
    if (c->num_random_init < 0)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: num_random_init %d must be >= 0", name, c->num_random_init);
    if (c->kind == ADVLAB_ATTACK_BIM && c->num_random_init > 0)
        return advlab__fail(ADVLAB_E_ARG, "attack bim: num_random_init %d, but bim never starts at random "
                            "(use pgd)", c->num_random_init);
    if (c->minimal != 0 && c->minimal != 1)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: minimal %d must be 0 or 1", name, c->minimal);
    if (c->minimal && c->kind != ADVLAB_ATTACK_FGSM)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: minimal applies to fgsm only", name);
    if (c->minimal && c->num_random_init > 0)
        return advlab__fail(ADVLAB_E_ARG, "attack fgsm: minimal does not take random starts (num_random_init %d)",
                            c->num_random_init);
    return ADVLAB_OK;
}

static advlab_status check_config(const advlab_attack_config *c)
{
    if ((unsigned)c->kind >= N_KINDS)
        return advlab__fail(ADVLAB_E_ARG, "attack kind %d is unknown; known kinds are 0..%d", (int)c->kind,
                            N_KINDS - 1);
    const char *name = kind_names[c->kind];
    if (c->targeted != 0 && c->targeted != 1)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: targeted %d must be 0 or 1", name, c->targeted);
    switch (c->kind) {
    case ADVLAB_ATTACK_FGSM:
    case ADVLAB_ATTACK_BIM:
    case ADVLAB_ATTACK_PGD:
        return check_gradient_config(c, name);
    case ADVLAB_ATTACK_DEEPFOOL:
    case ADVLAB_ATTACK_NEWTONFOOL:
        if (c->targeted)
            return advlab__fail(ADVLAB_E_ARG, "attack %s: has no targeted variant (targeted must be 0)", name);
        if (c->max_iter < 1)
            return advlab__fail(ADVLAB_E_ARG, "attack %s: max_iter %d must be >= 1", name, c->max_iter);
        if (c->kind == ADVLAB_ATTACK_DEEPFOOL && !(isfinite(c->overshoot) && c->overshoot >= 0.0f))
            return advlab__fail(ADVLAB_E_ARG, "attack deepfool: overshoot %g must be finite and >= 0", c->overshoot);
        if (c->kind == ADVLAB_ATTACK_NEWTONFOOL && !(isfinite(c->eta) && c->eta > 0.0f))
            return advlab__fail(ADVLAB_E_ARG, "attack newtonfool: eta %g must be finite and > 0", c->eta);
        return ADVLAB_OK;
    case ADVLAB_ATTACK_CW:
        if (c->max_iter < 1)
            return advlab__fail(ADVLAB_E_ARG, "attack cw: max_iter %d must be >= 1", c->max_iter);
        if (!(isfinite(c->learning_rate) && c->learning_rate > 0.0f))
            return advlab__fail(ADVLAB_E_ARG, "attack cw: learning_rate %g must be finite and > 0", c->learning_rate);
        if (c->binary_search_steps < 1)
            return advlab__fail(ADVLAB_E_ARG, "attack cw: binary_search_steps %d must be >= 1",
                                c->binary_search_steps);
        if (!(isfinite(c->initial_const) && c->initial_const > 0.0f))
            return advlab__fail(ADVLAB_E_ARG, "attack cw: initial_const %g must be finite and > 0", c->initial_const);
        if (!(isfinite(c->confidence) && c->confidence >= 0.0f))
            return advlab__fail(ADVLAB_E_ARG, "attack cw: confidence %g must be finite and >= 0", c->confidence);
        return ADVLAB_OK;
    }
    return ADVLAB_OK;
}

advlab_status advlab_attack_create(advlab_net *net, const advlab_attack_config *cfg, advlab_attack **out)
{
    if (!net || !cfg || !out)
        return advlab__fail(ADVLAB_E_ARG, "attack create: %s is NULL", !net ? "net" : !cfg ? "config" : "out");
    TRY(check_config(cfg));
    uint64_t B = (uint64_t)net->max_batch, in = (uint64_t)net->in_size, classes = (uint64_t)net->classes;
    /* DeepFool: one gradient per class; C&W: Adam's second moment and the
     * current points, one row each per image. */
    uint64_t class_grads = cfg->kind == ADVLAB_ATTACK_DEEPFOOL ? B * classes * in
                           : cfg->kind == ADVLAB_ATTACK_CW     ? 2 * B * in
                                                               : 0;
    /* Counted in 64 bits, as in advlab_net_create: size_t is 32 bits on wasm32. */
    uint64_t floats = 5 * B * in          /* xp, pre_grad, grad, work, work2 */
                      + 2 * B * classes   /* probs, dlogits */
                      + class_grads
                      + 2 * B;            /* labels, pred/active (int32, the same size as a float) */
    const char *name = kind_names[cfg->kind];
    if (floats > SIZE_MAX / sizeof(float))
        return advlab__fail(ADVLAB_E_NOMEM, "attack %s: batch %d needs %llu MB, more than this build can address",
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
    a->pred = (int32_t *)p;
    advlab__rng_seed(&a->rng, cfg->seed, 4);
    *out = a;
    return ADVLAB_OK;
}

void advlab_attack_free(advlab_attack *a)
{
    if (!a)
        return;
    free(a->arena);
    free(a);
}

void advlab_attack_set_preprocessor(advlab_attack *a, advlab_preprocessor *pre) { a->pre = pre; }

advlab_status advlab_attack_set_grad_mode(advlab_attack *a, advlab_grad_mode mode)
{
    if (!a)
        return advlab__fail(ADVLAB_E_ARG, "attack: NULL");
    if (mode != ADVLAB_GRAD_BPDA && mode != ADVLAB_GRAD_EXACT)
        return advlab__fail(ADVLAB_E_ARG, "attack: gradient mode %d is neither bpda (0) nor exact (1)", (int)mode);
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
        return advlab__fail(ADVLAB_E_ARG, "attack %s: x_adv overlaps x; pass a separate output buffer", name);
    for (size_t i = 0; i < count; i++)
        if (!isfinite(x[i]))
            return advlab__fail(ADVLAB_E_NUMERIC, "attack %s: input image %zu, pixel %zu is %s", name,
                                i / a->in_size, i % a->in_size, isnan(x[i]) ? "NaN" : "infinite");
    if (a->cfg.targeted && !y)
        return advlab__fail(ADVLAB_E_ARG, "attack %s: targeted needs target labels y, got NULL", name);
    if (y)
        for (int b = 0; b < n; b++)
            if (y[b] < 0 || y[b] >= a->classes)
                return advlab__fail(ADVLAB_E_ARG, "attack %s: label of image %d is %d, outside 0..%d", name, b,
                                    (int)y[b], a->classes - 1);
    return ADVLAB_OK;
}

static advlab_status run_method(advlab_attack *a, const float *x, const int32_t *y, int n, float *x_adv)
{
    switch (a->cfg.kind) {
    case ADVLAB_ATTACK_FGSM:
        return advlab__attack_fgsm(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_BIM:
    case ADVLAB_ATTACK_PGD:
        return advlab__attack_pgd(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_DEEPFOOL:
        return advlab__attack_deepfool(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_NEWTONFOOL:
        return advlab__attack_newtonfool(a, x, y, n, x_adv);
    case ADVLAB_ATTACK_CW:
        return advlab__attack_cw(a, x, y, n, x_adv);
    }
    return advlab__fail(ADVLAB_E_ARG, "attack kind %d is unknown", (int)a->cfg.kind);
}

static int first_forward_at_x(const advlab_attack_config *c)
{
    int gradient = c->kind == ADVLAB_ATTACK_FGSM || c->kind == ADVLAB_ATTACK_BIM || c->kind == ADVLAB_ATTACK_PGD;
    return gradient && c->num_random_init == 0;
}

advlab_status advlab_attack_run(advlab_attack *a, const float *x, const int32_t *y, int n, float *x_adv)
{
    if (!a)
        return advlab__fail(ADVLAB_E_ARG, "attack: NULL");
    TRY(check_run(a, x, y, n, x_adv));
    for (int b0 = 0; b0 < n; b0 += a->max_batch) {
        int m = n - b0 < a->max_batch ? n - b0 : a->max_batch;
        size_t off = (size_t)b0 * a->in_size;
        /* Without labels, attack the defended model's own answers (ART).
         * Gradient methods without a random start take their first gradient
         * at x itself, so its forward pass gives the labels: one pass saved,
         * the same bits. */
        a->labels_pending = !y && first_forward_at_x(&a->cfg);
        if (!y && !a->labels_pending)
            TRY(advlab__attack_predict(a, x + off, m, a->labels));
        TRY(run_method(a, x + off, y ? y + b0 : a->labels, m, x_adv + off));
    }
    return ADVLAB_OK;
}
