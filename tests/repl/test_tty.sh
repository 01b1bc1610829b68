#!/bin/sh
# The REPL on a real terminal: gradcalc runs in a tmux pane and the test
# types into it, then reads the screen. Each check waits for what it
# expects (polling) instead of sleeping a fixed time, so a slow machine or
# a sanitizer build only makes it slower.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_tty.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
if ! command -v tmux >/dev/null 2>&1; then
    echo "not ok tty: tmux is not installed"
    echo done
    exit 0
fi

tmp=$(mktemp -d)
sock="gctest$$"
trap 'tmux -L "$sock" -f /dev/null kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

. "$(dirname "$0")/tmux.sh"

# start [ENV ARGS]: a fresh pane running gradcalc under `env ARGS`
# (no history unless they say otherwise); the pane stays after it exits.
start() {
    t kill-session -t gc 2>/dev/null
    t new-session -d -s gc -x 150 -y 50 \
        "env ${*:-GRADCALC_HISTORY=} '$GRADCALC'; exec sleep 60"
    wait_for '^> *$' 30
}
# exited: waits until gradcalc has left the pane.
exited() {
    i=0
    while [ "$i" -lt 100 ]; do
        t list-panes -t gc -F '#{pane_current_command}' 2>/dev/null | grep -q '^sleep$' && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
# type TEXT: types it literally (no Enter). tmux reads a ';' that ends an
# argument as the end of its command, so that one goes escaped.
type_() {
    case $1 in
    *\;) t send-keys -t gc -l -- "${1%;}" '\;' ;;
    *) t send-keys -t gc -l -- "$1" ;;
    esac
}
key() { t send-keys -t gc "$@"; }
# run TEXT: types a line and presses Enter.
run() { type_ "$1"; key Enter; }
# check NAME REGEX [SECONDS]
check() {
    if wait_for "$2" "${3:-15}"; then ok "$1"; else notok "$1" "no line matching /$2/"; fi
}

# A session of its own keeps the tmux server up between gradcalc runs.
t new-session -d -s keep "exec sleep 300"
start
check "banner names the version" '^gradcalc [0-9]'
check "banner says how to get help" 'help()'

# auto-printing, several results, ;
run '6*7'
check "an expression prints its value" '^42$'
run '1, "two", 0.1'
check "several values print on one line" '^1 *two *0.1$'
run 'marker_semicolon = 5'
run '99;'
run '"after" .. marker_semicolon'
check "a trailing ; prints nothing" '^after5$'
if screen | grep -q '^99$'; then notok "nothing printed for ;" "99 was printed"; else ok "nothing printed for ;"; fi

# multi-line input
run 'function sq(v)'
check "an unfinished statement gets the .. prompt" '^\.\. *$'
run '  return v * v'
run 'end'
run 'sq(12)'
check "the statement runs once finished" '^144$'

# a paste of several lines (bracketed, as terminals send it) runs as if typed
printf 'function tri(v)\n  return v * 3\nend\ntri(5)\npasted = {\n' >"$tmp/paste"
i=0
while [ $i -lt 300 ]; do echo "$i," >>"$tmp/paste"; i=$((i + 1)); done
printf '}\n"pasted " .. #pasted' >>"$tmp/paste"
t load-buffer "$tmp/paste"
t paste-buffer -p -t gc
key Enter
check "a pasted block runs line by line" '^15$'
check "a long paste arrives whole" '^pasted 300$'

# Ctrl-C at a continuation prompt drops the pending lines
run 'pending_t = {'
wait_for '^\.\. *$'
key C-c
check "Ctrl-C at .. gives a fresh prompt" '^\.\. \^C$'
run 'pending_t == nil'
check "the dropped lines never ran" '^true$'

# Ctrl-C at the prompt clears the line
type_ 'junk_on_the_line'
wait_for '> junk_on_the_line$'
key C-c
check "Ctrl-C at the prompt shows ^C" 'junk_on_the_line\^C$'
run '"cleared" .. 1'
check "the next line starts empty" '^cleared1$'

