/* advlab_profile: one fixed amount of work per stage, for profilers rather
 * than clocks. On this shared machine wall-clock rates swing by 20%, but
 * callgrind's instruction counts of a fixed workload do not, so kernel
 * changes are compared with
 *
 *   valgrind --tool=callgrind build/native/advlab_profile fgsm
 *   perf record -g build/native/advlab_profile train 400
 *
 * Stages: train (batches of 64, Adam lr 0.01), infer, fgsm and pgd (calls on
 * 256 test images, labels = predictions, the bench's settings), each after
 * 20 warm-up training batches. The second argument is the repeat count (0:
 * the set-up alone, to subtract), the third the MNIST directory (data/mnist),
 * the fourth the arch (tutorial; madry for the wide kernels).
 * Never a test: it checks nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"

#define BATCH 256

static int fail(const char *what)
{
    fprintf(stderr, "advlab_profile: %s: %s\n", what, advlab_last_error());
    return 1;
}

static int train(advlab_net *net, const advlab_dataset *ds, int batches)
{
    if (batches < 1) /* REPEATS 0: the set-up alone */
        return 0;
    advlab_train_config cfg;
    advlab_train_config_default(&cfg);
    cfg.epochs = 1000;
    advlab_trainer *t;
    advlab_train_progress p;
    if (advlab_trainer_create(net, ds, &cfg, &t))
        return fail("trainer_create");
    int st = advlab_trainer_run(t, batches, &p) ? fail("trainer_run") : 0;
    advlab_trainer_free(t);
    return st;
}

static int attack(advlab_net *net, const char *name, const float *x, float *x_adv, int calls)
{
    advlab_attack_config cfg;
    advlab_attack *a;
    if (advlab_attack_config_default(name, &cfg))
        return fail("attack_config_default");
    cfg.eps = strcmp(name, "fgsm") ? 0.3f : 0.2f;
    cfg.eps_step = 0.01f, cfg.max_iter = 40, cfg.num_random_init = 0;
    if (advlab_attack_create(net, &cfg, &a))
        return fail("attack_create");
    int st = 0;
    for (int i = 0; i < calls && !st; i++)
        st = advlab_attack_run(a, x, NULL, BATCH, x_adv) ? fail("attack_run") : 0;
    advlab_attack_free(a);
    return st;
}

static int run_stage(const char *stage, int reps, advlab_net *net, const advlab_dataset *train_set,
                     const float *x, float *out)
{
    if (!strcmp(stage, "train"))
        return train(net, train_set, reps);
    if (!strcmp(stage, "fgsm") || !strcmp(stage, "pgd"))
        return attack(net, stage, x, out, reps);
    if (strcmp(stage, "infer")) {
        fprintf(stderr, "advlab_profile: unknown stage %s (train, infer, fgsm, pgd)\n", stage);
        return 2;
    }
    for (int i = 0; i < reps; i++)
        if (advlab_net_predict(net, x, BATCH, out))
            return fail("net_predict");
    return 0;
}

static int run(const char *stage, int reps, const char *arch, const advlab_dataset *train_set,
               const advlab_dataset *test)
{
    advlab_net *net;
    if (advlab_net_create(arch, BATCH, 1, &net))
        return fail("net_create");
    static float x[BATCH * 784], out[BATCH * 784];
    int32_t idx[BATCH], y[BATCH];
    for (int i = 0; i < BATCH; i++)
        idx[i] = i;
    advlab_dataset_gather(test, idx, BATCH, x, y);
    /* Warm-up batches first, so that the stage sees weights that are no longer random. */
    int st = train(net, train_set, 20);
    if (!st)
        st = run_stage(stage, reps, net, train_set, x, out);
    advlab_net_free(net);
    return st;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr,
                "usage: advlab_profile train|infer|fgsm|pgd [repeats] [mnist dir] [arch]\n");
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    const char *dir = argc > 3 ? argv[3] : "data/mnist";
    const char *arch = argc > 4 ? argv[4] : "tutorial";
    char img[512], lbl[512];
    advlab_dataset *train_set, *test;
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte", dir);
    snprintf(lbl, sizeof lbl, "%s/train-labels-idx1-ubyte", dir);
    if (advlab_dataset_load(img, lbl, &train_set))
        return fail("training set");
    snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte", dir);
    snprintf(lbl, sizeof lbl, "%s/t10k-labels-idx1-ubyte", dir);
    if (advlab_dataset_load(img, lbl, &test)) {
        advlab_dataset_free(train_set);
        return fail("test set");
    }
    int st = run(argv[1], reps, arch, train_set, test);
    advlab_dataset_free(train_set);
    advlab_dataset_free(test);
    return st;
}
