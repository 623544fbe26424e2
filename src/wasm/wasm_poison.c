/* The poisoning family's WebAssembly exports (issue 15), for advlab.js's
 * lab.poison(), lab.cleanse() and lab.strip(). The conventions are
 * wasm_api.c's: statuses, out-pointers, configs made by
 * advlab_wasm_config_new("poison" | "cleanse" | "strip"), and reports as
 * the same JSON the CLI prints. */
#include <emscripten.h>

#include <stddef.h>
#include <stdint.h>

#include "advlab.h"
#include "wasm/wasm_handles.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

/* ------------------------------------------------------------- poison */

/* The mask of a poison config (ADVLAB_TRIGGER_PIXELS bytes), for JS to
 * write a drawn trigger into. */
EXPORT uint8_t *advlab_wasm_poison_config_mask(advlab_poison_config *cfg) { return cfg->mask; }

/* proxy (a net handle, or NULL) is the clean label's. *rows is freed with
 * advlab_wasm_buffer_free, *out with advlab_wasm_dataset_free. */
EXPORT advlab_status advlab_wasm_poison_dataset(const advlab_dataset *clean,
                                                const advlab_poison_config *cfg, wasm_net *proxy,
                                                advlab_dataset **out, int32_t **rows, int *n_rows)
{
    return advlab_poison_dataset(clean, cfg, proxy ? advlab__wasm_net(proxy) : NULL, out, rows,
                                 n_rows);
}

EXPORT advlab_status advlab_wasm_poison_report_json(const advlab_poison_config *cfg,
                                                    const advlab_dataset *poisoned,
                                                    const int32_t *rows, int n_rows, char **json)
{
    return advlab_poison_report_json(cfg, poisoned, rows, n_rows, json);
}

EXPORT advlab_status advlab_wasm_trigger_apply(const advlab_poison_config *cfg, float *x, int n)
{
    return advlab_trigger_apply(cfg, x, n);
}

/* out: an advlab_poison_metrics ("poison_metrics" in advlab_wasm_layout). */
EXPORT advlab_status advlab_wasm_poison_measure(wasm_net *h, const advlab_dataset *test,
                                                const advlab_poison_config *cfg, int limit,
                                                advlab_poison_metrics *out)
{
    return advlab_poison_measure(advlab__wasm_net(h), test, cfg, limit, out);
}

EXPORT advlab_status advlab_wasm_dataset_to_idx(const advlab_dataset *ds, uint8_t **images,
                                                size_t *images_len, uint8_t **labels,
                                                size_t *labels_len)
{
    return advlab_dataset_to_idx(ds, images, images_len, labels, labels_len);
}

/* ------------------------------------------------------------ cleanse */

EXPORT advlab_status advlab_wasm_cleanse_create(wasm_net *h, const advlab_dataset *ds,
                                                const advlab_cleanse_config *cfg,
                                                advlab_cleanse **out)
{
    return advlab_cleanse_create(advlab__wasm_net(h), ds, cfg, out);
}
EXPORT void advlab_wasm_cleanse_free(advlab_cleanse *c) { advlab_cleanse_free(c); }
EXPORT advlab_status advlab_wasm_cleanse_run(advlab_cleanse *c, int max_units, int *done,
                                             int *total)
{
    return advlab_cleanse_run(c, max_units, done, total);
}
EXPORT int advlab_wasm_cleanse_finished(const advlab_cleanse *c)
{
    return advlab_cleanse_finished(c);
}
/* Views for the handle's lifetime, one per row (points: two). */
EXPORT const uint8_t *advlab_wasm_cleanse_flags(const advlab_cleanse *c)
{
    return advlab_cleanse_flags(c);
}
EXPORT const float *advlab_wasm_cleanse_points(const advlab_cleanse *c)
{
    return advlab_cleanse_points(c);
}
EXPORT const uint8_t *advlab_wasm_cleanse_clusters(const advlab_cleanse *c)
{
    return advlab_cleanse_clusters(c);
}
EXPORT advlab_status advlab_wasm_cleanse_set_truth(advlab_cleanse *c, const int32_t *rows,
                                                   int n_rows)
{
    return advlab_cleanse_set_truth(c, rows, n_rows);
}
EXPORT advlab_status advlab_wasm_cleanse_dataset(const advlab_cleanse *c, advlab_dataset **out)
{
    return advlab_cleanse_dataset(c, out);
}
EXPORT advlab_status advlab_wasm_cleanse_add_metrics(advlab_cleanse *c, const char *name,
                                                     const advlab_poison_metrics *m)
{
    return advlab_cleanse_add_metrics(c, name, m);
}
EXPORT const char *advlab_wasm_cleanse_report_json(advlab_cleanse *c)
{
    return advlab_cleanse_report_json(c);
}

/* -------------------------------------------------------------- strip */

EXPORT advlab_status advlab_wasm_strip_create(wasm_net *h, const float *clean, int n,
                                              const advlab_strip_config *cfg, advlab_strip **out)
{
    return advlab_strip_create(advlab__wasm_net(h), clean, n, cfg, out);
}
EXPORT void advlab_wasm_strip_free(advlab_strip *s) { advlab_strip_free(s); }
EXPORT advlab_status advlab_wasm_strip_report_json(advlab_strip *s, const float *x, int n,
                                                   char **json)
{
    return advlab_strip_report_json(s, x, n, json);
}
