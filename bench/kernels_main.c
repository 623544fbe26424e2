/* advlab_kernels: the kernel bench natively (kernels.h), as JSON on stdout.
 *   advlab_kernels [images (8: one of the page's shards of a batch of 64)] [rounds (8)] */
#include <stdio.h>
#include <stdlib.h>

#include "kernels.h"

int main(int argc, char **argv)
{
    int images = argc > 1 ? atoi(argv[1]) : 8, rounds = argc > 2 ? atoi(argv[2]) : 8;
    static char out[1 << 16];
    if (kernels_json(images, rounds, out, sizeof out) < 0) {
        fprintf(stderr,
                "advlab_kernels: images %d (1 to 256) and rounds %d (1 or more), or memory\n",
                images, rounds);
        return 1;
    }
    puts(out);
    return 0;
}
