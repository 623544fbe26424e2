/* The poisoning family's private half: its configs' field tables, for the
 * setters, the checks, the CLI's flags and --help. backdoor.c plants the
 * poison (and writes datasets back as IDX), measure.c scores a model on it,
 * cleanse.c finds it (activation clustering, spectral signatures), strip.c
 * screens inputs at inference. */
#ifndef ADVLAB_POISON_H
#define ADVLAB_POISON_H

#include "advlab.h"
#include "base/config.h"

#define POISON_CLASSES 10

extern const advlab__cfg_spec advlab__poison_spec;
extern const advlab__cfg_spec advlab__cleanse_spec;
extern const advlab__cfg_spec advlab__strip_spec;

/* Checks cfg's fields and their combination (a clean-label attack needs a
 * fixed target; a mask trigger needs a pixel set). */
advlab_status advlab__poison_check(const advlab_poison_config *cfg);

/* The target of a row labelled y: cfg->target, or (y + 1) mod 10. */
static inline int advlab__poison_target(const advlab_poison_config *cfg, int y)
{
    return cfg->target >= 0 ? cfg->target : (y + 1) % POISON_CLASSES;
}

/* Whether a row labelled y is one the attack may poison (and whose
 * triggered copy counts towards the attack success rate). */
static inline int advlab__poison_eligible(const advlab_poison_config *cfg, int y)
{
    if (cfg->clean_label)
        return y == cfg->target;
    return (cfg->source < 0 || y == cfg->source) && advlab__poison_target(cfg, y) != y;
}

/* A new dataset of count 28x28 images and labels, copied (the caller's). */
advlab_status advlab__dataset_from_bytes(const char *name, int count, int height, int width,
                                         const uint8_t *pixels, const uint8_t *labels,
                                         advlab_dataset **out);

#endif
