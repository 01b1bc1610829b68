#!/bin/sh
# The command line: options as in `lua`, scripts, `arg`, exit statuses,
# and what gradcalc does with a pipe on stdin.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_cli.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset LUA_INIT LUA_INIT_5_4

# expect NAME STATUS STDOUT [STDERR-PATTERN] -- COMMAND...
# Runs COMMAND (stdin from $tmp/in when it exists, else empty) and checks
# its exit status, its exact stdout, and that stderr matches the pattern
# (or is empty when none is given).
expect() {
    name=$1 want_status=$2 want_out=$3 want_err=
    shift 3
    if [ "$1" != -- ]; then want_err=$1; shift; fi
    shift
    if [ -f "$tmp/in" ]; then "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"; else "$@" </dev/null >"$tmp/out" 2>"$tmp/err"; fi
    status=$?
    rm -f "$tmp/in"
    printf '%s' "$want_out" >"$tmp/want"
    [ -n "$want_out" ] && printf '\n' >>"$tmp/want"
    why=
    [ "$status" -eq "$want_status" ] || why="exit status $status, not $want_status"
    [ -z "$why" ] && ! cmp -s "$tmp/out" "$tmp/want" && why="stdout was: $(head -c 300 "$tmp/out")"
    if [ -z "$why" ]; then
        if [ -n "$want_err" ]; then
            grep -q -- "$want_err" "$tmp/err" || why="stderr has no /$want_err/: $(head -c 300 "$tmp/err")"
        elif [ -s "$tmp/err" ]; then
            why="stderr was: $(head -c 300 "$tmp/err")"
        fi
    fi
    if [ -z "$why" ]; then echo "ok $name"; else echo "not ok $name: $why"; fi
}
input() { printf "$@" >"$tmp/in"; }

