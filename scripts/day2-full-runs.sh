#!/bin/sh
# The day-2 lessons' trainings at full size (GRADCALC_LESSON_FULL=1: all
# 60,000 Fashion-MNIST training images, more epochs), replayed, with the
# accuracies they reach printed (every line of the transcripts with a
# percentage); the whole transcripts are kept in a
# folder. Takes several minutes on 2 cores. Needs the Debian package
# dataset-fashion-mnist (or GRADCALC_DATA naming a folder with its files).
# usage: sh scripts/day2-full-runs.sh [GRADCALC] [OUTPUT_FOLDER]
top=$(cd "$(dirname "$0")/.." && pwd)
gradcalc=${1:-$top/gradcalc}
out=${2:-day2-full-runs}
[ -x "$gradcalc" ] || { echo "no gradcalc at $gradcalc (run make, or name it)" >&2; exit 2; }
if ! "$gradcalc" -e 'data.fashion_mnist{split = "test"}' >/dev/null 2>&1; then
    echo "Fashion-MNIST is not installed: sudo apt-get install dataset-fashion-mnist" >&2
    exit 2
fi
mkdir -p "$out" || exit 2
export GRADCALC_LESSONS="$top/lessons" GRADCALC_LESSON_FULL=1
status=0
for file in "$top"/lessons/1[0-9]-*.lua; do
    grep -q 'GRADCALC_LESSON_FULL' "$file" || continue
    id=$(basename "$file" .lua)
    n=${id%%-*}
    echo "== lesson $n ($id), full size"
    start=$(date +%s)
    if "$gradcalc" --lesson "$n" --replay </dev/null >"$out/$id.txt" 2>"$out/$id.progress"; then
        grep -E '[0-9] %' "$out/$id.txt" | grep -v '^  >' | sed 's/^/   /'
        echo "   ($(($(date +%s) - start)) s; transcript in $out/$id.txt)"
    else
        echo "   FAILED: see $out/$id.txt"
        tail -n 5 "$out/$id.txt" | sed 's/^/   | /'
        status=1
    fi
done
exit $status
