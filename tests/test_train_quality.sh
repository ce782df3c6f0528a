#!/bin/sh
# test_train_quality.sh — the trainer's quality bar on the demo corpus (several
# harmonic timbres over a range of pitches plus noise bands, validation on
# held-out files): the VAE reconstructs held-out files better than a PCA with as
# many components as latent dimensions, and the training LSD falls every epoch.
# usage: test_train_quality.sh ANCESTRAL-TRAIN ANCESTRAL-MAKE-CORPUS
set -eu
train=$1
corpus=$2
d=$(mktemp -d "${TMPDIR:-/tmp}/anc-quality.XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$corpus" --quiet --seed 1 "$d/wav" >/dev/null
$train --latent 8 --hidden 256,128 --epochs 6 --batch 128 --threads 2 --seed 1 --quiet \
  --log "$d/log.csv" -o "$d/m.vae" "$d/wav" >"$d/sum.txt"
cat "$d/sum.txt"
val=$(sed -n 's/^val_lsd_db: //p' "$d/sum.txt")
pca=$(sed -n 's/^pca_val_lsd_db: //p' "$d/sum.txt")
awk -v v="$val" -v p="$pca" 'BEGIN { exit !(v < p) }' ||
  fail "val_lsd_db $val is not below pca_val_lsd_db $pca"
echo "ok val_lsd_db $val < pca_val_lsd_db $pca"
# column 9 of the log is train_lsd_db
awk -F, 'NR > 2 && !($9 < prev) { print "FAIL: train_lsd_db rose at epoch " $1 ": " prev " -> " $9; bad = 1 }
         NR > 1 { prev = $9; seq = seq " " $9 }
         END { if (!bad) print "ok train_lsd_db falls every epoch:" seq; exit bad }' "$d/log.csv"
