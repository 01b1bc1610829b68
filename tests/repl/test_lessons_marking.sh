#!/bin/sh
# Marking lesson answers: the 3 significant figures rule at its boundary,
# both ways ("right" inside, "close: carry more digits" just outside, a
# hint further out); first and second tries scored apart, at the end of a
# lesson, in the progress file and in --lessons; an older progress file
# (version 1, one score) still read.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_lessons_marking.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GRADCALC_LESSONS="$top/lessons" XDG_STATE_HOME="$tmp/state"

ok() { echo "ok $1"; }
notok() { echo "not ok $1: $2"; [ -f "$tmp/out" ] && head -n 30 "$tmp/out" | sed 's/^/    | /'; }
gc() { timeout 120 "$GRADCALC" "$@" >"$tmp/out" 2>&1; }

# mark VALUE ANSWER: how a one-question lesson whose answer is VALUE marks
# ANSWER: right, close, or wrong. The value is computed by the lesson.
mark() {
    cat >"$tmp/one.lua" <<EOF
lesson { title = "One number", summary = "marking" }
code [[x = var($1) * 1]]
ask { "x", question = "Give x.", value = function() return x end, hint = "x itself." }
EOF
    printf '%s\nsolution\n' "$2" >"$tmp/in"
    gc --lesson "$tmp/one.lua" <"$tmp/in"
    if grep -q 'right: x = ' "$tmp/out"; then
        echo right
    elif grep -q 'close (you gave .*): carry more digits' "$tmp/out"; then
        echo close
    elif grep -q 'not quite' "$tmp/out" && grep -q '^Hint: x itself\.$' "$tmp/out"; then
        echo wrong
    else
        echo "unmarked"
    fi
}

# expect VALUE ANSWER VERDICT WHY
expect() {
    got=$(mark "$1" "$2")
    if [ "$got" = "$3" ]; then
        ok "$2 for $1 is $3 ($4)"
    else
        notok "$2 for $1 is $3 ($4)" "marked $got"
    fi
}

# 0.123456: 3 significant figures 0.123, the 3rd figure's unit 0.001.
expect 0.123456 0.123 right "rounded to 3 figures"
expect 0.123456 0.1229 right "rounds to 0.123"
expect 0.123456 0.1225 right "a half rounds away from zero, to 0.123"
expect 0.123456 0.12249 close "rounds to 0.122, 0.00097 below"
expect 0.123456 0.12395 right "within half a unit of the 3rd figure"
expect 0.123456 0.12396 close "just over half a unit above, rounds to 0.124"
expect 0.123456 0.1264 close "2.9 units off"
expect 0.123456 0.1265 wrong "over 3 units off: a hint, not 'close'"
expect 0.123456 -0.123456 wrong "the sign"
# A negative value and another magnitude: -45.6789, unit 0.1.
expect -45.6789 -45.7 right "rounded"
expect -45.6789 -45.65 right "a half rounds away from zero, to -45.7"
expect -45.6789 -45.75 close "rounds to -45.8"
expect -45.6789 -45.628 close "0.0509 above, rounds to -45.6"
expect -45.6789 -45.6290 right "within half a unit"
# Lesson 5's answers rounded to 3 figures are right (0.378 for 0.3775).
expect 0.3775 0.378 right "lesson 5: net_h1"
expect 0.3775 0.377 right "a half unit below 0.3775"
expect 0.3775 0.3769 close "just below"

# Lesson 5 with every answer rounded to 3 figures: all right at the first try.
"$GRADCALC" --lesson 5 --replay | sed -n 's/^  answer: [^=]* = //p' >"$tmp/exact"
count=$(wc -l <"$tmp/exact" | tr -d ' ')
awk '{ printf "%.3g\n", $1 }' "$tmp/exact" >"$tmp/rounded"
if gc --lesson 5 <"$tmp/rounded" &&
    grep -q "^End of lesson 5\. Score: $count of $count at the first try, $count of $count in the end\.$" "$tmp/out" &&
    ! grep -q 'not quite\|close (' "$tmp/out"; then
    ok "lesson 5 with every answer rounded to 3 figures: $count of $count at the first try"
