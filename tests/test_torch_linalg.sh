#!/bin/sh
# PyTorch (torch.linalg) as an oracle for the poisoning defences' linear
# algebra on random matrices (tests/torch_linalg.py says what is checked).
# usage: test_torch_linalg.sh path/to/linalg_oracle path/to/torch_linalg.py
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$1" "$work"
/usr/bin/python3 "$2" "$work"
