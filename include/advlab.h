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
/* Rows [first, first+n) of ds as a dataset of their own (a copy): a subset
 * to train on, or the rows a thief draws from. */
advlab_status advlab_dataset_rows(const advlab_dataset *ds, int first, int n, advlab_dataset **out);

int advlab_dataset_count(const advlab_dataset *ds);
int advlab_dataset_height(const advlab_dataset *ds);
int advlab_dataset_width(const advlab_dataset *ds);
/* Views, valid for the handle lifetime: count*height*width bytes, count labels. */
const uint8_t *advlab_dataset_pixels(const advlab_dataset *ds);
const uint8_t *advlab_dataset_labels(const advlab_dataset *ds);
/* mean (height*width) = the mean image, each pixel's sum over the set in
 * double divided by 255 * count (ART's MIFace notebook starts from it). */
advlab_status advlab_dataset_mean(const advlab_dataset *ds, float *mean);
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
    float lr;                    /* 0.01, as the tutorial uses */
    float momentum;              /* SGD only */
    float beta1, beta2, epsilon; /* Adam, Keras defaults 0.9, 0.999, 1e-7 */
    int epochs;
    int batch;     /* <= the net's max_batch */
    uint64_t seed; /* shuffling */
    int limit;     /* train on the first `limit` samples; all when <= 0 */
    int shards;    /* a power of two: each batch's gradient is summed over this many
                      shards (data-parallel training, below); 1 */
} advlab_train_config;

/* The tutorial's settings: Adam lr 0.01, 20 epochs, batch 64, seed 1. */
void advlab_train_config_default(advlab_train_config *cfg);
/* Sets one field by its name as written in the struct ("lr", "epochs",
 * "optimizer" by number: 0 adam, 1 sgd, ...), as every config's setter
 * does. Unknown keys fail, naming the keys; ranges are checked by
 * advlab_trainer_create. */
advlab_status advlab_train_config_set(advlab_train_config *cfg, const char *key, double value);

