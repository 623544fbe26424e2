/* The robust trainers' config and creation: fast AT (fast_at.c), TRADES
 * (trades.c) and PGD training with an eps ramp (pgd_ramp.c), each a batch
 * hook on an ordinary trainer, and the schedules they follow. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "train/robust_train.h"

#include "attacks/attack.h"
#include "base/error.h"

static const char *const robust_kinds[] = {"fbf", "trades", "pgd-ramp", NULL};

#define FIELD(key) offsetof(advlab_robust_train_config, key)
#define FBF (1u << ADVLAB_ROBUST_FBF)
#define TRADES (1u << ADVLAB_ROBUST_TRADES)
#define RAMP (1u << ADVLAB_ROBUST_PGD_RAMP)

/* Defaults: Madry's MNIST budget (eps 0.3, 40 steps of 0.01), TRADES'
 * MNIST beta 1, ART's fast AT clip 0.5, Wong et al.'s 0.2 collapse. */
static const advlab__cfg_field robust_fields[] = {
    {"eps", ADVLAB__CFG_FLOAT, FIELD(eps), 0.3, 0, 1, ADVLAB__CFG_MIN_OPEN, 0, NULL,
     "L-inf radius (pgd-ramp: reached after the ramp)"},
    {"eps_step", ADVLAB__CFG_FLOAT, FIELD(eps_step), 0.01, 0, 1, ADVLAB__CFG_MIN_OPEN,
     TRADES | RAMP, NULL, "PGD's step (pgd-ramp: at eps, scaled with the ramp's eps)"},
    {"max_iter", ADVLAB__CFG_INT, FIELD(max_iter), 40, 1, 1000, 0, TRADES | RAMP, NULL,
     "PGD's steps"},
    {"beta", ADVLAB__CFG_FLOAT, FIELD(beta), 1, 0, 1000, 0, TRADES, NULL,
     "weight of the KL term (0: clean training)"},
    {"eps_start", ADVLAB__CFG_FLOAT, FIELD(eps_start), 0, 0, 1, 0, RAMP, NULL,
     "eps at the first batch"},
    {"ramp", ADVLAB__CFG_FLOAT, FIELD(ramp), 5, 0, 10000, 0, RAMP, NULL,
     "epochs over which eps rises linearly from eps_start (at most the run's epochs)"},
    {"clip", ADVLAB__CFG_FLOAT, FIELD(clip), 0.5, 0, 1e6, 0, FBF, NULL,
     "gradient L2 norm clip, as ART; 0: none"},
    {"check", ADVLAB__CFG_INT, FIELD(check), 512, 0, 1 << 20, 0, FBF, NULL,
     "held-out images (the dataset's last) of the per-epoch PGD check; 0: no check"},
    {"check_iter", ADVLAB__CFG_INT, FIELD(check_iter), 10, 1, 1000, 0, FBF, NULL,
     "the check's PGD steps, of 2.5 eps / check_iter each"},
    {"drop", ADVLAB__CFG_FLOAT, FIELD(drop), 0.2, 0, 1, ADVLAB__CFG_MIN_OPEN, FBF, NULL,
     "a fall in check accuracy below the best epoch's by more than this is a collapse"},
};

const advlab__cfg_spec advlab__robust_train_spec =
    ADVLAB__CFG_SPEC("robust training", advlab_robust_train_config, robust_kinds,
                     offsetof(advlab_robust_train_config, trainer), robust_fields, NULL);

advlab_status advlab_robust_train_config_default(const char *trainer,
                                                 advlab_robust_train_config *cfg)
{
    if (!trainer || !cfg)
        return advlab__fail(ADVLAB_E_ARG,
                            "robust training: a trainer name and config are required");
    return advlab__cfg_defaults(&advlab__robust_train_spec, trainer, cfg);
}

