#!/bin/sh
# The advlab CLI end to end: a short training run, eval and predict on real
# MNIST, and every kind of bad input giving a clear message and a non-zero
# exit (never a crash).
# usage: test_cli.sh path/to/advlab path/to/data/mnist
set -u
advlab=$1
data=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect_error STATUS NEEDLE -- command...: exit status and a stderr substring.
expect_error() {
    want_status=$1 needle=$2
    shift 3
    checks=$((checks + 1))
    "$@" >"$work/out" 2>"$work/err"
    status=$?
    if [ "$status" -ne "$want_status" ]; then
        fail "'$*' exited $status, expected $want_status; stderr: $(cat "$work/err")"
    elif ! grep -qF -- "$needle" "$work/err"; then
        fail "'$*' stderr lacks \"$needle\": $(cat "$work/err")"
    fi
}

expect_ok() {
    checks=$((checks + 1))
    if ! "$@" >"$work/out" 2>"$work/err"; then
        fail "'$*' failed: $(cat "$work/err")"
    fi
}

# ---- usage errors: exit 2
expect_error 2 'unknown command "fly"' -- "$advlab" fly
# train takes two configs (training, certified training): its --help lists the keys
expect_error 2 'unknown option --frobnicate (see advlab train --help)' -- "$advlab" train --frobnicate 1
expect_error 2 '--frobnicate: certify ibp: unknown key "frobnicate"; valid keys: eps, radius' -- "$advlab" certify --frobnicate 1
expect_error 2 'unknown option --eps (see advlab eval --help)' -- "$advlab" eval --eps 1
expect_error 2 'unknown option --beta (see advlab predict --help)' -- "$advlab" predict --beta 1
expect_error 2 'unknown option --frobnicate (see advlab defend --help)' -- "$advlab" defend --frobnicate 1 --out x

# ---- help: every command's usage on stdout, exit 0; the defaults come from the configs' tables
expect_ok "$advlab" --help
grep -q '^  experiment ' "$work/out" || fail "advlab --help does not list experiment"
for command in train eval predict experiment sweep attack defend detect poison cleanse strip certify extract infer invert universal; do
    expect_ok "$advlab" "$command" --help
    grep -q "^usage: advlab $command " "$work/out" || fail "advlab $command --help: no usage line: $(head -2 "$work/out")"
done
expect_ok "$advlab" attack --help
grep -q -- '--learning-rate X .*\[cw\] (default 0.1)$' "$work/out" ||
    fail "attack --help does not give C&W's learning rate default 0.1: $(grep -- --learning-rate "$work/out")"
expect_ok "$advlab" experiment --help
grep -q -- '--pgd-iter X .*(default 40)$' "$work/out" || fail "experiment --help lacks --pgd-iter's default 40"
expect_ok "$advlab" defend --help
grep -q -- '--ratio X .*(default 0.5)$' "$work/out" || fail "defend --help lacks --ratio's default 0.5"
grep -q -- '--optimizer X .*(default adam)$' "$work/out" || fail "defend --help lacks --optimizer's default adam"
expect_error 2 '--epochs: train config: epochs "abc" is not a number' -- "$advlab" train --epochs abc --out x
expect_error 2 '--epochs: train config: epochs 2.5 is not an integer' -- "$advlab" train --epochs 2.5 --out x
expect_error 1 'train config: epochs 0 is out of range 1..10000' -- "$advlab" train --epochs 0 --data "$data" --out x
expect_error 2 '--lr: train config: lr "nan" is not a number' -- "$advlab" train --lr nan --out x
expect_error 2 '--seed: train config: seed -3 is not an integer in 0..2^53-1' -- "$advlab" train --seed -3 --out x
expect_error 2 '--optimizer: train config: optimizer "rmsprop" is not one of adam, sgd' -- "$advlab" train --optimizer rmsprop --out x
expect_error 2 '--batch needs a value' -- "$advlab" train --batch

# ---- bad parameters reaching the library: exit 1
expect_error 1 'train: --out FILE is required' -- "$advlab" train
expect_error 1 'unknown layer "x9"' -- "$advlab" train --arch c4k5-x9-d10 --data "$data" --out "$work/m"
expect_error 1 'lr 20 is out of range' -- "$advlab" train --lr 20 --data "$data" --out "$work/m"
expect_error 1 'momentum 1.5 is out of range' -- "$advlab" train --optimizer sgd --momentum 1.5 --data "$data" --out "$work/m"
expect_error 1 "$work/none/train-images-idx3-ubyte" -- "$advlab" train --data "$work/none" --out "$work/m"

# ---- a short real run, then eval and predict on its weights
expect_ok "$advlab" train --limit 512 --epochs 1 --seed 3 --data "$data" --out "$work/m.safetensors" --json
checks=$((checks + 1))
grep -q '"test_accuracy":0\.[0-9]' "$work/out" || fail "train --json lacks test_accuracy: $(cat "$work/out")"
expect_ok "$advlab" eval --model "$work/m.safetensors" --data "$data" --limit 1000
checks=$((checks + 1))
grep -q 'confusion (row = true' "$work/out" || fail "eval prints no confusion matrix: $(cat "$work/out")"
# ---- the robust trainers (--trainer): bad names and settings, then a short TRADES run
expect_error 2 '--trainer: robust training "free" is unknown; known: fbf, trades, pgd-ramp' -- "$advlab" train --trainer free --out x
expect_error 1 'robust training trades: beta -1 is out of range 0..1000' -- "$advlab" train --trainer trades --beta -1 --data "$data" --out "$work/r"
expect_error 1 'robust training pgd-ramp: ramp 3 epochs is longer than the run' -- "$advlab" train --trainer pgd-ramp --ramp 3 --epochs 2 --data "$data" --out "$work/r"
expect_error 2 'unknown option --beta (see advlab train --help)' -- "$advlab" train --trainer fbf --beta 1 --out x
expect_ok "$advlab" train --trainer trades --max-iter 2 --limit 128 --epochs 1 --seed 3 --data "$data" --out "$work/trades.safetensors" --json
checks=$((checks + 1))
grep -q '"test_accuracy":0\.[0-9]' "$work/out" || fail "train --trainer trades --json lacks test_accuracy: $(cat "$work/out")"
expect_ok "$advlab" predict --model "$work/m.safetensors" --data "$data" --limit 7 \
    --inputs-out "$work/x.bin" --probs-out "$work/p.bin"