typedef struct {
    int epoch; /* 1-based epoch this report is about */
    int epochs;
    int batch_in_epoch; /* batches done in this epoch */
    int batches_per_epoch;
    int epoch_done;  /* 1 once the epoch has finished */
    double loss;     /* mean training loss over the epoch so far */
    double accuracy; /* training accuracy over the epoch so far */
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
advlab_status advlab_trainer_run(advlab_trainer *t, int max_batches,
                                 advlab_train_progress *progress);
int advlab_trainer_finished(const advlab_trainer *t);

/* Carries from's optimizer state (Adam's moments and step count, or SGD's
 * velocity) into t, which has not run yet: training continues as if with the
 * same optimizer, as ART's AdversarialTrainer does when it keeps fitting the
 * classifier (and optimizer) it was given. Both need the same optimizer kind
 * and parameter count. */
advlab_status advlab_trainer_continue_optimizer(advlab_trainer *t, const advlab_trainer *from);

/* Checkpoints. A trainer's state is everything a run needs to continue
 * exactly where it stopped, except the weights (save those with
 * advlab_weights_save): the optimizer state (Adam's moments and step, or
 * SGD's velocity), the epoch and batch reached, the shuffle RNG, the epoch's
 * running loss and accuracy, the adversarial trainer's RNGs, and the
 * settings (arch, defence, optimizer, lr, batch, epochs, seed, samples),
 * which must match the trainer it is restored into. A trainer created with
 * the same settings, given the saved weights and restored from the state,
 * then trains bit-identically to the one that never stopped. The bytes are
 * in the host's byte order: little-endian on x86-64 and wasm32. */
size_t advlab_trainer_state_size(const advlab_trainer *t);
/* Writes the state into bytes (len must be advlab_trainer_state_size). */
advlab_status advlab_trainer_state_save(const advlab_trainer *t, uint8_t *bytes, size_t len);
/* Validates the state in full (ADVLAB_E_FORMAT: not a trainer state, a wrong
 * size, out-of-range counters; ADVLAB_E_ARG: saved by a trainer with other
 * settings or arch; ADVLAB_E_NUMERIC: a NaN or infinity) and only if it is
 * sound restores it into t. */
advlab_status advlab_trainer_state_restore(advlab_trainer *t, const uint8_t *bytes, size_t len);

typedef void (*advlab_epoch_callback)(const advlab_train_progress *p, void *user);
/* Trains for cfg->epochs, calling on_epoch (may be NULL) after each epoch. */
advlab_status advlab_train(advlab_net *net, const advlab_dataset *ds,
                           const advlab_train_config *cfg, advlab_epoch_callback on_epoch,
                           void *user);

/* ---------------------------------------------- data-parallel training
 * (issue 20). A trainer whose config has shards S > 1 cuts each batch into
 * S contiguous shards (row k*m/S up to (k+1)*m/S) and sums their gradients
 * over a fixed binary tree: a leaf is a shard's mean gradient times its
 * share of the batch, a node the sum of its two children. Replicas (trainers
 * made the same way, on nets with the same weights) may each make some of
 * the shards: the sum is the same bits however the shards are shared out,
 * and the same as advlab_trainer_run's, which makes them all itself. Each
 * batch: every replica makes its parts (advlab_trainer_shard_gradient),
 * and every replica sums all the parts and steps with the sum
 * (advlab_trainer_step), so they stay equal. */

typedef struct {
    int level, index; /* the tree's node: shards [index << level, (index + 1) << level) */
    int rows, correct;
    double loss; /* the rows' summed loss */
    float *grad; /* the net's parameter count: the node's share of the batch gradient */
} advlab_gradient_part;

int advlab_trainer_shards(const advlab_trainer *t);
/* The parts (the tree's largest nodes) that shards [first, first + count)
 * make: at most 2 log2(shards). */
int advlab_gradient_part_count(int first, int count);
/* Makes shards [first, first + count) of the current batch, as parts
 * (advlab_gradient_part_count of them), each grad pointing to the
 * caller's buffer of the net's parameter count. Changes no weights. */
advlab_status advlab_trainer_shard_gradient(advlab_trainer *t, int first, int count,
                                            advlab_gradient_part *parts);
/* Sums n parts that cover every shard of the current batch once, whoever
 * made them, into the net's gradient (advlab_net_grads) and steps with the
 * sum: the optimizer's step, then what advlab_trainer_run does after a batch,
 * and progress (may be NULL) as advlab_trainer_run gives it after this batch.
 * Parts that are not nodes of the tree, miss or repeat a shard, or hold a NaN
 * or an infinity fail, and leave the weights and the trainer as they were. */
advlab_status advlab_trainer_step(advlab_trainer *t, const advlab_gradient_part *parts, int n,
                                  advlab_train_progress *progress);

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

/* ------------------------------------------------------------- attacks
 *
 * Every attack works on a batch, keeps images in [0,1] and is seeded. Names
 * and defaults follow IBM's Adversarial Robustness Toolbox (ART); where ART
 * is wrong or loose, docs/ATTACKS.md says what we do instead.
 *   "fgsm"        FastGradientMethod: x + eps*sign(grad) (norm inf), or the
 *                 gradient scaled to unit L1/L2 norm; sign(0) = 0.
 *   "bim"         BasicIterativeMethod: PGD without random start.
 *   "pgd"         ProjectedGradientDescent (Madry): steps of eps_step,
 *                 projected onto the inf- or 2-ball of radius eps.
 *   "deepfool"    DeepFool (Moosavi-Dezfooli), overshoot applied once at
 *                 the end: x + (1+overshoot)(x_df - x).
 *   "newtonfool"  NewtonFool (Jang et al.), step strength eta.
 *   "cw"          Carlini-Wagner L2: tanh-space Adam, binary search on c.
 * The black-box attacks never take a gradient; each image has a budget of
 * queries (images passed forward) and its own random stream, so no image's
 * result depends on the others in its batch:
 *   "square"      SquareAttack (Andriushchenko et al.), score-based: random
 *                 squares kept when they lower the logit margin; norm inf
 *                 or 2; max_iter is the budget per restart.
 *   "hopskipjump" HopSkipJump (Chen et al.), decision-based: binary search
 *                 to the boundary, a gradient estimated from labels, a
 *                 geometric step; norm 2 or inf; budget max_queries.
 *   "boundary"    BoundaryAttack (Brendel et al.), decision-based: random
 *                 orthogonal steps along the boundary and steps towards x,
 *                 each size adapted; budget max_queries.
 * AutoAttack's white-box members (Croce & Hein 2020; docs/ATTACKS.md):
 *   "apgd"        AutoProjectedGradientDescent (ART): momentum 0.75, step
 *                 halving at the checkpoints, restarts from the best point;
 *                 loss_type cross_entropy or difference_logits_ratio.
 *   "apgd-t"      APGD-T: the targeted DLR loss towards each of the
 *                 n_target_classes runner-up classes in turn; succeeds when
 *                 the label changes.
 *   "fab"         FAB-T (norm inf): minimal-norm steps to the linearised
 *                 boundary of each runner-up class; keeps the smallest
 *                 adversarial found within eps, else returns x.
 * L-BFGS and JSMA (issue 13; docs/ATTACKS.md):
 *   "lbfgs"       Szegedy et al. 2013: per image, a projected L-BFGS of our
 *                 own minimises c*||r||_2^2 + CE(x+r, target) on the box
 *                 [0,1]; a search on c keeps the smallest-L2 success.
 *                 Untargeted, the loss is -log(1 - p_y).
 *   "jsma"        SaliencyMapMethod (ART, Papernot et al. 2016): raises the
 *                 two pixels with the largest target-logit gradient by theta
 *                 per step, at most gamma of the pixels in all; without
 *                 targets, each image's target is drawn from the seed. */

typedef enum {
    ADVLAB_ATTACK_FGSM = 0,
    ADVLAB_ATTACK_BIM = 1,
    ADVLAB_ATTACK_PGD = 2,
    ADVLAB_ATTACK_DEEPFOOL = 3,
    ADVLAB_ATTACK_NEWTONFOOL = 4,
    ADVLAB_ATTACK_CW = 5,
    /* black-box attacks */
    ADVLAB_ATTACK_SQUARE = 6,
    ADVLAB_ATTACK_HOPSKIPJUMP = 7,
    ADVLAB_ATTACK_BOUNDARY = 8,
    /* end black-box attacks */
    /* AutoAttack's white-box members (issue 13) */
    ADVLAB_ATTACK_APGD = 9,
    ADVLAB_ATTACK_APGD_T = 10,
    ADVLAB_ATTACK_FAB = 11,
    /* L-BFGS and JSMA (issue 13) */
    ADVLAB_ATTACK_LBFGS = 12,
    ADVLAB_ATTACK_JSMA = 13,
} advlab_attack_kind;

typedef struct {
    advlab_attack_kind kind;
    float norm;              /* fgsm: INFINITY, 1 or 2; bim/pgd: INFINITY or 2 */
    float eps;               /* fgsm/bim/pgd: the radius of the allowed ball */
    float eps_step;          /* bim/pgd: step size; fgsm minimal: search step */
    int max_iter;            /* bim/pgd/deepfool/newtonfool/cw iterations */
    int targeted;            /* 1: labels are target classes to reach */
    int num_random_init;     /* fgsm/pgd: restarts from a uniform point in the ball */
    int minimal;             /* fgsm: the smallest k*eps_step <= eps that flips each image */
    float overshoot;         /* deepfool: ART's `epsilon`, 0.02 */
    float eta;               /* newtonfool: 0.01 */
    float confidence;        /* cw: margin kappa, 0 */
    float learning_rate;     /* cw: Adam step in tanh space, 0.1 */
    float initial_const;     /* cw: first trade-off constant c, 0.01 */
    int binary_search_steps; /* cw: 10 */
    /* black-box attacks (square, hopskipjump, boundary) */
    float p_init;     /* square: the first square's share of the image, 0.8 */
    int nb_restarts;  /* square: restarts from x, each with max_iter queries, 1 */
    int max_queries;  /* hopskipjump/boundary: the query budget per image, 10000 */
    int max_eval;     /* hopskipjump: most queries of one gradient estimate, 10000 */
    int init_eval;    /* hopskipjump: queries of the first gradient estimate, 100 */
    int init_size;    /* hopskipjump/boundary: random draws to find a start, 100 */
    float delta;      /* boundary: first orthogonal step, relative to ||x_adv - x||, 0.01 */
    float epsilon;    /* boundary: first step towards x, a share of x - x_adv, 0.01 */
    float step_adapt; /* boundary: the factor both steps adapt by, 0.667 */
    int num_trial;    /* boundary: trials to find a step that stays adversarial, 25 */
    int sample_size;  /* boundary: orthogonal candidates per trial, 20 */
    /* end black-box attacks */
    uint64_t seed; /* random starts */
    /* AutoAttack's white-box members (issue 13) */
    int loss_type;        /* apgd: 0 cross_entropy, 1 difference_logits_ratio (ART's names) */
    int n_target_classes; /* apgd-t, fab: runner-up classes tried as targets, 9 */
    /* L-BFGS and JSMA (issue 13); lbfgs also reads max_iter (iterations per
     * c) and binary_search_steps (steps of the search on c, 10) */
    float c_init; /* lbfgs: the first trade-off constant c on ||r||_2^2, 0.1 */
    float theta;  /* jsma: the step added to a chosen pixel, in (0, 1], 0.1 */
    float gamma;  /* jsma: the largest share of pixels changed, in (0, 1], 1 */
} advlab_attack_config;

/* ART's defaults for the named attack (names above). Unknown names fail
 * with a message listing the known ones. */
advlab_status advlab_attack_config_default(const char *name, advlab_attack_config *cfg);
/* Sets one field by its name as written in the struct ("eps", "max_iter",
 * "norm" where 0 or inf means INFINITY, "seed", ...), so the CLI and JS share
 * one mapping. Unknown keys fail, naming the attack's keys. Ranges are
 * checked by advlab_attack_create. */
advlab_status advlab_attack_config_set(advlab_attack_config *cfg, const char *key, double value);
const char *advlab_attack_name(advlab_attack_kind kind);

typedef struct advlab_attack advlab_attack;
typedef struct advlab_preprocessor advlab_preprocessor;

/* Validates cfg (eps >= 0, 0 < eps_step <= eps, max_iter >= 1, ...) and
 * allocates the attack's scratch for the net's max_batch. net is borrowed
 * for the attack's lifetime. */
advlab_status advlab_attack_create(advlab_net *net, const advlab_attack_config *cfg,
                                   advlab_attack **out);
void advlab_attack_free(advlab_attack *a);
/* Attacks the defended model net(pre(x)) instead of net(x): predictions go
 * through pre, and gradients pass straight through it (BPDA, Athalye et al.),
 * which is the adaptive attack a pre-processor defence must face, unless
 * advlab_attack_set_grad_mode says otherwise. pre is borrowed; NULL restores
 * the plain model. */
void advlab_attack_set_preprocessor(advlab_attack *a, advlab_preprocessor *pre);
/* How the gradient crosses the pre-processor set above: ADVLAB_GRAD_BPDA
 * (straight through, the adaptive attack; the default) or ADVLAB_GRAD_EXACT
 * (its true derivative: zero for squeezing and JPEG, the selected pixel
 * for the median, identity for noise: the naive attack that gradient
 * masking fools). Other values fail with ADVLAB_E_ARG. */
typedef enum { ADVLAB_GRAD_BPDA = 0, ADVLAB_GRAD_EXACT = 1 } advlab_grad_mode;
advlab_status advlab_attack_set_grad_mode(advlab_attack *a, advlab_grad_mode mode);
/* Writes n adversarial images to x_adv (must not overlap x). y: target
 * classes when targeted (required), else true labels; NULL uses the model's
 * own predictions, as ART does. Any n; processed in chunks of max_batch. The
 * random stream continues across calls, so a fixed seed and call sequence
 * give fixed results. */
advlab_status advlab_attack_run(advlab_attack *a, const float *x, const int32_t *y, int n,
                                float *x_adv);
/* black-box attacks: queries and gradients */
/* advlab_attack_run, and queries (n) receives the model queries each image
 * cost: the images of it passed forward, at most its budget (square:
 * nb_restarts * max_iter; hopskipjump, boundary: max_queries). Only the
 * black-box kinds count per image; others fail with ADVLAB_E_ARG. */
advlab_status advlab_attack_run_queries(advlab_attack *a, const float *x, const int32_t *y, int n,
                                        float *x_adv, int32_t *queries);
/* What an attack's runs have cost the model since create, counted in the
 * net itself: images passed forward, and images passed backward (gradient
 * calls; zero for square, hopskipjump and boundary). Doubles, exact to
 * 2^53; a NULL attack has cost nothing. */
typedef struct {
    double forward_images;
    double backward_images;
} advlab_attack_counts;
void advlab_attack_counts_get(const advlab_attack *a, advlab_attack_counts *out);
/* end black-box attacks */

/* ------------------------------------- evaluation: AutoAttack (issue 13)
 *
 * An ensemble run as AutoAttack runs it (Croce & Hein 2020): each member
 * attacks only the images every earlier member left correctly classified,
 * so the robust accuracy is the per-image minimum over the suite. Members
 * attack the defended model net(pre(x)) through its own gradient (the
 * naive attack that gradient masking fools); the checks then say when the
 * figure should not be trusted (docs/ATTACKS.md, "evaluate").
 *   "quick"       APGD-CE and APGD-T (3 targets), 20 iterations each
 *   "autoattack"  the standard version: APGD-CE, APGD-T (9 targets), FAB-T
 *                 (9 targets), 100 iterations each, then Square with 5000
 *                 queries
 *   "full"        autoattack, then APGD-DLR, and under a pre-processor
 *                 APGD-CE and APGD-T through BPDA */

typedef enum {
    ADVLAB_SUITE_QUICK = 0,
    ADVLAB_SUITE_AUTOATTACK = 1,
    ADVLAB_SUITE_FULL = 2,
} advlab_suite;

typedef struct {
    int suite;     /* advlab_suite, set by name: "quick", "autoattack", "full" */
    float eps;     /* the ball's radius, 0.3 */
    float norm;    /* INFINITY or 2 */
    uint64_t seed; /* the members' random starts, 1 */
    int first;     /* the index of x's first image in a larger evaluation split
                      into parts (the page's pool): image i draws the random
                      starts of image first + i, so the parts' reports add up
                      to the whole's; 0 */
    int checks;    /* 1: run the checks behind the warnings (on the first 100
                      images of x); a later part sets 0; 1 */
} advlab_evaluate_config;

advlab_status advlab_evaluate_config_default(advlab_evaluate_config *cfg);
/* Sets one field by name ("suite" takes its index; the CLI and advlab.js
 * set it by name); ranges are checked by advlab_evaluate. */
advlab_status advlab_evaluate_config_set(advlab_evaluate_config *cfg, const char *key,
                                         double value);

#define ADVLAB_EVALUATE_MAX_MEMBERS 8

typedef struct {
    char name[32];            /* "apgd-ce", "apgd-t", "fab-t", "apgd-dlr", "apgd-ce-bpda", ... */
    double accuracy;          /* robust accuracy after this member, of all n images */
    int broke;                /* images this member fooled that no earlier one had */
    long long gradient_calls; /* input gradients it took, one per image per pass */
    double seconds;           /* wall time: the one figure that differs between runs */
} advlab_evaluate_member;

/* The warnings, bits of advlab_evaluate_report.warnings. */
enum {
    ADVLAB_WARN_SOFTMAX = 1,        /* the outputs are probabilities, not logits */
    ADVLAB_WARN_ZERO_GRADIENTS = 2, /* some images have an all-zero input gradient */
    ADVLAB_WARN_RANDOM = 4,         /* two forward passes of the same images differ */
    ADVLAB_WARN_BLACK_BOX = 8,      /* a black-box member broke images the white-box ones did not */
    ADVLAB_WARN_LARGE_EPS = 16,     /* accuracy stays above 0 at a radius that allows any image */
    ADVLAB_WARN_NAIVE_ABOVE_BPDA = 32, /* the naive gradient leaves more accuracy than BPDA */
};

typedef struct {
    advlab_evaluate_config cfg;
    int n;
    double clean_accuracy, robust_accuracy;
    int members;
    advlab_evaluate_member member[ADVLAB_EVALUATE_MAX_MEMBERS];
    unsigned warnings;
    /* The checks, on the first `checked` images: */
    int checked;
    double zero_gradient_share; /* of the checked images */
    double large_eps, large_eps_accuracy;
    double naive_accuracy, bpda_accuracy; /* APGD-CE both ways; -1 without a pre-processor */
} advlab_evaluate_report;

/* Runs the suite on n images x (n, input size) with labels y against
 * net(pre(x)) (pre may be NULL; borrowed, as net). Same seed and inputs,
 * same report, but for the seconds. */
advlab_status advlab_evaluate(advlab_net *net, advlab_preprocessor *pre,
                              const advlab_evaluate_config *cfg, const float *x, const int32_t *y,
                              int n, advlab_evaluate_report *out);
/* The report as JSON, warnings as sentences, as `advlab evaluate --json`
 * prints it; a buffer freed with advlab_buffer_free. with_seconds 0 leaves
 * the seconds out, so that two reports can be compared whole. */
advlab_status advlab_evaluate_report_json(const advlab_evaluate_report *r, int with_seconds,
                                          char **json);

/* ------------------------ universal perturbation (issue 13, item 3)
 *
 * One perturbation v that fools a model on most images at once
 * (Moosavi-Dezfooli et al. 2017), as ART's UniversalPerturbation with its
 * DeepFool attacker: each pass visits the fitting images in a random order
 * (drawn from seed); an image the model still classifies as its label under
 * clip(x + v, 0, 1) gets DeepFool from there, and if that flips it, v
 * becomes the DeepFool image minus x, projected onto the eps-ball of norm.
 * Passes stop once the fitting set's fooling rate reaches 1 - delta, or
 * after max_iter. docs/ATTACKS.md ("universal") lists the departures. */

typedef struct {
    int attacker;          /* set by name: "deepfool", the one attacker built; 0 */
    float delta;           /* stop at a fooling rate of 1 - delta, in [0, 1); 0.2 */
    int max_iter;          /* passes over the fitting set, >= 1; 20 */
    float eps;             /* radius of the ball v stays in, > 0; 0.3 */
    float norm;            /* the ball: INFINITY or 2 */
    int attacker_max_iter; /* DeepFool's max_iter; 100 */
    float overshoot;       /* DeepFool's overshoot (ART's epsilon); 0.02 */
    uint64_t seed;         /* the order of every pass; 1 */
} advlab_universal_config;

advlab_status advlab_universal_config_default(advlab_universal_config *cfg);
/* Sets one field by name ("attacker" takes its index; the CLI and
 * advlab.js set it by name); ranges are checked by advlab_universal_fit. */
advlab_status advlab_universal_config_set(advlab_universal_config *cfg, const char *key,
                                          double value);

typedef struct {
    int n;               /* fitting images */
    int fooled;          /* of them, classified other than their label under clip(x + v) */
    double fooling_rate; /* fooled / n, after the last pass */
    int passes;          /* passes run, at most max_iter */
    double norm;         /* ||v|| in the config's norm */
} advlab_universal_report;

/* Fits v (input size floats, written) on the n images x with labels y
 * (NULL: the model's own predictions, as ART). net is borrowed. Same seed
 * and inputs, same v and report. */
advlab_status advlab_universal_fit(advlab_net *net, const advlab_universal_config *cfg,
                                   const float *x, const int32_t *y, int n, float *v,
                                   advlab_universal_report *out);
/* The fooling rate of v on n images x, held out or not: *fooled of them
 * are predicted differently under clip(x + v, 0, 1) than as x, and *rate
 * is fooled / n. */
advlab_status advlab_universal_fooling_rate(advlab_net *net, const float *v, const float *x, int n,
                                            int *fooled, double *rate);

/* --------------------------------------------------- pre-processors
 *   "squeeze"  feature squeezing: rint(x*(2^bits-1))/(2^bits-1), bits 1..8
 *   "median"   true window x window median filter, borders reflected
 *   "jpeg"     JPEG encode at quality 1..100 and decode, in memory
 *   "noise"    Gaussian noise of std sigma, clipped to [0,1] (seeded) */

typedef enum {
    ADVLAB_PRE_SQUEEZE = 0,
    ADVLAB_PRE_MEDIAN = 1,
    ADVLAB_PRE_JPEG = 2,
    ADVLAB_PRE_NOISE = 3,
} advlab_preprocess_kind;

typedef struct {
    advlab_preprocess_kind kind;
    int bit_depth; /* squeeze: 1..8 */
    int window;    /* median: 1..min(height, width) */
    int quality;   /* jpeg: 1..100 */
    float sigma;   /* noise: >= 0 */
    uint64_t seed; /* noise */
} advlab_preprocess_config;

advlab_status advlab_preprocess_config_default(const char *name, advlab_preprocess_config *cfg);
advlab_status advlab_preprocess_config_set(advlab_preprocess_config *cfg, const char *key,
                                           double value);
const char *advlab_preprocess_name(advlab_preprocess_kind kind);

/* Validates cfg; images are height x width, one channel. */
advlab_status advlab_preprocessor_create(const advlab_preprocess_config *cfg, int height, int width,
                                         advlab_preprocessor **out);
void advlab_preprocessor_free(advlab_preprocessor *p);
/* out = pre(x) for n images; out may equal x. */
advlab_status advlab_preprocessor_apply(advlab_preprocessor *p, const float *x, int n, float *out);

/* --------------------------------------------------- post-processors
 * Applied to the probabilities a model returns, against model extraction:
 *   "reverse_sigmoid"  Lee et al.: beta, gamma
 *   "high_confidence"  zero every probability below cutoff
 *   "rounded"          round to `decimals` places
 *   "class_labels"     one-hot of each row's argmax */

typedef enum {
    ADVLAB_POST_REVERSE_SIGMOID = 0,
    ADVLAB_POST_HIGH_CONFIDENCE = 1,
    ADVLAB_POST_ROUNDED = 2,
    ADVLAB_POST_CLASS_LABELS = 3,
} advlab_postprocess_kind;

typedef struct {
    advlab_postprocess_kind kind;
    float beta, gamma; /* reverse_sigmoid: 1.0, 0.1 */
    float cutoff;      /* high_confidence: 0.25 */
    int decimals;      /* rounded: 3 */
} advlab_postprocess_config;

advlab_status advlab_postprocess_config_default(const char *name, advlab_postprocess_config *cfg);
advlab_status advlab_postprocess_config_set(advlab_postprocess_config *cfg, const char *key,
                                            double value);
const char *advlab_postprocess_name(advlab_postprocess_kind kind);
/* out (n, classes) = post(probs); out may equal probs. */
advlab_status advlab_postprocess(const advlab_postprocess_config *cfg, const float *probs, int n,
                                 int classes, float *out);

/* ---------------------------------------------------------- detectors
 * A detector scores each image; a score above the threshold flags it as
 * adversarial. */

typedef struct advlab_detector advlab_detector;

/* Feature squeezing (Xu et al. 2018): the score is the largest L1 distance
 * between net's probabilities on x and on a squeezed x, over a bit-depth
 * squeezer (bit_depth 1..8) and a median filter (window >= 2); 0 disables
 * either, not both. net is borrowed for the detector's lifetime. Its
 * threshold is +inf (nothing flagged) until calibrated or set. */
advlab_status advlab_squeeze_detector_create(advlab_net *net, int bit_depth, int median_window,
                                             advlab_detector **out);
/* ART's BinaryInputDetector: `detector` is a 2-class net (0 clean, 1
 * adversarial), borrowed; the score is its probability of class 1, and the
 * threshold starts at 0.5. */
advlab_status advlab_binary_detector_create(advlab_net *detector, advlab_detector **out);
/* Trains the binary detector on n clean and n adversarial images, shuffled
 * together, with cfg's optimizer, epochs, batch and seed (limit ignored). */
advlab_status advlab_binary_detector_train(advlab_detector *d, const float *clean, const float *adv,
                                           int n, const advlab_train_config *cfg);
void advlab_detector_free(advlab_detector *d);
advlab_status advlab_detector_score(advlab_detector *d, const float *x, int n, float *scores);
/* Sets the threshold so that at most a fraction fpr (0..1) of these clean
 * images score above it. */
advlab_status advlab_detector_calibrate(advlab_detector *d, const float *clean, int n, float fpr);
float advlab_detector_threshold(const advlab_detector *d);
advlab_status advlab_detector_set_threshold(advlab_detector *d, float threshold);
/* flags[i] = 1 when image i scores above the threshold. */
advlab_status advlab_detector_detect(advlab_detector *d, const float *x, int n, uint8_t *flags);

/* ------------------------------------------------ adversarial training */

#define ADVLAB_MAX_STATIC_NETS 4

typedef struct {
    float ratio;                 /* fraction of each batch replaced, 0..1 */
    advlab_attack_config attack; /* crafted with the TRUE labels */
    /* Ensemble adversarial training (Tramer et al.): fixed pre-trained
     * models, borrowed. Batches rotate over [current net, static nets...] as
     * the source of their adversarial examples, as ART's AdversarialTrainer
     * rotates over its attacks. */
    int n_static;
    advlab_net *static_nets[ADVLAB_MAX_STATIC_NETS];
} advlab_adv_config;

/* The tutorial's AdversarialTrainer: ratio 0.5, FGSM eps 0.2, no static nets. */
void advlab_adv_config_default(advlab_adv_config *cfg);
/* Sets "ratio" (the attack is set through advlab_attack_config_set on
 * cfg->attack); ranges are checked by advlab_adv_trainer_create. */
advlab_status advlab_adv_config_set(advlab_adv_config *cfg, const char *key, double value);
/* A trainer (advlab_trainer_run/free as for clean training) that replaces
 * ceil(ratio*batch) samples of each batch, drawn without replacement, by
 * adversarial examples crafted against the weights of that moment. ratio 0
 * is exactly advlab_trainer_create's training; Madry's PGD training is
 * ratio 1 with a "pgd" attack. */
advlab_status advlab_adv_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                        const advlab_train_config *train,
                                        const advlab_adv_config *adv, advlab_trainer **out);

