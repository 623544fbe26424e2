/* safetensors: the JSON parser under it, the exact file we write, a round
 * trip, and one test per way a file can be rejected. Bad files are made by
 * editing a good one, and after every rejection the target net must be
 * exactly as it was. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "base/json.h"
#include "check.h"

#define TUTORIAL "c4k5-p2-c10k5-p2-d100-d10"
#define BAD "bad.safetensors"
/* One byte longer than a net keeps metadata keys. */
#define KEY_64 "a_key_of_64_bytes_is_one_more_than_the_net_keeps______________64"

/* strcmp that treats NULL as "no string", so a failed lookup fails a CHECK
 * instead of crashing the test. */
static int str_is(const char *s, const char *want) { return s && strcmp(s, want) == 0; }

/* ---------------------------------------------------------------- JSON */

static advlab_status parse(const char *text, const advlab__json **out)
{
    return advlab__json_parse("t.json", text, strlen(text), out);
}

static void test_json_values(void)
{
    const advlab__json *j, *m;
    uint64_t u = 0;
    const char *text = " {\"a\": [1, 9007199254740992, 9007199254740993, -1, 2.5, 1e3, 0],\n"
                       "  \"b\": {\"t\": true, \"f\": false, \"n\": null}, \"\": \"\"} ";
    CHECK(parse(text, &j) == ADVLAB_OK, "%s", advlab_last_error());
    if (!j)
        return;
    CHECK(j->type == ADVLAB__JSON_OBJECT && j->len == 3, "root is an object of 3 members");
    m = advlab__json_get(j, "a");
    CHECK(m && m->type == ADVLAB__JSON_ARRAY && m->len == 7 && m->offset == 7, "array a at byte 7");
    if (m) {
        const advlab__json *v = m->child;
        CHECK(advlab__json_uint(v, &u) && u == 1, "1");
        v = v->next;
        CHECK(advlab__json_uint(v, &u) && u == (uint64_t)1 << 53, "2^53 is exact");
        v = v->next;
        CHECK(v->type == ADVLAB__JSON_NUMBER && !advlab__json_uint(v, &u), "2^53+1 is no integer");
        for (int i = 0; i < 3; i++) {
            v = v->next;
            CHECK(v->type == ADVLAB__JSON_NUMBER && !advlab__json_uint(v, &u),
                  "-1, 2.5, 1e3 are numbers but not unsigned integers");
        }
        v = v->next;
        CHECK(advlab__json_uint(v, &u) && u == 0 && v->next == NULL, "0 ends the array");
    }
    m = advlab__json_get(j, "b");
    CHECK(advlab__json_get(m, "t")->type == ADVLAB__JSON_TRUE &&
              advlab__json_get(m, "f")->type == ADVLAB__JSON_FALSE &&
              advlab__json_get(m, "n")->type == ADVLAB__JSON_NULL,
          "literals");
    CHECK(advlab__json_get(m, "x") == NULL && advlab__json_get(m->child, "t") == NULL,
          "absent member, and get on a non-object");
    m = advlab__json_get(j, "");
    CHECK(m && advlab__json_string(m) && m->len == 0, "empty key and string");
    advlab__json_free(j);
}

static void test_json_strings(void)
{
    const advlab__json *j;
    /* Every escape, a BMP code point, a surrogate pair, raw UTF-8. */
    const char *text = "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00 \xc3\xa9\"";
    const char *want = "\" \\ / \b \f \n \r \t \xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9";
    CHECK(parse(text, &j) == ADVLAB_OK, "%s", advlab_last_error());
    if (j) {
        CHECK(j->len == strlen(want) && str_is(advlab__json_string(j), want), "decoded: %s",
              j->str);
        advlab__json_free(j);
    }
    CHECK(parse("\"a\\u0000b\"", &j) == ADVLAB_OK, "%s", advlab_last_error());
    if (j) {
        CHECK(j->len == 3 && memcmp(j->str, "a\0b", 3) == 0 && advlab__json_string(j) == NULL,
              "an escaped NUL is kept, and advlab__json_string refuses it");
        advlab__json_free(j);
    }
    CHECK(advlab__json_utf8_valid("\xc3\xa9\xf0\x9f\x98\x80", 6), "valid UTF-8");
    CHECK(!advlab__json_utf8_valid("\xc3", 1), "truncated sequence");
    CHECK(!advlab__json_utf8_valid("\xc0\xaf", 2), "overlong '/'");
    CHECK(!advlab__json_utf8_valid("\xed\xa0\x80", 3), "encoded surrogate");
    CHECK(!advlab__json_utf8_valid("\xf4\x90\x80\x80", 4), "beyond U+10FFFF");
    CHECK(!advlab__json_utf8_valid("\xf8\x88\x80\x80\x80", 5), "five-byte form");
}

