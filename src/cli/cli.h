/* The native `advlab` command's shared parts: options, messages, loading
 * data and models. Each cli_*.c file holds a family of commands. */
#ifndef ADVLAB_CLI_H
#define ADVLAB_CLI_H

#include <stddef.h>

#include "advlab.h"

#define CLI_MAX_SETTINGS 32
#define CLI_MAX_STATIC 4

typedef struct {
    const char *command, *arch, *out, *model, *data, *optimizer, *inputs_out, *probs_out;
    const char *attack, *defence, *postprocess, *detector, *target, *save_dir, *image;
    const char *statics[CLI_MAX_STATIC];
    int n_static;
    advlab_train_config train; /* train and defend */
    int limit, json;
    /* argv joined with spaces, shell-quoted where needed (at most 1023
     * bytes, longer ends in "..."): the weights' "command" metadata. */
    const char *command_line;
    /* Every other `--key value`, for the command's own config (attack,
     * experiment); dashes in keys become underscores. */
    struct {
        char key[64];
        double value;
        const char *text;
    } settings[CLI_MAX_SETTINGS];
    int n_settings;
} cli_options;

extern const char cli_usage[];

/* Prints "advlab: <message>" to stderr and returns 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_fail with advlab_last_error(). */
int cli_fail_status(void);
double cli_now(void);
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

/* Applies the leftover settings through set(cfg, key, value); a failure is a
 * usage error (returns 2) with the library's message. */
typedef advlab_status (*cli_setter)(void *cfg, const char *key, double value);
int cli_apply_settings(const cli_options *o, void *cfg, cli_setter set);
/* Parses "name" or "name:key=value,key=value" into a config through the
 * given default and set functions (pre-processors, post-processors). A
 * failing function's message is advlab_last_error(), or what it gave
 * cli_spec_error for configs the CLI keeps itself. */
typedef advlab_status (*cli_defaulter)(const char *name, void *cfg);
/* For a CLI-side spec function: records its message and returns ADVLAB_E_ARG. */
advlab_status cli_spec_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_parse_spec(const char *flag, const char *spec, void *cfg, cli_defaulter def, cli_setter set);

/* The library's config functions in the two shapes above. */
advlab_status cli_default_attack(const char *name, void *cfg);
advlab_status cli_set_attack(void *cfg, const char *key, double value);
advlab_status cli_default_pre(const char *name, void *cfg);
advlab_status cli_set_pre(void *cfg, const char *key, double value);
advlab_status cli_default_post(const char *name, void *cfg);
advlab_status cli_set_post(void *cfg, const char *key, double value);
advlab_status cli_set_experiment(void *cfg, const char *key, double value);

int cli_train(const cli_options *o);
int cli_eval(const cli_options *o);
int cli_predict(const cli_options *o);
/* predict --image: one image file's digit through the model. */
int cli_predict_image(const cli_options *o);
int cli_attack(const cli_options *o);
int cli_detect(const cli_options *o);
int cli_defend(const cli_options *o);
int cli_experiment(const cli_options *o);

#endif
