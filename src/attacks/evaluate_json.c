/* The evaluation's report as JSON (advlab_evaluate_report_json): the
 * settings, each member's row, the checks' figures, and the warnings as
 * plain sentences that say what each suggests. */
#include <stdio.h>

#include "attacks/attack.h"
#include "base/config.h"
#include "base/error.h"
#include "base/strbuf.h"

static void number(advlab_strbuf *b, const char *key, double v)
{
    advlab__sb_printf(b, ",\"%s\":", key);
    advlab__sb_json_number(b, v);
}

static void warning(advlab_strbuf *b, int *first, const char *id, const char *text)
{
    advlab__sb_printf(b, "%s{\"id\":\"%s\",\"text\":", *first ? "" : ",", id);
    advlab__sb_json_string(b, text);
    advlab__sb_printf(b, "}");
    *first = 0;
}

static void warnings(advlab_strbuf *b, const advlab_evaluate_report *r)
{
    char text[512];
    int first = 1;
    unsigned w = r->warnings;
    if (w & ADVLAB_WARN_SOFTMAX)
        warning(b, &first, "softmax",
                "The model's outputs look like probabilities (each row sums to 1), not logits: "
                "the losses lose their gradient where the softmax saturates, so the attacks may "
                "be weaker than they should be. Evaluate the logits.");
    if (w & ADVLAB_WARN_ZERO_GRADIENTS) {
        snprintf(text, sizeof text,
                 "Gradients are zero on %.1f%% of the checked images: gradient-based attacks "
                 "cannot move them, which suggests this defence may be masking gradients.",
                 100.0 * r->zero_gradient_share);
        warning(b, &first, "zero_gradients", text);
    }
    if (w & ADVLAB_WARN_RANDOM)
        warning(b, &first, "random",
                "The output is random: two forward passes of the same images differ. A "
                "randomised defence must be attacked through the expectation over its randomness "
                "(EOT); these figures may overstate its robustness.");
    if (w & ADVLAB_WARN_BLACK_BOX)
        warning(b, &first, "black_box",
                "A black-box attack broke images the white-box attacks could not: the gradients "
                "mislead them, which suggests this defence may be masking gradients.");
    if (w & ADVLAB_WARN_LARGE_EPS) {
        snprintf(text, sizeof text,
                 "At eps %g, where any image can be turned into any other, %.1f%% of the checked "
                 "images are still classified correctly: the attacks do not work on this model, "
                 "which suggests this defence may be masking gradients.",
                 r->large_eps, 100.0 * r->large_eps_accuracy);
        warning(b, &first, "large_eps", text);
    }
    if (w & ADVLAB_WARN_NAIVE_ABOVE_BPDA) {
        snprintf(text, sizeof text,
                 "Robust accuracy under the defence's own gradient (%.1f%%) is higher than under "
                 "BPDA (%.1f%%): the pre-processor masks gradients; trust the BPDA figure (the "
                 "full suite runs its members through BPDA too).",
                 100.0 * r->naive_accuracy, 100.0 * r->bpda_accuracy);
        warning(b, &first, "naive_above_bpda", text);
    }
}

advlab_status advlab_evaluate_report_json(const advlab_evaluate_report *r, int with_seconds,
                                          char **json)
{
    if (!r || !json)
        return advlab__fail(ADVLAB_E_ARG, "advlab_evaluate_report_json: %s is NULL",
                            !r ? "report" : "json");
    advlab_strbuf b = {0};
    advlab__sb_printf(&b, "{\"settings\":");
    advlab__cfg_json(&advlab__evaluate_spec, &r->cfg, &b);
    advlab__sb_printf(&b, ",\"n\":%d", r->n);
    number(&b, "clean_accuracy", r->clean_accuracy);
    number(&b, "robust_accuracy", r->robust_accuracy);
    advlab__sb_printf(&b, ",\"members\":[");
    for (int m = 0; m < r->members; m++) {
        const advlab_evaluate_member *e = &r->member[m];
        advlab__sb_printf(&b, "%s{\"name\":", m ? "," : "");
        advlab__sb_json_string(&b, e->name);
        number(&b, "accuracy", e->accuracy);
        advlab__sb_printf(&b, ",\"broke\":%d,\"gradient_calls\":%lld", e->broke, e->gradient_calls);
        if (with_seconds)
            number(&b, "seconds", e->seconds);
        advlab__sb_printf(&b, "}");
    }
    advlab__sb_printf(&b, "],\"checks\":{\"images\":%d", r->checked);
    number(&b, "zero_gradient_share", r->zero_gradient_share);
    number(&b, "large_eps", r->large_eps);
    number(&b, "large_eps_accuracy", r->large_eps_accuracy);
    if (r->naive_accuracy >= 0.0) {
        number(&b, "naive_accuracy", r->naive_accuracy);
        number(&b, "bpda_accuracy", r->bpda_accuracy);
    }
    advlab__sb_printf(&b, "},\"warnings\":[");
    warnings(&b, r);
    advlab__sb_printf(&b, "]}");
    if (b.failed) {
        advlab__sb_free(&b);
        return advlab__fail(ADVLAB_E_NOMEM, "evaluate: out of memory for the report");
    }
    *json = b.data;
    return ADVLAB_OK;
}
