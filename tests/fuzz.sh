#!/bin/sh
# Runs the libFuzzer targets for a fixed number of inputs from a fixed seed,
# starting from valid files (a tiny IDX pair, a real safetensors file).
# usage: fuzz.sh BUILD_DIR DATA_DIR [RUNS]   (BUILD_DIR configured with -DADVLAB_FUZZ=ON)
set -eu
build=$1
data=$2
runs=${3:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/idx" "$work/weights"

# One 28x28 image labelled 7: a 2-byte little-endian image length (800), the
# image file, then the label file.
{
    printf '\040\003'
    printf '\000\000\010\003\000\000\000\001\000\000\000\034\000\000\000\034'
    head -c 784 /dev/zero | tr '\000' '\200'
    printf '\000\000\010\001\000\000\000\001\007'
} >"$work/idx/one-image"

"$build/advlab" train --limit 64 --epochs 1 --data "$data" --out "$work/weights/tutorial.safetensors" >/dev/null

for target in idx weights; do
    echo "fuzz_$target: $runs inputs"
    "$build/fuzz_$target" -seed=1 -runs="$runs" -max_len=65536 -print_final_stats=0 \
        "$work/$target" 2>"$work/log" || { tail -40 "$work/log" >&2; exit 1; }
    tail -1 "$work/log"
done
