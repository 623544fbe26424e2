/* The WebAssembly face of advlab: flat exports for web/advlab.js.
 *
 * This is the only file that knows about Emscripten. Every export is named
 * advlab_wasm_<noun>_<verb> and takes and returns only i32, f64 and pointers,
 * so the JS side needs no marshalling beyond typed-array views.
 *
 * Conventions at this boundary
 * - Fallible calls return an advlab_status (0 = ok). Results go through
 *   out-pointers that the caller allocated in wasm memory, or through getters
 *   on the handle. On failure advlab_last_error() has the message.
 * - Configs are heap structs set by type and key through their field tables
 *   (advlab_wasm_config_*); results that are structs are read by field name
 *   at the offsets advlab_wasm_layout() gives. Nothing crosses as a list of
 *   numbers read by index.
 * - 64-bit seeds cross as two u32 halves (lo, hi): emcc 3.1.6 without
 *   -sWASM_BIGINT cannot pass an i64 to or from JS.
 * - Floats cross as f64 and are rounded to float here, exactly as a C caller
 *   assigning a double to a float field would.
 * - A net handle (wasm_net) owns an advlab_net plus "io" buffers sized once
 *   for max_batch images. JS writes inputs and labels into them and reads
 *   probabilities and gradients out of them through views, so batches are
 *   never copied across the boundary and no call after create allocates.
 */
#include <emscripten.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "attacks/attack.h"
#include "base/aligned.h"
#include "base/config.h"
#include "base/error.h"
#include "base/strbuf.h"
#include "certify/certify.h"
#include "defences/postprocess.h"
#include "defences/preprocess.h"
#include "extract/extract.h"
#include "infer/infer.h"
#include "lab/experiment.h"
#include "poison/poison.h"
#include "train/adv_train.h"
#include "train/robust_train.h"
#include "train/trainer.h"
#include "wasm/wasm_handles.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

static uint64_t seed_from_halves(uint32_t lo, uint32_t hi) { return (uint64_t)hi << 32 | lo; }

/* ------------------------------------------------------------- layout
 *
 * Results cross as the C structs themselves (advlab_train_progress, ...).
 * JS reads their fields by name, at the offsets this table gives, so no
 * side keeps a list of fields by index that the other must match. */

typedef struct {
    const char *name;
    size_t offset;
    const char *type; /* "i32", "f64", "ptr" or "str" (a pointer to a NUL-terminated string) */
} layout_field;

#define F(type, field, kind)                \
    {                                       \
#field, offsetof(type, field), kind \
    }

static const layout_field train_progress[] = {
    F(advlab_train_progress, epoch, "i32"),
    F(advlab_train_progress, epochs, "i32"),
    F(advlab_train_progress, batch_in_epoch, "i32"),
    F(advlab_train_progress, batches_per_epoch, "i32"),
    F(advlab_train_progress, epoch_done, "i32"),
    F(advlab_train_progress, loss, "f64"),
    F(advlab_train_progress, accuracy, "f64"),
    F(advlab_train_progress, images_per_sec, "f64"),
};
static const layout_field experiment_progress[] = {
    F(advlab_experiment_progress, stage, "i32"),      F(advlab_experiment_progress, stages, "i32"),
    F(advlab_experiment_progress, stage_name, "str"), F(advlab_experiment_progress, done, "i32"),
    F(advlab_experiment_progress, total, "i32"),      F(advlab_experiment_progress, epoch, "i32"),
    F(advlab_experiment_progress, epochs, "i32"),     F(advlab_experiment_progress, loss, "f64"),
    F(advlab_experiment_progress, fraction, "f64"),
};
static const layout_field certificate[] = {
    F(advlab_certificate, predicted, "i32"), F(advlab_certificate, label, "i32"),
    F(advlab_certificate, certified, "i32"), F(advlab_certificate, radius, "f64"),
    F(advlab_certificate, bound, "f64"),
};
static const layout_field certify_summary[] = {
    F(advlab_certify_summary, n, "i32"),
    F(advlab_certify_summary, clean_accuracy, "f64"),
    F(advlab_certify_summary, verified_accuracy, "f64"),
};
static const layout_field attack_metrics[] = {
    F(advlab_attack_metrics, n, "i32"),
    F(advlab_attack_metrics, clean_accuracy, "f64"),
    F(advlab_attack_metrics, adv_accuracy, "f64"),
    F(advlab_attack_metrics, success_rate, "f64"),
    F(advlab_attack_metrics, mean_l0, "f64"),
    F(advlab_attack_metrics, mean_l2, "f64"),
    F(advlab_attack_metrics, mean_linf, "f64"),
};
/* black-box attacks: queries and gradients */
static const layout_field attack_counts[] = {
    F(advlab_attack_counts, forward_images, "f64"),
    F(advlab_attack_counts, backward_images, "f64"),
};
/* end black-box attacks */

/* The poisoning family's (wasm_poison.c). */
static const layout_field poison_metrics[] = {
    F(advlab_poison_metrics, clean_accuracy, "f64"),
    F(advlab_poison_metrics, clean_n, "i32"),
    F(advlab_poison_metrics, attack_success, "f64"),
    F(advlab_poison_metrics, attack_n, "i32"),
};

