#!/bin/sh
# run-fuzzers.sh — builds the libFuzzer programs of tests/fuzz/ with clang and
# runs each one for a while over a copy of its seed corpus.
#
# Usage: tests/fuzz/run-fuzzers.sh BUILD_DIR SECONDS [TARGET...]
#   BUILD_DIR  a clang build folder; configured here when it has no build.ninja:
#              CC=clang meson setup BUILD_DIR -Dfuzzing=true
#                -Db_sanitize=address,undefined -Db_lundef=false
#                -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=all'
#              (coverage for the whole project, not only the target's own file;
#              every sanitizer report stops the run)
#   SECONDS    per target (libFuzzer -max_total_time)
#   TARGET     model model_crc model_engine plugin_atoms audio_in cli (default: all)
# Environment: FUZZ_JOBS targets at once (default: the number of cores, at most
# 2); FUZZ_ARGS more libFuzzer flags.
#
# Each target fuzzes BUILD_DIR/fuzz/corpus/TARGET (new inputs land there, the
# source tree is not touched) seeded from tests/fuzz/corpus/. Its log is
# BUILD_DIR/fuzz/TARGET.log and a crashing input BUILD_DIR/fuzz/TARGET/crash-*.
# Minimise one with: BUILD_DIR/tests/fuzz/fuzz_TARGET -minimize_crash=1 \
#   -max_total_time=60 -exact_artifact_path=OUT CRASH_FILE
# The last lines say, per target, executions, coverage and whether it crashed;
# the exit status is 1 when any did.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
    exit 2
fi
build=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
targets=${*:-model model_crc model_engine plugin_atoms audio_in cli}

if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" "$src" -Dfuzzing=true \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=all'
fi
programs=""
for t in $targets; do
    programs="$programs tests/fuzz/fuzz_$t"
done
# shellcheck disable=SC2086
ninja -C "$build" $programs

jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -le 2 ] || jobs=2
# Absolute: fuzz_plugin_atoms works inside a private folder during each input,
# and libFuzzer writes a crashing input while it is still there.
build=$(cd "$build" && pwd)
out="$build/fuzz"
mkdir -p "$out"

run_one() {
    t=$1
    seeds=$t
    [ "$t" = model_crc ] && seeds=model
    mkdir -p "$out/corpus/$t" "$out/$t"
    cp -n "$here/corpus/$seeds/"* "$out/corpus/$t/" 2>/dev/null || true
    # Leaks stop the run like crashes; -rss_limit_mb bounds a hostile header's
    # allocation well above what any seed needs.
    # shellcheck disable=SC2086
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
        -rss_limit_mb=2048 -artifact_prefix="$out/$t/" ${FUZZ_ARGS:-} \
        "$out/corpus/$t" >"$out/$t.log" 2>&1
}

# In batches of $jobs targets.
n=0
for t in $targets; do
    run_one "$t" &
    n=$((n + 1))
    if [ "$n" -ge "$jobs" ]; then
        wait
        n=0
    fi
done
wait

status=0
for t in $targets; do
    log="$out/$t.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
    if grep -qE '^==[0-9]+==ERROR|^SUMMARY: |deadly signal|BROKEN PROMISE' "$log"; then
        verdict="CRASH (see $log and $out/$t/)"
        status=1
    else
        verdict="no crash"
    fi
    echo "fuzz_$t: executions ${execs:-?} cov ${cov:-?} ft ${ft:-?} corpus ${corp:-?}: $verdict"
done
exit $status
