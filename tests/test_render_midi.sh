#!/bin/sh
# test_render_midi.sh — notes from a Standard MIDI File, end to end:
#  1. a small pitch-relative model trained here on the demo corpus plays a MIDI
#     file through ancestral-render --midi: each note comes out at its pitch
#     (median within 10 cents by aubiopitch, an independent estimator), starts
#     within one hop plus the reported latency of its event, and the gaps
#     between notes are silent (the drone is off, releases end);
#  2. ancestral-plugin-render --midi plays the same file through the real
#     plugin (lilv, midi:MidiEvent atoms): the same pitches and the same level;
#  3. bad input: a file that is not MIDI, a missing one, --midi with --input:
#     exit 2 and one line on stderr naming the culprit.
# usage: test_render_midi.sh RENDER PLUGIN_RENDER TRAIN MAKE_CORPUS LV2_DIR
# Exit: 0 pass, 1 fail, 77 skip (aubiopitch not installed).
set -eu
render=$1
prender=$2
train=$3
corpus=$4
lv2dir=$5
here=$(cd "$(dirname "$0")" && pwd)
command -v aubiopitch >/dev/null 2>&1 ||
  { echo "SKIP: aubiopitch is not installed (tools/setup-deps.sh installs aubio-tools)"; exit 77; }