/* Extraction and inference's (wasm_extract.c). */
static const layout_field extract_report[] = {
    F(advlab_extract_report, queries, "i32"),
    F(advlab_extract_report, victim_accuracy, "f64"),
    F(advlab_extract_report, thief_accuracy, "f64"),
    F(advlab_extract_report, fidelity, "f64"),
    F(advlab_extract_report, transfer_rate, "f64"),
    F(advlab_extract_report, whitebox_rate, "f64"),
};
static const layout_field membership_report[] = {
    F(advlab_membership_report, members, "i32"),
    F(advlab_membership_report, nonmembers, "i32"),
    F(advlab_membership_report, threshold, "f64"),
    F(advlab_membership_report, tpr, "f64"),
    F(advlab_membership_report, fpr, "f64"),
    F(advlab_membership_report, advantage, "f64"),
    F(advlab_membership_report, auc, "f64"),
    F(advlab_membership_report, balanced_accuracy, "f64"),
};

/* The sweep's (wasm_sweep.c). */
static const layout_field sweep_progress[] = {
    F(advlab_sweep_progress, cell, "i32"),       F(advlab_sweep_progress, cells, "i32"),
    F(advlab_sweep_progress, cells_done, "i32"), F(advlab_sweep_progress, stage_name, "str"),
    F(advlab_sweep_progress, fraction, "f64"),
};

/* Data-parallel training's (issue 20); grad is a pointer. */
static const layout_field gradient_part[] = {
    F(advlab_gradient_part, level, "i32"), F(advlab_gradient_part, index, "i32"),
    F(advlab_gradient_part, rows, "i32"),  F(advlab_gradient_part, correct, "i32"),
    F(advlab_gradient_part, loss, "f64"),  F(advlab_gradient_part, grad, "ptr"),
};

/* The universal perturbation's (wasm_universal.c, issue 13). */
static const layout_field universal_report[] = {
    F(advlab_universal_report, n, "i32"),
    F(advlab_universal_report, fooled, "i32"),
    F(advlab_universal_report, fooling_rate, "f64"),
    F(advlab_universal_report, passes, "i32"),
    F(advlab_universal_report, norm, "f64"),
};

#undef F

static const struct {
    const char *name;
    size_t size;
    const layout_field *fields;
    int n_fields;
} layouts[] = {
    {"train_progress", sizeof(advlab_train_progress), train_progress,
     (int)(sizeof train_progress / sizeof train_progress[0])},
    {"experiment_progress", sizeof(advlab_experiment_progress), experiment_progress,
     (int)(sizeof experiment_progress / sizeof experiment_progress[0])},
    {"attack_metrics", sizeof(advlab_attack_metrics), attack_metrics,
     (int)(sizeof attack_metrics / sizeof attack_metrics[0])},
    {"attack_counts", sizeof(advlab_attack_counts), attack_counts,
     (int)(sizeof attack_counts / sizeof attack_counts[0])},
    {"poison_metrics", sizeof(advlab_poison_metrics), poison_metrics,
     (int)(sizeof poison_metrics / sizeof poison_metrics[0])},
    {"certificate", sizeof(advlab_certificate), certificate,
     (int)(sizeof certificate / sizeof certificate[0])},
    {"certify_summary", sizeof(advlab_certify_summary), certify_summary,
     (int)(sizeof certify_summary / sizeof certify_summary[0])},
    {"extract_report", sizeof(advlab_extract_report), extract_report,
     (int)(sizeof extract_report / sizeof extract_report[0])},
    {"membership_report", sizeof(advlab_membership_report), membership_report,
     (int)(sizeof membership_report / sizeof membership_report[0])},
    {"sweep_progress", sizeof(advlab_sweep_progress), sweep_progress,
     (int)(sizeof sweep_progress / sizeof sweep_progress[0])},
    {"gradient_part", sizeof(advlab_gradient_part), gradient_part,
     (int)(sizeof gradient_part / sizeof gradient_part[0])},
    {"universal_report", sizeof(advlab_universal_report), universal_report,
     (int)(sizeof universal_report / sizeof universal_report[0])},
};

/* {"train_progress": {"size": 48, "fields": {"epoch": [0, "i32"], ...}}, ...},
 * made once; NULL if memory ran out. */
EXPORT const char *advlab_wasm_layout(void)
{
    static advlab_strbuf json;
    if (json.data)
        return json.data;
    advlab__sb_printf(&json, "{");
    for (size_t l = 0; l < sizeof layouts / sizeof layouts[0]; l++) {
        advlab__sb_printf(&json, "%s\"%s\":{\"size\":%zu,\"fields\":{", l ? "," : "",
                          layouts[l].name, layouts[l].size);
        for (int f = 0; f < layouts[l].n_fields; f++)
            advlab__sb_printf(&json, "%s\"%s\":[%zu,\"%s\"]", f ? "," : "",
                              layouts[l].fields[f].name, layouts[l].fields[f].offset,
                              layouts[l].fields[f].type);
        advlab__sb_printf(&json, "}}");
    }
    advlab__sb_printf(&json, "}");
    return json.failed ? NULL : json.data;
}

