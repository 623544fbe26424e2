#!/bin/sh
# PyTorch as the oracle for APGD's losses and one step (tests/torch_apgd.py
# says what is checked), on the shipped standard model.
# usage: test_torch_apgd.sh path/to/apgd_oracle MODEL MNIST_DIR path/to/torch_apgd.py
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$1" "$2" "$3" "$work"
/usr/bin/python3 "$4" "$2" "$work"
