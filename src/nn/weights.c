/* safetensors, read and written.
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON, then the
 * data region: raw little-endian tensors, data_offsets counted from its start.
 *   {"__metadata__": {"arch": "c4k5-...", ...},
 *    "conv1.weight": {"dtype": "F32", "shape": [4,1,5,5], "data_offsets": [0,400]}, ...}
 *
 * Loading checks the whole file against the net before it changes anything,
 * so a bad file leaves the caller's net exactly as it was: the frame, the
 * JSON, every entry's dtype, shape and offsets, that the tensors tile the
 * data region, and that every value is finite. Then the net's metadata is
 * replaced by the file's, except the keys the writer generates. Those
 * describe the file rather than the training, so they are never kept: arch
 * and input_scale are checked against the net, format and advlab_version are
 * ignored, and all four are written afresh on save. */
#include <assert.h>
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "base/error.h"
#include "base/json.h"
#include "nn/arch.h"
#include "nn/net.h"

/* The reference implementation's limit on N. */
#define HEADER_LIMIT 100000000u
#define INPUT_SCALE "[0,1]"
/* A weight and a bias per layer at most. */
#define MAX_TENSORS (2 * ADVLAB_MAX_LAYERS)
/* Shapes in messages show at most this many dimensions, which fit in
 * SHAPE_TEXT bytes even at 2^53 each. */
#define SHAPE_SHOWN 8
#define SHAPE_TEXT 256

_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24 && FLT_MAX_EXP == 128,
               "F32 tensors are copied as IEEE-754 binary32 bit patterns");

static const char *const generated_keys[] = {"arch", "input_scale", "format", "advlab_version"};

static int is_generated(const char *key)
{
    for (size_t i = 0; i < sizeof generated_keys / sizeof *generated_keys; i++)
        if (strcmp(key, generated_keys[i]) == 0)
            return 1;
    return 0;
}

/* Floats go through explicit little-endian bytes, so the file is the same on
 * any host; compilers turn these into plain loads and stores. */
static uint32_t load_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store_u32(uint8_t *p, uint32_t u)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(u >> 8 * i);
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static int bits_finite(uint32_t u) { return (u & 0x7f800000u) != 0x7f800000u; }

/* "[4,1,5,5]", or "[4,1,5,5,1,1,1,1,...]" past SHAPE_SHOWN dimensions. */
static void shape_text(char buf[SHAPE_TEXT], const uint64_t *dims, size_t rank)
{
    size_t n = (size_t)snprintf(buf, SHAPE_TEXT, "[");
    for (size_t i = 0; i < rank && i < SHAPE_SHOWN; i++)
        n += (size_t)snprintf(buf + n, SHAPE_TEXT - n, "%s%llu", i ? "," : "",
                              (unsigned long long)dims[i]);
    snprintf(buf + n, SHAPE_TEXT - n, rank > SHAPE_SHOWN ? ",...]" : "]");
}

/* Reports element i of t, whose bits are a NaN or an infinity, indexed the
 * way a PyTorch user would type it: "conv1.weight[2,0,1,1] (flat index 56)". */
static advlab_status fail_nonfinite(const char *who, const advlab_tensor *t, size_t i,
                                    uint32_t bits)
{
    char idx[96];
    size_t n = 0, rest = i;
    size_t coord[4];
    for (int d = t->rank - 1; d >= 0; d--) {
        coord[d] = rest % (size_t)t->shape[d];
        rest /= (size_t)t->shape[d];
    }
    for (int d = 0; d < t->rank; d++)
        n += (size_t)snprintf(idx + n, sizeof idx - n, "%s%zu", d ? "," : "", coord[d]);
    return advlab__fail(ADVLAB_E_NUMERIC, "%s: tensor %s[%s] (flat index %zu) is %s", who, t->name,
                        idx, i,
                        (bits & 0x7fffffu) ? "NaN"
                        : (bits >> 31)     ? "-Inf"
                                           : "+Inf");
}

/* ---------------------------------------------------------------- save */

/* A growing header text; an allocation failure is remembered and reported
 * once at the end. */
typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} text;

