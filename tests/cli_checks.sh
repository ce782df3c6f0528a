# cli_checks.sh — shell helpers shared by the command-line tests (sourced, not
# run). The sourcing script defines $d (its temporary folder) and fail().

# expect_2 WHAT MUST_NAME COMMAND...: the command exits 2 with one stderr line
# that contains MUST_NAME (when not empty).
expect_2() {
  what=$1
  name=$2
  shift 2
  set +e
  "$@" >/dev/null 2>"$d/err.txt"
  rc=$?
  set -e
  [ $rc -eq 2 ] || fail "$what: exit $rc, want 2 ($(cat "$d/err.txt"))"
  [ "$(wc -l <"$d/err.txt")" -eq 1 ] || fail "$what: want one line, got: $(cat "$d/err.txt")"
  [ -z "$name" ] || grep -qF -- "$name" "$d/err.txt" ||
    fail "$what: the line does not name $name: $(cat "$d/err.txt")"
}

# damaged_models MODEL: writes $d/short.vae (the first half of MODEL) and
# $d/flip.vae (MODEL with one byte in the middle changed, which the checksum
# must catch).
damaged_models() {
  size=$(wc -c <"$1" | tr -d ' ')
  head -c $((size / 2)) "$1" >"$d/short.vae"
  cp "$1" "$d/flip.vae"
  off=$((size / 2))
  dd if="$1" bs=1 skip=$off count=1 2>/dev/null | tr '\000-\377' '\001-\377\000' |
    dd of="$d/flip.vae" bs=1 seek=$off conv=notrunc 2>/dev/null
  cmp -s "$1" "$d/flip.vae" && fail "the byte flip did not change the file"
  return 0
}
