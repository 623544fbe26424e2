# shellcheck shell=sh disable=SC2034 # the parts use what is set here
# Sourced by each part of the CLI test (tests/cli/*.sh): the checks' helpers,
# a temporary directory, and the shipped files the parts share. Each part runs
# as its own ctest test, so the parts run one per core.
# usage: PART.sh path/to/advlab path/to/data/mnist
set -u
advlab=$1
data=$2
tests=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0
images=$tests/fuzz/corpus/image_file
standard=$tests/../data/weights/standard.safetensors
pgd=$tests/../data/weights/pgd.safetensors

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect_error STATUS NEEDLE -- command...: exit status and a stderr substring.
expect_error() {
    want_status=$1 needle=$2
    shift 3
    checks=$((checks + 1))
    "$@" >"$work/out" 2>"$work/err"
    status=$?
    if [ "$status" -ne "$want_status" ]; then
        fail "'$*' exited $status, expected $want_status; stderr: $(cat "$work/err")"
    elif ! grep -qF -- "$needle" "$work/err"; then
        fail "'$*' stderr lacks \"$needle\": $(cat "$work/err")"
    fi
}

expect_ok() {
    checks=$((checks + 1))
    if ! "$@" >"$work/out" 2>"$work/err"; then
        fail "'$*' failed: $(cat "$work/err")"
    fi
}

# train_small_model: a short real run into $work/m.safetensors, checked, for the
# parts that attack or evaluate a model of their own.
train_small_model() {
    expect_ok "$advlab" train --limit 512 --epochs 1 --seed 3 --data "$data" --out "$work/m.safetensors" --json
    checks=$((checks + 1))
    grep -q '"test_accuracy":0\.[0-9]' "$work/out" || fail "train --json lacks test_accuracy: $(cat "$work/out")"
}

# finish: the part's tally; a part that checked nothing fails.
finish() {
    echo "$(basename "$0" .sh): $checks checks, $failures failed"
    [ "$failures" -eq 0 ] && [ "$checks" -gt 0 ]
}
