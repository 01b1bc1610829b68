#!/bin/sh
# The day-2 lessons (10 and up), with their trainings at reduced sizes
# (GRADCALC_LESSON_QUICK=1): each replays as its golden transcript
# (tests/golden/lessons/<lesson>.txt; GOLDEN_UPDATE=1 rewrites them), runs
# from a pipe with the right answers to a full score and with wrong ones
# to hints and worked solutions, hands out its questions with the replay's
# answers as the key, and its catalogued mistakes get their hints.
# --lessons heads both days. A lesson that reads Fashion-MNIST is skipped,
# with a message, when the data is not installed.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_lessons_day2.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GRADCALC_LESSONS="$top/lessons" XDG_STATE_HOME="$tmp/state" GRADCALC_LESSON_QUICK=1
golden="$top/tests/golden/lessons"

. "$top/tests/repl/lessons_lib.sh"
# gc ARGS...: gradcalc with a time limit, stdout to $tmp/out (stderr, where
# progress bars write their timings, to $tmp/err).
gc() { timeout 300 "$GRADCALC" "$@" >"$tmp/out" 2>"$tmp/err"; }

have_data=
"$GRADCALC" -e 'data.fashion_mnist{split = "test"}' >/dev/null 2>&1 && have_data=1

# needs_data FILE: the lesson reads Fashion-MNIST.
needs_data() { grep -q 'fashion_mnist' "$1"; }

# (lessons 12 and 15, which need the sequence models and word lists, have
# their own file: test_lessons_day2_seq.sh)
for file in "$top"/lessons/1[0-9]-*.lua; do
    [ -e "$file" ] || continue
    case $file in */12-*.lua | */15-*.lua) continue ;; esac
    id=$(basename "$file" .lua)
    n=${id%%-*}
    if needs_data "$file" && [ -z "$have_data" ]; then
        ok "lesson $id skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
        continue
    fi

    if ! gc --lesson "$n" --replay </dev/null; then
        notok "lesson $id replays" "exit status $?"
        cat "$tmp/err" | head -n 5
        continue
    fi
    cp "$tmp/out" "$tmp/replay"
    compare_golden "$id"
    answer_checks "$id" "$n" || continue
    cp "$tmp/answers" "$tmp/right${n#0}"

    # The handout's answer key is the replay's answers, in order.
    sed -n 's/^  answer: //p' "$tmp/replay" >"$tmp/key_expected"
    if gc -e "lesson($n, {handout = true, answers = true, output = '$tmp/h$n.md'})" </dev/null &&
        sed -n '/^## Answer key$/,$p' "$tmp/h$n.md" | sed -n 's/^\*\*[0-9]*\.\*\* `\(.*\)`$/\1/p' >"$tmp/key" &&
        cmp -s "$tmp/key" "$tmp/key_expected" &&
        [ "$(grep -c '^`.* = ________________`$' "$tmp/h$n.md")" -eq "$count" ]; then
        ok "lesson $id handout: $count questions with blanks, the key has the replay's answers"
    else
        notok "lesson $id handout" "$(diff "$tmp/key_expected" "$tmp/key" 2>&1 | head -n 5)"
    fi
done

# --lessons heads both days, each with its title, the day-2 lessons under day 2.
if gc --lessons </dev/null && grep -q '^Day 1: ' "$tmp/out" && grep -q '^Day 2: ' "$tmp/out" &&
    sed -n '/^Day 2: /,$p' "$tmp/out" | grep -q '^ 10  Convolution by hand  \[' &&
    sed -n '/^Day 1: /,/^Day 2: /p' "$tmp/out" | grep -q '^  9  ' &&
    ! sed -n '/^Day 1: /,/^Day 2: /p' "$tmp/out" | grep -q '^ 10  '; then
    ok "--lessons shows day 1 and day 2, each with its title and its lessons"
else
    notok "--lessons shows both days" "see output"
fi

