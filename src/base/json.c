#include "base/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* The largest integer a double (JavaScript, Python's json) holds exactly. */
#define EXACT_INT_MAX ((uint64_t)1 << 53)

/* The text is parsed twice by the same code. The first pass checks it and
 * counts values and string bytes (nodes == NULL); the second fills one
 * allocation of exactly that size. So a malformed text costs no memory and
 * the tree never moves while it is being linked. */
typedef struct {
    const char *name;
    const unsigned char *s;
    size_t len, pos;
    int depth;
    size_t max_values, max_members;
    size_t values, bytes; /* counted so far */
    advlab__json *nodes;  /* NULL in the counting pass */
    char *strings;
} parser;

static advlab_status fail_at(const parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static advlab_status fail_at(const parser *p, size_t at, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return advlab__fail(ADVLAB_E_FORMAT, "%s: %s at byte %zu", p->name, what, at);
}

/* The next byte, or -1 at the end of the text. */
static int peek(const parser *p) { return p->pos < p->len ? p->s[p->pos] : -1; }

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static void skip_ws(parser *p)
{
    int c;
    while ((c = peek(p)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        p->pos++;
}

static advlab_status expected(const parser *p, const char *what)
{
    int c = peek(p);
    if (c < 0)
        return fail_at(p, p->pos, "unexpected end of JSON, expected %s", what);
    if (c >= 0x20 && c < 0x7f)
        return fail_at(p, p->pos, "expected %s, found '%c'", what, c);
    return fail_at(p, p->pos, "expected %s, found byte 0x%02x", what, c);
}

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 if there is none
 * (overlong forms, surrogates and code points beyond U+10FFFF are not). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    len = s[0] < 0xc0 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf8 ? 4 : 0;
    if (len == 0 || n < len)
        return 0;
    cp = s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int advlab__json_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0, k; i < n; i += k)
        if ((k = utf8_seq(u + i, n - i)) == 0)
            return 0;
    return 1;
}

/* Writes cp as UTF-8 into out; returns the length. */
static size_t utf8_encode(uint32_t cp, unsigned char *out)
{
    static const unsigned char lead[5] = {0, 0x00, 0xc0, 0xe0, 0xf0};
    size_t len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (size_t i = len - 1; i > 0; i--, cp >>= 6)
        out[i] = (unsigned char)(0x80 | (cp & 0x3f));
    out[0] = (unsigned char)(lead[len] | cp);
    return len;
}

static int hex_value(int c)
{
    if (is_digit(c))
        return c - '0';
    c |= 0x20; /* lower case */
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Reads "\uXXXX" at s[at..): 1 and *v on success. */
static int u_escape(const parser *p, size_t at, uint32_t *v)
{
    if (p->len - at < 6 || p->s[at] != '\\' || p->s[at + 1] != 'u')
        return 0;
    *v = 0;
    for (size_t i = at + 2; i < at + 6; i++) {
        int d = hex_value(p->s[i]);
        if (d < 0)
            return 0;
        *v = *v << 4 | (uint32_t)d;
    }
    return 1;
}

/* Decodes the escape at p->pos (a backslash) into a code point. Surrogates
 * must come as a high-low pair, which stands for one code point. */
static advlab_status parse_escape(parser *p, uint32_t *cp)
{
    size_t at = p->pos;
    uint32_t lo;
    int c = at + 1 < p->len ? p->s[at + 1] : -1;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *simple = c > 0 ? strchr(from, c) : NULL;
    if (simple) {
        *cp = (unsigned char)to[simple - from];
        p->pos += 2;
        return ADVLAB_OK;
    }
    if (c != 'u') {
        p->pos++;
        return expected(p, "an escape (one of \"\\/bfnrtu)");
    }
    if (!u_escape(p, at, cp))
        return fail_at(p, at, "invalid \\u escape (four hex digits expected)");
    p->pos += 6;
    if (*cp >= 0xd800 && *cp <= 0xdfff) {
        if (*cp >= 0xdc00 || !u_escape(p, p->pos, &lo) || lo < 0xdc00 || lo > 0xdfff)
            return fail_at(p, at, "unpaired surrogate \\u%04X", (unsigned)*cp);
        *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
        p->pos += 6;
    }
    return ADVLAB_OK;
}

/* Parses the string at p->pos (a quote); when building, decodes it into the
 * string area and sets *str. */
static advlab_status parse_string(parser *p, const char **str, size_t *n)
{
    char *out = p->strings ? p->strings + p->bytes : NULL;
    size_t len = 0;
    p->pos++;
    for (;;) {
        unsigned char buf[4];
        size_t k;
        uint32_t cp = 0;
        int c = peek(p);
        if (c == '"')
            break;
        if (c < 0)
            return fail_at(p, p->pos, "unterminated string");
        if (c < 0x20)
            return fail_at(p, p->pos, "control character 0x%02x in a string", c);
        if (c == '\\') {
            TRY(parse_escape(p, &cp));
            k = utf8_encode(cp, buf);
        } else {
            if ((k = utf8_seq(p->s + p->pos, p->len - p->pos)) == 0)
                return fail_at(p, p->pos, "invalid UTF-8");
            memcpy(buf, p->s + p->pos, k);
            p->pos += k;
        }
        if (out)
            memcpy(out + len, buf, k);
        len += k;
    }
    p->pos++;
    if (out) {
        out[len] = '\0';
        *str = out;
    }
    *n = len;
    p->bytes += len + 1;
    return ADVLAB_OK;
}

/* The longest number whose value is read: 17 significant digits, an
 * exponent and a sign fit many times over; longer spellings are refused
 * rather than copied without bound. */
#define NUMBER_MAX_CHARS 64

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static advlab_status parse_number(parser *p, advlab__json *v)
{
    size_t start = p->pos;
    uint64_t u = 0;
    int plain = 1;
    if (peek(p) == '-') {
        plain = 0;
        p->pos++;
    }
    if (!is_digit(peek(p)))
        return expected(p, "a digit");
    if (peek(p) == '0' && p->pos + 1 < p->len && is_digit(p->s[p->pos + 1]))
        return fail_at(p, p->pos, "number with a leading zero");
    for (; is_digit(peek(p)); p->pos++) {
        uint64_t d = (uint64_t)(peek(p) - '0');
        if (u > (EXACT_INT_MAX - d) / 10)
            plain = 0;
        else
            u = u * 10 + d;
    }
    if (peek(p) == '.') {
        plain = 0;
        p->pos++;
        if (!is_digit(peek(p)))
            return expected(p, "a digit after '.'");
        while (is_digit(peek(p)))
            p->pos++;
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        plain = 0;
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-')
            p->pos++;
        if (!is_digit(peek(p)))
            return expected(p, "a digit in the exponent");
        while (is_digit(peek(p)))
            p->pos++;
    }
    if (p->pos - start > NUMBER_MAX_CHARS)
        return fail_at(p, start, "number longer than %d characters", NUMBER_MAX_CHARS);
    if (v) {
        /* The text is not NUL-terminated, and strtod must stop where the
         * grammar above did. */
        char digits[NUMBER_MAX_CHARS + 1];
        memcpy(digits, p->s + start, p->pos - start);
        digits[p->pos - start] = 0;
        v->number = strtod(digits, NULL);
        v->is_uint = plain;
        v->uint = plain ? u : 0;
    }
    return ADVLAB_OK;
}

static advlab_status parse_value(parser *p, advlab__json **out);

/* Parses the array or object at p->pos, linking its children to v. */
static advlab_status parse_container(parser *p, advlab__json *v, int is_object)
{
    const advlab__json **link = v ? &v->child : NULL;
    int close = is_object ? '}' : ']';
    if (++p->depth > ADVLAB__JSON_MAX_DEPTH)
        return fail_at(p, p->pos, "nesting deeper than %d", ADVLAB__JSON_MAX_DEPTH);
    p->pos++;
    skip_ws(p);
    if (peek(p) != close) {
        for (;;) {
            const char *key = NULL;
            size_t key_len = 0;
            advlab__json *item;
            if (is_object) {
                size_t key_at;
                skip_ws(p);
                key_at = p->pos;
                if (peek(p) != '"')
                    return expected(p, "a member name");
                TRY(parse_string(p, &key, &key_len));
                /* Quadratic, but bounded by max_members. */
                if (v && v->len == p->max_members)
                    return fail_at(p, key_at, "object of more than %zu members", p->max_members);
                for (const advlab__json *m = v ? v->child : NULL; m; m = m->next)
                    if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
                        return fail_at(p, key_at, "duplicate member \"%s\"", key);
                skip_ws(p);
                if (peek(p) != ':')
                    return expected(p, "':'");
                p->pos++;
            }
            TRY(parse_value(p, &item));
            if (item) {
                item->key = key;
                item->key_len = key_len;
                *link = item;
                link = &item->next;
                v->len++;
            }
            skip_ws(p);
            if (peek(p) == close)
                break;
            if (peek(p) != ',')
                return expected(p, is_object ? "',' or '}'" : "',' or ']'");
            p->pos++;
        }
    }
    p->pos++;
    p->depth--;
    return ADVLAB_OK;
}

static advlab_status parse_literal(parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail_at(p, p->pos, "invalid literal, expected %s", word);
    p->pos += n;
    return ADVLAB_OK;
}

/* Parses one value after optional whitespace; *out is its node when building,
 * else NULL. */
static advlab_status parse_value(parser *p, advlab__json **out)
{
    int c;
    advlab__json *v = NULL;
    advlab__json_type type;
    skip_ws(p);
    c = peek(p);
    switch (c) {
    case '{': type = ADVLAB__JSON_OBJECT; break;
    case '[': type = ADVLAB__JSON_ARRAY; break;
    case '"': type = ADVLAB__JSON_STRING; break;
    case 't': type = ADVLAB__JSON_TRUE; break;
    case 'f': type = ADVLAB__JSON_FALSE; break;
    case 'n': type = ADVLAB__JSON_NULL; break;
    default:
        if (c != '-' && !is_digit(c))
            return expected(p, "a value");
        type = ADVLAB__JSON_NUMBER;
    }
    if (p->values == p->max_values)
        return fail_at(p, p->pos, "more than %zu values", p->max_values);
    if (p->nodes) {
        v = &p->nodes[p->values];
        memset(v, 0, sizeof *v);
        v->type = type;
        v->offset = p->pos;
    }
    p->values++;
    *out = v;
    switch (type) {
    case ADVLAB__JSON_OBJECT: return parse_container(p, v, 1);
    case ADVLAB__JSON_ARRAY: return parse_container(p, v, 0);
    case ADVLAB__JSON_STRING: {
        const char *str = NULL;
        size_t n;
        TRY(parse_string(p, &str, &n));
        if (v) {
            v->str = str;
            v->len = n;
        }
        return ADVLAB_OK;
    }
    case ADVLAB__JSON_NUMBER: return parse_number(p, v);
    case ADVLAB__JSON_TRUE: return parse_literal(p, "true");
    case ADVLAB__JSON_FALSE: return parse_literal(p, "false");
    default: return parse_literal(p, "null");
    }
}

static advlab_status parse_text(parser *p, advlab__json **root)
{
    TRY(parse_value(p, root));
    skip_ws(p);
    if (p->pos != p->len)
        return expected(p, "the end of the JSON text");
    return ADVLAB_OK;
}

advlab_status advlab__json_parse(const char *name, const char *text, size_t len,
                                 const advlab__json **out)
{
    return advlab__json_parse_limit(name, text, len, ADVLAB__JSON_MAX_VALUES,
                                    ADVLAB__JSON_MAX_VALUES, out);
}

advlab_status advlab__json_parse_limit(const char *name, const char *text, size_t len,
                                       size_t max_values, size_t max_members,
                                       const advlab__json **out)
{
    parser p = {.name = name,
                .s = (const unsigned char *)text,
                .len = len,
                .max_values = max_values,
                .max_members = max_members};
    advlab__json *root;
    size_t node_bytes;
    char *mem;
    advlab_status s;
    TRY(parse_text(&p, &root));
    node_bytes = p.values * sizeof(advlab__json);
    mem = malloc(node_bytes + p.bytes);
    if (!mem)
        return advlab__fail(ADVLAB_E_NOMEM, "%s: out of memory for %zu bytes", name,
                            node_bytes + p.bytes);
    p = (parser){.name = name,
                 .s = p.s,
                 .len = len,
                 .max_values = max_values,
                 .max_members = max_members,
                 .nodes = (advlab__json *)mem,
                 .strings = mem + node_bytes};
    /* Duplicate members are only found here, once keys have been decoded. */
    s = parse_text(&p, &root);
    if (s != ADVLAB_OK) {
        free(mem);
        return s;
    }
    *out = root;
    return ADVLAB_OK;
}

/* The root is the first node, at the start of the one allocation. */
void advlab__json_free(const advlab__json *root) { free((void *)root); }

const advlab__json *advlab__json_get(const advlab__json *obj, const char *key)
{
    size_t n = strlen(key);
    if (!obj || obj->type != ADVLAB__JSON_OBJECT)
        return NULL;
    for (const advlab__json *m = obj->child; m; m = m->next)
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            return m;
    return NULL;
}

const char *advlab__json_string(const advlab__json *v)
{
    if (!v || v->type != ADVLAB__JSON_STRING || strlen(v->str) != v->len)
        return NULL;
    return v->str;
}

int advlab__json_uint(const advlab__json *v, uint64_t *out)
{
    if (!v || v->type != ADVLAB__JSON_NUMBER || !v->is_uint)
        return 0;
    *out = v->uint;
    return 1;
}

int advlab__json_number(const advlab__json *v, double *out)
{
    if (!v || v->type != ADVLAB__JSON_NUMBER)
        return 0;
    *out = v->number;
    return 1;
}
