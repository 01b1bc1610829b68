#!/bin/sh
# Runs every test of gradcalc once and prints one line per check:
#   ok <pass> <name>   or   not ok <pass> <name>: why
# usage: tests/run.sh GRADCALC TEST_CORE MODULE_SO|none PASS_LABEL
# Test programs print their own "ok"/"not ok" lines; a program that dies
# without finishing is reported as a failure of its own.
gradcalc=$1 core=$2 module=$3 label=$4
top=$(cd "$(dirname "$0")/.." && pwd)
export GRADCALC="$top/${gradcalc#./}" GRADCALC_MODULE="$module" GRADCALC_HISTORY=
case $gradcalc in /*) GRADCALC=$gradcalc ;; esac
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# run NAME COMMAND...: runs a test program, relays its verdict lines.
run() {
    name=$1; shift
    "$@" >"$out" 2>"$err" </dev/null
    status=$?
    grep -E '^(ok|not ok) ' "$out" | sed "s/^ok /ok $label /; s/^not ok /not ok $label /"
    if [ $status -ne 0 ] || ! grep -q '^done$' "$out"; then
        echo "not ok $label $name: exited with status $status before it finished"
        tail -n 15 "$err" | sed 's/^/    /'
    fi
}

cd "$top" || exit 1
run test_core "$core"
for f in tests/lua/test_*.lua; do
    run "$f" "$GRADCALC" "$f"
done
if [ "$module" != none ]; then
    run module lua5.4 tests/lua/module.lua "$module"
fi
if [ "$label" = plain ]; then # the style checks read the source once
    for f in tests/style/test_*.sh; do
        run "$f" sh "$f"
    done
fi
for f in tests/repl/test_*.sh; do
    [ -e "$f" ] && run "$f" sh "$f"
done
exit 0
