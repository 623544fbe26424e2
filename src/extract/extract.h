/* The extraction family's private half: its config table and the victim
 * as the thief sees it. victim.c counts the queries and is the only way to
 * the victim's answers; extraction.c chooses the rows (copycat, knockoff
 * random or adaptive) and trains the thief; measure.c scores the theft. */
#ifndef ADVLAB_EXTRACT_H
#define ADVLAB_EXTRACT_H

#include "advlab.h"
#include "base/config.h"
#include "base/rng.h"
#include "nn/optim.h"
#include "train/trainer.h"

extern const advlab__cfg_spec advlab__extract_spec;

/* The victim behind its API: predict, then the post-processor. */
typedef struct {
    advlab_net *net;
    const advlab_postprocess_config *post; /* NULL: raw probabilities, else &own_post */
    advlab_postprocess_config own_post;
    int budget, queries;
} advlab__victim;

/* Answers n images x (n, 784) into out (n, classes), counting them. Fails
 * past the budget, and when a class-label post-processor's answer is not a
 * one-hot row (the thief must get labels and nothing else). */
advlab_status advlab__victim_query(advlab__victim *v, const float *x, int n, float *out);

/* Pixels of one thief image: row of the thief set, or noise image row. */
void advlab__thief_image(const advlab_dataset *thief, uint64_t seed, int row, float *x);

/* Rows queried by the adaptive sampler between its training steps. */
typedef struct {
    int actions;
    int32_t *pool, *pool_start; /* the thief set's rows by label */
    double *h, *probs, *pulls;
    double avg_reward;
    double y_avg[16], reward_avg[3], reward_var[3];
    advlab_optim opt; /* the thief's one-image steps */
} advlab__bandit;

struct advlab_extraction {
    advlab__victim victim;
    const advlab_dataset *thief_set; /* NULL: noise */
    advlab_extract_config cfg;
    advlab_net *thief;
    advlab_rng rng;
    int32_t *rows;       /* (queries) the thief set's rows asked, in order */
    int32_t *labels;     /* (queries) the argmax of each answer */
    float *kept;         /* use_probability: (queries, classes) the answers themselves */
    int32_t *batch_rows; /* (batch) the answers the trainer's last batch holds */
    float *dlogits;      /* (batch, classes) use_probability's step */
    float *x, *answers;
    advlab__bandit bandit; /* adaptive only */
    advlab_trainer *trainer;
    int query_units, done_units;
};

/* use_probability's training step: cross-entropy against the kept answers
 * of the rows the last gathered batch holds (a trainer batch hook). */
void advlab__soft_labels_hook(advlab_extraction *e, advlab_batch_hook *hook);

/* Adaptive sampling: sets up the bandit, then makes one query. */
advlab_status advlab__bandit_init(advlab_extraction *e);
advlab_status advlab__bandit_query(advlab_extraction *e);
void advlab__bandit_free(advlab__bandit *b);

#endif