cat >"$tmp/args.lua" <<'EOF'
print(arg[0], arg[1], arg[2], #arg, select("#", ...), ...)
EOF
cat >"$tmp/fail.lua" <<'EOF'
local function inner() error("deliberate") end
inner()
EOF
printf 'os.exit(3)\n' >"$tmp/exit3.lua"
printf 'x_from_script = 41\n' >"$tmp/setx.lua"
printf 'return {answer = 42}\n' >"$tmp/mymod.lua"

expect "a script runs, with arg and ..." 0 "$tmp/args.lua	a	b	2	2	a	b" -- "$GRADCALC" "$tmp/args.lua" a b
expect "arg holds the interpreter at negative indices" 0 "$GRADCALC -e x = 1
$tmp/args.lua	nil	nil	0	0" -- "$GRADCALC" -e 'x = 1' -e 'print(arg[-5] .. " " .. arg[-4] .. " " .. arg[-3])' "$tmp/args.lua"
expect "an error in a script: status 1, message and traceback" 1 "" \
    "^gradcalc: .*fail.lua:1: deliberate" -- "$GRADCALC" "$tmp/fail.lua"
grep -q "stack traceback" "$tmp/err" && echo "ok the error has a traceback" ||
    echo "not ok the error has a traceback"
expect "os.exit(n) passes through" 3 "" -- "$GRADCALC" "$tmp/exit3.lua"
expect "a missing script: status 1" 1 "" "^gradcalc: cannot open" -- "$GRADCALC" "$tmp/nonexistent.lua"
expect "-e runs a statement" 0 "7" -- "$GRADCALC" -e 'print(3 + 4)'
expect "-e and gradcalc functions" 0 "2" -- "$GRADCALC" -e 'print(ones(2, 3).shape[1])'
expect "an error in -e: status 1" 1 "" "^gradcalc: (command line):1: nope" -- "$GRADCALC" -e 'error("nope")'
expect "a syntax error in -e: status 1" 1 "" "^gradcalc: (command line)" -- "$GRADCALC" -e 'x = = 1'
expect "-e runs in order, then the script" 0 "1	2" -- "$GRADCALC" -e 'a = 1' -e 'b = a + 1' -e 'print(a, b)'
expect "-l requires a module" 0 "42" -- env LUA_PATH="$tmp/?.lua" "$GRADCALC" -l mymod -e 'print(mymod.answer)'
expect "-l g=mod names the global" 0 "42" -- env LUA_PATH="$tmp/?.lua" "$GRADCALC" -l m=mymod -e 'print(m.answer)'
expect "-l of a missing module: status 1" 1 "" "module 'nomod' not found" -- "$GRADCALC" -l nomod
expect "-v prints the version" 0 "gradcalc 0.1.0 ($("$GRADCALC" -e 'io.write(_VERSION)').4)" -- "$GRADCALC" -v
"$GRADCALC" --version >"$tmp/out"
grep -q '^gradcalc [0-9][0-9.]* (Lua 5\.4' "$tmp/out" && echo "ok --version" || echo "not ok --version: $(cat "$tmp/out")"
"$GRADCALC" --help >"$tmp/out" 2>&1 && grep -q '^usage: gradcalc' "$tmp/out" && grep -q -- '-e stat' "$tmp/out" &&
    echo "ok --help prints the usage" || echo "not ok --help prints the usage"
expect "an unknown long option: status 1 and usage" 1 "" "unrecognized option '--bogus'" -- "$GRADCALC" --bogus
grep -q '^usage: gradcalc' "$tmp/err" && echo "ok the usage follows the error" || echo "not ok the usage follows the error"
expect "an unknown short option: status 1" 1 "" "unrecognized option '-x'" -- "$GRADCALC" -x
expect "-e without its statement: status 1" 1 "" "'-e' needs an argument" -- "$GRADCALC" -e
expect "--color takes a known value" 1 "" "auto, always or never" -- "$GRADCALC" --color=sometimes
expect "-- ends the options" 0 "$tmp/args.lua	-e	nil	1	1	-e" -- "$GRADCALC" -- "$tmp/args.lua" -e
expect "LUA_INIT runs first" 0 "init
main" -- env LUA_INIT='print("init")' "$GRADCALC" -e 'print("main")'
expect "-E ignores LUA_INIT" 0 "main" -- env LUA_INIT='print("init")' "$GRADCALC" -E -e 'print("main")'
expect "-W turns warnings on" 0 "" "Lua warning: careful" -- "$GRADCALC" -W -e 'warn("careful")'
expect "without -W warnings stay off" 0 "" -- "$GRADCALC" -e 'warn("careful")'

# stdin that is not a terminal is a script: no banner, no prompt
input 'print(6 * 7)\n'
expect "stdin runs as a script" 0 "42" -- "$GRADCALC"
input 'print("before")\nerror("in stdin")\nprint("after")\n'
expect "an error in a script from stdin: status 1" 1 "before" "^gradcalc: stdin:2: in stdin" -- "$GRADCALC"
input 'print(arg[0] == "-")\n'
expect "- runs stdin" 0 "true" -- "$GRADCALC" -
input '1 + 1\n'
expect "stdin as a script does not print expressions" 1 "" "syntax error\|unexpected symbol" -- "$GRADCALC"
head -c 4000 /dev/urandom >"$tmp/in"
expect "random bytes on stdin: an error, not a crash" 1 "" "^gradcalc: " -- "$GRADCALC"
printf '\033Lua\124\000\031\223\r\n\032\n\004\010\010' >"$tmp/in"
expect "a binary chunk on stdin is refused" 1 "" "binary chunk" -- "$GRADCALC"

# -i: the REPL after the script; its errors do not change the status
input 'x_from_script + 1\nerror("at the prompt")\n'
expect "-i gives the REPL after the script" 0 "42" "at the prompt" -- "$GRADCALC" -i "$tmp/setx.lua"
input 'x_from_e\n'
expect "-i after -e" 0 "5" -- "$GRADCALC" -e 'x_from_e = 5' -i

# the teacher's options (the lessons of this tree, whichever build runs)
export GRADCALC_LESSONS="$(cd "$(dirname "$0")/../.." && pwd)/lessons" XDG_STATE_HOME="$tmp/state"
expect "--answers without --handout is refused" 1 "" "answers goes with --handout" -- "$GRADCALC" --answers
expect "--output without --handout is refused" 1 "" "output goes with --handout" -- "$GRADCALC" --lesson 1 --output x.md
expect "--handout without --lesson is refused" 1 "" "handout goes with --lesson" -- "$GRADCALC" --handout
expect "--handout with --replay is refused" 1 "" "goes with neither" -- "$GRADCALC" --lesson 1 --handout --replay
expect "--variant takes a whole number" 1 "" "variant takes a whole number" -- "$GRADCALC" --lesson 3 --variant x
"$GRADCALC" --lesson 5 --handout --answers --output "$tmp/h.md" >"$tmp/out" 2>&1
if [ $? -eq 0 ] && grep -q "^# Lesson 5" "$tmp/h.md" && grep -qi "answer" "$tmp/h.md"; then
    echo "ok --lesson 5 --handout --answers --output writes the handout with its key"
else
    echo "not ok --lesson 5 --handout --answers --output writes the handout with its key: $(head -c 300 "$tmp/out")"
fi
"$GRADCALC" --lesson 3 --variant 7 --replay >"$tmp/v7" 2>&1
"$GRADCALC" --lesson 3 --replay >"$tmp/v0" 2>&1
if grep -q "variant 7" "$tmp/v7" && ! cmp -s "$tmp/v7" "$tmp/v0"; then
    echo "ok --variant 7 gives lesson 3 numbers of its own"
else
    echo "not ok --variant 7 gives lesson 3 numbers of its own"
fi

echo done
