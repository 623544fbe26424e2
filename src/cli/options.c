/* The command line: argv into cli_options, and the `--key value` settings
 * into the configs a command takes, through each config's field table
 * (base/config.h), so the CLI, the C setters and advlab.js share one
 * mapping and one set of messages. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Flags with a string value, common to all commands. */
static const char **string_flag(cli_options *o, const char *flag)
{
    struct {
        const char *flag;
        const char **field;
    } flags[] = {
        {"--arch", &o->arch},
        {"--out", &o->out},
        {"--model", &o->model},
        {"--data", &o->data},
        {"--inputs-out", &o->inputs_out},
        {"--probs-out", &o->probs_out},
        {"--attack", &o->attack},
        {"--defence", &o->defence},
        {"--postprocess", &o->postprocess},
        {"--detector", &o->detector},
        {"--target", &o->target},
        {"--save-dir", &o->save_dir},
        {"--image", &o->image},
        {"--trigger", &o->trigger},
        {"--source", &o->source},
        {"--threat", &o->threat},
        {"--rows", &o->rows},
        {"--method", &o->method},
        {"--victim", &o->victim},
        {"--thief", &o->thief},
        {"--trainer", &o->trainer},
        {"--preset", &o->preset},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (strcmp(flag, flags[i].flag) == 0)
            return flags[i].field;
    return NULL;
}

/* Keeps `--key value` for the command's configs: dashes in the key become
 * underscores, as the struct fields are spelled. */
static int add_setting(cli_options *o, const char *flag, const char *value)
{
    if (o->n_settings == CLI_MAX_SETTINGS)
        return cli_fail("too many options (at most %d settings)", CLI_MAX_SETTINGS);
    if (strlen(flag) - 2 >= sizeof o->settings[0].key)
        return cli_fail("unknown option %s (see advlab %s --help)", flag, o->command);
    char *key = o->settings[o->n_settings].key;
    strcpy(key, flag + 2);
    for (char *c = key; *c; c++)
        if (*c == '-')
            *c = '_';
    o->settings[o->n_settings].flag = flag;
    o->settings[o->n_settings++].value = value;
    return 0;
}

/* Whether a shell reads s as one word, unchanged. */
static int shell_safe(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("@%+=:,./_-", *s))
            return 0;
    return 1;
}

typedef struct {
    char *text;
    size_t len, room;
    int truncated;
} line_buf;

static void line_put(line_buf *b, char c)
{
    if (b->len < b->room)
        b->text[b->len++] = c;
    else
        b->truncated = 1;
}

/* argv as a command a shell would run again: words that need it go in
 * single quotes (a quote inside becomes '\''). Past 1020 bytes the line ends
 * in "...", so it fits the library's 1023-byte metadata values. */
static const char *join_command_line(int argc, char **argv)
{
    static char text[1024];
    line_buf b = {text, 0, sizeof text - 4, 0};
    for (int i = 0; i < argc && !b.truncated; i++) {
        int quote = !shell_safe(argv[i]);
        if (i)
            line_put(&b, ' ');
        if (quote)
            line_put(&b, '\'');
        for (const char *c = argv[i]; *c; c++)
            if (*c == '\'') {
                for (const char *q = "'\\''"; *q; q++)
                    line_put(&b, *q);
            } else {
                line_put(&b, *c);
            }
        if (quote)
            line_put(&b, '\'');
    }
    if (b.truncated) {
        /* The cut may split a UTF-8 character, which the weights file would
         * reject: drop the last multi-byte character whole. */
        while (b.len > 0 && ((unsigned char)text[b.len - 1] & 0xC0) == 0x80)
            b.len--;
        if (b.len > 0 && ((unsigned char)text[b.len - 1] & 0xC0) == 0xC0)
            b.len--;
        memcpy(text + b.len, "...", 3);
        b.len += 3;
    }
    text[b.len] = 0;
    return text;
}

/* A whole number in 1..max into *out, or a message naming the flag. */
static int parse_count(const char *flag, const char *val, long max, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(val, &end, 10);
    if (errno || end == val || *end || n < 1 || n > max)
        return cli_fail("%s: \"%s\" is not an integer in 1..%ld", flag, val, max);
    *out = (int)n;
    return 0;
}

