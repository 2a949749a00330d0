#!/bin/sh
# Makes one layer's view of the sources (meson.build, "The layer rule"): a
# directory holding one symlink per layer the library may include, named as
# headers are included ("queue/spool.h" finds view/queue/spool.h). The library
# compiles with this directory as its only project include path, so a header
# of any other layer is simply not found. Run by meson at configure time.
# Usage: layer_view.sh SOURCE_ROOT VIEW_DIR LAYER...
set -eu
src=$1
view=$2
shift 2
case $view in
    */layer-views/*) ;;
    *) echo "layer_view.sh: $view is not under layer-views/" >&2; exit 1 ;;
esac
rm -rf "$view"
mkdir -p "$view"
for layer in "$@"; do
    case $layer in
        smtpsec) target=$src/include/smtpsec ;;  # the public codec API, part of wire
        *) target=$src/src/$layer ;;
    esac
    # A layer listed before its directory exists (a new one being written)
    # gets no link; adding its subdir() to meson.build re-runs this.
    [ -d "$target" ] || continue
    ln -s "$target" "$view/$layer"
done
