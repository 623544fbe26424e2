/* Adversarial training's config table, for the faces that set it by key
 * (the CLI's --ratio, advlab.js). adv_train.c plugs the attacks into an
 * ordinary trainer as a batch hook, so nothing in the trainer includes this. */
#ifndef ADVLAB_ADV_TRAIN_H
#define ADVLAB_ADV_TRAIN_H

#include "base/config.h"

/* advlab_adv_config's scalar fields, for the setter, the checks and --help. */
extern const advlab__cfg_spec advlab__adv_spec;

#endif
