#!/bin/sh
# Certification (issue 17): verified accuracy, radii, their JSON, certified training and bad input.
# usage: certify.sh path/to/advlab path/to/data/mnist
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
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

finish
