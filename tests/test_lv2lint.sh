#!/bin/sh
# test_lv2lint.sh — lv2lint, the LV2 linter plugin authors run, on both plugins of
# the built bundle: the strict run (-Mnopack -Ewarn), with its notes shown (-Snote).
# Every warning, note and failure it reports must be one of the ACCEPTED ones
# below, each kept on purpose for the reason given there; anything else fails
# the test. An accepted item lv2lint no longer reports is mentioned, so the
# list can shrink.
# lv2lint is not packaged in Debian 12: it is built once into LV2LINT_DIR (in
# the build folder) by ../shared/tools/build-lv2lint.sh beside the source tree
# when that exists, and reused; without it and without a built lv2lint the
# test skips.
# usage: test_lv2lint.sh BUNDLE_DIR LV2LINT_DIR
# Exit: 0 pass, 1 fail, 77 skip (no lv2lint and nothing to build it with).
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || { echo "usage: test_lv2lint.sh BUNDLE_DIR LV2LINT_DIR"; exit 2; }
bundle=$(cd "$1" && pwd)
prefix=$2
uris='urn:ancestral:synth urn:ancestral:transfer'

# What lv2lint reports and we keep, for both plugins, as SUBJECT|LEVEL|TEST, each
# with its reason. PLUGIN stands for the plugin's URI; the enabled port is
# named by its symbol (its index differs between the plugins).
ACCEPTED='
<PLUGIN>|WARN|Plugin Linking
  The module links FFTW (libfftw3f.so.3) dynamically, as Debian ships it;
  lv2lint lists only libc, libm and a few others as safe to link. Linking
  FFTW statically is possible (Debian'\''s libfftw3f.a is position-independent)
  and would give the plugin a private FFTW, but it puts ~2 MB of GPL-2+ code
  inside the module, so anyone who passes the bundle on must pass FFTW'\''s
  source and terms with it, and the module no longer gets the distribution'\''s
  FFTW fixes. The licence of the combination is the same either way: the
  plugin uses FFTW (GPL-2+) whether it is linked statically or dynamically,
  and the project'\''s ISC licence is compatible with it. The cost of the
  dynamic link: FFTW is shared with the host and its other plugins, whose
  planner calls core/stft.c'\''s planner lock does not cover.
<PLUGIN>|WARN|Plugin Author Email
  foaf:mbox: the project has no public e-mail address, and an invented one
  (even in .invalid) would tell users to write to nobody.
<PLUGIN>|WARN|Plugin Author Homepage
  foaf:homepage: the project has no public homepage; none is invented.
<PLUGIN>|NOTE|Plugin Version Minor
  lv2:minorVersion 0 marks a development version, which Ancestral (0.1.0) is;
  an even minor version is for the first release.
<PLUGIN>|NOTE|Plugin Worker
  work:interface has no end_run: it is optional, and the plugin has nothing
  to do at the end of a cycle (work_response does the swapping).
<PLUGIN>|NOTE|Plugin Is Live
  lv2:isLive would promise a live dependency on real time (as a plugin that
  reads a socket has); the plugin has none, its output depends only on its
  inputs.
{N : enabled}|NOTE|Port Default
  A toggled port'\''s default written as 1.0, not true: lilv 0.24 returns NaN
  as the default of a port whose default is the boolean true.
<PLUGIN#model>|NOTE|Parameter Unit
  The model parameter is a file path (atom:Path): it has no unit.
'

