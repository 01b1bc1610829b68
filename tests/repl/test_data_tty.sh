#!/bin/sh
# Progress bars and pictures on a real terminal: gradcalc runs in a tmux
# pane; the test reads the screen. One bar is drawn and finished, and
# Ctrl-C during a loader loop stops it cleanly, the model kept.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_data_tty.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
if ! command -v tmux >/dev/null 2>&1; then
    echo "not ok data tty: tmux is not installed"
    echo done
    exit 0
fi
tmp=$(mktemp -d)
sock="gcdata$$"
trap 'tmux -L "$sock" -f /dev/null kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tmux.sh"

type_() {
    case $1 in
    *\;) t send-keys -t gc -l -- "${1%;}" '\;' ;;
    *) t send-keys -t gc -l -- "$1" ;;
    esac
}
run() { type_ "$1"; t send-keys -t gc Enter; }
check() {
    if wait_for "$2" "${3:-20}"; then ok "$1"; else notok "$1" "no line matching /$2/"; fi
}

t new-session -d -s keep "exec sleep 300"
t new-session -d -s gc -x 120 -y 40 "env GRADCALC_HISTORY= TERM=xterm-256color '$GRADCALC'; exec sleep 60"
wait_for '^> *$' 30 || { notok "data tty: gradcalc starts" "no prompt"; echo done; exit 0; }

# one bar: drawn while running, finished with the count and the running value
run 'l = data.loader(ones(200, 3), ones(200), {batch_size = 20})'
run 'for i, xb, yb in progress(l, {desc = "epoch 1"}) do progress.set{loss = 1 / i}; local t0 = os.clock(); while os.clock() - t0 < 0.05 do end end; print("loop done")'
check "progress: a bar with its description and count" 'epoch 1 │█.*10/10 *100%'
check "progress: the running value on the bar" 'epoch 1 .*loss=0.1'
check "progress: the loop finishes after the bar" '^loop done'
if screen | grep -q 'loop done.*epoch'; then
    notok "progress: the bar ends its line" "the next output is on the bar's line"
else
    ok "progress: the bar ends its line"
fi

# Ctrl-C during a loader loop: the loop stops, the bar says so, the model is kept
run 'w = var(zeros(3)); steps = 0'
run 'big = data.loader(ones(100000, 3), ones(100000), {batch_size = 1}); for i, xb, yb in progress(big, {desc = "train"}) do local loss = sum(matmul(xb, w)); loss:backward(); no_grad(function() w:sub_(0.001 * w.grad) end); w:zero_grad(); steps = i end'
if wait_for 'train │' 20; then
    sleep 0.5
    t send-keys -t gc C-c
    check "Ctrl-C: the bar ends as stopped" 'train .*(stopped)'
    check "Ctrl-C: back at the prompt" 'interrupted' 10
    run 'print("kept", steps > 0 and math.abs(w[1]:item() + 0.001 * steps) < 0.0011)'
    check "Ctrl-C: the model keeps the updates made so far" '^kept *true'
else
    notok "Ctrl-C: the training loop shows its bar" "no bar"
fi

# a bar inside another's loop: the outer line stays, with the epoch under way
run 'for e in progress(2, {desc = "outer"}) do for i in progress(3, {desc = "inner"}) do end end; print("nested done")'
check "progress: nested bars finish" '^nested done'
if screen | grep -A1 'outer .*1/2' | grep -q 'inner .*3/3'; then
    ok "progress: an inner bar takes the line under the outer one"
else
    notok "progress: an inner bar takes the line under the outer one" "no inner line under outer 1/2"
fi

# imshow on a colour terminal: half-blocks
run 'imshow(tensor({{0, 1}, {1, 0}}))'
check "imshow: half-blocks on a colour terminal" '▀▀'
echo done
