#!/bin/sh
# The day-2 sequence lessons (12, recurrent networks; 15, attention, when
# it is there), with their trainings at reduced sizes
# (GRADCALC_LESSON_QUICK=1): each replays as its golden transcript
# (tests/golden/lessons/<lesson>.txt; GOLDEN_UPDATE=1 rewrites them), runs
# from a pipe with the right answers to a full score and with wrong ones
# to hints and worked solutions, and its catalogued mistakes get their
# hints. Without Debian's word lists (wamerican, wfrench) lesson 12 stops
# before its training: its transcript is then not compared, the questions
# still are.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_lessons_day2_seq.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GRADCALC_LESSONS="$top/lessons" XDG_STATE_HOME="$tmp/state" GRADCALC_LESSON_QUICK=1
golden="$top/tests/golden/lessons"

. "$top/tests/repl/lessons_lib.sh"
gc() { timeout 300 "$GRADCALC" "$@" >"$tmp/out" 2>"$tmp/err"; }

have_words=
"$GRADCALC" -e 'data.words({"english", "french"}, {per_lang = 2})' >/dev/null 2>&1 && have_words=1

# needs_words FILE: the lesson reads the word lists.
needs_words() { grep -q 'data\.words' "$1"; }

for file in "$top"/lessons/12-*.lua "$top"/lessons/15-*.lua; do
    [ -e "$file" ] || continue
    id=$(basename "$file" .lua)
    n=${id%%-*}

    if ! gc --lesson "$n" --replay </dev/null; then
        notok "lesson $id replays" "exit status $?"
        head -n 5 "$tmp/err"
        continue
    fi
    cp "$tmp/out" "$tmp/replay"
    if needs_words "$file" && [ -z "$have_words" ]; then
        ok "lesson $id golden transcript skipped: the word lists are not installed (apt-get install wamerican wfrench)"
    else
        compare_golden "$id"
    fi
    answer_checks "$id" "$n" || continue
    cp "$tmp/answers" "$tmp/right${n#0}"
done

# The training prints its held-out accuracies (only with the word lists).
if [ -n "$have_words" ] && [ -e "$top"/lessons/12-rnn.lua ]; then
    if grep -q '^held-out accuracy: RNN [0-9.]* %   LSTM [0-9.]* %$' "$golden/12-rnn.txt"; then
        ok "lesson 12 trains an RNN and an LSTM and prints both accuracies"
    else
        notok "lesson 12 prints both accuracies" "no 'held-out accuracy' line in its transcript"
    fi
fi

# Lesson 15 trains its model with and without positions and prints both.
if [ -e "$top"/lessons/15-attention.lua ]; then
    if grep -q '^digits right on held-out sequences: with positions [0-9.]* %, without [0-9.]* %$' "$golden/15-attention.txt"; then
        ok "lesson 15 trains with and without positions and prints both accuracies"
    else
        notok "lesson 15 prints both accuracies" "no 'digits right' line in its transcript"
    fi
fi

# hint LESSON QUESTION ANSWER TEXT: at question QUESTION of lesson LESSON
# (the other questions answered right), ANSWER gets a hint saying TEXT (a
# fixed string); check_hints LESSON checks them, one wrong answer a
# question a run.
hint() {
    printf '%s\t%s\t%s\n' "$2" "$3" "$4" >>"$tmp/hints$1"
}
check_hints() {
    l=$1
    [ -s "$tmp/right$l" ] ||
        "$GRADCALC" --lesson "$l" --replay </dev/null 2>/dev/null | sed -n 's/^  answer: [^=]* = //p' >"$tmp/right$l"
    awk -F '\t' '{ print ++seen[$1] "\t" $0 }' "$tmp/hints$l" >"$tmp/passes$l"
    passes=$(cut -f 1 "$tmp/passes$l" | sort -n | tail -n 1)
    p=1
    while [ "$p" -le "$passes" ]; do
        awk -F '\t' -v p="$p" 'NR == FNR { if ($1 == p) { wrong[$2] = $3; if ($2 > last) last = $2 }; next }
            FNR <= last { if (FNR in wrong) print wrong[FNR]; print }' "$tmp/passes$l" "$tmp/right$l" >"$tmp/in"
        printf 'quit\n' >>"$tmp/in"
        timeout 300 "$GRADCALC" --lesson "$l" <"$tmp/in" >"$tmp/out" 2>/dev/null
        awk -F '\t' -v p="$p" '$1 == p' "$tmp/passes$l" >"$tmp/pass"
        while IFS="$(printf '\t')" read -r _ q answer text; do
            sed -n "/^Question $q\\. /,/^Question $((q + 1))\\. /p" "$tmp/out" | sed -n '/✗ /,$p' >"$tmp/said"
            name="lesson $l question $q: $answer gets '$text'"
            if grep -q '✗ not quite' "$tmp/said" && grep -qF -- "$text" "$tmp/said"; then
                ok "$name"
            else
                echo "not ok $name: the hint differs"
                sed 's/^/    | /' "$tmp/said" | head -n 10
            fi
        done <"$tmp/pass"
        p=$((p + 1))
    done
}

# Lesson 12, recurrent networks: the tanh left out, the state not carried,
# the tanh's derivative left out of a factor, one factor of w_hh too many,
# the norm of one parameter or each element clipped, tanh for a gate, the
# forget path left out, the tanh of c left out, the input gate for ∂c1/∂c0.
if [ -e "$top"/lessons/12-rnn.lua ]; then
    hint 12 1 '0.8' 'That is before the tanh'
    hint 12 2 'math.tanh(0.4)' 'You left out w_hh×h1'
    hint 12 3 'math.tanh(-0.8)' 'You left out w_hh×h2'
    hint 12 4 '0.5*0.5' 'with the tanh'"'"'s derivatives 1 − h_t² left out'
    hint 12 4 'w_hh:item()^2*(1 - h[2]:item()^2)' 'is left out'
    hint 12 4 "$(sed -n 's/^∂h3\/∂h1 = .* = \([0-9.]*\) × [0-9.]* = [0-9.]*$/\1/p' "$golden/12-rnn.txt")" 'That is the factor ∂h3/∂h2 alone'
    hint 12 5 '1.5^20' 'That is 20 factors'
    hint 12 6 '0.6' 'the norm is over all the parameters'
    hint 12 6 '1' 'it does not clip each element'
    hint 12 7 'math.tanh(0.4)' 'the gates i, f, o use the sigmoid'
    hint 12 8 'gi:item()*gg:item()' 'You left out f1×c0'
    hint 12 9 'go:item()*c1:item()' 'You left out the tanh of c1'
    hint 12 10 'gi:item()' 'That is the input gate'
    check_hints 12
fi

# Lesson 15, attention: the query and key swapped, d for √d, the softmax
# without the scaling or as a plain ratio, the plain mean of the values,
# the unmasked weight, the biases left out or the heads counted apart.
if [ -e "$top"/lessons/15-attention.lua ]; then
    hint 15 1 '1' 'That is q1 @ k2'
    hint 15 2 '1' 'That divides by d'
    hint 15 3 'math.exp(2)/(math.exp(2) + math.exp(4) + 1)' 'the unscaled scores'
    hint 15 3 '2/6' 'That divides the scores by their sum'
    hint 15 4 '4/3' 'That is the plain mean of the values'
    hint 15 5 'W[2][1]:item()' 'That is the weight without the mask'
    hint 15 6 '64' 'Count the biases too'
    hint 15 6 '160' 'the count does not double'
    check_hints 15
fi
echo done
