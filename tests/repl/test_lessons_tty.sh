#!/bin/sh
# The lessons on a real terminal: Ctrl-C and resuming. gradcalc runs in a
# tmux pane; the test types into it and reads the screen, waiting for what
# it expects (polling) rather than sleeping a fixed time, so a slow machine
# or a sanitizer build only makes it slower.
#
# Ctrl-C at a question drops the line and asks again (saying once how to
# leave), also in the lesson's `repl`; Ctrl-C while the lesson's code runs
# leaves the lesson with its progress saved: exit status 130 after
# --lesson, back to the prompt after lesson(). A lesson stopped in the
# middle offers to continue from there.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_lessons_tty.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
if ! command -v tmux >/dev/null 2>&1; then
    echo "not ok lessons tty: tmux is not installed"
    echo done
    exit 0
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
sock="gcles$$"
trap 'tmux -L "$sock" -f /dev/null kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
state="$tmp/state"

. "$(dirname "$0")/tmux.sh"
# count REGEX: how many lines of the screen match.
count() { screen | grep -c -- "$1"; }
key() { t send-keys -t gc "$@"; }
# run TEXT: types a line and presses Enter.
run() { t send-keys -t gc -l -- "$1"; key Enter; }
# check NAME REGEX [SECONDS]
check() {
    if wait_for "$2" "${3:-20}"; then ok "$1"; else notok "$1" "no line matching /$2/"; fi
}
# start ARGS...: a fresh pane running gradcalc ARGS, then `status N` once
# it exits; the pane stays. LONG_STEPS bounds the long step of long.lua.
start() {
    t kill-session -t gc 2>/dev/null
    t new-session -d -s gc -x 120 -y 50 \
        "env GRADCALC_HISTORY= XDG_STATE_HOME='$state' GRADCALC_LESSONS='$top/lessons' \
         LONG_STEPS=${LONG_STEPS:-} '$GRADCALC' $*; echo status \$?; exec sleep 120"
}

# A lesson with a step that runs until stopped (matmul, so the C kernel
# sees the Ctrl-C too) between two questions. The step says on stderr
# that it runs, which shows even while a resumed lesson runs silently.
cat >"$tmp/long.lua" <<'EOF'
lesson { title = "A long step", summary = "a question, a long loop, a question" }
code [[x = var(3, "x"); y = x^2; y:backward()]]
ask { "dy/dx", question = "Compute dy/dx at x = 3.", value = function() return x.grad end }
code [[
steps = tonumber(os.getenv("LONG_STEPS")) or math.huge
A = randn(100, 100)
io.stderr:write("the long step runs\n");
i = 0
while i < steps do B = matmul(A, A); i = i + 1 end
]]
ask { "y", question = "Compute y at x = 3.", value = function() return y end }
EOF

# A session of its own keeps the tmux server up between gradcalc runs.
t new-session -d -s keep "exec sleep 600"

# Ctrl-C at a question: the line goes, the question comes again.
start --lesson 5
wait_for '^net_h1 = ? *$' 30
t send-keys -t gc -l -- '0.3'
wait_for '^net_h1 = ? 0.3$'     # typed before the Ctrl-C, which would flush it
key C-c
check "Ctrl-C at a question shows ^C" '^net_h1 = ? 0.3^C$'
check "Ctrl-C at a question says how to leave" 'To leave the lesson, type quit or press Ctrl-D'
run '0.15*0.05 + 0.2*0.1 + 0.35'
check "after Ctrl-C, a right answer is taken and the lesson goes on" '^out_h1 = ? *$'
key C-c
wait_for '^out_h1 = ? ^C$'
run 'repl'
wait_for '^lesson> *$'
run 'print("looping") while true do local z = matmul(ones(50, 50), ones(50, 50)) end'
wait_for '^looping$'
key C-c
check "Ctrl-C in the lesson's repl stops the statement" '^interrupted$'
t send-keys -t gc -l -- 'net_h1'
wait_for '^lesson> net_h1$'
key C-c
check "Ctrl-C at the lesson's repl prompt says how to return" 'To return to the question, type back or press Ctrl-D'
run 'net_h1:item() + matmul(ones(1, 1), ones(1, 1)):item()'
check "the lesson's repl works after Ctrl-C, C kernels too" '^1.3775$'
run 'back'
wait_for 'Back to the lesson'
if [ "$(count 'To leave the lesson, type quit')" -eq 1 ]; then
    ok "how to leave is said once"
