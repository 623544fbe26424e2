#include "base/config.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#define SEED_LIMIT 0x1p53 /* every seed below it is a double exactly */

int advlab__cfg_kind_count(const advlab__cfg_spec *s)
{
    int n = 0;
    while (s->kinds && s->kinds[n])
        n++;
    return n;
}

const char *advlab__cfg_kind_name(const advlab__cfg_spec *s, int kind)
{
    return kind >= 0 && kind < advlab__cfg_kind_count(s) ? s->kinds[kind] : "unknown";
}

/* "name, name, ..." of a NULL-terminated list. */
static const char *join(const char *const *names, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; names[i]; i++)
        used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s", i ? ", " : "",
                                 names[i]);
    return buf;
}

advlab_status advlab__cfg_find_kind(const advlab__cfg_spec *s, const char *name, int *kind)
{
    for (int k = 0; name && k < advlab__cfg_kind_count(s); k++)
        if (strcmp(name, s->kinds[k]) == 0) {
            *kind = k;
            return ADVLAB_OK;
        }
    char known[256];
    return advlab__fail(ADVLAB_E_ARG, "%s \"%s\" is unknown; known: %s", s->what,
                        name ? name : "(null)", join(s->kinds, known, sizeof known));
}

/* Stores v in the field as its type has it; a norm of 0 means inf. */
static void put(const advlab__cfg_field *f, void *cfg, double v)
{
    void *field = (char *)cfg + f->offset;
    switch (f->type) {
    case ADVLAB__CFG_FLOAT: *(float *)field = (float)v; break;
    case ADVLAB__CFG_NORM: *(float *)field = v == 0.0 ? INFINITY : (float)v; break;
    case ADVLAB__CFG_SEED: *(uint64_t *)field = (uint64_t)v; break;
    case ADVLAB__CFG_INT:
    case ADVLAB__CFG_FLAG:
    case ADVLAB__CFG_CHOICE: *(int *)field = (int)v; break;
    }
}

advlab_status advlab__cfg_defaults(const advlab__cfg_spec *s, const char *kind, void *cfg)
{
    int k = 0;
    if (s->kinds)
        TRY(advlab__cfg_find_kind(s, kind, &k));
    memset(cfg, 0, s->size);
    if (s->kinds)
        *(int *)((char *)cfg + s->kind_offset) = k;
    for (int i = 0; i < s->n_fields; i++)
        put(&s->fields[i], cfg, s->fields[i].def);
    if (s->finish)
        s->finish(cfg);
    return ADVLAB_OK;
}

/* cfg's kind, or -1 for a spec without kinds. */
static int kind_of(const advlab__cfg_spec *s, const void *cfg)
{
    return s->kinds ? *(const int *)((const char *)cfg + s->kind_offset) : -1;
}

/* Whether f applies to kind (-1: a spec without kinds); a kind past the
 * mask's 32 bits applies to nothing. */
static int applies(const advlab__cfg_field *f, int kind)
{
    return kind < 0 || f->kinds == 0 || (kind < 32 && (f->kinds & (1u << kind)));
}

/* The message prefix: "attack pgd" or "train config". */
static const char *who(const advlab__cfg_spec *s, int kind, char *buf, size_t len)
{
    if (kind < 0)
        return s->what;
    snprintf(buf, len, "%s %s", s->what, advlab__cfg_kind_name(s, kind));
    return buf;
}

/* "key, key, ..." for the fields that apply to `kind`. */
static void keys_of(const advlab__cfg_spec *s, int kind, advlab_strbuf *out)
{
    int first = 1;
    for (int i = 0; i < s->n_fields; i++)
        if (applies(&s->fields[i], kind)) {
            advlab__sb_printf(out, "%s%s", first ? "" : ", ", s->fields[i].key);
            first = 0;
        }
    if (first)
        advlab__sb_printf(out, "no keys");
}

/* Fails unless cfg is there and its kind is one of the spec's. */
static advlab_status check_kind(const advlab__cfg_spec *s, const void *cfg)
{
    if (!cfg)
        return advlab__fail(ADVLAB_E_ARG, "%s: config is NULL", s->what);
    int kind = kind_of(s, cfg);
    if (s->kinds && (kind < 0 || kind >= advlab__cfg_kind_count(s))) {
        char known[256];
        return advlab__fail(ADVLAB_E_ARG, "%s kind %d is unknown; known: %s", s->what, kind,
                            join(s->kinds, known, sizeof known));
    }
    return ADVLAB_OK;
}