/* ----------------------------------------------------- robust training
 * Three robust trainers (issue 20), each an ordinary trainer
 * (advlab_trainer_run, checkpoints, free) with its own batch step; the
 * semantics and departures are in docs/ATTACKS.md ("Robust training").
 *   fbf       fast AT (Wong et al. 2020, ART's AdversarialTrainerFBF): every
 *             row becomes FGSM from a uniform start in the eps-ball with
 *             step 1.25 eps; a cyclic learning rate 0 -> train lr at 2/5 of
 *             the run -> 0; gradients clipped to norm `clip`; after each
 *             epoch PGD on `check` held-out images, and a fall of more than
 *             `drop` below the best epoch's accuracy restores that epoch's
 *             weights and ends the run.
 *   trades    TRADES (Zhang et al. 2019, ART's AdversarialTrainerTRADES):
 *             loss CE(f(x), y) + beta KL(f(x) || f(x')), x' by PGD on the KL
 *             from x + 0.001 N(0, 1).
 *   pgd-ramp  Madry's PGD training (every row) with eps rising linearly
 *             from eps_start to eps over the first `ramp` epochs. */
typedef enum {
    ADVLAB_ROBUST_FBF = 0,
    ADVLAB_ROBUST_TRADES = 1,
    ADVLAB_ROBUST_PGD_RAMP = 2,
} advlab_robust_method;

