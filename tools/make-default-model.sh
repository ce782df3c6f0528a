#!/bin/sh
# make-default-model.sh — regenerates the shipped default model and its presets.
# Deterministic: the same build gives the same bytes (the trainer is reproducible
# for a seed and thread count; see OPENBLAS_CORETYPE below).
#
#   tools/make-default-model.sh [BUILD_DIR]      (default: build)
#
# The corpus: the project's synthetic demo corpus (ancestral-make-corpus) and notes
# of nine General MIDI instruments from C2 to C6 in whole tones, rendered with
# fluidsynth from MuseScore_General_Lite.sf3 (Debian musescore-general-soundfont-
# small, MIT licence; tools/gm_notes.py). The model is pitch-relative (the note
# sets the pitch), level-normalised (the knobs hold spectral shape; every state
# plays at -12 dB re a full-scale sine, -15 dBFS RMS at full velocity) and full
# band at 48 kHz, with a 2048-point FFT and hop 512 (42.7 ms window, 10.7 ms
# hop): the engine plays it at every host rate from 22.05 to 192 kHz (below
# 48 kHz the band above the host's Nyquist frequency is left out).
#
# Writes presets/default.vae and presets/<name>.ttl (labelled presets, each the
# mean latent point of one training file, that point at default.vae relative to
# the bundle). Needs python3, fluidsynth and the soundfont (tools/setup-deps.sh).
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
# OpenBLAS picks its kernels by CPU, and its SkylakeX sgemm rounds differently from
# its Haswell one: the committed model was made with the Haswell kernels, which run
# on every x86-64 CPU with AVX2, so ask for them to get the same bytes anywhere.
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
d=$(mktemp -d "${TMPDIR:-/tmp}/anc-default.XXXXXX")
trap 'rm -rf "$d"' EXIT

sf=/usr/share/sounds/sf3/MuseScore_General_Lite.sf3
"$build/tools/ancestral-make-corpus" --quiet --rate 48000 --seed 1 "$d/wav/demo" >/dev/null
python3 tools/gm_notes.py "$d/wav/notes" --rate 48000 --notes 36-84:2 --soundfont "$sf" \
  --instrument piano:0 --instrument organ:19 --instrument guitar:24 \
  --instrument violin:40 --instrument cello:42 --instrument choir:52 \
  --instrument trumpet:56 --instrument clarinet:71 --instrument flute:73
"$build/tools/ancestral-train" --pitch relative --level normalize --level-db -12 \
  --rate 48000 --fft 2048 --hop 512 --latent 16 --hidden 256,128 --epochs 40 --batch 256 \
  --threads 2 --seed 1 --quiet \
  --presets "$d/presets" --presets-model default.vae \
  -o presets/default.vae "$d/wav"
rm -f presets/default.vae.ckpt

# Presets that sound clearly different: file stem -> file -> label. presets/
# is itself a preset bundle (manifest.ttl lists them); the plugin's build copies
# what it lists into ancestral.lv2.
rm -f presets/*.ttl
cat >presets/manifest.ttl <<'EOF2'
@prefix lv2: <http://lv2plug.in/ns/lv2core#> .
@prefix pset: <http://lv2plug.in/ns/ext/presets#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
EOF2
while IFS='|' read -r stem file label; do
  sed "s|rdfs:label \"$stem\"|rdfs:label \"$label\"|" "$d/presets/$stem.ttl" >"presets/$file.ttl"
  grep -q "rdfs:label \"$label\"" "presets/$file.ttl" || { echo "preset $stem: label not set" >&2; exit 1; }
  printf '\n<%s.ttl>\n    a pset:Preset ;\n    lv2:appliesTo <urn:ancestral:synth> ;\n    rdfs:seeAlso <%s.ttl> .\n' \
    "$file" "$file" >>presets/manifest.ttl
done <<'LIST'
saw_220hz|bright_saw|Bright saw
clarinet_139hz|hollow_reed|Hollow reed
vowel_a_220hz|sung_ah|Sung ah
vowel_u_175hz|sung_oo|Sung oo
bell_440hz|bell|Bell
trumpet_60|trumpet|Trumpet
cello_48|cello|Cello
violin_60|violin|Violin
flute_72|flute|Flute
choir_60|choir|Choir
LIST
echo "wrote presets/default.vae ($(wc -c <presets/default.vae) bytes) and $(ls presets/*.ttl | grep -vc manifest.ttl) presets"