const char cli_default_arch[] = "tutorial";

int cli_parse_args(int argc, char **argv, cli_options *o)
{
    *o = (cli_options){.command = argv[1],
                       .arch = cli_default_arch,
                       .data = "data/mnist",
                       .threads = 1,
                       .command_line = join_command_line(argc, argv)};
    for (int i = 2; i < argc; i++) {
        const char *flag = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(flag, "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (strcmp(flag, "--retrain") == 0) {
            o->retrain = 1;
            continue;
        }
        if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
            o->help = 1;
            continue;
        }
        if (strncmp(flag, "--", 2) != 0 || !flag[2])
            return cli_fail("unexpected argument \"%s\" (see advlab %s --help)", flag, o->command);
        if (!val)
            return cli_fail("%s needs a value (see advlab %s --help)", flag, o->command);
        i++;
        const char **field = string_flag(o, flag);
        if (field) {
            *field = val;
        } else if (strcmp(flag, "--static") == 0) {
            if (o->n_static == CLI_MAX_STATIC)
                return cli_fail("--static: at most %d models", CLI_MAX_STATIC);
            o->statics[o->n_static++] = val;
        } else if (strcmp(flag, "--limit") == 0) {
            if (parse_count(flag, val, 1L << 30, &o->limit))
                return 1;
        } else if (strcmp(flag, "--threads") == 0) {
            /* Accepted and ignored, it would promise a speed-up that never comes. */
            if (strcmp(o->command, "train") != 0)
                return cli_fail("--threads: only advlab train shares its work among threads; %s "
                                "runs on one (see advlab %s --help)",
                                o->command, o->command);
            if (parse_count(flag, val, CLI_MAX_THREADS, &o->threads))
                return 1;
        } else if (add_setting(o, flag, val)) {
            return 1;
        }
    }
    return 0;
}

int cli_apply_settings(const cli_options *o, const cli_config *configs, int n)
{
    for (int i = 0; i < o->n_settings; i++) {
        const char *key = o->settings[i].key, *flag = o->settings[i].flag;
        int c = 0;
        while (c < n && !advlab__cfg_takes(configs[c].spec, configs[c].cfg, key))
            c++;
        /* With one config, its setter's message lists the keys it takes;
         * with none or several, the command's --help does. */
        if (c == n && n == 1)
            c = 0;
        if (c == n) {
            cli_fail("unknown option %s (see advlab %s --help)", flag, o->command);
            return 2;
        }
        if (advlab__cfg_set_text(configs[c].spec, configs[c].cfg, key, o->settings[i].value)) {
            cli_fail("%s: %s (see advlab %s --help)", flag, advlab_last_error(), o->command);
            return 2;
        }
    }
    return 0;
}

int cli_parse_spec(const char *flag, const char *text, const advlab__cfg_spec *spec, void *cfg)
{
    char name[64];
    size_t len = strcspn(text, ":");
    if (len >= sizeof name)
        return cli_fail("%s: \"%s\" is too long", flag, text);
    memcpy(name, text, len);
    name[len] = 0;
    if (advlab__cfg_defaults(spec, name, cfg))
        return cli_fail("%s: %s", flag, advlab_last_error());
    const char *p = text[len] == ':' ? text + len + 1 : NULL;
    while (p && *p) {
        char item[128], *eq;
        size_t n = strcspn(p, ",");
        if (n >= sizeof item)
            return cli_fail("%s: \"%.*s\" is too long", flag, (int)n, p);
        memcpy(item, p, n);
        item[n] = 0;
        p = p[n] == ',' ? p + n + 1 : p + n;
        if (!(eq = strchr(item, '=')))
            return cli_fail("%s: \"%s\" is not key=value", flag, item);
        *eq = 0;
        if (advlab__cfg_set_text(spec, cfg, item, eq + 1))
            return cli_fail("%s: %s", flag, advlab_last_error());
    }
    return 0;
}
