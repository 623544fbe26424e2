/* `advlab universal`: one perturbation fitted on the first --fit training
 * images (issue 13, item 3), then its fooling rate on the first --limit
 * test images, which it never saw; --out writes it as a PNG to look at. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "attacks/attack.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/strbuf.h"
#include "cli/cli.h"
#include "cli/images.h"

#define DEFAULT_TEST_IMAGES 1000

/* The command's own setting, beside the library's config. */
typedef struct {
    int fit;
} fit_config;

static const advlab__cfg_field fit_fields[] = {
    {"fit", ADVLAB__CFG_INT, offsetof(fit_config, fit), 200, 1, INT_MAX, 0, 0, NULL,
     "the first N training images the perturbation is fitted on"},
};
static const advlab__cfg_spec fit_spec =
    ADVLAB__CFG_SPEC("universal", fit_config, NULL, 0, fit_fields, NULL);

const cli_help_section cli_universal_help = {"universal perturbation settings",
                                             &advlab__universal_spec, 1};
const cli_help_section cli_universal_fit_help = {"fitting set", &fit_spec, 1};

/* The PNG: v with mid grey for zero, scaled so its largest change is black
 * or white; the first test digit; that digit with v added. */
static int write_png(const char *path, const float *v, const float *digit, int d)
{
    float *row = malloc(sizeof(float) * 3 * (size_t)d);
    if (!row)
        return cli_fail("%s: out of memory", path);
    float peak = 0.0f;
    for (int i = 0; i < d; i++)
        peak = fmaxf(peak, fabsf(v[i]));
    for (int i = 0; i < d; i++) {
        row[i] = peak > 0.0f ? 0.5f + 0.5f * v[i] / peak : 0.5f;
        row[d + i] = digit[i];
        row[2 * d + i] = fminf(fmaxf(digit[i] + v[i], 0.0f), 1.0f);
    }
    int rc = cli_write_row_png(path, row, 3, 28, d / 28);
    free(row);
    return rc;
}

static void print_json(const cli_options *o, const advlab_universal_config *cfg,
                       const advlab_universal_report *r, int held, double rate, int n,
                       const float *v, int d)
{
    advlab_strbuf b = {0};
    advlab__cfg_json(&advlab__universal_spec, cfg, &b);
    printf("{\"command\":\"universal\",\"model\":");
    cli_print_json_string(o->model);
    printf(",\"config\":%s,\"fit\":{\"n\":%d,\"fooled\":%d,\"fooling_rate\":%.17g,"
           "\"passes\":%d,\"norm\":%.17g},\"held_out\":{\"n\":%d,\"fooled\":%d,"
           "\"fooling_rate\":%.17g},\"perturbation\":[",
           b.failed ? "null" : b.data, r->n, r->fooled, r->fooling_rate, r->passes, r->norm, n,
           held, rate);
    for (int i = 0; i < d; i++)
        printf("%s%.9g", i ? "," : "", (double)v[i]);
    printf("]}\n");
    advlab__sb_free(&b);
}

int cli_universal(const cli_options *o)
{
    if (!o->model)
        return cli_fail("universal: --model FILE is required (see advlab universal --help)");
    advlab_universal_config cfg;
    advlab_universal_config_default(&cfg);
    fit_config fit;
    advlab__cfg_defaults(&fit_spec, NULL, &fit);
    const cli_config configs[] = {{&advlab__universal_spec, &cfg}, {&fit_spec, &fit}};
    int rc = cli_apply_settings(o, configs, 2);
    if (rc)
        return rc;
    if (advlab__cfg_check(&fit_spec, &fit))
        return cli_fail_status();
    advlab_dataset *train = NULL, *test = NULL;
    advlab_net *net = NULL;
    float *x_fit = NULL, *x_test = NULL, *v = NULL;
    int32_t *y_fit = NULL, *y_test = NULL;
    int n_fit = fit.fit, n_test = o->limit > 0 ? o->limit : DEFAULT_TEST_IMAGES;
    rc = 1;
    if (cli_load_model(o->model, 64, &net) || cli_load_split(o->data, "train", &train) ||
        cli_load_split(o->data, "t10k", &test))
        goto done;
    int d = advlab_net_input_size(net);
    if (cli_test_images(train, &n_fit, d, &x_fit, &y_fit) ||
        cli_test_images(test, &n_test, d, &x_test, &y_test))
        goto done;
    if (!(v = malloc(sizeof(float) * (size_t)d))) {
        rc = cli_fail("universal: out of memory");
        goto done;
    }
    double t0 = advlab__now_seconds();
    advlab_universal_report r;
    int held;
    double rate;
    /* Fitted on the model's own answers, as ART without labels. */
    if (advlab_universal_fit(net, &cfg, x_fit, NULL, n_fit, v, &r) ||
        advlab_universal_fooling_rate(net, v, x_test, n_test, &held, &rate)) {
        rc = cli_fail_status();
        goto done;
    }
    if (o->out && (rc = write_png(o->out, v, x_test, d)) != 0)
        goto done;
    if (o->json) {
        print_json(o, &cfg, &r, held, rate, n_test, v, d);
    } else {
        printf("universal perturbation (DeepFool inside), eps %g norm %s, model %s\n",
               (double)cfg.eps, cfg.norm == 2.0f ? "2" : "inf", o->model);
        printf("fitted on %d training images: fooling rate %.2f%% after %d passes, ||v|| %.4g\n",
               r.n, 100 * r.fooling_rate, r.passes, r.norm);
        printf("held out, %d test images: fools %d (%.2f%%)   [%.1f s]\n", n_test, held, 100 * rate,
               advlab__now_seconds() - t0);
    }
    rc = 0;
done:
    free(v);
    free(x_fit), free(y_fit), free(x_test), free(y_test);
    advlab_net_free(net);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return rc;
}