static void json_rejects(int line, const char *text, const char *needle)
{
    const advlab__json *j = NULL;
    check_fails_with(parse(text, &j), ADVLAB_E_FORMAT, needle, __FILE__, line);
    CHECK(j == NULL, "no tree on failure");
}
#define JSON_REJECTS(text, needle) json_rejects(__LINE__, text, needle)

static void test_json_rejects(void)
{
    char deep[64] = "", many[4 * ADVLAB__JSON_MAX_VALUES];
    JSON_REJECTS("", "t.json: unexpected end of JSON, expected a value at byte 0");
    JSON_REJECTS("{\"a\":[1,2", "unexpected end of JSON, expected ',' or ']' at byte 9");
    JSON_REJECTS("{\"a\" 1}", "t.json: expected ':', found '1' at byte 5");
    JSON_REJECTS("{} x", "expected the end of the JSON text, found 'x' at byte 3");
    JSON_REJECTS("{}}", "expected the end of the JSON text, found '}' at byte 2");
    JSON_REJECTS("[1,]", "expected a value, found ']' at byte 3");
    JSON_REJECTS("{\"a\":1,}", "expected a member name, found '}' at byte 7");
    JSON_REJECTS("{1:2}", "expected a member name, found '1' at byte 1");
    JSON_REJECTS("[tru]", "invalid literal, expected true at byte 1");
    JSON_REJECTS("[01]", "number with a leading zero at byte 1");
    JSON_REJECTS("[1.]", "expected a digit after '.', found ']' at byte 3");
    JSON_REJECTS("[-]", "expected a digit, found ']' at byte 2");
    JSON_REJECTS("[1e]", "expected a digit in the exponent");
    JSON_REJECTS("[+1]", "expected a value, found '+' at byte 1");
    JSON_REJECTS("\"\\q\"", "expected an escape (one of \"\\/bfnrtu), found 'q' at byte 2");
    JSON_REJECTS("\"\\u12g4\"", "invalid \\u escape (four hex digits expected) at byte 1");
    JSON_REJECTS("\"ab", "unterminated string at byte 3");
    JSON_REJECTS("\"a\nb\"", "control character 0x0a in a string at byte 2");
    JSON_REJECTS("\"\\uD83D\"", "unpaired surrogate \\uD83D at byte 1");
    JSON_REJECTS("\"\\uD83Dx\"", "unpaired surrogate \\uD83D at byte 1");
    JSON_REJECTS("\"\\uD83D\\u0041\"", "unpaired surrogate \\uD83D at byte 1");
    JSON_REJECTS("\"x\\uDE00\"", "unpaired surrogate \\uDE00 at byte 2");
    JSON_REJECTS("\"\xc3(\"", "invalid UTF-8 at byte 1");
    JSON_REJECTS("\"\xed\xa0\x80\"", "invalid UTF-8 at byte 1");
    JSON_REJECTS("[\x01]", "expected a value, found byte 0x01 at byte 1");
    JSON_REJECTS("{\"a\":1,\"b\":2,\"a\":3}", "duplicate member \"a\" at byte 13");

    /* 16 levels parse, 17 do not. */
    for (int i = 0; i < 16; i++)
        deep[i] = '[', deep[32 - i] = ']';
    deep[16] = '1';
    {
        const advlab__json *j;
        CHECK(parse(deep, &j) == ADVLAB_OK, "16 levels: %s", advlab_last_error());
        advlab__json_free(j);
    }
    memmove(deep + 1, deep, strlen(deep) + 1);
    deep[0] = '[';
    strcat(deep, "]");
    JSON_REJECTS(deep, "nesting deeper than 16 at byte 16");

    /* The array and its MAX_VALUES items are one value too many. */
    strcpy(many, "[0");
    for (int i = 1; i < ADVLAB__JSON_MAX_VALUES; i++)
        strcat(many + 2 * i - 1, ",0");
    strcat(many, "]");
    JSON_REJECTS(many, "more than 4096 values at byte 8191");
}

/* Numbers' values (a sweep spec's settings), the number length cap, and the
 * caller's caps on values and on an object's members. */
