/* A libFuzzer target without libFuzzer: runs LLVMFuzzerTestOneInput once on
 * each file named, and on each file in each directory named. The native
 * build replays every corpus this way under valgrind (the memcheck_* tests in
 * CMakeLists.txt), which sees what ASan and UBSan do not: a decision made on
 * uninitialised memory. That was stb-jpeg-huff-oob.jpg's fault in stb_image:
 * its out-of-bounds index came from a struct it never initialised, so the
 * sanitizers' replay of the file passed, and only a fuzzing run whose earlier
 * inputs had left the right garbage in the heap reported it.
 * usage: replay_<target> FILE_OR_DIR...   (exits 1 if a file cannot be read) */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Seeds are small (tests/fuzz/corpus/README.md); this is far above any. */
#define SEED_MAX (1 << 20)

/* Reads the file as it is (no gzip inflating: a seed may be gzip on purpose)
 * and runs the target on it. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *bytes = malloc(SEED_MAX + 1);
    if (f == NULL || bytes == NULL) {
        perror(path);
        if (f)
            fclose(f);
        free(bytes);
        return 1;
    }
    size_t len = fread(bytes, 1, SEED_MAX + 1, f);
    fclose(f);
    if (len > SEED_MAX)
        fprintf(stderr, "%s: more than %d bytes, not a seed\n", path, SEED_MAX);
    else
        LLVMFuzzerTestOneInput(bytes, len);
    free(bytes);
    return len > SEED_MAX;
}

int main(int argc, char **argv)
{
    int failed = 0, files = 0;
    for (int i = 1; i < argc; i++) {
        DIR *dir = opendir(argv[i]);
        if (dir == NULL) {
            failed |= replay_file(argv[i]);
            files++;
            continue;
        }
        for (struct dirent *e; (e = readdir(dir)) != NULL;) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            failed |= replay_file(path);
            files++;
        }
        closedir(dir);
    }
    printf("replayed %d files\n", files);
    return failed;
}
