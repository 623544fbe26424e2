#!/bin/sh
# PyTorch interop: weights written by advlab load unchanged into the
# equivalent torch.nn model (load_state_dict, strict) and give the same
# probabilities on real MNIST test images, and advlab's FGSM images are
# ART's definition computed by torch. The presets, and a spec with stride
# and padding in both conv layers.
# usage: test_torch.sh path/to/advlab path/to/data/mnist path/to/torch_interop.py
set -eu
advlab=$1 data=$2 script=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for arch in tutorial madry gowal-small c8k3s2p1-p2-c6k3p2-d10; do
    "$advlab" train --arch "$arch" --limit 256 --epochs 1 --batch 32 --seed 5 --data "$data" \
        --out "$work/$arch.safetensors" >/dev/null
    "$advlab" predict --model "$work/$arch.safetensors" --data "$data" --limit 64 \
        --inputs-out "$work/x.bin" --probs-out "$work/p.bin" >/dev/null
    "$advlab" attack --model "$work/$arch.safetensors" --data "$data" --limit 64 --attack fgsm --eps 0.2 \
        --out "$work/fgsm.idx" >/dev/null
    /usr/bin/python3 "$script" "$work/$arch.safetensors" "$work/x.bin" "$work/p.bin" "$work/fgsm.idx" 0.2
done