/* ------------------------------------------------------------- basics */

EXPORT const char *advlab_wasm_version(void) { return advlab_version(); }
EXPORT const char *advlab_wasm_last_error(void) { return advlab_last_error(); }

/* A caller-owned buffer, for input bytes, strings and the floats advlab.js
 * hands the kernels (on a cache line: base/aligned.h); NULL if n is 0 or the
 * allocation fails. Freed with advlab_wasm_free. */
EXPORT void *advlab_wasm_alloc(size_t n) { return n ? advlab__aligned_alloc(n) : NULL; }
EXPORT void advlab_wasm_free(void *p) { free(p); }
/* Frees a buffer advlab allocated for the caller (saved weights). */
EXPORT void advlab_wasm_buffer_free(void *p) { advlab_buffer_free(p); }

/* --------------------------------------------------------------- data */

/* The image and label bytes are borrowed for the call only: JS copies a
 * file into a buffer from advlab_wasm_alloc, calls, and frees it. */
EXPORT advlab_status advlab_wasm_dataset_from_idx(const char *name, const uint8_t *images,
                                                  size_t images_len, const uint8_t *labels,
                                                  size_t labels_len, advlab_dataset **out)
{
    return advlab_dataset_from_idx(name, images, images_len, labels, labels_len, out);
}
EXPORT void advlab_wasm_dataset_free(advlab_dataset *ds) { advlab_dataset_free(ds); }
EXPORT int advlab_wasm_dataset_count(const advlab_dataset *ds) { return advlab_dataset_count(ds); }
EXPORT int advlab_wasm_dataset_height(const advlab_dataset *ds)
{
    return advlab_dataset_height(ds);
}
EXPORT int advlab_wasm_dataset_width(const advlab_dataset *ds) { return advlab_dataset_width(ds); }
/* Views for the dataset's lifetime: count*height*width bytes; count labels. */
EXPORT const uint8_t *advlab_wasm_dataset_pixels(const advlab_dataset *ds)
{
    return advlab_dataset_pixels(ds);
}
EXPORT const uint8_t *advlab_wasm_dataset_labels(const advlab_dataset *ds)
{
    return advlab_dataset_labels(ds);
}
EXPORT advlab_status advlab_wasm_dataset_mean(const advlab_dataset *ds, float *mean)
{
    return advlab_dataset_mean(ds, mean);
}

/* ---------------------------------------------------------------- net */

struct wasm_net {
    advlab_net *net;
    int max_batch, input_size, classes;
    /* io buffers, carved from one allocation; valid for the handle lifetime */
    float *x;           /* (max_batch, input_size) images in */
    float *grad;        /* (max_batch, input_size) input gradients out */
    float *probs;       /* (max_batch, classes) probabilities out */
    int32_t *y;         /* (max_batch) labels in */
    int32_t *confusion; /* (classes, classes) from evaluate */
    void *io;
    float loss;           /* from loss_grad / input_grad */
    double accuracy;      /* from evaluate */
    advlab_tensor tensor; /* filled by advlab_wasm_net_tensor */
};

advlab_net *advlab__wasm_net(const wasm_net *h) { return h->net; }

/* Takes ownership of net: on failure it is freed. */
static advlab_status wrap_net(advlab_net *net, wasm_net **out)
{
    wasm_net *h = calloc(1, sizeof *h);
    if (!h) {
        advlab_net_free(net);
        return advlab__fail(ADVLAB_E_NOMEM, "out of memory for the net handle");
    }
    h->net = net;
    h->max_batch = advlab_net_max_batch(net);
    h->input_size = advlab_net_input_size(net);
    h->classes = advlab_net_classes(net);

    uint64_t b = (uint64_t)h->max_batch, in = (uint64_t)h->input_size, k = (uint64_t)h->classes;
    uint64_t floats = 2 * b * in + b * k, ints = b + k * k;
    uint64_t bytes = (floats + ints) * 4;
    if (bytes > SIZE_MAX / 2 || !(h->io = calloc(1, (size_t)bytes))) {
        advlab_net_free(net);
        free(h);
        return advlab__fail(ADVLAB_E_NOMEM,
                            "out of memory for io buffers of %d images of %d values", (int)b,
                            (int)in);
    }
    h->x = h->io;
    h->grad = h->x + b * in;
    h->probs = h->grad + b * in;
    h->y = (int32_t *)(h->probs + b * k);
    h->confusion = h->y + b;
    *out = h;
    return ADVLAB_OK;
}

EXPORT advlab_status advlab_wasm_net_create(const char *arch, int max_batch, uint32_t seed_lo,
                                            uint32_t seed_hi, wasm_net **out)
{
    advlab_net *net;
    advlab_status s = advlab_net_create(arch, max_batch, seed_from_halves(seed_lo, seed_hi), &net);
    return s ? s : wrap_net(net, out);
}

EXPORT advlab_status advlab_wasm_net_from_weights(const char *name, const uint8_t *bytes,
                                                  size_t len, int max_batch, wasm_net **out)
{
    advlab_net *net;
    advlab_status s = advlab_net_from_weights(name, bytes, len, max_batch, &net);
    return s ? s : wrap_net(net, out);
}

