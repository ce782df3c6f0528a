#!/bin/sh
# test_hostile.sh — ancestral-train on a folder of broken and odd sound files among
# good ones (files written by make_hostile, which also says what must become of
# each; good ones by ancestral-make-corpus --small):
#  1. it trains on the usable files and exits 0; every skipped file is named in a
#     warning line with its reason; the odd but valid files (32 channels, 8 kHz,
#     192 kHz, 8-bit, cut in the data, a header claiming 4 GiB) are used: the
#     summary's files_used and files_skipped counts match exactly, and the model
#     loads; the two cut short (cut in the data, the 4 GiB claim) each have one
#     warning naming the file and how much is missing;
#  2. a folder of only unusable files exits 2 with one line (besides the per-file
#     warnings) that says there is no usable audio, and writes no model.
# usage: test_hostile.sh ANCESTRAL-TRAIN ANCESTRAL-MAKE-CORPUS ANCESTRAL-INFO MAKE-HOSTILE
set -eu
train=$1
corpus=$2
info=$3
hostile=$4
d=$(mktemp -d "${TMPDIR:-/tmp}/anc-hostile.XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
small="--latent 2 --hidden 16 --epochs 1 --fft 256 --hop 64 --rate 22050 --seed 5 --quiet"

# Checks stderr file $1 against manifest $2 for folder $3: every skipped or repeated
# entry has a warning line naming it with its reason, and there is no other warning.
check_warnings() {
  err=$1 manifest=$2 dir=$3
  n_warn=0
  # Fields are tab-separated; names and reasons hold no tab.
  tab=$(printf '\t')
  while IFS=$tab read -r name what reason; do
    case $what in
      skipped|repeated|cut)
        # cut: used although cut short, with a warning that says how much is missing
        prefix="warning: skipping $dir/$name: "
        [ "$what" != cut ] || prefix="warning: $dir/$name: "
        line=$(grep -F "$prefix" "$err" || true)
        [ -n "$line" ] || fail "no warning names $name ($what: $reason); stderr was:
$(cat "$err")"
        [ "$(printf '%s\n' "$line" | wc -l)" -eq 1 ] || fail "$name warned about more than once"
        case $line in
          *"$dir/$name: "*"$reason"*) ;;
          *) fail "warning for $name lacks the reason '$reason': $line" ;;
        esac
        echo "  $what $name: ${line#*"$dir/$name: "}"
        n_warn=$((n_warn + 1))
        ;;
      used|walked) ;;
      *) fail "manifest: unknown expectation '$what' for $name" ;;
    esac
  done <"$manifest"
  total=$(grep -c ': warning: ' "$err" || true)
  [ "$total" -eq "$n_warn" ] || fail "$total warnings, want $n_warn; stderr was:
$(cat "$err")"
}

# 1. good files among hostile ones
"$hostile" "$d/mix" >"$d/mix.manifest"
"$corpus" --small --quiet --seed 3 "$d/mix/good" >/dev/null
n_good=$(ls "$d/mix/good" | grep -c '\.wav$')
n_odd=$(grep -cE "$(printf '\t(used$|cut\t)')" "$d/mix.manifest")
n_bad=$(grep -c "$(printf '\tskipped\t')" "$d/mix.manifest")
set +e
$train $small -o "$d/mix.vae" "$d/mix" >"$d/mix.out" 2>"$d/mix.err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "good files among hostile ones: exit $rc, want 0; stderr:
$(cat "$d/mix.err")"
check_warnings "$d/mix.err" "$d/mix.manifest" "$d/mix"
grep -qx "files_used: $((n_good + n_odd))" "$d/mix.out" ||
  fail "want files_used: $((n_good + n_odd)) ($n_good good, $n_odd odd), got: $(grep files_ "$d/mix.out")"
grep -qx "files_skipped: $n_bad" "$d/mix.out" ||
  fail "want files_skipped: $n_bad, got: $(grep files_skipped "$d/mix.out")"
"$info" "$d/mix.vae" >/dev/null || fail "the model does not load"
odd=$(grep -E "$(printf '\t(used$|cut\t)')" "$d/mix.manifest" | cut -f1 | tr '\n' ' ')
echo "ok hostile folder: exit 0; files_used $((n_good + n_odd)) ($n_good good, $n_odd odd:" \
  "${odd% }); files_skipped $n_bad, each named with its reason; the model loads"

# 2. only unusable files
"$hostile" --bad-only "$d/bad" >"$d/bad.manifest"
set +e
$train $small -o "$d/bad.vae" "$d/bad" >"$d/bad.out" 2>"$d/bad.err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "only unusable files: exit $rc, want 2; stderr:
$(cat "$d/bad.err")"
check_warnings "$d/bad.err" "$d/bad.manifest" "$d/bad"
others=$(grep -v ': warning: ' "$d/bad.err" || true)
[ "$(printf '%s' "$others" | grep -c '')" -eq 1 ] ||
  fail "only unusable files: want one line besides the warnings, got:
$others"
case $others in
  *"no usable audio"*) ;;
  *) fail "the line does not say there is no usable audio: $others" ;;
esac
[ ! -e "$d/bad.vae" ] || fail "a model was written from unusable files"
[ ! -s "$d/bad.out" ] || fail "only unusable files: something on stdout: $(cat "$d/bad.out")"
echo "ok only unusable files: exit 2, $n_bad files named in warnings, and one line: $others"
