#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static _Thread_local char last_error[512] = "no error";

advlab_status advlab__fail(advlab_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

const char *advlab_last_error(void) { return last_error; }

const char *advlab_version(void) { return ADVLAB_VERSION; }

void advlab_buffer_free(void *buffer) { free(buffer); }
