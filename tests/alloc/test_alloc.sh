#!/bin/sh
# test_alloc.sh - the allocation-failure loop: runs a script with the Nth
# allocation failing, for N over every allocation the script makes (or
# SAMPLES of them, evenly spaced). Each run must end in success or in a Lua
# "not enough memory" / "out of memory" error: no sanitizer report, no
# signal, no leak, no other error.
#   tests/alloc/script.lua: the Nth allocation and all after it fail
#   tests/alloc/recover.lua: only the Nth fails (GC_ALLOC_ONCE=1); the
#     script then checks that gradcalc still works
# usage: tests/alloc/test_alloc.sh BINARY [SAMPLES [SCRIPT]]   (SAMPLES=0: every N)
binary=$1 samples=${2:-0} script=${3:-tests/alloc/script.lua}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
case $script in *recover.lua) export GC_ALLOC_ONCE=1 ;; esac
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1
export GRADCALC_HISTORY= XDG_STATE_HOME="$dir" HOME="$dir"

total=$(GC_ALLOC_COUNT=1 "$binary" "$script" 2>&1 >"$dir/out" | sed -n 's/^alloc_fail: \([0-9]*\) allocations$/\1/p')
if [ -z "$total" ] || ! grep -q '^ALLOC-END$' "$dir/out"; then
    echo "not ok alloc $script: the script does not run to its end without failures"
    exit 0
fi
step=1
[ "$samples" -gt 0 ] && [ "$total" -gt "$samples" ] && step=$((total / samples))

# one N: prints nothing when the run is fine, else why
one() {
    n=$1
    GC_ALLOC_FAIL=$n "$binary" "$script" >"$dir/out.$n" 2>"$dir/err.$n" </dev/null
    rc=$?
    if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' "$dir/err.$n" ||
        [ $rc -gt 128 ]; then
        echo "N=$n: exit $rc: $(grep -m1 -e ERROR -e 'runtime error' "$dir/err.$n")"
        sed -n '1,40p' "$dir/err.$n" > "$dir/report.$n"
    elif ! grep -q '^ALLOC-END$' "$dir/out.$n" &&
        ! grep -q -e 'not enough memory' -e 'out of memory' "$dir/err.$n"; then
        echo "N=$n: ended without a memory error: $(grep -v '^note' "$dir/err.$n" | head -n 2 | tr '\n' ' ')"
    fi
    rm -f "$dir/out.$n" "$dir/err.$n"
}
ns=$(seq 1 "$step" "$total")
failures=0 runs=0
for n in $ns; do
    runs=$((runs + 1))
    why=$(one "$n")
    if [ -n "$why" ]; then
        failures=$((failures + 1))
        [ $failures -le 10 ] && echo "not ok alloc $why" && [ -f "$dir/report.$n" ] && sed 's/^/    /' "$dir/report.$n" | head -n 30
    fi
done
if [ $failures -eq 0 ]; then
    echo "ok alloc $script: $runs runs (N = 1..$total step $step), each ends in success or an out-of-memory error"
else
    echo "not ok alloc $script: $failures of $runs runs crashed, leaked or ended otherwise"
fi
echo done
