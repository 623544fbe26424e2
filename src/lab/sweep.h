/* The sweep's private layout, shared by sweep_spec.c (the spec), sweep.c
 * (cells and running them) and sweep_json.c (results, CSV and checkpoints). */
#ifndef ADVLAB_SWEEP_H
#define ADVLAB_SWEEP_H

#include "advlab.h"
#include "base/config.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "lab/experiment.h"

#define SWEEP_MAX_VARY 2
/* A spec or results text may hold at most this many JSON values, and an
 * object this many members (a cell's measurements, the settings). */
#define SWEEP_JSON_VALUES (1u << 20)
#define SWEEP_JSON_MEMBERS 256

/* A sweep's family: the stage each cell runs. The experiment is the
 * tutorial experiment (lab/experiment.c); attack trains the tutorial's
 * standard model and attacks it, optionally through a pre-processor
 * (sweep_attack.c); poison plants a backdoor in the training rows and
 * trains on them (sweep_poison.c); steal trains the standard model and
 * extracts it (sweep_steal.c). */
typedef enum { SWEEP_EXPERIMENT, SWEEP_ATTACK, SWEEP_POISON, SWEEP_STEAL } sweep_family;

/* The attack family's settings (sweep_attack.c's table): the standard
 * model's training, the attack and its own parameters (applied where the
 * attack takes them), the defence (0 none, else pre-processor kind + 1)
 * and its parameters. */
typedef struct {
    uint64_t seed;
    int train_limit, test_limit, epochs, batch;
    float lr;
    int attack; /* advlab_attack_kind */
    float eps, eps_step, norm;
    int max_iter;
    int defence;
    int bit_depth, window, quality;
    float sigma;
} sweep_attack_config;

extern const advlab__cfg_spec advlab__sweep_attack_spec;

/* The poison family's settings (sweep_poison.c's table). */
typedef struct {
    uint64_t seed;
    int train_limit, test_limit, epochs, batch;
    float lr;
    int trigger; /* pattern, pixel */
    float fraction;
    int source, target;
} sweep_poison_config;

extern const advlab__cfg_spec advlab__sweep_poison_spec;

/* The steal family's settings (sweep_steal.c's table): the victim's
 * training, then the theft. */
typedef struct {
    uint64_t seed;
    int train_limit, test_limit, epochs, batch;
    float lr;
    int method; /* advlab_extract_kind */
    int budget, use_probability, thief_epochs;
} sweep_steal_config;

extern const advlab__cfg_spec advlab__sweep_steal_spec;

/* A family's settings. */
typedef union {
    advlab_experiment_config experiment;
    sweep_attack_config attack;
    sweep_poison_config poison;
    sweep_steal_config steal;
} sweep_settings;

/* The attack family's cell in progress (sweep_attack.c). */
typedef struct sweep_attack_cell sweep_attack_cell;
typedef struct sweep_poison_cell sweep_poison_cell;
typedef struct sweep_steal_cell sweep_steal_cell;

/* One varied setting: its field and values, as the field holds them (a
 * float's value, or a whole number). */
typedef struct {
    const advlab__cfg_field *field;
    int n;
    double *values;
} sweep_axis;

struct advlab_sweep {
    char arch[128];
    sweep_family family;
    sweep_settings base; /* the settings; each cell sets its values and seed */
    sweep_axis vary[SWEEP_MAX_VARY];
    int n_vary;
    uint64_t *seeds;
    int n_seeds;
    char (*measure)[ADVLAB__MEASUREMENT_NAME];
    int n_measure;
    int n_cells, n_points;
    int need_curve, need_defences, need_pgd; /* the stages some measurement needs */
    double work;                             /* estimated image passes, all cells */
    /* results, by cell */
    unsigned char *done;
    double *values; /* (n_cells, n_measure) */
    double *seconds;
    /* the cell in progress */
    int cell; /* -1 when none */
    advlab_experiment *experiment;
    sweep_attack_cell *attack_cell;
    sweep_poison_cell *poison_cell;
    sweep_steal_cell *steal_cell;
    const advlab_dataset *train, *test;
    int task_of[ADVLAB_SWEEP_MAX_MEASURES]; /* the experiment's task of each measurement */
    int last_task;
    double cost_to_last; /* estimated passes of tasks 0..last_task */
    advlab_strbuf spec_json, plan_json, results_json, csv;
};