typedef struct {
    advlab_robust_method trainer;
    float eps;       /* L-inf radius (pgd-ramp: reached after the ramp) */
    float eps_step;  /* trades, pgd-ramp: PGD's step (pgd-ramp: at eps, scaled with it) */
    int max_iter;    /* trades, pgd-ramp: PGD's steps */
    float beta;      /* trades: the KL term's weight */
    float eps_start; /* pgd-ramp: eps at the first batch */
    float ramp;      /* pgd-ramp: epochs over which eps rises */
    float clip;      /* fbf: gradient L2 norm clip; 0: none */
    int check;       /* fbf: held-out images of the overfitting check; 0: no check */
    int check_iter;  /* fbf: the check's PGD steps */
    float drop;      /* fbf: the fall in check accuracy that counts as a collapse */
} advlab_robust_train_config;

/* The defaults of a trainer by name ("fbf", "trades", "pgd-ramp"); an
 * unknown name fails, listing the known ones. */
advlab_status advlab_robust_train_config_default(const char *trainer,
                                                 advlab_robust_train_config *cfg);
/* Sets one field by name; ranges are checked by advlab_robust_trainer_create. */
advlab_status advlab_robust_train_config_set(advlab_robust_train_config *cfg, const char *key,
                                             double value);
/* A trainer (advlab_trainer_run/free as for clean training) with cfg's
 * robust step. net and ds are borrowed for the trainer's lifetime. */
advlab_status advlab_robust_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                           const advlab_train_config *train,
                                           const advlab_robust_train_config *cfg,
                                           advlab_trainer **out);

/* Training presets (issue 20), by name: an arch, a robust trainer and the
 * settings of both, chosen for a goal. "robust" is PGD-7 training at eps
 * 0.3 on a 16- and 32-channel net, sized for about 15 minutes on two cores
 * in a browser tab. Sets *arch (a static spec), train and robust; an unknown
 * name fails, listing the known ones. */
advlab_status advlab_train_preset(const char *name, const char **arch, advlab_train_config *train,
                                  advlab_robust_train_config *robust);
/* The preset as JSON, {name, about, arch, trainer, train: {key: value},
 * robust: {key: value}}, the values exact; *json freed with
 * advlab_buffer_free. */
advlab_status advlab_train_preset_json(const char *name, char **json);

/* ------------------------------------------------------------- metrics */

typedef struct {
    int n;
    double clean_accuracy;              /* net(pre(x)) against y */
    double adv_accuracy;                /* net(pre(x_adv)) against y */
    double success_rate;                /* untargeted: prediction changed from clean;
                                           targeted: prediction == target (ART) */
    double mean_l0, mean_l2, mean_linf; /* of x_adv - x, over all n images */
} advlab_attack_metrics;

/* Measures an attack's outcome. pre (may be NULL) is the defence in front of
 * net; targets (may be NULL) makes success mean "reached the target";
 * confusion (may be NULL) receives classes*classes counts on x_adv. */
advlab_status advlab_attack_metrics_compute(advlab_net *net, advlab_preprocessor *pre,
                                            const float *x, const float *x_adv, const int32_t *y,
                                            const int32_t *targets, int n,
                                            advlab_attack_metrics *out, int32_t *confusion);
/* ART's empirical_robustness: runs minimal FGSM (cfg's norm, eps, eps_step)
 * and returns the mean over flipped images of ||x_adv - x|| / ||x|| in that
 * norm; 0 when nothing flips. */
advlab_status advlab_empirical_robustness(advlab_net *net, const advlab_attack_config *fgsm,
                                          const float *x, int n, double *out);

/* -------------------------------------------------------------- images */

/* MNIST's own normalisation (LeCun et al.), for a drawn or uploaded digit.
 * alpha is height rows of width ink values in [0,1] (ink = 1), each side
 * 1..4096; out receives 28x28 = 784 floats in [0,1], ink = 1, and may be
 * alpha itself when that is 28x28. The bounding box of the ink (alpha > 0.05)
 * is scaled to 20 pixels on its longer side, keeping the aspect ratio, by area
 * averaging: each output pixel is the coverage-weighted mean of the input
 * pixels it covers, so thin strokes fade but do not vanish. The result is
 * shifted by whole pixels so that its centre of mass lands on pixel (14,14)
 * (column and row indices from 0, where MNIST's digits have theirs), as far as
 * the frame allows without cutting ink. No ink gives all zeros. Allocates
 * nothing. */
advlab_status advlab_image_to_mnist(const float *alpha, int width, int height, float *out);

/* ---------------------------------------------------------- experiment
 * The tutorial loop, end to end: train the standard model, measure it clean
 * and under FGSM, train a defended model with the AdversarialTrainer, then
 * measure the defended model on the OLD adversarial images (the tutorial's
 * transfer number), under FRESH white-box FGSM and clean, both models under
 * PGD, pre-processor defences under plain and adaptive (BPDA) attacks, the
 * feature-squeezing detector, and accuracy-vs-eps curves. */

typedef struct {
    uint64_t seed;               /* net init, shuffling, attacks: 1234 */
    int train_limit;             /* training images used; 0 = all */
    int test_limit;              /* test images for clean/FGSM/curves; 0 = all */
    int epochs;                  /* clean training epochs: 20 */
    int batch;                   /* 64 */
    float lr;                    /* Adam: 0.01 */
    float eps;                   /* FGSM: 0.2 */
    float ratio;                 /* AdversarialTrainer: 0.5 */
    int adv_epochs;              /* 20 */
    int adv_from_scratch;        /* 0: the defended model starts from the standard weights */
    int adv_fresh_optimizer;     /* 0: and from the standard training's Adam state, as
                                    ART's AdversarialTrainer keeps the classifier's optimizer */
    float pgd_eps, pgd_eps_step; /* 0.3, 0.01 */
    int pgd_iter;                /* 40 */
    int pgd_limit;               /* test images under PGD and for empirical robustness: 1000 */
    int curve;                   /* 1: FGSM accuracy at eps 0, .05, ... .3 for both models */
    int defences;                /* 1: pre-processors (plain vs BPDA) and the squeeze detector */
} advlab_experiment_config;

