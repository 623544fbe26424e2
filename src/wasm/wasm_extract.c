/* Extraction and inference's WebAssembly exports (issue 16), for
 * advlab.js's lab.extract(), lab.inferMembership() and lab.invert(). The
 * conventions are wasm_api.c's: statuses, out-pointers, configs made by
 * advlab_wasm_config_new("extract" | "membership" | "invert"), and reports
 * as structs read through advlab_wasm_layout(). */
#include <emscripten.h>

#include <stddef.h>
#include <stdint.h>

#include "advlab.h"
#include "wasm/wasm_handles.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

/* ---------------------------------------------------------- extraction */

/* post and thief may be NULL (no post-processor; noise). */
EXPORT advlab_status advlab_wasm_extraction_create(wasm_net *victim,
                                                   const advlab_postprocess_config *post,
                                                   const advlab_dataset *thief,
                                                   const advlab_extract_config *cfg,
                                                   advlab_extraction **out)
{
    return advlab_extraction_create(advlab__wasm_net(victim), post, thief, cfg, out);
}
EXPORT void advlab_wasm_extraction_free(advlab_extraction *e) { advlab_extraction_free(e); }
EXPORT advlab_status advlab_wasm_extraction_run(advlab_extraction *e, int max_units, int *done,
                                                int *total)
{
    return advlab_extraction_run(e, max_units, done, total);
}
EXPORT int advlab_wasm_extraction_finished(const advlab_extraction *e)
{
    return advlab_extraction_finished(e);
}
EXPORT int advlab_wasm_extraction_queries(const advlab_extraction *e)
{
    return advlab_extraction_queries(e);
}
/* The thieved model as safetensors bytes (freed with advlab_wasm_buffer_free),
 * for JS to make a Net of its own. */
EXPORT advlab_status advlab_wasm_extraction_thief_weights(advlab_extraction *e, uint8_t **bytes,
                                                          size_t *len)
{
    return advlab_weights_save(advlab_extraction_thief(e), bytes, len);
}
/* out: an advlab_extract_report (layout "extract_report"). */
EXPORT advlab_status advlab_wasm_extraction_measure(advlab_extraction *e,
                                                    const advlab_dataset *test, int limit,
                                                    advlab_extract_report *out)
{
    return advlab_extraction_measure(e, test, limit, out);
}

/* ---------------------------------------------------------- membership */

EXPORT advlab_status advlab_wasm_membership_create(wasm_net *h, const advlab_dataset *members,
                                                   const advlab_dataset *nonmembers,
                                                   const advlab_membership_config *cfg,
                                                   advlab_membership **out)
{
    return advlab_membership_create(advlab__wasm_net(h), members, nonmembers, cfg, out);
}
EXPORT void advlab_wasm_membership_free(advlab_membership *m) { advlab_membership_free(m); }
EXPORT advlab_status advlab_wasm_membership_run(advlab_membership *m, int max_units, int *done,
                                                int *total)
{
    return advlab_membership_run(m, max_units, done, total);
}
EXPORT int advlab_wasm_membership_finished(const advlab_membership *m)
{
    return advlab_membership_finished(m);
}
/* out: an advlab_membership_report (layout "membership_report"). */
EXPORT advlab_status advlab_wasm_membership_report(const advlab_membership *m,
                                                   advlab_membership_report *out)
{
    return advlab_membership_report_get(m, out);
}
EXPORT const float *advlab_wasm_membership_scores(const advlab_membership *m)
{
    return advlab_membership_scores(m);
}
EXPORT advlab_status advlab_wasm_membership_metrics(const float *scores, const uint8_t *is_member,
                                                    int n, double threshold,
                                                    advlab_membership_report *out)
{
    return advlab_membership_metrics(scores, is_member, n, threshold, out);
}
EXPORT advlab_status advlab_wasm_membership_roc(const float *scores, const uint8_t *is_member,
                                                int n, float *fpr, float *tpr, int *points)
{
    return advlab_membership_roc(scores, is_member, n, fpr, tpr, points);
}

/* ----------------------------------------------------------- inversion */

/* start: 784 floats, or NULL for the config's grey. */
EXPORT advlab_status advlab_wasm_inversion_create(wasm_net *h, const advlab_invert_config *cfg,
                                                  const float *start, advlab_inversion **out)
{
    return advlab_inversion_create(advlab__wasm_net(h), cfg, start, out);
}
EXPORT void advlab_wasm_inversion_free(advlab_inversion *v) { advlab_inversion_free(v); }
EXPORT advlab_status advlab_wasm_inversion_run(advlab_inversion *v, int max_units, int *done,
                                               int *total)
{
    return advlab_inversion_run(v, max_units, done, total);
}
EXPORT int advlab_wasm_inversion_finished(const advlab_inversion *v)
{
    return advlab_inversion_finished(v);
}
/* Views for the handle's lifetime: (classes, 784) images, (classes) scores. */
EXPORT const float *advlab_wasm_inversion_images(const advlab_inversion *v)
{
    return advlab_inversion_images(v);
}
EXPORT const float *advlab_wasm_inversion_scores(const advlab_inversion *v)
{
    return advlab_inversion_scores(v);
}
EXPORT const uint8_t *advlab_wasm_inversion_active(const advlab_inversion *v)
{
    return advlab_inversion_active(v);
}