/* The canonical spec as JSON (every setting, values, seeds, measures), built
 * at create. */
const char *advlab__sweep_spec(const advlab_sweep *s);
/* The name that stands for value v of field f (a choice's, "inf" for a norm),
 * or NULL for a number. */
const char *advlab__sweep_setting_name(const advlab__cfg_field *f, double v);
/* Value v of field f, as the spec and the results write it: that name, a
 * whole number, or a float in the fewest digits that read back as the same
 * float. */
void advlab__sweep_put_setting(advlab_strbuf *b, const advlab__cfg_field *f, double v);
/* The value index of each varied setting at point p (at holds n_vary): the
 * last setting changes fastest. */
void advlab__sweep_point_index(const advlab_sweep *s, int p, int *at);
/* {"eps":0.1,"ratio":0.5}: the varied settings of point p. */
void advlab__sweep_put_point_settings(advlab_strbuf *b, const advlab_sweep *s, int point);
/* A double in the fewest digits that read back as the same double. */
void advlab__sweep_put_number(advlab_strbuf *b, double v);
/* The experiment's plan for cfg on n_train and n_test images: which task
 * makes each requested measurement (task_of, -1 when none), the last of
 * them, and the estimated image passes up to it. */
advlab_status advlab__sweep_plan_cell(const advlab_sweep *s, const advlab_experiment_config *cfg,
                                      int n_train, int n_test, int *task_of, int *last,
                                      double *cost);
/* The family's field table, and its settings in s->base. */
const advlab__cfg_spec *advlab__sweep_table(const advlab_sweep *s);
/* Cell c's settings (the family's config) and seed, before the skips. */
void advlab__sweep_cell_settings(const advlab_sweep *s, int c, void *cfg);

/* The attack family (sweep_attack.c). Its measurements, NULL-terminated. */
extern const char *const advlab__sweep_attack_measures[];
/* Checks every cell's attack and defence and adds up the work. */
advlab_status advlab__sweep_attack_check(advlab_sweep *s);
/* Runs max_units of cell's work (training batches, then chunks of attacked
 * images); *finished is set with the values once the cell is done. */
advlab_status advlab__sweep_attack_run(advlab_sweep *s, const advlab_dataset *train,
                                       const advlab_dataset *test, int cell, int max_units,
                                       int *finished, double *part, const char **stage);
void advlab__sweep_attack_drop(advlab_sweep *s);

/* The poison family (sweep_poison.c), as the attack family's above; its
 * first unit poisons the rows, the last measures. */
extern const char *const advlab__sweep_poison_measures[];
advlab_status advlab__sweep_poison_check(advlab_sweep *s);
advlab_status advlab__sweep_poison_run(advlab_sweep *s, const advlab_dataset *train,
                                       const advlab_dataset *test, int cell, int max_units,
                                       int *finished, double *part, const char **stage);
void advlab__sweep_poison_drop(advlab_sweep *s);

/* The steal family (sweep_steal.c), as the attack family's above; its last
 * unit measures the theft. */
extern const char *const advlab__sweep_steal_measures[];
advlab_status advlab__sweep_steal_check(advlab_sweep *s);
advlab_status advlab__sweep_steal_run(advlab_sweep *s, const advlab_dataset *train,
                                      const advlab_dataset *test, int cell, int max_units,
                                      int *finished, double *part, const char **stage);
void advlab__sweep_steal_drop(advlab_sweep *s);

/* The family called name's table, or NULL (the CLI reads its flags by it). */
const advlab__cfg_spec *advlab__sweep_family_table(const char *name);

/* Parses a spec (or a results JSON's "spec") at v into a new sweep
 * (sweep_spec.c). */
advlab_status advlab__sweep_from_json(const advlab__json *v, advlab_sweep **out);

#endif
