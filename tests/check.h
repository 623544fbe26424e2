/* A minimal test harness: CHECK records a failure with its location and
 * carries on; check_finish() prints a summary and gives the exit status, so a
 * test binary can only pass if every CHECK it reached held and it ran some. */
#ifndef ADVLAB_CHECK_H
#define ADVLAB_CHECK_H

#include <stdio.h>

extern int check_count, check_failures;

#define CHECK(cond, ...)                                                             \
    do {                                                                             \
        check_count++;                                                               \
        if (!(cond)) {                                                               \
            check_failures++;                                                        \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
        }                                                                            \
    } while (0)

/* Checks that `status` is the failure `expected` and that the error message
 * contains `needle`, which is how tests pin each rejection to its reason. */
#define CHECK_FAILS(status, expected, needle) \
    check_fails_with((status), (expected), (needle), __FILE__, __LINE__)

void check_fails_with(int status, int expected, const char *needle, const char *file, int line);

/* Returns the process exit status: 0 only if checks ran and none failed. */
int check_finish(const char *suite);

#endif