checks=$((checks + 1))
[ "$(wc -c <"$work/x.bin")" -eq $((7 * 784 * 4)) ] && [ "$(wc -c <"$work/p.bin")" -eq $((7 * 10 * 4)) ] ||
    fail "predict wrote files of the wrong size"
# predict --image: a seven as grey, 16-bit grey and RGBA PNGs (libspng) and
# as a JPEG (libjpeg-turbo), with the shipped standard model; then files that
# are not images, are too large, are damaged, or took stb_image out of bounds.
images=$(dirname "$0")/fuzz/corpus/image_file
standard=$(dirname "$0")/../data/weights/standard.safetensors
pgd=$(dirname "$0")/../data/weights/pgd.safetensors
for seven in seven-dark-on-light.png seven-gray16.png seven-rgba.png seven-small.jpg; do
    expect_ok "$advlab" predict --model "$standard" --image "$images/$seven" --json
    checks=$((checks + 1))
    grep -q '"class":7,' "$work/out" || fail "predict --image does not see the seven in $seven: $(cat "$work/out")"
done
# --json stays valid JSON when a path holds quotes, backslashes and a tab.
odd="$work/a \"quoted\" back\\slash	tab.png"
cp "$images/seven-dark-on-light.png" "$odd"
expect_ok "$advlab" predict --model "$standard" --image "$odd" --json
checks=$((checks + 1))
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(r["image"] != sys.argv[2])' \
    "$work/out" "$odd" || fail "predict --image --json does not give the path back: $(cat "$work/out")"
expect_error 1 "not-an-image.txt: not a PNG or JPEG image" -- \
    "$advlab" predict --model "$standard" --image "$images/not-an-image.txt"
expect_error 1 "seven-small.bmp: not a PNG or JPEG image (BMP files are not read: save it as PNG)" -- \
    "$advlab" predict --model "$standard" --image "$images/seven-small.bmp"
expect_error 1 "seven.pgm: not a PNG or JPEG image (PGM/PPM files are not read: save it as PNG)" -- \
    "$advlab" predict --model "$standard" --image "$images/seven.pgm"
expect_error 1 "huge-10000x10000.png: 10000x10000 pixels is outside the 1..4096 per side" -- \
    "$advlab" predict --model "$standard" --image "$images/huge-10000x10000.png"
expect_error 1 "truncated.png: truncated PNG: the file ends before its image data does" -- \
    "$advlab" predict --model "$standard" --image "$images/truncated.png"
expect_error 1 "stb-jpeg-huff-oob.jpg: cannot decode the JPEG: Quantization table 0x00 was not defined" -- \
    "$advlab" predict --model "$standard" --image "$images/stb-jpeg-huff-oob.jpg"

checks=$((checks + 1))
head -c 1000 "$work/m.safetensors" | grep -aq '"dataset":"mnist"' || fail "weights do not record dataset mnist"

# ---- provenance: weights record the command line that made them, quoted so
# that a shell splits it back into the same words, and cut with "..." to fit
# the 1023-byte metadata limit.
# check_command FILE MODE WORDS...: FILE's "command" is WORDS (MODE exact) or a
# prefix of them ending in "..." (MODE truncated).
check_command() {
    file=$1 mode=$2
    shift 2
    checks=$((checks + 1))
    python3 - "$file" "$mode" "$@" <<'PY' || fail "$file: \"command\" does not record the command line"
import json, shlex, struct, sys
path, mode, words = sys.argv[1], sys.argv[2], sys.argv[3:]
b = open(path, "rb").read()
command = json.loads(b[8:8 + struct.unpack("<Q", b[:8])[0]])["__metadata__"]["command"]
if mode == "exact":
    ok = shlex.split(command) == words
else:
    ok = (command.endswith("...") and len(command.encode()) == 1023 and
          " ".join(shlex.quote(w) for w in words).startswith(command[:-3]))
if not ok:
    sys.exit(f"{command!r} vs {words}")
PY
}
mkdir "$work/a dir"
quoted="$work/a dir/it's.safetensors"
expect_ok "$advlab" train --limit 128 --epochs 1 --seed 5 --data "$data" --out "$quoted"
check_command "$quoted" exact "$advlab" train --limit 128 --epochs 1 --seed 5 --data "$data" --out "$quoted"
expect_ok "$advlab" defend --model "$quoted" --limit 128 --epochs 1 --eps 0.1 --data "$data" --out "$work/q2.safetensors"
check_command "$work/q2.safetensors" exact "$advlab" defend --model "$quoted" --limit 128 --epochs 1 --eps 0.1 \
    --data "$data" --out "$work/q2.safetensors"
checks=$((checks + 1))
head -c 1500 "$work/q2.safetensors" | grep -aq '"training":"adam .*seed=1 samples=128' ||
    fail "defend's weights do not record the training seed"
# Repeating a flag is legal (the last one counts) and makes a long line.
long=""
for _ in $(seq 120); do long="$long --lr 0.01"; done
# shellcheck disable=SC2086 # $long is meant to split into words
expect_ok "$advlab" train --limit 64 --epochs 1 $long --data "$data" --out "$work/long.safetensors"
# shellcheck disable=SC2086
check_command "$work/long.safetensors" truncated "$advlab" train --limit 64 --epochs 1 $long --data "$data" \
    --out "$work/long.safetensors"

# ---- Fashion-MNIST (Debian's dataset-fashion-mnist, gzipped IDX) through the same loader
fashion=/usr/share/datasets/fashion-mnist
if [ -d "$fashion" ]; then
    expect_ok "$advlab" train --limit 256 --epochs 1 --data "$fashion" --out "$work/f.safetensors"
    checks=$((checks + 1))
    head -c 1000 "$work/f.safetensors" | grep -aq '"dataset":"fashion-mnist"' ||
        fail "weights trained on $fashion do not record dataset fashion-mnist"
    expect_ok "$advlab" eval --model "$work/f.safetensors" --data "$fashion" --limit 500
else
    echo "test_cli: $fashion not installed (apt-get install dataset-fashion-mnist); skipping it"
fi

# ---- the gzip copies made for the web read the same
mkdir "$work/gz"
cp "$data"/t10k-*.gz "$work/gz/"
expect_ok "$advlab" eval --model "$work/m.safetensors" --data "$data" --json
plain=$(cat "$work/out")
expect_ok "$advlab" eval --model "$work/m.safetensors" --data "$work/gz" --json
checks=$((checks + 1))
[ "$plain" = "$(cat "$work/out")" ] || fail "eval differs on the gzip copies"

