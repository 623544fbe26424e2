/* advlab: an adversarial-robustness lab engine in C.
 *
 * One library with three faces: the native `advlab` CLI, the WebAssembly
 * module used from Node and from a Web Worker, and the C tests.
 *
 * Conventions
 * - Every fallible call returns an advlab_status; results go through
 *   out-params. On failure advlab_last_error() names the input and the
 *   problem, and nothing the caller already had is modified.
 * - *_create pairs with *_free; *_free(NULL) is a no-op.
 * - Buffers the caller passes in are borrowed for that call only.
 * - Getters return views into the handle's own memory. Each says how long it
 *   stays valid; "handle lifetime" means until the handle is freed.
 * - Nothing allocates after create: forward, backward and training steps run
 *   inside memory sized when the handle was made.
 * - Images are float32, NCHW, scaled to [0,1]; labels are class indices.
 */
#ifndef ADVLAB_H
#define ADVLAB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ADVLAB_VERSION "0.1.0"

typedef enum {
    ADVLAB_OK = 0,
    ADVLAB_E_ARG = 1,     /* a parameter is out of range or malformed */
    ADVLAB_E_FORMAT = 2,  /* a file (IDX, safetensors) is malformed */
    ADVLAB_E_IO = 3,      /* a file cannot be read or written */
    ADVLAB_E_NOMEM = 4,   /* an allocation failed */
    ADVLAB_E_NUMERIC = 5, /* a NaN or infinity where a finite value is needed */
} advlab_status;

/* The message for the last failed call on this thread. Never NULL; valid
 * until the next failing call. */
const char *advlab_last_error(void);
const char *advlab_version(void);

/* Frees a buffer that advlab allocated for the caller (weights bytes). */
void advlab_buffer_free(void *buffer);

/* ---------------------------------------------------------------- data */

typedef struct advlab_dataset advlab_dataset;

/* Builds a dataset from the bytes of an IDX image file (ubyte, rank 3:
 * count, height, width) and an IDX label file (ubyte, rank 1: count).
 * `name` (for example "train-images-idx3-ubyte") appears in error
 * messages. Pixels are kept as bytes and scaled to [0,1] when gathered. */
advlab_status advlab_dataset_from_idx(const char *name, const uint8_t *images, size_t images_len,
                                      const uint8_t *labels, size_t labels_len,
                                      advlab_dataset **out);
/* Native only: reads the two files; a gzip file (magic 1f 8b) is inflated. */
advlab_status advlab_dataset_load(const char *images_path, const char *labels_path,
                                  advlab_dataset **out);
void advlab_dataset_free(advlab_dataset *ds);

int advlab_dataset_count(const advlab_dataset *ds);
int advlab_dataset_height(const advlab_dataset *ds);
int advlab_dataset_width(const advlab_dataset *ds);
/* Views, valid for the handle lifetime: count*height*width bytes, count labels. */
const uint8_t *advlab_dataset_pixels(const advlab_dataset *ds);
const uint8_t *advlab_dataset_labels(const advlab_dataset *ds);
/* Copies samples idx[0..n) into x (n*height*width floats in [0,1]) and y. */
void advlab_dataset_gather(const advlab_dataset *ds, const int32_t *idx, int n, float *x,
                           int32_t *y);

/* ----------------------------------------------------------------- net */

typedef struct advlab_net advlab_net;

/* Creates a network for 1x28x28 inputs from an arch spec or a preset name
 * and initialises it (Glorot-uniform weights, zero biases) from `seed`.
 *   presets: "tutorial" = "c4k5-p2-c10k5-p2-d100-d10" (ART's Keras model)
 *            "madry"    = "c32k5-p2-c64k5-p2-d1024-d10" (Madry et al. MNIST)
 *   spec:    layers joined by '-': cNkK conv N@KxK + ReLU, p2 max-pool 2x2,
 *            dN dense N (+ ReLU unless it is the last layer, whose outputs
 *            are the logits fed to softmax).
 * max_batch bounds the images per forward/backward pass; calls with more
 * images are processed in chunks of max_batch. */
advlab_status advlab_net_create(const char *arch, int max_batch, uint64_t seed, advlab_net **out);
void advlab_net_free(advlab_net *net);

/* The canonical spec string, valid for the handle lifetime. */
const char *advlab_net_arch(const advlab_net *net);
int advlab_net_max_batch(const advlab_net *net);
int advlab_net_input_size(const advlab_net *net); /* C*H*W of one image */
int advlab_net_classes(const advlab_net *net);
/* Re-initialises the weights from `seed`, exactly as create does. */
void advlab_net_init(advlab_net *net, uint64_t seed);

/* All parameters in one flat buffer, tensor after tensor in the order of
 * advlab_net_tensor. Views valid for the handle lifetime. */
size_t advlab_net_param_count(const advlab_net *net);
float *advlab_net_params(advlab_net *net);
float *advlab_net_grads(advlab_net *net);

/* One named parameter tensor, laid out exactly as the equivalent torch.nn
 * module's state_dict entry (conv: [OC,C,K,K]; dense: [out,in] with its input
 * flattened in C,H,W order). */
