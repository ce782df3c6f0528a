#!/usr/bin/env bash
# demo.sh — the README's first command: from a fresh Debian 12 machine to a
# playable instrument. Installs what is missing, builds, synthesises the demo
# corpus, trains a timbre model on it, installs the plugin for this user, and
# renders short WAVs through the plugin itself (loaded by lilv as hosts load it).
#
#   tools/demo.sh            everything goes to ~/ancestral-demo and ~/.lv2
#   ANCESTRAL_DEMO_DIR=DIR tools/demo.sh      another output folder
set -euo pipefail
cd "$(dirname "$0")/.."

out=${ANCESTRAL_DEMO_DIR:-$HOME/ancestral-demo}
lv2dir=${ANCESTRAL_LV2_DIR:-$HOME/.lv2}
epochs=${ANCESTRAL_DEMO_EPOCHS:-30}

echo "== 1/5 dependencies"
tools/setup-deps.sh

echo "== 2/5 build (build-release/)"
if [[ ! -f build-release/build.ninja ]]; then
  meson setup build-release --buildtype=release
fi
ninja -C build-release
bin=build-release/tools

echo "== 3/5 demo corpus and training ($epochs epochs)"
mkdir -p "$out"
"$bin/ancestral-make-corpus" --quiet --rate 22050 --seed 1 "$out/corpus" >/dev/null
"$bin/ancestral-train" --rate 22050 --fft 1024 --hop 256 --latent 8 --hidden 512,256 \
  --epochs "$epochs" --threads "$(nproc)" --seed 1 --log "$out/training.csv" \
  --report "$out/training.html" \
  --presets "$lv2dir/ancestral-demo-presets.lv2" \
  -o "$out/demo.vae" "$out/corpus" | tee "$out/training-summary.txt"

echo "== 4/5 install the plugin for this user ($lv2dir/ancestral.lv2)"
mkdir -p "$lv2dir"
rm -rf "$lv2dir/ancestral.lv2"
mkdir "$lv2dir/ancestral.lv2"
find build-release/plugin/ancestral.lv2 -maxdepth 1 -type f \
  \( -name '*.so' -o -name '*.ttl' -o -name '*.vae' \) -exec cp {} "$lv2dir/ancestral.lv2/" \;

echo "== 5/5 render through the plugin"
export LV2_PATH="$lv2dir"
"$bin/ancestral-plugin-render" --seconds 6 --preset "Bright saw" -o "$out/default-bright-saw.wav"
"$bin/ancestral-plugin-render" --seconds 6 --preset "Sung ah" --set glide=2 --set z2=-2 \
  -o "$out/default-sung-ah.wav"
"$bin/ancestral-plugin-render" --seconds 6 --model "$out/demo.vae" --set mode=1 --set rate=1.5 \
  -o "$out/demo-model-ancestral.wav"
# A melody from a MIDI file (written by tools/gm_notes.py), played by your model.
python3 -c "import sys; sys.path.insert(0, 'tools')
from gm_notes import write_midi
write_midi(sys.argv[1], 0, [57, 60, 64, 69, 67, 64, 62, 60], 0.4, 0.1)" "$out/melody.mid"
"$bin/ancestral-plugin-render" --model "$out/demo.vae" --midi "$out/melody.mid" \
  -o "$out/demo-model-melody.wav"

cat <<EOF2

Done.
  corpus:            $out/corpus (the synthetic sounds the model learned)
  trained model:     $out/demo.vae (figures in $out/training-summary.txt, curve in $out/training.csv,
                     pictures in $out/training.html: open it in a browser)
  plugin:            $lv2dir/ancestral.lv2 (with the shipped default model and presets)
  presets of yours:  $lv2dir/ancestral-demo-presets.lv2 (one per corpus file, using demo.vae)
  renders:           $out/default-bright-saw.wav (default model, preset "Bright saw")
                     $out/default-sung-ah.wav (preset "Sung ah", z2 turned to -2)
                     $out/demo-model-ancestral.wav (your model, ancestral sampling)
                     $out/demo-model-melody.wav (your model playing $out/melody.mid)

Open it in Ardour: add a MIDI track with "Ancestral" as its instrument. It plays
the default model at once, as a drone at the "note" control until the first MIDI
note arrives (every knob at 0 is the centre of the timbre space; presets such as
"Violin", "Bright saw" or "Bell" start elsewhere); play notes, turn z1..z16 (the
plugin's generic controls, or automate them), or set "Model" to
$out/demo.vae in the generic editor's file chooser: a pitch-relative model like
that one plays every note at its own pitch.
EOF2