/* The field `key` of cfg (whose kind is checked), or NULL after recording why
 * not: an unknown key, or one that does not apply to cfg's kind. */
static const advlab__cfg_field *find_field(const advlab__cfg_spec *s, const void *cfg,
                                           const char *key, char *prefix, size_t len)
{
    int kind = kind_of(s, cfg);
    const advlab__cfg_field *found = NULL;
    for (int i = 0; key && i < s->n_fields; i++)
        if (strcmp(key, s->fields[i].key) == 0)
            found = &s->fields[i];
    if (found && applies(found, kind))
        return found;
    advlab_strbuf keys = {0};
    keys_of(s, kind, &keys);
    const char *listed = keys.failed ? "(out of memory)" : keys.data;
    if (!found)
        advlab__fail(ADVLAB_E_ARG, "%s: unknown key \"%s\"; valid keys: %s",
                     who(s, kind, prefix, len), key ? key : "(null)", listed);
    else
        advlab__fail(ADVLAB_E_ARG, "%s: key \"%s\" does not apply; %s takes %s",
                     who(s, kind, prefix, len), key, advlab__cfg_kind_name(s, kind), listed);
    advlab__sb_free(&keys);
    return NULL;
}

static int choice_count(const advlab__cfg_field *f)
{
    int n = 0;
    while (f->choices[n])
        n++;
    return n;
}

/* "0 (adam), 1 (sgd)": a choice's numbers, for a value given as a number. */
static const char *numbered(const advlab__cfg_field *f, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; f->choices[i]; i++)
        used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%d (%s)",
                                 i ? ", " : "", i, f->choices[i]);
    return buf;
}

advlab_status advlab__cfg_set(const advlab__cfg_spec *s, void *cfg, const char *key, double value)
{
    TRY(check_kind(s, cfg));
    int kind = kind_of(s, cfg);
    char prefix[96];
    const advlab__cfg_field *f = find_field(s, cfg, key, prefix, sizeof prefix);
    if (!f)
        return ADVLAB_E_ARG;
    const char *name = who(s, kind, prefix, sizeof prefix);
    int whole = value == floor(value);
    char names[256];
    switch (f->type) {
    case ADVLAB__CFG_FLOAT: break;
    case ADVLAB__CFG_INT:
    case ADVLAB__CFG_FLAG:
        if (!(whole && value >= INT_MIN && value <= INT_MAX))
            return advlab__fail(ADVLAB_E_ARG, "%s: %s %g is not an integer", name, key, value);
        break;
    case ADVLAB__CFG_SEED:
        if (!(whole && value >= 0.0 && value < SEED_LIMIT))
            return advlab__fail(ADVLAB_E_ARG, "%s: %s %g is not an integer in 0..2^53-1", name, key,
                                value);
        break;
    case ADVLAB__CFG_NORM:
        if (!(value == 0.0 || value == 1.0 || value == 2.0 || value == INFINITY))
            return advlab__fail(ADVLAB_E_ARG, "%s: %s %g is not inf (or 0), 1 or 2", name, key,
                                value);
        break;
    case ADVLAB__CFG_CHOICE:
        if (!(whole && value >= 0 && value < choice_count(f)))
            return advlab__fail(ADVLAB_E_ARG, "%s: %s %g is not one of %s", name, key, value,
                                numbered(f, names, sizeof names));
        break;
    }
    put(f, cfg, value);
    return ADVLAB_OK;
}

