#!/bin/sh
# Handouts: lesson(n, {handout = true [, answers = true] [, output = FILE]})
# gives each lesson as Markdown with every question and a blank, and with
# answers = true an answer key whose answers are those of the replay; a
# file is written whole (no temporary left, an old one replaced). Pandoc,
# when installed, renders every handout (HTML and LaTeX; PDF too when it
# has a TeX engine), else the check says it is skipped.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_lessons_handout.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GRADCALC_LESSONS="$top/lessons" XDG_STATE_HOME="$tmp/state"

ok() { echo "ok $1"; }
notok() { echo "not ok $1: $2"; [ -f "$tmp/out" ] && head -n 20 "$tmp/out" | sed 's/^/    | /'; }
gc() { timeout 300 "$GRADCALC" "$@" >"$tmp/out" 2>&1; }

have_pandoc=
command -v pandoc >/dev/null 2>&1 && have_pandoc=1
engine=
for e in xelatex lualatex pdflatex; do
    if command -v "$e" >/dev/null 2>&1; then engine=$e; break; fi
done

for file in "$top"/lessons/0[0-9]-*.lua; do
    id=$(basename "$file" .lua)
    n=${id%%-*}
    n=${n#0}
    "$GRADCALC" --lesson "$n" --replay </dev/null | sed -n 's/^  answer: //p' >"$tmp/answers"
    count=$(wc -l <"$tmp/answers" | tr -d ' ')

    # Without answers: the questions and their blanks, no key, no answer.
    if gc -e "lesson($n, {handout = true})" </dev/null && cp "$tmp/out" "$tmp/h.md" &&
        head -n 1 "$tmp/h.md" | grep -q "^# Lesson $n: " &&
        [ "$(grep -c '^\*\*Question [0-9]*\.\*\* ' "$tmp/h.md")" -eq "$count" ] &&
        [ "$(grep -c '^`.* = ________________`$' "$tmp/h.md")" -eq "$count" ] &&
        ! grep -q 'Answer key' "$tmp/h.md" && ! grep -q '^End of lesson' "$tmp/h.md"; then
        ok "lesson $id handout: $count questions with blanks, no answers"
    else
        notok "lesson $id handout: questions with blanks" "$count questions expected"
    fi

    # With answers, to a file: the key gives the replay's answers, in order.
    printf 'an older handout\n' >"$tmp/h$n.md"
    if gc -e "lesson($n, {handout = true, answers = true, output = '$tmp/h$n.md'})" </dev/null &&
        grep -q "^Handout of lesson $n ($count questions, with the answer key) written to " "$tmp/out" &&
        ! ls "$tmp" | grep -q '\.tmp$' && ! grep -q 'an older handout' "$tmp/h$n.md" &&
        sed -n '/^## Answer key$/,$p' "$tmp/h$n.md" | sed -n 's/^\*\*[0-9]*\.\*\* `\(.*\)`$/\1/p' >"$tmp/key" &&
        cmp -s "$tmp/key" "$tmp/answers"; then
        ok "lesson $id handout with answers: written to a file, the key has the $count answers"
    else
        notok "lesson $id handout with answers" "$(diff "$tmp/answers" "$tmp/key" 2>&1 | head -n 5)"
    fi

    if [ -z "$have_pandoc" ]; then
        ok "lesson $id handout renders with pandoc skipped: pandoc not installed"
        continue
    fi
    if pandoc -f markdown -t html5 -s --metadata title="Lesson $n" -o "$tmp/h.html" "$tmp/h$n.md" 2>"$tmp/err" &&
        grep -q '<h2[^>]*>Answer key</h2>' "$tmp/h.html" &&
        pandoc -f markdown -t latex -s -o "$tmp/h.tex" "$tmp/h$n.md" 2>>"$tmp/err" &&
        grep -q '\\section{Lesson' "$tmp/h.tex"; then
        ok "lesson $id handout renders with pandoc (HTML, LaTeX)"
    else
        notok "lesson $id handout renders with pandoc" "$(head -n 3 "$tmp/err")"
    fi
    if [ -n "$engine" ]; then
        if pandoc -f markdown --pdf-engine="$engine" -o "$tmp/h.pdf" "$tmp/h$n.md" 2>"$tmp/err" &&
            [ -s "$tmp/h.pdf" ]; then
            ok "lesson $id handout renders to PDF with $engine"
        else
            notok "lesson $id handout renders to PDF with $engine" "$(head -n 3 "$tmp/err")"
        fi
    fi
done
[ -n "$have_pandoc" ] && [ -z "$engine" ] && ok "handouts render to PDF skipped: no TeX engine for pandoc"

# explain and trace in a lesson's code: their text once, after the code
# block; with print = false nothing is written and the text is returned.
cat >"$tmp/ex.lua" <<'LESSON'
lesson {title = "explain in code", summary = "where the handout puts it"}
code [[
x = var(3, "x")
y = x^2
y:backward()
explain(y, x)
trace(y)
]]
quiet = explain(y, x, {print = false})
check(type(quiet) == "string" and quiet:find("∂y/∂x", 1, true) ~= nil, "explain with print = false returns its text")
quiet_trace = trace(y, {print = false})
check(type(quiet_trace) == "string" and quiet_trace:find("y = x^2", 1, true) ~= nil, "trace with print = false returns its text")
LESSON
if gc -e "lesson('$tmp/ex.lua', {handout = true})" </dev/null &&
    [ "$(grep -c '^∂y/∂x = ' "$tmp/out")" -eq 1 ] && [ "$(grep -c '^y = x^2 = ' "$tmp/out")" -eq 1 ] &&
    awk '/^```lua$/ { code = NR } /^explain\(y, x\)$/ { call = NR } /^∂y\/∂x = / { text = NR }
        END { exit !(code && call > code && text > call) }' "$tmp/out" &&
    grep -q 'explain with print = false returns its text' "$tmp/out" &&
    grep -q 'trace with print = false returns its text' "$tmp/out"; then
    ok "a handout shows explain and trace of a lesson's code once, after the code; print = false writes nothing"
else
    notok "a handout shows explain and trace of a lesson's code once, after the code" "see output"
fi

# Mistakes: a folder that does not exist, options without handout.
if ! gc -e "lesson(5, {handout = true, output = '$tmp/no/such/dir/h.md'})" </dev/null &&
    grep -q "cannot write the handout to $tmp/no/such/dir/h.md" "$tmp/out"; then
    ok "a handout that cannot be written is reported"
else
    notok "a handout that cannot be written is reported" "see output"
fi
if ! gc -e "lesson(5, {answers = true})" </dev/null && grep -q 'answers and output go with handout = true' "$tmp/out"; then
    ok "answers without handout is refused"
else
    notok "answers without handout is refused" "see output"
fi
echo done
