/* base/config, the one config mechanism, on a config made up for the test so
 * that every field type, range form and kind rule is exercised: setting by
 * number and by text, the type checks at set, the range checks and their one
 * message form, seeds, kinds, --help lines and JSON. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/config.h"
#include "base/error.h"
#include "check.h"

typedef enum { SHAPE_SQUARE, SHAPE_ROUND } shape_kind;

typedef struct {
    shape_kind kind;
    float size;  /* (0, inf) */
    float ratio; /* [0, 1) */
    int count;   /* 1..INT_MAX */
    int sides;   /* 3..12, square only */
    int filled;  /* flag */
    float norm;
    int colour; /* choice */
    uint64_t seed;
} shape;

static const char *const kinds[] = {"square", "round", NULL};
static const char *const colours[] = {"red", "green", "blue", NULL};

static const advlab__cfg_field fields[] = {
    {"size", ADVLAB__CFG_FLOAT, offsetof(shape, size), 1, 0, INFINITY, ADVLAB__CFG_MIN_OPEN, 0,
     NULL, "side"},
    {"ratio", ADVLAB__CFG_FLOAT, offsetof(shape, ratio), 0.5, 0, 1, ADVLAB__CFG_MAX_OPEN, 0, NULL,
     "aspect"},
    {"count", ADVLAB__CFG_INT, offsetof(shape, count), 2, 1, 2147483647.0, 0, 0, NULL, "how many"},
    {"sides", ADVLAB__CFG_INT, offsetof(shape, sides), 4, 3, 12, 0, 1u << SHAPE_SQUARE, NULL,
     "corners"},
    {"filled", ADVLAB__CFG_FLAG, offsetof(shape, filled), 0, 0, 1, 0, 0, NULL, "fill it"},
    {"norm", ADVLAB__CFG_NORM, offsetof(shape, norm), INFINITY, 0, 0, 0, 0, NULL, "the ball"},
    {"colour", ADVLAB__CFG_CHOICE, offsetof(shape, colour), 1, 0, 0, 0, 0, colours, "paint"},
    {"seed", ADVLAB__CFG_SEED, offsetof(shape, seed), 7, 0, 0, 0, 0, NULL, "jitter"},
};
static const advlab__cfg_spec spec =
    ADVLAB__CFG_SPEC("shape", shape, kinds, offsetof(shape, kind), fields, NULL);

static shape square(void) { return (shape){SHAPE_SQUARE, 1.0f, 0.5f, 2, 4, 0, INFINITY, 1, 7}; }

#define SET_FAILS(call, needle) CHECK_FAILS(call, ADVLAB_E_ARG, needle)

static void test_set(void)
{
    shape s = square();
    CHECK(advlab__cfg_set(&spec, &s, "size", 2.5) == ADVLAB_OK && s.size == 2.5f,
          "a float by number");
    CHECK(advlab__cfg_set_text(&spec, &s, "count", "9") == ADVLAB_OK && s.count == 9,
          "an int by text");
    CHECK(advlab__cfg_set_text(&spec, &s, "colour", "blue") == ADVLAB_OK && s.colour == 2,
          "a choice by name");
    CHECK(advlab__cfg_set(&spec, &s, "colour", 0) == ADVLAB_OK && s.colour == 0,
          "a choice by number");
    CHECK(advlab__cfg_set_text(&spec, &s, "norm", "inf") == ADVLAB_OK && isinf(s.norm),
          "norm inf by text");
    CHECK(advlab__cfg_set(&spec, &s, "norm", 0) == ADVLAB_OK && isinf(s.norm), "norm 0 means inf");
    CHECK(advlab__cfg_set(&spec, &s, "norm", 2) == ADVLAB_OK && s.norm == 2.0f, "norm 2");
    CHECK(advlab__cfg_set_seed(&spec, &s, "seed", UINT64_MAX) == ADVLAB_OK && s.seed == UINT64_MAX,
          "a seed past 2^53 through set_seed");

    shape before = s;
    SET_FAILS(advlab__cfg_set(&spec, &s, "count", 1.5),
              "shape square: count 1.5 is not an integer");
    SET_FAILS(advlab__cfg_set(&spec, &s, "count", NAN),
              "shape square: count nan is not an integer");
    SET_FAILS(advlab__cfg_set(&spec, &s, "seed", 0x1p53),
              "shape square: seed 9.0072e+15 is not an integer in 0..2^53-1");
    SET_FAILS(advlab__cfg_set(&spec, &s, "norm", 3),
              "shape square: norm 3 is not inf (or 0), 1 or 2");
    SET_FAILS(advlab__cfg_set(&spec, &s, "colour", 3),
              "shape square: colour 3 is not one of 0 (red), 1 (green), 2 (blue)");
    SET_FAILS(advlab__cfg_set_text(&spec, &s, "colour", "pink"),
              "shape square: colour \"pink\" is not one of red, green, blue");
    SET_FAILS(advlab__cfg_set_text(&spec, &s, "size", "big"),
              "shape square: size \"big\" is not a number");
    SET_FAILS(advlab__cfg_set_text(&spec, &s, "size", "nan"),
              "shape square: size \"nan\" is not a number");
    SET_FAILS(advlab__cfg_set_text(&spec, &s, "size", "2x"),
              "shape square: size \"2x\" is not a number");
    SET_FAILS(
        advlab__cfg_set(&spec, &s, "radius", 1),
        "shape square: unknown key \"radius\"; valid keys: size, ratio, count, sides, filled, norm, colour, seed");
    SET_FAILS(advlab__cfg_set_seed(&spec, &s, "count", 1), "shape square: count is not a seed");
    SET_FAILS(advlab__cfg_set(&spec, NULL, "size", 1), "shape: config is NULL");
    CHECK(memcmp(&before, &s, sizeof s) == 0, "a failed set changed the config");

    shape r = square();
    r.kind = SHAPE_ROUND;
    SET_FAILS(
        advlab__cfg_set(&spec, &r, "sides", 5),
        "shape round: key \"sides\" does not apply; round takes size, ratio, count, filled, norm, colour, seed");
    CHECK(!advlab__cfg_takes(&spec, &r, "sides") && advlab__cfg_takes(&spec, &s, "sides") &&
              !advlab__cfg_takes(&spec, &s, "radius"),
          "takes answers by kind");
    r.kind = (shape_kind)40;
    SET_FAILS(advlab__cfg_set(&spec, &r, "size", 1),
              "shape kind 40 is unknown; known: square, round");
    CHECK(!advlab__cfg_takes(&spec, &r, "sides"), "a kind past the mask takes no kind-only key");
}

