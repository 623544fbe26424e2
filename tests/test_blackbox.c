/* Square, HopSkipJump and Boundary checked for their defining properties
 * on a tutorial net trained briefly on real MNIST: outputs stay in [0,1]
 * (and Square's in its eps-ball), every image moved is adversarial (or at
 * its target), queries per image stay within the budget and add up to the
 * net's own count of images passed forward, no attack takes a gradient
 * while FGSM does, an image's result depends neither on the images beside
 * it nor on the chunking, seeds fix everything, and bad parameters are
 * refused with a message naming them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advlab.h"
#include "check.h"
#include "mnist_split.h"

#define N_IMAGES 40
#define N_TRAIN 5000
#define PIXELS 784
#define CLASSES 10

typedef struct {
    advlab_net *net; /* max_batch 64: 40 images in one chunk */
    float *x;        /* N_IMAGES test images, then N_IMAGES more */
    int32_t *y;      /* their true labels */
} fixture;

/* The attacks as tested: small budgets, so the test stays quick. */
static const char *const cases[][2] = {
    {"square", "eps=0.3 max_iter=300"}, {"square", "norm=2 eps=3 max_iter=300"},
    {"hopskipjump", "max_queries=400"}, {"hopskipjump", "norm=inf max_queries=400"},
    {"boundary", "max_queries=400"},
};
#define N_CASES (int)(sizeof cases / sizeof cases[0])

/* ------------------------------------------------------------ helpers */

static advlab_attack_config config(const char *name, const char *settings)
{
    advlab_attack_config cfg;
    CHECK(advlab_attack_config_default(name, &cfg) == ADVLAB_OK, "%s", advlab_last_error());
    char buf[256];
    snprintf(buf, sizeof buf, "%s", settings);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = '\0';
        CHECK(advlab_attack_config_set(&cfg, tok, strtod(eq + 1, NULL)) == ADVLAB_OK, "%s %s: %s",
              name, tok, advlab_last_error());
    }
    return cfg;
}

typedef struct {
    float *x_adv;     /* n images */
    int32_t *queries; /* n */
    advlab_attack_counts counts;
} outcome;

static void outcome_free(outcome *o) { free(o->x_adv), free(o->queries); }

/* One fresh attack on n images through advlab_attack_run_queries; y may be
 * NULL. Returns 0 on failure (recorded). */
static int run(advlab_net *net, const advlab_attack_config *cfg, const float *x, const int32_t *y,
               int n, outcome *o)
{
    advlab_attack *a = NULL;
    o->x_adv = malloc(sizeof(float) * (size_t)n * PIXELS);
    o->queries = malloc(sizeof(int32_t) * (size_t)n);
    advlab_status st = advlab_attack_create(net, cfg, &a);
    CHECK(st == ADVLAB_OK, "create %s: %s", advlab_attack_name(cfg->kind), advlab_last_error());
    if (st == ADVLAB_OK) {
        st = advlab_attack_run_queries(a, x, y, n, o->x_adv, o->queries);
        CHECK(st == ADVLAB_OK, "run %s: %s", advlab_attack_name(cfg->kind), advlab_last_error());
        advlab_attack_counts_get(a, &o->counts);
    }
    advlab_attack_free(a);
    return st == ADVLAB_OK;
}

static void predict(advlab_net *net, const float *x, int n, int32_t *pred)
{
    float *probs = malloc(sizeof(float) * (size_t)n * CLASSES);
    CHECK(advlab_net_predict(net, x, n, probs) == ADVLAB_OK, "%s", advlab_last_error());
    for (int b = 0; b < n; b++) {
        int best = 0;
        for (int c = 1; c < CLASSES; c++)
            if (probs[b * CLASSES + c] > probs[b * CLASSES + best])
                best = c;
        pred[b] = best;
    }
    free(probs);
}

static int moved(const float *x, const float *x_adv, int b)
{
    return memcmp(x + (size_t)b * PIXELS, x_adv + (size_t)b * PIXELS, sizeof(float) * PIXELS) != 0;
}

