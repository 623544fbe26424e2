/* Error reporting shared by every source file. */
#ifndef ADVLAB_ERROR_H
#define ADVLAB_ERROR_H

#include "advlab.h"

/* Records a printf-style message for advlab_last_error() and returns status,
 * so call sites read: return advlab__fail(ADVLAB_E_ARG, "batch %d ...", b); */
advlab_status advlab__fail(advlab_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