EXPORT void advlab_wasm_net_free(wasm_net *h)
{
    if (!h)
        return;
    advlab_net_free(h->net);
    free(h->io);
    free(h);
}

EXPORT const char *advlab_wasm_net_arch(const wasm_net *h) { return advlab_net_arch(h->net); }
EXPORT int advlab_wasm_net_classes(const wasm_net *h) { return h->classes; }
EXPORT int advlab_wasm_net_input_size(const wasm_net *h) { return h->input_size; }
EXPORT int advlab_wasm_net_max_batch(const wasm_net *h) { return h->max_batch; }
EXPORT void advlab_wasm_net_init(wasm_net *h, uint32_t seed_lo, uint32_t seed_hi)
{
    advlab_net_init(h->net, seed_from_halves(seed_lo, seed_hi));
}

/* The flat parameters and their gradients: param_count floats each. */
EXPORT size_t advlab_wasm_net_param_count(const wasm_net *h)
{
    return advlab_net_param_count(h->net);
}
EXPORT float *advlab_wasm_net_params(wasm_net *h) { return advlab_net_params(h->net); }
EXPORT float *advlab_wasm_net_grads(wasm_net *h) { return advlab_net_grads(h->net); }

/* The io buffers (see wasm_net). */
EXPORT float *advlab_wasm_net_x(wasm_net *h) { return h->x; }
EXPORT int32_t *advlab_wasm_net_y(wasm_net *h) { return h->y; }
EXPORT float *advlab_wasm_net_probs(wasm_net *h) { return h->probs; }
EXPORT float *advlab_wasm_net_grad(wasm_net *h) { return h->grad; }
EXPORT int32_t *advlab_wasm_net_confusion(wasm_net *h) { return h->confusion; }
EXPORT double advlab_wasm_net_loss(const wasm_net *h) { return h->loss; }
EXPORT double advlab_wasm_net_accuracy(const wasm_net *h) { return h->accuracy; }

/* Tensor i goes into the handle; read it with the tensor_* getters below,
 * which describe the last tensor fetched. */
EXPORT int advlab_wasm_net_tensor_count(const wasm_net *h)
{
    return advlab_net_tensor_count(h->net);
}
EXPORT advlab_status advlab_wasm_net_tensor(wasm_net *h, int i)
{
    return advlab_net_tensor(h->net, i, &h->tensor);
}
EXPORT const char *advlab_wasm_tensor_name(const wasm_net *h) { return h->tensor.name; }
EXPORT int advlab_wasm_tensor_rank(const wasm_net *h) { return h->tensor.rank; }
EXPORT int advlab_wasm_tensor_dim(const wasm_net *h, int d)
{
    return d >= 0 && d < h->tensor.rank && d < 4 ? h->tensor.shape[d] : 0;
}
EXPORT size_t advlab_wasm_tensor_count(const wasm_net *h) { return h->tensor.count; }
EXPORT float *advlab_wasm_tensor_data(const wasm_net *h) { return h->tensor.data; }

EXPORT advlab_status advlab_wasm_net_set_meta(wasm_net *h, const char *key, const char *value)
{
    return advlab_net_set_meta(h->net, key, value);
}
/* NULL when the key is absent. */
EXPORT const char *advlab_wasm_net_meta(const wasm_net *h, const char *key)
{
    return advlab_net_meta(h->net, key);
}

static advlab_status check_n(const wasm_net *h, const char *what, int n)
{
    if (n < 1 || n > h->max_batch)
        return advlab__fail(ADVLAB_E_ARG, "%s: n = %d images, expected 1..%d (the net's max_batch)",
                            what, n, h->max_batch);
    return ADVLAB_OK;
}

/* x[0..n) -> probs[0..n). */
EXPORT advlab_status advlab_wasm_net_predict(wasm_net *h, int n)
{
    advlab_status s = check_n(h, "predict", n);
    return s ? s : advlab_net_predict(h->net, h->x, n, h->probs);
}

/* x, y [0..n) -> loss, and the parameter gradients in advlab_wasm_net_grads. */
EXPORT advlab_status advlab_wasm_net_loss_grad(wasm_net *h, int n)
{
    advlab_status s = check_n(h, "loss_grad", n);
    return s ? s : advlab_net_loss_grad(h->net, h->x, h->y, n, &h->loss);
}

/* x, y [0..n) -> grad[0..n) (per image) and the mean loss. */
EXPORT advlab_status advlab_wasm_net_input_grad(wasm_net *h, int n)
{
    advlab_status s = check_n(h, "input_grad", n);
    return s ? s : advlab_net_input_grad(h->net, h->x, h->y, n, h->grad, &h->loss);
}

/* -> accuracy and confusion (row = true class, col = predicted). */
EXPORT advlab_status advlab_wasm_net_evaluate(wasm_net *h, const advlab_dataset *ds, int limit)
{
    return advlab_net_evaluate(h->net, ds, limit, &h->accuracy, h->confusion);
}

/* ------------------------------------------------------------ weights */