# ---- malformed files: the message names the file and the problem
head -c 100 "$work/m.safetensors" >"$work/short.safetensors"
expect_error 1 "short.safetensors" -- "$advlab" eval --model "$work/short.safetensors" --data "$data"
printf 'not a model at all' >"$work/junk.safetensors"
expect_error 1 "junk.safetensors" -- "$advlab" eval --model "$work/junk.safetensors" --data "$data"
expect_error 1 "$work/missing.safetensors" -- "$advlab" eval --model "$work/missing.safetensors" --data "$data"

mkdir "$work/bad"
head -c 5000 "$data/t10k-images-idx3-ubyte" >"$work/bad/t10k-images-idx3-ubyte"
cp "$data/t10k-labels-idx1-ubyte" "$work/bad/"
expect_error 1 "t10k-images-idx3-ubyte: truncated" -- "$advlab" eval --model "$work/m.safetensors" --data "$work/bad"
printf 'garbage' >"$work/bad/t10k-images-idx3-ubyte"
expect_error 1 "t10k-images-idx3-ubyte" -- "$advlab" eval --model "$work/m.safetensors" --data "$work/bad"

# ---- attacks, defences, detectors and the experiment
m="$work/m.safetensors"
expect_error 2 'attack "fsgm" is unknown' -- "$advlab" attack --model "$m" --attack fsgm --data "$data"
expect_error 1 'eps' -- "$advlab" attack --model "$m" --attack fgsm --eps -0.1 --data "$data"
expect_error 1 'eps_step' -- "$advlab" attack --model "$m" --attack pgd --eps 0.1 --eps-step 0.5 --data "$data"
expect_error 1 'max_iter' -- "$advlab" attack --model "$m" --attack pgd --max-iter 0 --data "$data"
expect_error 2 'frobnicate' -- "$advlab" attack --model "$m" --attack fgsm --frobnicate 3 --data "$data"
expect_error 2 '--eps: attack fgsm: eps "abc" is not a number' -- "$advlab" attack --model "$m" --eps abc --data "$data"
expect_error 1 'window 0' -- "$advlab" attack --model "$m" --defence median:window=0 --limit 5 --data "$data"
expect_error 1 'quality 101' -- "$advlab" attack --model "$m" --defence jpeg:quality=101 --limit 5 --data "$data"
expect_error 1 '--target: "12"' -- "$advlab" attack --model "$m" --target 12 --limit 5 --data "$data"
expect_error 1 'ratio 1.5' -- "$advlab" defend --model "$m" --ratio 1.5 --out "$work/d" --data "$data"
expect_error 2 'experiment: unknown key "frobnicate"' -- "$advlab" experiment --frobnicate 1 --data "$data"
expect_error 1 'epochs 0' -- "$advlab" experiment --epochs 0 --data "$data"

expect_ok "$advlab" attack --model "$m" --attack pgd --eps 0.3 --eps-step 0.05 --max-iter 10 --limit 20 \
    --data "$data" --out "$work/adv.idx" --json
checks=$((checks + 1))
[ "$(wc -c <"$work/adv.idx")" -eq $((16 + 20 * 784 * 4)) ] || fail "attack --out wrote a float IDX of the wrong size"
checks=$((checks + 1))
grep -q '"adv_accuracy":0\.[0-9]' "$work/out" || fail "attack --json lacks adv_accuracy: $(cat "$work/out")"
expect_ok "$advlab" attack --model "$m" --attack fgsm --eps 0.2 --limit 16 --defence squeeze:bit_depth=1 \
    --data "$data" --out "$work/grid.png"
checks=$((checks + 1))
grep -q 'adaptive attack (BPDA)' "$work/out" || fail "attack --defence lacks the BPDA row: $(cat "$work/out")"
checks=$((checks + 1))
head -c 8 "$work/grid.png" | od -An -c | grep -q 'P   N   G' || fail "attack --out grid.png is not a PNG"
expect_ok "$advlab" attack --model "$m" --attack deepfool --max-iter 20 --limit 10 --data "$data"
# ---- L-BFGS and JSMA (issue 13): their settings, and L-BFGS's norms on the usual path
expect_error 1 'attack lbfgs: c_init 0 must be finite and > 0' -- "$advlab" attack --model "$m" \
    --attack lbfgs --c-init 0 --limit 5 --data "$data"
expect_error 1 'attack jsma: theta 1.5 is out of range (0, 1]' -- "$advlab" attack --model "$m" \
    --attack jsma --theta 1.5 --limit 5 --data "$data"
expect_error 1 'attack jsma: gamma 0 is out of range (0, 1]' -- "$advlab" attack --model "$m" \
    --attack jsma --gamma 0 --limit 5 --data "$data"
expect_error 2 'attack jsma: key "c_init" does not apply' -- "$advlab" attack --model "$m" \
    --attack jsma --c-init 1 --limit 5 --data "$data"
expect_ok "$advlab" attack --model "$m" --attack lbfgs --target next --max-iter 20 \
    --binary-search-steps 3 --limit 4 --data "$data" --json
checks=$((checks + 1))
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); a=r['results'][0]; \
assert r['attack'].endswith('targeted') and a['success_rate'] > 0 and a['mean_l2'] > 0, r" "$work/out" ||
    fail "attack lbfgs --target next reached no target or reported no L2: $(cat "$work/out")"
expect_ok "$advlab" attack --model "$m" --attack jsma --gamma 0.2 --limit 4 --data "$data" --json
checks=$((checks + 1))
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); a=r['results'][0]; \
assert 'random targets' in r['attack'] and 0 < a['mean_l0'] <= int(0.2 * 784), r" "$work/out" ||
    fail "attack jsma --gamma 0.2 changed no pixel or more than its budget: $(cat "$work/out")"
# ---- black-box attacks: budgets, queries per image, no gradients
expect_error 1 'max_queries 0 must be >= 1' -- "$advlab" attack --model "$m" --method hopskipjump \
    --max-queries 0 --limit 5 --data "$data"
expect_error 1 '--method is another name for --attack' -- "$advlab" attack --model "$m" \
    --attack fgsm --method square --limit 5 --data "$data"
