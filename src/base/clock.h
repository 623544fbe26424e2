/* Wall time, for the seconds that reports and progress show (never for a
 * result: every number the engine computes is independent of time). */
#ifndef ADVLAB_CLOCK_H
#define ADVLAB_CLOCK_H

/* Seconds on a monotonic clock, from an arbitrary start. */
double advlab__now_seconds(void);

#endif
