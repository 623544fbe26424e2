/* Error reporting shared by every source file. */
#ifndef ADVLAB_ERROR_H
#define ADVLAB_ERROR_H

#include "advlab.h"

/* Records a printf-style message for advlab_last_error() and returns status,
 * so call sites read: return advlab__fail(ADVLAB_E_ARG, "batch %d ...", b); */
advlab_status advlab__fail(advlab_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Fails with ADVLAB_E_NUMERIC when one of n images of `size` floats holds a
 * NaN or an infinity, naming the first: "<who> image 3, pixel 17 is NaN",
 * where <who> is fmt formatted with the arguments (only on failure). */
advlab_status advlab__check_finite(const float *x, int n, int size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Returns the status of expr from the enclosing function if it failed. */
#define TRY(expr)                           \
    do {                                    \
        advlab_status try_status_ = (expr); \
        if (try_status_ != ADVLAB_OK)       \
            return try_status_;             \
    } while (0)

#endif
