/* JPEG files through libjpeg-turbo (Debian libjpeg62-turbo-dev), decoded to
 * grey or RGB; CMYK becomes RGB as stb_image made it before.
 *
 * libjpeg reports a fatal error through error_exit, whose default prints
 * and calls exit(): ours longjmps back to advlab__jpeg_decode, which
 * frees everything and returns the message. A warning that means pixels
 * were lost (the file ends early, the entropy-coded data is corrupt) is
 * fatal too, so a damaged file is refused rather than read as a made-up
 * digit; the harmless ones (stray bytes between segments) are ignored, and
 * nothing is printed. */
#include <setjmp.h>
#include <stdio.h> /* jpeglib.h uses FILE without including it */
#include <stdlib.h>

#include <jpeglib.h>
/* After jpeglib.h: which codes exist depends on its jconfig.h. */
#include <jerror.h>

#include "base/error.h"
#include "native/image_decode.h"

/* libjpeg's memory cap (mem->max_memory_to_use). A progressive JPEG keeps
 * every coefficient, 2 bytes a sample, until its last scan: 2 bytes for each
 * of the IMAGE_BYTES_MAX samples the header check lets through, plus 8 MiB
 * for tables, row buffers and padding to whole blocks. Past it libjpeg
 * would need a temporary file, which this build lacks, and stops. */
#define JPEG_MEMORY_MAX (2 * IMAGE_BYTES_MAX + ((size_t)8 << 20))
/* Each scan of a progressive JPEG is a pass over the whole image, so a small
 * file of thousands of empty scans would take minutes. Encoders write about
 * 10; libjpeg-turbo's own fuzzers stop at 100 (djpeg -maxscans). */
#define JPEG_SCANS_MAX 100

typedef struct {
    struct jpeg_error_mgr pub; /* first: libjpeg sees only this part */
    jmp_buf escape;
    int too_many_scans;
} jpeg_errors;

static void on_error(j_common_ptr cinfo) { longjmp(((jpeg_errors *)cinfo->err)->escape, 1); }

/* level < 0 is a warning, level >= 0 a trace message. */
static void on_message(j_common_ptr cinfo, int level)
{
    if (level >= 0)
        return;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:      /* the file ended: libjpeg would fill in grey */
    case JWRN_HIT_MARKER:    /* a segment ended mid-scan */
    case JWRN_MUST_RESYNC:   /* a restart marker is missing */
    case JWRN_HUFF_BAD_CODE: /* corrupt Huffman-coded data */
    case JWRN_ARITH_BAD_CODE: /* corrupt arithmetic-coded data */ on_error(cinfo);
    }
}

static void on_progress(j_common_ptr cinfo)
{
    if (((j_decompress_ptr)cinfo)->input_scan_number > JPEG_SCANS_MAX) {
        ((jpeg_errors *)cinfo->err)->too_many_scans = 1;
        on_error(cinfo);
    }
}

/* libjpeg's error as ours, naming the file. */
static advlab_status jpeg_fail(const char *name, j_decompress_ptr cinfo)
{
    jpeg_errors *errs = (jpeg_errors *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    if (errs->too_many_scans)
        return advlab__fail(
            ADVLAB_E_FORMAT,
            "%s: a progressive JPEG of more than %d scans (encoders write about 10)", name,
            JPEG_SCANS_MAX);
    switch (errs->pub.msg_code) {
    case JWRN_JPEG_EOF:
        return advlab__fail(ADVLAB_E_FORMAT,
                            "%s: truncated JPEG: the file ends before its image data does", name);
    case JERR_NO_BACKING_STORE:
        return advlab__fail(ADVLAB_E_NOMEM, "%s: decoding the JPEG would need more than %zu MiB",
                            name, JPEG_MEMORY_MAX >> 20);
    case JERR_OUT_OF_MEMORY:
        return advlab__fail(ADVLAB_E_NOMEM, "%s: out of memory decoding the JPEG", name);
    default:
        errs->pub.format_message((j_common_ptr)cinfo, text);
        return advlab__fail(ADVLAB_E_FORMAT, "%s: cannot decode the JPEG: %s", name, text);
    }
}

/* Adobe's CMYK, as libjpeg gives it (inverted: 255 is no ink), to RGB:
 * each channel times K, rounded. */
static void cmyk_to_rgb(const uint8_t *cmyk, int width, uint8_t *rgb)
{
    for (int x = 0; x < width; x++, cmyk += 4, rgb += 3)
        for (int c = 0; c < 3; c++)
            rgb[c] = (uint8_t)((cmyk[c] * cmyk[3] + 127) / 255);
}

advlab_status advlab__jpeg_decode(const char *name, const uint8_t *bytes, size_t len,
                                  advlab__pixels *out)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_errors errs;
    struct jpeg_progress_mgr progress = {.progress_monitor = on_progress};
    /* Set after setjmp and freed after a longjmp, so volatile. */
    uint8_t *volatile pixels = NULL, *volatile cmyk_row = NULL;
    cinfo.err = jpeg_std_error(&errs.pub);
    errs.pub.error_exit = on_error;
    errs.pub.emit_message = on_message;
    errs.too_many_scans = 0;
    if (setjmp(errs.escape)) {
        advlab_status st = jpeg_fail(name, &cinfo);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(cmyk_row);
        return st;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.mem->max_memory_to_use = (long)JPEG_MEMORY_MAX;
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, bytes, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    advlab_status st = advlab__image_check_header(name, cinfo.image_width, cinfo.image_height,
                                                  cinfo.num_components, 8);
    if (st != ADVLAB_OK) {
        jpeg_destroy_decompress(&cinfo);
        return st;
    }
    /* libjpeg's default output: grey for grey, RGB for YCbCr and RGB, CMYK
     * for CMYK and YCCK, and any other colour space passed through as is,
     * which is asked for as RGB instead (libjpeg then refuses it). */
    if (cinfo.out_color_space != JCS_GRAYSCALE && cinfo.out_color_space != JCS_CMYK)
        cinfo.out_color_space = JCS_RGB;
    int cmyk = cinfo.out_color_space == JCS_CMYK;
    jpeg_start_decompress(&cinfo);
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height,
        channels = cmyk ? 3 : cinfo.output_components;
    size_t stride = (size_t)w * (size_t)channels;
    pixels = malloc(stride * (size_t)h);
    if (cmyk)
        cmyk_row = malloc((size_t)w * 4);
    if (pixels == NULL || (cmyk && cmyk_row == NULL))
        ERREXIT(&cinfo, JERR_OUT_OF_MEMORY);
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *row = pixels + stride * cinfo.output_scanline;
        JSAMPROW into = cmyk ? cmyk_row : row;
        /* No line back means the source ran dry; the memory source never
         * does (it ends the data with a warning), but a loop that waited
         * for it would never end. */
        if (jpeg_read_scanlines(&cinfo, &into, 1) != 1)
            ERREXIT(&cinfo, JERR_INPUT_EOF);
        if (cmyk)
            cmyk_to_rgb(cmyk_row, w, row);
    }
    /* Every pixel is in, and whatever follows the last scan is of no use:
     * jpeg_finish_decompress would only refuse a file that lacks its end
     * marker. */
    jpeg_destroy_decompress(&cinfo);
    free(cmyk_row);
    *out = (advlab__pixels){pixels, w, h, channels};
    return ADVLAB_OK;
}