static void put_n(text *t, const char *s, size_t n)
{
    if (t->oom)
        return;
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (cap < t->len + n)
            cap *= 2;
        char *grown = realloc(t->s, cap);
        if (!grown) {
            t->oom = 1;
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
}

static void put(text *t, const char *s) { put_n(t, s, strlen(s)); }

static void put_fmt(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put_fmt(text *t, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    put(t, buf);
}

/* A JSON string: quote, backslash and control characters escaped; other
 * UTF-8 passes through. */
static void put_string(text *t, const char *s)
{
    put(t, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *esc = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                                      : NULL;
        if (esc)
            put(t, esc);
        else if (c < 0x20)
            put_fmt(t, "\\u%04x", c);
        else
            put_n(t, s, 1);
    }
    put(t, "\"");
}

static void put_member(text *t, const char *key, const char *value)
{
    put_string(t, key);
    put(t, ":");
    put_string(t, value);
}

advlab_status advlab_weights_save(const advlab_net *cnet, uint8_t **bytes, size_t *len)
{
    /* advlab_net_tensor hands out writable views, so it takes a non-const
     * net; saving only reads through them. */
    advlab_net *net = (advlab_net *)cnet;
    int n_tensors = advlab_net_tensor_count(net);
    advlab_tensor ts[MAX_TENSORS];
    text h = {0};
    size_t offset = 0;

    assert(n_tensors <= MAX_TENSORS);

    for (int i = 0; i < advlab__net_meta_count(net); i++) {
        const char *key = advlab__net_meta_key(net, i), *value = advlab_net_meta(net, key);
        if (!advlab__json_utf8_valid(key, strlen(key)) ||
            !advlab__json_utf8_valid(value, strlen(value)))
            return advlab__fail(ADVLAB_E_ARG, "weights save: metadata \"%s\" is not valid UTF-8",
                                key);
    }
    for (int i = 0; i < n_tensors; i++) {
        TRY(advlab_net_tensor(net, i, &ts[i]));
        for (size_t j = 0; j < ts[i].count; j++)
            if (!bits_finite(float_bits(ts[i].data[j])))
                return fail_nonfinite("weights save", &ts[i], j, float_bits(ts[i].data[j]));
    }

    put(&h, "{\"__metadata__\":{");
    put_member(&h, "arch", advlab_net_arch(net));
    put(&h, ",");
    put_member(&h, "input_scale", INPUT_SCALE);
    put(&h, ",");
    put_member(&h, "format", "pt");
    put(&h, ",");
    put_member(&h, "advlab_version", advlab_version());
    for (int i = 0; i < advlab__net_meta_count(net); i++) {
        const char *key = advlab__net_meta_key(net, i);
        if (!is_generated(key)) {
            put(&h, ",");
            put_member(&h, key, advlab_net_meta(net, key));
        }
    }
    put(&h, "}");
    for (int i = 0; i < n_tensors; i++) {
        put(&h, ",");
        put_string(&h, ts[i].name);
        put(&h, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < ts[i].rank; d++)
            put_fmt(&h, "%s%d", d ? "," : "", ts[i].shape[d]);
        put_fmt(&h, "],\"data_offsets\":[%zu,%zu]}", offset, offset + 4 * ts[i].count);
        offset += 4 * ts[i].count;
    }
    put(&h, "}");
    /* Spaces up to a multiple of 8, as the reference writer does, so the
     * data region is aligned for readers that map the file. */
    while ((8 + h.len) % 8 != 0)
        put(&h, " ");

    uint8_t *out = h.oom ? NULL : malloc(8 + h.len + offset);
    if (!out) {
        free(h.s);
        return advlab__fail(ADVLAB_E_NOMEM, "weights save: out of memory for a %zu-byte file",
                            8 + h.len + offset);
    }
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)((uint64_t)h.len >> 8 * i);
    memcpy(out + 8, h.s, h.len);
    uint8_t *data = out + 8 + h.len;
    for (int i = 0; i < n_tensors; i++)
        for (size_t j = 0; j < ts[i].count; j++, data += 4)
            store_u32(data, float_bits(ts[i].data[j]));
    *bytes = out;
    *len = 8 + h.len + offset;
    free(h.s);
    return ADVLAB_OK;
}

/* ---------------------------------------------------------------- load */

typedef struct {
    const advlab__json *header; /* the parsed JSON object */
    const advlab__json *meta;   /* its __metadata__, or NULL */
    const uint8_t *data;        /* the data region */
    size_t data_len;
} file_view;

/* One tensor of the net and the file entry that fills it. */
typedef struct {
    advlab_tensor t;
    const advlab__json *entry;
    uint64_t begin, end;
} slot;

/* Checks the frame, parses the header and checks __metadata__'s form. */
static advlab_status open_file(const char *name, const uint8_t *bytes, size_t len, file_view *f)
{
    char label[512];
    uint64_t n = 0;
    if (len < 8)
        return advlab__fail(
            ADVLAB_E_FORMAT,
            "%s: %zu bytes is too short for safetensors (the header length alone is 8)", name, len);
    for (int i = 0; i < 8; i++)
        n |= (uint64_t)bytes[i] << 8 * i;
    if (n > len - 8)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: header length %llu runs past the end of the file (%zu bytes)",
                            name, (unsigned long long)n, len);
    if (n > HEADER_LIMIT)
        return advlab__fail(ADVLAB_E_FORMAT, "%s: header length %llu is over the limit of %u bytes",
                            name, (unsigned long long)n, HEADER_LIMIT);
    snprintf(label, sizeof label, "%s: header JSON", name);
    TRY(advlab__json_parse(label, (const char *)bytes + 8, (size_t)n, &f->header));
    f->meta = advlab__json_get(f->header, "__metadata__");
    f->data = bytes + 8 + n;
    f->data_len = len - 8 - (size_t)n;
    advlab_status s = ADVLAB_OK;
    if (f->header->type != ADVLAB__JSON_OBJECT)
        s = advlab__fail(ADVLAB_E_FORMAT, "%s: header JSON is not an object", name);
    else if (f->meta && f->meta->type != ADVLAB__JSON_OBJECT)
        s = advlab__fail(ADVLAB_E_FORMAT, "%s: __metadata__ is not an object", name);
    for (const advlab__json *m = f->meta ? f->meta->child : NULL; m && !s; m = m->next) {
        /* The net keeps metadata as C strings. */
        if (strlen(m->key) != m->key_len)
            s = advlab__fail(ADVLAB_E_FORMAT, "%s: __metadata__ key \"%s\" contains a NUL", name,
                             m->key);
        else if (m->type != ADVLAB__JSON_STRING)
            s = advlab__fail(ADVLAB_E_FORMAT, "%s: __metadata__ \"%s\" is not a string", name,
                             m->key);
        else if (!advlab__json_string(m))
            s = advlab__fail(ADVLAB_E_FORMAT, "%s: __metadata__ \"%s\" contains a NUL", name,
                             m->key);
    }
    if (s)
        advlab__json_free(f->header);
    return s;
}

