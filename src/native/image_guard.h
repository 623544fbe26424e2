/* Checks that keep hostile image files away from known faults in the
 * stb_image this build decodes with (see image_guard.c). */
#ifndef ADVLAB_IMAGE_GUARD_H
#define ADVLAB_IMAGE_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "advlab.h"

/* ADVLAB_E_FORMAT, naming `name`, for a JPEG or PGM/PPM file that would take
 * stb_image out of bounds; ADVLAB_OK for anything else, which stb then
 * decodes or rejects itself. */
advlab_status advlab__image_guard(const char *name, const uint8_t *bytes, size_t len);

#endif
