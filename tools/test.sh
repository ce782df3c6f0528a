#!/usr/bin/env bash
# test.sh — the one test command: installs what is missing, builds with
# -Dwerror=true and runs every suite, then builds with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs every suite again.
# Build folders: build-ci/ and build-asan/ at the top of the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup-deps.sh --hosts

jobs=$(nproc)

echo "== build with -Dwerror=true"
if [[ -f build-ci/build.ninja ]]; then
  meson setup --reconfigure build-ci -Dwerror=true >/dev/null
else
  meson setup build-ci -Dwerror=true
fi
ninja -C build-ci -j "$jobs"
meson test -C build-ci --print-errorlogs --num-processes "$jobs"

echo "== build with -Db_sanitize=address,undefined"
if [[ -f build-asan/build.ninja ]]; then
  meson setup --reconfigure build-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
else
  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  meson test -C build-asan --print-errorlogs --num-processes "$jobs" --timeout-multiplier 4
# One closing line over both builds (meson's summary is per build).
count() { grep -cE "\"result\": \"($1)\"" build-ci/meson-logs/testlog.json build-asan/meson-logs/testlog.json |
  awk -F: '{ n += $2 } END { print n + 0 }'; }
echo "test.sh: all suites passed in both builds"
echo "$(count OK) passed, $(count 'FAIL|TIMEOUT|ERROR') failed, $(count SKIP) skipped"