/* *bytes (freed with advlab_wasm_buffer_free) and *len, via out-pointers. */
EXPORT advlab_status advlab_wasm_weights_save(const wasm_net *h, uint8_t **bytes, size_t *len)
{
    return advlab_weights_save(h->net, bytes, len);
}
EXPORT advlab_status advlab_wasm_weights_load(wasm_net *h, const char *name, const uint8_t *bytes,
                                              size_t len)
{
    return advlab_weights_load(h->net, name, bytes, len);
}

/* ----------------------------------------------------------- training */

/* A trainer plus its last progress report, which JS reads by field name
 * through the layout that advlab_wasm_layout gives. */
struct wasm_trainer {
    advlab_trainer *trainer;
    advlab_train_progress progress;
};

advlab_status advlab__wasm_trainer_wrap(advlab_trainer *trainer, wasm_trainer **out)
{
    wasm_trainer *t = calloc(1, sizeof *t);
    if (!t) {
        advlab_trainer_free(trainer);
        return advlab__fail(ADVLAB_E_NOMEM, "out of memory for the trainer handle");
    }
    t->trainer = trainer;
    *out = t;
    return ADVLAB_OK;
}

/* Wraps a trainer made by create (plain or adversarial) into a handle. */
static advlab_status wrap_trainer(advlab_net *net, const advlab_dataset *ds,
                                  const advlab_train_config *cfg, const advlab_adv_config *adv,
                                  wasm_trainer **out)
{
    wasm_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return advlab__fail(ADVLAB_E_NOMEM, "out of memory for the trainer handle");
    advlab_status s = adv ? advlab_adv_trainer_create(net, ds, cfg, adv, &t->trainer)
                          : advlab_trainer_create(net, ds, cfg, &t->trainer);
    if (s) {
        free(t);
        return s;
    }
    *out = t;
    return ADVLAB_OK;
}

EXPORT advlab_status advlab_wasm_trainer_create(wasm_net *h, const advlab_dataset *ds,
                                                const advlab_train_config *cfg, wasm_trainer **out)
{
    return wrap_trainer(h->net, ds, cfg, NULL, out);
}

EXPORT void advlab_wasm_trainer_free(wasm_trainer *t)
{
    if (!t)
        return;
    advlab_trainer_free(t->trainer);
    free(t);
}

EXPORT advlab_status advlab_wasm_trainer_run(wasm_trainer *t, int max_batches)
{
    return advlab_trainer_run(t->trainer, max_batches, &t->progress);
}

/* An advlab_train_progress (layout "train_progress"), valid for the
 * trainer's lifetime, updated by each run. */
EXPORT const advlab_train_progress *advlab_wasm_trainer_progress(const wasm_trainer *t)
{
    return &t->progress;
}
EXPORT int advlab_wasm_trainer_finished(const wasm_trainer *t)
{
    return advlab_trainer_finished(t->trainer);
}

/* Checkpoints: the trainer's state (advlab_trainer_state_*), through a buffer
 * the caller allocates with advlab_wasm_alloc. */
EXPORT size_t advlab_wasm_trainer_state_size(const wasm_trainer *t)
{
    return advlab_trainer_state_size(t->trainer);
}
EXPORT advlab_status advlab_wasm_trainer_state_save(const wasm_trainer *t, uint8_t *bytes,
                                                    size_t len)
{
    return advlab_trainer_state_save(t->trainer, bytes, len);
}
EXPORT advlab_status advlab_wasm_trainer_state_restore(wasm_trainer *t, const uint8_t *bytes,
                                                       size_t len)
{
    return advlab_trainer_state_restore(t->trainer, bytes, len);
}

/* Data-parallel training (issue 20): the parts are advlab_gradient_part
 * arrays (layout "gradient_part") in wasm memory, their grad buffers the
 * caller's; the step updates the progress that advlab_wasm_trainer_progress
 * gives, as a run does. */
EXPORT int advlab_wasm_trainer_shards(const wasm_trainer *t)
{
    return advlab_trainer_shards(t->trainer);
}
EXPORT int advlab_wasm_gradient_part_count(int first, int count)
{
    return advlab_gradient_part_count(first, count);
}
EXPORT advlab_status advlab_wasm_trainer_shard_gradient(wasm_trainer *t, int first, int count,
                                                        advlab_gradient_part *parts)
{
    return advlab_trainer_shard_gradient(t->trainer, first, count, parts);
}
EXPORT advlab_status advlab_wasm_trainer_step(wasm_trainer *t, const advlab_gradient_part *parts,
                                              int n)
{
    return advlab_trainer_step(t->trainer, parts, n, &t->progress);
}

/* ------------------------------------------------------------ configs
 *
 * Every config crosses the same way: a heap struct of its C type (freed with
 * advlab_wasm_free), made with its defaults by advlab_wasm_config_new, then
 * set key by key through its field table (base/config.h), so the C checks
 * and messages are the only ones. Numbers go through _set, names ("sgd",
 * "inf") through _set_text, and seeds as two u32 halves through _set_seed. */