/* ||x_adv_b - x_b|| in norm p (INFINITY or 2). */
static double distance(const float *x, const float *x_adv, int b, float p)
{
    double acc = 0.0;
    for (int i = b * PIXELS; i < (b + 1) * PIXELS; i++) {
        double d = fabs((double)x_adv[i] - (double)x[i]);
        acc = isinf(p) ? fmax(acc, d) : acc + d * d;
    }
    return isinf(p) ? acc : sqrt(acc);
}

static int budget(const advlab_attack_config *c)
{
    return c->kind == ADVLAB_ATTACK_SQUARE ? c->nb_restarts * c->max_iter : c->max_queries;
}

/* -------------------------------------------------------------- tests */

/* Untargeted, against the model's own answers: the range, the ball, the
 * budget, the net's own count of queries, no gradients, and most images
 * fooled. */
static void test_properties(const fixture *f)
{
    int32_t clean[N_IMAGES], pred[N_IMAGES];
    predict(f->net, f->x, N_IMAGES, clean);
    for (int c = 0; c < N_CASES; c++) {
        advlab_attack_config cfg = config(cases[c][0], cases[c][1]);
        const char *what = cases[c][1];
        outcome o;
        if (!run(f->net, &cfg, f->x, NULL, N_IMAGES, &o)) {
            outcome_free(&o);
            continue;
        }
        predict(f->net, o.x_adv, N_IMAGES, pred);
        int range = 1, ball = 1, within = 1, fooled = 0, moved_not_fooled = 0;
        double total = 0.0;
        for (int b = 0; b < N_IMAGES; b++) {
            for (int i = b * PIXELS; i < (b + 1) * PIXELS; i++)
                range &= o.x_adv[i] >= 0.0f && o.x_adv[i] <= 1.0f;
            if (cfg.kind == ADVLAB_ATTACK_SQUARE)
                ball &= distance(f->x, o.x_adv, b, cfg.norm) <= cfg.eps * (1.0 + 1e-5);
            within &= o.queries[b] >= 1 && o.queries[b] <= budget(&cfg);
            total += o.queries[b];
            fooled += pred[b] != clean[b];
            moved_not_fooled +=
                cfg.kind != ADVLAB_ATTACK_SQUARE && moved(f->x, o.x_adv, b) && pred[b] == clean[b];
        }
        printf("%s %s: %d of %d fooled, %.1f queries per image\n", cases[c][0], what, fooled,
               N_IMAGES, total / N_IMAGES);
        CHECK(range, "%s %s: a pixel left [0,1]", cases[c][0], what);
        CHECK(ball, "%s %s: an image left the eps-ball", cases[c][0], what);
        CHECK(within, "%s %s: an image's queries are outside 1..%d", cases[c][0], what,
              budget(&cfg));
        CHECK(o.counts.forward_images == total,
              "%s %s: the net passed %.0f images forward, the attack counted %.0f queries",
              cases[c][0], what, o.counts.forward_images, total);
        CHECK(o.counts.backward_images == 0, "%s %s: %.0f images passed backward; expected none",
              cases[c][0], what, o.counts.backward_images);
        CHECK(moved_not_fooled == 0, "%s %s: %d images moved to a point that is not adversarial",
              cases[c][0], what, moved_not_fooled);
        CHECK(fooled >= N_IMAGES * 3 / 4, "%s %s: only %d of %d images fooled", cases[c][0], what,
              fooled, N_IMAGES);
        outcome_free(&o);
    }

    /* FGSM, for contrast: one forward and one backward per image. */
    advlab_attack *a = NULL;
    advlab_attack_config cfg = config("fgsm", "eps=0.1");
    float *x_adv = malloc(sizeof(float) * N_IMAGES * PIXELS);
    CHECK(advlab_attack_create(f->net, &cfg, &a) == ADVLAB_OK, "%s", advlab_last_error());
    if (a) {
        CHECK(advlab_attack_run(a, f->x, f->y, N_IMAGES, x_adv) == ADVLAB_OK, "%s",
              advlab_last_error());
        advlab_attack_counts counts;
        advlab_attack_counts_get(a, &counts);
        CHECK(counts.backward_images == N_IMAGES && counts.forward_images == N_IMAGES,
              "fgsm: %.0f images forward and %.0f backward; expected %d each",
              counts.forward_images, counts.backward_images, N_IMAGES);
    }
    advlab_attack_free(a);
    free(x_adv);
}