expect_ok "$advlab" attack --model "$m" --method boundary --max-queries 50 --limit 8 --data "$data" --json
checks=$((checks + 1))
grep -q '"backward_images":0,"queries_mean":[0-9.]*,"queries_median":[0-9.]*,"queries_max":\([1-4][0-9]\|50\|[0-9]\),"query_budget":50' \
    "$work/out" || fail "attack --method boundary: no queries within the budget or a gradient: $(cat "$work/out")"
expect_ok "$advlab" predict --model "$m" --data "$data" --limit 3 --inputs-out "$work/x3.bin" \
    --probs-out "$work/p3.bin" --postprocess class_labels
checks=$((checks + 1))
python3 -c "import struct,sys; p=struct.unpack('30f', open(sys.argv[1],'rb').read()); \
assert all(v in (0.0, 1.0) for v in p) and sum(p) == 3" "$work/p3.bin" ||
    fail "predict --postprocess class_labels did not write one-hot rows"
expect_ok "$advlab" detect --model "$m" --detector squeeze --attack fgsm --eps 0.3 --limit 200 --data "$data" --json
checks=$((checks + 1))
grep -q '"detection_rate":' "$work/out" || fail "detect --json lacks detection_rate: $(cat "$work/out")"
expect_ok "$advlab" detect --model "$m" --detector binary:epochs=1 --attack fgsm --eps 0.3 --limit 200 --data "$data" --json
checks=$((checks + 1))
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); \
assert r['detector'] == 'binary' and r['detection_rate'] > r['false_positive_rate'] + 0.3, r" "$work/out" ||
    fail "the binary detector does not separate FGSM images from clean ones: $(cat "$work/out")"
# A training set smaller than the detector's 5000 pairs: it uses what there is.
mkdir "$work/small"
python3 - "$data" "$work/small" <<'PY'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
for kind, head, size in (("images-idx3", 16, 784), ("labels-idx1", 8, 1)):
    blob = open(f"{src}/train-{kind}-ubyte", "rb").read()
    out = blob[:4] + struct.pack(">I", 300) + blob[8:head] + blob[head:head + 300 * size]
    open(f"{dst}/train-{kind}-ubyte", "wb").write(out)
PY
cp "$data/t10k-images-idx3-ubyte" "$data/t10k-labels-idx1-ubyte" "$work/small/"
expect_ok "$advlab" detect --model "$m" --detector binary:epochs=1 --attack fgsm --eps 0.3 --limit 50 --data "$work/small"
expect_ok "$advlab" detect --model "$m" --detector squeeze --attack fgsm --eps 0.3 --limit 50 --data "$work/small"
expect_error 2 'detector "magic" is unknown; known: squeeze, binary' -- "$advlab" detect --model "$m" --detector magic --data "$data"
expect_error 2 'unknown key "foo"' -- "$advlab" attack --model "$m" --defence median:foo=1 --limit 5 --data "$data"
expect_ok "$advlab" defend --model "$m" --limit 512 --epochs 1 --eps 0.2 --ratio 0.5 --out "$work/d.safetensors" \
    --data "$data"
checks=$((checks + 1))
head -c 1500 "$work/d.safetensors" | grep -aq '"defence":"adversarial fgsm' ||
    fail "defend's weights do not record the defence"
expect_ok "$advlab" experiment --train-limit 3000 --test-limit 300 --epochs 2 --adv-epochs 2 --pgd-limit 100 \
    --pgd-iter 10 --pgd-eps-step 0.05 --data "$data" --json --save-dir "$work"
# The tutorial's story, natively: FGSM hurts, adversarial training recovers, and
# JPEG fools the naive attack but not the adaptive one.
checks=$((checks + 1))
python3 - "$work/out" <<'PY' || fail "the experiment's measurements do not tell the tutorial's story"
import json, sys
v = {m["name"]: m["value"] for m in json.load(open(sys.argv[1]))["measurements"]}
problems = [what for what, ok in [
    ("clean accuracy above 0.85", v["clean_standard"] > 0.85),
    ("FGSM drops the standard model by 0.2", v["fgsm_standard"] < v["clean_standard"] - 0.2),
    ("fresh FGSM hurts the defended model less", v["fgsm_defended"] > v["fgsm_standard"]),
    ("the defended model recovers on the old images", v["transfer_defended"] > v["fgsm_standard"] + 0.2),
    ("the naive attack through JPEG is masked", v["jpeg_pgd_naive"] > v["jpeg_pgd_bpda"] + 0.3),
] if not ok]
if problems:
    sys.exit(f"{problems}: {v}")
PY
checks=$((checks + 1))
for name in clean_standard fgsm_standard transfer_defended fgsm_defended pgd_standard pgd_defended \
    clean_defended squeeze_pgd_naive squeeze_pgd_bpda jpeg_pgd_plain detector; do
    grep -q "\"name\":\"$name\"" "$work/out" || fail "experiment --json lacks $name"
done
checks=$((checks + 1))
[ -s "$work/standard.safetensors" ] && [ -s "$work/defended.safetensors" ] || fail "experiment --save-dir saved no models"

