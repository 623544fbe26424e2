/* Carlini and Wagner's L2 attack (2017), the algorithm of the paper and of
 * its reference code. In tanh space, x = (tanh(w) + 1) / 2, Adam minimises
 *   ||x - x0||^2 + c * f(x),
 *   f = max(max_{i != t} z_i - z_t + kappa, 0)   targeted, t the target,
 *   f = max(z_y - max_{i != y} z_i + kappa, 0)   untargeted, y the label,
 * (the paper's max(., -kappa) shifted by kappa, as in the reference code:
 * the same minimiser, and a loss >= 0 for the early abort's ratio test).
 * Each binary-search step restarts Adam at x0 for max_iter steps; c starts
 * at initial_const, grows tenfold while an image has never succeeded, and is
 * then bisected between its largest failure and smallest success. Each image
 * keeps its smallest-L2 success; one that never succeeds is returned as is.
 *
 * ART's CarliniL2Method departs from this: plain gradient steps with a
 * halving/doubling line search instead of Adam, and c doubled rather than
 * multiplied by ten. docs/ATTACKS.md says why we keep the paper's version. */
#include <math.h>
#include <string.h>

#include "attacks/attack.h"
#include "attacks/methods.h"
#include "base/error.h"
#include "base/mathf.h"

#define CW_GROUP 128               /* images whose search state lives on the stack */
#define CW_TANH_SMOOTHER 0.999999f /* keeps |tanh w0| < 1, so w0 is finite at pixels 0 and 1 */
#define CW_CONST_LIMIT 1e10f       /* ART's bound on c: an image failing beyond it is given up */
#define CW_ABORT_CHECKS 10         /* early-abort checks per binary-search step */
/* Adam as in the reference code (TensorFlow's defaults). */
#define CW_BETA1 0.9f
#define CW_BETA2 0.999f
#define CW_EPSILON 1e-8f

typedef struct {
    float c, lower,
        upper;       /* the trade-off constant and its bracket; upper is inf until a success */
    float best_l2;   /* squared L2 of the success held in x_adv; inf while there is none */
    float prev_loss; /* the loss at the last early-abort check */
    int success;     /* succeeded during the current binary-search step */
    int running;     /* still optimised in the current binary-search step */
} cw_image;

/* x = (tanh(w) + 1) / 2 = 1 / (1 + e^(-2w)), without libm's tanh. */
static float to_box(float w) { return 1.0f / (1.0f + advlab__expf(-2.0f * w)); }

/* w = atanh(u) = log((1 + u) / (1 - u)) / 2 with u = (2x - 1) * smoother. */
static float from_box(float x)
{
    float u = (2.0f * (x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x) - 1.0f) * CW_TANH_SMOOTHER;
    return 0.5f * advlab__logf((1.0f + u) / (1.0f - u));
}

/* The margin f is built on: max_{i != t} z_i - z_t (targeted) or
 * z_y - max_{i != y} z_i; *other receives that argmax over i != label. */
static float margin(const advlab_attack *a, const float *z, int label, int *other)
{
    int o = label == 0 ? 1 : 0;
    for (int i = 0; i < a->classes; i++)
        if (i != label && z[i] > z[o])
            o = i;
    *other = o;
    return a->cfg.targeted ? z[o] - z[label] : z[label] - z[o];
}

/* Scores one image at x_cur with logits z: keeps x_cur in best if it is a
 * success closer to x0 than the last, applies the early abort (every
 * `check`-th call), and writes dlogits = c * df/dz for the next step. */
static void score(const advlab_attack *a, const float *x0, int label, const float *z,
                  const float *x_cur, int check, cw_image *s, float *dlogits, float *best)
{
    size_t in = (size_t)a->in_size;
    float l2 = 0.0f;
    for (size_t p = 0; p < in; p++)
        l2 += (x_cur[p] - x0[p]) * (x_cur[p] - x0[p]);
    int other;
    float f = margin(a, z, label, &other) + a->cfg.confidence;
    if (f < 0.0f) {
        s->success = 1;
        if (l2 < s->best_l2) {
            s->best_l2 = l2;
            memcpy(best, x_cur, sizeof(float) * in);
        }
    }
    float loss = l2 + s->c * (f > 0.0f ? f : 0.0f);
    if (check) {
        if (loss > 0.9999f * s->prev_loss)
            s->running = 0;
        s->prev_loss = loss;
    }
    memset(dlogits, 0, sizeof(float) * a->classes);
    if (f > 0.0f) {
        dlogits[a->cfg.targeted ? other : label] = s->c;
        dlogits[a->cfg.targeted ? label : other] = -s->c;
    }
}

/* One Adam step on w (Keras' form, as the trainer's) for the gradient
 * dL/dw = (2 (x - x0) + c df/dx) * 2 x (1 - x), where gx = c df/dx. */
