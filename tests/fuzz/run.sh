#!/bin/sh
# Runs every libFuzzer target: first it replays the seeds (and past crashers)
# in tests/fuzz/corpus/<target>, each input once, then fuzzes for a fixed
# time from a fixed seed, starting from those seeds. New inputs go to a
# temporary directory, never into the repository; a crasher is kept in
# BUILD_DIR/crashes/ to be added to the corpus once it is fixed.
# usage: run.sh BUILD_DIR [SECONDS_PER_TARGET]   (BUILD_DIR configured with -DADVLAB_FUZZ=ON)
# Prints one line per target: its name, seconds, and executions run.
set -eu
build=$1
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/corpus
# The fuzz build lets UBSan recover so that these options can make any report
# fatal, except the few third-party ones listed in ubsan.supp.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$here/ubsan.supp"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/crashes"

for target in idx weights arch image image_file; do
    fuzzer=$build/fuzz_$target
    seeds=$corpus/$target
    mkdir "$work/$target"
    "$fuzzer" -runs=0 "$seeds"/* >"$work/log" 2>&1 ||
        { tail -40 "$work/log" >&2; echo "fuzz_$target: a corpus input fails" >&2; exit 1; }
    # -rss_limit_mb: a target that needs more than 1 GB for a small input
    # has an allocation worth a bug report.
    if ! "$fuzzer" -seed=1 -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$build/crashes/$target-" \
        "$work/$target" "$seeds" >"$work/log" 2>&1; then
        tail -40 "$work/log" >&2
        echo "fuzz_$target: crashed; the input is in $build/crashes/" >&2
        exit 1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
    echo "fuzz_$target: ${seconds} s, $execs executions, corpus $(ls "$work/$target" | wc -l) new inputs"
done
