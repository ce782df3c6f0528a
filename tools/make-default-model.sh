#!/bin/sh
# make-default-model.sh — regenerates the shipped default model and its presets
# from the project's own synthetic demo corpus. Deterministic: the same build
# gives the same bytes (the trainer is reproducible for a seed and thread count).
#
#   tools/make-default-model.sh [BUILD_DIR]      (default: build)
#
# Writes presets/default.vae and presets/<name>.ttl (six labelled presets that
# point at default.vae relative to the bundle). The model runs at 22050 Hz with a
# 1024-point FFT and hop 256 (46 ms window, 11.6 ms hop): every host rate from
# 22.05 to 192 kHz can play its full band, so the timbre is the same everywhere,
# and the 21.5 Hz bins resolve low notes for the phase reconstruction.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
# OpenBLAS picks its kernels by CPU, and its SkylakeX sgemm rounds differently from
# its Haswell one: the committed model was made with the Haswell kernels, which run
# on every x86-64 CPU with AVX2, so ask for them to get the same bytes anywhere.
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
d=$(mktemp -d "${TMPDIR:-/tmp}/anc-default.XXXXXX")
trap 'rm -rf "$d"' EXIT

"$build/tools/ancestral-make-corpus" --quiet --rate 22050 --seed 1 "$d/wav" >/dev/null
"$build/tools/ancestral-train" --pitch absolute --rate 22050 --fft 1024 --hop 256 --latent 8 \
  --hidden 512,256 --epochs 80 --batch 256 --threads 2 --seed 1 --quiet \
  --presets "$d/presets" --presets-model default.vae \
  -o presets/default.vae "$d/wav"
rm -f presets/default.vae.ckpt

# Six presets that sound clearly different: file stem -> file -> label. presets/
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
noise_2000hz|noise_band|Breathy noise band
LIST
echo "wrote presets/default.vae ($(wc -c <presets/default.vae) bytes) and $(ls presets/*.ttl | grep -vc manifest.ttl) presets"