static void test_json_numbers(void)
{
    const advlab__json *j = NULL;
    double x = 0;
    CHECK(parse("[2.5, -1, 1e3, 0.1, 1e999, -0.0, 12345678901234567890]", &j) == ADVLAB_OK, "%s",
          advlab_last_error());
    const double want[] = {2.5, -1, 1e3, 0.1, INFINITY, -0.0, 12345678901234567890.0};
    int i = 0;
    for (const advlab__json *v = j ? j->child : NULL; v; v = v->next, i++)
        CHECK(advlab__json_number(v, &x) && x == want[i] && signbit(x) == signbit(want[i]),
              "number %d is %.17g, expected %.17g", i, x, want[i]);
    CHECK(i == 7, "%d numbers", i);
    CHECK(j && !advlab__json_number(j, &x), "an array is not a number");
    advlab__json_free(j);
    char text[80] = "[1.";
    memset(text + 3, '5', 62);
    strcpy(text + 65, "]");
    CHECK(parse(text, &j) == ADVLAB_OK, "64 characters: %s", advlab_last_error());
    advlab__json_free(j);
    strcpy(text + 65, "5]");
    JSON_REJECTS(text, "t.json: number longer than 64 characters at byte 1");
    const char *four = "[{\"a\":1,\"b\":2}]";
    CHECK_FAILS(advlab__json_parse_limit("t.json", four, strlen(four), 3, 8, &j), ADVLAB_E_FORMAT,
                "t.json: more than 3 values at byte 12");
    CHECK_FAILS(advlab__json_parse_limit("t.json", four, strlen(four), 8, 1, &j), ADVLAB_E_FORMAT,
                "t.json: object of more than 1 members at byte 8");
    CHECK(advlab__json_parse_limit("t.json", four, strlen(four), 4, 2, &j) == ADVLAB_OK, "%s",
          advlab_last_error());
    advlab__json_free(j);
}

/* ------------------------------------------------------------- weights */

/* The file under test, written once from `source`. */
static uint8_t *good;
static size_t good_len;
static char *good_header; /* its JSON, NUL-terminated */
static size_t data_len;   /* bytes in its data region */

static uint64_t read_u64(const uint8_t *p)
{
    uint64_t n = 0;
    for (int i = 0; i < 8; i++)
        n |= (uint64_t)p[i] << 8 * i;
    return n;
}

static uint8_t *build(const char *header, const uint8_t *data, size_t n_data, size_t *len)
{
    size_t n = strlen(header);
    uint8_t *out = malloc(8 + n + n_data);
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)((uint64_t)n >> 8 * i);
    memcpy(out + 8, header, n);
    memcpy(out + 8 + n, data, n_data);
    *len = 8 + n + n_data;
    return out;
}

static const uint8_t *good_data(void) { return good + good_len - data_len; }

/* The good file with the first `from` in its header replaced by `to` and
 * `extra` zero bytes after its data. */
static uint8_t *edit_more(const char *from, const char *to, size_t extra, size_t *len)
{
    const char *at = strstr(good_header, from);
    char *h = malloc(strlen(good_header) + strlen(to) + 1);
    uint8_t *data = calloc(1, data_len + extra), *out;
    CHECK(at != NULL, "\"%s\" is not in the header", from);
    if (!at)
        at = good_header, from = "";
    memcpy(h, good_header, (size_t)(at - good_header));
    strcpy(h + (at - good_header), to);
    strcat(h, at + strlen(from));
    memcpy(data, good_data(), data_len);
    out = build(h, data, data_len + extra, len);
    free(h);
    free(data);
    return out;
}

static uint8_t *edit(const char *from, const char *to, size_t *len)
{
    return edit_more(from, to, 0, len);
}

/* The good file with data bytes [at, at+4) set to the float with bits u. */
static uint8_t *edit_value(size_t at, uint32_t u, size_t *len)
{
    uint8_t *out = malloc(good_len);
    memcpy(out, good, good_len);
    for (int i = 0; i < 4; i++)
        out[good_len - data_len + at + i] = (uint8_t)(u >> 8 * i);
    *len = good_len;
    return out;
}

/* The net every bad file is loaded into, and a copy of its state. */
static advlab_net *target;
static float *target_params;

static void expect_target_unchanged(const char *why)
{
    CHECK(memcmp(advlab_net_params(target), target_params,
                 advlab_net_param_count(target) * sizeof(float)) == 0,
          "params changed by a rejected file (%s)", why);
    CHECK(advlab_net_meta(target, "dataset") &&
              str_is(advlab_net_meta(target, "dataset"), "fashion") &&
              advlab_net_meta(target, "training") == NULL,
          "metadata changed by a rejected file (%s)", why);
}

/* Loads bytes into target, checks that a failure left it alone, frees bytes. */
static advlab_status load_bad(uint8_t *bytes, size_t len)
{
    advlab_status s = advlab_weights_load(target, BAD, bytes, len);
    if (s != ADVLAB_OK)
        expect_target_unchanged(advlab_last_error());
    free(bytes);
    return s;
}

