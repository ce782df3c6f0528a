#!/bin/sh
# test_tools.sh — ancestral-info and ancestral-eval end to end on a tiny model
# trained on the small synthetic corpus:
#  1. info prints every key and one latent_N line per dimension;
#  2. eval prints every key with a finite value; the importance-sampled log p(x)
#     is not below the ELBO and does not fall as K grows (both hold in
#     expectation for the estimator); its LSD over the corpus equals the frame-
#     weighted mean of the trainer's own train and val LSD (same gate, same
#     normalisation, same decode); RTPGHI beats random phase by at least 6 dB of
#     spectral convergence; a relative model (the default) and an absolute one
#     report the same voiced_fraction on the same audio, and info shows the
#     relative model's pitch range;
#  3. a truncated or damaged model, a missing model, and inputs without usable
#     audio exit 2 with one line on stderr (naming the model file where it is at
#     fault).
# usage: test_tools.sh ANCESTRAL-TRAIN ANCESTRAL-MAKE-CORPUS ANCESTRAL-INFO ANCESTRAL-EVAL
set -eu
train=$1
corpus=$2
info=$3
eval=$4
d=$(mktemp -d "${TMPDIR:-/tmp}/anc-tools.XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/cli_checks.sh"

# value KEY FILE: the value of "KEY: value" (first match), or empty.
value() { sed -n "s/^$1: //p" "$2" | head -n 1; }
# finite KEY FILE: fails unless the value is a plain finite decimal number.
finite() {
  v=$(value "$1" "$2")
  echo "$v" | grep -Eq '^-?[0-9]+(\.[0-9]+)?$' || fail "$1 in $2 is not a finite number: '$v'"
}
# holds EXPRESSION: awk's verdict on a numeric comparison.
holds() { awk "BEGIN { exit !($1) }"; }

"$corpus" --small --quiet --seed 3 "$d/wav" >/dev/null
"$train" --latent 3 --hidden 48,24 --batch 64 --epochs 3 --fft 512 --hop 128 --rate 22050 \
  --seed 5 --quiet -o "$d/m.vae" "$d/wav" >"$d/train.txt"

# 1. info
"$info" "$d/m.vae" >"$d/info.txt" || fail "ancestral-info exited $?"
for k in file format_version size_bytes sample_rate n_fft hop window frame_rate_hz n_bins \
         n_latent hidden activation parameters decoder_parameters log_sigma sigma \
         sigma_db_approx epochs train_files val_files train_frames val_frames seed beta \
         train_lsd_db val_lsd_db pca_val_lsd_db val_elbo_nats_per_frame \
         latent_1 latent_2 latent_3; do
  grep -q "^$k: " "$d/info.txt" || fail "info lacks $k"
done
grep -q '^latent_4: ' "$d/info.txt" && fail "info shows a fourth latent of a 3-latent model"
[ "$(value hidden "$d/info.txt")" = "48,24" ] || fail "hidden is '$(value hidden "$d/info.txt")'"
[ "$(value n_bins "$d/info.txt")" = 257 ] || fail "n_bins is not 257"
[ "$(value size_bytes "$d/info.txt")" = "$(wc -c <"$d/m.vae" | tr -d ' ')" ] ||
  fail "size_bytes differs from the file's size"
[ "$(value parameters "$d/info.txt")" = "$(value parameters "$d/train.txt")" ] ||
  fail "info and the trainer disagree on the parameter count"
grep -Eq '^latent_1: kl [0-9.]+ mu_mean -?[0-9.]+ mu_std [0-9.]+ original_index [0-2]$' \
  "$d/info.txt" || fail "latent_1 line malformed: $(grep '^latent_1: ' "$d/info.txt")"
echo "ok info: all keys, 3 latent lines, sigma $(value sigma "$d/info.txt")" \
  "(~$(value sigma_db_approx "$d/info.txt") dB)"

# 2. eval
keys="frames clips seconds elbo_nats_per_frame log_px_nats_per_frame lsd_db voiced_fraction \
      spectral_convergence_db decoded_spectral_convergence_db"
"$eval" --model "$d/m.vae" --quiet "$d/wav" >"$d/rt.txt" || fail "ancestral-eval exited $?"
"$eval" --model "$d/m.vae" --quiet --phase random "$d/wav" >"$d/rnd.txt" ||
  fail "ancestral-eval --phase random exited $?"
"$eval" --model "$d/m.vae" --quiet --samples 1024 "$d/wav" >"$d/k1024.txt" ||
  fail "ancestral-eval --samples 1024 exited $?"
for f in rt rnd k1024; do
  for k in $keys; do finite "$k" "$d/$f.txt"; done
done
[ "$(value phase_method "$d/rt.txt")" = rtpghi ] || fail "default phase_method is not rtpghi"
[ "$(value phase_method "$d/rnd.txt")" = random ] || fail "phase_method is not random"

elbo=$(value elbo_nats_per_frame "$d/rt.txt")
lpx=$(value log_px_nats_per_frame "$d/rt.txt")
lpx1024=$(value log_px_nats_per_frame "$d/k1024.txt")
holds "$lpx >= $elbo" || fail "log_px $lpx below the ELBO $elbo"
holds "$lpx1024 >= $lpx - 0.05" || fail "log_px fell from $lpx (K=64) to $lpx1024 (K=1024)"
echo "ok elbo $elbo <= log_px $lpx (K=64) <= $lpx1024 (K=1024) nats per frame"

# The trainer measured LSD on its train and val frames; together they are the
# corpus's gated frames, so the counts add up and the frame-weighted LSD matches.
nt=$(value train_frames "$d/train.txt")
nv=$(value val_frames "$d/train.txt")
lt=$(value train_lsd_db "$d/train.txt")
lv=$(value val_lsd_db "$d/train.txt")
frames=$(value frames "$d/rt.txt")
lsd=$(value lsd_db "$d/rt.txt")
[ "$frames" -eq $((nt + nv)) ] || fail "eval gated $frames frames, the trainer $nt + $nv"
want=$(awk "BEGIN { printf \"%.4f\", ($nt * $lt + $nv * $lv) / ($nt + $nv) }")
holds "$lsd - $want < 0.01 && $want - $lsd < 0.01" ||
  fail "lsd_db $lsd, the trainer's figures give $want"
echo "ok lsd_db $lsd over $frames frames (trainer's train+val: $want)"

sc=$(value spectral_convergence_db "$d/rt.txt")
scr=$(value spectral_convergence_db "$d/rnd.txt")
dsc=$(value decoded_spectral_convergence_db "$d/rt.txt")
dscr=$(value decoded_spectral_convergence_db "$d/rnd.txt")
holds "$sc <= $scr - 6" || fail "RTPGHI spectral convergence $sc dB is not 6 dB below random $scr dB"
holds "$sc < 0 && $dsc < 0" || fail "spectral convergence not below 0 dB ($sc, $dsc)"
echo "ok spectral_convergence_db rtpghi $sc, random $scr;" \
  "decoded_spectral_convergence_db rtpghi $dsc, random $dscr"

# The model is pitch-relative (the default): info says so with its pitch range,
# and eval measures on linear bins like an absolute model's, whose eval sees the
# same pitch track and so the same voiced share of the same frames.
[ "$(value pitch "$d/info.txt")" = relative ] || fail "info: pitch is '$(value pitch "$d/info.txt")'"
[ "$(value pitch "$d/rt.txt")" = relative ] || fail "eval: pitch is '$(value pitch "$d/rt.txt")'"
range=$(value pitch_range_hz "$d/info.txt")
echo "$range" | awk -F'[.][.]' '{ exit !($1 >= 50 && $1 < $2 && $2 <= 2000) }' ||
  fail "implausible pitch range '$range'"
"$train" --pitch absolute --latent 3 --hidden 48,24 --batch 64 --epochs 3 --fft 512 --hop 128 \
  --rate 22050 --seed 5 --quiet -o "$d/abs.vae" "$d/wav" >"$d/abs-train.txt"
"$eval" --model "$d/abs.vae" --quiet "$d/wav" >"$d/abs.txt" || fail "ancestral-eval exited $?"
for k in $keys; do finite "$k" "$d/abs.txt"; done
[ "$(value pitch "$d/abs.txt")" = absolute ] || fail "eval: pitch is '$(value pitch "$d/abs.txt")'"
vr=$(value voiced_fraction "$d/rt.txt")
va=$(value voiced_fraction "$d/abs.txt")
[ "$vr" = "$va" ] || fail "voiced_fraction $vr (relative model) and $va (absolute) on the same audio"
holds "$vr > 0.3 && $vr <= 1" || fail "implausible voiced_fraction $vr"
[ "$(value frames "$d/abs.txt")" = "$frames" ] || fail "absolute and relative models gate other frames"
echo "ok relative model: pitch $range Hz, lsd_db $lsd; absolute: lsd_db $(value lsd_db "$d/abs.txt");" \
  "voiced_fraction $vr for both"

# 3. failures: exit 2, one line on stderr
damaged_models "$d/m.vae"
for m in short flip missing; do
  expect_2 "info on a $m model" "$d/$m.vae" "$info" "$d/$m.vae"
  expect_2 "eval with a $m model" "$d/$m.vae" "$eval" --model "$d/$m.vae" --quiet "$d/wav"
done
echo "ok truncated, damaged and missing models: exit 2, one line naming the file"

mkdir "$d/bad"
echo "not audio" >"$d/bad/x.wav"
printf 'RIFF' >"$d/bad/y.flac"
set +e
"$eval" --model "$d/m.vae" --quiet "$d/bad" >/dev/null 2>"$d/err.txt"
rc=$?
set -e
[ $rc -eq 2 ] || fail "only non-audio files: exit $rc, want 2"
grep -q "no usable audio" "$d/err.txt" || fail "no clear line for a folder of non-audio files"
[ "$(grep -vc 'warning: skipping' "$d/err.txt")" -eq 1 ] ||
  fail "non-audio folder: want one error line besides the warnings: $(cat "$d/err.txt")"
expect_2 "eval without inputs" "" "$eval" --model "$d/m.vae"
expect_2 "eval with --samples 8" "" "$eval" --model "$d/m.vae" --samples 8 "$d/wav"
expect_2 "eval with an unknown phase" "" "$eval" --model "$d/m.vae" --phase nope "$d/wav"
expect_2 "info without a model" "" "$info"
echo "ok non-audio inputs and bad usage: exit 2 with one clear line"
