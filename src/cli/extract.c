/* `advlab extract`: steal a model through its answers (CopycatCNN or
 * KnockoffNets) and report the thief's accuracy, its fidelity to the
 * victim and how far FGSM made on it transfers to the victim. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "defences/postprocess.h"
#include "extract/extract.h"

/* Debian's dataset-fashion-mnist. */
#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

const cli_help_section cli_extract_help = {
    "extraction settings ([...]: the methods a setting applies to), for --method",
    &advlab__extract_spec, 1};

/* The thief set by name: NULL for noise. */
static int load_thief(const cli_options *o, const char *thief, advlab_dataset **out)
{
    *out = NULL;
    if (strcmp(thief, "mnist") == 0)
        return cli_load_split(o->data, "train", out);
    if (strcmp(thief, "fashion") == 0)
        return cli_load_split(FASHION_DIR, "train", out);
    if (strcmp(thief, "noise") == 0)
        return 0;
    return cli_fail("extract: unknown --thief %s (expected mnist, fashion or noise)", thief);
}

static void print_report(const cli_options *o, const advlab_extract_config *cfg, const char *thief,
                         const advlab_extract_report *r, int images, double seconds)
{
    const char *post = o->postprocess ? o->postprocess : "none";
    if (o->json) {
        printf("{\"command\":\"extract\",\"victim\":");
        cli_print_json_string(o->victim);
        printf(",\"postprocess\":");
        cli_print_json_string(post);
        printf(",\"thief\":\"%s\",\"method\":\"%s\",\"sampling\":\"%s\",\"config\":", thief,
               advlab_extract_name(cfg->kind), cfg->sampling ? "adaptive" : "random");
        advlab_strbuf sb = {0};
        advlab__cfg_json(&advlab__extract_spec, cfg, &sb);
        printf("%s", sb.data ? sb.data : "{}");
        advlab__sb_free(&sb);
        printf(",\"images\":%d,\"queries\":%d,\"victim_accuracy\":%.17g,\"thief_accuracy\":%.17g,"
               "\"fidelity\":%.17g,\"transfer_rate\":%.17g,\"whitebox_rate\":%.17g,"
               "\"seconds\":%.3f}\n",
               images, r->queries, r->victim_accuracy, r->thief_accuracy, r->fidelity,
               r->transfer_rate, r->whitebox_rate, seconds);
        return;
    }
    printf("%s behind %s, stolen by %s from %s with %d queries, %.1f s\n", o->victim, post,
           advlab_extract_name(cfg->kind), thief, r->queries, seconds);
    printf("on %d test images:\n", images);
    printf("  victim accuracy  %6.2f%%\n  thief accuracy   %6.2f%%\n  fidelity         %6.2f%%\n",
           100.0 * r->victim_accuracy, 100.0 * r->thief_accuracy, 100.0 * r->fidelity);
    printf("FGSM at eps %g, share of the victim's right answers flipped:\n", (double)cfg->eps);
    printf("  made on the thief (transfer)  %6.2f%%\n  made on the victim (white-box) %6.2f%%\n",
           100.0 * r->transfer_rate, 100.0 * r->whitebox_rate);
}

int cli_extract(const cli_options *o)
{
    advlab_extract_config cfg;
    if (advlab_extract_config_default(o->method ? o->method : "copycat", &cfg))
        return cli_fail_status();
    const cli_config configs[] = {{&advlab__extract_spec, &cfg}};
    if (cli_apply_settings(o, configs, 1))
        return 2;
    if (!o->victim)
        return cli_fail("extract: --victim FILE is required (see advlab extract --help)");
    advlab_postprocess_config post;
    if (o->postprocess &&
        cli_parse_spec("--postprocess", o->postprocess, &advlab__postprocess_spec, &post))
        return 2;
    const char *thief_name = o->thief ? o->thief : "mnist";
    advlab_dataset *thief = NULL, *test = NULL;
    advlab_net *victim = NULL;
    advlab_extraction *e = NULL;
    int rc = 1;
    if (load_thief(o, thief_name, &thief) || cli_load_model(o->victim, 256, &victim) ||
        cli_load_split(o->data, "t10k", &test))
        goto done;
    if (advlab_extraction_create(victim, o->postprocess ? &post : NULL, thief, &cfg, &e)) {
        rc = cli_fail_status();
        goto done;
    }
    double start = advlab__now_seconds();
    while (!advlab_extraction_finished(e))
        if (advlab_extraction_run(e, 64, NULL, NULL)) {
            rc = cli_fail_status();
            goto done;
        }
    advlab_extract_report r;
    if (advlab_extraction_measure(e, test, o->limit, &r)) {
        rc = cli_fail_status();
        goto done;
    }
    int images = o->limit > 0 && o->limit < advlab_dataset_count(test) ? o->limit
                                                                       : advlab_dataset_count(test);
    print_report(o, &cfg, thief_name, &r, images, advlab__now_seconds() - start);
    rc = o->out ? cli_save_model(advlab_extraction_thief(e), o->out) : 0;
done:
    advlab_extraction_free(e);
    advlab_net_free(victim);
    advlab_dataset_free(thief);
    advlab_dataset_free(test);
    return rc;
}
