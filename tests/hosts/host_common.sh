# host_common.sh — shell helpers shared by the host tests (sourced, not run).

# val KEY LOG: the value of the first "KEY: value" line of LOG.
val() { sed -n "s/^$1: //p" "$2" | head -n 1; }

# expected_latency RENDER MODEL SCRATCH.wav: the latency the engine reports for
# MODEL at 48 kHz (ancestral-render prints it): half its hop plus its rate
# converter's delay (core/engine.c; test_plugin measures that this is the true
# delay). Fails when ancestral-render does.
expected_latency() {
  "$1" --model "$2" --rate 48000 --seconds 0.1 -o "$3" |
    awk '/^latency_samples: /{print $2; found = 1} END { if (!found) exit 1 }'
}

# within A B TOL: |A - B| <= TOL (decimal numbers; an empty one fails).
within() {
  awk -v a="${1:-nan}" -v b="${2:-nan}" -v t="$3" \
    'BEGIN { if (a == "nan" || b == "nan") exit 1; d = a - b; exit !(d <= t && -d <= t) }'
}

# sanitizer_preload MODULE: the sanitizer runtimes MODULE links (a sanitizer
# build's plugin), space-separated, to preload into a host that dlopens it;
# nothing for a plain build.
sanitizer_preload() {
  if [ -f "$1" ] && command -v ldd >/dev/null 2>&1; then
    ldd "$1" | awk '$1 ~ /^lib(asan|ubsan|tsan|lsan)\.so/ && $3 ~ /^\// { printf "%s ", $3 }'
  fi
}

# same_values WHAT BEFORE AFTER: two comma-separated lists of control values
# compared as text; prints the verdict, returns 1 when they differ or are empty.
same_values() {
  if [ -n "$2" ] && [ "$2" = "$3" ]; then
    echo "$1: identical ($(echo "$2" | tr ',' '\n' | wc -l) values)"
    return 0
  fi
  echo "$1: they differ"
  echo "  before: $2"
  echo "  after:  $3"
  return 1
}

# preset_value PRESET.ttl SYMBOL: the pset:value a preset gives that port.
preset_value() {
  awk -v s="\"$2\"" '$1 == "lv2:symbol" && $2 == s { want = 1; next }
    want && $1 == "pset:value" { print $2 + 0; exit }' "$1"
}
