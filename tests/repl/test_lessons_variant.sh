#!/bin/sh
# Variants: lesson(n, {variant = K}) gives a learner their own numbers in
# a lesson that takes variants (lesson 3), the answers following, the
# same for the same K; a lesson with fixed numbers (lesson 5) says it
# ignores K; a bad K is refused.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_lessons_variant.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GRADCALC_LESSONS="$top/lessons" XDG_STATE_HOME="$tmp/state"
golden="$top/tests/golden/lessons"

ok() { echo "ok $1"; }
notok() { echo "not ok $1: $2"; [ -f "$tmp/out" ] && head -n 20 "$tmp/out" | sed 's/^/    | /'; }
gc() { timeout 120 "$GRADCALC" "$@" >"$tmp/out" 2>&1; }
answers() { sed -n 's/^  answer: [^=]* = //p' "$1"; }

gc -e 'lesson(3, {replay = true, variant = 7})' </dev/null; cp "$tmp/out" "$tmp/v7"
gc -e 'lesson(3, {replay = true, variant = 7})' </dev/null; cp "$tmp/out" "$tmp/v7b"
answers "$golden/03-neuron.txt" >"$tmp/a0"
answers "$tmp/v7" >"$tmp/a7"
count=$(wc -l <"$tmp/a0" | tr -d ' ')
if head -n 1 "$tmp/v7" | grep -q '^Lesson 3: .* (variant 7)$' && grep -q '^End of lesson 3\. ' "$tmp/v7" &&
    [ "$(wc -l <"$tmp/a7" | tr -d ' ')" -eq "$count" ] && ! cmp -s "$tmp/a0" "$tmp/a7" &&
    ! grep -q '^  > x, y, z = var(-2, "x"), var(5, "y"), var(-4, "z")$' "$tmp/v7"; then
    ok "lesson 3 variant 7: its own numbers and answers, replayed to the end"
else
    notok "lesson 3 variant 7: its own numbers" "see output"
fi
if cmp -s "$tmp/v7" "$tmp/v7b"; then
    ok "the same variant gives the same lesson"
else
    notok "the same variant gives the same lesson" "two runs differ"
fi
gc -e 'lesson(3, {replay = true, variant = 8})' </dev/null
if ! cmp -s "$tmp/out" "$tmp/v7"; then ok "another variant, other numbers"; else notok "another variant, other numbers" "same"; fi

# The variant's answers score in full in that variant; the default ones do not.
if gc -e 'lesson(3, {variant = 7})' <"$tmp/a7" &&
    grep -q "^End of lesson 3\. Score: $count of $count at the first try, $count of $count in the end\.$" "$tmp/out"; then
    ok "the answers of variant 7 score $count of $count in variant 7"
else
    notok "the answers of variant 7 score in full" "$(grep Score "$tmp/out")"
fi
if gc -e 'lesson(3, {variant = 7})' <"$tmp/a0" && ! grep -q "Score: $count of $count at the first try" "$tmp/out"; then
    ok "the default answers are not all right in variant 7"
else
    notok "the default answers are not all right in variant 7" "$(grep Score "$tmp/out")"
fi

# Without a variant lesson 3 is its golden transcript (tested by
# test_lessons.sh); lesson 5's numbers are fixed: the variant is ignored.
if gc -e 'lesson(5, {replay = true, variant = 7})' </dev/null &&
    grep -qx "(This lesson's numbers are fixed: variant 7 is ignored.)" "$tmp/out" &&
    grep -v "^(This lesson's numbers are fixed" "$tmp/out" | cmp -s - "$golden/05-network.txt"; then
    ok "lesson 5 ignores a variant, and says so"
else
    notok "lesson 5 ignores a variant" "see output"
fi

# A handout of the variant: its heading and its answers.
if gc -e 'lesson(3, {handout = true, answers = true, variant = 7})' </dev/null &&
    head -n 1 "$tmp/out" | grep -q '^# Lesson 3: .* (variant 7)$' &&
    sed -n '/^## Answer key$/,$p' "$tmp/out" | sed -n 's/^\*\*[0-9]*\.\*\* `[^=]* = \(.*\)`$/\1/p' | cmp -s - "$tmp/a7"; then
    ok "the handout of variant 7 has its numbers and answers"
else
    notok "the handout of variant 7" "see output"
fi

for bad in 0 -3 1.5 '"x"'; do
    if ! gc -e "lesson(3, {variant = $bad})" </dev/null && grep -q 'K is a whole number from 1 up' "$tmp/out"; then
        ok "variant $bad is refused"
    else
        notok "variant $bad is refused" "see output"
    fi
done
echo done