# ---- poisoning (issue 15): bad input first, then the loop on a subset
# Grey PNGs made here: a 28x28 trigger (a 3x3 light square near the corner) and a 20x28 one.
python3 - "$work" <<'PY'
import struct, sys, zlib
def png(path, w, h, light):
    rows = b"".join(b"\0" + bytes(255 if (x, y) in light else 0 for x in range(w)) for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
square = {(x, y) for x in range(22, 25) for y in range(22, 25)}
png(sys.argv[1] + "/trigger.png", 28, 28, square)
png(sys.argv[1] + "/trigger-20x28.png", 20, 28, square & {(x, y) for x in range(20) for y in range(28)})
PY
expect_error 1 'poison pattern: fraction 1.5 is out of range 0..1' -- \
    "$advlab" poison --fraction 1.5 --data "$data" --out "$work/p"
expect_error 2 '--fraction: poison pattern: fraction "nan" is not a number' -- \
    "$advlab" poison --fraction nan --out "$work/p"
expect_error 1 'poison pattern: target 10 is out of range -1..9' -- \
    "$advlab" poison --target 10 --data "$data" --out "$work/p"
expect_error 2 '--source: poison pattern: source "ten" is not a number' -- \
    "$advlab" poison --source ten --out "$work/p"
expect_error 1 'trigger-20x28.png is 20x28 pixels, a trigger is 28x28' -- \
    "$advlab" poison --trigger "$work/trigger-20x28.png" --data "$data" --out "$work/p"
expect_error 1 'not-an-image.txt is not a PNG image' -- \
    "$advlab" poison --trigger "$images/not-an-image.txt" --data "$data" --out "$work/p"
expect_error 1 'a clean-label backdoor needs a fixed target class' -- \
    "$advlab" poison --clean-label 1 --model "$standard" --data "$data" --out "$work/p"
expect_ok "$advlab" poison --trigger "$work/trigger.png" --source 3 --target 8 --fraction 0.5 \
    --data "$data" --out "$work/p" --json
checks=$((checks + 1))
python3 - "$work/out" "$work/p/poisoned-rows.txt" <<'PY' || fail "poison's report or rows file is wrong"
import json, sys
r = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().split("\n")
rows = [int(x) for x in lines[lines.index("rows %d" % r["poisoned"]) + 1:] if x]
mask = [l for l in lines if l.startswith("mask ")][0][5:]
assert r["trigger"] == "mask" and r["poisoned_by_label"][8] == r["poisoned"] > 0, r
assert len(rows) == r["poisoned"] and rows == sorted(set(rows)), "rows"
assert mask.count("1") == 9 and mask[22 * 28 + 22] == "1", "mask"
PY
# train --data works on the poisoned set.
expect_ok "$advlab" train --data "$work/p" --limit 500 --epochs 1 --out "$work/poisoned.safetensors"
# cleanse reads the rows file poison wrote (its settings, the mask, the rows) and measures.
expect_ok "$advlab" cleanse --model "$work/poisoned.safetensors" --data "$work/p" --defence spectral --json
checks=$((checks + 1))
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["recall"]>=0 and "poisoned" in r["measurements"], r' \
    "$work/out" || fail "cleanse --json with the rows file: $(cat "$work/out")"
# A rows file that does not match the data.
{ echo "count 100"; echo "trigger pattern"; echo "rows 1"; echo 5; } >"$work/short.txt"
expect_error 1 'short.txt: written for 100 rows, but the data has 60000' -- \
    "$advlab" cleanse --model "$standard" --data "$work/p" --rows "$work/short.txt"
{ echo "count 60000"; echo "rows 2"; echo 9; echo 3; } >"$work/order.txt"
expect_error 1 'order.txt: rows must ascend, but 3 follows 9' -- \
    "$advlab" cleanse --model "$standard" --data "$work/p" --rows "$work/order.txt"
{ echo "count 60000"; echo "rows 1"; echo 60000; } >"$work/outside.txt"
expect_error 1 'outside.txt: row 60000 is not a row of the data' -- \
    "$advlab" cleanse --model "$standard" --data "$work/p" --rows "$work/outside.txt"
expect_error 2 '--defence: cleanse "median" is unknown; known: ac, spectral' -- \
    "$advlab" cleanse --model "$standard" --data "$work/p" --defence median
# The whole loop on 3000 rows: the report has every part.
expect_ok "$advlab" experiment --threat poison --source 0 --fraction 0.2 --limit 3000 --epochs 2 \
    --data "$data" --json
checks=$((checks + 1))
python3 - "$work/out" <<'PY' || fail "experiment --threat poison's report lacks a part"
import json, sys
r = json.load(open(sys.argv[1]))
c = r["cleanse"]
assert r["rows"] == 3000 and r["poison"]["poisoned"] > 0 and "clean_accuracy" in r["clean_model"], r
assert c["defence"] == "ac" and 0 <= c["recall"] <= 1 and len(c["classes"]) == 10, c
assert set(c["measurements"]) == {"poisoned", "retrained"}, c["measurements"]
PY
expect_ok "$advlab" strip --model "$standard" --image "$images/seven-rgba.png" --json --data "$data"
checks=$((checks + 1))
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [i["prediction"] for i in r["images"]]==[7], r' \
    "$work/out" || fail "strip --image: $(cat "$work/out")"
expect_ok "$advlab" strip --model "$standard" --limit 5 --trigger pattern --json --data "$data"
checks=$((checks + 1))
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r["images"])==5 and r["threshold"]>0, r' \
    "$work/out" || fail "strip --json: $(cat "$work/out")"
# ---- certify (issue 17): verified accuracy, radii, their JSON, and bad input
expect_ok "$advlab" certify --help
grep -q -- '--sigma X .*\[smoothing\] (default 0.25)$' "$work/out" || fail "certify --help lacks --sigma's default 0.25"
expect_ok "$advlab" train --help
grep -q -- '--certify X .*(default none)$' "$work/out" || fail "train --help lacks --certify's default none"
expect_error 1 'certify: --model FILE is required' -- "$advlab" certify
expect_error 1 'certify ibp: eps -0.1 is out of range 0..100' -- "$advlab" certify --model "$standard" --eps -0.1 --data "$data"
expect_error 2 '--eps: certify ibp: eps "nan" is not a number' -- "$advlab" certify --model "$standard" --eps nan
expect_error 1 'certify smoothing: sigma 0 is out of range' -- "$advlab" certify --model "$standard" --method smoothing --sigma 0 --data "$data"
expect_error 1 'n0 200 is larger than n 100' -- "$advlab" certify --model "$standard" --method smoothing --n0 200 --n 100 --data "$data"
expect_error 1 'certify "zonotope" is unknown; known: ibp, crown, smoothing' -- "$advlab" certify --model "$standard" --method zonotope --data "$data"
expect_error 2 '--sigma: certify ibp: key "sigma" does not apply' -- "$advlab" certify --model "$standard" --sigma 0.5
for method in ibp crown smoothing; do
    samples=""
    [ "$method" = smoothing ] && samples="--n 100 --n0 20"
    # shellcheck disable=SC2086 # $samples is two flags or none
    expect_ok "$advlab" certify --model "$pgd" --method "$method" --limit 12 $samples --data "$data" --json
    checks=$((checks + 1))
    python3 - "$work/out" "$method" <<'PY' || fail "certify --method $method --json is not sound"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["method"] == sys.argv[2] and r["images"] == 12, r