/* Given the true labels, an image the model already gets wrong costs one
 * query and comes back unchanged (ART returns it as it is). */
static void test_already_adversarial(const fixture *f)
{
    int32_t clean[2 * N_IMAGES];
    predict(f->net, f->x, 2 * N_IMAGES, clean);
    int wrong = 0;
    for (int b = 0; b < 2 * N_IMAGES; b++)
        wrong += clean[b] != f->y[b];
    CHECK(wrong > 0, "the fixture net gets all %d images right: nothing to test", 2 * N_IMAGES);
    for (int c = 0; c < N_CASES; c += 2) {
        advlab_attack_config cfg = config(cases[c][0], cases[c][1]);
        outcome o;
        if (run(f->net, &cfg, f->x, f->y, 2 * N_IMAGES, &o))
            for (int b = 0; b < 2 * N_IMAGES; b++)
                if (clean[b] != f->y[b])
                    CHECK(o.queries[b] == 1 && !moved(f->x, o.x_adv, b),
                          "%s: image %d, already wrong, took %d queries (moved: %d)", cases[c][0],
                          b, (int)o.queries[b], moved(f->x, o.x_adv, b));
        outcome_free(&o);
    }
}

/* Targeted: every image moved is at its target, and nearly all reach it
 * when a start exists. Both attacks start from a uniform random image of
 * the target class (ART), and a net sends noise to few classes; so the
 * targets are those classes, other than the image's own. */
static void test_targeted(const fixture *f)
{
    enum { NOISE = 200 };
    float *noise = malloc(sizeof(float) * NOISE * PIXELS);
    int32_t noise_class[NOISE];
    uint32_t state = 12345u;
    for (int i = 0; i < NOISE * PIXELS; i++) {
        state = state * 1664525u + 1013904223u;
        noise[i] = (float)(state >> 8) / 16777216.0f;
    }
    predict(f->net, noise, NOISE, noise_class);
    free(noise);
    int seen[CLASSES] = {0}, kinds = 0;
    for (int i = 0; i < NOISE; i++)
        kinds += !seen[noise_class[i]]++;
    CHECK(kinds >= 2, "noise falls in %d class; need two to pick targets", kinds);
    static const char *const targeted[][2] = {
        {"hopskipjump", "targeted=1 max_queries=400"},
        {"hopskipjump", "targeted=1 norm=inf max_queries=400"},
        {"boundary", "targeted=1 max_queries=400"},
    };
    int32_t target[N_IMAGES], pred[N_IMAGES];
    for (int b = 0; b < N_IMAGES; b++) {
        int t = (f->y[b] + 1) % CLASSES;
        while (!seen[t] || t == f->y[b])
            t = (t + 1) % CLASSES;
        target[b] = t;
    }
    for (size_t c = 0; c < sizeof targeted / sizeof targeted[0]; c++) {
        advlab_attack_config cfg = config(targeted[c][0], targeted[c][1]);
        outcome o;
        if (run(f->net, &cfg, f->x, target, N_IMAGES, &o)) {
            predict(f->net, o.x_adv, N_IMAGES, pred);
            int reached = 0, astray = 0;
            for (int b = 0; b < N_IMAGES; b++) {
                reached += pred[b] == target[b];
                astray += moved(f->x, o.x_adv, b) && pred[b] != target[b];
            }
            printf("%s %s: %d of %d at their target\n", targeted[c][0], targeted[c][1], reached,
                   N_IMAGES);
            CHECK(astray == 0, "%s %s: %d images moved but not to their target", targeted[c][0],
                  targeted[c][1], astray);
            CHECK(reached >= N_IMAGES * 9 / 10, "%s %s: only %d of %d reached their target",
                  targeted[c][0], targeted[c][1], reached, N_IMAGES);
        }
        outcome_free(&o);
    }
}

