/* The one config mechanism. Each config struct (train, adversarial
 * training, attack, pre-processor, post-processor, detector, experiment) is
 * described once, as a table of its settable fields: key, type, allowed
 * range, the kinds it applies to and a line of documentation. Everything
 * that reads or checks a config goes through the table:
 * - the C setters (advlab_*_config_set) and so the CLI's `--key value` and
 *   advlab.js's {key: value};
 * - the range checks every *_create makes before it uses a config, so a
 *   field is checked the same way, with the same message, whoever set it;
 * - `advlab <command> --help`, whose defaults are read from a default
 *   config through the same table, so the help cannot drift from the code.
 *
 * Messages take one form: "<what>[ <kind>]: <key> <value> <problem>", for
 * example "attack pgd: eps_step 0 must be finite and > 0". */
#ifndef ADVLAB_CONFIG_H
#define ADVLAB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "advlab.h"
#include "base/strbuf.h"

typedef enum {
    ADVLAB__CFG_FLOAT,  /* float; finite, in [min, max] (ends open when asked) */
    ADVLAB__CFG_INT,    /* int; a whole number in [min, max] */
    ADVLAB__CFG_FLAG,   /* int; 0 or 1 */
    ADVLAB__CFG_SEED,   /* uint64_t; a whole number in 0..2^53-1, which a double carries exactly */
    ADVLAB__CFG_NORM,   /* float; inf (0 also means inf), 1 or 2 */
    ADVLAB__CFG_CHOICE, /* int (an enum); one of `choices`, set by index or by name */
} advlab__cfg_type;

/* Range ends that are excluded, for example lr in (0, 10]. */
enum { ADVLAB__CFG_MIN_OPEN = 1, ADVLAB__CFG_MAX_OPEN = 2 };

typedef struct {
    const char *key; /* the struct field's name, as the CLI (with dashes) and JS spell it */
    advlab__cfg_type type;
    size_t offset; /* offsetof(config struct, field) */
    double def;    /* the default (a choice's index), which every kind gets */
    double min, max;
    int open;                   /* ADVLAB__CFG_MIN_OPEN | ADVLAB__CFG_MAX_OPEN */
    unsigned kinds;             /* bit k set: applies to kind k; 0: to every kind */
    const char *const *choices; /* ADVLAB__CFG_CHOICE: names by enum value, NULL-terminated */
    const char *doc;            /* one line for --help */
} advlab__cfg_field;

typedef struct {
    const char *what;         /* "attack", "pre-processor", "train config", ... */
    const char *const *kinds; /* kind names by enum value, NULL-terminated; NULL: no kinds */
    size_t kind_offset;       /* offsetof the kind enum, when there are kinds */
    const advlab__cfg_field *fields;
    int n_fields;
    size_t size; /* sizeof the config struct */
    /* After the table's defaults, sets what is not a field (adversarial
     * training's attack); NULL when there is nothing. */
    void (*finish)(void *cfg);
} advlab__cfg_spec;

#define ADVLAB__CFG_SPEC(what, type, kinds, kind_offset, fields, finish)                         \
    {                                                                                            \
        what, kinds, kind_offset, fields, (int)(sizeof fields / sizeof fields[0]), sizeof(type), \
            finish                                                                               \
    }

/* How many kinds the spec has (0 without kinds). */
int advlab__cfg_kind_count(const advlab__cfg_spec *s);
/* The kind's name, or "unknown" when out of range. */
const char *advlab__cfg_kind_name(const advlab__cfg_spec *s, int kind);
/* The kind named `name`; an unknown name fails, listing the known ones. */
advlab_status advlab__cfg_find_kind(const advlab__cfg_spec *s, const char *name, int *kind);

/* Makes cfg the defaults of kind `kind` (ignored by a spec without kinds;
 * an unknown kind fails, listing the known ones): zero, then every field's
 * default whatever the kind, so a config switched to another kind by hand
 * still holds sane values, then the spec's finish. */
advlab_status advlab__cfg_defaults(const advlab__cfg_spec *s, const char *kind, void *cfg);

/* Sets one field by key after checking its type (a whole number, a seed, a
 * norm, a choice); ranges are left to advlab__cfg_check, so that a config
 * can pass through odd states while a caller sets several fields. Unknown
 * keys, and keys that do not apply to cfg's kind, fail naming the keys that
 * do. */
advlab_status advlab__cfg_set(const advlab__cfg_spec *s, void *cfg, const char *key, double value);
/* The same from text, as the CLI reads it: a number ("inf" for a norm), or a
 * choice's name. */
advlab_status advlab__cfg_set_text(const advlab__cfg_spec *s, void *cfg, const char *key,
                                   const char *text);
/* Sets a seed field to any 64-bit value (JS passes seeds past 2^53 as two
 * 32-bit halves); a key that is not a seed fails. */
advlab_status advlab__cfg_set_seed(const advlab__cfg_spec *s, void *cfg, const char *key,
                                   uint64_t seed);
/* Checks every field that applies to cfg's kind against its type and range;
 * the first one out of range fails. Checks that involve several fields, or
 * bounds known only at create (a net's max_batch), stay with the caller. */
advlab_status advlab__cfg_check(const advlab__cfg_spec *s, const void *cfg);

/* Field f's value in cfg as a double (a seed's exactly below 2^53). */
double advlab__cfg_get(const advlab__cfg_field *f, const void *cfg);

/* Whether cfg takes `key` (it exists and applies to cfg's kind). */
int advlab__cfg_takes(const advlab__cfg_spec *s, const void *cfg, const char *key);

/* Appends one usage line per field, with its default and, where a field
 * applies to some kinds only, those kinds:
 *   as_flags 1: "  --eps-step X          step size [bim, pgd] (default 0.1)"
 *   as_flags 0: "  eps_step=X            ..." (the "name:key=value" spec form) */
void advlab__cfg_usage(const advlab__cfg_spec *s, int as_flags, advlab_strbuf *out);
/* Appends cfg as a JSON object keyed by field (a choice by its name, a seed
 * as a number, exact below 2^53), every field whatever the kind. */
void advlab__cfg_json(const advlab__cfg_spec *s, const void *cfg, advlab_strbuf *out);

#endif
