#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include "base/clock.h"

#include <time.h>

double advlab__now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
