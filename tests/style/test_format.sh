#!/bin/sh
# Every C file of gradcalc is formatted by the .clang-format at the root.
cd "$(dirname "$0")/../.." || exit 1
if ! command -v clang-format >/dev/null 2>&1; then
    echo "not ok clang-format is not installed (make deps installs it)"
    echo done
    exit 0
fi
bad=0
for f in $(find src tests/c scripts -name '*.[ch]' | sort); do
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "not ok $f is formatted: run clang-format -i $f"
        bad=1
    fi
done
[ $bad -eq 0 ] && echo "ok every C file is formatted (clang-format)"
echo done
