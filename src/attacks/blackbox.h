/* The black-box attacks' driver: every image of a chunk has its own random
 * stream, query count and budget, and the methods (square.c,
 * hopskipjump.c, boundary.c) advance them in rounds. In a round each image
 * still attacked queues the query points it needs next; the queue is
 * forwarded max_batch rows at a time, and each row's logits go back to the
 * image that queued it, in order. An image's draws, queries and results
 * thus depend on nothing but itself: not on the other images in its chunk,
 * nor on how a run is chunked. No method ever asks for a gradient. */
#ifndef ADVLAB_BLACKBOX_H
#define ADVLAB_BLACKBOX_H

#include "attacks/attack.h"

/* One image's state. The driver owns the first block; the method names
 * what it keeps in the rest. */
struct advlab__bb_image {
    advlab_rng rng;  /* this image's stream: the run's key, stream = its index in the run */
    int32_t queries; /* its points passed forward so far */
    int32_t budget;
    int32_t label; /* the class to leave, or the target when targeted */
    int active;    /* still attacked; a step that queues nothing ends it */
    /* the method's */
    int phase, iter, trial;
    int hits;           /* adversarial rows in the round just taken */
    int taken, kept;    /* boundary: rows taken this round; candidates kept adversarial */
    float best, origin; /* square: margins of x_adv and of x; boundary: best candidate's L2 */
    float lo, hi, tol;  /* hopskipjump: the binary search's bracket and its threshold */
    float step, step2;  /* hopskipjump: delta and the step size; boundary: delta and epsilon */
    float drawn_step;   /* boundary: the delta its candidates were drawn with */
    advlab_rng replay;  /* boundary: the stream before its candidates, to draw them again */
};

typedef struct advlab__bb_run advlab__bb_run;

/* A method, as advlab__blackbox_run calls it. */
typedef struct {
    /* After the query of x itself, which found image j not yet adversarial
     * (z: its logits): sets up j's state. */
    void (*start)(advlab__bb_run *r, int j, const float *z);
    /* Reads what the round just taken told, then queues j's next points
     * with advlab__bb_add, at most budget - queries of them. A step that
     * queues nothing finishes j. */
    advlab_status (*step)(advlab__bb_run *r, int j);
    /* One point image j queued, with its logits, in the order queued. */
    void (*take)(advlab__bb_run *r, int j, const float *row, const float *z);
} advlab__bb_method;

struct advlab__bb_run {
    advlab_attack *a;
    const advlab__bb_method *m;
    const float *x; /* (n, in_size) the clean images */
    float *x_adv;   /* (n, in_size) each image's current point, adversarial or x */
    int n, rows;    /* rows: points queued in a->work, row r for image a->active[r] */
    int clean;      /* the first round: the query of x itself */
};

/* Runs method m on one chunk of n <= max_batch images (methods.h's
 * contract), with budget queries per image. */
advlab_status advlab__blackbox_run(advlab_attack *a, const float *x, const int32_t *y, int n,
                                   float *x_adv, int32_t budget, const advlab__bb_method *m);
/* Queues a point for image j and counts it; *row (in_size floats) is to be
 * filled before the next add. Forwards the queue first when it is full. */
advlab_status advlab__bb_add(advlab__bb_run *r, int j, float **row);
/* Whether logits z meet image j's goal: its target reached when targeted,
 * else its label left. */
int advlab__bb_adversarial(const advlab__bb_run *r, int j, const float *z);
/* The queries image j may still make. */
static inline int32_t advlab__bb_left(const advlab__bb_image *im)
{
    return im->budget - im->queries;
}

#endif
