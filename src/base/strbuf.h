/* A growing string for building reports (JSON, tables). A failed allocation
 * sets `failed` and later appends are ignored, so a builder can append freely
 * and check once at the end. */
#ifndef ADVLAB_STRBUF_H
#define ADVLAB_STRBUF_H

#include <stddef.h>

typedef struct {
    char *data; /* NUL-terminated once anything was appended */
    size_t len, cap;
    int failed;
} advlab_strbuf;

void advlab__sb_printf(advlab_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void advlab__sb_json_string(advlab_strbuf *b, const char *s);
/* Appends v with 17 significant digits, so the value read back is the same
 * double (native and WASM reports can be compared exactly), or null when v
 * is not finite, which JSON cannot express. */
void advlab__sb_json_number(advlab_strbuf *b, double v);
void advlab__sb_free(advlab_strbuf *b);

#endif
