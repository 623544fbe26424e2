#!/bin/sh
# SciPy (Debian python3-scipy) as a test-time oracle for randomized
# smoothing's statistics: beta and normal quantiles and the binomial test.
# usage: test_certify_scipy.sh path/to/test_certify path/to/certify_oracle.py
set -eu
test_certify=$1 script=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$script" >"$work/oracle.txt"
"$test_certify" --oracle "$work/oracle.txt"
