#!/bin/sh
# Attacks, defences, detectors, the tutorial experiment, L-BFGS and JSMA, the black-box
# attacks and the universal perturbation, end to end on real MNIST.
# usage: evasion.sh path/to/advlab path/to/data/mnist
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
train_small_model
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

# ---- evaluate: bad settings, and a long evaluation cut into parts with --first
expect_error 2 'suite "bogus" is not one of' -- "$advlab" evaluate --model "$pgd" --suite bogus --data "$data"
expect_error 1 'eps -1 must be finite' -- "$advlab" evaluate --model "$pgd" --eps -1 --data "$data"
expect_error 1 'first -1 must be >= 0' -- "$advlab" evaluate --model "$pgd" --first -1 --data "$data"
expect_error 1 '--first 10000 is past the last of the 10000' -- "$advlab" evaluate --model "$pgd" \
    --first 10000 --data "$data"
# robust_accuracy * n of a JSON report in $work/out
robust_count() { sed -n 's/.*"n":\([0-9]*\),.*"robust_accuracy":\([0-9.e-]*\),.*/\1 \2/p' "$work/out" |
    awk '{ printf "%d", $1 * $2 + 0.5 }'; }
quick="--model $pgd --suite quick --eps 0.3 --checks 0 --data $data --json"
# shellcheck disable=SC2086 # $quick is the flags
expect_ok "$advlab" evaluate $quick --limit 24
whole=$(robust_count)
# shellcheck disable=SC2086
expect_ok "$advlab" evaluate $quick --limit 10
head=$(robust_count)
# shellcheck disable=SC2086
expect_ok "$advlab" evaluate $quick --first 10 --limit 14
tail=$(robust_count)
checks=$((checks + 1))
grep -q '"first":10,' "$work/out" || fail "evaluate --first 10 --json lacks first 10: $(cat "$work/out")"
checks=$((checks + 1))
[ -n "$whole" ] && [ "$whole" -gt 0 ] && [ "$whole" -lt 24 ] && [ "$((head + tail))" -eq "$whole" ] ||
    fail "evaluate: images 0-9 ($head robust) and 10-23 ($tail) do not add up to 0-23 ($whole)"

finish
