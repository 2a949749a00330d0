#!/bin/bash
# Builds the Debian package from this source tree once per content, for the
# tests that install it (package_test.sh, two-host/two_host_test.sh): the
# build takes minutes, so a package built from the same files is reused.
# Prints the path of the .deb on stdout; the build log goes to
# BUILD_DIR/package/build.log.
#
#   build_deb.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
SRC=$(realpath "$1"); OUT=$(realpath -m "$2/package")
mkdir -p "$OUT"
exec 9> "$OUT/.lock"
flock 9  # two tests asking at once build it once
# A fixed work path: the compiler's command lines stay the same from one
# build to the next, so ccache serves the unchanged objects.
work="$OUT/work"
rm -rf "$work"; mkdir -p "$work/src"
trap 'rm -rf "$work"' EXIT
# A copy of the tracked files (and new ones not ignored) that go into the
# package: no build directories, no tests or benchmarks (the package is
# built with -Dtests=false -Dbench=false), so that a test's own edit does
# not rebuild it.
if git -C "$SRC" rev-parse >/dev/null 2>&1; then
    git -C "$SRC" ls-files -z --cached --others --exclude-standard -- . ':!tests' ':!bench' ':!scripts' |
        (cd "$SRC" && xargs -0 cp --parents -t "$work/src" 2>/dev/null) || true
    # The one script the build runs (the layer rule, meson.build).
    (cd "$SRC" && cp --parents scripts/layer_view.sh "$work/src")
else
    cp -a "$SRC/." "$work/src"; rm -rf "$work/src/tests" "$work/src/bench"
fi
rm -rf "$work/src"/build*
hash=$(cd "$work/src" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
deb=$(ls "$OUT"/smtpsec-gateway_*.deb 2>/dev/null | grep -v dbgsym | head -1 || true)
if [ -n "$deb" ] && [ "$(cat "$OUT/source-hash" 2>/dev/null)" = "$hash" ]; then
    echo "$deb"; exit 0
fi
echo "building the package (dpkg-buildpackage -us -uc -b)" >&2
rm -f "$OUT"/*.deb "$OUT"/*.ddeb "$OUT/source-hash"
# No -dbgsym package: nobody installs it here, and compressing it takes
# minutes.
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="noddebs ${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -us -uc -b -j2 > "$OUT/build.log" 2>&1); then
    tail -40 "$OUT/build.log" >&2; echo "build_deb.sh: dpkg-buildpackage failed" >&2; exit 1
fi
mv "$work"/*.deb "$OUT"/
if ls "$work"/*.ddeb >/dev/null 2>&1; then mv "$work"/*.ddeb "$OUT"/; fi
echo "$hash" > "$OUT/source-hash"
ls "$OUT"/smtpsec-gateway_*.deb | grep -v dbgsym | head -1
