/* The post-processors' private half: their config table. */
#ifndef ADVLAB_POSTPROCESS_H
#define ADVLAB_POSTPROCESS_H

#include "base/config.h"

/* advlab_postprocess_config's fields, for the setter, the checks and --help. */
extern const advlab__cfg_spec advlab__postprocess_spec;

#endif
