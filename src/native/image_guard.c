/* Checks an image file for what Debian's stb_image (a 2022 snapshot of
 * 2.27) handles unsafely, before stb sees it. Both were found by
 * tests/fuzz/fuzz_image_file.c:
 * - a JPEG Huffman table (DHT segment) whose 16 code counts add up to more
 *   than 256: stb writes the codes past the end of its table, over the rest
 *   of the decoder's state, pointers included (fixed upstream in 2.28);
 * - a PGM/PPM header number of 10 or more digits: stb's reader overflows a
 *   signed int, which is undefined behaviour.
 * Each check reads the bytes the way stb will, so it sees every table and
 * number stb would. */
#include "native/image_guard.h"

#include "base/error.h"

#define DHT_CODES_MAX 256
#define PNM_DIGITS_MAX 9

/* stb reads zeros past the end of its input; so does this. */
static uint8_t byte_at(const uint8_t *bytes, size_t len, size_t i)
{
    return i < len ? bytes[i] : 0;
}

/* The DHT segment whose length field starts at bytes[i]: each table is a
 * class/slot byte, 16 code counts and that many symbols, repeated while the
 * declared length lasts (stb's loop). Returns the first table's code total
 * over DHT_CODES_MAX, or 0 if every table is sound. */
static int dht_overflow(const uint8_t *bytes, size_t len, size_t i)
{
    long remaining = (long)(byte_at(bytes, len, i) << 8 | byte_at(bytes, len, i + 1)) - 2;
    size_t p = i + 2;
    while (remaining > 0 && p < len) {
        int codes = 0;
        for (int k = 0; k < 16; k++)
            codes += byte_at(bytes, len, p + 1 + (size_t)k);
        if (codes > DHT_CODES_MAX)
            return codes;
        p += 17 + (size_t)codes;
        remaining -= 17 + codes;
    }
    return 0;
}

/* stb only acts on a DHT at a 0xFF 0xC4 marker, and entropy-coded data
 * never holds that pair (0xFF is stuffed there), so looking at every such
 * pair sees every table stb can meet, wherever its parser is. The price is
 * a rare false alarm on the same pair inside a metadata segment. */
static advlab_status check_jpeg(const char *name, const uint8_t *bytes, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (bytes[i] != 0xFF || bytes[i + 1] != 0xC4)
            continue;
        int codes = dht_overflow(bytes, len, i + 2);
        if (codes)
            return advlab__fail(
                ADVLAB_E_FORMAT,
                "%s: corrupt JPEG: a Huffman table at byte %zu declares %d codes, more than %d",
                name, i, codes, DHT_CODES_MAX);
    }
    return ADVLAB_OK;
}

/* Walks the header as stb_image's pnm_info does: "P5" or "P6", then width,
 * height and maxval, each after whitespace and '#' comments. */
static advlab_status check_pnm(const char *name, const uint8_t *bytes, size_t len)
{
    size_t i = 2;
    for (int number = 0; number < 3; number++) {
        for (;;) {
            while (i < len && (bytes[i] == ' ' || (bytes[i] >= '\t' && bytes[i] <= '\r')))
                i++;
            if (i >= len || bytes[i] != '#')
                break;
            while (i < len && bytes[i] != '\n' && bytes[i] != '\r')
                i++;
        }
        size_t digits = 0;
        while (i < len && bytes[i] >= '0' && bytes[i] <= '9')
            i++, digits++;
        if (digits > PNM_DIGITS_MAX)
            return advlab__fail(ADVLAB_E_FORMAT,
                                "%s: corrupt PGM/PPM header: a number of %zu digits", name, digits);
    }
    return ADVLAB_OK;
}

/* What stb takes for a JPEG: any number of 0xFF fill bytes, then the SOI
 * marker's 0xD8 (the fuzzer's second find slipped past a plain FF D8 test). */
static int is_jpeg(const uint8_t *bytes, size_t len)
{
    size_t i = 0;
    while (i < len && bytes[i] == 0xFF)
        i++;
    return i >= 1 && i < len && bytes[i] == 0xD8;
}

advlab_status advlab__image_guard(const char *name, const uint8_t *bytes, size_t len)
{
    if (is_jpeg(bytes, len))
        return check_jpeg(name, bytes, len);
    if (len >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '6'))
        return check_pnm(name, bytes, len);
    return ADVLAB_OK;
}