/* The checks on __metadata__ that depend on the net: the arch it names, the
 * input scaling, and room for the rest in the net's metadata table. */
static advlab_status check_meta(advlab_net *net, const char *name, const file_view *f)
{
    const char *arch = advlab__json_string(advlab__json_get(f->meta, "arch"));
    const char *scale = advlab__json_string(advlab__json_get(f->meta, "input_scale"));
    int kept = 0;
    if (arch) {
        /* Compare canonical specs, so "tutorial" matches its spec. */
        const layer_shape *in = &net->arch.layers[0];
        arch_desc d;
        if (advlab__arch_parse(arch, in->in_c, in->in_h, in->in_w, &d) != ADVLAB_OK ||
            strcmp(d.spec, advlab_net_arch(net)) != 0)
            return advlab__fail(ADVLAB_E_FORMAT,
                                "%s: __metadata__ arch \"%s\" does not match the net's arch \"%s\"",
                                name, arch, advlab_net_arch(net));
    }
    if (scale && strcmp(scale, INPUT_SCALE) != 0)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: __metadata__ input_scale \"%s\" is not supported, expected \"%s\"",
                            name, scale, INPUT_SCALE);
    for (const advlab__json *m = f->meta ? f->meta->child : NULL; m; m = m->next) {
        if (is_generated(m->key))
            continue;
        if (m->key_len == 0 || m->key_len >= ADVLAB_META_KEY)
            return advlab__fail(ADVLAB_E_FORMAT,
                                "%s: __metadata__ key \"%s\" is not 1..%d bytes long", name, m->key,
                                ADVLAB_META_KEY - 1);
        if (m->len >= ADVLAB_META_VALUE)
            return advlab__fail(ADVLAB_E_FORMAT,
                                "%s: __metadata__ \"%s\" is %zu bytes, over the limit of %d", name,
                                m->key, m->len, ADVLAB_META_VALUE - 1);
        if (++kept > ADVLAB_META_MAX)
            return advlab__fail(ADVLAB_E_FORMAT,
                                "%s: __metadata__ has more than %d entries besides %s", name,
                                ADVLAB_META_MAX, "arch, input_scale, format and advlab_version");
    }
    return ADVLAB_OK;
}

