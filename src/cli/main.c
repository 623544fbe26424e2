/* The native `advlab` command: argument parsing, shared helpers and main.
 * Results go to stdout (a table, or JSON with --json); progress and errors
 * go to stderr. A usage error exits 2, a failed command 1. */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attacks/attack.h"
#include "base/strbuf.h"
#include "certify/certify.h"
#include "defences/postprocess.h"
#include "defences/preprocess.h"
#include "lab/experiment.h"
#include "train/adv_train.h"
#include "train/robust_train.h"
#include "train/trainer.h"

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("advlab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int cli_fail_status(void) { return cli_fail("%s", advlab_last_error()); }

void cli_print_json_string(const char *s)
{
    advlab_strbuf b = {0};
    advlab__sb_json_string(&b, s);
    fputs(b.failed ? "null" : b.data, stdout);
    advlab__sb_free(&b);
}

int cli_load_split(const char *dir, const char *prefix, advlab_dataset **out)
{
    char images[1024], labels[1024];
    const char *suffix[] = {"", ".gz"};
    for (int s = 0; s < 2; s++) {
        snprintf(images, sizeof images, "%s/%s-images-idx3-ubyte%s", dir, prefix, suffix[s]);
        snprintf(labels, sizeof labels, "%s/%s-labels-idx1-ubyte%s", dir, prefix, suffix[s]);
        if (access(images, R_OK) == 0 || s == 1)
            break;
    }
    if (advlab_dataset_load(images, labels, out))
        return cli_fail(
            "%s\n(run `npm run lab` or `sh data/get-mnist.sh` to fetch MNIST into data/mnist)",
            advlab_last_error());
    return 0;
}

void cli_dataset_name(const char *dir, char *out, size_t size)
{
    size_t end = strlen(dir);
    while (end > 1 && dir[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    snprintf(out, size, "%.*s", (int)(end - start), dir + start);
}

int cli_load_model(const char *path, int max_batch, advlab_net **net)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    advlab_status st = advlab_file_read(path, &bytes, &len);
    if (!st)
        st = advlab_net_from_weights(path, bytes, len, max_batch, net);
    advlab_buffer_free(bytes);
    return st ? cli_fail_status() : 0;
}

int cli_save_model(const advlab_net *net, const char *path)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    advlab_status st = advlab_weights_save(net, &bytes, &len);
    if (!st)
        st = advlab_file_write(path, bytes, len);
    advlab_buffer_free(bytes);
    return st ? cli_fail_status() : 0;
}

int cli_make_defence(const char *spec, const advlab_dataset *test, advlab_preprocessor **pre)
{
    advlab_preprocess_config cfg;
    if (cli_parse_spec("--defence", spec, &advlab__preprocess_spec, &cfg))
        return 2;
    if (advlab_preprocessor_create(&cfg, advlab_dataset_height(test), advlab_dataset_width(test),
                                   pre))
        return cli_fail_status();
    return 0;
}

int cli_test_images(const advlab_dataset *test, int *n, int in_size, float **x, int32_t **y)
{
    int count = advlab_dataset_count(test);
    if (*n <= 0 || *n > count)
        *n = count;
    int32_t *idx = malloc(sizeof(int32_t) * *n);
    *x = malloc(sizeof(float) * (size_t)*n * in_size);
    *y = malloc(sizeof(int32_t) * *n);
    if (!idx || !*x || !*y) {
        free(idx);
        return cli_fail("out of memory for %d test images", *n);
    }
    for (int i = 0; i < *n; i++)
        idx[i] = i;
    advlab_dataset_gather(test, idx, *n, *x, *y);
    free(idx);
    return 0;
}

/* ---------------------------------------------------------------- help */

static const cli_help_section train_help = {"training settings", &advlab__train_spec, 1};
static const cli_help_section adv_help = {"adversarial training settings", &advlab__adv_spec, 1};
static const cli_help_section attack_help = {
    "attack settings ([...]: the attacks a setting applies to), for --attack", &advlab__attack_spec,
    1};
static const cli_help_section pre_help = {
    "pre-processors, --defence NAME[:key=value,...] with NAME", &advlab__preprocess_spec, 0};
static const cli_help_section post_help = {
    "post-processors, --postprocess NAME[:key=value,...] with NAME", &advlab__postprocess_spec, 0};
static const cli_help_section certify_train_help = {
    "certified training settings (--certify ibp|noise|crown-ibp)", &advlab__certify_train_spec, 1};
static const cli_help_section certify_help = {
    "certification settings ([...]: the methods a setting applies to), for --method",
    &advlab__certify_spec, 1};
static const cli_help_section robust_train_help = {
    "robust training settings ([...]: the trainers a setting applies to), for --trainer",
    &advlab__robust_train_spec, 1};
static const cli_help_section experiment_help = {"experiment settings", &advlab__experiment_spec,
                                                 1};

/* One section of --help: its title (followed by the kinds, "fgsm|bim|pgd",
 * when the config has kinds), then a line per field with its default. */
static void print_section(advlab_strbuf *out, const cli_help_section *section)
{
    advlab__sb_printf(out, "\n%s", section->title);
    for (int k = 0; k < advlab__cfg_kind_count(section->spec); k++)
        advlab__sb_printf(out, "%s%s", k ? "|" : " ", section->spec->kinds[k]);
    advlab__sb_printf(out, ":\n");
    advlab__cfg_usage(section->spec, section->as_flags, out);
}

typedef struct {
    const char *name;
    int (*run)(const cli_options *);
    const char *synopsis;                /* the command's own flags, one per line */
    const cli_help_section *settings[4]; /* the configs it takes, for --help */
} command;

static const command commands[] = {
    {"train",
     cli_train,
     "--out FILE [--arch tutorial] [--limit N] [training settings] [--certify "
     "ibp|noise|crown-ibp ...]\n"
     "[--trainer fbf|trades|pgd-ramp ...] [--preset robust] [--shards S [--threads N]]\n"
     "trains on MNIST, then prints the clean test accuracy; --certify ibp trains for IBP\n"
     "certificates (Gowal et al.), crown-ibp with CROWN-IBP's beta schedule (Zhang et al.),\n"
     "noise for randomized smoothing; --trainer trains robustly: fbf is fast AT (Wong et al.,\n"
     "its cyclic lr peaks at --lr), trades TRADES (Zhang et al.), pgd-ramp Madry's PGD\n"
     "training with eps ramped up over --ramp epochs; --shards sums each batch's gradient\n"
     "over S shards in a fixed tree, which --threads shares among N threads (up to S) with\n"
     "the same weights as one; --preset robust is the page's \"Train a robust model\" (PGD-7\n"
     "at eps 0.3 on c16k5-p2-c32k5-p2-d100-d10, 10 epochs, 8 shards; flags given override it)",
     {&train_help, &certify_train_help, &robust_train_help}},
    {"eval", cli_eval, "--model FILE [--limit N]\ntest accuracy and confusion matrix", {NULL}},
    {"predict",
     cli_predict,
     "--model FILE [--limit 100] --inputs-out FILE --probs-out FILE [--postprocess NAME[:k=v,...]]\n"
     "    writes test images and the model's probabilities as raw float32\n"
     "--model FILE --image FILE.png|jpg\n"
     "    the digit in an image (dark on light or light on dark) and its class",
     {&post_help}},
    {"experiment",
     cli_experiment,
     "[--arch tutorial] [--save-dir DIR] [experiment settings]\n"
     "the tutorial loop: train, FGSM, adversarial training, transfer, fresh FGSM, PGD,\n"
     "pre-processors (plain vs BPDA), detector, curves\n"
     "--threat poison [--trigger pattern|pixel|FILE.png] [--target next|N] [--source all|N]\n"
     "[--defence ac|spectral] [--limit N] [training, poisoning and cleansing settings]\n"
     "    the poisoning loop: train a clean model, poison, train, measure, cleanse, retrain,\n"
     "    measure (--limit: the first N training rows)",
     {&experiment_help, &train_help, &cli_poison_help, &cli_cleanse_help}},
    {"sweep",
     cli_sweep,
     "--vary KEY=V1,V2,...|KEY=START:STOP:STEP [--vary KEY=...] --measure NAME,...\n"
     "[--seeds S1,S2,...] [--arch tutorial] [experiment settings] [--csv FILE]\n"
     "[--checkpoint FILE]\n"
     "    a grid of tutorial experiments: one or two settings varied (a range includes STOP),\n"
     "    each cell once per seed; prints each point's mean and standard deviation over the\n"
     "    seeds (--json: the results with every cell); --csv writes a row per cell;\n"
     "    --checkpoint resumes from FILE and saves it after each cell; NAME is a measurement\n"
     "    of advlab experiment --json (clean_standard, fgsm_defended, pgd_defended, ...)\n"
     "--family attack --vary KEY=V1,V2,... --measure NAME,... [--attack fgsm] [--defence none]\n"
     "[attack-family settings]\n"
     "    each cell trains the standard model and attacks it (any attack, through a\n"
     "    pre-processor or none); choices are varied by name (--vary attack=fgsm,pgd);\n"
     "    NAME is clean_accuracy, robust_accuracy, success_rate, mean_l2 or mean_linf\n"
     "--family poison --vary fraction=0,0.05,0.1 --measure clean_accuracy,attack_success\n"
     "[--trigger pattern|pixel] [poison-family settings]\n"
     "    each cell poisons the first training rows with the backdoor, trains on them and\n"
     "    measures clean accuracy and the trigger's success\n"
     "--family steal --vary budget=100,1000 --measure thief_accuracy,fidelity\n"
     "[--method copycat|knockoff] [steal-family settings]\n"
     "    each cell trains the standard model on the first train_limit rows and steals it\n"
     "    with `budget` queries of the training rows after them\n"
     "--from FILE [--csv FILE] [--checkpoint FILE]\n"
     "    the sweep of a spec or of a sweep's results JSON (the page's export)",
     {&experiment_help, &cli_sweep_attack_help, &cli_sweep_poison_help, &cli_sweep_steal_help}},
    {"attack",
     cli_attack,
     "--model FILE [--attack fgsm] [--limit 1000] [--target K|next] [--defence NAME[:k=v,...]]\n"
     "[--out FILE.idx|FILE.png] [attack settings]\n"
     "attacks test images and reports accuracy, success rate and norms, the images through the\n"
     "net forward and backward, and for square, hopskipjump and boundary (--method is the same\n"
     "as --attack) the queries per image and the median L2; with --defence, the\n"
     "defended model under the attack made on the bare model, the naive one through the\n"
     "defence's true gradient, and the adaptive one (BPDA)",
     {&attack_help, &pre_help}},
    /* AutoAttack's evaluation (issue 13) */
    {"evaluate",
     cli_evaluate,
     "--model FILE [--defence NAME[:k=v,...]] [--suite quick|autoattack|full] [--eps 0.3]\n"
     "[--norm inf|2] [--limit 1000] [evaluation settings]\n"
     "AutoAttack (Croce & Hein): each member attacks the images the earlier ones left, so the\n"
     "robust accuracy is each image's worst case; warnings say when gradients may be masked",
     {&cli_evaluate_help, &pre_help}},
    /* the universal perturbation (issue 13) */
    {"universal",
     cli_universal,
     "--model FILE [--eps 0.3] [--norm inf|2] [--delta 0.2] [--max-iter 20] [--fit 200]\n"
     "[--limit 1000] [--out FILE.png] [universal perturbation settings]\n"
     "one perturbation for every image (Moosavi-Dezfooli et al., ART's UniversalPerturbation\n"
     "with DeepFool), fitted on the first --fit training images; reports how many of the\n"
     "first --limit test images it fools; --out writes it, a digit and the two added",
     {&cli_universal_help, &cli_universal_fit_help}},
    {"defend",
     cli_defend,
     "--out FILE [--model FILE | --arch tutorial] [--attack fgsm] [--static FILE ...] [--limit N]\n"
     "[training, adversarial training and attack settings]\n"
     "adversarial training (ART's AdversarialTrainer; --attack pgd --ratio 1 is Madry's; --static\n"
     "models make it ensemble adversarial training)",
     {&train_help, &adv_help, &attack_help}},
    {"certify",
     cli_certify,
     "--model FILE [--method ibp|crown|smoothing] [--eps 0.1] [--sigma S] [--limit 1000]\n"
     "[certification settings]\n"
     "verified accuracy at eps (L-inf for ibp and crown, L2 for smoothing) and the\n"
     "distribution of the per-image certified radius",
     {&certify_help}},
    {"detect",
     cli_detect,
     "--model FILE [--detector squeeze|binary] [--attack fgsm] [--limit 1000]\n"
     "[detector and attack settings]\n"
     "detection rate and false-positive rate of a detector",
     {&cli_detector_help, &attack_help}},
    {"poison",
     cli_poison,
     "--out DIR [--trigger pattern|pixel|FILE.png] [--target next|N] [--source all|N]\n"
     "[--fraction F] [--clean-label 1 --model PROXY] [poisoning settings]\n"
     "a backdoored copy of the training set (ART's PoisoningAttackBackdoor, or with\n"
     "--clean-label 1 PoisoningAttackCleanLabelBackdoor): DIR gets the IDX files and\n"
     "poisoned-rows.txt; FILE.png is a 28x28 mask (light pixels are the trigger)",
     {&cli_poison_help}},
    {"cleanse",
     cli_cleanse,
     "--model FILE --data POISONED [--defence ac|spectral] [--rows FILE] [--retrain [--out FILE]]\n"
     "[cleansing and training settings]\n"
     "finds the poison from the model's activations (ART's ActivationDefence or\n"
     "SpectralSignatureDefense); with the data's poisoned-rows.txt (or --rows), precision,\n"
     "recall and the attack's success; --retrain trains a new model on the rows left",
     {&cli_cleanse_help, &train_help}},
    {"strip",
     cli_strip,
     "--model FILE [--image FILE.png | --limit 100] [--trigger pattern|pixel|FILE.png]\n"
     "[STRIP settings]\n"
     "STRIP's verdict on an image, or on the first test images (with --trigger: those of\n"
     "the source classes, not of their target, with the trigger added); the last 1000 test\n"
     "images are the clean pool",
     {&cli_strip_help, &cli_poison_help}},
    {"extract",
     cli_extract,
     "--victim FILE [--postprocess NAME[:k=v,...]] [--thief mnist|fashion|noise]\n"
     "[--method copycat|knockoff] [--queries N] [--limit N] [--out FILE] [extraction settings]\n"
     "steals the victim through its answers (ART's CopycatCNN or KnockoffNets): the thief's\n"
     "test accuracy, its fidelity to the victim, and FGSM made on it against the victim beside\n"
     "white-box FGSM",
     {&cli_extract_help, &post_help}},
    {"infer",
     cli_infer,
     "--model FILE [--method rule|blackbox|label-only] [--members N] [membership settings]\n"
     "membership inference: the first N training images (members) against the first N test\n"
     "images; the attack fits on half of each and is measured on the other half",
     {&cli_membership_help}},
    {"invert",
     cli_invert,
     "--model FILE --out FILE.png [inversion settings]\n"
     "model inversion (ART's MIFace) from the mean training image: one reconstruction per\n"
     "class, written as a row of images",
     {&cli_invert_help}},
};
#define N_COMMANDS (int)(sizeof commands / sizeof commands[0])

static const char common_usage[] =
    "\ncommon options:\n"
    "  --data DIR   the MNIST IDX files (plain or .gz), default data/mnist;\n"
    "               Fashion-MNIST: /usr/share/datasets/fashion-mnist\n"
    "  --json       machine-readable output on stdout\n"
    "  --help       this command's usage\n";

/* The synopsis, its later lines indented under the first. */
static void print_synopsis(FILE *to, const char *text, const char *indent)
{
    for (const char *c = text; *c; c++) {
        fputc(*c, to);
        if (*c == '\n')
            fputs(indent, to);
    }
    fputc('\n', to);
}

static void print_overview(FILE *to)
{
    fputs(
        "usage: advlab <command> [options]   (advlab <command> --help for its settings)\n\ncommands:\n",
        to);
    for (int i = 0; i < N_COMMANDS; i++) {
        fprintf(to, "  %-11s ", commands[i].name);
        print_synopsis(to, commands[i].synopsis, "              ");
    }
    fputs(common_usage, to);
}

/* `advlab <command> --help`: its synopsis, then every setting it takes with
 * its default, read from the configs' field tables. */
static int print_help(const command *c)
{
    printf("usage: advlab %s ", c->name);
    print_synopsis(stdout, c->synopsis, "    ");
    advlab_strbuf b = {0};
    for (int i = 0; i < 4 && c->settings[i]; i++)
        print_section(&b, c->settings[i]);
    fputs(b.failed ? "(out of memory for the settings)\n" : b.data ? b.data : "", stdout);
    advlab__sb_free(&b);
    fputs(common_usage, stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        print_overview(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 0; i < N_COMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        cli_options o;
        if (cli_parse_args(argc, argv, &o))
            return 2;
        if (o.help)
            return print_help(&commands[i]);
        if (!commands[i].settings[0] && cli_apply_settings(&o, NULL, 0)) /* it takes none */
            return 2;
        return commands[i].run(&o);
    }
    cli_fail("unknown command \"%s\" (see advlab --help)", argv[1]);
    return 2;
}