advlab_status advlab_robust_train_config_set(advlab_robust_train_config *cfg, const char *key,
                                             double value)
{
    return advlab__cfg_set(&advlab__robust_train_spec, cfg, key, value);
}

float advlab__fbf_lr(float lr_max, int epochs, double t)
{
    int peak = epochs * 2 / 5;
    if (t <= 0.0 || t >= epochs)
        return 0.0f;
    if (t <= peak)
        return (float)(lr_max * (t / peak));
    return (float)(lr_max * ((epochs - t) / (epochs - peak)));
}

float advlab__ramp_eps(const advlab_robust_train_config *cfg, double t)
{
    if (cfg->ramp <= 0.0f || t >= cfg->ramp)
        return cfg->eps;
    return (float)(cfg->eps_start + (cfg->eps - cfg->eps_start) * (t / cfg->ramp));
}

advlab_status advlab__robust_pgd(advlab_net *net, float eps, float eps_step, int max_iter,
                                 uint64_t seed, advlab_attack **out)
{
    advlab_attack_config a;
    advlab_attack_config_default("pgd", &a); /* cannot fail: a known name */
    a.eps = eps, a.eps_step = eps_step, a.max_iter = max_iter;
    a.num_random_init = 1, a.seed = seed;
    advlab_status st = advlab_attack_create(net, &a, out);
    if (st) {
        char reason[512];
        snprintf(reason, sizeof reason, "%s", advlab_last_error());
        return advlab__fail(st, "robust training: %s", reason);
    }
    return ADVLAB_OK;
}

/* What the table cannot see: bounds between fields and against the run. */
static advlab_status check_config(const advlab_dataset *ds, const advlab_train_config *train,
                                  const advlab_robust_train_config *cfg)
{
    TRY(advlab__cfg_check(&advlab__robust_train_spec, cfg));
    const char *name = advlab__cfg_kind_name(&advlab__robust_train_spec, cfg->trainer);
    if (cfg->trainer == ADVLAB_ROBUST_PGD_RAMP) {
        if (cfg->eps_start > cfg->eps)
            return advlab__fail(ADVLAB_E_ARG, "robust training %s: eps_start %g is above eps %g",
                                name, (double)cfg->eps_start, (double)cfg->eps);
        if (cfg->ramp > train->epochs)
            return advlab__fail(ADVLAB_E_ARG,
                                "robust training %s: ramp %g epochs is longer than the run's %d "
                                "epochs",
                                name, (double)cfg->ramp, train->epochs);
    }
    if (cfg->trainer == ADVLAB_ROBUST_FBF && cfg->check > advlab_dataset_count(ds))
        return advlab__fail(ADVLAB_E_ARG,
                            "robust training %s: check %d images is more than the dataset's %d",
                            name, cfg->check, advlab_dataset_count(ds));
    return ADVLAB_OK;
}

advlab_status advlab_robust_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                           const advlab_train_config *train,
                                           const advlab_robust_train_config *cfg,
                                           advlab_trainer **out)
{
    if (!net || !ds || !train || !cfg || !out)
        return advlab__fail(ADVLAB_E_ARG,
                            "robust training: net, dataset, both configs and out are required");
    advlab_trainer *t = NULL;
    TRY(advlab__dataset_trainer_create(net, ds, train, &t));
    advlab_batch_hook hook;
    advlab_status st = check_config(ds, train, cfg);
    if (!st)
        st = cfg->trainer == ADVLAB_ROBUST_FBF      ? advlab__fbf_hook(t, ds, cfg, &hook)
             : cfg->trainer == ADVLAB_ROBUST_TRADES ? advlab__trades_hook(t, cfg, &hook)
                                                    : advlab__pgd_ramp_hook(t, cfg, &hook);
    if (st) {
        advlab_trainer_free(t);
        return st;
    }
    advlab__trainer_set_hook(t, &hook);
    advlab__trainer_record(t);
    *out = t;
    return ADVLAB_OK;
}
