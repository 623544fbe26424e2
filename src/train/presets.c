/* Training presets (issue 20): a named recipe of an arch, a robust trainer
 * and the settings of both configs, set key by key through their field
 * tables, so the CLI (advlab train --preset) and the page (its "Train a
 * robust model" button, through the JSON) train the same run. */
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "train/robust_train.h"
#include "train/trainer.h"

#define MAX_SETTINGS 8

typedef struct {
    const char *key;
    double value;
} setting;

typedef struct {
    const char *name, *about, *arch, *trainer;
    setting train[MAX_SETTINGS], robust[MAX_SETTINGS]; /* up to the first NULL key */
} preset;

/* "robust": Madry's PGD training (7 steps of 0.107, about 2.5 eps / 7, one
 * random start, every row) at eps 0.3, ramped up over the first 2 of 10 epochs, on a net
 * of 16 and 32 channels: sized to train in about 15 minutes on the two cores
 * of a laptop's browser tab (bench/train_pool.mjs), and the page's 8 shards,
 * so the CLI's run is the page's bit for bit. */
static const preset presets[] = {
    {"robust",
     "PGD-7 training at eps 0.3 (ramped over 2 epochs), 10 epochs, 16 and 32 channels",
     "c16k5-p2-c32k5-p2-d100-d10",
     "pgd-ramp",
     {{"epochs", 10}, {"batch", 64}, {"lr", 0.001}, {"seed", 1234}, {"shards", 8}},
     {{"eps", 0.3}, {"eps_step", 0.107}, {"max_iter", 7}, {"ramp", 2}}},
};
#define N_PRESETS (int)(sizeof presets / sizeof presets[0])

static const preset *find(const char *name)
{
    for (int i = 0; name && i < N_PRESETS; i++)
        if (strcmp(presets[i].name, name) == 0)
            return &presets[i];
    return NULL;
}

static advlab_status unknown(const char *name)
{
    char known[256] = "";
    for (int i = 0; i < N_PRESETS; i++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                 presets[i].name);
    return advlab__fail(ADVLAB_E_ARG, "training preset \"%s\" is unknown; known: %s",
                        name ? name : "(null)", known);
}

advlab_status advlab_train_preset(const char *name, const char **arch, advlab_train_config *train,
                                  advlab_robust_train_config *robust)
{
    const preset *p = find(name);
    if (!p)
        return unknown(name);
    if (!arch || !train || !robust)
        return advlab__fail(ADVLAB_E_ARG, "training preset: the arch, train and robust places "
                                          "are required");
    *arch = p->arch;
    advlab_train_config_default(train);
    TRY(advlab_robust_train_config_default(p->trainer, robust));
    for (const setting *s = p->train; s < p->train + MAX_SETTINGS && s->key; s++)
        TRY(advlab__cfg_set(&advlab__train_spec, train, s->key, s->value));
    for (const setting *s = p->robust; s < p->robust + MAX_SETTINGS && s->key; s++)
        TRY(advlab__cfg_set(&advlab__robust_train_spec, robust, s->key, s->value));
    return ADVLAB_OK;
}

static void settings_json(advlab_strbuf *sb, const setting *settings)
{
    advlab__sb_printf(sb, "{");
    for (const setting *s = settings; s < settings + MAX_SETTINGS && s->key; s++)
        advlab__sb_printf(sb, "%s\"%s\":%.17g", s == settings ? "" : ",", s->key, s->value);
    advlab__sb_printf(sb, "}");
}

advlab_status advlab_train_preset_json(const char *name, char **json)
{
    const preset *p = find(name);
    if (!p)
        return unknown(name);
    if (!json)
        return advlab__fail(ADVLAB_E_ARG, "training preset: a place for the JSON is required");
    advlab_strbuf sb = {0};
    advlab__sb_printf(&sb, "{\"name\":\"%s\",\"about\":\"%s\",\"arch\":\"%s\",\"trainer\":\"%s\",",
                      p->name, p->about, p->arch, p->trainer);
    advlab__sb_printf(&sb, "\"train\":");
    settings_json(&sb, p->train);
    advlab__sb_printf(&sb, ",\"robust\":");
    settings_json(&sb, p->robust);
    advlab__sb_printf(&sb, "}");
    if (sb.failed) {
        advlab__sb_free(&sb);
        return advlab__fail(ADVLAB_E_NOMEM, "out of memory for the preset's JSON");
    }
    *json = sb.data;
    return ADVLAB_OK;
}