/* The tutorial's defaults, as listed above. */
void advlab_experiment_config_default(advlab_experiment_config *cfg);
/* Sets a field by its struct name; unknown keys fail, listing the keys. */
advlab_status advlab_experiment_config_set(advlab_experiment_config *cfg, const char *key,
                                           double value);

typedef struct advlab_experiment advlab_experiment;

typedef struct {
    int stage, stages;      /* 0-based stage in progress, and the count */
    const char *stage_name; /* "train", "fgsm", "adv_train", ... */
    int done, total;        /* units (batches or images) of this stage */
    int epoch, epochs;      /* training stages */
    double loss;            /* training stages: epoch loss so far */
    double fraction;        /* of the whole experiment's estimated work, 0..1 */
} advlab_experiment_progress;

/* Prepares the experiment on `arch` (a spec or preset). train and test are
 * borrowed for the experiment's lifetime. */
advlab_status advlab_experiment_create(const advlab_dataset *train, const advlab_dataset *test,
                                       const char *arch, const advlab_experiment_config *cfg,
                                       advlab_experiment **out);
void advlab_experiment_free(advlab_experiment *e);
/* Does at most max_units units of work (a training batch, or one chunk of
 * attacked images), returning early at the end of a stage, so a Worker can
 * yield between calls. */
advlab_status advlab_experiment_run(advlab_experiment *e, int max_units,
                                    advlab_experiment_progress *progress);
int advlab_experiment_finished(const advlab_experiment *e);

typedef struct {
    const char *name;  /* "fgsm_standard", ... stable, for scripts */
    const char *label; /* "FGSM eps 0.2, standard model": for people */
    double value;      /* accuracy or rate in 0..1, or a norm */
    int n;             /* images measured */
    double seconds;    /* time spent making this measurement */
} advlab_measurement;

int advlab_experiment_measurement_count(const advlab_experiment *e);
advlab_status advlab_experiment_measurement(const advlab_experiment *e, int i,
                                            advlab_measurement *out);
/* The report as JSON: settings, seed, measurements, curves, per-class
 * accuracy, timings. Valid until the experiment is freed; NULL until it has
 * finished. */
const char *advlab_experiment_report_json(advlab_experiment *e);
/* The standard (0) and defended (1) models, owned by the experiment. */
advlab_net *advlab_experiment_net(advlab_experiment *e, int which);

/* ---------------------------------------------------------------- sweep
 * A grid of tutorial experiments (issue 18): one or two settings of
 * advlab_experiment_config, each over a list of values, times a list of
 * seeds. Each cell (values x seed) is one experiment, of which the sweep keeps
 * the measurements it was asked for. A spec is JSON:
 *   {"arch": "tutorial",                           optional
 *    "settings": {"epochs": 2, "train_limit": 1000}, optional: the other fields
 *    "vary": [{"key": "eps", "values": [0, 0.1, 0.2]},
 *             {"key": "ratio", "range": [0.3, 0.7, 0.2]}],     one or two
 *    "seeds": [1, 2, 3],                            optional: [1234]
 *    "measure": ["fgsm_defended", "clean_defended"]} names the experiment reports
 * A range [start, stop, step] includes stop: value i is start + i*step, each
 * computed from the ends so no error builds up, and the spec in full lists
 * the values. A sweep's results JSON holds its spec under "spec" and is
 * accepted too.
 * Cells are in a fixed order, so any worker can run cell i alone: the seed
 * changes fastest, then the last varied setting. The cells of one point (its
 * settings) are consecutive: point p holds cells p*seeds .. p*seeds+seeds-1.
 * Each cell's experiment skips the stages no requested measurement needs
 * (curve, defences, PGD) and stops after the last requested measurement.
 * "family": "attack" (the experiment's is "experiment", the default) makes
 * each cell train the standard model and attack it instead: its settings
 * include "attack" and "defence", choices given by name ("fgsm", "none"),
 * and its measurements are clean_accuracy, robust_accuracy, success_rate,
 * mean_l2 and mean_linf; "family": "poison" plants the backdoor in the
 * training rows ("trigger" by name, "fraction", "source", "target"), trains
 * on them and measures clean_accuracy and attack_success (see README,
 * "Sweeps"). */

#define ADVLAB_SWEEP_MAX_CELLS 4096
#define ADVLAB_SWEEP_MAX_MEASURES 64
/* The cap on a sweep's estimated work, in image passes (a forward and
 * backward pass of one image; about 4 days of native training at 30k/s).
 * Limits of 0 (all images) count as 60000 training and 10000 test images. */
#define ADVLAB_SWEEP_MAX_WORK 1e10

typedef struct advlab_sweep advlab_sweep;

typedef struct {
    int cell;               /* the cell in progress, or -1 */
    int cells, cells_done;  /* cells in the grid, cells with results */
    const char *stage_name; /* the cell's experiment stage ("train", ...), or "": valid
                               until the next advlab_sweep_run or advlab_sweep_free */
    double fraction;        /* of the sweep's cells, 0..1 */
} advlab_sweep_progress;

/* Parses and checks a spec (json[0..len)): unknown settings, empty or
 * repeated values, non-numbers, values out of a setting's range, unknown
 * measurements, and the caps on cells and on work fail with a message that
 * names the input. */
advlab_status advlab_sweep_create(const char *json, size_t len, advlab_sweep **out);
void advlab_sweep_free(advlab_sweep *s);
int advlab_sweep_cell_count(const advlab_sweep *s);
int advlab_sweep_measure_count(const advlab_sweep *s);
/* Measurement m's name (owned by the sweep), or NULL out of range. */
const char *advlab_sweep_measure_name(const advlab_sweep *s, int m);
/* The config cell `cell` runs: the settings, its values and seed, and the
 * skips. Only the experiment family's cells have one. */
advlab_status advlab_sweep_cell_config(const advlab_sweep *s, int cell,
                                       advlab_experiment_config *cfg);
/* The plan as JSON: {"spec": the spec in full, "cells", "points", "work"
 * (estimated image passes), "cell_settings": [{"eps": 0, ..., "seed": 1}]}.
 * Valid until the next call of this function or the sweep is freed; NULL when
 * out of memory. */
const char *advlab_sweep_plan_json(advlab_sweep *s);

/* Does at most max_units units of cell `cell`'s experiment (see
 * advlab_experiment_run), starting it when needed; the experiment of another
 * cell in progress is dropped (it restarts from its beginning, with the same
 * results). train and test are borrowed until the cell finishes; pass the same
 * ones on every call for a cell. A finished cell fails. progress may be NULL. */
advlab_status advlab_sweep_run(advlab_sweep *s, const advlab_dataset *train,
                               const advlab_dataset *test, int cell, int max_units,
                               advlab_sweep_progress *progress);
/* The lowest cell without results, or -1 when every cell has them. */
int advlab_sweep_next_cell(const advlab_sweep *s);
int advlab_sweep_cell_done(const advlab_sweep *s, int cell);
/* A finished cell's measurements (advlab_sweep_measure_count doubles, in the
 * spec's order) and the seconds it took; seconds may be NULL. */
advlab_status advlab_sweep_cell_values(const advlab_sweep *s, int cell, double *values,
                                       double *seconds);
/* Records the results of a cell computed elsewhere (another worker's
 * advlab_sweep_cell_values): values must be finite. */
advlab_status advlab_sweep_set_cell(advlab_sweep *s, int cell, const double *values,
                                    double seconds);

/* The results as JSON: {"format": "advlab-sweep", "engine", "spec",
 * "cells": [{"cell", "settings", "seed", "values": {name: value}}] for the
 * finished cells, "points": [{"point", "settings", "seeds", "mean", "std"}]
 * for the points whose every seed is finished (std: the sample standard
 * deviation over seeds, 0 for one seed), "timings": {"seconds", "cells":
 * [{"cell", "seconds"}]}}; timings are kept apart, as they differ between
 * runs while the numbers do not. Numbers are written in the fewest digits
 * that read back as the same double. It is also the sweep's checkpoint.
 * Valid until the next call of this function or the sweep is freed; NULL
 * when out of memory. */
const char *advlab_sweep_results_json(advlab_sweep *s);
/* The results as CSV: points 0 gives a row per finished cell
 * (cell, the varied settings, seed, each measurement), points 1 a row per
 * finished point (the settings, seeds, each measurement's mean and std).
 * Valid as advlab_sweep_results_json's text. */
const char *advlab_sweep_csv(advlab_sweep *s, int points);
/* Takes the finished cells of a checkpoint (a results JSON of the same spec
 * and engine version): all of them, or none when anything in it is wrong. */
advlab_status advlab_sweep_restore(advlab_sweep *s, const char *json, size_t len);

/* ---------------------------------------------- the lab page's measures
 * What the lab page (web/engine/) asks of the experiment's plan and of the
 * metrics, so that it computes none of them again in JavaScript. */

