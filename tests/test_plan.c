/* The tutorial's plan as the lab page reads it (advlab_experiment_tutorial,
 * advlab_experiment_curve_eps): the rows, their models and attacks, the
 * config's eps, and that an experiment makes exactly these measurements. */
#include <string.h>

#include "check.h"
#include "synthetic.h"

static const struct {
    const char *name;
    int model, crafted_on;
} want[] = {
    {"clean_standard", 0, -1}, {"fgsm_standard", 0, 0}, {"transfer_defended", 1, 0},
    {"clean_defended", 1, -1}, {"fgsm_defended", 1, 1},
};

static void test_rows(void)
{
    advlab_experiment_config cfg;
    advlab_experiment_config_default(&cfg);
    CHECK(advlab_experiment_config_set(&cfg, "eps", 0.3) == ADVLAB_OK, "%s", advlab_last_error());
    int n = advlab_experiment_tutorial_count();
    CHECK(n == 5, "%d tutorial measurements, expected 5", n);
    for (int i = 0; i < n && i < 5; i++) {
        advlab_planned_measurement m = {0};
        CHECK(advlab_experiment_tutorial(&cfg, i, &m) == ADVLAB_OK, "%s", advlab_last_error());
        CHECK(strcmp(m.name, want[i].name) == 0, "row %d is %s, expected %s", i, m.name,
              want[i].name);
        CHECK(m.model == want[i].model && m.crafted_on == want[i].crafted_on,
              "%s: model %d crafted on %d, expected %d and %d", m.name, m.model, m.crafted_on,
              want[i].model, want[i].crafted_on);
        if (want[i].crafted_on < 0)
            CHECK(m.attack == NULL && m.eps == 0.0f, "%s: clean images, yet attack %s eps %g",
                  m.name, m.attack ? m.attack : "NULL", (double)m.eps);
        else
            CHECK(m.attack && strcmp(m.attack, "fgsm") == 0 && m.eps == 0.3f,
                  "%s: attack %s eps %g, expected fgsm and the config's 0.3", m.name,
                  m.attack ? m.attack : "NULL", (double)m.eps);
    }
    advlab_planned_measurement m = {.model = 7};
    CHECK_FAILS(advlab_experiment_tutorial(&cfg, 5, &m), ADVLAB_E_ARG,
                "experiment: tutorial measurement 5 is outside 0..4");
    CHECK_FAILS(advlab_experiment_tutorial(&cfg, -1, &m), ADVLAB_E_ARG, "outside 0..4");
    CHECK_FAILS(advlab_experiment_tutorial(NULL, 0, &m), ADVLAB_E_ARG,
                "config and out are required");
    CHECK(m.model == 7, "a failed call wrote its out-param");
}

static void test_curve_eps(void)
{
    const float *eps = NULL;
    int n = advlab_experiment_curve_eps(&eps);
    CHECK(n == 7 && advlab_experiment_curve_eps(NULL) == n, "%d curve points", n);
    CHECK(eps && eps[0] == 0.0f && eps[n - 1] == 0.3f,
          "the curve runs from %g to %g, expected 0 to 0.3", eps ? (double)eps[0] : -1.0,
          eps ? (double)eps[n - 1] : -1.0);
    for (int i = 1; eps && i < n; i++)
        CHECK(eps[i] > eps[i - 1], "curve eps %d (%g) is not above eps %d (%g)", i, (double)eps[i],
              i - 1, (double)eps[i - 1]);
}

/* A small experiment, without curves or defences: its measurements after each
 * training are the plan's rows of that model, in order, under the same names. */
static void test_experiment_follows_plan(void)
{
    advlab_dataset *ds = synthetic_dataset(64, 3);
    CHECK(ds != NULL, "%s", advlab_last_error());
    if (!ds)
        return;
    advlab_experiment_config cfg;
    advlab_experiment_config_default(&cfg);
    cfg.epochs = cfg.adv_epochs = 1;
    cfg.pgd_limit = 0;
    cfg.curve = cfg.defences = 0;
    advlab_experiment *e = NULL;
    CHECK(advlab_experiment_create(ds, ds, "d10", &cfg, &e) == ADVLAB_OK, "%s",
          advlab_last_error());
    while (e && !advlab_experiment_finished(e))
        if (advlab_experiment_run(e, 100, NULL) != ADVLAB_OK) {
            CHECK(0, "%s", advlab_last_error());
            break;
        }
    const char *made[8] = {0};
    int n = e ? advlab_experiment_measurement_count(e) : 0;
    for (int i = 0; i < n && i < 8; i++) {
        advlab_measurement m;
        advlab_experiment_measurement(e, i, &m);
        made[i] = m.name;
    }
    const char *expected[] = {"train",      want[0].name, want[1].name, "adv_train",
                              want[2].name, want[3].name, want[4].name};
    CHECK(n == 7, "%d measurements, expected 7", n);
    for (int i = 0; i < 7 && i < n; i++)
        CHECK(made[i] && strcmp(made[i], expected[i]) == 0, "measurement %d is %s, expected %s", i,
              made[i] ? made[i] : "NULL", expected[i]);
    advlab_experiment_free(e);
    advlab_dataset_free(ds);
}

int main(void)
{
    test_rows();
    test_curve_eps();
    test_experiment_follows_plan();
    return check_finish("test_plan");
}