# A day-2 lesson stopped in the middle is listed where it stopped and
# continues there with --resume, as on day 1 (lesson 10: no data needed
# before its last section, but its transcript has the picture).
if [ -s "$tmp/right10" ]; then
    head -n 2 "$tmp/right10" >"$tmp/two"
    sed -n '3,$p' "$tmp/right10" >"$tmp/rest"
    total=$(wc -l <"$tmp/right10" | tr -d ' ')
    if gc --lesson 10 <"$tmp/two" && gc --lessons </dev/null &&
        grep -q ' 10  .*\[stopped at question 3 of [0-9]*: 2 of 2 at the first try, 2 of 2 in the end\]' "$tmp/out" &&
        gc --lesson 10 --resume <"$tmp/rest" &&
        grep -q '^Lesson 10: .*, continued at question 3 (so far 2 of 2 at the first try, 2 of 2 in the end)\.$' "$tmp/out" &&
        grep -q "^End of lesson 10\. Score: $total of $total at the first try, $total of $total in the end\.$" "$tmp/out"; then
        ok "lesson 10 stopped at question 3 is listed so, and --resume finishes it ($total/$total)"
    else
        notok "lesson 10 stopped and resumed" "see output"
    fi
fi

# hint LESSON QUESTION ANSWER TEXT: at question QUESTION of lesson LESSON
# (the other questions answered right), ANSWER gets a hint saying TEXT (a
# fixed string). The hints are collected, then checked by check_hints
# LESSON in as few runs as can be: each run types at most one wrong answer
# a question, then the right one, so a lesson that trains runs a few
# times, not once a hint.
hint() {
    printf '%s\t%s\t%s\n' "$2" "$3" "$4" >>"$tmp/hints$1"
}
check_hints() {
    l=$1
    file=$(ls "$top"/lessons/"$l"-*.lua)
    if [ -z "$have_data" ] && needs_data "$file"; then
        ok "lesson $l hints skipped: Fashion-MNIST is not installed"
        return
    fi
    # the right answers, as the replay above gave them
    [ -s "$tmp/right$l" ] ||
        "$GRADCALC" --lesson "$l" --replay </dev/null 2>/dev/null | sed -n 's/^  answer: [^=]* = //p' >"$tmp/right$l"
    # the pass of each hint: how many hints of its question came before it
    awk -F '\t' '{ print ++seen[$1] "\t" $0 }' "$tmp/hints$l" >"$tmp/passes$l"
    passes=$(cut -f 1 "$tmp/passes$l" | sort -n | tail -n 1)
    p=1
    while [ "$p" -le "$passes" ]; do
        # up to the last question with a hint in this pass, then quit
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

# Lesson 10, convolution: the flipped kernel, rows for columns, padding
# forgotten, the + 1 of the size, the biases, Σ G or a flipped G for ∂L/∂K,
# a kernel gradient with terms left out (explain writes the first 4 of 9),
# its window misplaced or unweighted, average pooling.
hint 10 1 '4' 'You flipped the kernel'
hint 10 2 '6' 'You took rows 3–5, columns 2–4'
hint 10 3 '-4' 'That is Y[1][1] without padding'
hint 10 4 '(5 + 2 - 3)/2' 'You forgot the + 1'
hint 10 4 '5' 'That is the stride-1 size'
hint 10 5 '23' 'You forgot the + 1.'
hint 10 6 '72' 'Count the 8 biases too.'
hint 10 7 '784*5408' 'Count the biases too: one per output.'
hint 10 8 '4' 'That is Σ G, the gradient of a bias'
hint 10 8 '-4' 'That is Y[1][1]'
hint 10 8 '7' 'You flipped G'
hint 10 9 '1*3 + 0*2 + 2*1 + 0*1' 'You left out terms: the sum runs over all 9 output positions'
hint 10 9 '3' 'You took rows 3–5, columns 2–4: K[2][3] is row 2, column 3'
hint 10 9 '9' 'You flipped G; the kernel'
hint 10 9 '4' 'That is Y[2][3]'
hint 10 9 '12' 'That adds the 9 pixels unweighted'
hint 10 10 '2' 'That is the mean (average pooling)'
hint 10 11 '0.5' 'That spreads the gradient over the 4 pixels'

check_hints 10

# Lesson 11, the CNN: the biases forgotten, one pooling of two, the
# accuracy as a count, the precision for the recall.
hint 11 1 '784*128 + 128*10' 'Count the biases too: 128 + 10.'
hint 11 2 '16*14*14' 'That is after one pooling'
hint 11 2 '16*28*28' 'each pooling halves it'
hint 11 2 '8*7*7' 'The second conv has 16 channels'
hint 11 3 '8*9 + 8*16*9 + 784*10' 'Count the biases too: 8 + 16 + 10.'
hint 11 4 "$(sed -n 's/^Σ diagonal \/ N = \([0-9]*\) \/ [0-9]*$/\1/p' "$golden/11-cnn.txt")" 'That is the count of right answers'
hint 11 5 "$(sed -n '/^true .* predicted/,/^  >/p' "$golden/11-cnn.txt" | awk '$1 == "Shirt" { s = $8 } NR > 1 && NF >= 11 { c += $(NF - 3) } END { print s "/" c }')" 'that is the precision'

check_hints 11

# Lesson 13, evaluation: the last epoch for the best, dropout without its
# scale or with 1/p, weight decay left out or subtracted, the mean of all
# points for the threshold, std over n, the precision and recall swapped,
# F1 as the arithmetic mean.
hint 13 1 "$(sed -n 's/^        1  *[0-9]*  *\([0-9][0-9]*\)$/\1/p' "$golden/13-evaluation.txt" | head -n 1)" 'That is the last epoch'
hint 13 2 '2' 'Kept elements are scaled by 1/(1 − p)'
hint 13 2 '2/0.25' 'The scale is 1/(1 − p) = 1/0.75, not 1/p.'
hint 13 2 '0.75*2' 'That is (1 − p)×h'
hint 13 3 '2 - 0.1*0.25' 'That is the step without weight decay'
hint 13 3 '2 - 0.1*(0.25 - 0.5*2)' 'λ×w is added to the gradient, not subtracted.'
hint 13 4 '13/4' 'That is the mean of the four points'
hint 13 6 'math.sqrt(((1 - 2/3)^2 + 2*(0.5 - 2/3)^2)/3)' 'That divides by n = 3'
hint 13 7 '0.03' 'Count the right answers of both classes'
hint 13 8 '3/5' 'That is the precision'
hint 13 9 '3/10' 'That is the recall'
hint 13 10 '(0.6 + 0.3)/2' 'That is the arithmetic mean'

check_hints 13

# Lesson 14, initialisation and normalisation: variances for standard
# deviations, LeCun's scale or fan_out, the unbiased variance in batch
# norm, x̂ for y, σ² for σ, the gradient without the batch statistics,
# the training output in eval mode, layer norm over the batch.
hint 14 1 '2/384' 'That is the variance'
hint 14 1 'math.sqrt(1/256)' "LeCun's"
hint 14 2 'math.sqrt(2/128)' 'He uses fan_in'
hint 14 2 '2/256' 'That is the variance; take its square root.'
hint 14 5 '10/3' 'That divides by N − 1 = 3'
hint 14 6 '-2/math.sqrt(2.5)' 'That is x̂; now scale by γ = 2'
hint 14 6 '2*(-2)/math.sqrt(10/3) + 0.5' 'You used the variance over N − 1'
hint 14 6 '2*(-2)/2.5 + 0.5' 'Divide by the standard deviation'
hint 14 7 '-2.02982' 'That is y[1]'
hint 14 8 '2/math.sqrt(2.5)' 'it treats μ and σ² as constants'
hint 14 9 '0.9 + 0.1*2.5' 'The running variance takes the unbiased batch variance'
hint 14 10 '-2.02982' 'That is the training-mode output'
hint 14 11 '1' 'You normalised column 1'
check_hints 14
echo done