/* Loads bytes into a fresh tutorial net, for files that should load; frees bytes. */
static advlab_status load_scratch(uint8_t *bytes, size_t len)
{
    advlab_net *net = NULL;
    advlab_status s = advlab_net_create("tutorial", 1, 7, &net);
    if (s == ADVLAB_OK)
        s = advlab_weights_load(net, "good.safetensors", bytes, len);
    advlab_net_free(net);
    free(bytes);
    return s;
}

static void test_file_layout(advlab_net *source)
{
    static const struct {
        const char *name;
        int rank, shape[4];
    } want[] = {
        {"conv1.weight", 4, {4, 1, 5, 5}},  {"conv1.bias", 1, {4}},
        {"conv2.weight", 4, {10, 4, 5, 5}}, {"conv2.bias", 1, {10}},
        {"fc1.weight", 2, {100, 160}},      {"fc1.bias", 1, {100}},
        {"fc2.weight", 2, {10, 100}},       {"fc2.bias", 1, {10}},
    };
    /* Written by hand from the torch model, as an independent reference. */
    const char *tensors =
        "\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[4,1,5,5],\"data_offsets\":[0,400]},"
        "\"conv1.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[400,416]},"
        "\"conv2.weight\":{\"dtype\":\"F32\",\"shape\":[10,4,5,5],\"data_offsets\":[416,4416]},"
        "\"conv2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[4416,4456]},"
        "\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[100,160],\"data_offsets\":[4456,68456]},"
        "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[68456,68856]},"
        "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[10,100],\"data_offsets\":[68856,72856]},"
        "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[72856,72896]}}";
    const char *meta_start =
        "{\"__metadata__\":{\"arch\":\"" TUTORIAL "\",\"input_scale\":\"[0,1]\","
        "\"format\":\"pt\",\"advlab_version\":\"" ADVLAB_VERSION "\","
        "\"dataset\":\"mnist\",\"training\":";
    uint64_t n = read_u64(good), begin = 0, u = 0;
    const advlab__json *j = NULL, *meta, *m;
    const float *params = advlab_net_params(source);
    int i = 0, exact = 1;

    CHECK(n % 8 == 0 && good_len == 8 + n + 72896,
          "8 + N = %llu is a multiple of 8, then 72896 data bytes", (unsigned long long)(8 + n));
    CHECK(strspn(strrchr(good_header, '}') + 1, " ") == strlen(strrchr(good_header, '}') + 1),
          "padding is spaces");
    CHECK(strstr(good_header, tensors) != NULL, "tensor entries: %s", good_header);
    CHECK(strncmp(good_header, meta_start, strlen(meta_start)) == 0, "metadata first: %s",
          good_header);

    CHECK(advlab__json_parse("header", good_header, strlen(good_header), &j) == ADVLAB_OK, "%s",
          advlab_last_error());
    if (!j)
        return;
    meta = advlab__json_get(j, "__metadata__");
    CHECK(meta == j->child, "__metadata__ comes first");
    CHECK(str_is(advlab__json_string(advlab__json_get(meta, "arch")), TUTORIAL), "arch");
    CHECK(str_is(advlab__json_string(advlab__json_get(meta, "input_scale")), "[0,1]"), "scale");
    CHECK(str_is(advlab__json_string(advlab__json_get(meta, "format")), "pt"), "format");
    CHECK(str_is(advlab__json_string(advlab__json_get(meta, "advlab_version")), advlab_version()),
          "version");
    CHECK(str_is(advlab__json_string(advlab__json_get(meta, "training")),
                 "adam, \"quoted\" \\ tab\t nl\n ctl\x01 \xc3\xa9 \xf0\x9f\x98\x80"),
          "escaped metadata reads back");
    for (m = meta->next; m; m = m->next, i++) {
        const advlab__json *shape = advlab__json_get(m, "shape"),
                           *off = advlab__json_get(m, "data_offsets");
        const advlab__json *d = shape->child;
        uint64_t b = 0, e = 0, count = 1;
        if (i >= 8)
            break;
        CHECK(strcmp(m->key, want[i].name) == 0, "tensor %d is %s, expected %s", i, m->key,
              want[i].name);
        CHECK(str_is(advlab__json_string(advlab__json_get(m, "dtype")), "F32"), "%s dtype", m->key);
        CHECK(shape->len == (size_t)want[i].rank, "%s rank", m->key);
        for (int k = 0; d && k < want[i].rank; k++, d = d->next) {
            CHECK(advlab__json_uint(d, &u) && u == (uint64_t)want[i].shape[k], "%s dim %d", m->key,
                  k);
            count *= u;
        }
        CHECK(off->len == 2 && advlab__json_uint(off->child, &b) &&
                  advlab__json_uint(off->child->next, &e),
              "%s offsets", m->key);
        CHECK(b == begin && e == b + 4 * count, "%s is [%llu,%llu], contiguous", m->key,
              (unsigned long long)b, (unsigned long long)e);
        begin = e;
    }
    CHECK(i == 8 && begin == data_len, "8 tensors tile the data");
    advlab__json_free(j);

    /* The data are the params, as little-endian IEEE-754, whatever the host. */
    for (size_t k = 0; k < advlab_net_param_count(source); k++) {
        const uint8_t *p = good_data() + 4 * k;
        uint32_t bits =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        uint32_t want_bits;
        memcpy(&want_bits, &params[k], 4);
        exact &= bits == want_bits;
    }
    CHECK(exact, "data region holds the params bit for bit");
}

