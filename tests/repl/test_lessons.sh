#!/bin/sh
# The day-1 lessons (day 2: test_lessons_day2.sh): every lesson replays to the end as in its golden transcript
# (tests/golden/lessons/<lesson>.txt; GOLDEN_UPDATE=1 rewrites them), runs
# from a pipe with the right answers to a full score, and with wrong ones
# gives hints and the worked solutions without hanging. Then the command
# line, progress (a truncated or foreign file is set aside), resuming a
# lesson from a pipe with --resume, and a teacher's own lesson file.
# Ctrl-C and the offer to resume need a terminal: test_lessons_tty.sh.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_lessons.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GRADCALC_LESSONS="$top/lessons" XDG_STATE_HOME="$tmp/state"
golden="$top/tests/golden/lessons"

. "$top/tests/repl/lessons_lib.sh"
# gc ARGS...: gradcalc with a time limit, stdout and stderr to $tmp/out.
gc() { timeout 300 "$GRADCALC" "$@" >"$tmp/out" 2>&1; }

for file in "$top"/lessons/0[0-9]-*.lua; do
    id=$(basename "$file" .lua)
    n=${id%%-*}
    n=${n#0}

    # Replay: the whole worked lesson, compared with its golden transcript.
    if ! gc --lesson "$n" --replay </dev/null; then
        notok "lesson $id replays" "exit status $?"
        continue
    fi
    cp "$tmp/out" "$tmp/replay"
    compare_golden "$id"
    answer_checks "$id" "$n" || continue
done

# --lessons lists every lesson with the progress made above.
if gc --lessons </dev/null; then
    listed=$(grep -c '^ *[0-9][0-9]*  .*\[' "$tmp/out")
    files=$(ls "$top"/lessons/[0-9]*.lua | wc -l | tr -d ' ')
    if [ "$listed" -eq "$files" ] && grep -q '\[done: 0 of [0-9]* at the first try, 0 of [0-9]* in the end\]' "$tmp/out"; then
        ok "--lessons lists the $files lessons with progress"
    else
        notok "--lessons lists the lessons with progress" "$listed of $files listed"
    fi
else
    notok "--lessons" "exit status $?"
fi

# The progress file is written whole: its own header, one line a lesson.
if head -n 1 "$tmp/state/gradcalc/progress" | grep -qx 'gradcalc progress 2' &&
    ! ls "$tmp/state/gradcalc" | grep -q 'tmp'; then
    ok "progress saved under XDG_STATE_HOME, no temporary file left"
else
    notok "progress saved under XDG_STATE_HOME" "$(ls "$tmp/state/gradcalc" 2>&1)"
fi

# End of input in the middle: the lesson stops, progress says where.
printf '0.3775\n0.593269992\n' >"$tmp/two"
if gc --lesson 5 <"$tmp/two" && grep -q 'End of input' "$tmp/out" &&
    gc --lessons </dev/null && grep -q '\[stopped at question 3 of [0-9]*: 2 of 2 at the first try, 2 of 2 in the end\]' "$tmp/out"; then
    ok "input ending mid-lesson: stops cleanly, --lessons says it stopped at question 3"
else
    notok "input ending mid-lesson" "see output"
fi

# Resuming from a pipe takes --resume: then the lesson runs silently up to
# question 3, where the listing says it stopped, and goes on from there
# with the earlier score. The answers are those of the replay above.
"$GRADCALC" --lesson 5 --replay | sed -n 's/^  answer: [^=]* = //p' >"$tmp/all5"
total5=$(wc -l <"$tmp/all5" | tr -d ' ')
sed -n '3,$p' "$tmp/all5" >"$tmp/rest5"
if gc --lesson 5 --resume <"$tmp/rest5" &&
    grep -q '^Lesson 5: .*, continued at question 3 (so far 2 of 2 at the first try, 2 of 2 in the end)\.$' "$tmp/out" &&
    ! grep -q '^Question [12]\.' "$tmp/out" && grep -q '^Question 3\. ' "$tmp/out" &&
    grep -q "^End of lesson 5\. Score: $total5 of $total5 at the first try, $total5 of $total5 in the end\.$" "$tmp/out"; then
    ok "--resume from a pipe continues at question 3 with the earlier score ($total5/$total5)"
else
    notok "--resume from a pipe continues at question 3" "see output"
fi
# Resuming shows nothing of the silent part: its first line is the resume.
if head -n 1 "$tmp/out" | grep -q '^Lesson 5: .*, continued at' && ! grep -q '^  > x1, x2 = ' "$tmp/out"; then
    ok "--resume runs the lesson's setup silently"
else
    notok "--resume runs the lesson's setup silently" "setup shown"
fi
if gc --lessons </dev/null &&
    grep -q "  5  .*\[done: $total5 of $total5 at the first try, $total5 of $total5 in the end\]" "$tmp/out"; then
    ok "a resumed lesson finished is listed as done with the whole score"
else
    notok "a resumed lesson finished is listed as done" "see output"
fi
# On a finished lesson --resume starts over, and says so.
if gc --lesson 5 --resume <"$tmp/two" &&
    grep -q '^(Nothing to continue: lesson 5 is done: [0-9]* of [0-9]* at the first try, [0-9]* of [0-9]* in the end\. It starts from the beginning\.)$' "$tmp/out" &&
    grep -q '^Question 1\. ' "$tmp/out"; then
    ok "--resume on a finished lesson starts from the beginning"
else
    notok "--resume on a finished lesson starts from the beginning" "see output"
fi
# From a pipe without --resume, a lesson starts from the beginning; at the
# prompt, lesson(5, {resume=true}) resumes as --resume does.
if gc --lesson 5 <"$tmp/two" && grep -q '^Question 1\. ' "$tmp/out" &&
    gc -e 'lesson(5, {resume = true})' <"$tmp/rest5" &&
    grep -q 'continued at question 3 (so far 2 of 2 at the first try, 2 of 2 in the end)' "$tmp/out" &&
    grep -q "^End of lesson 5\. Score: $total5 of $total5 at the first try, $total5 of $total5 in the end\.$" "$tmp/out"; then
    ok "from a pipe a lesson starts over; lesson(5, {resume=true}) continues it"
else
    notok "from a pipe a lesson starts over; lesson(5, {resume=true}) continues it" "see output"
fi

# A progress file truncated in the middle of a line, then a foreign one.
printf 'gradcalc progress 1\nlesson 05-network 3 1' >"$tmp/state/gradcalc/progress"
if gc --lessons </dev/null && grep -q 'could not be read (it ends in the middle of a line)' "$tmp/out" &&
    ls "$tmp/state/gradcalc" | grep -q '^progress\.corrupt-' && grep -q 'not started' "$tmp/out"; then
    ok "a truncated progress file is reported and set aside"
else
    notok "a truncated progress file is reported and set aside" "see output"
fi
rm -f "$tmp/state/gradcalc"/progress*
printf '\211PNG\r\n\032\n' >"$tmp/state/gradcalc/progress"
if gc --lesson 5 <"$tmp/two" && grep -q 'could not be read (it does not start with' "$tmp/out" &&
    head -n 1 "$tmp/state/gradcalc/progress" | grep -qx 'gradcalc progress 2'; then
    ok "a foreign progress file is set aside and a new one written"
else
    notok "a foreign progress file is set aside" "see output"
fi

# At the prompt: lesson(n, {replay=true}) prints what --replay does.
if gc -e 'lesson(5, {replay = true})' </dev/null && cmp -s "$tmp/out" "$golden/05-network.txt"; then
    ok "lesson(5, {replay=true}) at the prompt is the --replay transcript"
else
    notok "lesson(5, {replay=true}) at the prompt" "differs from the golden transcript"
fi

# An expression as an answer; repl at a question sees the lesson's
# variables and `back` returns; a hint names the missing bias.
printf '0.15*0.05 + 0.2*0.1\nrepl\nnet_h1:item() + 1\nback\nw1*x1 + w2*x2 + b1\nquit\n' >"$tmp/in"
if gc --lesson 5 <"$tmp/in" && grep -q 'You left out the bias b1' "$tmp/out" &&
    grep -q '^1.3775$' "$tmp/out" && grep -q 'Back to the lesson' "$tmp/out" &&
    grep -q 'right: net_h1 = 0.3775' "$tmp/out" && grep -q 'Leaving the lesson' "$tmp/out"; then
    ok "expressions as answers, repl and back, a pointed hint, quit"
else
    notok "expressions as answers, repl and back, quit" "see output"
fi

# A chain-rule answer that stops early is told which factor is missing.
"$GRADCALC" --lesson 5 --replay | sed -n 's/^  answer: [^=]* = //p' | head -n 8 >"$tmp/in"
printf '0.74136507*0.186815602\nquit\n' >>"$tmp/in"
if gc --lesson 5 <"$tmp/in" &&
    grep -q 'That is ∂E/∂out_o1 × ∂out_o1/∂net_o1: the chain goes on with × ∂net_o1/∂w5' "$tmp/out"; then
    ok "a partial chain product gets a hint naming the missing factor"
else
    notok "a partial chain product gets a pointed hint" "see output"
fi

# A teacher's own lesson file, given by its path.
cat >"$tmp/my-lesson.lua" <<'EOF'
lesson { title = "Squares", summary = "one question" }
say [[The derivative of x² is 2x.]]
code [[x = var(3, "x"); y = x^2; y:backward()]]
ask { "dy/dx", question = "Compute dy/dx at x = 3.", value = function() return x.grad end,
      hint = "2 times x", solution = function() explain(y, x) end }
EOF
printf '6\n' >"$tmp/in"
if gc --lesson "$tmp/my-lesson.lua" <"$tmp/in" && grep -q 'Score: 1 of 1 at the first try, 1 of 1 in the end' "$tmp/out"; then
    ok "--lesson runs a teacher's lesson file"
else
    notok "--lesson runs a teacher's lesson file" "see output"
fi

# Mistakes on the command line are reported, not crashes.
if ! gc --replay </dev/null && grep -q -- '--replay goes with --lesson' "$tmp/out"; then
    ok "--replay alone is refused with a message"
else
    notok "--replay alone is refused" "see output"
fi
if ! gc --resume </dev/null && grep -q -- '--resume goes with --lesson' "$tmp/out" &&
    ! gc --lesson 5 --resume --replay </dev/null && grep -q -- '--replay asks nothing' "$tmp/out"; then
    ok "--resume alone, or with --replay, is refused with a message"
else
    notok "--resume alone, or with --replay, is refused" "see output"
fi
if ! gc --lesson 99 </dev/null && grep -q 'there is no lesson 99' "$tmp/out"; then
    ok "--lesson 99 says there is no such lesson"
else
    notok "--lesson 99" "see output"
fi
if ! GRADCALC_LESSONS="$tmp/none" gc --lessons </dev/null && grep -q 'no runner.lua there' "$tmp/out"; then
    ok "a GRADCALC_LESSONS without lessons is reported"
else
    notok "a GRADCALC_LESSONS without lessons" "see output"
fi
echo done
