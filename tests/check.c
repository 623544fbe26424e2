#include "check.h"

#include <string.h>

#include "advlab.h"

int check_count, check_failures;

void check_fails_with(int status, int expected, const char *needle, const char *file, int line)
{
    const char *msg = advlab_last_error();
    check_count++;
    if (status != expected || strstr(msg, needle) == NULL) {
        check_failures++;
        fprintf(stderr, "%s:%d: expected status %d with \"%s\", got status %d: \"%s\"\n", file,
                line, expected, needle, status, msg);
    }
}

int check_finish(const char *suite)
{
    if (check_count == 0) {
        fprintf(stderr, "%s: no checks ran\n", suite);
        return 1;
    }
    printf("%s: %d checks, %d failed\n", suite, check_count, check_failures);
    return check_failures ? 1 : 0;
}