assert 0 <= r["verified_accuracy"] <= r["clean_accuracy"] <= 1, r
radii = [c[3] for c in r["certificates"]]
assert len(radii) == 12 and all(x >= 0 for x in radii), radii
curve = [a for _, a in r["radius"]["curve"]]
assert all(a >= b for a, b in zip(curve, curve[1:])), curve
PY
done
expect_ok "$advlab" certify --model "$pgd" --method crown --limit 8 --radius 0 --data "$data"
grep -q 'verified accuracy at Linf eps 0.1' "$work/out" || fail "certify prints no verified accuracy: $(cat "$work/out")"
grep -q 'certified radius' "$work/out" && fail "certify --radius 0 still prints radii"
expect_ok "$advlab" train --certify ibp --eps 0.1 --warmup 0 --ramp 0.5 --limit 256 --epochs 1 --seed 3 --data "$data" --out "$work/ibp.safetensors"
expect_ok "$advlab" certify --model "$work/ibp.safetensors" --limit 20 --data "$data"
grep -q 'clean accuracy' "$work/out" || fail "certify of an IBP-trained model printed nothing"
checks=$((checks + 1))
strings "$work/ibp.safetensors" | grep -q 'ibp eps=0.1 warmup=0 ramp=0.5 kappa=0.5' || fail "the IBP-trained weights do not record their defence"
expect_ok "$advlab" train --certify noise --sigma 0.25 --limit 256 --epochs 1 --seed 3 --data "$data" --out "$work/noise.safetensors"
checks=$((checks + 1))
strings "$work/noise.safetensors" | grep -q 'gaussian noise sigma=0.25' || fail "the noise-trained weights do not record their defence"
expect_error 1 'certified training: eps 2 is out of range' -- "$advlab" train --certify ibp --eps 2 --limit 64 --epochs 1 --data "$data" --out "$work/x"
# CROWN-IBP on a net with conv stride and padding: it trains, records its schedule, and certifies
expect_ok "$advlab" train --arch c4k4s2p1-p2-d16-d10 --certify crown-ibp --eps 0.1 --warmup 0 --ramp 1 --limit 128 --epochs 1 --seed 3 --data "$data" --out "$work/crown-ibp.safetensors"
checks=$((checks + 1))
strings "$work/crown-ibp.safetensors" | grep -q 'crown-ibp eps=0.1 warmup=0 ramp=1 kappa=0.5 beta=1->0' || fail "the CROWN-IBP-trained weights do not record their defence"
expect_ok "$advlab" certify --model "$work/crown-ibp.safetensors" --method crown --limit 10 --data "$data"
grep -q 'clean accuracy' "$work/out" || fail "certify of a strided, padded model printed nothing"
expect_error 1 'layer "c4k4s0" has stride 0 (must be >= 1)' -- "$advlab" train --arch c4k4s0-d10 --limit 64 --epochs 1 --data "$data" --out "$work/x"
expect_error 1 'layer "c4k3p3" pads 3, not less than its kernel size 3' -- "$advlab" train --arch c4k3p3-d10 --limit 64 --epochs 1 --data "$data" --out "$work/x"

# ---- extraction and inference (issue 16)
expect_error 1 'queries 0 is out of range' -- "$advlab" extract --victim "$standard" --queries 0 --data "$data"
expect_error 1 'queries 70000 is more than the thief set' -- "$advlab" extract --victim "$standard" --queries 70000 --data "$data"
expect_error 1 'extraction "steal" is unknown; known: copycat, knockoff' -- "$advlab" extract --victim "$standard" --method steal --data "$data"
expect_error 1 'unknown --thief cifar (expected mnist, fashion or noise)' -- "$advlab" extract --victim "$standard" --thief cifar --data "$data"
expect_error 2 'lr "nan" is not a number' -- "$advlab" extract --victim "$standard" --lr nan
expect_error 1 'adaptive sampling needs a labelled thief set' -- "$advlab" extract --victim "$standard" --thief noise --method knockoff --sampling adaptive --data "$data"
expect_error 1 'extract: --victim FILE is required' -- "$advlab" extract
expect_error 1 'membership inference "shadow" is unknown' -- "$advlab" infer --model "$standard" --method shadow
expect_error 1 'members 20000 is more than the 10000 non-members' -- "$advlab" infer --model "$standard" --members 20000 --data "$data"
expect_error 2 'members "nan" is not a number' -- "$advlab" infer --model "$standard" --members nan
expect_error 1 'invert: --model FILE and --out FILE.png are required' -- "$advlab" invert --model "$standard"
expect_ok "$advlab" extract --victim "$standard" --queries 256 --epochs 1 --limit 100 --data "$data" --json
checks=$((checks + 1))
python3 - "$work/out" <<'PY' || fail "extract --json is not sound"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["queries"] == 256 and r["images"] == 100 and r["method"] == "copycat", r
assert all(0 <= r[k] <= 1 for k in ("victim_accuracy", "thief_accuracy", "fidelity", "transfer_rate", "whitebox_rate")), r
PY
expect_ok "$advlab" extract --victim "$standard" --postprocess class_labels --thief noise --queries 64 --epochs 1 --limit 50 --data "$data"
grep -q 'behind class_labels' "$work/out" || fail "extract does not name its post-processor: $(cat "$work/out")"
expect_ok "$advlab" infer --model "$standard" --method label-only --members 20 --data "$data" --json
checks=$((checks + 1))
python3 - "$work/out" <<'PY' || fail "infer --json is not sound"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["method"] == "label_only" and r["members"] == 10 and r["nonmembers"] == 10, r
assert abs(r["advantage"] - (r["tpr"] - r["fpr"])) < 1e-12 and 0 <= r["auc"] <= 1, r
PY
expect_ok "$advlab" invert --model "$standard" --out "$work/inverted.png" --max-iter 5 --data "$data"
checks=$((checks + 1))
[ "$(head -c 4 "$work/inverted.png" | tail -c 3)" = PNG ] || fail "invert wrote no PNG"