typedef struct {
    const char *name; /* "conv1.weight", "fc2.bias", ... */
    int rank;
    int shape[4];
    size_t count;
    float *data; /* view into advlab_net_params */
} advlab_tensor;
int advlab_net_tensor_count(const advlab_net *net);
advlab_status advlab_net_tensor(advlab_net *net, int i, advlab_tensor *out);

/* Free-form string metadata carried into the weights file's __metadata__
 * ("dataset", "training", ...). Keys and values are copied. */
advlab_status advlab_net_set_meta(advlab_net *net, const char *key, const char *value);
/* The value for key, or NULL. Valid until that key is set again. */
const char *advlab_net_meta(const advlab_net *net, const char *key);

/* Class probabilities (softmax) for n images: probs is n*classes. */
advlab_status advlab_net_predict(advlab_net *net, const float *x, int n, float *probs);
/* Mean categorical cross-entropy over n <= max_batch images, and its
 * gradient with respect to every parameter, written to advlab_net_grads. */
advlab_status advlab_net_loss_grad(advlab_net *net, const float *x, const int32_t *y, int n,
                                   float *loss);
/* The gradient of each image's own cross-entropy loss with respect to that
 * image: grad is n*input_size. Per-image (not batch-mean) so the result does
 * not depend on how the call is chunked. loss (may be NULL) receives the
 * mean loss. Parameter gradients are left untouched. */
advlab_status advlab_net_input_grad(advlab_net *net, const float *x, const int32_t *y, int n,
                                    float *grad, float *loss);

/* Accuracy over the first `limit` samples (all when limit <= 0). confusion
 * (may be NULL) receives classes*classes counts, row = true, col = predicted. */
advlab_status advlab_net_evaluate(advlab_net *net, const advlab_dataset *ds, int limit,
                                  double *accuracy, int32_t *confusion);

/* ------------------------------------------------------------ training */

typedef enum { ADVLAB_OPT_ADAM = 0, ADVLAB_OPT_SGD = 1 } advlab_optimizer;

typedef struct {
    advlab_optimizer optimizer;
    float lr;       /* 0.01, as the tutorial uses */
    float momentum; /* SGD only */
    float beta1, beta2, epsilon; /* Adam, Keras defaults 0.9, 0.999, 1e-7 */
    int epochs;
    int batch;     /* <= the net's max_batch */
    uint64_t seed; /* shuffling */
    int limit;     /* train on the first `limit` samples; all when <= 0 */
} advlab_train_config;

/* The tutorial's settings: Adam lr 0.01, 20 epochs, batch 64, seed 1. */
void advlab_train_config_default(advlab_train_config *cfg);

typedef struct {
    int epoch;           /* 1-based epoch this report is about */
    int epochs;
    int batch_in_epoch;  /* batches done in this epoch */
    int batches_per_epoch;
    int epoch_done;      /* 1 once the epoch has finished */
    double loss;         /* mean training loss over the epoch so far */
    double accuracy;     /* training accuracy over the epoch so far */
    double images_per_sec;
} advlab_train_progress;

typedef struct advlab_trainer advlab_trainer;

/* Prepares training of `net` on `ds`; allocates the optimizer state and the
 * shuffle order. Both net and ds are borrowed for the trainer's lifetime. */
advlab_status advlab_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                    const advlab_train_config *cfg, advlab_trainer **out);
void advlab_trainer_free(advlab_trainer *t);
/* Runs at most max_batches batches, stopping early at the end of an epoch,
 * so callers (a Web Worker) can yield between chunks. */
advlab_status advlab_trainer_run(advlab_trainer *t, int max_batches, advlab_train_progress *progress);
int advlab_trainer_finished(const advlab_trainer *t);

typedef void (*advlab_epoch_callback)(const advlab_train_progress *p, void *user);
/* Trains for cfg->epochs, calling on_epoch (may be NULL) after each epoch. */
advlab_status advlab_train(advlab_net *net, const advlab_dataset *ds, const advlab_train_config *cfg,
                           advlab_epoch_callback on_epoch, void *user);

/* ------------------------------------------------------------- weights */

/* Serialises the net as safetensors: PyTorch names and layouts, plus
 * __metadata__ with arch, input_scale, advlab_version and the net's metadata.
 * *bytes is freed with advlab_buffer_free. */
advlab_status advlab_weights_save(const advlab_net *net, uint8_t **bytes, size_t *len);
/* Validates a safetensors file against net's arch and, only if it is sound,
 * replaces net's parameters and metadata. `name` appears in error messages. */
advlab_status advlab_weights_load(advlab_net *net, const char *name, const uint8_t *bytes,
                                  size_t len);
/* Creates a net whose arch comes from the file's __metadata__ "arch". */
advlab_status advlab_net_from_weights(const char *name, const uint8_t *bytes, size_t len,
                                      int max_batch, advlab_net **out);

/* Native only: whole-file helpers. */
advlab_status advlab_file_read(const char *path, uint8_t **bytes, size_t *len);
advlab_status advlab_file_write(const char *path, const uint8_t *bytes, size_t len);

#ifdef __cplusplus
}
#endif
#endif
