/* The sweep's WebAssembly exports (issue 18), for advlab.js's lab.sweep(),
 * lab.sweepPlan(), lab.sweepCell() and lab.sweepResults(). The conventions
 * are wasm_api.c's: statuses, out-pointers, texts owned by the sweep, and
 * progress as a struct read through advlab_wasm_layout() ("sweep_progress"). */
#include <emscripten.h>

#include <stddef.h>

#include "advlab.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

EXPORT advlab_status advlab_wasm_sweep_create(const char *json, size_t len, advlab_sweep **out)
{
    return advlab_sweep_create(json, len, out);
}
EXPORT void advlab_wasm_sweep_free(advlab_sweep *s) { advlab_sweep_free(s); }
EXPORT int advlab_wasm_sweep_cell_count(const advlab_sweep *s)
{
    return advlab_sweep_cell_count(s);
}
EXPORT int advlab_wasm_sweep_measure_count(const advlab_sweep *s)
{
    return advlab_sweep_measure_count(s);
}
EXPORT const char *advlab_wasm_sweep_measure_name(const advlab_sweep *s, int m)
{
    return advlab_sweep_measure_name(s, m);
}
/* The texts below stay valid until the same export is called again. */
EXPORT const char *advlab_wasm_sweep_plan_json(advlab_sweep *s)
{
    return advlab_sweep_plan_json(s);
}
EXPORT const char *advlab_wasm_sweep_results_json(advlab_sweep *s)
{
    return advlab_sweep_results_json(s);
}
EXPORT const char *advlab_wasm_sweep_csv(advlab_sweep *s, int points)
{
    return advlab_sweep_csv(s, points);
}
/* progress: an advlab_sweep_progress (layout "sweep_progress"). */
EXPORT advlab_status advlab_wasm_sweep_run(advlab_sweep *s, const advlab_dataset *train,
                                           const advlab_dataset *test, int cell, int max_units,
                                           advlab_sweep_progress *progress)
{
    return advlab_sweep_run(s, train, test, cell, max_units, progress);
}
EXPORT int advlab_wasm_sweep_next_cell(const advlab_sweep *s) { return advlab_sweep_next_cell(s); }
EXPORT int advlab_wasm_sweep_cell_done(const advlab_sweep *s, int cell)
{
    return advlab_sweep_cell_done(s, cell);
}
/* values: measure_count doubles; seconds: one. */
EXPORT advlab_status advlab_wasm_sweep_cell_values(const advlab_sweep *s, int cell, double *values,
                                                   double *seconds)
{
    return advlab_sweep_cell_values(s, cell, values, seconds);
}
EXPORT advlab_status advlab_wasm_sweep_set_cell(advlab_sweep *s, int cell, const double *values,
                                                double seconds)
{
    return advlab_sweep_set_cell(s, cell, values, seconds);
}
EXPORT advlab_status advlab_wasm_sweep_restore(advlab_sweep *s, const char *json, size_t len)
{
    return advlab_sweep_restore(s, json, len);
}
