#!/bin/sh
# Poisoning (issue 15): bad input first, then poison, train, cleanse, the loop and STRIP.
# usage: poison.sh path/to/advlab path/to/data/mnist
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
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

finish