/* The same images on nets of max_batch 64 (one chunk), 7 (6 chunks, and
 * queue rows in other places) and 16 (3 chunks) give the same bits and queries;
 * the first half's results do not change when the second half's images are
 * others; a seed fixes the results and another seed changes them. */
static void test_independence(const fixture *f)
{
    advlab_net *nets[2] = {NULL, NULL};
    int sizes[2] = {7, 16};
    for (int k = 0; k < 2; k++) {
        CHECK(advlab_net_create("tutorial", sizes[k], 1, &nets[k]) == ADVLAB_OK, "%s",
              advlab_last_error());
        if (nets[k])
            memcpy(advlab_net_params(nets[k]), advlab_net_params(f->net),
                   sizeof(float) * advlab_net_param_count(f->net));
    }
    float *mixed = malloc(sizeof(float) * N_IMAGES * PIXELS);
    memcpy(mixed, f->x, sizeof(float) * N_IMAGES / 2 * PIXELS);
    memcpy(mixed + N_IMAGES / 2 * PIXELS, f->x + N_IMAGES * PIXELS,
           sizeof(float) * N_IMAGES / 2 * PIXELS);
    size_t bytes = sizeof(float) * N_IMAGES * PIXELS, half = bytes / 2;
    for (int c = 0; c < N_CASES && nets[0] && nets[1]; c++) {
        advlab_attack_config cfg = config(cases[c][0], cases[c][1]);
        outcome base, other[2], mix, reseeded;
        int ok = run(f->net, &cfg, f->x, NULL, N_IMAGES, &base);
        for (int k = 0; k < 2; k++)
            ok &= run(nets[k], &cfg, f->x, NULL, N_IMAGES, &other[k]);
        ok &= run(f->net, &cfg, mixed, NULL, N_IMAGES, &mix);
        advlab_attack_config_set(&cfg, "seed", 99);
        ok &= run(f->net, &cfg, f->x, NULL, N_IMAGES, &reseeded);
        if (ok) {
            for (int k = 0; k < 2; k++)
                CHECK(memcmp(base.x_adv, other[k].x_adv, bytes) == 0 &&
                          memcmp(base.queries, other[k].queries, sizeof(int32_t) * N_IMAGES) == 0,
                      "%s %s: max_batch %d changed the results", cases[c][0], cases[c][1],
                      sizes[k]);
            CHECK(memcmp(base.x_adv, mix.x_adv, half) == 0 &&
                      memcmp(base.queries, mix.queries, sizeof(int32_t) * N_IMAGES / 2) == 0,
                  "%s %s: other images in the batch changed the first half's results", cases[c][0],
                  cases[c][1]);
            CHECK(memcmp(base.x_adv, reseeded.x_adv, bytes) != 0,
                  "%s %s: seeds 1 and 99 gave the same results", cases[c][0], cases[c][1]);
        }
        outcome_free(&base), outcome_free(&other[0]), outcome_free(&other[1]);
        outcome_free(&mix), outcome_free(&reseeded);
    }
    free(mixed);
    advlab_net_free(nets[0]);
    advlab_net_free(nets[1]);
}

/* A budget of one query is the query of x: nothing moves. A second run of
 * the same attack continues its stream. */
