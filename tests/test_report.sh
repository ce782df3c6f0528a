#!/bin/sh
# test_report.sh — the HTML reports (ancestral-train --report, ancestral-eval
# --report) on a small synthetic corpus with one file named to break markup:
#  1. --report changes nothing the trainer writes: the model is byte-identical
#     to one trained without it;
#  2. the report exists after the first epoch of an interrupted run with that
#     epoch's figures, and a resumed run draws every epoch (the history survives
#     in the checkpoint);
#  3. every <svg> is well-formed XML, the sections, units and point labels are
#     there (the odd file name escaped), nothing is fetched, under 3 MB
#     (check_report.py); the same for ancestral-eval --report;
#  4. Debian's chromium, headless and offline, loads both pages with no console
#     message and its screenshots are not blank. Skips (77) with the reason when
#     chromium or python3 is absent, after the other checks have run.
# usage: test_report.sh ANCESTRAL-TRAIN ANCESTRAL-MAKE-CORPUS ANCESTRAL-EVAL
set -eu
train=$1
corpus=$2
eval=$3
here=$(dirname "$0")
d=$(mktemp -d "${TMPDIR:-/tmp}/anc-report.XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
check() { python3 "$here/check_report.py" "$@" || fail "check_report.py $*"; }

"$corpus" --small --quiet --seed 3 "$d/wav" >/dev/null
odd="odd &<b>\"q'.wav"
cp "$d/wav/saw_220hz.wav" "$d/wav/$odd"
common="--latent 3 --hidden 48,24 --batch 64 --epochs 3 --fft 512 --hop 128 --rate 22050 --seed 5 --quiet"

# 1. the same model with and without --report
$train $common -o "$d/plain.vae" "$d/wav" >/dev/null
$train $common --report "$d/r.html" -o "$d/r.vae" "$d/wav" >"$d/r.txt"
cmp "$d/plain.vae" "$d/r.vae" || fail "--report changed the model"
echo "ok --report leaves the model byte-identical"

# 2. after the first epoch of an interrupted run, and across a resume; 15
# training batches per epoch here, so 20 stops in the second epoch
set +e
$train $common --report "$d/i.html" -o "$d/i.vae" --stop-after-batches 20 "$d/wav" >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "interrupted run exited $rc, want 1"
[ -f "$d/i.html" ] || fail "no report after the first epoch"
check html "$d/i.html" --epochs 1
grep -q 'Drawn when training ends' "$d/i.html" || fail "the partial report does not say what comes later"
$train $common --report "$d/i.html" -o "$d/i.vae" --resume "$d/wav" >/dev/null
check html "$d/i.html" --epochs 3
cmp "$d/plain.vae" "$d/i.vae" || fail "interrupted and resumed with --report: another model"
echo "ok the report holds epoch 1 after an interruption and all 3 epochs after the resume"

# 3. the finished reports
check html "$d/r.html" --epochs 3 --spectra 2 --label "$odd" --label clarinet_220hz.wav
$eval --model "$d/r.vae" --report "$d/e.html" --quiet "$d/wav" >"$d/e.txt"
grep -q "^report: $d/e.html$" "$d/e.txt" || fail "ancestral-eval does not name its report"
check html "$d/e.html" --spectra 3 --label "$odd"
$eval --model "$d/r.vae" --quiet "$d/wav" | grep -v '^elapsed_seconds' >"$d/e0.txt"
grep -v '^elapsed_seconds\|^report' "$d/e.txt" | cmp - "$d/e0.txt" || fail "--report changed ancestral-eval's figures"
echo "ok both reports well-formed, with their sections and the odd name escaped; eval figures unchanged"

# 4. a real browser
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "SKIP: chromium is not installed (Debian: apt-get install chromium), so the reports were not loaded in a browser"; exit 77; }
for page in r e; do
  # --enable-logging=stderr prints the page's console as INFO:CONSOLE lines
  timeout 180 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$d/chrome" --enable-logging=stderr --v=0 \
    --window-size=1200,3000 --screenshot="$d/$page.png" "file://$d/$page.html" \
    >"$d/$page.out" 2>"$d/$page.err" || fail "chromium exited $? on $page.html: $(tail -3 "$d/$page.err")"
  if grep -q ':CONSOLE' "$d/$page.err"; then
    fail "console messages from $page.html: $(grep ':CONSOLE' "$d/$page.err")"
  fi
  [ -s "$d/$page.png" ] || fail "no screenshot of $page.html"
  check png "$d/$page.png"
done
echo "ok chromium loads both reports with no console message; the screenshots are not blank"