d=$(mktemp -d "${TMPDIR:-/tmp}/anc-midi.XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$here/cli_checks.sh"
value() { sed -n "s/^$1: //p" "$2" | head -n 1; }
holds() { awk "BEGIN { exit !($1) }"; }

"$corpus" --small --quiet --rate 22050 "$d/wav" >/dev/null
"$train" --quiet --epochs 4 --latent 4 --hidden 64 --rate 22050 --fft 1024 --hop 256 --threads 1 \
  -o "$d/m.vae" "$d/wav" >"$d/train.txt" || fail "training: exit $?"
[ "$(value pitch "$d/train.txt")" = relative ] || fail "the model is not pitch-relative"

# Notes 1 s long with 0.5 s between them (tools/gm_notes.py writes the file).
notes="45 52 57 64 69 76"
python3 -c "import sys; sys.path.insert(0, sys.argv[1])
from gm_notes import write_midi
write_midi(sys.argv[2], 0, [int(n) for n in sys.argv[3].split()])" \
  "$here/../tools" "$d/song.mid" "$notes"

# Median aubiopitch f0 over each note's sustained part, and its error in cents.
pitches() { # WAV RATE -> "note median cents" lines
  aubiopitch -i "$1" -r "$2" -p yinfft -B 4096 -H 256 | awk -v notes="$notes" '
    BEGIN { n = split(notes, note, " ") }
    { for (i = 1; i <= n; i++) { t0 = (i - 1) * 1.5 + 0.3; if ($1 >= t0 && $1 < t0 + 0.6 && $2 > 0) v[i, ++c[i]] = $2 } }
    END { for (i = 1; i <= n; i++) {
            m = c[i]; for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (v[i, b] < v[i, a]) { t = v[i, a]; v[i, a] = v[i, b]; v[i, b] = t }
            f = m ? v[i, int((m + 1) / 2)] : 0; want = 440 * 2 ^ ((note[i] - 69) / 12)
            printf "%d %.3f %.2f\n", note[i], f, (f > 0 ? 1200 * log(f / want) / log(2) : 9999) } }'
}
check_pitches() { # FILE LABEL
  [ "$(wc -l <"$1")" -eq 6 ] || fail "$2: pitches of $(wc -l <"$1") notes, want 6"
  worst=0
  while read -r n f c; do
    echo "  $2 note $n: $f Hz, $c cents"
    holds "$c <= 10 && $c >= -10" || fail "$2: note $n at $f Hz, $c cents off"
    worst=$(awk -v w="$worst" -v c="$c" 'BEGIN { c = c < 0 ? -c : c; print (c > w ? c : w) }')
  done <"$1"
  echo "$2: every note within $worst cents"
}

# 1. the engine
"$render" --model "$d/m.vae" --midi "$d/song.mid" --rate 44100 -o "$d/r.wav" >"$d/r.txt" ||
  fail "render --midi: exit $?"
[ "$(value midi_notes "$d/r.txt")" = 6 ] || fail "render read $(value midi_notes "$d/r.txt") notes, want 6"
pitches "$d/r.wav" 44100 >"$d/r.pitch"
check_pitches "$d/r.pitch" "ancestral-render --midi"
# Onsets: the first sample above -50 dBFS after each event comes within one hop
# plus the latency (the engine starts a note at the next frame of its grid).
hop=$(value frames_per_hop "$d/r.txt")
lat=$(value latency_samples "$d/r.txt")
python3 - "$d/r.wav" "$hop" "$lat" <<'PY' || fail "onsets (see above)"
import struct, sys, math
path, hop, lat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = open(path, "rb").read()
pos, fmt, data = 12, None, None
while pos + 8 <= len(b):
    cid, n = b[pos:pos + 4], struct.unpack("<I", b[pos + 4:pos + 8])[0]
    if cid == b"fmt ": fmt = struct.unpack("<HHI", b[pos + 8:pos + 16])
    if cid == b"data": data = b[pos + 8:pos + 8 + n]
    pos += 8 + n + (n & 1)
rate = fmt[2]
x = struct.unpack("<%df" % (len(data) // 4), data)
bad = 0
for k in range(6):
    ev = int(round(k * 1.5 * rate))
    # The first sample above -50 dBFS after the event; the note's 10 ms attack
    # may add up to that much before it is heard.
    on = next((i for i in range(ev, min(len(x), ev + rate)) if abs(x[i]) > 10 ** (-50 / 20)), None)
    delay = (on - ev) if on is not None else None
    limit = hop + lat + int(0.01 * rate)
    ok = delay is not None and delay <= limit
    print("  onset of note %d: %s samples after its event (limit %d)" % (k + 1, delay, limit))
    bad |= not ok
    # The last 0.1 s before the next event (1 s held, 0.3 s release, 0.5 s gap) is
    # silent: the drone is off and the release has ended.
    if k < 5:
        gap = x[ev + int(1.4 * rate): ev + int(1.5 * rate)]
        level = 20 * math.log10(max(1e-12, max(abs(v) for v in gap)))
        print("  before note %d: peak %.1f dBFS" % (k + 2, level))
        if level > -60:
            print("FAIL: sound between notes (%.1f dBFS)" % level); bad = 1
sys.exit(bad)
PY

# 2. the plugin through lilv
"$prender" --lv2-path "$lv2dir" --model "$d/m.vae" --midi "$d/song.mid" --rate 44100 \
  -o "$d/p.wav" >"$d/p.txt" || fail "plugin-render --midi: exit $?"
pitches "$d/p.wav" 44100 >"$d/p.pitch"
check_pitches "$d/p.pitch" "ancestral-plugin-render --midi"
holds "$(value rms_dbfs "$d/p.txt") - $(value rms_dbfs "$d/r.txt") < 0.5 && $(value rms_dbfs "$d/r.txt") - $(value rms_dbfs "$d/p.txt") < 0.5" ||
  fail "plugin $(value rms_dbfs "$d/p.txt") dBFS RMS, engine $(value rms_dbfs "$d/r.txt")"

# 3. bad input
printf 'RIFF....WAVEfmt ' >"$d/not.mid"
expect_2 "not MIDI" "not.mid" "$render" --model "$d/m.vae" --midi "$d/not.mid" -o "$d/x.wav"
expect_2 "missing MIDI" "nothere.mid" "$render" --model "$d/m.vae" --midi "$d/nothere.mid" -o "$d/x.wav"
expect_2 "--midi with --input" "midi" "$render" --model "$d/m.vae" --midi "$d/song.mid" \
  --input "$d/r.wav" -o "$d/x.wav"
expect_2 "plugin-render, not MIDI" "not.mid" "$prender" --lv2-path "$lv2dir" --midi "$d/not.mid" -o "$d/x.wav"
echo "ok: MIDI files through ancestral-render and the plugin"
