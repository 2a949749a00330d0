#!/bin/bash
# Formats the C++ sources (src/, include/, tests/, bench/) with the project's
# .clang-format, using clang-format 14 as Debian 12 ships it (another version
# formats some constructs differently).
#   scripts/format.sh           rewrites the files in place
#   scripts/format.sh --check   changes nothing; fails and names every file
#                               that differs (the test command runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
version=$("$CLANG_FORMAT" --version)
case $version in
    *"version 14."*) ;;
    *) echo "format.sh: warning: $version is not clang-format 14; its output may differ" >&2 ;;
esac
mapfile -t files < <(find src include tests bench -type f \( -name '*.cc' -o -name '*.h' \) | sort)
case ${1:-} in
    "")
        "$CLANG_FORMAT" -i "${files[@]}"
        ;;
    --check)
        # --dry-run reports each place it would change; keep only the file names.
        report=$("$CLANG_FORMAT" --dry-run --Werror "${files[@]}" 2>&1) && exit 0
        differing=$(grep -oE '^[^:]+\.(cc|h):[0-9]+:[0-9]+: error' <<<"$report" | cut -d: -f1 | sort -u)
        if [ -z "$differing" ]; then
            echo "$report" >&2
            exit 1
        fi
        echo "format.sh: $(wc -l <<<"$differing") file(s) differ from .clang-format (run scripts/format.sh):" >&2
        sed 's/^/  /' <<<"$differing" >&2
        exit 1
        ;;
    *)
        echo "usage: scripts/format.sh [--check]" >&2
        exit 64
        ;;
esac
