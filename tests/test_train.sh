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
#  8. a checkpoint of the old layout is refused with one line saying so;
#  9. the pitch representation: relative by default, absolute on request, the
#     axis flags recorded and their bad values refused.
# usage: test_train.sh ANCESTRAL-TRAIN ANCESTRAL-MAKE-CORPUS [ANCESTRAL-INFO]
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

# 9. the representation: relative by default (info shows it, its axis and a pitch
# range inside the corpus's notes, 110..880 Hz fundamentals, allowing the
# tracker's reach of 50 Hz .. 2 kHz); --pitch absolute gives linear bins and a
# version 1 file as before; bad values of the new flags exit 2 with one line
info=${3:-$(dirname "$train")/ancestral-info}
"$info" "$d/a.vae" >"$d/a.info"
grep -q '^pitch: relative$' "$d/a.info" || fail "default model is not relative: $(grep '^pitch' "$d/a.info")"
grep -q '^pitch: relative$' "$d/a.txt" || fail "the summary does not say pitch: relative"
k=$(sed -n 's/^n_input: //p' "$d/a.info")
[ "$k" = 916 ] || fail "relative n_input $k, want 916 (96 points per octave, 30 Hz .. 11025 Hz, one octave below)"
range=$(sed -n 's/^pitch_range_hz: //p' "$d/a.info")
vf=$(sed -n 's/^voiced_fraction: //p' "$d/a.info")
echo "$range" | awk -F'[.][.]' '{ exit !($1 >= 50 && $1 < $2 && $2 <= 2000) }' ||
  fail "implausible pitch range '$range'"
awk "BEGIN { exit !($vf > 0.3 && $vf <= 1) }" || fail "implausible voiced fraction '$vf'"
$train $common --pitch absolute -o "$d/abs.vae" "$d/wav" >"$d/abs.txt"
"$info" "$d/abs.vae" >"$d/abs.info"
grep -q '^pitch: absolute$' "$d/abs.info" || fail "--pitch absolute: $(grep '^pitch' "$d/abs.info")"
grep -q '^format_version: 1$' "$d/abs.info" || fail "an absolute model should stay a version 1 file"
[ "$(sed -n 's/^n_input: //p' "$d/abs.info")" = 257 ] || fail "absolute n_input is not 257"
$train $common --points-per-octave 48 --f0-min 40 -o "$d/p48.vae" "$d/wav" >/dev/null
"$info" "$d/p48.vae" | grep -q '^relative_points_per_octave: 48$' || fail "--points-per-octave 48 not recorded"
"$info" "$d/p48.vae" | grep -q '^relative_f0_min_hz: 40$' || fail "--f0-min 40 not recorded"
. "$(dirname "$0")/cli_checks.sh"
expect_2 "--pitch nope" "--pitch" $train $common --pitch nope -o "$d/x.vae" "$d/wav"
expect_2 "--points-per-octave 5" "--points-per-octave" $train $common --points-per-octave 5 -o "$d/x.vae" "$d/wav"
expect_2 "--f0-min 5" "--f0-min" $train $common --f0-min 5 -o "$d/x.vae" "$d/wav"
expect_2 "--f0-min above Nyquist" "f0_min" $train $common --f0-min 12000 -o "$d/x.vae" "$d/wav"
expect_2 "--pitch absolute with an axis" "--pitch absolute" $train $common --pitch absolute --points-per-octave 96 -o "$d/x.vae" "$d/wav"
# a relative checkpoint does not resume an absolute run
$train $common --stop-after-batches 2 -o "$d/mix.vae" "$d/wav" >/dev/null 2>&1 && fail "stop"
expect_2 "absolute resume of a relative checkpoint" "pitch representation" \
  $train $common --pitch absolute --resume -o "$d/mix.vae" "$d/wav"
echo "ok relative by default ($k points, pitch $range Hz, voiced $vf), absolute on request (v1, 257 bins); bad axis flags and a mixed resume exit 2 with one line"