/* The FGSM eps of the experiment's accuracy curve, increasing: returns their
 * count, and *eps (when eps is not NULL) points at them (static). */
int advlab_experiment_curve_eps(const float **eps);

typedef struct {
    const char *name;   /* as in the experiment's report: "clean_standard", ... (static) */
    int model;          /* the model measured: 0 standard, 1 defended */
    int crafted_on;     /* the model the attack's images are made on; -1: the clean images */
    const char *attack; /* "fgsm" with its defaults, or NULL for the clean images (static) */
    float eps;          /* the attack's eps: the config's eps; 0 for the clean images */
} advlab_planned_measurement;

/* The tutorial's measurements, as the experiment plans them, in its order:
 * the standard model clean and under FGSM; the defended model on the standard
 * model's FGSM images (the transfer row), clean, and under fresh FGSM. */
int advlab_experiment_tutorial_count(void);
/* Measurement i (0..count-1) under cfg's settings. */
advlab_status advlab_experiment_tutorial(const advlab_experiment_config *cfg, int i,
                                         advlab_planned_measurement *out);

/* *correct = how many of the n images x (n, input size) net classifies as y
 * (the first of equal logits). Allocates nothing. */
advlab_status advlab_net_count_correct(advlab_net *net, const float *x, const int32_t *y, int n,
                                       int *correct);

typedef struct {
    double l0;   /* values changed */
    double l2;   /* Euclidean length */
    double linf; /* largest change */
} advlab_perturbation;

/* The size of x_adv - x for ONE image of `size` values, summed in double:
 * advlab_attack_metrics_compute's means are means of these. */
void advlab_perturbation_norms(const float *x, const float *x_adv, int size,
                               advlab_perturbation *out);

/* ------------------------------------------------------- certification
 * Proofs that no perturbation up to a radius changes the answer (issue 17):
 *   "ibp"        interval bound propagation (Gowal et al. 2018), L-inf ball
 *   "crown"      backward linear relaxation (Zhang et al. 2018), L-inf ball;
 *                never looser than ibp (the better of the two is kept)
 *   "smoothing"  randomized smoothing (Cohen et al. 2019): a Gaussian-noise
 *                vote whose class is certified in an L2 ball, with
 *                probability 1 - alpha
 * The L-inf ball around x is intersected with the image range [0,1]. */

typedef enum {
    ADVLAB_CERTIFY_IBP = 0,
    ADVLAB_CERTIFY_CROWN = 1,
    ADVLAB_CERTIFY_SMOOTHING = 2,
} advlab_certify_method;

typedef struct {
    advlab_certify_method method;
    float eps;     /* the radius to prove: L-inf for ibp, crown; L2 for smoothing */
    int radius;    /* ibp, crown: 1 also finds each image's largest provable eps */
    float sigma;   /* smoothing: std of the Gaussian noise */
    int n0, n;     /* smoothing: samples that choose the class, samples that bound it */
    float alpha;   /* smoothing: failure probability of the certificate */
    int batch;     /* smoothing: noisy images per forward pass */
    uint64_t seed; /* smoothing: the noise; each advlab_certifier_run restarts it */
} advlab_certify_config;

/* The defaults of method `name` ("ibp", "crown" or "smoothing"). */
advlab_status advlab_certify_config_default(const char *name, advlab_certify_config *cfg);
advlab_status advlab_certify_config_set(advlab_certify_config *cfg, const char *key, double value);

/* One image's certificate. */
typedef struct {
    int predicted; /* the net's class at x; smoothing: the smoothed class, -1 if it abstains */
    int label;     /* the class certified: the given label, else `predicted` */
    int certified; /* 1: the label is proved at eps (smoothing: radius > 0 and >= eps) */
    double radius; /* ibp, crown: the largest proved L-inf eps, by bisection to 1e-3 (0 if none;
                      -1 when cfg.radius is 0); smoothing: the certified L2 radius (0 abstains) */
    double bound;  /* ibp, crown: min over j != label of the lower bound of z_label - z_j at
                      eps (> 0 proves it); smoothing: the lower confidence bound of pA */
} advlab_certificate;

typedef struct advlab_certifier advlab_certifier;

/* Checks cfg (and that the method can bound net's layers) and sizes the
 * certifier's memory for net, which is borrowed for the certifier's life. */
advlab_status advlab_certifier_create(advlab_net *net, const advlab_certify_config *cfg,
                                      advlab_certifier **out);
void advlab_certifier_free(advlab_certifier *c);
/* ibp, crown: bounds over the ball of radius eps around ONE image x:
 * lower, upper (classes each; either may be NULL) bound the logits, and
 * margin (classes; may be NULL) bounds z_label - z_j from below for each j
 * (margin[label] = 0). label < 0 takes the predicted class. crown improves
 * the margin only; its logit bounds are ibp's. */
advlab_status advlab_certifier_bounds(advlab_certifier *c, const float *x, int label, float eps,
                                      float *lower, float *upper, float *margin);
/* Certificates of n images x at cfg.eps; y (may be NULL: the predicted
 * classes) are the labels to certify. */
advlab_status advlab_certifier_run(advlab_certifier *c, const float *x, const int32_t *y, int n,
                                   advlab_certificate *out);

typedef struct {
    int n;
    double clean_accuracy;    /* predicted == label (smoothing: PREDICT, abstaining is wrong) */
    double verified_accuracy; /* the true label certified (smoothing: at L2 radius eps) */
} advlab_certify_summary;

/* Verified accuracy over the first `limit` images of ds (0: all). certs
 * (may be NULL) receives one certificate per image. */
advlab_status advlab_certify_dataset(advlab_certifier *c, const advlab_dataset *ds, int limit,
                                     advlab_certify_summary *out, advlab_certificate *certs);

/* Training for certifiability, through the ordinary trainer (checkpoints,
 * pause and progress work unchanged):
 *   "ibp"    Gowal et al.: loss = kappa xent(z) + (1 - kappa) xent(z_hat),
 *            z_hat_j = -(IBP's lower bound of z_y - z_j) at the current eps;
 *            eps rises linearly from 0 to eps and kappa falls from 1 to kappa
 *            over `ramp` epochs after `warmup` epochs of natural training
 *   "noise"  Gaussian data augmentation of std sigma (no clipping), the base
 *            classifier randomized smoothing needs (Cohen et al.)
 *   "crown-ibp"  Zhang et al. 2020: as ibp, but z_hat's margins are beta
 *            CROWN-IBP's + (1 - beta) IBP's, beta falling from 1 to 0 over the
 *            ramp as eps rises (CROWN-IBP's margin here is the larger of the
 *            two bounds); after the ramp it is ibp exactly */
typedef enum {
    ADVLAB_CERTIFY_TRAIN_NONE = 0,
    ADVLAB_CERTIFY_TRAIN_IBP = 1,
    ADVLAB_CERTIFY_TRAIN_NOISE = 2,
    ADVLAB_CERTIFY_TRAIN_CROWN_IBP = 3,
} advlab_certify_train_method;

typedef struct {
    advlab_certify_train_method certify;
    float eps;    /* ibp, crown-ibp: the training eps reached after the ramp */
    float warmup; /* ibp, crown-ibp: epochs of natural training first */
    float ramp;   /* ibp, crown-ibp: epochs over which eps, kappa and beta move linearly */
    float kappa;  /* ibp, crown-ibp: the natural loss's final weight */
    float sigma;  /* noise: the noise's std */
} advlab_certify_train_config;

void advlab_certify_train_config_default(advlab_certify_train_config *cfg);
advlab_status advlab_certify_train_config_set(advlab_certify_train_config *cfg, const char *key,
                                              double value);
/* A trainer (advlab_trainer_run etc.) that trains net for certification. */
advlab_status advlab_certify_trainer_create(advlab_net *net, const advlab_dataset *ds,
                                            const advlab_train_config *train,
                                            const advlab_certify_train_config *cfg,
                                            advlab_trainer **out);

/* Native only: whole-file helpers. */
advlab_status advlab_file_read(const char *path, uint8_t **bytes, size_t *len);
advlab_status advlab_file_write(const char *path, const uint8_t *bytes, size_t len);
/* Native only: the digit in an image file's bytes (a PNG of any colour type
 * and depth, through libspng, or a grey, colour or CMYK JPEG, through
 * libjpeg-turbo; BMP and PGM/PPM are refused) as 784 floats, the way the
 * page treats an upload: transparency is white paper, dark ink on a light
 * border (or light on dark) becomes ink 1, then advlab_image_to_mnist. Each
 * side must be 1..4096; `name` appears in error messages. */
advlab_status advlab_image_file_to_mnist(const char *name, const uint8_t *bytes, size_t len,
                                         float *out);

/* ---------------------------------------------------------- poisoning
 * The data-collection and training stages (issue 15): a backdoor planted in
 * the training set, and the defences that find it again. Names and defaults
 * follow ART; docs/ATTACKS.md ("Poisoning") lists every departure.
 *   triggers: "pattern"  ART's add_pattern_bd: four pixels near the
 *                        bottom-right corner, `distance` from it
 *             "pixel"    ART's add_single_bd: one pixel
 *             "mask"     any 28x28 mask (cfg.mask), drawn by the user */

#define ADVLAB_TRIGGER_SIDE 28
#define ADVLAB_TRIGGER_PIXELS (ADVLAB_TRIGGER_SIDE * ADVLAB_TRIGGER_SIDE)

