#!/bin/sh
# Runs every libFuzzer target: first it replays the seeds (and past crashers)
# in tests/fuzz/corpus/<target> of every target, each input once, then fuzzes
# each target for a fixed time from a fixed seed, starting from those seeds.
# New inputs go to a temporary directory, never into the repository; a
# crasher is kept in BUILD_DIR/crashes/ to be added to the corpus once it is
# fixed.
# usage: run.sh BUILD_DIR [SECONDS_PER_TARGET]   (BUILD_DIR configured with -DADVLAB_FUZZ=ON)
# Prints a line for the replay, then one per target: its name, seconds, and
# executions run.
set -eu
build=$1
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/corpus
targets="idx weights arch image image_file sweep"
# The fuzz build lets UBSan recover (-fsanitize=undefined alone); this makes
# every report fatal, as ASan's are.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/crashes"

# The replay, before any fuzzing time is spent: a known crasher that comes
# back (a fixed bug, or a decoder that regressed) fails the run at once.
inputs=0
for target in $targets; do
    "$build/fuzz_$target" -runs=0 "$corpus/$target"/* >"$work/log" 2>&1 ||
        { tail -40 "$work/log" >&2; echo "fuzz_$target: a corpus input fails (ASan or UBSan)" >&2; exit 1; }
    inputs=$((inputs + $(ls "$corpus/$target" | wc -l)))
done
echo "corpus replay: $inputs inputs, no ASan or UBSan report"

# One target per core at a time: each fuzzer is single-threaded, so on a
# 2-core machine two run side by side and the fuzzing takes half the time.
fuzz_one() {
    target=$1
    mkdir "$work/$target"
    # -rss_limit_mb: a target that needs more than 1 GB for a small input
    # has an allocation worth a bug report.
    if ! "$build/fuzz_$target" -seed=1 -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$build/crashes/$target-" \
        "$work/$target" "$corpus/$target" >"$work/$target.log" 2>&1; then
        tail -40 "$work/$target.log" >&2
        echo "fuzz_$target: crashed; the input is in $build/crashes/" >&2
        return 1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
    echo "fuzz_$target: ${seconds} s, $execs executions, corpus $(ls "$work/$target" | wc -l) new inputs"
}

cores=$(nproc)
set -- $targets
while [ $# -gt 0 ]; do
    pids=""
    i=0
    while [ $# -gt 0 ] && [ $i -lt "$cores" ]; do
        fuzz_one "$1" &
        pids="$pids $!"
        shift
        i=$((i + 1))
    done
    failed=0
    for pid in $pids; do
        wait "$pid" || failed=1
    done
    [ $failed -eq 0 ] || exit 1
done