static void adam_step(size_t in, float lr_t, const float *x0, const float *x_cur, const float *gx,
                      float *w, float *mom, float *vel)
{
    for (size_t p = 0; p < in; p++) {
        float g = (2.0f * (x_cur[p] - x0[p]) + gx[p]) * (2.0f * x_cur[p] * (1.0f - x_cur[p]));
        mom[p] += (g - mom[p]) * (1.0f - CW_BETA1);
        vel[p] += (g * g - vel[p]) * (1.0f - CW_BETA2);
        w[p] -= lr_t * mom[p] / (sqrtf(vel[p]) + CW_EPSILON);
    }
}

/* One binary-search step for the g images of a group: Adam from x0 with
 * each image's c, scoring every point visited. Rows: w, Adam's moments
 * (per group image); x_cur and the gradient (per image still running). */
static advlab_status search_step(advlab_attack *a, const float *x, const int32_t *y, int g,
                                 cw_image *s, float *x_adv)
{
    size_t in = (size_t)a->in_size;
    int K = a->classes, max_iter = a->cfg.max_iter;
    float *w = a->work, *mom = a->work2, *vel = a->class_grads;
    float *x_cur = a->class_grads + (size_t)a->max_batch * in;
    int32_t *active = a->active;
    int m = 0;
    for (int i = 0; i < g; i++) {
        s[i].success = 0, s[i].prev_loss = INFINITY;
        s[i].running = s[i].c <= CW_CONST_LIMIT;
        if (!s[i].running)
            continue;
        active[m++] = i;
        for (size_t p = 0; p < in; p++)
            w[i * in + p] = from_box(x[i * in + p]);
        memset(mom + i * in, 0, sizeof(float) * in);
        memset(vel + i * in, 0, sizeof(float) * in);
    }
    int period = max_iter / CW_ABORT_CHECKS > 0 ? max_iter / CW_ABORT_CHECKS : 1;
    float beta1_t = 1.0f, beta2_t = 1.0f;
    for (int it = 0; m > 0; it++) {
        for (int j = 0; j < m; j++)
            for (size_t p = 0; p < in; p++)
                x_cur[j * in + p] = to_box(w[active[j] * in + p]);
        const float *z;
        TRY(advlab__attack_logits(a, x_cur, m, &z));
        for (int j = 0; j < m; j++) {
            size_t i = (size_t)active[j];
            score(a, x + i * in, y[i], z + (size_t)j * K, x_cur + j * in, it % period == 0, &s[i],
                  a->dlogits + (size_t)j * K, x_adv + i * in);
        }
        if (it == max_iter) /* max_iter steps taken and the last point scored */
            break;
        TRY(advlab__attack_backward(a, x_cur, m, a->dlogits, a->grad));
        beta1_t *= CW_BETA1, beta2_t *= CW_BETA2;
        float lr_t = a->cfg.learning_rate * sqrtf(1.0f - beta2_t) / (1.0f - beta1_t);
        int kept = 0;
        for (int j = 0; j < m; j++) {
            size_t i = (size_t)active[j];
            if (!s[i].running)
                continue;
            adam_step(in, lr_t, x + i * in, x_cur + j * in, a->grad + j * in, w + i * in,
                      mom + i * in, vel + i * in);
            active[kept++] = (int32_t)i;
        }
        m = kept;
    }
    return ADVLAB_OK;
}

/* The reference code's update of c after a binary-search step. */
static void update_const(cw_image *s)
{
    if (s->c > CW_CONST_LIMIT)
        return;
    if (s->success)
        s->upper = s->c < s->upper ? s->c : s->upper;
    else
        s->lower = s->c > s->lower ? s->c : s->lower;
    s->c = s->upper < INFINITY ? (s->lower + s->upper) / 2.0f : s->c * 10.0f;
}

advlab_status advlab__attack_cw(advlab_attack *a, const float *x, const int32_t *y, int n,
                                float *x_adv)
{
    size_t in = (size_t)a->in_size;
    memcpy(x_adv, x, sizeof(float) * n * in);
    for (int g0 = 0; g0 < n; g0 += CW_GROUP) {
        int g = n - g0 < CW_GROUP ? n - g0 : CW_GROUP;
        cw_image s[CW_GROUP];
        for (int i = 0; i < g; i++)
            s[i] = (cw_image){.c = a->cfg.initial_const, .upper = INFINITY, .best_l2 = INFINITY};
        for (int step = 0; step < a->cfg.binary_search_steps; step++) {
            TRY(search_step(a, x + g0 * in, y + g0, g, s, x_adv + g0 * in));
            for (int i = 0; i < g; i++)
                update_const(&s[i]);
        }
    }
    return ADVLAB_OK;
}
