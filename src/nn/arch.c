#include "nn/arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

static const struct {
    const char *name, *spec;
} presets[] = {
    {"tutorial", "c4k5-p2-c10k5-p2-d100-d10"}, /* ART's Keras get-started CNN */
    /* Madry et al.'s MNIST model, with valid instead of same padding. */
    {"madry", "c32k5-p2-c64k5-p2-d1024-d10"},
    /* Gowal et al. 2018's "small" IBP model: valid convolutions, as theirs. */
    {"gowal-small", "c16k4s2-c32k4-d100-d10"},
};

/* Reads a decimal at *p (at most 4096), advancing *p; -1 if there is none. */
static int read_number(const char **p)
{
    if (**p < '0' || **p > '9')
        return -1;
    long v = strtol(*p, (char **)p, 10);
    return v <= 4096 ? (int)v : -1;
}

/* Reads a positive decimal at *p (at most 4096), advancing *p. */
static int read_count(const char **p)
{
    int v = read_number(p);
    return v >= 1 ? v : -1;
}

/* The optional "sS" then "pP" of a conv token: 1 and 0 when absent, -1 when
 * the letter has no number after it. */
static void read_stride_pad(const char **p, int *stride, int *pad)
{
    *stride = **p == 's' ? (++*p, read_number(p)) : 1;
    *pad = **p == 'p' ? (++*p, read_number(p)) : 0;
}

static advlab_status parse_conv(const char *arch, const char *buf, const char *p, layer_shape *l)
{
    int c = l->in_c, h = l->in_h, w = l->in_w, stride = 1, pad = 0;
    int n = read_count(&p);
    int k = *p == 'k' ? (p++, read_count(&p)) : -1;
    if (n >= 0 && k >= 0)
        read_stride_pad(&p, &stride, &pad);
    if (n < 0 || k < 0 || stride < 0 || pad < 0 || *p)
        return advlab__fail(ADVLAB_E_ARG,
                            "arch \"%s\": layer \"%s\" is not cNkK[sS][pP] (e.g. c4k5, c16k4s2, "
                            "c32k3s1p1)",
                            arch, buf);
    if (stride == 0)
        return advlab__fail(ADVLAB_E_ARG, "arch \"%s\": layer \"%s\" has stride 0 (must be >= 1)",
                            arch, buf);
    if (pad >= k)
        return advlab__fail(ADVLAB_E_ARG,
                            "arch \"%s\": layer \"%s\" pads %d, not less than its kernel size %d",
                            arch, buf, pad, k);
    if (k > h + 2 * pad || k > w + 2 * pad)
        return advlab__fail(ADVLAB_E_ARG,
                            "arch \"%s\": %dx%d kernel of \"%s\" is larger than its %dx%d input "
                            "(padded by %d): no output",
                            arch, k, k, buf, h, w, pad);
    int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    *l = (layer_shape){.kind = LAYER_CONV,
                       .relu = 1,
                       .in_c = c,
                       .in_h = h,
                       .in_w = w,
                       .out_c = n,
                       .out_h = oh,
                       .out_w = ow,
                       .k = k,
                       .stride = stride,
                       .pad = pad};
    return ADVLAB_OK;
}

size_t advlab__layer_weights(const layer_shape *l)
{
    switch (l->kind) {
    case LAYER_CONV: return (size_t)l->out_c * l->in_c * l->k * l->k;
    case LAYER_DENSE: return (size_t)l->out_c * layer_in_size(l);
    default: return 0;
    }
}

