#!/bin/sh
# The REPL fed from a pipe (`gradcalc -i < input`): no prompts, no escape
# codes, the same printing and recovery as at a terminal. Each check feeds
# a few lines and compares what comes out.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_pipe.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# repl NAME EXPECTED: runs stdin through the REPL, stdout and stderr
# together, and compares with EXPECTED (exact, trailing newline aside).
repl() {
    name=$1 expected=$2
    "$GRADCALC" -i >"$tmp/out" 2>&1
    status=$?
    printf '%s\n' "$expected" >"$tmp/want"
    if [ $status -ne 0 ]; then
        echo "not ok $name: exit status $status"
        sed 's/^/    | /' "$tmp/out" | head -n 15
    elif cmp -s "$tmp/out" "$tmp/want"; then
        echo "ok $name"
    else
        echo "not ok $name: output differs (- expected, + got)"
        diff "$tmp/want" "$tmp/out" | head -n 20 | sed 's/^/    /'
    fi
}
# has NAME PATTERN: the REPL's output of stdin has a line matching PATTERN.
has() {
    "$GRADCALC" -i >"$tmp/out" 2>&1
    status=$?
    if [ $status -ne 0 ]; then
        echo "not ok $1: exit status $status"
        head -n 15 "$tmp/out" | sed 's/^/    | /'
    elif grep -q -- "$2" "$tmp/out"; then
        echo "ok $1"
    else
        echo "not ok $1: no line matching /$2/"
        head -n 15 "$tmp/out" | sed 's/^/    | /'
    fi
}

printf '1 + 1\n"text"\n1, nil, true\n' | repl "expressions print their values" '2
text
1	nil	true'

printf '1/3\n0.1\n2^0.5\n2.0\n1e300*1e10\n-(0/0) ~= -(0/0)\n3 // 1\n' | repl "numbers print in full precision" '0.3333333333333333
0.1
1.4142135623730951
2.0
inf
true
3'

printf 'x = 4\nx * 2;\n_\nx\n_ + 1\n' | repl "a trailing ; prints nothing, _ is the last result" '8
4
5'

printf 'function f(a,\n  b)\n  return a + b\nend\nf(2, 3)\n{1,\n 2}\n' | repl "unfinished statements continue on the next lines" '5
{1, 2}'

printf 'x = ones(2, 3)\n{x, n = 1, [10] = "ten", sub = {true}}\n' | repl "tables print readably, tensors by shape" '{<tensor 2x3>, [10] = "ten", n = 1, sub = {true}}'

printf 't = {1}\nt.self = t\nt\ndeep = {{{{{{1}}}}}}\ndeep\n' | repl "cycles and depth are cut short" '{1, self = <cycle>}
{{{{{...}}}}}'

printf 'big = {}\nfor i = 1, 500 do big[i] = i end\nbig\n' | has "a long table is cut short" '(400 more)'

printf 'words = {}\nfor i = 1, 30 do words[i] = "word" .. i end\nwords\n' | has "a wide table breaks into lines" '^  "word30",$'

printf 'h = ones(2)\nh.name\nk = ones(3)\nk.name = "mine"\nk.name\n' | repl "a tensor takes the name of its global" 'h
mine'

printf 'who()\nw = ones(2, 3)\nlr = 0.5\nwho()\n' | repl "who lists only the learner'\''s variables" 'No variables yet. Make one with, say,  x = tensor{1, 2, 3}
  lr  0.5
  w   tensor 2x3'

printf ':time x = 1\ntimeit(function() end, 3)\n:time 6 * 7\n' | "$GRADCALC" -i >"$tmp/out" 2>&1
if grep -q '^time: [0-9.e+-]* [um]*s$' "$tmp/out" && grep -q '^time: .* per run (3 runs)$' "$tmp/out" &&
    grep -q '^42$' "$tmp/out"; then
    echo "ok :time and timeit report times"
else
    echo "not ok :time and timeit report times"
    sed 's/^/    | /' "$tmp/out"
fi

printf 'error("boom")\n"still here"\n' | repl "a runtime error is reported and the REPL goes on" 'stdin:1: boom
stack traceback:
	[C]: in function '\''error'\''
	stdin:1: in main chunk
still here'

printf 'x = = 1\n"still here"\n' | repl "a syntax error is reported and the REPL goes on" "stdin:1: unexpected symbol near '='
still here"

printf 'setmetatable({}, {__tostring = function() error("bad tostring") end})\n"still here"\n' |
    has "an error inside __tostring is reported" 'bad tostring'
printf 'setmetatable({}, {__tostring = function() error("bad tostring") end})\n"still here"\n' |
    has "and the REPL goes on" '^still here$'

printf 'error({})\nerror(setmetatable({}, {__tostring = function() return "custom" end}))\n"still here"\n' |
    repl "error objects that are not strings" '(error object is a table value)
stack traceback:
	[C]: in function '\''error'\''
	stdin:1: in main chunk
custom
still here'

printf ':nonsense\n"still here"\n' | has "an unknown : command is reported" "unknown command ':nonsense'"

# junk: NUL bytes, escapes, invalid UTF-8, a binary chunk's signature
{ printf 'junk \000 \001\033[2J\377\376 more\n'; printf '\033Lua\124\000\n'; printf '"still here"\n'; } |
    has "binary junk is reported and the REPL goes on" '^still here$'
head -c 20000 /dev/urandom >"$tmp/junk"
{ cat "$tmp/junk"; printf '\n"still here"\n'; } | has "random bytes are survived" '^still here$'

# a huge paste: one long line and many lines
awk 'BEGIN { printf "s = 0"; for (i = 0; i < 20000; i++) printf " + 1"; printf "\ns\n" }' |
    repl "a very long line" '20000'