# A stamp marks a finished build: an interrupted one is redone.
if [ ! -f "$prefix/.built" ]; then
  builder=$here/../../shared/tools/build-lv2lint.sh
  if [ ! -f "$builder" ]; then
    echo "SKIP: lv2lint is not built in $prefix, and there is no shared/tools/build-lv2lint.sh" \
      "beside the source tree to build it (Debian 12 does not package lv2lint)"
    exit 77
  fi
  # The builder would install libelf-dev itself; a test installs nothing.
  if ! pkg-config --exists libelf; then
    echo "SKIP: building lv2lint needs libelf (Debian libelf-dev; tools/setup-deps.sh --hosts)"
    exit 77
  fi
  mkdir -p "$prefix"
  prefix=$(cd "$prefix" && pwd)
  echo "building lv2lint into $prefix once, log in $prefix.build.log"
  if ! sh "$builder" "$prefix" >"$prefix.build.log" 2>&1 || [ ! -x "$prefix/bin/lv2lint" ]; then
    tail -n 30 "$prefix.build.log" | sed 's/^/  | /'
    echo "FAIL: building lv2lint with $builder failed"
    exit 1
  fi
  touch "$prefix/.built"
fi
[ -f "$bundle/manifest.ttl" ] || { echo "FAIL: no manifest.ttl in $bundle"; exit 1; }

failed=0
keys=$(echo "$ACCEPTED" | grep -v '^ ' | grep -v '^$')
for uri in $uris; do
# lv2lint needs the LV2 specification bundles (Debian's, in /usr/lib/lv2); the
# plugin comes from this bundle (-I), not from any installed copy.
out=$(LV2_PATH=/usr/lib/lv2 "$prefix/bin/lv2lint" -Mnopack -Ewarn -Snote -I "$bundle/" "$uri" 2>&1)
rc=$?
echo "lv2lint -Mnopack -Ewarn -Snote -I $bundle/ $uri: exit $rc"
echo "$out" | sed 's/^/  | /'

# One line per finding: SUBJECT|LEVEL|TEST|first message line.
found=$(echo "$out" | awk '
  /^ *(<[^>]*>|\{[^}]*\})$/ { s = $0; sub(/^ */, "", s); next }
  /^    \[(WARN|NOTE|FAIL)\]/ {
    l = substr($1, 2, 4); t = $0; sub(/^ *\[[A-Z]*\] */, "", t); want = 1; next }
  want { m = $0; sub(/^ */, "", m); print s "|" l "|" t "|" m; want = 0 }' |
  sed "s|^<$uri|<PLUGIN|; s|^{[0-9]* : enabled}|{N : enabled}|")
n_warn=$(echo "$found" | grep -c '|WARN|')
n_note=$(echo "$found" | grep -c '|NOTE|')
n_fail=$(echo "$found" | grep -c '|FAIL|')
echo "lv2lint <$uri>: $n_fail failures, $n_warn warnings, $n_note notes"

echo "$out" | grep -q "^<$uri>\$" || { echo "FAIL: lv2lint did not check <$uri>"; failed=1; }
# -Ewarn: a warning or failure makes the exit status non-zero, and only then.
if [ $((n_warn + n_fail)) -gt 0 ] && [ "$rc" = 0 ]; then
  echo "FAIL: lv2lint exited 0 with warnings or failures (it does not run strict)"; failed=1
fi
if [ $((n_warn + n_fail)) = 0 ] && [ "$rc" != 0 ]; then
  echo "FAIL: lv2lint exited $rc with nothing reported (crashed?)"; failed=1
fi

verdicts=$(echo "$found" | grep -v '^$' | while IFS= read -r f; do
  if echo "$keys" | grep -qxF "$(echo "$f" | cut -d'|' -f1-3)"; then
    echo "accepted: $f"
  else
    echo "FAIL: not accepted: $f"
  fi
done)
echo "$verdicts"
echo "$verdicts" | grep -q '^FAIL' && failed=1
echo "$keys" | while IFS= read -r k; do
  echo "$found" | cut -d'|' -f1-3 | grep -qxF "$k" ||
    echo "notice: <$uri>: accepted '$k' is no longer reported"
done
done

[ "$failed" = 0 ] || { echo "test_lv2lint: FAILED"; exit 1; }
echo "test_lv2lint: only the accepted findings"