#define CHECK_RANGE(field, value, needle)                                 \
    do {                                                                  \
        shape s_ = square();                                              \
        s_.field = value;                                                 \
        CHECK_FAILS(advlab__cfg_check(&spec, &s_), ADVLAB_E_ARG, needle); \
    } while (0)

static void test_check(void)
{
    shape s = square();
    CHECK(advlab__cfg_check(&spec, &s) == ADVLAB_OK, "the defaults pass");
    CHECK_RANGE(size, 0.0f, "shape square: size 0 must be finite and > 0");
    CHECK_RANGE(size, INFINITY, "shape square: size inf must be finite and > 0");
    CHECK_RANGE(ratio, 1.0f, "shape square: ratio 1 is out of range [0, 1)");
    CHECK_RANGE(ratio, NAN, "shape square: ratio nan is out of range [0, 1)");
    CHECK_RANGE(count, 0, "shape square: count 0 must be >= 1");
    CHECK_RANGE(sides, 13, "shape square: sides 13 is out of range 3..12");
    CHECK_RANGE(filled, 2, "shape square: filled 2 must be 0 or 1");
    CHECK_RANGE(norm, 3.0f, "shape square: norm 3 is not inf, 1 or 2");
    CHECK_RANGE(colour, -1, "shape square: colour -1 is not one of 0 (red), 1 (green), 2 (blue)");
    s.kind = SHAPE_ROUND;
    s.sides = 99; /* round shapes ignore sides */
    CHECK(advlab__cfg_check(&spec, &s) == ADVLAB_OK, "a field of another kind is not checked");
}

static void test_defaults(void)
{
    shape s, want = square();
    memset(&s, 0xAB, sizeof s);

    CHECK(spec.size == sizeof(shape), "the spec's size");
    CHECK(advlab__cfg_defaults(&spec, "square", &s) == ADVLAB_OK &&
              memcmp(&s, &want, sizeof s) == 0,
          "the table's defaults are square()'s");
    CHECK(advlab__cfg_defaults(&spec, "round", &s) == ADVLAB_OK && s.kind == SHAPE_ROUND &&
              s.sides == 4,
          "a kind gets every field's default, even one that does not apply to it");
    CHECK_FAILS(advlab__cfg_defaults(&spec, "oval", &s), ADVLAB_E_ARG,
                "shape \"oval\" is unknown; known: square, round");
}

static void test_usage_and_json(void)
{
    shape s = square();
    advlab_strbuf b = {0};
    advlab__cfg_usage(&spec, 1, &b);
    CHECK(b.data && strstr(b.data, "  --sides X                  corners [square] (default 4)\n"),
          "a kind-only flag names its kinds: %s", b.data ? b.data : "(null)");
    CHECK(b.data && strstr(b.data, "--colour X                 paint (default green)\n"),
          "a choice's default by name");
    CHECK(b.data && strstr(b.data, "--seed X                   jitter (default 7)\n"),
          "a seed's default");
    advlab__sb_free(&b);
    advlab__cfg_usage(&spec, 0, &b);
    CHECK(b.data && strstr(b.data, "  sides=X "), "the key=value form");
    advlab__sb_free(&b);
    advlab__cfg_json(&spec, &s, &b);
    CHECK(b.data &&
              strcmp(
                  b.data,
                  "{\"size\":1,\"ratio\":0.5,\"count\":2,\"sides\":4,\"filled\":0,\"norm\":\"inf\","
                  "\"colour\":\"green\",\"seed\":7}") == 0,
          "json: %s", b.data ? b.data : "(null)");
    advlab__sb_free(&b);
}

int main(void)
{
    test_set();
    test_check();
    test_defaults();
    test_usage_and_json();
    return check_finish("test_config");
}