/* Checks one tensor entry: keys, dtype, shape and the size its offsets hold. */
static advlab_status check_entry(const char *name, const file_view *f, slot *s)
{
    const advlab_tensor *t = &s->t;
    const advlab__json *e = s->entry, *dtype_v, *shape_v, *offsets_v;
    char have[SHAPE_TEXT], want[SHAPE_TEXT];
    uint64_t dims[SHAPE_SHOWN], want_dims[4];
    size_t rank = 0;
    int same;
    if (e->type != ADVLAB__JSON_OBJECT)
        return advlab__fail(ADVLAB_E_FORMAT, "%s: tensor %s: entry is not an object", name,
                            t->name);
    for (const advlab__json *m = e->child; m; m = m->next)
        if (strcmp(m->key, "dtype") != 0 && strcmp(m->key, "shape") != 0 &&
            strcmp(m->key, "data_offsets") != 0)
            return advlab__fail(ADVLAB_E_FORMAT, "%s: tensor %s: unexpected key \"%s\"", name,
                                t->name, m->key);
    dtype_v = advlab__json_get(e, "dtype");
    shape_v = advlab__json_get(e, "shape");
    offsets_v = advlab__json_get(e, "data_offsets");
    if (!dtype_v || !shape_v || !offsets_v)
        return advlab__fail(ADVLAB_E_FORMAT, "%s: tensor %s: no %s", name, t->name,
                            !dtype_v   ? "dtype"
                            : !shape_v ? "shape"
                                       : "data_offsets");

    if (!advlab__json_string(dtype_v))
        return advlab__fail(ADVLAB_E_FORMAT, "%s: tensor %s: dtype is not a string", name, t->name);
    if (strcmp(dtype_v->str, "F32") != 0)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: tensor %s: dtype %s is not supported, expected F32", name, t->name,
                            dtype_v->str);

    same = shape_v->type == ADVLAB__JSON_ARRAY && shape_v->len == (size_t)t->rank;
    for (const advlab__json *d = shape_v->child; d; d = d->next, rank++) {
        uint64_t v;
        if (!advlab__json_uint(d, &v))
            break;
        if (rank < SHAPE_SHOWN)
            dims[rank] = v;
        same = same && v == (uint64_t)t->shape[rank];
    }
    if (shape_v->type != ADVLAB__JSON_ARRAY || rank != shape_v->len)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: tensor %s: shape is not a list of non-negative integers", name,
                            t->name);
    if (!same) {
        for (int d = 0; d < t->rank; d++)
            want_dims[d] = (uint64_t)t->shape[d];
        shape_text(have, dims, rank);
        shape_text(want, want_dims, (size_t)t->rank);
        return advlab__fail(ADVLAB_E_FORMAT, "%s: tensor %s has shape %s, expected %s", name,
                            t->name, have, want);
    }

    if (offsets_v->type != ADVLAB__JSON_ARRAY || offsets_v->len != 2 ||
        !advlab__json_uint(offsets_v->child, &s->begin) ||
        !advlab__json_uint(offsets_v->child->next, &s->end))
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: tensor %s: data_offsets is not [begin,end] in bytes", name,
                            t->name);
    if (s->end < s->begin)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: tensor %s: data_offsets [%llu,%llu] end before they begin", name,
                            t->name, (unsigned long long)s->begin, (unsigned long long)s->end);
    if (s->end > f->data_len)
        return advlab__fail(
            ADVLAB_E_FORMAT,
            "%s: tensor %s: data_offsets [%llu,%llu] run past the end of the data (%zu bytes)",
            name, t->name, (unsigned long long)s->begin, (unsigned long long)s->end, f->data_len);
    if (s->end - s->begin != 4 * (uint64_t)t->count)
        return advlab__fail(
            ADVLAB_E_FORMAT,
            "%s: tensor %s: data_offsets [%llu,%llu] hold %llu bytes, but %zu F32 values need %zu",
            name, t->name, (unsigned long long)s->begin, (unsigned long long)s->end,
            (unsigned long long)(s->end - s->begin), t->count, 4 * t->count);
    return ADVLAB_OK;
}

