/* The experiment report as JSON: the settings and seed, every measurement
 * (name, label, value, n images, seconds), the accuracy-vs-eps curves, the
 * detector's operating point, and per-class accuracy with the confusion
 * matrices. */
#include <string.h>

#include "lab/experiment.h"

static void settings(advlab_strbuf *b, const advlab_experiment *e)
{
    const advlab_experiment_config *c = &e->cfg;
    advlab__sb_printf(
        b,
        "\"settings\":{\"train_images\":%d,\"test_images\":%d,\"epochs\":%d,\"batch\":%d,"
        "\"optimizer\":\"adam\",\"lr\":%g,\"eps\":%g,\"ratio\":%g,\"adv_epochs\":%d,"
        "\"adv_from_scratch\":%d,\"adv_fresh_optimizer\":%d,\"pgd_eps\":%g,\"pgd_eps_step\":%g,\"pgd_iter\":%d,"
        "\"pgd_images\":%d,\"fgsm_labels\":\"model predictions\"},",
        e->n_train, e->n_test, c->epochs, c->batch, (double)c->lr, (double)c->eps, (double)c->ratio,
        c->adv_epochs, c->adv_from_scratch, c->adv_fresh_optimizer, (double)c->pgd_eps,
        (double)c->pgd_eps_step, c->pgd_iter, e->n_pgd);
}

static void measurement(advlab_strbuf *b, const task *t)
{
    advlab__sb_printf(b, "{\"name\":");
    advlab__sb_json_string(b, t->name);
    advlab__sb_printf(b, ",\"label\":");
    advlab__sb_json_string(b, t->label);
    advlab__sb_printf(b, ",\"value\":");
    advlab__sb_json_number(b, t->value);
    advlab__sb_printf(b, ",\"n\":%d,\"seconds\":", t->n_measured);
    advlab__sb_json_number(b, t->seconds);
    if (t->kind == TASK_PASS && t->attack && t->n) {
        advlab__sb_printf(b, ",\"success_rate\":");
        advlab__sb_json_number(b, (double)t->changed / t->n);
        advlab__sb_printf(b, ",\"mean_l2\":");
        advlab__sb_json_number(b, t->sum_l2 / t->n);
        advlab__sb_printf(b, ",\"mean_linf\":");
        advlab__sb_json_number(b, t->sum_linf / t->n);
    }
    advlab__sb_printf(b, "}");
}

static void curves(advlab_strbuf *b, const advlab_experiment *e)
{
    const float *eps;
    advlab_experiment_curve_eps(&eps);
    advlab__sb_printf(b, "\"curve\":{\"eps\":[");
    for (int i = 0; i < CURVE_POINTS; i++)
        advlab__sb_printf(b, "%s%g", i ? "," : "", (double)eps[i]);
    for (int model = 0; model < 2; model++) {
        advlab__sb_printf(b, "],\"%s\":[", model ? "defended" : "standard");
        for (int i = 0; i < CURVE_POINTS; i++) {
            advlab__sb_printf(b, "%s", i ? "," : "");
            advlab__sb_json_number(b, e->curve[model * CURVE_POINTS + i]);
        }
    }
    advlab__sb_printf(b, "]},");
}

static void per_class(advlab_strbuf *b, const advlab_experiment *e)
{
    int k = e->classes, first = 1;
    advlab__sb_printf(b, "\"per_class\":{");
    for (int i = 0; i < e->n_tasks; i++) {
        const task *t = &e->tasks[i];
        if (t->kind != TASK_PASS || !t->confusion)
            continue;
        const int32_t *cm = e->confusion[t->confusion_slot];
        advlab__sb_printf(b, "%s\"%s\":{\"accuracy\":[", first ? "" : ",", t->name);
        first = 0;
        for (int r = 0; r < k; r++) {
            long row = 0;
            for (int c = 0; c < k; c++)
                row += cm[r * k + c];
            advlab__sb_printf(b, "%s", r ? "," : "");
            advlab__sb_json_number(b, row ? (double)cm[r * k + r] / row : 0.0);
        }
        advlab__sb_printf(b, "],\"confusion\":[");
        for (int r = 0; r < k; r++) {
            advlab__sb_printf(b, "%s[", r ? "," : "");
            for (int c = 0; c < k; c++)
                advlab__sb_printf(b, "%s%d", c ? "," : "", (int)cm[r * k + c]);
            advlab__sb_printf(b, "]");
        }
        advlab__sb_printf(b, "]}");
    }
    advlab__sb_printf(b, "}");
}

const char *advlab_experiment_report_json(advlab_experiment *e)
{
    if (!e || !advlab_experiment_finished(e))
        return NULL;
    if (e->json.data)
        return e->json.data;
    advlab_strbuf *b = &e->json;
    double total = 0.0;
    advlab__sb_printf(b,
                      "{\"advlab_version\":\"%s\",\"experiment\":\"ART get-started tutorial loop\","
                      "\"arch\":",
                      advlab_version());
    advlab__sb_json_string(b, advlab_net_arch(e->nets[0]));
    advlab__sb_printf(b, ",\"seed\":%llu,", (unsigned long long)e->cfg.seed);
    settings(b, e);
    advlab__sb_printf(b, "\"measurements\":[");
    for (int i = 0; i < e->n_tasks; i++) {
        advlab__sb_printf(b, "%s", i ? "," : "");
        measurement(b, &e->tasks[i]);
        total += e->tasks[i].seconds;
    }
    advlab__sb_printf(b, "],");
    if (e->cfg.curve)
        curves(b, e);
    if (e->cfg.defences) {
        advlab__sb_printf(b, "\"detector\":{\"fpr_target\":0.05,\"fpr_test\":");
        advlab__sb_json_number(b, e->detector_fpr);
        advlab__sb_printf(b, ",\"threshold\":");
        advlab__sb_json_number(b, e->detector_threshold);
        advlab__sb_printf(b, "},");
    }
    per_class(b, e);
    advlab__sb_printf(b, ",\"seconds\":");
    advlab__sb_json_number(b, total);
    advlab__sb_printf(b, "}");
    return b->failed ? NULL : b->data;
}
