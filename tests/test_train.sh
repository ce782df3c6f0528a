#!/bin/sh
# test_train.sh — ancestral-train end to end on a small synthetic corpus:
#  1. a short run prints the summary keys, the model loads (ancestral-info) and
#     presets are written;
#  2. the same seed and thread count give a byte-identical model (2 threads);
#  3. a run interrupted after some batches and resumed ends with the same bytes
#     as an uninterrupted one;
#  4. no usable audio, or an output that cannot be written, exits 2 with one line
#     and before any training;
#  7. --threads defaults to the cores the process may use (nproc; 1 under
#     taskset -c 0), the summary says how many ran, and the default run equals an
#     explicit --threads of that count byte for byte;
#  8. a checkpoint of the old layout is refused with one line saying so.
# usage: test_train.sh ANCESTRAL-TRAIN ANCESTRAL-MAKE-CORPUS
set -eu
train=$1
corpus=$2
d=$(mktemp -d "${TMPDIR:-/tmp}/anc-train.XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$corpus" --small --quiet --seed 3 "$d/wav" >/dev/null
common="--latent 3 --hidden 48,24 --batch 64 --epochs 3 --fft 512 --hop 128 --rate 22050 --seed 5 --quiet"

# 1. summary, presets, log
$train $common --presets "$d/presets.lv2" --log "$d/log.csv" -o "$d/a.vae" "$d/wav" >"$d/a.txt"
for k in frames_per_second train_lsd_db val_lsd_db pca_val_lsd_db train_frames val_frames; do
  grep -q "^$k: " "$d/a.txt" || fail "summary lacks $k"
done
[ "$(wc -l <"$d/log.csv")" -eq 4 ] || fail "log should have a header and 3 epochs"
n=$(ls "$d/presets.lv2" | grep -c '\.ttl$')
[ "$n" -ge 5 ] || fail "only $n preset files"
grep -q 'rdfs:label' "$d/presets.lv2/manifest.ttl" && fail "labels belong in the preset files"
echo "ok summary, log and $((n - 1)) presets"

# 2. determinism with two threads
$train $common --threads 2 -o "$d/t1.vae" "$d/wav" >/dev/null
$train $common --threads 2 -o "$d/t2.vae" "$d/wav" >/dev/null
cmp "$d/t1.vae" "$d/t2.vae" || fail "same seed and threads gave different models"
echo "ok same seed and 2 threads: byte-identical models"

# 3. interrupted and resumed == uninterrupted
set +e
$train $common -o "$d/r.vae" --stop-after-batches 5 "$d/wav" >/dev/null 2>"$d/stop.txt"
rc=$?
set -e
[ $rc -eq 1 ] || fail "interrupted run exited $rc, want 1"
[ -f "$d/r.vae.ckpt" ] || fail "no checkpoint after interruption"
[ ! -f "$d/r.vae" ] || fail "a model was written by an interrupted run"
$train $common -o "$d/r.vae" --resume --stop-after-batches 9 "$d/wav" >/dev/null 2>&1 && fail "second stop"
$train $common -o "$d/r.vae" --resume "$d/wav" >/dev/null
cmp "$d/a.vae" "$d/r.vae" || fail "resumed run differs from the uninterrupted one"
echo "ok interrupted twice and resumed: byte-identical to the uninterrupted model"

# 4. unusable input and unwritable output
mkdir "$d/bad"
echo "not audio" >"$d/bad/x.wav"
set +e
$train $common -o "$d/bad.vae" "$d/bad" >/dev/null 2>"$d/bad.txt"
rc=$?
set -e
[ $rc -eq 2 ] || fail "only bad files: exit $rc, want 2"
grep -q "no usable audio" "$d/bad.txt" || fail "no clear line for a folder of bad files"
set +e
$train $common -o "$d/nowhere/x.vae" "$d/wav" >/dev/null 2>"$d/nw.txt"
rc=$?
set -e
[ $rc -eq 2 ] || fail "unwritable output: exit $rc, want 2"
[ "$(wc -l <"$d/nw.txt")" -eq 1 ] || fail "unwritable output: want one line, got: $(cat "$d/nw.txt")"
echo "ok bad input and unwritable output exit 2 with one line"

# 5. a batch whose loss is NaN is skipped with a warning and never reaches the model
$train $common --fault-nan-batch 3 -o "$d/nan.vae" "$d/wav" >"$d/nan.txt" 2>"$d/nan.err"
grep -q "non-finite loss; batch skipped" "$d/nan.err" || fail "no warning for a NaN batch"
grep -q "^skipped_batches: 1$" "$d/nan.txt" || fail "skipped batch not counted"
cmp -s "$d/a.vae" "$d/nan.vae" && fail "the poisoned batch changed nothing?"
echo "ok a NaN batch is skipped, counted and reported"

# 6. no validation split (--val 0): trains, saves, reports nan for validation
$train $common --val 0 -o "$d/noval.vae" "$d/wav" >"$d/noval.txt"
grep -q "^val_lsd_db: nan$" "$d/noval.txt" || fail "--val 0 should report val_lsd_db: nan"
grep -q "^frames_per_second: [1-9]" "$d/noval.txt" || fail "--val 0 lost the summary"
echo "ok --val 0 trains on every file and says validation was not measured"

# 7. threads: the default is the cores this process may use, and the summary says so
cores=$(nproc)
ran=$(sed -n 's/^threads: //p' "$d/a.txt")
[ "$ran" = "$cores" ] || fail "default --threads ran $ran threads, want nproc = $cores"
$train $common --threads "$cores" -o "$d/explicit.vae" "$d/wav" >"$d/explicit.txt"
grep -q "^threads: $cores$" "$d/explicit.txt" || fail "--threads $cores: summary says otherwise"
cmp "$d/a.vae" "$d/explicit.vae" || fail "default threads and --threads $cores differ"
$train $common --threads 1 -o "$d/one.vae" "$d/wav" >"$d/one.txt"
grep -q "^threads: 1$" "$d/one.txt" || fail "--threads 1: summary says $(grep threads "$d/one.txt")"
msg="ok default threads = nproc = $cores, the same bytes as --threads $cores; --threads 1 reported"
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
  taskset -c 0 $train $common -o "$d/pinned.vae" "$d/wav" >"$d/pinned.txt"
  grep -q "^threads: 1$" "$d/pinned.txt" ||
    fail "under taskset -c 0: $(grep threads "$d/pinned.txt"), want 1"
  cmp "$d/one.vae" "$d/pinned.vae" || fail "taskset -c 0 and --threads 1 differ"
  msg="$msg; under taskset -c 0 the default is 1 thread, the same bytes as --threads 1"
fi
echo "$msg"

# 8. a checkpoint of the old layout (its loop state one fixed-offset word array,
# "train.state"; the fuzz corpus keeps one) is refused with one clear line
old="$(dirname "$0")/fuzz/corpus/model/l2-h3x2x2-leaky.ckpt.vae"
[ -f "$old" ] || fail "missing $old"
cp "$old" "$d/old.ckpt"
set +e
$train --latent 2 --hidden 3,2,2 --activation leaky_relu --fft 256 --hop 64 --seed 2 --quiet \
  --epochs 2 --checkpoint "$d/old.ckpt" --resume -o "$d/old.vae" "$d/wav" >/dev/null 2>"$d/old.err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "old checkpoint: exit $rc, want 2: $(cat "$d/old.err")"
[ "$(wc -l <"$d/old.err")" -eq 1 ] || fail "old checkpoint: want one line: $(cat "$d/old.err")"
grep -q "cannot resume from $d/old.ckpt: it was written by an older ancestral-train" "$d/old.err" ||
  fail "old checkpoint: unclear refusal: $(cat "$d/old.err")"
echo "ok a checkpoint of the old layout is refused: $(cat "$d/old.err")"
