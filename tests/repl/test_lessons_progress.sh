#!/bin/sh
# The lessons' progress file read back when damaged: a count too big for
# an integer, or otherwise impossible, is a damaged line (the file is set
# aside, the lesson runs); two files set aside in one second keep both.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_lessons_progress.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GRADCALC_LESSONS="$top/lessons" XDG_STATE_HOME="$tmp/state"
state="$tmp/state/gradcalc"
mkdir -p "$state"

ok() { echo "ok $1"; }
notok() { echo "not ok $1: $2"; [ -f "$tmp/out" ] && head -n 20 "$tmp/out" | sed 's/^/    | /'; }
gc() { timeout 120 "$GRADCALC" "$@" >"$tmp/out" 2>&1; }

printf '0.3775\n' >"$tmp/one"

# damaged NAME LINE: a progress file with LINE is set aside as damaged, and
# lesson 5 runs (and writes a fresh file).
damaged() {
    rm -f "$state"/progress*
    printf 'gradcalc progress 2\n%s\n' "$2" >"$state/progress"
    if gc --lesson 5 <"$tmp/one" && grep -q 'could not be read (line 2 is damaged)' "$tmp/out" &&
        ! grep -q 'integer representation\|stopped:' "$tmp/out" && grep -q '^Question 1\. ' "$tmp/out" &&
        ls "$state" | grep -q '^progress\.corrupt-' &&
        grep -qx 'lesson 05-network 1 0 1 1 0' "$state/progress"; then
        ok "$1: set aside as damaged, the lesson runs"
    else
        notok "$1: set aside as damaged, the lesson runs" "see output"
    fi
}

damaged "a count too big for an integer" 'lesson 01-vectors 99999999999999999999999 0 0 0 0'
damaged "a count of 2^63" 'lesson 01-vectors 9223372036854775808 0 0 0 0'
damaged "a score too big for an integer" 'lesson 05-network 3 0 1 99999999999999999999999 0'
damaged "more right than answered" 'lesson 05-network 3 0 2 7 0'
damaged "more right at the first try than in the end" 'lesson 05-network 3 0 3 2 0'

# The same in a version 1 file, and --lessons too.
rm -f "$state"/progress*
printf 'gradcalc progress 1\nlesson 01-vectors 99999999999999999999999 0 0 0\n' >"$state/progress"
if gc --lessons </dev/null && grep -q 'could not be read (line 2 is damaged)' "$tmp/out" &&
    ! grep -q 'integer representation' "$tmp/out" && grep -q '  1  .*\[not started\]' "$tmp/out"; then
    ok "a version 1 file with a count too big for an integer: set aside, --lessons lists"
else
    notok "a version 1 file with a count too big for an integer" "see output"
fi

# The line of the report: a version 1 file, and the lesson resumed.
rm -f "$state"/progress*
printf 'gradcalc progress 1\nlesson 01-vectors 99999999999999999999999 0 0 0\n' >"$state/progress"
if gc --lesson 1 --resume </dev/null && grep -q 'could not be read (line 2 is damaged)' "$tmp/out" &&
    ! grep -q 'integer representation' "$tmp/out" && grep -q '^Question 1\. ' "$tmp/out"; then
    ok "--resume with a count too big for an integer: set aside, the lesson starts"
else
    notok "--resume with a count too big for an integer" "see output"
fi

# Two damaged files set aside within one second: both are kept.
rm -f "$state"/progress*
for i in 1 2 3; do
    printf 'not a progress file %s\n' "$i" >"$state/progress"
    gc --lessons </dev/null
done
kept=$(ls "$state" | grep -c '^progress\.corrupt-')
found=0
for i in 1 2 3; do
    grep -qx "not a progress file $i" "$state"/progress.corrupt-* && found=$((found + 1))
done
if [ "$kept" -eq 3 ] && [ "$found" -eq 3 ]; then
    ok "three files set aside in quick succession are all kept"
else
    notok "three files set aside in quick succession are all kept" "$kept kept, $found found"
fi
echo done