static advlab_status parse_token(const char *arch, const char *tok, size_t len, layer_shape *l,
                                 int *convs, int *denses)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return advlab__fail(ADVLAB_E_ARG, "arch \"%s\": empty or overlong layer \"%.*s\"", arch,
                            (int)len, tok);
    memcpy(buf, tok, len);
    buf[len] = '\0';
    const char *p = buf + 1;
    int c = l->in_c, h = l->in_h, w = l->in_w;
    if (buf[0] == 'c') {
        advlab_status st = parse_conv(arch, buf, p, l);
        if (st)
            return st;
        ++*convs;
        snprintf(l->weight_name, sizeof l->weight_name, "conv%d.weight", *convs);
        snprintf(l->bias_name, sizeof l->bias_name, "conv%d.bias", *convs);
    } else if (buf[0] == 'p') {
        if (strcmp(buf, "p2") != 0)
            return advlab__fail(ADVLAB_E_ARG, "arch \"%s\": pooling layer \"%s\" must be p2", arch,
                                buf);
        if (h < 2 || w < 2)
            return advlab__fail(ADVLAB_E_ARG, "arch \"%s\": p2 needs at least 2x2 input, has %dx%d",
                                arch, h, w);
        *l = (layer_shape){LAYER_POOL, 0, c, h, w, c, h / 2, w / 2, 0, 0, 0, "", ""};
    } else if (buf[0] == 'd') {
        int n = read_count(&p);
        if (n < 0 || *p)
            return advlab__fail(ADVLAB_E_ARG, "arch \"%s\": layer \"%s\" is not dN (e.g. d100)",
                                arch, buf);
        *l = (layer_shape){LAYER_DENSE, 1, c * h * w, 1, 1, n, 1, 1, 0, 0, 0, "", ""};
        ++*denses;
        snprintf(l->weight_name, sizeof l->weight_name, "fc%d.weight", *denses);
        snprintf(l->bias_name, sizeof l->bias_name, "fc%d.bias", *denses);
    } else {
        return advlab__fail(
            ADVLAB_E_ARG,
            "arch \"%s\": unknown layer \"%s\" (expected cNkK[sS][pP], p2 or dN, or a preset: "
            "tutorial, madry, gowal-small)",
            arch, buf);
    }
    return ADVLAB_OK;
}

/* Appends l's token to the canonical spec, so "c04k5" and "c4k5" name one
 * arch. A conv's stride 1 and padding 0 go unsaid, so older specs keep their
 * names. */
static void append_canonical(arch_desc *d, const layer_shape *l)
{
    char tok[48];
    switch (l->kind) {
    case LAYER_CONV: {
        int n = snprintf(tok, sizeof tok, "c%dk%d", l->out_c, l->k);
        if (l->stride != 1)
            n += snprintf(tok + n, sizeof tok - (size_t)n, "s%d", l->stride);
        if (l->pad)
            snprintf(tok + n, sizeof tok - (size_t)n, "p%d", l->pad);
        break;
    }
    case LAYER_POOL: snprintf(tok, sizeof tok, "p2"); break;
    case LAYER_DENSE: snprintf(tok, sizeof tok, "d%d", l->out_c); break;
    }
    size_t used = strlen(d->spec);
    snprintf(d->spec + used, sizeof d->spec - used, "%s%s", used ? "-" : "", tok);
}

advlab_status advlab__arch_parse(const char *arch, int in_c, int in_h, int in_w, arch_desc *out)
{
    if (!arch || !*arch)
        return advlab__fail(ADVLAB_E_ARG,
                            "arch: empty (expected a preset such as \"tutorial\" or a spec)");
    const char *spec = arch;
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (strcmp(arch, presets[i].name) == 0)
            spec = presets[i].spec;
    if (strlen(spec) >= ADVLAB_ARCH_MAX)
        return advlab__fail(ADVLAB_E_ARG, "arch: spec longer than %d characters",
                            ADVLAB_ARCH_MAX - 1);

    arch_desc d = {.spec = "", .n_layers = 0};
    int convs = 0, denses = 0, c = in_c, h = in_h, w = in_w;
    for (const char *tok = spec;;) {
        const char *end = strchr(tok, '-');
        size_t len = end ? (size_t)(end - tok) : strlen(tok);
        if (d.n_layers == ADVLAB_MAX_LAYERS)
            return advlab__fail(ADVLAB_E_ARG, "arch \"%s\": more than %d layers", arch,
                                ADVLAB_MAX_LAYERS);
        layer_shape *l = &d.layers[d.n_layers];
        l->in_c = c, l->in_h = h, l->in_w = w;
        if (d.n_layers > 0 && d.layers[d.n_layers - 1].kind == LAYER_DENSE && tok[0] != 'd')
            return advlab__fail(ADVLAB_E_ARG,
                                "arch \"%s\": only dense layers may follow a dense layer", arch);
        advlab_status st = parse_token(arch, tok, len, l, &convs, &denses);
        if (st)
            return st;
        if (layer_out_size(l) > (1u << 24))
            return advlab__fail(ADVLAB_E_ARG, "arch \"%s\": layer %d has more than 2^24 outputs",
                                arch, d.n_layers + 1);
        c = l->out_c, h = l->out_h, w = l->out_w;
        append_canonical(&d, l);
        d.n_layers++;
        if (!end)
            break;
        tok = end + 1;
    }
    layer_shape *last = &d.layers[d.n_layers - 1];
    if (last->kind != LAYER_DENSE || last->out_c < 2)
        return advlab__fail(
            ADVLAB_E_ARG,
            "arch \"%s\": must end with a dense layer of at least 2 classes (e.g. d10)", arch);
    last->relu = 0; /* the logits */
    *out = d;
    return ADVLAB_OK;
}