typedef enum {
    ADVLAB_TRIGGER_PATTERN = 0,
    ADVLAB_TRIGGER_PIXEL = 1,
    ADVLAB_TRIGGER_MASK = 2,
} advlab_trigger_kind;

typedef struct {
    advlab_trigger_kind trigger;
    int distance;    /* pattern, pixel: from the bottom-right walls, ART's 2 */
    float value;     /* the trigger pixels' value, ART's pixel_value 1 */
    int source;      /* the class poisoned; -1: every class */
    int target;      /* the poisoned rows' label; -1: the next class, (y+1) mod 10 */
    float fraction;  /* of the eligible rows, poisoned: round(fraction * eligible) */
    int clean_label; /* 1: Turner et al.: rows OF the target class, pushed away from it
                        by PGD on a proxy model, then triggered; no label changes */
    float norm;      /* clean label's PGD: ART's inf (or 2), */
    float eps;       /* 0.3, */
    float eps_step;  /* 0.1 */
    int max_iter;    /* and 100 */
    uint64_t seed;   /* which rows */
    uint8_t mask[ADVLAB_TRIGGER_PIXELS]; /* mask: non-zero where the trigger is */
} advlab_poison_config;

/* The defaults of a trigger kind ("pattern", "pixel", "mask"; the mask all
 * zero): ART's distance 2 and value 1, every source class, the next class
 * as target, 10%, seed 1. */
advlab_status advlab_poison_config_default(const char *trigger, advlab_poison_config *cfg);
advlab_status advlab_poison_config_set(advlab_poison_config *cfg, const char *key, double value);

/* Writes the trigger into n images x (n, 784) in place. */
advlab_status advlab_trigger_apply(const advlab_poison_config *cfg, float *x, int n);

/* Poisons a copy of `clean` (28x28 images, 10 classes): the eligible rows
 * are those of the source class(es) whose label differs from their target
 * (clean label: the rows of the target class); round(fraction * eligible)
 * of them, drawn without replacement by the seed, get the trigger and the
 * target label (clean label: PGD on `proxy` first, labels unchanged; proxy
 * is needed then and ignored otherwise). Pixels are stored as bytes, so a
 * clean-label perturbation is cut to whole 1/255 steps toward the original,
 * which keeps it inside the eps ball. *out is the caller's (advlab_dataset_free); *rows (ascending,
 * the poisoned rows' indices) is freed with advlab_buffer_free. */
advlab_status advlab_poison_dataset(const advlab_dataset *clean, const advlab_poison_config *cfg,
                                    advlab_net *proxy, advlab_dataset **out, int32_t **rows,
                                    int *n_rows);
/* The poisoning's report as JSON (settings, rows, eligible, per-class
 * counts), a buffer freed with advlab_buffer_free. */
advlab_status advlab_poison_report_json(const advlab_poison_config *cfg,
                                        const advlab_dataset *poisoned, const int32_t *rows,
                                        int n_rows, char **json);
/* Checks that rows[0..n_rows) are ascending row indices of ds, naming
 * `name` (a poisoned-rows file) in the message if not. */
advlab_status advlab_poison_rows_check(const char *name, const int32_t *rows, int n_rows,
                                       const advlab_dataset *ds);
/* An IDX image file and an IDX label file of ds, each a buffer freed with
 * advlab_buffer_free: the poisoned set written back as MNIST's files. */
advlab_status advlab_dataset_to_idx(const advlab_dataset *ds, uint8_t **images, size_t *images_len,
                                    uint8_t **labels, size_t *labels_len);

typedef struct {
    double clean_accuracy; /* on the clean test images */
    int clean_n;
    double attack_success; /* triggered test images of the source classes whose label is
                              not their target, classified as their target */
    int attack_n;
} advlab_poison_metrics;

/* Clean accuracy and attack success rate over the first `limit` test
 * images (all when limit <= 0). */
advlab_status advlab_poison_measure(advlab_net *net, const advlab_dataset *test,
                                    const advlab_poison_config *cfg, int limit,
                                    advlab_poison_metrics *out);

/* The defences that cleanse a training set, from the training rows' last
 * hidden layer activations in `net` (the model trained on that set):
 *   "ac"        ActivationDefence (Chen et al.): per class, PCA to nb_dims,
 *               2-means; a cluster is poison by `analysis`: smaller
 *               (ART's default), relative_size, silhouette (ours)
 *   "spectral"  SpectralSignatureDefense (Tran et al.): per class, the
 *               squared projection on the top singular vector of the
 *               centred activations; the top eps_multiplier *
 *               expected_fraction of each class is flagged */

typedef enum { ADVLAB_CLEANSE_AC = 0, ADVLAB_CLEANSE_SPECTRAL = 1 } advlab_cleanse_kind;
typedef enum {
    ADVLAB_AC_SMALLER = 0,
    ADVLAB_AC_RELATIVE_SIZE = 1,
    ADVLAB_AC_SILHOUETTE = 2,
} advlab_ac_analysis;

typedef struct {
    advlab_cleanse_kind kind;
    int nb_dims;                 /* ac: 10 */
    advlab_ac_analysis analysis; /* ac: silhouette */
    float size_threshold;        /* ac relative_size, silhouette: 0.35 */
    float silhouette_threshold;  /* ac silhouette: 0.1 */
    int restarts;                /* ac: k-means++ runs, scikit-learn's n_init 10 */
    float expected_fraction;     /* spectral: ART's expected_pp_poison 0.33 */
    float eps_multiplier;        /* spectral: 1.5 */
    uint64_t seed;               /* ac: k-means++ */
} advlab_cleanse_config;

advlab_status advlab_cleanse_config_default(const char *name, advlab_cleanse_config *cfg);
advlab_status advlab_cleanse_config_set(advlab_cleanse_config *cfg, const char *key, double value);

typedef struct advlab_cleanse advlab_cleanse;

/* Prepares the defence; net and ds are borrowed for its lifetime. */
advlab_status advlab_cleanse_create(advlab_net *net, const advlab_dataset *ds,
                                    const advlab_cleanse_config *cfg, advlab_cleanse **out);
void advlab_cleanse_free(advlab_cleanse *c);
/* Does at most max_units units (a batch of activations, or a class's
 * analysis); *done and *total (may be NULL) report the units so far. */
advlab_status advlab_cleanse_run(advlab_cleanse *c, int max_units, int *done, int *total);
int advlab_cleanse_finished(const advlab_cleanse *c);
/* Once finished, views valid for the handle lifetime, one per row:
 * flags (1: flagged as poison), and points (rows, 2): ac: the row's first
 * two reduced coordinates, cluster in clusters; spectral: (score, 0),
 * clusters = flags. */
const uint8_t *advlab_cleanse_flags(const advlab_cleanse *c);
const float *advlab_cleanse_points(const advlab_cleanse *c);
const uint8_t *advlab_cleanse_clusters(const advlab_cleanse *c);
/* The truly poisoned rows (ascending), for precision and recall. */
advlab_status advlab_cleanse_set_truth(advlab_cleanse *c, const int32_t *rows, int n_rows);
/* A new dataset of the rows not flagged (the caller's). */
advlab_status advlab_cleanse_dataset(const advlab_cleanse *c, advlab_dataset **out);
/* Adds measurement `name` ("poisoned", "retrained") to the report. */
advlab_status advlab_cleanse_add_metrics(advlab_cleanse *c, const char *name,
                                         const advlab_poison_metrics *m);
/* The report as JSON (settings, flagged, per class, precision and recall
 * when the truth is set, measurements); valid until the next call on c.
 * NULL until finished. */
const char *advlab_cleanse_report_json(advlab_cleanse *c);

/* STRIP (Gao et al. 2019): superimpose num_samples clean images on an
 * input, (x + clean) / 2 as ART's combine_images, and flag it when the mean
 * entropy (bits) of the predictions is at most the threshold: the
 * false_acceptance_rate quantile of a normal fitted to the clean images'
 * own entropies. */
typedef struct {
    int num_samples;             /* 20 */
    float false_acceptance_rate; /* 0.01 */
    uint64_t seed;               /* which clean images */
} advlab_strip_config;

void advlab_strip_config_default(advlab_strip_config *cfg);
advlab_status advlab_strip_config_set(advlab_strip_config *cfg, const char *key, double value);

typedef struct advlab_strip advlab_strip;

/* Copies n clean images (the pool superimposed, and whose entropies set the
 * threshold) and calibrates; net is borrowed for the handle's lifetime. */
advlab_status advlab_strip_create(advlab_net *net, const float *clean, int n,
                                  const advlab_strip_config *cfg, advlab_strip **out);
void advlab_strip_free(advlab_strip *s);
double advlab_strip_threshold(const advlab_strip *s);
/* entropy (n) and flags (n, may be NULL) for n images. */
advlab_status advlab_strip_entropy(advlab_strip *s, const float *x, int n, float *entropy,
                                   uint8_t *flags);
/* The verdicts on n images as JSON (threshold, the clean entropies' mean
 * and deviation, then per image its prediction, entropy and flag), a buffer
 * freed with advlab_buffer_free. */
advlab_status advlab_strip_report_json(advlab_strip *s, const float *x, int n, char **json);