# tab completion: a global, then a tensor method
type_ 'sigmoi'
key Tab
check "Tab completes a global" '> sigmoid($'
type_ '0)'
key Enter
check "the completed call runs" 'tensor(0.5'
run 'tx = ones(2, 3)'
type_ 'tx:backw'
key Tab
check "Tab completes a tensor method" '> tx:backward($'
key C-u
type_ 'math.sq'
key Tab
check "Tab completes a field after ." '> math.sqrt($'
key C-u
# completion must not run the learner's code, even a trap in __index
run 'trap = setmetatable({}, {__index = function() os.exit(7) end})'
type_ 'trap.x'
key Tab
key Tab
key C-u
run '"alive" .. 1'
check "completion never calls __index" '^alive1$'

# Ctrl-C inside a Lua loop
run 'kept = 123'
run 'while true do end'
sleep 0.5
key C-c
check "Ctrl-C stops a Lua loop" 'interrupted' 10
run 'kept + 1'
check "globals survive an interrupted loop" '^124$'

# Ctrl-C inside a long C kernel: matmul polls between row blocks
run 'big = ones(6000, 6000)'
run '"made" .. big.shape[1]'
wait_for '^made6000$' 30
run 'prod = matmul(big, big)'
sleep 1
before=$(date +%s)
key C-c
if wait_for "function '.*matmul'" 20; then
    took=$(( $(date +%s) - before ))
    if [ "$took" -le 4 ]; then ok "Ctrl-C stops matmul"; else notok "Ctrl-C stops matmul" "took ${took}s"; fi
else
    notok "Ctrl-C stops matmul" "no interruption seen"
fi
run 'tostring(prod) .. kept'
check "no result and globals intact after matmul" '^nil123$'
run 'big = nil; collectgarbage()'

# help
run '?sigmoid'
check "?name shows help" '^  formula'
run 'help(matmul)'
check "help(f) shows the derivative" '^  derivative'
run 'n_help = 0; for k, v in pairs(gradcalc._docs) do help(k); n_help = n_help + 1 end'
run '"helped " .. n_help'
check "help runs for every documented function" '^helped [0-9][0-9]*$' 20
run 'help()'
check "help() gives the tour" 'Functions with help'

# Ctrl-D on an empty line ends gradcalc
key C-d
if exited; then ok "Ctrl-D exits"; else notok "Ctrl-D exits" "gradcalc is still running"; fi

# history: written in one session, read back in the next
hist="$tmp/hist"
start "GRADCALC_HISTORY='$hist'"
run 'history_probe = 31337'
run 'for i = 1, 2 do'
run 'end'
key C-d
exited
if grep -q 'history_probe = 31337' "$hist" 2>/dev/null; then ok "history is written"; else notok "history is written" "not in $hist"; fi
start "GRADCALC_HISTORY='$hist'"
key Up
check "a statement of several lines comes back whole" '^end$'
key Up
check "history is read back" '> history_probe = 31337$'
key C-u
key C-d
exited

# the default place, made private
start "-u GRADCALC_HISTORY XDG_STATE_HOME='$tmp/state'"
run 'default_probe = 1'
key C-d
exited
if [ -f "$tmp/state/gradcalc/history" ] && grep -q default_probe "$tmp/state/gradcalc/history"; then
    ok "history goes to XDG_STATE_HOME/gradcalc/history"
else
    notok "history goes to XDG_STATE_HOME/gradcalc/history" "no file"
fi
mode=$(stat -c %a "$tmp/state/gradcalc" 2>/dev/null)
if [ "$mode" = 700 ]; then ok "the history directory is 0700"; else notok "the history directory is 0700" "mode $mode"; fi

# colour: on for a terminal, off under NO_COLOR
start
run '1.5'
wait_for '1.5$'
if t capture-pane -p -e -t gc | grep -q "$(printf '\033')\[36m1.5"; then ok "numbers are coloured on a terminal"; else notok "numbers are coloured on a terminal" "no colour code"; fi
start "GRADCALC_HISTORY= NO_COLOR=1"
run '1.5'
wait_for '1.5$'
if t capture-pane -p -e -t gc | grep -q "$(printf '\033')\[[0-9;]*m"; then notok "NO_COLOR turns colour off" "colour codes seen"; else ok "NO_COLOR turns colour off"; fi
start "GRADCALC_HISTORY= TERM=dumb"
run '1.5'
wait_for '1.5$'
if t capture-pane -p -e -t gc | grep -q "$(printf '\033')\[[0-9;]*m"; then notok "TERM=dumb turns colour off" "colour codes seen"; else ok "TERM=dumb turns colour off"; fi

t kill-server 2>/dev/null
echo done
