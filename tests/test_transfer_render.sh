#!/bin/sh
# test_transfer_render.sh — ancestral-plugin-render --input: the transfer effect
# (urn:ancestral:transfer) run through lilv as a host runs it, on instrument
# notes (GM notes rendered by tools/gm_notes.py with fluidsynth; synthesised
# harmonic tones when fluidsynth or its soundfont is missing).
#  1. the plugin's render is ancestral-render --input's, sample for sample
#     (the same engine and seed, aligned the same way);
#  2. the presets do what their labels say: Brighter raises the spectral
#     centroid by at least a fifth of an octave over no offsets, Darker lowers
#     it by as much; Octave down sounds an octave below the plain render
#     (aubiopitch medians, within 15 cents), Octave up an octave above;
#  3. usage errors exit 2: a missing input, --input with --midi, --seconds.
# usage: test_transfer_render.sh PLUGIN_RENDER RENDER WAVCHECK MODEL GM_NOTES
set -u
[ $# -eq 5 ] || { echo "usage: test_transfer_render.sh PLUGIN_RENDER RENDER WAVCHECK MODEL GM_NOTES"; exit 2; }
prender=$1 render=$2 wavcheck=$3 model=$4 gm=$5
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
value() { awk -v k="$1:" '$1 == k { print $2 }' "$2"; }

mkdir -p "$d/notes"
if python3 "$gm" "$d/notes" --instrument clarinet:71 --instrument trumpet:56 \
     --notes 55-67:6 --rate 48000 >"$d/gm.log" 2>&1; then
  echo "inputs: GM clarinet and trumpet G3, C#4, G4 (fluidsynth)"
else
  echo "inputs: synthesised harmonic tones (gm_notes.py: $(tail -n 1 "$d/gm.log"))"
  python3 - "$d/notes" <<'PY'
import math, struct, sys, wave
for hz in (196.0, 277.18, 392.0):
    rate, n = 48000, 72000
    w = wave.open("%s/tone_%d.wav" % (sys.argv[1], hz), "wb")
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    fr = bytearray()
    for i in range(n):
        env = min(1.0, i / 2400.0) * min(1.0, (n - i) / 4800.0)
        v = sum(math.sin(2 * math.pi * hz * k * i / rate) / k for k in range(1, 12))
        fr += struct.pack("<h", int(8000 * env * v))
    w.writeframes(bytes(fr)); w.close()
PY
fi
set -- "$d"/notes/*.wav
[ -f "$1" ] || fail "no input notes"

# 1. the plugin against ancestral-render --input
for f in "$@"; do
  b=$(basename "$f" .wav)
  "$prender" --input "$f" -o "$d/$b.plugin.wav" >"$d/$b.p.txt" || fail "$b: plugin render exit $?"
  "$render" --model "$model" --input "$f" -o "$d/$b.render.wav" >/dev/null || fail "$b: render exit $?"
  "$wavcheck" sound "$d/$b.plugin.wav" >"$d/$b.chk" || fail "$b: the plugin's render is not a sound"
  "$wavcheck" sound "$d/$b.render.wav" >"$d/$b.rchk" || fail "$b: ancestral-render's is not a sound"
  [ "$(value frames "$d/$b.chk")" = "$(value frames "$d/$b.rchk")" ] ||
    fail "$b: $(value frames "$d/$b.chk") frames from the plugin, $(value frames "$d/$b.rchk") from ancestral-render"
  "$wavcheck" same "$d/$b.plugin.wav" "$d/$b.render.wav" --tol 0 >"$d/$b.diff" ||
    fail "$b: the plugin's render is not ancestral-render's: $(tail -n 1 "$d/$b.diff")"
  echo "  $b: plugin = ancestral-render sample for sample, $(value frames "$d/$b.chk") frames, latency $(value latency_samples "$d/$b.p.txt") samples"
done
echo "ok ancestral-plugin-render --input matches ancestral-render --input"

# 2. the presets. Log2 centroids and pitches averaged over the notes.
mean_log2() { awk '{ s += log($1) / log(2); n++ } END { printf "%.4f", s / n }'; }
for p in none Brighter Darker; do
  for f in "$@"; do
    if [ "$p" = none ]; then
      cp "$d/$(basename "$f" .wav).plugin.wav" "$d/x.wav"
    else
      "$prender" --input "$f" --preset "$p" -o "$d/x.wav" >/dev/null || fail "preset $p: exit $?"
    fi
    "$wavcheck" sound "$d/x.wav" | awk '$1 == "centroid_hz:" { print $2 }'
  done | mean_log2 >"$d/c.$p"
done
bright=$(awk -v a="$(cat "$d/c.Brighter")" -v b="$(cat "$d/c.none")" 'BEGIN { printf "%.3f", a - b }')
dark=$(awk -v a="$(cat "$d/c.Darker")" -v b="$(cat "$d/c.none")" 'BEGIN { printf "%.3f", a - b }')
echo "  spectral centroid, octaves from no offsets: Brighter $bright, Darker $dark"
awk -v x="$bright" 'BEGIN { exit !(x >= 0.2) }' || fail "Brighter moves the centroid by $bright octaves"
awk -v x="$dark" 'BEGIN { exit !(x <= -0.2) }' || fail "Darker moves the centroid by $dark octaves"
echo "ok Brighter and Darker move the spectral centroid as labelled"

if command -v aubiopitch >/dev/null 2>&1; then
  median() { aubiopitch -i "$1" 2>/dev/null | awk '$2 > 0 && $1 > 0.3 { print $2 }' | sort -g |
             awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'; }
  worst=0
  for f in "$@"; do
    b=$(basename "$f" .wav)
    p0=$(median "$d/$b.plugin.wav")
    for p in "Octave down:-1" "Octave up:1"; do
      label=${p%:*} oct=${p#*:}
      "$prender" --input "$f" --preset "$label" -o "$d/t.wav" >/dev/null || fail "$label: exit $?"
      pt=$(median "$d/t.wav")
      c=$(awk -v a="$pt" -v b="$p0" -v o="$oct" 'BEGIN { if (a <= 0 || b <= 0) print 9999; else printf "%.2f", 1200 * (log(a / b) / log(2) - o) }')
      echo "  $b $label: $pt Hz against $p0 Hz, $c cents off"
      awk -v c="$c" 'BEGIN { exit !(c <= 15 && c >= -15) }' || fail "$b $label: $c cents off"
    done
  done
  echo "ok Octave down and Octave up transpose by an octave"
else
  echo "SKIP transpose presets: aubiopitch is not installed"
fi

# 3. usage errors
"$prender" --input "$d/none.wav" -o "$d/e.wav" >/dev/null 2>&1; [ $? = 2 ] || fail "missing input: not exit 2"
"$prender" --input "$1" --midi "$1" -o "$d/e.wav" >/dev/null 2>&1; [ $? = 2 ] || fail "--input with --midi: not exit 2"
"$prender" --input "$1" --seconds 1 -o "$d/e.wav" >/dev/null 2>&1; [ $? = 2 ] || fail "--input with --seconds: not exit 2"
echo "ok usage errors exit 2"
echo "test_transfer_render: ok"
