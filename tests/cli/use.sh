#!/bin/sh
# Extraction and inference (issue 16): bad settings, a theft, membership and inversion.
# usage: use.sh path/to/advlab path/to/data/mnist
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
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

finish