awk 'BEGIN { print "t = {"; for (i = 0; i < 3000; i++) print i ","; print "}"; print "#t" }' |
    repl "a long paste over many lines" '3000'

# help
printf '?sigmoid\n' | has "?name shows the signature" '^sigmoid('
printf 'help "sigmoid"\n' | has "help \"name\" shows the formula" '^  formula'
printf 'help(sigmoid)\n' | has "help(f) shows the derivative" '^  derivative'
printf 'help(who)\n' | has "the REPL'\''s own helpers have help" '^who()'
printf 'help "nosuchthing"\n' | has "help for an unknown name says so" "^No help for 'nosuchthing'"
printf 'help(ones(2))\n' | has "help of a tensor lists its methods" 'backward'

# Every public function has help: each global function that does not come
# with Lua, and each function in a global table the gradcalc module made.
cat >"$tmp/every.lua" <<'EOF'
local lua_std = {}
for name in ("assert collectgarbage dofile error getmetatable ipairs load loadfile next " ..
             "pairs pcall print rawequal rawget rawlen rawset require select setmetatable " ..
             "tonumber tostring type xpcall warn"):gmatch("%S+") do lua_std[name] = true end
local lua_tables = {}
for name in ("coroutine debug io math os package string table utf8 _G gradcalc arg"):gmatch("%S+") do
  lua_tables[name] = true
end
local docs = gradcalc._docs
local missing, count = {}, 0
local function need(name, short)
  count = count + 1
  local d = docs[name] or docs[short]
  if type(d) ~= "table" or type(d.signature) ~= "string" or type(d.summary) ~= "string"
     or type(d.example) ~= "string" then
    missing[#missing + 1] = name
  end
end
for name, v in pairs(_G) do
  if type(v) == "function" and not lua_std[name] then need(name, name) end
  if type(v) == "table" and not lua_tables[name] then
    for k, f in pairs(v) do
      if type(f) == "function" then need(name .. "." .. k, k) end
    end
  end
end
table.sort(missing)
print("checked " .. count, "missing: " .. table.concat(missing, " "))
EOF
out=$("$GRADCALC" "$tmp/every.lua" 2>&1)
case $out in
"checked "*"missing: ") echo "ok every public function has help (${out%%	*})" ;;
*) echo "not ok every public function has help: $out" ;;
esac
printf 'for name in pairs(gradcalc._docs) do help(name) end\n' | "$GRADCALC" -i >"$tmp/out" 2>&1
if [ $? -eq 0 ] && ! grep -q -e '^No help' -e 'stack traceback' "$tmp/out" &&
    [ "$(grep -c '^  example' "$tmp/out")" -ge 20 ]; then
    echo "ok help prints for every documented name"
else
    echo "not ok help prints for every documented name"
    grep -e '^No help' -e 'traceback' "$tmp/out" | head -n 5 | sed 's/^/    | /'
fi
# one notation: × for products of numbers and elementwise, @ for matrix products; never ·
if grep -q '·' "$tmp/out"; then
    echo "not ok no help entry writes · for a product"
    grep '·' "$tmp/out" | head -n 5 | sed 's/^/    | /'
else
    echo "ok no help entry writes · for a product"
fi

# t is a method (x:t()) and, as torch.t, a function: help finds it every way
for form in 'help(t)' 'help("t")' 'x = ones(2, 3); help(x.t)' '?t'; do
    printf '%s\n' "$form" | has "$form finds the transpose" '^x:t()'
done
# Every name the tour (help()) shows has help of its own: the functions it
# calls, the methods after ':', the fields after '.', and the names it lists.
printf 'help()\n' | "$GRADCALC" -i 2>&1 | sed -n '1,/^Functions with help/p' >"$tmp/tour"
names=$(sed -n 's/^  \(.\{32\}\).*/\1/p' "$tmp/tour" |
    grep -o -e '[A-Za-z_][A-Za-z_0-9]*(' -e '[A-Za-z_0-9]:[A-Za-z_][A-Za-z_0-9]*' \
        -e '\.[A-Za-z_][A-Za-z_0-9]*' -e '?[A-Za-z_][A-Za-z_0-9]*' -e '^[a-z, ]*$' |
    tr -d '(?.' | sed 's/^[A-Za-z_0-9]*://' | tr ', ' '\n\n' | grep . | sort -u)
count=0 bad=""
for n in $names; do
    count=$((count + 1))
    out=$(printf 'help("%s")\n' "$n" | "$GRADCALC" -i 2>&1)
    case $out in "No help"* | "help:"* | "") bad="$bad $n" ;; esac
done
if [ -z "$bad" ] && [ "$count" -ge 12 ]; then
    echo "ok every name the tour shows has help ($count names)"
else
    echo "not ok every name the tour shows has help ($count names): missing$bad"
fi

# no prompt, no banner and no escape codes without a terminal
printf '1.5\nhelp()\nerror("e")\n' | "$GRADCALC" -i >"$tmp/out" 2>&1
if grep -q "$(printf '\033')" "$tmp/out"; then
    echo "not ok no escape codes in a pipe"
else
    echo "ok no escape codes in a pipe"
fi
if grep -q -e '^> ' -e '^gradcalc [0-9]' "$tmp/out"; then
    echo "not ok no prompt or banner in a pipe"
else
    echo "ok no prompt or banner in a pipe"
fi
printf '1.5\n' | "$GRADCALC" -i --color=always >"$tmp/out" 2>&1
if grep -q "$(printf '\033')\[36m1.5" "$tmp/out"; then
    echo "ok --color=always colours a pipe"
else
    echo "not ok --color=always colours a pipe"
fi

# a statement left unfinished at the end of input
printf 'for i = 1, 2 do\n' | has "unfinished input at the end is reported" "'end' expected"

echo done
