/* Writes what APGD computes on the first MNIST test images, for
 * tests/torch_apgd.py to check against PyTorch:
 *   loss.bin   N, C, then per image y, t (the runner-up class), the logits
 *              (C), and for cross-entropy, DLR and targeted DLR the value f
 *              and df/dlogits (C) (advlab__apgd_objective)
 *   step_inf.bin, step_2.bin   N, D, eps, eta, then per image x (D), the
 *              random start x0 (D) and APGD's result after one step (D):
 *              `apgd` with the DLR loss, max_iter 1, one run
 * Every number is a float64, little-endian. usage: apgd_oracle MODEL MNIST_DIR OUT_DIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "attacks/attack.h"
#include "attacks/gradient.h"
#include "attacks/methods.h"
#include "mnist_split.h"
#include "nn/net.h"

#define N 8
#define D 784
#define C 10

static FILE *open_out(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        perror(path);
    return f;
}

static void put(FILE *f, const float *v, int n)
{
    for (int i = 0; i < n; i++) {
        double d = v[i];
        fwrite(&d, sizeof d, 1, f);
    }
}

static void put1(FILE *f, double v) { fwrite(&v, sizeof v, 1, f); }

static int losses(advlab_net *net, const float *x, const int32_t *y, const char *dir)
{
    static float z[N * C], f[3][N], d[3][N * C];
    int32_t t[N];
    const float *logits = advlab__net_logits(net, x, N);
    for (int i = 0; i < N * C; i++)
        z[i] = logits[i];
    for (int b = 0; b < N; b++) { /* the runner-up: the largest logit but the first */
        int first = advlab__argmax(z + b * C, C);
        t[b] = first == 0 ? 1 : 0;
        for (int c = 0; c < C; c++)
            if (c != first && z[b * C + c] > z[b * C + t[b]])
                t[b] = c;
    }
    for (int loss = 0; loss < 3; loss++)
        advlab__apgd_objective(loss, z, y, t, N, C, 0, f[loss], d[loss]);
    FILE *out = open_out(dir, "loss.bin");
    if (!out)
        return 1;
    put1(out, N), put1(out, C);
    for (int b = 0; b < N; b++) {
        put1(out, y[b]), put1(out, t[b]);
        put(out, z + b * C, C);
        for (int loss = 0; loss < 3; loss++) {
            put1(out, f[loss][b]);
            put(out, d[loss] + b * C, C);
        }
    }
    fclose(out);
    return 0;
}

static int step(advlab_net *net, const float *x, const int32_t *y, float norm, float eps,
                const char *dir, const char *name)
{
    static float x0[N * D], xa[N * D];
    uint64_t keys[N];
    advlab_attack_config cfg;
    advlab_attack *a = NULL;
    advlab_attack_config_default("apgd", &cfg);
    cfg.norm = norm, cfg.eps = eps, cfg.eps_step = 2 * eps, cfg.max_iter = 1, cfg.loss_type = 1;
    if (advlab_attack_create(net, &cfg, &a)) {
        fprintf(stderr, "%s\n", advlab_last_error());
        return 1;
    }
    for (int b = 0; b < N; b++) {
        keys[b] = 1000u + (uint64_t)b;
        advlab__attack_keyed_start(a, keys[b], 0, x + b * D, x0 + b * D);
    }
    advlab__attack_set_image_keys(a, keys);
    advlab_status s = advlab_attack_run(a, x, y, N, xa);
    advlab_attack_free(a);
    FILE *out = s ? NULL : open_out(dir, name);
    if (!out) {
        fprintf(stderr, "%s\n", s ? advlab_last_error() : name);
        return 1;
    }
    put1(out, N), put1(out, D), put1(out, eps), put1(out, 2 * eps);
    for (int b = 0; b < N; b++) {
        put(out, x + b * D, D);
        put(out, x0 + b * D, D);
        put(out, xa + b * D, D);
    }
    fclose(out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: apgd_oracle MODEL MNIST_DIR OUT_DIR\n");
        return 2;
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    advlab_net *net = NULL;
    advlab_dataset *test = load_mnist_split(argv[2], "t10k");
    if (!test || advlab_file_read(argv[1], &bytes, &len) ||
        advlab_net_from_weights(argv[1], bytes, len, N, &net)) {
        fprintf(stderr, "%s\n", advlab_last_error());
        return 1;
    }
    static float x[N * D];
    int32_t idx[N], y[N];
    for (int i = 0; i < N; i++)
        idx[i] = i;
    advlab_dataset_gather(test, idx, N, x, y);
    int rc = losses(net, x, y, argv[3]) ||
             step(net, x, y, INFINITY, 0.3f, argv[3], "step_inf.bin") ||
             step(net, x, y, 2.0f, 2.0f, argv[3], "step_2.bin");
    advlab_net_free(net);
    advlab_dataset_free(test);
    advlab_buffer_free(bytes);
    return rc;
}
