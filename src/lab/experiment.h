/* The experiment's private layout, shared by experiment.c (running it) and
 * experiment_json.c (reporting it). */
#ifndef ADVLAB_EXPERIMENT_H
#define ADVLAB_EXPERIMENT_H

#include "advlab.h"
#include "base/config.h"
#include "base/strbuf.h"
#include "nn/net.h"

#define CHUNK 256      /* images per unit of an attack pass; also the nets' max_batch */
#define CURVE_POINTS 7 /* FGSM eps 0, 0.05, ... 0.3 */
#define N_DEFENCES 3   /* bit-depth squeezing, the median filter, JPEG */
#define OLD_FGSM 1
#define OLD_PGD 2
#define MAX_TASKS 48
#define ADVLAB__MEASUREMENT_NAME 48 /* bytes of a measurement's name, NUL included */
#define CALIBRATION 1000            /* clean training images that set the detector's threshold */
#define MAX_CONFUSIONS 8
#define MAX_CLASSES 16 /* confusion matrices are kept for nets with up to this many outputs */

typedef enum { TASK_TRAIN, TASK_ADV_TRAIN, TASK_PASS, TASK_ROBUSTNESS, TASK_DETECTOR } task_kind;

/* One step of the experiment and, once done, its measurement. */
typedef struct {
    task_kind kind;
    char name[ADVLAB__MEASUREMENT_NAME];
    char label[112];
    int model;  /* 0 standard, 1 defended */
    int n;      /* images measured (passes, robustness, detector) */
    int attack; /* pass: attack with atk first */
    advlab_attack_config atk;
    int defence;         /* -1, or the pre-processor in front of the model */
    int through_defence; /* pass: the attack targets the defended model (BPDA unless grad_exact) */
    int from_old;   /* pass: measure stored images of the standard model: OLD_FGSM/OLD_PGD, or 0 */
    int store_old;  /* pass: store its adversarial images in that slot, or 0 */
    int grad_exact; /* pass: the attack differentiates through the defence (naive) */
    int confusion;  /* pass: keep a confusion matrix */
    int curve_slot; /* -1, or model * CURVE_POINTS + eps index */
    /* progress and results */
    int started, done; /* units done */
    long hits, changed, clean_pred_hits, fooled, false_positives;
    double sum_l2, sum_linf;
    double value; /* the measurement */
    int n_measured;
    int confusion_slot;
    double seconds;
} task;

struct advlab_experiment {
    const advlab_dataset *train, *test;
    advlab_experiment_config cfg;
    int n_train, n_test, n_pgd, in_size, classes;
    advlab_net *nets[2]; /* standard, defended */
    advlab_preprocess_config pre_cfg[N_DEFENCES];
    char pre_label[N_DEFENCES][40];
    advlab_preprocessor *pre[N_DEFENCES];
    task tasks[MAX_TASKS];
    int n_tasks, current, failed;
    double total_cost; /* of all tasks, for the progress fraction */
    /* resources of the task in progress */
    advlab_trainer *trainer;
    advlab_trainer *clean_trainer; /* kept from "train" until "adv_train" takes its optimizer */
    advlab_attack *attack;
    advlab_detector *detector;
    int epoch;
    double loss;
    /* buffers */
    float *old[3];            /* [OLD_FGSM] (n_test, in_size) and [OLD_PGD] (n_pgd, in_size):
                                 adversarial images of the standard model */
    float *x, *x_adv, *x_def; /* (CHUNK, in_size) each */
    float *probs;             /* (CHUNK, classes) */
    float *batch;             /* (max(CALIBRATION, n_pgd), in_size): whole-set tasks */
    int32_t *batch_idx;       /* 2 * max(CALIBRATION, n_pgd): indices, then labels */
    int32_t *idx, *y;         /* CHUNK each */
    /* results beyond the per-task values */
    double curve[2 * CURVE_POINTS];
    int32_t confusion[MAX_CONFUSIONS][MAX_CLASSES * MAX_CLASSES];
    int n_confusion;
    double detector_fpr, detector_threshold;
    advlab_strbuf json;
};

/* The measurements an experiment with cfg makes on n_train training and
 * n_test test images (after the limits), in its order: each one's name and
 * the estimated cost of making it, in image passes; names and costs hold
 * MAX_TASKS. */
advlab_status advlab__experiment_plan(const advlab_experiment_config *cfg, int n_train, int n_test,
                                      char names[][ADVLAB__MEASUREMENT_NAME], double *costs,
                                      int *n);

/* advlab_experiment_config's fields, for the setter, the checks and --help. */
extern const advlab__cfg_spec advlab__experiment_spec;

#endif