# ---- sweeps (issue 18): bad specs, a range without drift, CSV, --from and --checkpoint
expect_error 1 'sweep spec: vary eps: the value list is empty' -- "$advlab" sweep --vary eps= --measure train --data "$data"
expect_error 1 'sweep spec: vary eps: values[1] "abc" is not a number' -- "$advlab" sweep --vary eps=0,abc --measure train --data "$data"
expect_error 1 'sweep spec: vary eps: values[0] "nan" is not a number' -- "$advlab" sweep --vary eps=nan --measure train --data "$data"
expect_error 1 'values[1]: experiment: eps 2 is out of range 0..1' -- "$advlab" sweep --vary eps=0,2 --measure train --data "$data"
expect_error 1 'vary: unknown setting "epz"' -- "$advlab" sweep --vary epz=0 --measure train --data "$data"
expect_error 1 'measure[0] "fgsm" is not a measurement of the experiment' -- "$advlab" sweep --vary eps=0 --measure fgsm --data "$data"
expect_error 1 'is over the cap of 4096 cells' -- "$advlab" sweep --vary eps=0:0.3:0.01 --vary ratio=0:1:0.01 --seeds 1,2 --measure train --data "$data"
expect_error 1 'is over the cap of 1e+10 (ADVLAB_SWEEP_MAX_WORK' -- "$advlab" sweep --vary eps=0:0.3:0.01 --vary ratio=0:1:0.1 --seeds 1,2,3,4,5,6,7,8,9,10,11 --measure fgsm_defended --data "$data"
expect_error 1 'vary eps: range [0, 1, 0.0001] has 10001 values, over the cap of 4096 cells' -- "$advlab" sweep --vary eps=0:1:0.0001 --measure train --data "$data"
expect_error 1 'vary eps: range [0.3, 0, 0.1] needs step > 0 and stop >= start' -- "$advlab" sweep --vary eps=0.3:0:0.1 --measure train --data "$data"
expect_error 2 '"0:x:1" is not a range START:STOP:STEP' -- "$advlab" sweep --vary eps=0:x:1 --measure train --data "$data"
expect_error 2 'sweep: --measure NAME,... is required' -- "$advlab" sweep --vary eps=0 --data "$data"
expect_error 2 'give --seeds or --seed, not both' -- "$advlab" sweep --vary eps=0 --seed 1 --seeds 2 --measure train --data "$data"
expect_error 2 'experiment: unknown key "frobnicate"' -- "$advlab" sweep --vary eps=0 --frobnicate 1 --measure train --data "$data"
small_sweep="--train-limit 1000 --test-limit 100 --epochs 1 --batch 32"
# 0:0.3:0.05 is seven values: (0.3 - 0) / 0.05 is 5.999..., and 3 * 0.05 is 0.15000000000000002.
expect_ok "$advlab" sweep --vary eps=0:0.3:0.05 --measure clean_standard $small_sweep --data "$data" --json
checks=$((checks + 1))
grep -qF '"vary":[{"key":"eps","values":[0,0.05,0.1,0.15,0.2,0.25,0.3]}]' "$work/out" ||
    fail "sweep range 0:0.3:0.05: $(head -c 600 "$work/out")"
expect_ok "$advlab" sweep --vary eps=0.1,0.3 --seeds 1,2 --measure fgsm_standard,clean_standard $small_sweep \
    --data "$data" --json --csv "$work/sweep.csv"
cp "$work/out" "$work/sweep.json"
checks=$((checks + 1))
python3 - "$work/sweep.json" "$work/sweep.csv" <<'PY' || fail "sweep --json and --csv disagree"
import csv, json, statistics, sys
r = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert r["format"] == "advlab-sweep" and len(r["cells"]) == 4 and len(rows) == 4, r
for cell, row in zip(r["cells"], rows):
    assert int(row["cell"]) == cell["cell"] and float(row["eps"]) == cell["settings"]["eps"], (cell, row)
    assert int(row["seed"]) == cell["seed"] and float(row["fgsm_standard"]) == cell["values"]["fgsm_standard"]
for p in r["points"]:
    v = [c["values"]["fgsm_standard"] for c in r["cells"] if c["settings"] == p["settings"]]
    assert abs(p["mean"]["fgsm_standard"] - statistics.mean(v)) < 1e-15, (p, v)
    assert abs(p["std"]["fgsm_standard"] - statistics.stdev(v)) < 1e-15, (p, v)
assert r["cells"][0]["values"]["fgsm_standard"] < r["cells"][0]["values"]["clean_standard"], r["cells"][0]
PY
# The results reproduce: --from runs the sweep again with the same numbers, and
# a checkpoint of two finished cells is taken up and completed identically.
strip_timings='s/,"timings":.*//'
expect_ok "$advlab" sweep --from "$work/sweep.json" --data "$data" --json
checks=$((checks + 1))
[ "$(sed "$strip_timings" "$work/out")" = "$(sed "$strip_timings" "$work/sweep.json")" ] ||
    fail "sweep --from gives other numbers: $(head -c 400 "$work/out")"
python3 - "$work/sweep.json" "$work/half.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["cells"], r["points"], r["timings"]["cells"] = r["cells"][:2], [], r["timings"]["cells"][:2]
json.dump(r, open(sys.argv[2], "w"))
PY
expect_ok "$advlab" sweep --from "$work/sweep.json" --checkpoint "$work/half.json" --data "$data" --json
checks=$((checks + 1))
[ "$(grep -c '^cell ' "$work/err")" -eq 2 ] || fail "the checkpoint's cells ran again: $(cat "$work/err")"
[ "$(sed "$strip_timings" "$work/out")" = "$(sed "$strip_timings" "$work/sweep.json")" ] ||
    fail "a sweep resumed from a checkpoint differs: $(head -c 400 "$work/out")"
expect_error 1 'sweep checkpoint: it is of another sweep' -- "$advlab" sweep --vary eps=0.1,0.2 --seeds 1,2 \
    --measure fgsm_standard,clean_standard $small_sweep --checkpoint "$work/half.json" --data "$data"
echo '{"format":"advlab-sweep",' >"$work/broken.json"
expect_error 1 'sweep checkpoint: unexpected end of JSON' -- "$advlab" sweep --from "$work/sweep.json" \
    --checkpoint "$work/broken.json" --data "$data"
expect_error 2 '--from takes the whole sweep from' -- "$advlab" sweep --from "$work/sweep.json" --epochs 2 --data "$data"
# The attack family: choices by name in the spec, the CSV and the JSON; --from reproduces it;
# a family's errors name the family, the setting or the choice.
expect_error 1 'sweep spec: family "steel" is unknown (families: experiment, attack, poison, steal)' -- "$advlab" sweep \
    --family steel --vary eps=0 --measure train --data "$data"
expect_error 2 'attack sweep: unknown key "ratio"' -- "$advlab" sweep --family attack --ratio 0.5 \
    --vary eps=0 --measure clean_accuracy --data "$data"
expect_error 1 'vary: unknown setting "attack" (settings: train_limit' -- "$advlab" sweep --vary attack=fgsm \
    --measure train --data "$data"
expect_error 2 'sweep: --attack belongs to --family attack' -- "$advlab" sweep --attack pgd --vary eps=0 \
    --measure train --data "$data"