static int by_begin(const void *a, const void *b)
{
    const slot *x = *(const slot *const *)a, *y = *(const slot *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* safetensors requires the tensors to tile the data region exactly: no
 * overlaps, no holes, nothing after the last one. */
static advlab_status check_tiling(const char *name, const file_view *f, slot *slots, int n)
{
    slot *order[MAX_TENSORS];
    uint64_t pos = 0;
    for (int i = 0; i < n; i++)
        order[i] = &slots[i];
    qsort(order, (size_t)n, sizeof *order, by_begin);
    for (int i = 0; i < n; i++) {
        const slot *s = order[i];
        if (s->begin < pos)
            return advlab__fail(ADVLAB_E_FORMAT,
                                "%s: tensors %s and %s overlap in the data (bytes %llu..%llu)",
                                name, order[i - 1]->t.name, s->t.name, (unsigned long long)s->begin,
                                (unsigned long long)pos);
        if (s->begin > pos)
            return advlab__fail(
                ADVLAB_E_FORMAT, "%s: data bytes %llu..%llu belong to no tensor (a hole before %s)",
                name, (unsigned long long)pos, (unsigned long long)s->begin, s->t.name);
        pos = s->end;
    }
    if (pos != f->data_len)
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: data bytes %llu..%zu belong to no tensor (after the last one)",
                            name, (unsigned long long)pos, f->data_len);
    return ADVLAB_OK;
}

/* Every check, in file order for the entries. Touches nothing. */
static advlab_status check_file(advlab_net *net, const char *name, const file_view *f, slot *slots,
                                int n)
{
    TRY(check_meta(net, name, f));
    for (const advlab__json *m = f->header->child; m; m = m->next) {
        int i = 0;
        if (m == f->meta)
            continue;
        while (i < n && !(strlen(slots[i].t.name) == m->key_len &&
                          memcmp(slots[i].t.name, m->key, m->key_len) == 0))
            i++;
        if (i == n)
            return advlab__fail(ADVLAB_E_FORMAT,
                                "%s: unexpected tensor \"%s\" (arch %s has no such tensor)", name,
                                m->key, advlab_net_arch(net));
        slots[i].entry = m; /* the parser rejects repeated names */
        TRY(check_entry(name, f, &slots[i]));
    }
    for (int i = 0; i < n; i++)
        if (!slots[i].entry)
            return advlab__fail(ADVLAB_E_FORMAT, "%s: tensor %s is missing", name, slots[i].t.name);
    TRY(check_tiling(name, f, slots, n));
    for (int i = 0; i < n; i++)
        for (size_t j = 0; j < slots[i].t.count; j++) {
            uint32_t bits = load_u32(f->data + slots[i].begin + 4 * j);
            if (!bits_finite(bits))
                return fail_nonfinite(name, &slots[i].t, j, bits);
        }
    return ADVLAB_OK;
}

/* Checks the opened file against net and, if it passes, copies it in. */
static advlab_status load_opened(advlab_net *net, const char *name, const file_view *f)
{
    int n = advlab_net_tensor_count(net);
    slot slots[MAX_TENSORS] = {0};
    assert(n <= MAX_TENSORS);
    for (int i = 0; i < n; i++)
        TRY(advlab_net_tensor(net, i, &slots[i].t));
    TRY(check_file(net, name, f, slots, n));

    /* Replace rather than merge: metadata describes the weights it came
     * with, so an old entry (say, "training") must not outlive them.
     * check_meta made sure every entry fits, so set_meta cannot fail. */
    advlab__net_meta_clear(net);
    for (const advlab__json *m = f->meta ? f->meta->child : NULL; m; m = m->next)
        if (!is_generated(m->key))
            TRY(advlab_net_set_meta(net, m->key, m->str));
    for (int i = 0; i < n; i++)
        for (size_t j = 0; j < slots[i].t.count; j++) {
            uint32_t bits = load_u32(f->data + slots[i].begin + 4 * j);
            memcpy(&slots[i].t.data[j], &bits, sizeof bits);
        }
    return ADVLAB_OK;
}

advlab_status advlab_weights_load(advlab_net *net, const char *name, const uint8_t *bytes,
                                  size_t len)
{
    file_view f;
    TRY(open_file(name, bytes, len, &f));
    advlab_status s = load_opened(net, name, &f);
    advlab__json_free(f.header);
    return s;
}

advlab_status advlab_net_from_weights(const char *name, const uint8_t *bytes, size_t len,
                                      int max_batch, advlab_net **out)
{
    file_view f;
    advlab_net *net;
    TRY(open_file(name, bytes, len, &f));
    const char *arch = advlab__json_string(advlab__json_get(f.meta, "arch"));
    advlab_status s;
    if (!arch) {
        s = advlab__fail(ADVLAB_E_FORMAT,
                         "%s: no \"arch\" in __metadata__; cannot tell which network this is",
                         name);
    } else if ((s = advlab_net_create(arch, max_batch, 0, &net)) != ADVLAB_OK) {
        /* The create message names the arch; say which file it came from. */
        char why[512];
        snprintf(why, sizeof why, "%s", advlab_last_error());
        s = advlab__fail(s, "%s: %s", name, why);
    } else if ((s = load_opened(net, name, &f)) != ADVLAB_OK) {
        advlab_net_free(net);
    } else {
        *out = net;
    }
    advlab__json_free(f.header);
    return s;
}