static const struct {
    const char *type; /* as advlab.js names it */
    const advlab__cfg_spec *spec;
} config_types[] = {
    {"train", &advlab__train_spec},
    {"adv", &advlab__adv_spec},
    {"attack", &advlab__attack_spec},
    {"preprocess", &advlab__preprocess_spec},
    {"postprocess", &advlab__postprocess_spec},
    {"experiment", &advlab__experiment_spec},
    {"poison", &advlab__poison_spec},
    {"cleanse", &advlab__cleanse_spec},
    {"strip", &advlab__strip_spec},
    {"certify", &advlab__certify_spec},
    {"certify_train", &advlab__certify_train_spec},
    {"extract", &advlab__extract_spec},
    {"membership", &advlab__membership_spec},
    {"invert", &advlab__invert_spec},
    {"evaluate", &advlab__evaluate_spec},         /* AutoAttack's evaluation (issue 13) */
    {"robust_train", &advlab__robust_train_spec}, /* the robust trainers (issue 20) */
    {"universal", &advlab__universal_spec},       /* the universal perturbation (issue 13) */
};
#define N_CONFIG_TYPES (int)(sizeof config_types / sizeof config_types[0])

static int config_type(const char *type)
{
    for (int i = 0; type && i < N_CONFIG_TYPES; i++)
        if (strcmp(type, config_types[i].type) == 0)
            return i;
    return -1;
}

static advlab_status unknown_type(const char *type)
{
    return advlab__fail(ADVLAB_E_ARG, "config type \"%s\" is unknown", type ? type : "(null)");
}

/* Writes the defaults of kind `name` (ignored by the configs without kinds)
 * into cfg: a config of its own, or one inside another (the attack of an
 * adversarial training config). */
EXPORT advlab_status advlab_wasm_config_default(const char *type, const char *name, void *cfg)
{
    int t = config_type(type);
    return t < 0 ? unknown_type(type) : advlab__cfg_defaults(config_types[t].spec, name, cfg);
}

/* A new heap config of `type` with the defaults of kind `name`. */
EXPORT advlab_status advlab_wasm_config_new(const char *type, const char *name, void **out)
{
    int t = config_type(type);
    if (t < 0)
        return unknown_type(type);
    void *cfg = calloc(1, config_types[t].spec->size);
    if (!cfg)
        return advlab__fail(ADVLAB_E_NOMEM, "out of memory for a %s config", type);
    advlab_status s = advlab__cfg_defaults(config_types[t].spec, name, cfg);
    if (s) {
        free(cfg);
        return s;
    }
    *out = cfg;
    return ADVLAB_OK;
}

#define SPEC_OF(type)              \
    int t_ = config_type(type);    \
    if (t_ < 0)                    \
        return unknown_type(type); \
    const advlab__cfg_spec *spec = config_types[t_].spec

EXPORT advlab_status advlab_wasm_config_set(const char *type, void *cfg, const char *key,
                                            double value)
{
    SPEC_OF(type);
    return advlab__cfg_set(spec, cfg, key, value);
}
EXPORT advlab_status advlab_wasm_config_set_text(const char *type, void *cfg, const char *key,
                                                 const char *text)
{
    SPEC_OF(type);
    return advlab__cfg_set_text(spec, cfg, key, text);
}
EXPORT advlab_status advlab_wasm_config_set_seed(const char *type, void *cfg, const char *key,
                                                 uint32_t seed_lo, uint32_t seed_hi)
{
    SPEC_OF(type);
    return advlab__cfg_set_seed(spec, cfg, key, seed_from_halves(seed_lo, seed_hi));
}

/* The config as JSON, keyed by field (advlab__cfg_json): valid until the
 * next call; NULL if the type is unknown or memory ran out. */
EXPORT const char *advlab_wasm_config_json(const char *type, const void *cfg)
{
    static advlab_strbuf json;
    int t = config_type(type);
    if (t < 0)
        return NULL;
    advlab__sb_free(&json);
    advlab__cfg_json(config_types[t].spec, cfg, &json);
    return json.failed ? NULL : json.data;
}

/* ------------------------------------------------------------ attacks
 *
 * Unlike a net, an attack has no io buffers: JS passes images of any count
 * in a buffer it allocated for the call, and the attack chunks them. */

EXPORT advlab_status advlab_wasm_attack_create(wasm_net *h, const advlab_attack_config *cfg,
                                               advlab_attack **out)
{
    return advlab_attack_create(h->net, cfg, out);
}
EXPORT void advlab_wasm_attack_free(advlab_attack *a) { advlab_attack_free(a); }
/* pre may be NULL (the plain model). */
EXPORT void advlab_wasm_attack_set_preprocessor(advlab_attack *a, advlab_preprocessor *pre)
{
    advlab_attack_set_preprocessor(a, pre);
}
/* mode: advlab_grad_mode (0 bpda, 1 exact). */
EXPORT advlab_status advlab_wasm_attack_set_grad_mode(advlab_attack *a, int mode)
{
    return advlab_attack_set_grad_mode(a, (advlab_grad_mode)mode);
}
/* x (n, input_size) -> x_adv; y may be NULL (the model's predictions). */
EXPORT advlab_status advlab_wasm_attack_run(advlab_attack *a, const float *x, const int32_t *y,
                                            int n, float *x_adv)
{
    return advlab_attack_run(a, x, y, n, x_adv);
}
/* black-box attacks: queries and gradients */
/* The same, and queries (n) the model queries of each image (black-box
 * kinds only). */