static void test_round_trip(advlab_net *source)
{
    advlab_net *net, *made = NULL;
    size_t count = advlab_net_param_count(source);
    CHECK(advlab_net_create("tutorial", 4, 99, &net) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(memcmp(advlab_net_params(net), advlab_net_params(source), count * 4) != 0,
          "another seed gives other weights, so the test can fail");
    advlab_net_set_meta(net, "stale", "from before the load");
    CHECK(advlab_weights_load(net, "good.safetensors", good, good_len) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(memcmp(advlab_net_params(net), advlab_net_params(source), count * 4) == 0,
          "params bit-identical");
    CHECK(str_is(advlab_net_meta(net, "dataset"), "mnist"), "dataset carried");
    CHECK(str_is(advlab_net_meta(net, "training"), advlab_net_meta(source, "training")),
          "training carried");
    CHECK(advlab_net_meta(net, "stale") == NULL, "loading replaces the metadata");
    CHECK(advlab_net_meta(net, "arch") == NULL && advlab_net_meta(net, "advlab_version") == NULL,
          "generated keys are checked, not kept");

    /* Saving the loaded net gives the same file again. */
    {
        uint8_t *again;
        size_t again_len;
        CHECK(advlab_weights_save(net, &again, &again_len) == ADVLAB_OK, "%s", advlab_last_error());
        CHECK(again_len == good_len && memcmp(again, good, good_len) == 0, "save(load(f)) == f");
        advlab_buffer_free(again);
    }
    advlab_net_free(net);

    CHECK(advlab_net_from_weights("good.safetensors", good, good_len, 3, &made) == ADVLAB_OK, "%s",
          advlab_last_error());
    if (made) {
        CHECK(str_is(advlab_net_arch(made), TUTORIAL) && advlab_net_max_batch(made) == 3,
              "arch from the file, max_batch from the caller");
        CHECK(memcmp(advlab_net_params(made), advlab_net_params(source), count * 4) == 0,
              "from_weights params bit-identical");
        CHECK(str_is(advlab_net_meta(made, "dataset"), "mnist"), "from_weights metadata");
        advlab_net_free(made);
    }

    /* The larger presets go through the same code; gowal-small's spec
     * carries its stride, and a padded spec its padding, in the metadata. */
    const char *presets[][2] = {{"madry", "c32k5-p2-c64k5-p2-d1024-d10"},
                                {"gowal-small", "c16k4s2-c32k4-d100-d10"},
                                {"c8k3s1p1-p2-c4k5s2p2-d10", "c8k3p1-p2-c4k5s2p2-d10"}};
    for (int i = 0; i < 3; i++) {
        advlab_net *big, *copy = NULL;
        uint8_t *bytes;
        size_t len;
        CHECK(advlab_net_create(presets[i][0], 1, 3, &big) == ADVLAB_OK, "%s", advlab_last_error());
        CHECK(advlab_weights_save(big, &bytes, &len) == ADVLAB_OK, "%s", advlab_last_error());
        CHECK(advlab_net_from_weights("big.safetensors", bytes, len, 1, &copy) == ADVLAB_OK, "%s",
              advlab_last_error());
        CHECK(copy && str_is(advlab_net_arch(copy), presets[i][1]) &&
                  memcmp(advlab_net_params(copy), advlab_net_params(big),
                         advlab_net_param_count(big) * sizeof(float)) == 0,
              "%s round trip", presets[i][0]);
        advlab_net_free(copy);
        advlab_net_free(big);
        advlab_buffer_free(bytes);
    }
}

/* A file as another writer might make it: no __metadata__, tensors stored
 * in reverse order, keys in another order, no padding. It must load. */
static void test_foreign_file(advlab_net *source)
{
    char header[2048] = "{";
    size_t at[16], offset = 0, len;
    uint8_t *data = malloc(data_len), *bytes;
    int n = advlab_net_tensor_count(source);
    advlab_net *net;
    advlab_tensor t;
    for (int i = 0; i < n; i++) {
        advlab_net_tensor(source, i, &t);
        at[i] = offset;
        offset += 4 * t.count;
    }
    offset = 0;
    for (int i = n - 1; i >= 0; i--) {
        size_t h = strlen(header);
        advlab_net_tensor(source, i, &t);
        h += (size_t)snprintf(header + h, sizeof header - h,
                              "%s\"%s\": {\"data_offsets\": [%zu, %zu], \"shape\": [",
                              i < n - 1 ? ", " : "", t.name, offset, offset + 4 * t.count);
        for (int d = 0; d < t.rank; d++)
            h += (size_t)snprintf(header + h, sizeof header - h, "%s%d", d ? ", " : "", t.shape[d]);
        snprintf(header + h, sizeof header - h, "], \"dtype\": \"F32\"}");
        memcpy(data + offset, good_data() + at[i], 4 * t.count);
        offset += 4 * t.count;
    }
    strcat(header, "}");
    bytes = build(header, data, data_len, &len);
    CHECK(advlab_net_create("tutorial", 1, 5, &net) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_net_set_meta(net, "dataset", "old");
    CHECK(advlab_weights_load(net, "foreign.safetensors", bytes, len) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(memcmp(advlab_net_params(net), advlab_net_params(source),
                 advlab_net_param_count(source) * sizeof(float)) == 0,
          "reordered file loads bit-identical params");
    CHECK(advlab_net_meta(net, "dataset") == NULL, "a file without metadata clears it");
    advlab_net_free(net);
    free(bytes);
    free(data);
}

static void test_rejects_frame(void)
{
    size_t n;
    uint8_t *b;
    char needle[128];

    b = malloc(5);
    memcpy(b, good, 5);
    CHECK_FAILS(load_bad(b, 5), ADVLAB_E_FORMAT,
                BAD ": 5 bytes is too short for safetensors (the header length alone is 8)");

    b = malloc(good_len);
    memcpy(b, good, good_len);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)(good_len - 7) >> 8 * i);
    snprintf(needle, sizeof needle,
             BAD ": header length %zu runs past the end of the file (%zu bytes)", good_len - 7,
             good_len);
    CHECK_FAILS(load_bad(b, good_len), ADVLAB_E_FORMAT, needle);

    b = malloc(good_len);
    memcpy(b, good, good_len);
    b[7] = 0x80; /* 2^63 more */
    snprintf(needle, sizeof needle, BAD ": header length %llu runs past",
             (unsigned long long)read_u64(b));
    CHECK_FAILS(load_bad(b, good_len), ADVLAB_E_FORMAT, needle);

    /* Truncated JSON: the header cut short, the length prefix rewritten. */
    {
        char half[1024];
        size_t cut = (size_t)(strstr(good_header, "\"conv2.bias\"") - good_header);
        memcpy(half, good_header, cut);
        half[cut] = '\0';
        b = build(half, good_data(), data_len, &n);
        CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                    BAD ": header JSON: unexpected end of JSON, expected a member name at byte");
    }
    b = edit("72896]}}", "72896]}} x", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": header JSON: expected the end of the JSON text, found 'x' at byte");
    b = edit("\"conv1.bias\"", "\"conv1\\qbias\"", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT, BAD ": header JSON: expected an escape (one of");
    b = edit("\"mnist\"", "[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": header JSON: nesting deeper than 16 at byte");
    b = edit("\"conv1.bias\"", "\"conv1\\uD800bias\"", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": header JSON: unpaired surrogate \\uD800 at byte");
    b = edit("\"conv1.bias\"", "\"conv1\xff.bias\"", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT, BAD ": header JSON: invalid UTF-8 at byte");
    b = edit("\"fc2.bias\":", "\"fc2.weight\":", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": header JSON: duplicate member \"fc2.weight\"");
    b = build("[]", good_data(), data_len, &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT, BAD ": header JSON is not an object");
}

static void test_rejects_metadata(void)
{
    size_t n;
    uint8_t *b;
    char big[1200];

    b = edit("\"mnist\"", "7", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT, BAD ": __metadata__ \"dataset\" is not a string");
    b = edit("\"__metadata__\":{", "\"__metadata__\":[],\"m\":{", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT, BAD ": __metadata__ is not an object");
    b = edit("\"mnist\"", "\"mn\\u0000ist\"", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT, BAD ": __metadata__ \"dataset\" contains a NUL");
    b = edit("\"" TUTORIAL "\"", "\"madry\"", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": __metadata__ arch \"madry\" does not match the net's arch \"" TUTORIAL "\"");
    b = edit("\"" TUTORIAL "\"", "\"c4k5-p2-junk\"", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": __metadata__ arch \"c4k5-p2-junk\" does not match the net's arch");
    b = edit("\"[0,1]\"", "\"[0,255]\"", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": __metadata__ input_scale \"[0,255]\" is not supported, expected \"[0,1]\"");
    memset(big, 'x', sizeof big);
    big[0] = '"', big[1101] = '"', big[1102] = '\0';
    b = edit("\"mnist\"", big, &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": __metadata__ \"dataset\" is 1100 bytes, over the limit of 1023");

    /* Limits of the net's metadata table: 2 entries plus 15 is 17 > 16. */
    big[0] = '\0';
    for (int i = 0; i < 15; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), ",\"k%d\":\"v\"", i);
    b = edit(",\"training\":", strcat(big, ",\"training\":"), &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": __metadata__ has more than 16 entries besides arch, input_scale, format "
                    "and advlab_version");
    b = edit("\"dataset\"", "\"" KEY_64 "\"", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": __metadata__ key \"" KEY_64 "\" is not 1..63 bytes long");

    /* The preset name stands for its spec. */
    b = edit("\"" TUTORIAL "\"", "\"tutorial\"", &n);
    CHECK(load_scratch(b, n) == ADVLAB_OK, "preset name: %s", advlab_last_error());
}

static void test_rejects_tensors(void)
{
    size_t n;
    uint8_t *b;

    b = edit("\"F32\"", "\"F16\"", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": tensor conv1.weight: dtype F16 is not supported, expected F32");
    b = edit("\"dtype\":\"F32\",", "", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT, BAD ": tensor conv1.weight: no dtype");
    b = edit("\"shape\":[4,1,5,5]", "\"shape\":[4,1,5,5],\"extra\":1", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": tensor conv1.weight: unexpected key \"extra\"");
    b = edit("{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[400,416]}", "[]", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT, BAD ": tensor conv1.bias: entry is not an object");

    b = edit("[4,1,5,5]", "[4,1,3,3]", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": tensor conv1.weight has shape [4,1,3,3], expected [4,1,5,5]");
    b = edit("[4,1,5,5]", "[4,25,1]", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": tensor conv1.weight has shape [4,25,1], expected [4,1,5,5]");
    b = edit("[4,1,5,5]", "[4,1,5,5,1,1,1,1,1,1]", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": tensor conv1.weight has shape [4,1,5,5,1,1,1,1,...], expected [4,1,5,5]");
    b = edit("[4,1,5,5]", "[4,1,5,5.0]", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": tensor conv1.weight: shape is not a list of non-negative integers");
    b = edit("[4,1,5,5]", "[4,-1,5,5]", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": tensor conv1.weight: shape is not a list of non-negative integers");

    b = edit("[72856,72896]", "[72860,72900]", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": tensor fc2.bias: data_offsets [72860,72900] run past the end of the data");
    b = edit("[400,416]", "[416,400]", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": tensor conv1.bias: data_offsets [416,400] end before they begin");
    b = edit("[400,416]", "[400,416,0]", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": tensor conv1.bias: data_offsets is not [begin,end] in bytes");
    b = edit("[400,416]", "[400,412]", &n);
    CHECK_FAILS(
        load_bad(b, n), ADVLAB_E_FORMAT,
        BAD ": tensor conv1.bias: data_offsets [400,412] hold 12 bytes, but 4 F32 values need 16");
    b = edit("[400,416]", "[396,412]", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": tensors conv1.weight and conv1.bias overlap in the data (bytes 396..400)");
    b = edit_more("[72856,72896]", "[72860,72900]", 4, &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": data bytes 72856..72860 belong to no tensor (a hole before fc2.bias)");
    b = edit_more("", "", 4, &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": data bytes 72896..72900 belong to no tensor (after the last one)");

    b = edit(",\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[72856,72896]}", "",
             &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT, BAD ": tensor fc2.bias is missing");
    b = edit("\"fc2.bias\"", "\"fc3.bias\"", &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_FORMAT,
                BAD ": unexpected tensor \"fc3.bias\" (arch " TUTORIAL " has no such tensor)");
}

static void test_rejects_values(void)
{
    size_t n;
    uint8_t *b;

    b = edit_value(4456 + 4 * 1234, 0x7fc00000u, &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_NUMERIC,
                BAD ": tensor fc1.weight[7,114] (flat index 1234) is NaN");
    b = edit_value(4 * 56, 0xff800000u, &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_NUMERIC,
                BAD ": tensor conv1.weight[2,0,1,1] (flat index 56) is -Inf");
    b = edit_value(4416 + 4 * 3, 0x7f800000u, &n);
    CHECK_FAILS(load_bad(b, n), ADVLAB_E_NUMERIC,
                BAD ": tensor conv2.bias[3] (flat index 3) is +Inf");
}

static void test_from_weights_rejects(void)
{
    size_t n;
    uint8_t *b;
    advlab_net *net = NULL;

    b = edit("\"arch\":\"" TUTORIAL "\",", "", &n);
    CHECK_FAILS(advlab_net_from_weights(BAD, b, n, 1, &net), ADVLAB_E_FORMAT,
                BAD ": no \"arch\" in __metadata__; cannot tell which network this is");
    CHECK(net == NULL, "no net on failure");
    CHECK(load_scratch(b, n) == ADVLAB_OK, "a net of known arch loads a file without one: %s",
          advlab_last_error());

    b = edit("\"" TUTORIAL "\"", "\"c4k5-q2\"", &n);
    CHECK_FAILS(advlab_net_from_weights(BAD, b, n, 1, &net), ADVLAB_E_ARG,
                BAD ": arch \"c4k5-q2\"");
    CHECK(net == NULL, "no net on failure");
    free(b);

    /* A net is made, then the file fails: the net must be freed (ASan). */
    b = edit_value(0, 0x7fc00000u, &n);
    CHECK_FAILS(advlab_net_from_weights(BAD, b, n, 1, &net), ADVLAB_E_NUMERIC,
                BAD ": tensor conv1.weight[0,0,0,0] (flat index 0) is NaN");
    CHECK(net == NULL, "no net on failure");
    free(b);

    b = edit("\"" TUTORIAL "\"", "\"tutorial\"", &n);
    CHECK(advlab_net_from_weights("preset.safetensors", b, n, 1, &net) == ADVLAB_OK, "%s",
          advlab_last_error());
    CHECK(net && str_is(advlab_net_arch(net), TUTORIAL), "preset name in the file");
    advlab_net_free(net);
    free(b);
}

static void test_save_rejects(advlab_net *source)
{
    advlab_net *net;
    advlab_tensor t;
    uint8_t *bytes = NULL;
    size_t len = 0;
    CHECK(advlab_net_create("tutorial", 1, 1, &net) == ADVLAB_OK, "%s", advlab_last_error());
    memcpy(advlab_net_params(net), advlab_net_params(source),
           advlab_net_param_count(net) * sizeof(float));
    advlab_net_tensor(net, 5, &t);
    t.data[7] = NAN;
    CHECK_FAILS(advlab_weights_save(net, &bytes, &len), ADVLAB_E_NUMERIC,
                "weights save: tensor fc1.bias[7] (flat index 7) is NaN");
    t.data[7] = 0;
    advlab_net_set_meta(net, "note", "caf\xe9");
    CHECK_FAILS(advlab_weights_save(net, &bytes, &len), ADVLAB_E_ARG,
                "weights save: metadata \"note\" is not valid UTF-8");
    CHECK(bytes == NULL && len == 0, "no output on failure");
    advlab_net_free(net);
}

int main(void)
{
    advlab_net *source;
    advlab_tensor t;

    test_json_values();
    test_json_strings();
    test_json_rejects();
    test_json_numbers();

    if (advlab_net_create("tutorial", 2, 1, &source) != ADVLAB_OK ||
        advlab_net_create("tutorial", 2, 2, &target) != ADVLAB_OK) {
        fprintf(stderr, "net_create: %s\n", advlab_last_error());
        return 1;
    }
    advlab_net_set_meta(source, "dataset", "mnist");
    advlab_net_set_meta(source, "training",
                        "adam, \"quoted\" \\ tab\t nl\n ctl\x01 \xc3\xa9 \xf0\x9f\x98\x80");
    advlab_net_set_meta(target, "dataset", "fashion");
    /* Non-zero biases, so a bias mix-up shows. */
    for (int i = 0; i < advlab_net_tensor_count(source); i++) {
        advlab_net_tensor(source, i, &t);
        if (t.rank == 1)
            for (size_t k = 0; k < t.count; k++)
                t.data[k] = 0.01f * (float)(i * 100 + (int)k);
    }
    target_params = malloc(advlab_net_param_count(target) * sizeof(float));
    memcpy(target_params, advlab_net_params(target),
           advlab_net_param_count(target) * sizeof(float));

    CHECK(advlab_weights_save(source, &good, &good_len) == ADVLAB_OK, "%s", advlab_last_error());
    good_header = calloc(1, read_u64(good) + 1);
    memcpy(good_header, good + 8, read_u64(good));
    data_len = good_len - 8 - read_u64(good);

    test_file_layout(source);
    test_round_trip(source);
    test_foreign_file(source);
    test_rejects_frame();
    test_rejects_metadata();
    test_rejects_tensors();
    test_rejects_values();
    test_from_weights_rejects();
    test_save_rejects(source);

    advlab_buffer_free(good);
    free(good_header);
    free(target_params);
    advlab_net_free(source);
    advlab_net_free(target);
    return check_finish("test_weights");
}
