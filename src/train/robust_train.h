/* The robust trainers' private half: the config table, the schedules and
 * the TRADES loss, shared by robust_train.c (config, create), fast_at.c,
 * trades.c and pgd_ramp.c, and open to the tests. */
#ifndef ADVLAB_ROBUST_TRAIN_H
#define ADVLAB_ROBUST_TRAIN_H

#include <stdint.h>

#include "advlab.h"
#include "base/config.h"
#include "train/trainer.h"

/* advlab_robust_train_config's fields, for the setter, the checks and --help. */
extern const advlab__cfg_spec advlab__robust_train_spec;

/* Fast AT's cyclic learning rate (ART's lr_schedule): at t epochs into a run
 * of `epochs`, linear from 0 at t = 0 to lr_max at floor(2 epochs / 5), then
 * linear to 0 at t = epochs (straight down from lr_max when that floor is 0). */
float advlab__fbf_lr(float lr_max, int epochs, double t);
/* pgd-ramp's radius after t epochs: eps_start + (eps - eps_start) t / ramp,
 * eps from t = ramp on (at once when ramp is 0). */
float advlab__ramp_eps(const advlab_robust_train_config *cfg, double t);

/* The scratch advlab__trades_loss_grad needs for m images, in floats. */
size_t advlab__trades_work_floats(const advlab_net *net, int m);
/* TRADES' loss of m images x with their adversarial versions x_adv:
 * mean CE(f(x), y) + beta/m sum KL(softmax f(x) || softmax f(x_adv)),
 * returned; net's grads receive its gradient through both f(x) and
 * f(x_adv). *correct (may be NULL) counts argmax f(x_adv) == y. work holds
 * advlab__trades_work_floats(net, m) floats. */
double advlab__trades_loss_grad(advlab_net *net, const float *x, const float *x_adv,
                                const int32_t *y, int m, float beta, float *work, int *correct);

/* Each trainer's hook on an ordinary trainer t that has none yet (cfg
 * checked): *hook is filled on success and owns its state. */
advlab_status advlab__fbf_hook(advlab_trainer *t, const advlab_dataset *ds,
                               const advlab_robust_train_config *cfg, advlab_batch_hook *hook);
advlab_status advlab__trades_hook(advlab_trainer *t, const advlab_robust_train_config *cfg,
                                  advlab_batch_hook *hook);
advlab_status advlab__pgd_ramp_hook(advlab_trainer *t, const advlab_robust_train_config *cfg,
                                    advlab_batch_hook *hook);

/* A PGD attack on net (L-inf, one random start as Madry's, seeded with
 * seed) for the trainers' inner loops and fast AT's check; a failure keeps
 * the attack's message, prefixed with "robust training". */
advlab_status advlab__robust_pgd(advlab_net *net, float eps, float eps_step, int max_iter,
                                 uint64_t seed, advlab_attack **out);

#endif