EXPORT advlab_status advlab_wasm_attack_run_queries(advlab_attack *a, const float *x,
                                                    const int32_t *y, int n, float *x_adv,
                                                    int32_t *queries)
{
    return advlab_attack_run_queries(a, x, y, n, x_adv, queries);
}
/* out: an advlab_attack_counts (layout "attack_counts"). */
EXPORT void advlab_wasm_attack_counts(const advlab_attack *a, advlab_attack_counts *out)
{
    advlab_attack_counts_get(a, out);
}
/* end black-box attacks */

/* ---------------------------------------------- pre- and post-processors */

EXPORT advlab_status advlab_wasm_preprocessor_create(const advlab_preprocess_config *cfg,
                                                     int height, int width,
                                                     advlab_preprocessor **out)
{
    return advlab_preprocessor_create(cfg, height, width, out);
}
EXPORT void advlab_wasm_preprocessor_free(advlab_preprocessor *p) { advlab_preprocessor_free(p); }
EXPORT advlab_status advlab_wasm_preprocessor_apply(advlab_preprocessor *p, const float *x, int n,
                                                    float *out)
{
    return advlab_preprocessor_apply(p, x, n, out);
}

EXPORT advlab_status advlab_wasm_postprocess(const advlab_postprocess_config *cfg,
                                             const float *probs, int n, int classes, float *out)
{
    return advlab_postprocess(cfg, probs, n, classes, out);
}

/* ---------------------------------------------------------- detectors */

EXPORT advlab_status advlab_wasm_squeeze_detector_create(wasm_net *h, int bit_depth,
                                                         int median_window, advlab_detector **out)
{
    return advlab_squeeze_detector_create(h->net, bit_depth, median_window, out);
}
EXPORT advlab_status advlab_wasm_binary_detector_create(wasm_net *h, advlab_detector **out)
{
    return advlab_binary_detector_create(h->net, out);
}
EXPORT advlab_status advlab_wasm_binary_detector_train(advlab_detector *d, const float *clean,
                                                       const float *adv, int n,
                                                       const advlab_train_config *cfg)
{
    return advlab_binary_detector_train(d, clean, adv, n, cfg);
}
EXPORT void advlab_wasm_detector_free(advlab_detector *d) { advlab_detector_free(d); }
EXPORT advlab_status advlab_wasm_detector_score(advlab_detector *d, const float *x, int n,
                                                float *scores)
{
    return advlab_detector_score(d, x, n, scores);
}
EXPORT advlab_status advlab_wasm_detector_calibrate(advlab_detector *d, const float *clean, int n,
                                                    double fpr)
{
    return advlab_detector_calibrate(d, clean, n, (float)fpr);
}
EXPORT double advlab_wasm_detector_threshold(const advlab_detector *d)
{
    return advlab_detector_threshold(d);
}
EXPORT advlab_status advlab_wasm_detector_set_threshold(advlab_detector *d, double threshold)
{
    return advlab_detector_set_threshold(d, (float)threshold);
}
EXPORT advlab_status advlab_wasm_detector_detect(advlab_detector *d, const float *x, int n,
                                                 uint8_t *flags)
{
    return advlab_detector_detect(d, x, n, flags);
}

/* ------------------------------------------------ adversarial training */

/* The attack inside an adversarial training config, to set as a config of
 * type "attack" (advlab_wasm_config_*): valid as long as cfg. */
EXPORT advlab_attack_config *advlab_wasm_adv_config_attack(advlab_adv_config *cfg)
{
    return &cfg->attack;
}
/* Appends a static net (ensemble adversarial training), borrowed. */
EXPORT advlab_status advlab_wasm_adv_config_add_static(advlab_adv_config *cfg, wasm_net *h)
{
    if (cfg->n_static >= ADVLAB_MAX_STATIC_NETS)
        return advlab__fail(ADVLAB_E_ARG, "adversarial training: more than %d static nets",
                            ADVLAB_MAX_STATIC_NETS);
    cfg->static_nets[cfg->n_static++] = h->net;
    return ADVLAB_OK;
}
EXPORT advlab_status advlab_wasm_adv_trainer_create(wasm_net *h, const advlab_dataset *ds,
                                                    const advlab_train_config *train,
                                                    const advlab_adv_config *adv,
                                                    wasm_trainer **out)
{
    return wrap_trainer(h->net, ds, train, adv, out);
}

/* ------------------------------------------------------------ metrics */

/* out: an advlab_attack_metrics (layout "attack_metrics"). pre, targets and
 * confusion may be NULL. */
