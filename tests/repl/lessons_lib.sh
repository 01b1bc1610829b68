# lessons_lib.sh - what the lesson tests share (sourced after they set
# $tmp, $golden and a gc function that runs gradcalc into $tmp/out).
#   compare_golden ID    $tmp/replay against $golden/ID.txt
#                        (GOLDEN_UPDATE=1 rewrites it)
#   answer_checks ID N   lesson N to the end, then from a pipe with the
#                        replay's right answers (a full score) and with
#                        wrong ones (hints, worked solutions, score 0);
#                        leaves the answers in $tmp/answers and their
#                        number in $count; fails when the lesson asks nothing

ok() { echo "ok $1"; }
notok() { echo "not ok $1: $2"; [ -f "$tmp/out" ] && head -n 20 "$tmp/out" | sed 's/^/    | /'; }

compare_golden() {
    if [ -n "$GOLDEN_UPDATE" ]; then
        mkdir -p "$golden" && cp "$tmp/replay" "$golden/$1.txt"
    fi
    if cmp -s "$tmp/replay" "$golden/$1.txt"; then
        ok "lesson $1 replays as its golden transcript"
    else
        echo "not ok lesson $1 replays as its golden transcript: differs (- expected, + got)"
        diff "$golden/$1.txt" "$tmp/replay" | head -n 20 | sed 's/^/    /'
    fi
}

answer_checks() {
    id=$1 n=$2
    grep -q "^End of lesson $n\. " "$tmp/replay" || notok "lesson $id replays to the end" "no 'End of lesson'"
    # The right answers, as the replay states them, from a pipe.
    sed -n 's/^  answer: [^=]* = //p' "$tmp/replay" >"$tmp/answers"
    count=$(wc -l <"$tmp/answers" | tr -d ' ')
    if [ "$count" -eq 0 ]; then
        notok "lesson $id asks questions" "the replay shows no answer"
        return 1
    fi
    if gc --lesson "$n" <"$tmp/answers" && grep -q "^End of lesson $n\. Score: $count of $count at the first try, $count of $count in the end\.$" "$tmp/out"; then
        ok "lesson $id with the right answers: full score ($count/$count)"
    else
        notok "lesson $id with the right answers: full score" "$(grep 'Score' "$tmp/out" || echo 'no score')"
    fi
    # Wrong answers: a hint after the first, the solution after the second.
    awk 'BEGIN { for (i = 0; i < 400; i++) print "123456.789" }' >"$tmp/wrong"
    if gc --lesson "$n" <"$tmp/wrong"; then
        hints=$(grep -c '^Hint: ' "$tmp/out")
        shown=$(grep -c '^Worked solution:' "$tmp/out")
        if grep -q "^End of lesson $n\. Score: 0 of $count at the first try, 0 of $count in the end\.$" "$tmp/out" && [ "$hints" -ge "$count" ] &&
            [ "$shown" -eq "$count" ]; then
            ok "lesson $id with wrong answers: hints and worked solutions, score 0"
        else
            notok "lesson $id with wrong answers: hints and worked solutions" \
                "$hints hints, $shown solutions, for $count questions"
        fi
    else
        notok "lesson $id with wrong answers" "exit status $?"
    fi
}
