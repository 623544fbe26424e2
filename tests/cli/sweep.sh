#!/bin/sh
# Sweeps (issue 18): bad specs, a range without drift, CSV, --from, --checkpoint and the families.
# usage: sweep.sh path/to/advlab path/to/data/mnist
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
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

finish
