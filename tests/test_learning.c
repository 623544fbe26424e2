/* Learning on real MNIST: one epoch of the tutorial settings (Adam 0.01,
 * batch 64) on all 60,000 images must reach at least 96.5% on the 10,000
 * test images (ART with PyTorch reaches 97.0%). */
#include <stdio.h>

#include "advlab.h"
#include "check.h"
#include "mnist_split.h"

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/mnist";
    advlab_dataset *train = load_mnist_split(dir, "train"), *test = load_mnist_split(dir, "t10k");
    if (train && test) {
        advlab_train_config cfg;
        advlab_train_config_default(&cfg);
        cfg.epochs = 1, cfg.seed = 1234;
        advlab_net *net = NULL;
        double acc = 0.0;
        CHECK(advlab_net_create("tutorial", cfg.batch, cfg.seed, &net) == ADVLAB_OK, "%s",
              advlab_last_error());
        CHECK(advlab_train(net, train, &cfg, NULL, NULL) == ADVLAB_OK, "%s", advlab_last_error());
        CHECK(advlab_net_evaluate(net, test, 0, &acc, NULL) == ADVLAB_OK, "%s",
              advlab_last_error());
        printf("1 epoch: test accuracy %.2f%%\n", 100.0 * acc);
        CHECK(acc >= 0.965, "test accuracy %.4f after one epoch is below 0.965", acc);
        advlab_net_free(net);
    }
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return check_finish("test_learning");
}
