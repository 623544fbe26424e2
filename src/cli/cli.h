/* The native `advlab` command's shared parts: options, messages, loading
 * data and models. main.c holds the command table and the help, options.c
 * the parsing, and each other file a family of commands. */
#ifndef ADVLAB_CLI_H
#define ADVLAB_CLI_H

#include <stddef.h>

#include "advlab.h"
#include "base/config.h"
#include "base/strbuf.h"

#define CLI_MAX_SETTINGS 256
#define CLI_MAX_STATIC 4
#define CLI_MAX_THREADS 64 /* train's --threads: at most the shards */

typedef struct {
    const char *command, *arch, *out, *model, *data, *inputs_out, *probs_out;
    const char *attack, *defence, *postprocess, *detector, *target, *save_dir, *image;
    const char *trigger, *source, *threat, *rows; /* poisoning (cli/poison.c) */
    const char *method;                           /* certify's, extract's and infer's --method */
    const char *victim, *thief;                   /* extract's (cli/extract.c) */
    const char *trainer;                          /* train's robust trainer (cli/train.c) */
    const char *preset;                           /* train's preset (advlab_train_preset) */
    const char *statics[CLI_MAX_STATIC];
    int n_static;
    int limit, json, help, retrain;
    int threads; /* train's replicas, a thread each (native/parallel_train.h); 1 */
    /* argv joined with spaces, shell-quoted where needed (at most 1023
     * bytes, longer ends in "..."): the weights' "command" metadata. */
    const char *command_line;
    /* Every other `--key value`, for the command's configs; dashes in keys
     * become underscores. Values stay text until a config's table reads
     * them (a number, "inf", or a choice's name such as "sgd"). */
    struct {
        char key[64];
        const char *flag, *value;
    } settings[CLI_MAX_SETTINGS];
    int n_settings;
} cli_options;

/* One config a command fills from the settings. */
typedef struct {
    const advlab__cfg_spec *spec;
    void *cfg;
} cli_config;

/* o->arch's default, "tutorial": an arch given on the command line is another pointer. */
extern const char cli_default_arch[];

/* argv into o; a malformed command line is reported and returns non-zero. */
int cli_parse_args(int argc, char **argv, cli_options *o);
/* Applies each setting to the first of the n configs that takes its key
 * (so order them by precedence: defend's --seed is the training's). An
 * unknown key or a malformed value is a usage error: reported, returns 2.
 * Ranges are checked later, by the library's *_create. */
int cli_apply_settings(const cli_options *o, const cli_config *configs, int n);
/* Parses "name" or "name:key=value,key=value" into cfg: the spec's defaults
 * for kind `name`, then each key=value through the spec. */
int cli_parse_spec(const char *flag, const char *text, const advlab__cfg_spec *spec, void *cfg);

/* Prints "advlab: <message>" to stderr and returns 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_fail with advlab_last_error(). */
int cli_fail_status(void);
/* Prints s to stdout as a JSON string literal, quotes included: paths may hold
 * quotes and backslashes, and --json output must stay parseable. */
void cli_print_json_string(const char *s);
/* Loads DIR/<prefix>-{images,labels}-idx*-ubyte[.gz]. */
int cli_load_split(const char *dir, const char *prefix, advlab_dataset **out);
/* The data directory's last component ("mnist"), for the weights' metadata. */
void cli_dataset_name(const char *dir, char *out, size_t size);
int cli_load_model(const char *path, int max_batch, advlab_net **net);
int cli_save_model(const advlab_net *net, const char *path);
/* The first n test images (all when n <= 0 or larger) as floats and labels;
 * *n becomes the count. Freed with free(). */
int cli_test_images(const advlab_dataset *test, int *n, int in_size, float **x, int32_t **y);
/* The --defence pre-processor, "name[:key=value,...]", sized for the test
 * set's images: 0, 2 (a malformed spec, reported) or 1 (refused by the
 * library, reported). */
int cli_make_defence(const char *spec, const advlab_dataset *test, advlab_preprocessor **pre);

/* A config a command takes, as its --help shows it: the title, then every
 * field with its default, as --flags or (as_flags 0) as the key=value of a
 * NAME:key=value spec. */
typedef struct {
    const char *title;
    const advlab__cfg_spec *spec;
    int as_flags;
} cli_help_section;
/* The detect command's detector (cli/attack.c). */
extern const cli_help_section cli_detector_help;

int cli_train(const cli_options *o);
int cli_eval(const cli_options *o);
int cli_predict(const cli_options *o);
/* predict --image: one image file's digit through the model. */
int cli_predict_image(const cli_options *o);
int cli_attack(const cli_options *o);
int cli_certify(const cli_options *o);
int cli_detect(const cli_options *o);
int cli_defend(const cli_options *o);
int cli_experiment(const cli_options *o);
/* A grid of experiments (cli/sweep.c). */
int cli_sweep(const cli_options *o);
/* The poisoning commands (cli/poison.c). */
int cli_poison(const cli_options *o);
int cli_cleanse(const cli_options *o);
int cli_strip(const cli_options *o);
/* experiment --threat poison: poison, train, measure, cleanse, retrain, measure. */
int cli_poison_experiment(const cli_options *o);
/* Extraction and inference (cli/extract.c, cli/infer.c). */
int cli_extract(const cli_options *o);
int cli_infer(const cli_options *o);
int cli_invert(const cli_options *o);
extern const cli_help_section cli_extract_help, cli_membership_help, cli_invert_help;
/* The poisoning configs, for --help. */
extern const cli_help_section cli_poison_help, cli_cleanse_help, cli_strip_help;
/* AutoAttack's evaluation (cli/evaluate.c, issue 13). */
int cli_evaluate(const cli_options *o);
extern const cli_help_section cli_evaluate_help;
/* The sweep's attack family (cli/sweep.c). */
extern const cli_help_section cli_sweep_attack_help, cli_sweep_poison_help, cli_sweep_steal_help;
/* The universal perturbation (cli/universal.c, issue 13). */
int cli_universal(const cli_options *o);
extern const cli_help_section cli_universal_help, cli_universal_fit_help;

#endif