static void test_budgets(const fixture *f)
{
    static const char *const tight[][2] = {
        {"hopskipjump", "max_queries=1"},
        {"boundary", "max_queries=1"},
        {"square", "max_iter=2"},
    };
    for (size_t c = 0; c < sizeof tight / sizeof tight[0]; c++) {
        advlab_attack_config cfg = config(tight[c][0], tight[c][1]);
        outcome o;
        if (run(f->net, &cfg, f->x, NULL, N_IMAGES, &o))
            for (int b = 0; b < N_IMAGES; b++)
                CHECK(o.queries[b] <= budget(&cfg) &&
                          (cfg.kind == ADVLAB_ATTACK_SQUARE || !moved(f->x, o.x_adv, b)),
                      "%s %s: image %d took %d queries (moved: %d)", tight[c][0], tight[c][1], b,
                      (int)o.queries[b], moved(f->x, o.x_adv, b));
        outcome_free(&o);
    }
    advlab_attack *a = NULL;
    advlab_attack_config cfg = config("square", "max_iter=50");
    float *first = malloc(sizeof(float) * N_IMAGES * PIXELS);
    float *second = malloc(sizeof(float) * N_IMAGES * PIXELS);
    int32_t queries[N_IMAGES];
    CHECK(advlab_attack_create(f->net, &cfg, &a) == ADVLAB_OK, "%s", advlab_last_error());
    if (a) {
        CHECK(advlab_attack_run_queries(a, f->x, NULL, N_IMAGES, first, queries) == ADVLAB_OK, "%s",
              advlab_last_error());
        CHECK(advlab_attack_run(a, f->x, NULL, N_IMAGES, second) == ADVLAB_OK, "%s",
              advlab_last_error());
        CHECK(memcmp(first, second, sizeof(float) * N_IMAGES * PIXELS) != 0,
              "square: a second run repeated the first run's draws");
    }
    advlab_attack_free(a);
    free(first), free(second);
}

static void test_bad_parameters(const fixture *f)
{
    advlab_attack *a = NULL;
    advlab_attack_config cfg;
#define BAD(name, settings, needle)                                                \
    do {                                                                           \
        cfg = config(name, settings);                                              \
        CHECK_FAILS(advlab_attack_create(f->net, &cfg, &a), ADVLAB_E_ARG, needle); \
    } while (0)
    BAD("hopskipjump", "max_queries=0", "attack hopskipjump: max_queries 0 must be >= 1");
    BAD("boundary", "max_queries=0", "attack boundary: max_queries 0 must be >= 1");
    BAD("square", "max_iter=0", "attack square: max_iter 0 must be >= 1");
    BAD("square", "max_iter=1", "attack square: max_iter 1 must be >= 2");
    BAD("square", "eps=-0.1", "attack square: eps -0.1 must be finite and >= 0");
    BAD("square", "eps=0", "attack square: eps 0 must be > 0");
    BAD("square", "p_init=1", "attack square: p_init 1 is out of range (0, 1)");
    BAD("square", "p_init=0", "attack square: p_init 0 is out of range (0, 1)");
    BAD("square", "nb_restarts=0", "attack square: nb_restarts 0 must be >= 1");
    BAD("square", "norm=1", "attack square: norm 1 is not inf or 2");
    BAD("square", "max_iter=100000 nb_restarts=100000", "attack square: max_iter 100000 times");
    BAD("hopskipjump", "norm=1", "attack hopskipjump: norm 1 is not inf or 2");
    BAD("hopskipjump", "init_eval=200 max_eval=100",
        "attack hopskipjump: init_eval 200 is larger than max_eval 100");
    BAD("hopskipjump", "init_size=0", "attack hopskipjump: init_size 0 must be >= 1");
    BAD("boundary", "step_adapt=1", "attack boundary: step_adapt 1 is out of range (0, 1)");
    BAD("boundary", "delta=0", "attack boundary: delta 0 must be finite and > 0");
    BAD("boundary", "epsilon=0", "attack boundary: epsilon 0 is out of range (0, 1]");
    BAD("boundary", "sample_size=0", "attack boundary: sample_size 0 is out of range 1..100000");
    BAD("boundary", "num_trial=0", "attack boundary: num_trial 0 must be >= 1");
    cfg = config("square", "");
    cfg.targeted = 1;
    CHECK_FAILS(advlab_attack_create(f->net, &cfg, &a), ADVLAB_E_ARG,
                "attack square: has no targeted variant");
    cfg = config("square", "");
    cfg.eps = NAN;
    CHECK_FAILS(advlab_attack_create(f->net, &cfg, &a), ADVLAB_E_ARG, "attack square: eps nan");
    CHECK(a == NULL, "a failed create wrote its out-param");
    cfg = config("square", "");
    CHECK_FAILS(advlab_attack_config_set(&cfg, "max_queries", 10), ADVLAB_E_ARG, "max_queries");

    float *x = malloc(sizeof(float) * 4 * PIXELS), *x_adv = malloc(sizeof(float) * 4 * PIXELS);
    memcpy(x, f->x, sizeof(float) * 4 * PIXELS);
    int32_t y[4] = {1, 2, 3, 4}, queries[4];
    cfg = config("hopskipjump", "targeted=1 max_queries=10");
    CHECK(advlab_attack_create(f->net, &cfg, &a) == ADVLAB_OK, "%s", advlab_last_error());
    if (a) {
        CHECK_FAILS(advlab_attack_run_queries(a, x, NULL, 4, x_adv, queries), ADVLAB_E_ARG,
                    "attack hopskipjump: targeted needs target labels y, got NULL");
        CHECK_FAILS(advlab_attack_run_queries(a, x, y, 4, x_adv, NULL), ADVLAB_E_ARG,
                    "attack hopskipjump: queries is NULL");
        y[1] = 10;
        CHECK_FAILS(advlab_attack_run_queries(a, x, y, 4, x_adv, queries), ADVLAB_E_ARG,
                    "attack hopskipjump: label of image 1 is 10, outside 0..9");
        y[1] = 2;
        x[2 * PIXELS + 7] = NAN;
        CHECK_FAILS(advlab_attack_run_queries(a, x, y, 4, x_adv, queries), ADVLAB_E_NUMERIC,
                    "attack hopskipjump: input image 2, pixel 7 is NaN");
    }
    advlab_attack_free(a);
    a = NULL;
    cfg = config("fgsm", "");
    CHECK(advlab_attack_create(f->net, &cfg, &a) == ADVLAB_OK, "%s", advlab_last_error());
    if (a)
        CHECK_FAILS(advlab_attack_run_queries(a, f->x, y, 4, x_adv, queries), ADVLAB_E_ARG,
                    "attack fgsm: counts no queries per image");
    advlab_attack_free(a);
    free(x), free(x_adv);
}

