#!/bin/sh
# test_ttl.sh — validates the ancestral.lv2 bundle's Turtle:
#  1. serdi parses every .ttl in the bundle (syntax);
#  2. lv2_validate (Debian lv2-dev, which runs sord_validate from sordi) checks
#     them against the installed LV2 vocabularies: it must report "Found 0
#     errors" and exit 0, and print no warning (it exits 0 with warnings, so the
#     output is read, not just the status);
#  3. the lilv checks of test_ttl.c (ports against plugin/ports.h and the control
#     table of core/controls.h, metadata).
# A tool that is not installed is reported and skipped, never silently passed.
# usage: test_ttl.sh BUNDLE_DIR TEST_TTL_EXE    (LV2_PATH must find the bundle)
set -u
bundle=$1
checker=$2
failed=0
fail() { echo "FAIL: $*"; failed=1; }

[ -f "$bundle/manifest.ttl" ] || { echo "FAIL: no manifest.ttl in $bundle"; exit 1; }
ttls=$(find "$bundle" -maxdepth 1 -name '*.ttl' | sort)
n=$(echo "$ttls" | wc -l)

if command -v serdi >/dev/null 2>&1; then
  for f in $ttls; do
    if ! err=$(serdi -q -o ntriples "$f" 2>&1 >/dev/null) || [ -n "$err" ]; then
      fail "serdi: $f: $err"
    fi
  done
  [ "$failed" = 0 ] && echo "ok serdi: $n Turtle files parse"
else
  echo "notice: serdi not installed (Debian package serdi): syntax check skipped"
fi

if command -v lv2_validate >/dev/null 2>&1 && command -v sord_validate >/dev/null 2>&1; then
  # shellcheck disable=SC2086
  out=$(lv2_validate $ttls 2>&1)
  rc=$?
  # The spec's own doap file is absent from Debian's lv2-dev; sord_validate
  # says so on every run.
  noise='^Skipping file .*/lv2core\.doap\.ttl$'
  summary=$(echo "$out" | grep '^Found [0-9]* errors')
  problems=$(echo "$out" | grep -v "$noise" | grep -v '^Found [0-9]* errors' | grep -v '^$')
  echo "lv2_validate: ${summary:-no summary} (exit $rc)"
  if [ "$rc" != 0 ] || ! echo "$summary" | grep -q '^Found 0 errors' || [ -n "$problems" ]; then
    fail "lv2_validate reports problems:"
    echo "$problems" | sed 's/^/    /'
  else
    echo "ok lv2_validate: no errors, no warnings"
  fi
else
  echo "notice: lv2_validate or sord_validate not installed (Debian lv2-dev and sordi):" \
       "vocabulary check skipped"
fi

"$checker" || failed=1
[ "$failed" = 0 ] || { echo "test_ttl: FAILED"; exit 1; }
echo "test_ttl: all checks passed"
