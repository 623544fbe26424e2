/* A small strict JSON parser (RFC 8259), enough for safetensors headers.
 *
 * The whole text is parsed into a read-only tree that lives in one
 * allocation. Strict means:
 * - the text must be well-formed UTF-8, and \u escapes must not leave a
 *   surrogate unpaired (no U+FFFD substitution: a file means one thing);
 * - an object may not repeat a member name (I-JSON, RFC 7493), so a header
 *   cannot name one tensor twice;
 * - nesting is limited to ADVLAB__JSON_MAX_DEPTH and the tree to
 *   ADVLAB__JSON_MAX_VALUES values, which bounds the work a hostile file can
 *   cause.
 * Errors are ADVLAB_E_FORMAT with "<name>: <problem> at byte <offset>" (or
 * ADVLAB_E_NOMEM). The tree holds decoded copies of every string, so it does
 * not point into the text and stays valid until advlab__json_free. */
#ifndef ADVLAB_JSON_H
#define ADVLAB_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "advlab.h"

#define ADVLAB__JSON_MAX_DEPTH 16
#define ADVLAB__JSON_MAX_VALUES 4096

typedef enum {
    ADVLAB__JSON_NULL,
    ADVLAB__JSON_FALSE,
    ADVLAB__JSON_TRUE,
    ADVLAB__JSON_NUMBER,
    ADVLAB__JSON_STRING,
    ADVLAB__JSON_ARRAY,
    ADVLAB__JSON_OBJECT,
} advlab__json_type;

typedef struct advlab__json advlab__json;
struct advlab__json {
    advlab__json_type type;
    size_t offset;   /* where the value starts in the text, for messages */
    const char *key; /* member name (NUL-terminated) in an object, else NULL */
    size_t key_len;
    const char *str;           /* STRING: decoded UTF-8, NUL-terminated; may hold \u0000 */
    size_t len;                /* STRING: bytes in str; ARRAY, OBJECT: children */
    int is_uint;               /* NUMBER written as plain digits with a value <= 2^53 */
    uint64_t uint;             /* its value, exact */
    double number;             /* NUMBER: the nearest double (strtod), +-inf past its range */
    const advlab__json *child; /* ARRAY, OBJECT: first item or member */
    const advlab__json *next;  /* the following sibling, or NULL */
};

/* Parses text[0..len) (one value, optionally surrounded by whitespace).
 * `name` starts error messages. Free *out with advlab__json_free. */
advlab_status advlab__json_parse(const char *name, const char *text, size_t len,
                                 const advlab__json **out);
/* The same with a cap of max_values values instead of ADVLAB__JSON_MAX_VALUES,
 * for documents whose size the caller bounds (a sweep's results), and of
 * max_members members per object, which bounds the duplicate-name check's
 * quadratic work in a large document. */
advlab_status advlab__json_parse_limit(const char *name, const char *text, size_t len,
                                       size_t max_values, size_t max_members,
                                       const advlab__json **out);
void advlab__json_free(const advlab__json *root);

/* Iterate with: for (const advlab__json *m = obj->child; m; m = m->next). */

/* The member of obj named key, or NULL (also when obj is not an object). */
const advlab__json *advlab__json_get(const advlab__json *obj, const char *key);
/* The value of a string without embedded NULs, else NULL. */
const char *advlab__json_string(const advlab__json *v);
/* 1 and *out = value if v is a non-negative integer (digits only, no
 * fraction or exponent, at most 2^53); else 0. */
int advlab__json_uint(const advlab__json *v, uint64_t *out);
/* 1 and *out = its value if v is a number; else 0. */
int advlab__json_number(const advlab__json *v, double *out);

/* 1 if s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates). */
int advlab__json_utf8_valid(const char *s, size_t n);

#endif
