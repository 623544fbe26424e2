#!/bin/sh
# The CLI's usage, help and bad parameters; a short training run, eval and predict on its
# weights and on images; provenance; Fashion-MNIST; gzip copies; malformed files.
# usage: basics.sh path/to/advlab path/to/data/mnist
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
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
train_small_model
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
# The robust preset: the page's "Train a robust model", overridable, refused with --arch or --trainer.
expect_error 2 '--preset: training preset "nope" is unknown; known: robust' -- "$advlab" train --preset nope --out x
expect_error 2 '--preset robust sets the arch and the trainer; drop --arch' -- "$advlab" train --preset robust --arch madry --out x
expect_error 2 '--preset robust sets the arch and the trainer; drop --trainer' -- "$advlab" train --preset robust --trainer fbf --out x
expect_ok "$advlab" train --preset robust --limit 128 --epochs 1 --ramp 1 --data "$data" --out "$work/preset.safetensors"
checks=$((checks + 1))
strings "$work/preset.safetensors" | grep -q '"arch":"c16k5-p2-c32k5-p2-d100-d10"' &&
    strings "$work/preset.safetensors" | grep -q 'pgd-ramp eps=0.3 eps_start=0 ramp=1 eps_step=0.107 max_iter=7' &&
    strings "$work/preset.safetensors" | grep -q 'seed=1234 samples=128 epochs=1/1 shards=8' ||
    fail "train --preset robust did not train the preset's arch and settings: $(strings "$work/preset.safetensors" | head -c 600)"
# Data-parallel training: --threads shares --shards out and keeps the bits.
expect_error 2 '--threads: "0" is not an integer in 1..64' -- "$advlab" train --threads 0 --out x
expect_error 2 '--threads: only advlab train shares its work among threads; evaluate runs on one' -- \
    "$advlab" evaluate --model "$standard" --threads 2 --data "$data"
expect_error 1 'train config: shards 3 is not a power of two' -- "$advlab" train --shards 3 --data "$data" --out x
expect_error 1 '--threads 2: 2 threads need at least as many shards, and the trainer has 1' -- "$advlab" train --threads 2 --data "$data" --out x
# the tensors of a safetensors file: what follows its header (whose metadata holds the command)
tensors() { tail -c +$(($(od -An -tu8 -N8 "$1") + 9)) "$1"; }
for threads in 1 2; do
    expect_ok "$advlab" train --trainer fbf --eps 0.1 --shards 4 --threads $threads --limit 256 --epochs 1 \
        --data "$data" --out "$work/threads$threads.safetensors"
done
checks=$((checks + 1))
tensors "$work/threads1.safetensors" >"$work/t1" && tensors "$work/threads2.safetensors" >"$work/t2" &&
    [ -s "$work/t1" ] && cmp -s "$work/t1" "$work/t2" || fail "train --threads 2 trained other weights than --threads 1"
expect_ok "$advlab" predict --model "$work/m.safetensors" --data "$data" --limit 7 \
    --inputs-out "$work/x.bin" --probs-out "$work/p.bin"
checks=$((checks + 1))
[ "$(wc -c <"$work/x.bin")" -eq $((7 * 784 * 4)) ] && [ "$(wc -c <"$work/p.bin")" -eq $((7 * 10 * 4)) ] ||
    fail "predict wrote files of the wrong size"
# predict --image: a seven as grey, 16-bit grey and RGBA PNGs (libspng) and
# as a JPEG (libjpeg-turbo), with the shipped standard model; then files that
# are not images, are too large, are damaged, or took stb_image out of bounds.
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
    echo "basics: $fashion not installed (apt-get install dataset-fashion-mnist); skipping it"
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

finish