advlab_status advlab__cfg_set_text(const advlab__cfg_spec *s, void *cfg, const char *key,
                                   const char *text)
{
    TRY(check_kind(s, cfg));
    if (!text)
        return advlab__fail(ADVLAB_E_ARG, "%s: the value of %s is NULL", s->what,
                            key ? key : "(null)");
    char prefix[96];
    const advlab__cfg_field *f = find_field(s, cfg, key, prefix, sizeof prefix);
    if (!f)
        return ADVLAB_E_ARG;
    if (f->type == ADVLAB__CFG_CHOICE) {
        for (int i = 0; f->choices[i]; i++)
            if (strcmp(text, f->choices[i]) == 0)
                return advlab__cfg_set(s, cfg, key, i);
        char names[256];
        return advlab__fail(ADVLAB_E_ARG, "%s: %s \"%s\" is not one of %s",
                            who(s, kind_of(s, cfg), prefix, sizeof prefix), key, text,
                            join(f->choices, names, sizeof names));
    }
    char *end;
    double value = strtod(text, &end);
    if (end == text || *end || isnan(value))
        return advlab__fail(ADVLAB_E_ARG, "%s: %s \"%s\" is not a number",
                            who(s, kind_of(s, cfg), prefix, sizeof prefix), key, text);
    return advlab__cfg_set(s, cfg, key, value);
}

advlab_status advlab__cfg_set_seed(const advlab__cfg_spec *s, void *cfg, const char *key,
                                   uint64_t seed)
{
    TRY(check_kind(s, cfg));
    char prefix[96];
    const advlab__cfg_field *f = find_field(s, cfg, key, prefix, sizeof prefix);
    if (!f)
        return ADVLAB_E_ARG;
    if (f->type != ADVLAB__CFG_SEED)
        return advlab__fail(ADVLAB_E_ARG, "%s: %s is not a seed",
                            who(s, kind_of(s, cfg), prefix, sizeof prefix), key);
    *(uint64_t *)((char *)cfg + f->offset) = seed;
    return ADVLAB_OK;
}

double advlab__cfg_get(const advlab__cfg_field *f, const void *cfg)
{
    const void *field = (const char *)cfg + f->offset;
    switch (f->type) {
    case ADVLAB__CFG_FLOAT:
    case ADVLAB__CFG_NORM: return *(const float *)field;
    case ADVLAB__CFG_SEED: return (double)*(const uint64_t *)field;
    case ADVLAB__CFG_INT:
    case ADVLAB__CFG_FLAG:
    case ADVLAB__CFG_CHOICE: return *(const int *)field;
    }
    return 0.0;
}

/* The range as people write it: "1..8", "(0, 10]". */
static const char *range_text(const advlab__cfg_field *f, char *buf, size_t len)
{
    if (!f->open)
        snprintf(buf, len, "%g..%g", f->min, f->max);
    else
        snprintf(buf, len, "%c%g, %g%c", f->open & ADVLAB__CFG_MIN_OPEN ? '(' : '[', f->min, f->max,
                 f->open & ADVLAB__CFG_MAX_OPEN ? ')' : ']');
    return buf;
}

static int in_range(const advlab__cfg_field *f, double v)
{
    int above = f->open & ADVLAB__CFG_MIN_OPEN ? v > f->min : v >= f->min;
    int below = f->open & ADVLAB__CFG_MAX_OPEN ? v < f->max : v <= f->max;
    return above && below;
}

static advlab_status check_field(const advlab__cfg_field *f, double v, const char *name)
{
    char range[64];
    switch (f->type) {
    case ADVLAB__CFG_FLOAT:
        if (isfinite(v) && in_range(f, v))
            return ADVLAB_OK;
        if (f->max == INFINITY)
            return advlab__fail(ADVLAB_E_ARG, "%s: %s %g must be finite and %s %g", name, f->key, v,
                                f->open & ADVLAB__CFG_MIN_OPEN ? ">" : ">=", f->min);
        return advlab__fail(ADVLAB_E_ARG, "%s: %s %g is out of range %s", name, f->key, v,
                            range_text(f, range, sizeof range));
    case ADVLAB__CFG_INT:
        if (in_range(f, v))
            return ADVLAB_OK;
        if (f->max >= INT_MAX)
            return advlab__fail(ADVLAB_E_ARG, "%s: %s %g must be >= %g", name, f->key, v, f->min);
        return advlab__fail(ADVLAB_E_ARG, "%s: %s %g is out of range %s", name, f->key, v,
                            range_text(f, range, sizeof range));
    case ADVLAB__CFG_FLAG:
        if (v == 0.0 || v == 1.0)
            return ADVLAB_OK;
        return advlab__fail(ADVLAB_E_ARG, "%s: %s %g must be 0 or 1", name, f->key, v);
    case ADVLAB__CFG_NORM:
        if (v == INFINITY || v == 1.0 || v == 2.0)
            return ADVLAB_OK;
        return advlab__fail(ADVLAB_E_ARG, "%s: %s %g is not inf, 1 or 2", name, f->key, v);
    case ADVLAB__CFG_CHOICE:
        if (v >= 0 && v < choice_count(f))
            return ADVLAB_OK;
        char names[256];
        return advlab__fail(ADVLAB_E_ARG, "%s: %s %g is not one of %s", name, f->key, v,
                            numbered(f, names, sizeof names));
    case ADVLAB__CFG_SEED: return ADVLAB_OK; /* every uint64_t seeds the generators */
    }
    return ADVLAB_OK;
}

