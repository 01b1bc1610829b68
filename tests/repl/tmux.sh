# tmux.sh - what the terminal tests share, sourced after they set $sock:
# a private tmux server, its screen, and waiting for text to appear on it.
# Each check waits for what it expects (polling) rather than sleeping a
# fixed time, so a slow machine or a sanitizer build only makes it slower.

t() { tmux -L "$sock" -f /dev/null "$@"; }
ok() { echo "ok $1"; }
# notok NAME WHY: the failure line, then the last lines of the screen.
notok() {
    echo "not ok $1: $2"
    screen | grep -v '^$' | tail -n 12 | sed 's/^/    | /'
}
screen() { t capture-pane -p -t gc -S -1000 2>/dev/null; }
# wait_for REGEX [SECONDS]: until a line of the screen matches (default 20 s).
wait_for() {
    i=0
    while [ "$i" -lt "$(( ${2:-20} * 10 ))" ]; do
        screen | grep -q -- "$1" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
