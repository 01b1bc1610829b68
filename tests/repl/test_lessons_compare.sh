#!/bin/sh
# compare(params, mine, loss), the lessons' check of a gradient written by
# hand: right gradients agree, a wrong element is named, bad arguments
# are refused with a message naming what to change.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_lessons_compare.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GRADCALC_LESSONS="$top/lessons" XDG_STATE_HOME="$tmp/state"

ok() { echo "ok $1"; }
notok() { echo "not ok $1: $2"; [ -f "$tmp/out" ] && head -n 20 "$tmp/out" | sed 's/^/    | /'; }

# run NAME LUA: a lesson whose code is LUA, replayed; its output in $tmp/out.
run() {
    printf 'lesson { title = "compare", summary = "test" }\ncode [=[\n%s\n]=]\n' "$2" >"$tmp/c.lua"
    timeout 60 "$GRADCALC" --lesson "$tmp/c.lua" --replay </dev/null >"$tmp/out" 2>&1
}

setup='W = var({{1, 2}, {3, 4}}, "W"); x = tensor{1, -1}; L = sum(matmul(W, x)^2)'
# ∂L/∂W[i][j] = 2×(W x)[i]×x[j]; (W x) = (-1, -1)
run right "$setup
e, name = compare({W = W}, {W = tensor{{-2, 2}, {-2, 2}}}, L)
check(e < 1e-12 and name == 'W', 'agree')"
if grep -q '✓ agree' "$tmp/out" && grep -q '^worst: W\[1, 1\], relative error <1e-12 .*: they agree$' "$tmp/out"; then
    ok "right gradients agree"
else
    notok "right gradients agree" "see output"
fi

run wrong "$setup
e, name, at = compare({W = W}, {W = tensor{{-2, 2}, {-2, 5}}}, L)
check(name == 'W' and at[1] == 2 and at[2] == 2 and math.abs(e - 0.6) < 1e-12, 'named')"
if grep -q '✓ named' "$tmp/out" && grep -q '^worst: W\[2, 2\], relative error 0.6 (yours 5, autograd 2): they disagree$' "$tmp/out"; then
    ok "a wrong element is named with both values"
else
    notok "a wrong element is named" "see output"
fi

run shape "$setup
compare({W = W}, {W = tensor{1, 2, 3, 4}}, L)"
if grep -q 'mine.W has shape {4}, but W has shape {2, 2}' "$tmp/out" && ! grep -q 'End of lesson' "$tmp/out"; then
    ok "a gradient of the wrong shape is refused, both shapes named"
else
    notok "a gradient of the wrong shape is refused" "see output"
fi

run missing "$setup
compare({}, {W = W}, L)"
if grep -q 'params has no tensor W for mine.W' "$tmp/out"; then
    ok "a gradient for no parameter is refused"
else
    notok "a gradient for no parameter is refused" "see output"
fi

run loss "$setup
compare({W = W}, {W = W}, W)"
if grep -q 'loss is the one-element tensor' "$tmp/out"; then
    ok "a loss of more than one element is refused"
else
    notok "a loss of more than one element is refused" "see output"
fi
echo done