advlab_status advlab__cfg_check(const advlab__cfg_spec *s, const void *cfg)
{
    TRY(check_kind(s, cfg));
    int kind = kind_of(s, cfg);
    char prefix[96];
    const char *name = who(s, kind, prefix, sizeof prefix);
    for (int i = 0; i < s->n_fields; i++)
        if (applies(&s->fields[i], kind))
            TRY(check_field(&s->fields[i], advlab__cfg_get(&s->fields[i], cfg), name));
    return ADVLAB_OK;
}

void advlab__cfg_json(const advlab__cfg_spec *s, const void *cfg, advlab_strbuf *out)
{
    advlab__sb_printf(out, "{");
    for (int i = 0; i < s->n_fields; i++) {
        const advlab__cfg_field *f = &s->fields[i];
        advlab__sb_printf(out, "%s", i ? "," : "");
        advlab__sb_json_string(out, f->key);
        advlab__sb_printf(out, ":");
        const void *field = (const char *)cfg + f->offset;
        if (f->type == ADVLAB__CFG_CHOICE)
            advlab__sb_json_string(out, f->choices[*(const int *)field]);
        else if (f->type == ADVLAB__CFG_SEED)
            advlab__sb_printf(out, "%llu", (unsigned long long)*(const uint64_t *)field);
        else if (f->type == ADVLAB__CFG_NORM && isinf(advlab__cfg_get(f, cfg)))
            advlab__sb_json_string(out, "inf");
        else
            advlab__sb_json_number(out, advlab__cfg_get(f, cfg));
    }
    advlab__sb_printf(out, "}");
}

int advlab__cfg_takes(const advlab__cfg_spec *s, const void *cfg, const char *key)
{
    for (int i = 0; key && i < s->n_fields; i++)
        if (strcmp(key, s->fields[i].key) == 0)
            return applies(&s->fields[i], kind_of(s, cfg));
    return 0;
}

/* " [bim, pgd]" when the field applies to some of the spec's kinds only. */
static void kinds_note(const advlab__cfg_spec *s, const advlab__cfg_field *f, advlab_strbuf *out)
{
    int n = advlab__cfg_kind_count(s);
    if (!n || !f->kinds || f->kinds == (1u << n) - 1)
        return;
    const char *sep = " [";
    for (int k = 0; k < n; k++)
        if (f->kinds & (1u << k)) {
            advlab__sb_printf(out, "%s%s", sep, s->kinds[k]);
            sep = ", ";
        }
    advlab__sb_printf(out, "]");
}

void advlab__cfg_usage(const advlab__cfg_spec *s, int as_flags, advlab_strbuf *out)
{
    for (int i = 0; i < s->n_fields; i++) {
        const advlab__cfg_field *f = &s->fields[i];
        char name[64];
        snprintf(name, sizeof name, as_flags ? "--%s X" : "%s=X", f->key);
        for (char *c = name; as_flags && *c; c++)
            if (*c == '_')
                *c = '-';
        advlab__sb_printf(out, "  %-26s %s", name, f->doc);
        kinds_note(s, f, out);
        if (f->type == ADVLAB__CFG_CHOICE)
            advlab__sb_printf(out, " (default %s)\n", f->choices[(int)f->def]);
        else if (f->type == ADVLAB__CFG_NORM && f->def == INFINITY)
            advlab__sb_printf(out, " (default inf)\n");
        else
            advlab__sb_printf(out, " (default %g)\n", f->def);
    }
}
