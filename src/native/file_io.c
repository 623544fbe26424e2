/* Whole-file reading and writing for the native build; gzip is inflated on
 * read so the CLI takes the same .gz files the web page fetches. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "base/error.h"

/* Far above any MNIST or weights file, and low enough that a corrupt size
 * or a gzip bomb fails with a message instead of exhausting memory. It also
 * keeps every length within zlib's 32-bit uInt. */
#define FILE_LIMIT ((size_t)1 << 30)
/* Deflate cannot expand data more than about 1032:1, which bounds how much a
 * gzip trailer may honestly claim. */
#define DEFLATE_MAX_RATIO 1032

static int is_gzip(const uint8_t *bytes, size_t len)
{
    return len >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

/* Reads the whole stream, doubling the buffer as it goes, so pipes and
 * files whose size changes under us are handled the same way. The buffer is
 * never NULL on success, even for an empty file. */
static advlab_status read_all(const char *path, FILE *f, uint8_t **bytes, size_t *len)
{
    size_t cap = (size_t)1 << 16, used = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return advlab__fail(ADVLAB_E_NOMEM, "%s: cannot allocate %zu bytes", path, cap);
    for (;;) {
        if (used == cap) {
            if (cap == FILE_LIMIT) {
                free(buf);
                return advlab__fail(ADVLAB_E_IO, "%s: file too large (the limit is %zu MiB)", path,
                                    FILE_LIMIT >> 20);
            }
            size_t grown = cap * 2 < FILE_LIMIT ? cap * 2 : FILE_LIMIT;
            uint8_t *p = realloc(buf, grown);
            if (p == NULL) {
                free(buf);
                return advlab__fail(ADVLAB_E_NOMEM, "%s: cannot allocate %zu bytes", path, grown);
            }
            buf = p;
            cap = grown;
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (used < cap) { /* a short read is end of file or an error */
            if (ferror(f)) {
                int err = errno;
                free(buf);
                return advlab__fail(ADVLAB_E_IO, "%s: read failed: %s", path, strerror(err));
            }
            break;
        }
    }
    *bytes = buf;
    *len = used;
    return ADVLAB_OK;
}

/* Inflates one or more concatenated gzip members (what `cat a.gz b.gz` and
 * gzip's append mode produce). Any other bytes after a member are an error,
 * as trailing bytes are for IDX files. */
static advlab_status gunzip(const char *path, const uint8_t *in, size_t in_len, uint8_t **bytes,
                            size_t *len)
{
    /* ISIZE, the last four bytes, is the length mod 2^32 of the last member:
     * a good first guess that lets the usual single-member file inflate
     * without reallocating, clamped so a forged trailer cannot make us
     * allocate much. */
    size_t cap = 4096;
    if (in_len >= 18) {
        const uint8_t *t = in + in_len - 4;
        size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
        size_t bound =
            in_len < FILE_LIMIT / DEFLATE_MAX_RATIO ? in_len * DEFLATE_MAX_RATIO : FILE_LIMIT;
        if (isize > bound)
            isize = bound;
        if (isize > cap)
            cap = isize;
    }
    uint8_t *out = malloc(cap);
    if (out == NULL)
        return advlab__fail(ADVLAB_E_NOMEM, "%s: cannot allocate %zu bytes to inflate into", path,
                            cap);

    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK) { /* 15-bit window, gzip wrapper only */
        free(out);
        return advlab__fail(ADVLAB_E_NOMEM, "%s: cannot start zlib's inflate", path);
    }
    zs.next_in = (Bytef *)in; /* zlib's API is not const-correct; it only reads */
    zs.avail_in = (uInt)in_len;

    advlab_status st = ADVLAB_OK;
    size_t used = 0;
    for (;;) {
        if (used == cap) {
            if (cap == FILE_LIMIT) {
                st = advlab__fail(ADVLAB_E_FORMAT, "%s: gzip data inflates to more than %zu MiB",
                                  path, FILE_LIMIT >> 20);
                break;
            }
            size_t grown = cap * 2 < FILE_LIMIT ? cap * 2 : FILE_LIMIT;
            uint8_t *p = realloc(out, grown);
            if (p == NULL) {
                st = advlab__fail(ADVLAB_E_NOMEM, "%s: cannot allocate %zu bytes to inflate into",
                                  path, grown);
                break;
            }
            out = p;
            cap = grown;
        }
        zs.next_out = out + used;
        zs.avail_out = (uInt)(cap - used);
        int rc = inflate(&zs, Z_NO_FLUSH);
        used = cap - zs.avail_out;
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0)
                break;
            if (is_gzip(zs.next_in, zs.avail_in)) {
                inflateReset(&zs);
                continue;
            }
            st = advlab__fail(ADVLAB_E_FORMAT, "%s: %u trailing bytes after the gzip data", path,
                              zs.avail_in);
            break;
        }
        if (rc == Z_OK)
            continue;
        /* No progress with output space left: the input ran out mid-stream. */
        if (rc == Z_BUF_ERROR)
            st = advlab__fail(ADVLAB_E_FORMAT, "%s: gzip data is truncated", path);
        else if (rc == Z_MEM_ERROR)
            st = advlab__fail(ADVLAB_E_NOMEM, "%s: out of memory while inflating", path);
        else
            st = advlab__fail(ADVLAB_E_FORMAT, "%s: corrupt gzip data: %s", path,
                              zs.msg ? zs.msg : "inflate failed");
        break;
    }
    inflateEnd(&zs);
    if (st != ADVLAB_OK) {
        free(out);
        return st;
    }
    *bytes = out;
    *len = used;
    return ADVLAB_OK;
}

advlab_status advlab_file_read(const char *path, uint8_t **bytes, size_t *len)
{
    if (path == NULL || bytes == NULL || len == NULL)
        return advlab__fail(ADVLAB_E_ARG, "advlab_file_read: path, bytes and len must not be NULL");
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return advlab__fail(ADVLAB_E_IO, "%s: cannot open: %s", path, strerror(errno));
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    advlab_status st = read_all(path, f, &raw, &raw_len);
    fclose(f);
    if (st != ADVLAB_OK)
        return st;
    if (!is_gzip(raw, raw_len)) {
        *bytes = raw;
        *len = raw_len;
        return ADVLAB_OK;
    }
    st = gunzip(path, raw, raw_len, bytes, len);
    free(raw);
    return st;
}

/* Writes to a temporary file beside path, then renames it over path: a
 * failed write (full disk, killed process) never destroys the file that was
 * there, which may be a model that took an hour to train. */
advlab_status advlab_file_write(const char *path, const uint8_t *bytes, size_t len)
{
    if (path == NULL || (bytes == NULL && len > 0))
        return advlab__fail(ADVLAB_E_ARG, "advlab_file_write: path and bytes must not be NULL");
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return advlab__fail(ADVLAB_E_ARG, "%s: path is too long", path);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return advlab__fail(ADVLAB_E_IO, "%s: cannot create: %s", path, strerror(errno));
    errno = 0;
    int ok = len == 0 || fwrite(bytes, 1, len, f) == len;
    /* fclose flushes, so a full disk may only show up here. */
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        advlab_status st = advlab__fail(ADVLAB_E_IO, "%s: write failed: %s", path,
                                        errno ? strerror(errno) : "short write");
        remove(tmp);
        return st;
    }
    return ADVLAB_OK;
}
