/* `advlab certify`: verified accuracy of a model at eps over test images,
 * and the distribution of each image's certified radius. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "certify/certify.h"
#include "cli/cli.h"

#define DEFAULT_IMAGES 1000

/* Radii at which the certified-accuracy curve is read: L-inf for the
 * bounds, L2 for smoothing. */
static const float linf_radii[] = {0, 0.01f, 0.02f, 0.05f, 0.1f, 0.15f, 0.2f, 0.3f, 0.4f};
static const float l2_radii[] = {0, 0.25f, 0.5f, 0.75f, 1.0f, 1.25f, 1.5f, 2.0f};

/* Whether image i's true label is certified at radius r: proved by the
 * bounds up to r (and classified right), or smoothing's certified class at
 * an L2 radius of at least r. */
static int holds_at(const advlab_certificate *c, int y, int smoothing, float r)
{
    if (smoothing)
        return c->label == y && c->radius > 0.0f && c->radius >= r;
    return c->predicted == y && c->radius >= r;
}

static int by_value(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

int cli_certify(const cli_options *o)
{
    advlab_certify_config cfg;
    if (advlab_certify_config_default(o->method ? o->method : "ibp", &cfg))
        return cli_fail_status();
    const cli_config configs[] = {{&advlab__certify_spec, &cfg}};
    if (cli_apply_settings(o, configs, 1))
        return 2;
    if (!o->model)
        return cli_fail("certify: --model FILE is required (see advlab certify --help)");
    advlab_dataset *test = NULL;
    advlab_net *net = NULL;
    advlab_certifier *c = NULL;
    advlab_certificate *certs = NULL;
    float *radii = NULL;
    int rc = 1, n = o->limit > 0 ? o->limit : DEFAULT_IMAGES;
    if (cli_load_model(o->model, 256, &net) || cli_load_split(o->data, "t10k", &test))
        goto done;
    if (advlab_certifier_create(net, &cfg, &c)) {
        rc = cli_fail_status();
        goto done;
    }
    if (n > advlab_dataset_count(test))
        n = advlab_dataset_count(test);
    const uint8_t *y = advlab_dataset_labels(test);
    certs = malloc(sizeof *certs * n);
    radii = malloc(sizeof *radii * n);
    if (!certs || !radii) {
        rc = cli_fail("certify: out of memory for %d certificates", n);
        goto done;
    }
    double start = advlab__now_seconds();
    advlab_certify_summary s;
    if (advlab_certify_dataset(c, test, n, &s, certs)) {
        rc = cli_fail_status();
        goto done;
    }
    double seconds = advlab__now_seconds() - start;
    int smoothing = cfg.method == ADVLAB_CERTIFY_SMOOTHING, with_radius = smoothing || cfg.radius;
    const float *curve = smoothing ? l2_radii : linf_radii;
    int n_curve = smoothing ? (int)(sizeof l2_radii / sizeof l2_radii[0])
                            : (int)(sizeof linf_radii / sizeof linf_radii[0]);
    /* radii of the right answers (0 for a wrong one), for the quantiles */
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        radii[i] = holds_at(&certs[i], y[i], smoothing, 0.0f) ? (float)certs[i].radius : 0.0f;
        sum += radii[i];
    }
    qsort(radii, n, sizeof *radii, by_value);
    const char *method = advlab__cfg_kind_name(&advlab__certify_spec, cfg.method);
    const char *norm = smoothing ? "L2" : "Linf";
    if (o->json) {
        printf("{\"command\":\"certify\",\"model\":");
        cli_print_json_string(o->model);
        printf(",\"arch\":\"%s\",\"method\":\"%s\",\"norm\":\"%s\",\"eps\":%g,\"images\":%d,"
               "\"clean_accuracy\":%.6f,\"verified_accuracy\":%.6f,\"seconds\":%.3f",
               advlab_net_arch(net), method, norm, (double)cfg.eps, n, s.clean_accuracy,
               s.verified_accuracy, seconds);
        if (smoothing)
            printf(",\"sigma\":%g,\"n0\":%d,\"n\":%d,\"alpha\":%g", (double)cfg.sigma, cfg.n0,
                   cfg.n, (double)cfg.alpha);
        if (with_radius) {
            printf(",\"radius\":{\"mean\":%.6f,\"median\":%.6f,\"curve\":[", sum / n, radii[n / 2]);
            for (int r = 0; r < n_curve; r++) {
                int hits = 0;
                for (int i = 0; i < n; i++)
                    hits += holds_at(&certs[i], y[i], smoothing, curve[r]);
                printf("%s[%g,%.6f]", r ? "," : "", (double)curve[r], (double)hits / n);
            }
            printf("]}");
        }
        /* every certificate, exactly (%.17g round-trips a double) */
        printf(",\"certificates\":[");
        for (int i = 0; i < n; i++)
            printf("%s[%d,%d,%d,%.17g,%.17g]", i ? "," : "", certs[i].predicted, certs[i].label,
                   certs[i].certified, certs[i].radius, certs[i].bound);
        printf("]}\n");
    } else {
        printf("%s (%s), %s", o->model, advlab_net_arch(net), method);
        if (smoothing)
            printf(" sigma %g, n0 %d, n %d, alpha %g", (double)cfg.sigma, cfg.n0, cfg.n,
                   (double)cfg.alpha);
        printf(", %d test images, %.1f s\n", n, seconds);
        printf("clean accuracy %6.2f%%   verified accuracy at %s eps %g: %6.2f%%\n",
               100.0 * s.clean_accuracy, norm, (double)cfg.eps, 100.0 * s.verified_accuracy);
        if (with_radius) {
            printf("\ncertified radius (%s; 0 for a wrong answer): mean %.4f, quartiles %.4f %.4f "
                   "%.4f, max %.4f\n",
                   norm, sum / n, radii[n / 4], radii[n / 2], radii[3 * n / 4], radii[n - 1]);
            printf("certified accuracy at radius:\n");
            for (int r = 0; r < n_curve; r++) {
                int hits = 0;
                for (int i = 0; i < n; i++)
                    hits += holds_at(&certs[i], y[i], smoothing, curve[r]);
                printf("  %5.2f  %6.2f%%\n", (double)curve[r], 100.0 * hits / n);
            }
        }
    }
    rc = 0;
done:
    free(certs);
    free(radii);
    advlab_certifier_free(c);
    advlab_net_free(net);
    advlab_dataset_free(test);
    return rc;
}
