#include "base/error.h"

#include <math.h>
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

advlab_status advlab__check_finite(const float *x, int n, int size, const char *fmt, ...)
{
    size_t count = (size_t)n * (size_t)size;
    for (size_t i = 0; i < count; i++) {
        if (isfinite(x[i]))
            continue;
        char who[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(who, sizeof who, fmt, ap);
        va_end(ap);
        return advlab__fail(ADVLAB_E_NUMERIC, "%s image %zu, pixel %zu is %s", who,
                            i / (size_t)size, i % (size_t)size, isnan(x[i]) ? "NaN" : "infinite");
    }
    return ADVLAB_OK;
}

const char *advlab_last_error(void) { return last_error; }

const char *advlab_version(void) { return ADVLAB_VERSION; }

void advlab_buffer_free(void *buffer) { free(buffer); }
