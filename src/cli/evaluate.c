/* `advlab evaluate`: AutoAttack's suites on the test images from --first
 * (0), with the per-member table, the robust accuracy and the warnings.
 * --first lets a long evaluation be cut into parts run apart (as the
 * page's pool does): each part attacks its images as the whole would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attacks/attack.h"
#include "cli/cli.h"

#define DEFAULT_IMAGES 1000

const cli_help_section cli_evaluate_help = {"evaluation settings", &advlab__evaluate_spec, 1};

static void print_table(const advlab_evaluate_report *r, const char *model, const char *defence)
{
    static const char *const suites[] = {"quick", "autoattack", "full"};
    printf("%s suite at eps %g (norm %s) on %d test images (from #%d), model %s%s%s\n\n",
           suites[r->cfg.suite], (double)r->cfg.eps, r->cfg.norm == 2.0f ? "2" : "inf", r->n,
           r->cfg.first, model, defence ? ", defence " : "", defence ? defence : "");
    printf("%-16s %9s %7s %15s %9s\n", "", "accuracy", "broke", "gradient calls", "seconds");
    printf("%-16s %8.2f%%\n", "clean", 100 * r->clean_accuracy);
    for (int m = 0; m < r->members; m++) {
        const advlab_evaluate_member *e = &r->member[m];
        printf("%-16s %8.2f%% %7d %15lld %9.2f\n", e->name, 100 * e->accuracy, e->broke,
               e->gradient_calls, e->seconds);
    }
    printf("\nrobust accuracy %.2f%% (each image's worst case over the suite)\n",
           100 * r->robust_accuracy);
}

/* The warnings' sentences, read back from the JSON report so that the CLI
 * and advlab.js say the same words. */
static void print_warnings(const char *json)
{
    const char *w = strstr(json, "\"warnings\":[");
    int any = 0;
    for (const char *t = w ? strstr(w, "\"text\":\"") : NULL; t; t = strstr(t, "\"text\":\"")) {
        t += 8;
        printf("%s  - ", any ? "" : "\nwarnings:\n");
        for (; *t && *t != '"'; t++)
            putchar(*t == '\\' ? *++t : *t);
        putchar('\n');
        any = 1;
    }
    if (!any)
        printf("\nno warnings\n");
}

int cli_evaluate(const cli_options *o)
{
    if (!o->model)
        return cli_fail("evaluate: --model FILE is required (see advlab evaluate --help)");
    advlab_evaluate_config cfg;
    advlab_evaluate_config_default(&cfg);
    const cli_config configs[] = {{&advlab__evaluate_spec, &cfg}};
    int rc = cli_apply_settings(o, configs, 1);
    if (rc)
        return rc;
    advlab_dataset *all = NULL, *test = NULL;
    advlab_net *net = NULL;
    advlab_preprocessor *pre = NULL;
    float *x = NULL;
    int32_t *y = NULL;
    char *json = NULL;
    int n = o->limit > 0 ? o->limit : DEFAULT_IMAGES;
    rc = 1;
    if (advlab__cfg_check(&advlab__evaluate_spec, &cfg)) /* --first's range, before its use */
        return cli_fail_status();
    if (cli_load_model(o->model, 256, &net) || cli_load_split(o->data, "t10k", &all))
        goto done;
    int count = advlab_dataset_count(all);
    if (cfg.first >= count) {
        rc = cli_fail("evaluate: --first %d is past the last of the %d test images", cfg.first,
                      count);
        goto done;
    }
    if (n > count - cfg.first)
        n = count - cfg.first;
    if (advlab_dataset_rows(all, cfg.first, n, &test)) {
        rc = cli_fail_status();
        goto done;
    }
    if (cli_test_images(test, &n, advlab_net_input_size(net), &x, &y))
        goto done;
    if (o->defence) {
        int made = cli_make_defence(o->defence, test, &pre);
        if (made) {
            rc = made;
            goto done;
        }
    }
    advlab_evaluate_report r;
    if (advlab_evaluate(net, pre, &cfg, x, y, n, &r) || advlab_evaluate_report_json(&r, 1, &json)) {
        rc = cli_fail_status();
        goto done;
    }
    if (o->json) {
        printf("{\"command\":\"evaluate\",\"model\":");
        cli_print_json_string(o->model);
        printf(",\"defence\":");
        if (o->defence)
            cli_print_json_string(o->defence);
        else
            printf("null");
        printf(",\"report\":%s}\n", json);
    } else {
        print_table(&r, o->model, o->defence);
        print_warnings(json);
    }
    rc = 0;
done:
    advlab_buffer_free(json);
    free(x);
    free(y);
    advlab_preprocessor_free(pre);
    advlab_net_free(net);
    advlab_dataset_free(test);
    advlab_dataset_free(all);
    return rc;
}