else
    notok "how to leave is said once" "said $(count 'To leave the lesson, type quit') times"
fi
run '1/(1 + math.exp(-0.3775))'
check "the question after Ctrl-Cs and repl is answered" '✓ right: out_h1 = 0.593269992'
key C-d
check "Ctrl-D leaves the lesson" '^status 0$'

# Ctrl-C while the lesson's code runs, with --lesson: exit status 130.
start --lesson "$tmp/long.lua"
wait_for '^dy/dx = ? *$' 30
run '6'
wait_for '^the long step runs$'
key C-c
check "Ctrl-C in a long step leaves the lesson, saying where" \
    '^(Ctrl-C: left lesson long at question 2; it continues from there next time\.$'
check "... and the score so far" '^ So far 1 of 1 at the first try, 1 of 1 in the end\.)$'
check "gradcalc --lesson stopped by Ctrl-C exits with status 130" '^status 130$'
if screen | grep -q 'traceback\|runner.lua'; then
    notok "no traceback after Ctrl-C in a long step" "see screen"
else
    ok "no traceback after Ctrl-C in a long step"
fi
if grep -qx 'lesson long 1 0 1 1 0' "$state/gradcalc/progress" 2>/dev/null; then
    ok "Ctrl-C in a long step keeps the progress (question 1 answered, score 1)"
else
    notok "Ctrl-C in a long step keeps the progress" "$(cat "$state/gradcalc/progress" 2>&1)"
fi

# Started again on a terminal: the offer; Ctrl-C during the silent run up
# to question 2 leaves again with the output back.
start --lesson "$tmp/long.lua"
check "a lesson stopped in the middle offers to continue" \
    '^You stopped at question 2 of lesson long (1 of 1 at the first try, 1 of 1 in the end). Continue from there? \[Y/n\] *$' 30
key Enter
wait_for '^the long step runs$'
key C-c
check "Ctrl-C while a lesson resumes silently leaves it" '^(Ctrl-C: left lesson long at question 2; it continues'
check "... with status 130" '^status 130$'

# Yes: the lesson goes on at question 2 with the score kept.
LONG_STEPS=3 start --lesson "$tmp/long.lua"
wait_for 'Continue from there? \[Y/n\] *$' 30
run 'y'
check "yes: the lesson continues at question 2 with its score" \
    'continued at question 2 (so far 1 of 1 at the first try, 1 of 1 in the end)'
if [ "$(count '^Question 1\.')" -eq 0 ]; then
    ok "yes: question 1 is not asked again"
else
    notok "yes: question 1 is not asked again" "it was"
fi
wait_for '^y = ? *$'
run '9'
check "yes: the lesson ends with the earlier score added" 'End of lesson long\. Score: 2 of 2 at the first try, 2 of 2 in the end\.'

# lesson() at the prompt: Ctrl-C in the long step returns to the prompt.
start
wait_for '^> *$' 30
run "lesson('$tmp/long.lua')"
check "a finished lesson starts over without an offer" '^dy/dx = ? *$'
run '6'
wait_for '^the long step runs$'
key C-c
check "lesson() stopped by Ctrl-C says so" '^(Ctrl-C: left lesson long at question 2'
check "lesson() stopped by Ctrl-C returns to the prompt" '^> *$'
run 'matmul(ones(1, 2), ones(2, 1)):item() * 21'
check "the prompt works after a lesson's Ctrl-C, C kernels too" '^42'
run "lesson('$tmp/long.lua')"
wait_for 'Continue from there? \[Y/n\] *$'
run 'n'
check "no: the lesson starts from the beginning" '^dy/dx = ? *$'
run 'quit'
wait_for 'Leaving the lesson'
key C-d
check "the prompt ends with status 0" '^status 0$'
echo done
