/* The adversarial part of the trainer, behind the few calls train.c makes.
 * A trainer with no adversarial state trains on clean batches. */
#ifndef ADVLAB_ADV_TRAIN_H
#define ADVLAB_ADV_TRAIN_H

#include <stddef.h>

#include "advlab.h"

#include "base/config.h"

/* advlab_adv_config's scalar fields, for the setter, the checks and --help. */
extern const advlab__cfg_spec advlab__adv_spec;

typedef struct advlab_adv_state advlab_adv_state;

/* train.c: advlab_trainer_create's work, with adv (may be NULL) validated
 * and its state made once the train config is known to be sound. */
advlab_status advlab__trainer_create(advlab_net *net, const advlab_dataset *ds,
                                     const advlab_train_config *cfg, const advlab_adv_config *adv,
                                     advlab_trainer **out);

/* Validates adv against net and allocates one attack per source plus the
 * scratch for `batch` rows; shuffle_seed seeds the row choice (stream 3). */
advlab_status advlab__adv_create(advlab_net *net, const advlab_adv_config *adv, int batch,
                                 uint64_t shuffle_seed, advlab_adv_state **out);
void advlab__adv_free(advlab_adv_state *s);
/* Replaces ceil(ratio*m) rows of the gathered batch x (m, in_size) by
 * adversarial examples crafted with the true labels y against this batch's
 * source, then moves on to the next source. */
advlab_status advlab__adv_replace(advlab_adv_state *s, float *x, const int32_t *y, int m);
/* How the examples are made, for the weights file's "defence" metadata. */
void advlab__adv_describe(const advlab_adv_state *s, char *text, size_t len);

/* The random state a checkpoint keeps, as advlab__adv_state_words u64 words:
 * the source in turn, the row-choice RNG, and each source's attack RNG. */
int advlab__adv_state_words(const advlab_adv_state *s);
void advlab__adv_state_save(const advlab_adv_state *s, uint64_t *words);
/* Checks the words (source in range, PCG increments odd) and only then
 * restores them. */
advlab_status advlab__adv_state_restore(advlab_adv_state *s, const uint64_t *words);

#endif