/* ---------------------------------------------------------------- main */

static int load_fixture(const char *dir, fixture *f)
{
    advlab_dataset *train = load_mnist_split(dir, "train"), *test = load_mnist_split(dir, "t10k");
    CHECK(advlab_net_create("tutorial", 64, 1, &f->net) == ADVLAB_OK, "%s", advlab_last_error());
    int ok = train && test && f->net;
    if (ok) {
        advlab_train_config cfg;
        advlab_train_config_default(&cfg);
        cfg.epochs = 1, cfg.limit = N_TRAIN;
        CHECK(advlab_train(f->net, train, &cfg, NULL, NULL) == ADVLAB_OK, "%s",
              advlab_last_error());
        int32_t idx[2 * N_IMAGES];
        for (int i = 0; i < 2 * N_IMAGES; i++)
            idx[i] = i;
        f->x = malloc(sizeof(float) * 2 * N_IMAGES * PIXELS);
        f->y = malloc(sizeof(int32_t) * 2 * N_IMAGES);
        advlab_dataset_gather(test, idx, 2 * N_IMAGES, f->x, f->y);
    }
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return ok;
}

int main(int argc, char **argv)
{
    fixture f = {0};
    if (load_fixture(argc > 1 ? argv[1] : "data/mnist", &f)) {
        test_bad_parameters(&f);
        test_properties(&f);
        test_already_adversarial(&f);
        test_targeted(&f);
        test_independence(&f);
        test_budgets(&f);
    }
    advlab_net_free(f.net);
    free(f.x), free(f.y);
    return check_finish("test_blackbox");
}
