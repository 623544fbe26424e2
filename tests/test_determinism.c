/* Reproducibility: a seed fixes every random choice, so the same seed gives
 * bit-identical weights, a different seed different ones, and chunking the
 * training loop changes nothing. (Native against wasm is checked by
 * tests/node/native_parity.test.mjs.) */
#include <string.h>

#include "check.h"
#include "synthetic.h"

static advlab_net *trained(const advlab_dataset *ds, uint64_t seed, int chunk, advlab_optimizer opt)
{
    advlab_train_config cfg;
    advlab_train_config_default(&cfg);
    cfg.epochs = 2, cfg.batch = 32, cfg.seed = seed, cfg.optimizer = opt;
    advlab_net *net = NULL;
    advlab_trainer *t = NULL;
    CHECK(advlab_net_create("tutorial", 32, seed, &net) == ADVLAB_OK, "%s", advlab_last_error());
    CHECK(advlab_trainer_create(net, ds, &cfg, &t) == ADVLAB_OK, "%s", advlab_last_error());
    while (t && !advlab_trainer_finished(t))
        CHECK(advlab_trainer_run(t, chunk, NULL) == ADVLAB_OK, "%s", advlab_last_error());
    advlab_trainer_free(t);
    return net;
}

static int same_params(advlab_net *a, advlab_net *b)
{
    return memcmp(advlab_net_params(a), advlab_net_params(b),
                  sizeof(float) * advlab_net_param_count(a)) == 0;
}

int main(void)
{
    advlab_dataset *ds = synthetic_dataset(300, 11);
    CHECK(ds != NULL, "synthetic dataset");
    if (!ds)
        return check_finish("test_determinism");

    advlab_net *init_a, *init_b, *init_c;
    advlab_net_create("tutorial", 8, 99, &init_a);
    advlab_net_create("tutorial", 64, 99, &init_b);
    advlab_net_create("tutorial", 8, 100, &init_c);
    CHECK(same_params(init_a, init_b), "same seed, different max_batch: init differs");
    CHECK(!same_params(init_a, init_c), "seeds 99 and 100 give the same init");
    advlab_net_init(init_c, 99);
    CHECK(same_params(init_a, init_c), "advlab_net_init(99) differs from create with seed 99");

    for (int opt = 0; opt < 2; opt++) {
        advlab_net *a = trained(ds, 7, 1000, (advlab_optimizer)opt);
        advlab_net *b = trained(ds, 7, 3, (advlab_optimizer)opt); /* same run, other chunking */
        advlab_net *c = trained(ds, 8, 1000, (advlab_optimizer)opt);
        CHECK(same_params(a, b),
              "optimizer %d: same seed but chunked differently gives other weights", opt);
        CHECK(!same_params(a, c), "optimizer %d: seeds 7 and 8 give identical weights", opt);
        CHECK(!same_params(a, init_a), "optimizer %d: training changed nothing", opt);
        advlab_net_free(a), advlab_net_free(b), advlab_net_free(c);
    }
    advlab_net_free(init_a), advlab_net_free(init_b), advlab_net_free(init_c);
    advlab_dataset_free(ds);
    return check_finish("test_determinism");
}