/* ---------------------------------------------------------- extraction
 * Stealing a model through its answers (issue 16), as ART's CopycatCNN and
 * KnockoffNets: the thief picks images of a thief set, asks the victim for
 * them through predict only (behind its post-processor, when it has one),
 * labels each with the answer's argmax and trains a model of the tutorial
 * arch on them. The victim answers at most `queries` images; the engine
 * counts them.
 *   "copycat"   Correia-Silva et al. 2018: a random choice of rows
 *   "knockoff"  Orekondy et al. 2019: random, or adaptive sampling (a
 *               gradient bandit over the thief set's classes, rewarded by
 *               cert, div, loss or all of them) */

typedef enum { ADVLAB_EXTRACT_COPYCAT = 0, ADVLAB_EXTRACT_KNOCKOFF = 1 } advlab_extract_kind;
typedef enum { ADVLAB_SAMPLING_RANDOM = 0, ADVLAB_SAMPLING_ADAPTIVE = 1 } advlab_sampling;
typedef enum {
    ADVLAB_REWARD_CERT = 0,
    ADVLAB_REWARD_DIV = 1,
    ADVLAB_REWARD_LOSS = 2,
    ADVLAB_REWARD_ALL = 3,
} advlab_reward;

typedef struct {
    advlab_extract_kind kind;
    int queries;              /* the budget: images the victim answers, 1000 */
    advlab_sampling sampling; /* knockoff: random */
    advlab_reward reward;     /* knockoff adaptive: all */
    int epochs;               /* of the thieved model's training: ART's nb_epochs 10 */
    int batch;                /* its batch: 64 */
    float lr;                 /* its Adam step: 0.01, the tutorial's */
    float eps;                /* the transfer measure's FGSM radius: 0.2 */
    int use_probability;      /* 1: train on the answers themselves, not their argmax (0) */
    uint64_t seed;            /* the rows, the noise, the thief's init and shuffling */
} advlab_extract_config;

advlab_status advlab_extract_config_default(const char *name, advlab_extract_config *cfg);
advlab_status advlab_extract_config_set(advlab_extract_config *cfg, const char *key, double value);
const char *advlab_extract_name(advlab_extract_kind kind);

typedef struct advlab_extraction advlab_extraction;

/* Prepares the theft of victim, answering behind post (NULL: the raw
 * probabilities; copied), from the thief set thief (NULL: seeded uniform
 * noise, a new image per query). Adaptive sampling groups the thief set by
 * its labels, so it needs a thief set. The budget must not exceed the thief
 * set. victim and thief are borrowed for the extraction's lifetime. */
advlab_status advlab_extraction_create(advlab_net *victim, const advlab_postprocess_config *post,
                                       const advlab_dataset *thief,
                                       const advlab_extract_config *cfg, advlab_extraction **out);
void advlab_extraction_free(advlab_extraction *e);
/* Does at most max_units units (a batch of queries, one adaptive query, or
 * one training batch); *done and *total (may be NULL) report the units. */
advlab_status advlab_extraction_run(advlab_extraction *e, int max_units, int *done, int *total);
int advlab_extraction_finished(const advlab_extraction *e);
/* Images the victim has answered so far. */
int advlab_extraction_queries(const advlab_extraction *e);
/* The thieved model, valid for the handle lifetime (trained once finished). */
advlab_net *advlab_extraction_thief(advlab_extraction *e);

typedef struct {
    int queries;            /* the victim's answers the thief used */
    double victim_accuracy; /* the victim's, behind its post-processor */
    double thief_accuracy;  /* the thieved model's test accuracy */
    double fidelity;        /* how often the two agree on the test images */
    double transfer_rate; /* FGSM made on the thief: share of the victim's right answers it flips */
    double whitebox_rate; /* the same for FGSM made on the victim itself */
} advlab_extract_report;

/* Measures a finished extraction on the first limit test images (all when
 * limit <= 0), with FGSM (L-inf, true labels) of radius cfg->eps. */
advlab_status advlab_extraction_measure(advlab_extraction *e, const advlab_dataset *test, int limit,
                                        advlab_extract_report *out);

/* ----------------------------------------------------------- inference
 * What a model gives away about its training data (issue 16).
 * Membership inference, as ART's attacks in art/attacks/inference/:
 *   "rule"        MembershipInferenceBlackBoxRuleBased: a member iff the
 *                 model predicts its true label
 *   "blackbox"    MembershipInferenceBlackBox: a small net trained on the
 *                 model's probabilities and the one-hot true label
 *   "label_only"  LabelOnlyDecisionBoundary: a member iff its distance to
 *                 the decision boundary (found from labels alone) is above
 *                 a threshold calibrated as ART does
 * The attack is fitted (blackbox) or calibrated (label_only) on the first
 * half of the members and of the non-members and measured on the second. */

typedef enum {
    ADVLAB_MEMBERSHIP_RULE = 0,
    ADVLAB_MEMBERSHIP_BLACKBOX = 1,
    ADVLAB_MEMBERSHIP_LABEL_ONLY = 2,
} advlab_membership_kind;

typedef struct {
    advlab_membership_kind kind;
    int members;      /* members and as many non-members: 500 */
    int epochs;       /* blackbox: the attack net's, ART's nb_epochs 100 */
    float lr;         /* blackbox: its Adam step, 0.01 */
    int starts;       /* label_only: seeded random starts of the boundary search, 8 */
    int search_steps; /* label_only: bisection steps towards the boundary, 12 */
    uint64_t seed;
} advlab_membership_config;

advlab_status advlab_membership_config_default(const char *name, advlab_membership_config *cfg);
advlab_status advlab_membership_config_set(advlab_membership_config *cfg, const char *key,
                                           double value);
const char *advlab_membership_name(advlab_membership_kind kind);

typedef struct {
    int members, nonmembers; /* measured (the second halves) */
    double threshold;        /* a member iff its score is above it */
    double tpr, fpr;         /* members and non-members called members */
    double advantage;        /* tpr - fpr */
    double auc;              /* P(member's score > non-member's), ties half */
    double balanced_accuracy;
} advlab_membership_report;

/* The report for n scores, is_member[i] telling the truth, at threshold.
 * Both classes must be present. */
advlab_status advlab_membership_metrics(const float *scores, const uint8_t *is_member, int n,
                                        double threshold, advlab_membership_report *out);
/* The ROC curve of the same scores: one point per distinct score, from the
 * highest threshold down, after the (0, 0) start; fpr and tpr hold n + 1
 * each, and *points gets how many were written (ends at (1, 1)). */
advlab_status advlab_membership_roc(const float *scores, const uint8_t *is_member, int n,
                                    float *fpr, float *tpr, int *points);

typedef struct advlab_membership advlab_membership;

/* Prepares the attack on net: the first cfg->members rows of members (the
 * net's training set) and of nonmembers (images it never saw). All are
 * borrowed for the handle's lifetime. */
advlab_status advlab_membership_create(advlab_net *net, const advlab_dataset *members,
                                       const advlab_dataset *nonmembers,
                                       const advlab_membership_config *cfg,
                                       advlab_membership **out);
void advlab_membership_free(advlab_membership *m);
/* Does at most max_units units (a chunk of scores, or a training batch). */
advlab_status advlab_membership_run(advlab_membership *m, int max_units, int *done, int *total);
int advlab_membership_finished(const advlab_membership *m);
/* Once finished: the report, and the measured scores, members first (the
 * report's members + nonmembers), a view valid for the handle lifetime. */
advlab_status advlab_membership_report_get(const advlab_membership *m,
                                           advlab_membership_report *out);
const float *advlab_membership_scores(const advlab_membership *m);

/* Model inversion, ART's MIFace (Fredrikson et al. 2015): gradient ascent
 * on the input of the target class's logit z_y,
 * x <- clip(x + learning_rate * dz_y/dx, 0, 1), until the paper's rule
 * stops the row: its cost 1 - p_y is at most threshold, or no lower than
 * every one of the last window_length costs. (ART's code keeps a row going
 * exactly when this rule says stop; docs/ATTACKS.md.) */
typedef struct {
    int max_iter;        /* 10000 */
    int window_length;   /* 100 */
    float threshold;     /* 0.99 */
    float learning_rate; /* 0.1 */
    float init;          /* the start's grey level without a start image: 0, ART's zeros */
} advlab_invert_config;

void advlab_invert_config_default(advlab_invert_config *cfg);
advlab_status advlab_invert_config_set(advlab_invert_config *cfg, const char *key, double value);

typedef struct advlab_inversion advlab_inversion;

/* Prepares one reconstruction per class of net (borrowed), each from the
 * image start (784 values in [0,1], copied; ART's notebook starts from the
 * mean training image), or when start is NULL from grey cfg->init. A ReLU
 * net can be flat around a uniform image (the shipped tutorial model is, at
 * black and mid-grey), where no step moves. */
advlab_status advlab_inversion_create(advlab_net *net, const advlab_invert_config *cfg,
                                      const float *start, advlab_inversion **out);
void advlab_inversion_free(advlab_inversion *v);
/* At most max_units steps of every still active class. */
advlab_status advlab_inversion_run(advlab_inversion *v, int max_units, int *done, int *total);
int advlab_inversion_finished(const advlab_inversion *v);
/* Views valid for the handle lifetime: the images (classes, 784), each
 * class's probability of its own image (classes), and which classes are
 * still active (classes). */
const float *advlab_inversion_images(const advlab_inversion *v);
const float *advlab_inversion_scores(const advlab_inversion *v);
const uint8_t *advlab_inversion_active(const advlab_inversion *v);

#ifdef __cplusplus
}
#endif
#endif
