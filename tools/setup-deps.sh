#!/usr/bin/env bash
# setup-deps.sh — installs the Debian 12 packages that building, training and
# testing Ancestral need, when any is missing. Idempotent: a machine that has
# them all is left alone (no apt-get at all).
#   tools/setup-deps.sh            build + test dependencies
#   tools/setup-deps.sh --hosts    also the real-host test dependencies and the
#                                  browser that loads the HTML reports (chromium)
#   tools/setup-deps.sh --bench    also PyTorch, the baseline of tools/bench/
# Flags combine (--hosts --bench).
set -euo pipefail

pkgs=(
  gcc libc6-dev meson ninja-build pkg-config
  libfftw3-dev libopenblas-dev liblapacke-dev
  libsndfile1-dev libsamplerate0-dev libsmf-dev libpng-dev
  lv2-dev liblilv-dev lilv-utils sordi serdi
  fluidsynth timgm6mb-soundfont musescore-general-soundfont-small aubio-tools
)
for arg in "$@"; do
  case "$arg" in
    # libelf-dev: lv2lint's ELF checks, when tests/test_lv2lint.sh builds it;
    # chromium: tests/test_report.sh loads the training report in a real browser.
    --hosts) pkgs+=(ardour jalv jackd2 jack-capture libelf-dev chromium) ;;
    # Debian's torch, run by /usr/bin/python3 (not any python3 first on PATH).
    --bench) pkgs+=(python3 python3-numpy python3-torch) ;;
    *) echo "setup-deps: unknown flag '$arg' (--hosts, --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "setup-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

echo "setup-deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
