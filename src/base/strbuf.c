#include "base/strbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int reserve(advlab_strbuf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) {
        b->failed = 1;
        return 0;
    }
    b->data = data;
    b->cap = cap;
    return 1;
}

void advlab__sb_printf(advlab_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0 || !reserve(b, (size_t)need))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)need + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)need;
}

void advlab__sb_json_string(advlab_strbuf *b, const char *s)
{
    advlab__sb_printf(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            advlab__sb_printf(b, "\\%c", c);
        else if (c < 0x20)
            advlab__sb_printf(b, "\\u%04x", c);
        else
            advlab__sb_printf(b, "%c", c);
    }
    advlab__sb_printf(b, "\"");
}

void advlab__sb_json_number(advlab_strbuf *b, double v)
{
    if (isfinite(v))
        advlab__sb_printf(b, "%.17g", v);
    else
        advlab__sb_printf(b, "null");
}

void advlab__sb_free(advlab_strbuf *b)
{
    free(b->data);
    *b = (advlab_strbuf){0};
}