expect_error 1 'vary attack: values[1]: attack sweep: attack "pgdd" is not one of fgsm, bim, pgd' -- \
    "$advlab" sweep --family attack --vary attack=fgsm,pgdd --measure clean_accuracy --data "$data"
expect_error 1 'measure[0] "fgsm_standard" is not a measurement of the attack family' -- "$advlab" sweep \
    --family attack --vary eps=0.1 --measure fgsm_standard --data "$data"
expect_error 1 "cell 1 ({\"eps\":0.05}): attack pgd: eps_step 0.1 is larger than eps 0.05" -- "$advlab" sweep \
    --family attack --attack pgd --vary eps=0.3,0.05 --measure robust_accuracy --data "$data"
expect_ok "$advlab" sweep --family attack --vary attack=fgsm,pgd --vary defence=none,median --window 3 \
    --max-iter 3 --eps-step 0.05 --measure clean_accuracy,robust_accuracy,success_rate $small_sweep \
    --data "$data" --json --csv "$work/attack.csv"
cp "$work/out" "$work/attack.json"
checks=$((checks + 1))
python3 - "$work/attack.json" "$work/attack.csv" <<'PY' || fail "attack sweep --json and --csv disagree"
import csv, json, sys
r = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert r["spec"]["family"] == "attack" and r["spec"]["settings"]["norm"] == "inf", r["spec"]
assert [(row["attack"], row["defence"]) for row in rows] == [
    ("fgsm", "none"), ("fgsm", "median"), ("pgd", "none"), ("pgd", "median")], rows
for cell, row in zip(r["cells"], rows):
    assert cell["settings"] == {"attack": row["attack"], "defence": row["defence"]}, (cell, row)
    assert float(row["robust_accuracy"]) == cell["values"]["robust_accuracy"], (cell, row)
# clean accuracy is the model's (with its defence), whatever the attack
assert r["cells"][0]["values"]["clean_accuracy"] == r["cells"][2]["values"]["clean_accuracy"]
assert r["cells"][0]["values"]["robust_accuracy"] < r["cells"][0]["values"]["clean_accuracy"]
PY
expect_ok "$advlab" sweep --from "$work/attack.json" --data "$data" --json
checks=$((checks + 1))
[ "$(sed "$strip_timings" "$work/out")" = "$(sed "$strip_timings" "$work/attack.json")" ] ||
    fail "attack sweep --from gives other numbers: $(head -c 400 "$work/out")"
# The poison family: the backdoor's fraction varied, its trigger by name.
expect_error 2 'sweep: --trigger belongs to --family poison' -- "$advlab" sweep --trigger pixel \
    --vary eps=0 --measure train --data "$data"
expect_error 1 'measure[0] "robust_accuracy" is not a measurement of the poison family' -- "$advlab" \
    sweep --family poison --vary fraction=0.1 --measure robust_accuracy --data "$data"
expect_ok "$advlab" sweep --family poison --trigger pixel --vary fraction=0,0.2 \
    --measure clean_accuracy,attack_success $small_sweep --data "$data" --json
checks=$((checks + 1))
python3 - "$work/out" <<'PY' || fail "poison sweep --json: $(head -c 400 "$work/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["spec"]["family"] == "poison" and r["spec"]["settings"]["trigger"] == "pixel", r["spec"]
assert [c["settings"]["fraction"] for c in r["cells"]] == [0, 0.2], r["cells"]
v = [c["values"] for c in r["cells"]]
assert all(0 <= x["clean_accuracy"] <= 1 and 0 <= x["attack_success"] <= 1 for x in v), v
PY
# The steal family: the query budget varied, the method by name; a budget past the thief images
# (the training rows after train_limit) is refused.
expect_error 1 'budget 59001 is more than the 59000 thief images' -- "$advlab" sweep --family steal \
    --method knockoff --vary budget=100,59001 --measure fidelity $small_sweep --data "$data"
expect_ok "$advlab" sweep --family steal --method knockoff --vary budget=64,128 --thief-epochs 1 \
    --measure thief_accuracy,fidelity $small_sweep --data "$data" --json
checks=$((checks + 1))
python3 - "$work/out" <<'PY' || fail "steal sweep --json: $(head -c 400 "$work/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["spec"]["family"] == "steal" and r["spec"]["settings"]["method"] == "knockoff", r["spec"]
assert [c["settings"]["budget"] for c in r["cells"]] == [64, 128], r["cells"]
v = [c["values"] for c in r["cells"]]
assert all(0 <= x["thief_accuracy"] <= 1 and 0 < x["fidelity"] <= 1 for x in v), v
PY

# ---- the universal perturbation (issue 13): one v in the ball, its held-out count, a PNG;
# bad settings named
expect_ok "$advlab" universal --model "$standard" --data "$data" --fit 20 --max-iter 1 --limit 50 \
    --attacker-max-iter 10 --out "$work/universal.png" --json
checks=$((checks + 1))
python3 - "$work/out" <<'PY' || fail "universal --json: $(head -c 300 "$work/out")"
import json, sys
r = json.load(open(sys.argv[1]))
v = r["perturbation"]
assert len(v) == 784 and max(abs(p) for p in v) <= 0.3 + 1e-7 and any(v), max(map(abs, v))
assert r["fit"]["n"] == 20 and r["fit"]["passes"] == 1, r["fit"]
assert r["held_out"]["n"] == 50 and r["held_out"]["fooling_rate"] == r["held_out"]["fooled"] / 50
PY
[ -s "$work/universal.png" ] || fail "universal --out wrote no PNG"
for bad in "1 --eps 0:eps 0 must be finite and > 0" "2 --eps nan:eps \"nan\" is not a number" \
    "1 --delta 1:delta 1 is out of range [0, 1)" "1 --max-iter 0:max_iter 0 must be >= 1" \
    "1 --norm 1:norm 1 is not inf or 2" "1 --fit 0:fit 0 must be >= 1" \
    "2 --attacker pgd:attacker \"pgd\" is not one of deepfool"; do
    setting=${bad%%:*}
    expect_error "${setting%% *}" "${bad#*:}" -- "$advlab" universal --model "$standard" \
        --data "$data" --fit 5 --limit 5 ${setting#* }
done

echo "test_cli: $checks checks, $failures failed"
[ "$failures" -eq 0 ] && [ "$checks" -gt 0 ]
