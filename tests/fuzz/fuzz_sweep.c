/* libFuzzer target for sweep specs and checkpoints (lab/sweep.c): the input
 * is JSON text. As a spec, whatever creates must write results that read
 * back as the same spec and restore into it; as a checkpoint, it is offered
 * to a fixed sweep, which must take it whole or not at all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"

static const char fixed[] = "{\"vary\":[{\"key\":\"eps\",\"values\":[0.1,0.3]}],\"seeds\":[1,2],"
                            "\"measure\":[\"fgsm_standard\",\"clean_standard\"]}";

static void as_spec(const char *text, size_t size)
{
    advlab_sweep *s = NULL, *again = NULL;
    if (advlab_sweep_create(text, size, &s) != ADVLAB_OK)
        return;
    double values[ADVLAB_SWEEP_MAX_MEASURES] = {0.5};
    if (advlab_sweep_set_cell(s, advlab_sweep_cell_count(s) - 1, values, 1) != ADVLAB_OK)
        abort();
    const char *results = advlab_sweep_results_json(s);
    if (!results || !advlab_sweep_plan_json(s) || !advlab_sweep_csv(s, 0) ||
        !advlab_sweep_csv(s, 1))
        abort();
    if (advlab_sweep_create(results, strlen(results), &again) != ADVLAB_OK ||
        advlab_sweep_restore(again, results, strlen(results)) != ADVLAB_OK ||
        strcmp(advlab_sweep_results_json(again), results) != 0)
        abort(); /* the results must be the sweep's own checkpoint */
    advlab_sweep_free(again);
    advlab_sweep_free(s);
}

static void as_checkpoint(const char *text, size_t size)
{
    advlab_sweep *s = NULL;
    if (advlab_sweep_create(fixed, strlen(fixed), &s) != ADVLAB_OK)
        abort();
    if (advlab_sweep_restore(s, text, size) != ADVLAB_OK && advlab_sweep_next_cell(s) != 0)
        abort(); /* a rejected checkpoint left cells behind */
    advlab_sweep_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_spec((const char *)data, size);
    as_checkpoint((const char *)data, size);
    return 0;
}
