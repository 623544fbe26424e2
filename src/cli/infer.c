/* `advlab infer` (membership inference on the model's training set
 * against its test set) and `advlab invert` (MIFace, one reconstruction
 * per class, as a PNG row). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "cli/images.h"
#include "infer/infer.h"

const cli_help_section cli_membership_help = {
    "membership settings ([...]: the methods a setting applies to), for --method",
    &advlab__membership_spec, 1};
const cli_help_section cli_invert_help = {"inversion settings (ART's MIFace)", &advlab__invert_spec,
                                          1};

int cli_infer(const cli_options *o)
{
    /* "label-only" as the command line spells it, label_only as the table does. */
    char method[32];
    snprintf(method, sizeof method, "%s", o->method ? o->method : "rule");
    for (char *c = method; *c; c++)
        *c = *c == '-' ? '_' : *c;
    advlab_membership_config cfg;
    if (advlab_membership_config_default(method, &cfg))
        return cli_fail_status();
    const cli_config configs[] = {{&advlab__membership_spec, &cfg}};
    if (cli_apply_settings(o, configs, 1))
        return 2;
    if (!o->model)
        return cli_fail("infer: --model FILE is required (see advlab infer --help)");
    advlab_dataset *train = NULL, *test = NULL;
    advlab_net *net = NULL;
    advlab_membership *m = NULL;
    int rc = 1;
    if (cli_load_model(o->model, 256, &net) || cli_load_split(o->data, "train", &train) ||
        cli_load_split(o->data, "t10k", &test))
        goto done;
    if (advlab_membership_create(net, train, test, &cfg, &m)) {
        rc = cli_fail_status();
        goto done;
    }
    double start = advlab__now_seconds();
    advlab_membership_report r;
    while (!advlab_membership_finished(m))
        if (advlab_membership_run(m, 64, NULL, NULL)) {
            rc = cli_fail_status();
            goto done;
        }
    advlab_membership_report_get(m, &r);
    double seconds = advlab__now_seconds() - start;
    if (o->json) {
        printf("{\"command\":\"infer\",\"model\":");
        cli_print_json_string(o->model);
        printf(",\"method\":\"%s\",\"config\":", advlab_membership_name(cfg.kind));
        advlab_strbuf sb = {0};
        advlab__cfg_json(&advlab__membership_spec, &cfg, &sb);
        printf("%s", sb.data ? sb.data : "{}");
        advlab__sb_free(&sb);
        printf(",\"members\":%d,\"nonmembers\":%d,\"threshold\":%.17g,\"tpr\":%.17g,"
               "\"fpr\":%.17g,\"advantage\":%.17g,\"auc\":%.17g,\"balanced_accuracy\":%.17g,"
               "\"seconds\":%.3f}\n",
               r.members, r.nonmembers, r.threshold, r.tpr, r.fpr, r.advantage, r.auc,
               r.balanced_accuracy, seconds);
    } else {
        printf("%s, %s membership inference: the first %d training images (members) against the "
               "first %d test images, half of each to fit, %.1f s\n",
               o->model, advlab_membership_name(cfg.kind), cfg.members, cfg.members, seconds);
        printf("measured on %d members and %d non-members, threshold %g:\n", r.members,
               r.nonmembers, r.threshold);
        printf("  TPR %6.2f%%  FPR %6.2f%%  advantage %+.4f  AUC %.4f  balanced accuracy "
               "%6.2f%%\n",
               100.0 * r.tpr, 100.0 * r.fpr, r.advantage, r.auc, 100.0 * r.balanced_accuracy);
    }
    rc = 0;
done:
    advlab_membership_free(m);
    advlab_net_free(net);
    advlab_dataset_free(train);
    advlab_dataset_free(test);
    return rc;
}

/* ART's MIFace notebook starts from the mean training image: the shipped
 * tutorial model is flat at black and at mid-grey. */
static int mean_image(const cli_options *o, float *mean)
{
    advlab_dataset *train = NULL;
    if (cli_load_split(o->data, "train", &train))
        return 1;
    int rc = advlab_dataset_mean(train, mean) ? cli_fail_status() : 0;
    advlab_dataset_free(train);
    return rc;
}

int cli_invert(const cli_options *o)
{
    advlab_invert_config cfg;
    advlab_invert_config_default(&cfg);
    const cli_config configs[] = {{&advlab__invert_spec, &cfg}};
    if (cli_apply_settings(o, configs, 1))
        return 2;
    if (!o->model || !o->out)
        return cli_fail("invert: --model FILE and --out FILE.png are required (see advlab invert "
                        "--help)");
    advlab_net *net = NULL;
    advlab_inversion *v = NULL;
    float mean[784];
    int rc = 1;
    if (cli_load_model(o->model, 64, &net) || mean_image(o, mean))
        goto done;
    if (advlab_inversion_create(net, &cfg, mean, &v)) {
        rc = cli_fail_status();
        goto done;
    }
    int steps = 0;
    while (!advlab_inversion_finished(v))
        if (advlab_inversion_run(v, 100, &steps, NULL)) {
            rc = cli_fail_status();
            goto done;
        }
    int k = advlab_net_classes(net);
    const float *p = advlab_inversion_scores(v);
    if (o->json) {
        printf("{\"command\":\"invert\",\"model\":");
        cli_print_json_string(o->model);
        printf(",\"steps\":%d,\"scores\":[", steps);
        for (int c = 0; c < k; c++)
            printf("%s%.9g", c ? "," : "", (double)p[c]);
        printf("]}\n");
    } else {
        printf("%s: MIFace, %d steps; each class's probability of its reconstruction:\n", o->model,
               steps);
        for (int c = 0; c < k; c++)
            printf("  %d  %.4f\n", c, (double)p[c]);
    }
    rc = cli_write_row_png(o->out, advlab_inversion_images(v), k, 28, 28);
done:
    advlab_inversion_free(v);
    advlab_net_free(net);
    return rc;
}