else
    notok "lesson 5 with every answer rounded to 3 figures" "$(grep -c 'right:' "$tmp/out") right"
fi

# Wrong once, then right: no point at the first try, all in the end.
awk 'NR == FNR { a[FNR] = $0; n = FNR; next } END { for (i = 1; i <= n; i++) print "123456.789\n" a[i] }' \
    "$tmp/exact" "$tmp/exact" >"$tmp/second"
if gc --lesson 5 <"$tmp/second" &&
    grep -q "^End of lesson 5\. Score: 0 of $count at the first try, $count of $count in the end\.$" "$tmp/out"; then
    ok "right at the second try only: 0 of $count at the first try, $count of $count in the end"
else
    notok "second tries scored apart" "$(grep 'Score' "$tmp/out" || echo 'no score')"
fi
if grep -qx "lesson 05-network $count $count 0 $count 1" "$tmp/state/gradcalc/progress" &&
    gc --lessons </dev/null &&
    grep -q "  5  .*\[done: 0 of $count at the first try, $count of $count in the end\]" "$tmp/out"; then
    ok "first and second tries kept in the progress file and shown by --lessons"
else
    notok "first tries in the progress file and --lessons" "$(cat "$tmp/state/gradcalc/progress")"
fi

# Mixed: questions 1 and 3 right at once, 2 at the second try, then stop.
sed -n 1p "$tmp/exact" >"$tmp/mixed"
printf '9\n' >>"$tmp/mixed"
sed -n '2,3p' "$tmp/exact" >>"$tmp/mixed"
if gc --lesson 5 <"$tmp/mixed" && gc --lessons </dev/null &&
    grep -q '  5  .*\[stopped at question 4 of [0-9]*: 2 of 3 at the first try, 3 of 3 in the end\]' "$tmp/out"; then
    ok "a lesson stopped midway lists its first tries and its score"
else
    notok "a lesson stopped midway lists its first tries" "see output"
fi

# A version 1 progress file (one score, no first tries) is read, resumed,
# and written back as version 2 with the first tries not known.
printf 'gradcalc progress 1\nlesson 05-network 3 0 2 0\nlesson 01-vectors 8 8 7 1\n' \
    >"$tmp/state/gradcalc/progress"
if gc --lessons </dev/null && ! grep -q 'could not be read' "$tmp/out" &&
    grep -q '  1  .*\[done: 7 of 8 in the end\]' "$tmp/out" &&
    grep -q '  5  .*\[stopped at question 4: 2 of 3 in the end\]' "$tmp/out"; then
    ok "a version 1 progress file is read (its scores kept, first tries not known)"
else
    notok "a version 1 progress file is read" "see output"
fi
sed -n '4,$p' "$tmp/exact" >"$tmp/rest"
if gc --lesson 5 --resume <"$tmp/rest" &&
    grep -q 'continued at question 4 (so far 2 of 3 in the end)' "$tmp/out" &&
    grep -q "^End of lesson 5\. Score: $((count - 1)) of $count in the end\.$" "$tmp/out" &&
    head -n 1 "$tmp/state/gradcalc/progress" | grep -qx 'gradcalc progress 2' &&
    grep -qx "lesson 05-network $count $count - $((count - 1)) 1" "$tmp/state/gradcalc/progress" &&
    grep -qx 'lesson 01-vectors 8 8 - 7 1' "$tmp/state/gradcalc/progress"; then
    ok "a version 1 lesson resumed: written back as version 2, first tries '-'"
else
    notok "a version 1 lesson resumed and written as version 2" "$(cat "$tmp/state/gradcalc/progress")"
fi
echo done