EXPORT advlab_status advlab_wasm_attack_metrics(wasm_net *h, advlab_preprocessor *pre,
                                                const float *x, const float *x_adv,
                                                const int32_t *y, const int32_t *targets, int n,
                                                advlab_attack_metrics *out, int32_t *confusion)
{
    return advlab_attack_metrics_compute(h->net, pre, x, x_adv, y, targets, n, out, confusion);
}
EXPORT advlab_status advlab_wasm_empirical_robustness(wasm_net *h, const advlab_attack_config *fgsm,
                                                      const float *x, int n, double *out)
{
    return advlab_empirical_robustness(h->net, fgsm, x, n, out);
}

/* ------------------------------------------------------------- images */

/* alpha (width*height floats) and out (784 floats) are borrowed for the call. */
EXPORT advlab_status advlab_wasm_image_to_mnist(const float *alpha, int width, int height,
                                                float *out)
{
    return advlab_image_to_mnist(alpha, width, height, out);
}

/* --------------------------------------------------------- experiment */

/* An experiment plus its last progress report (layout
 * "experiment_progress"), read as the trainer's is. */
typedef struct {
    advlab_experiment *experiment;
    advlab_experiment_progress progress;
} wasm_experiment;

EXPORT advlab_status advlab_wasm_experiment_create(const advlab_dataset *train,
                                                   const advlab_dataset *test, const char *arch,
                                                   const advlab_experiment_config *cfg,
                                                   wasm_experiment **out)
{
    wasm_experiment *h = calloc(1, sizeof *h);
    if (!h)
        return advlab__fail(ADVLAB_E_NOMEM, "out of memory for the experiment handle");
    advlab_status s = advlab_experiment_create(train, test, arch, cfg, &h->experiment);
    if (s) {
        free(h);
        return s;
    }
    *out = h;
    return ADVLAB_OK;
}

EXPORT void advlab_wasm_experiment_free(wasm_experiment *h)
{
    if (!h)
        return;
    advlab_experiment_free(h->experiment);
    free(h);
}

EXPORT advlab_status advlab_wasm_experiment_run(wasm_experiment *h, int max_units)
{
    return advlab_experiment_run(h->experiment, max_units, &h->progress);
}

/* An advlab_experiment_progress, valid for the experiment's lifetime,
 * updated by each run; its stage_name is owned by the experiment. */
EXPORT const advlab_experiment_progress *advlab_wasm_experiment_progress(const wasm_experiment *h)
{
    return &h->progress;
}
EXPORT int advlab_wasm_experiment_finished(const wasm_experiment *h)
{
    return advlab_experiment_finished(h->experiment);
}
/* The report as JSON, valid for the experiment's lifetime; NULL until it has
 * finished (or if building it ran out of memory). */
EXPORT const char *advlab_wasm_experiment_report_json(wasm_experiment *h)
{
    return advlab_experiment_report_json(h->experiment);
}
/* The standard (0) or defended (1) model's weights as safetensors, so JS can
 * load them into a Net of its own: *bytes is freed with
 * advlab_wasm_buffer_free. */
EXPORT advlab_status advlab_wasm_experiment_weights_save(wasm_experiment *h, int which,
                                                         uint8_t **bytes, size_t *len)
{
    const advlab_net *net = advlab_experiment_net(h->experiment, which);
    if (!net)
        return advlab__fail(ADVLAB_E_ARG,
                            "experiment: model %d is not 0 (standard) or 1 (defended)", which);
    return advlab_weights_save(net, bytes, len);
}

/* ================================================ the lab page's measures
 * (issue 12) What web/engine/ reads from the experiment's plan and the
 * metrics instead of computing it again. Results go to out-params by name. */

EXPORT int advlab_wasm_curve_eps_count(void) { return advlab_experiment_curve_eps(NULL); }
/* Curve point i as f64: the float in C, widened exactly. */
EXPORT double advlab_wasm_curve_eps(int i)
{
    const float *eps;
    int n = advlab_experiment_curve_eps(&eps);
    return i >= 0 && i < n ? eps[i] : 0.0;
}

EXPORT int advlab_wasm_tutorial_count(void) { return advlab_experiment_tutorial_count(); }
/* Tutorial measurement i under cfg; *name and *attack (NULL for clean images)
 * are static strings. */
EXPORT advlab_status advlab_wasm_tutorial(const advlab_experiment_config *cfg, int i,
                                          const char **name, int *model, int *crafted_on,
                                          const char **attack, double *eps)
{
    advlab_planned_measurement m;
    TRY(advlab_experiment_tutorial(cfg, i, &m));
    *name = m.name;
    *model = m.model;
    *crafted_on = m.crafted_on;
    *attack = m.attack;
    *eps = m.eps;
    return ADVLAB_OK;
}

/* x (n images) and y are borrowed for the call. */
EXPORT advlab_status advlab_wasm_count_correct(wasm_net *h, const float *x, const int32_t *y, int n,
                                               int *correct)
{
    return advlab_net_count_correct(h->net, x, y, n, correct);
}

/* x and x_adv (size floats each) are borrowed for the call. */
EXPORT void advlab_wasm_perturbation_norms(const float *x, const float *x_adv, int size, double *l0,
                                           double *l2, double *linf)
{
    advlab_perturbation d;
    advlab_perturbation_norms(x, x_adv, size, &d);
    *l0 = d.l0;
    *l2 = d.l2;
    *linf = d.linf;
}
