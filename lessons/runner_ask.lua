-- lessons/runner_ask.lua - the lesson words that read the learner: ask (a
-- question, marked, with hints and the worked solution) and pause, and the
-- lesson's own prompt (repl at a question). Loaded by runner.lua with its
-- shared table R; adds R.read_line, R.after_ctrl_c and R.ask_words(S, env).

local R = ...
local host = R.host
local write, bold, good, bad = R.write, R.bold, R.good, R.bad
local dedent, fmt, trim, number_of = R.dedent, R.fmt, R.trim, R.number_of

-- A line typed by the learner, nil at the end of input, false after a
-- Ctrl-C at a terminal (the line is dropped). A terminal gets line
-- editing; a pipe gets the prompt and the line echoed, so that a piped
-- session reads like the one at a terminal.
function R.read_line(prompt)
    io.flush()
    if host.stdin_tty then return host.readline(prompt) end
    write(prompt)
    local line = io.read("l")
    if line then write(line, "\n") else write("\n") end
    return line
end
local read_line = R.read_line

-- Tells, once a lesson, what Ctrl-C did at a prompt and how to leave.
function R.after_ctrl_c(S, where)
    if S.told[where] then return end
    S.told[where] = true
    if where == "repl" then
        write("(Ctrl-C drops the line. To return to the question, type back or press Ctrl-D.)\n")
    else
        write("(Ctrl-C drops the line. To leave the lesson, type quit or press Ctrl-D;\n",
              "your progress is kept.)\n")
    end
end
local after_ctrl_c = R.after_ctrl_c

-- A prompt inside the lesson: the lesson's variables are the globals.
-- Expressions print as at gradcalc's own prompt; `back` or end of input
-- returns to the lesson. Ctrl-C drops the line, or stops the statement
-- running, and the prompt comes again.
local function nested_repl(S, env)
    write("Your prompt, with the lesson's variables. Type back (or Ctrl-D) to return.\n")
    local pending
    -- Runs one line (with any pending ones before it).
    local function evaluate(line)
        local src = pending and (pending .. "\n" .. line) or line
        local f, err = R.compile(src, "=prompt", env)
        pending = nil
        if not f then
            if err == "more" then pending = src else write(err, "\n") end
            return
        end
        local r = table.pack(host.pcall(f))
        R.name_tensors(env)
        if not r[1] and r[3] then
            write("\ninterrupted\n")       -- after the ^C the terminal shows
        elseif not r[1] then
            write(tostring(r[2]), "\n")
        else
            R.print_results(r, 2, src)
        end
    end
    while true do
        local line = read_line(pending and ">> " or "lesson> ")
        if line == nil then break end
        if line == false then
            pending = nil
            after_ctrl_c(S, "repl")
        elseif not pending and (trim(line) == "back" or trim(line) == ":back") then
            break
        else
            evaluate(line)
        end
    end
    write("Back to the lesson.\n")
end

-- Adds to env the lesson words that read the learner: ask and pause.
function R.ask_words(S, env)
    env.pause = function()
        if S.mode == "ask" and host.stdin_tty and not S.silent then
            local line
            repeat
                line = host.readline("  (Enter to go on, repl for a prompt) ")
            until line ~= false
            if line and trim(line):match("^:?repl$") then nested_repl(S, env) end
        end
    end

    function env.ask(spec)
        local name = spec[1] or spec.name or "answer"
        local tol = spec.tol          -- nil: the 3 significant figures rule
        S.asked = S.asked + 1
        local v = number_of(spec.value())
        if v == nil then error("ask " .. name .. ": value() must give one number", 2) end
        if S.silent then
            if S.asked <= S.skip then return v end     -- answered before
            S.silent = false
            host.silence(false)
            write(bold(string.format("Lesson %s: %s", S.number or S.id, S.title or S.id)),
                  string.format(", continued at question %d (so far %s).\n", S.asked,
                      R.score_text(S.first, S.score, S.asked - 1)),
                  "At a question, type a number or an expression, or hint, repl, solution, quit.\n\n")
            if S.section then env.section(S.section) end
        end
        write(bold(string.format("Question %d.", S.asked)), " ", dedent(spec.question or ("Compute " .. name .. ".")), "\n")
        if tol then
            write(string.format("(Within %.2g %% of gradcalc's value.)\n", tol * 100))
        end
        local function reveal()
            if spec.solution then
                write("Worked solution:\n")
                io.flush()
                spec.solution()
                io.flush()
            end
            write("  answer: ", name, " = ", fmt(v), "\n\n")
        end
        local function hint()
            local h = spec.hint
            if type(h) == "function" then h = h() end
            write("Hint: ", h and dedent(h) or "no hint for this one; try solution.", "\n")
        end
        if S.mode == "replay" then
            reveal()
            S.score = S.score + 1
            return v
        end
        local tries = 0
        while true do
            local line = read_line(name .. " = ? ")
            if line == false then
                after_ctrl_c(S, "ask")
                line = ""               -- the same question again
            end
            if line == nil then
                write("\n(End of input: leaving the lesson; your progress is saved.)\n")
                S.asked = S.asked - 1
                error(R.QUIT, 0)
            end
            line = trim(line)
            local word = line:gsub("^:", "")
            if line == "" then
                -- ask again
            elseif word == "quit" or word == "q" or word == "exit" then
                S.asked = S.asked - 1
                write("Leaving the lesson; your progress is saved.\n")
                error(R.QUIT, 0)
            elseif word == "repl" then
                nested_repl(S, env)
            elseif word == "hint" or line == "?" then
                hint()
            elseif word == "solution" or word == "skip" then
                reveal()
                break
            else
                local f = load("return " .. line, "=answer", "t", env)
                local ok, a, interrupted = false, nil, false
                if f then ok, a, interrupted = host.pcall(f) end
                a = ok and number_of(a) or nil
                if not ok and interrupted then
                    write("(interrupted)\n")
                elseif a == nil then
                    write("That is not a number gradcalc can read. Type a number or an expression\n",
                          "(e.g. 0.15*0.05 + 0.2*0.1), or hint, repl, solution, quit.\n")
                else
                    tries = tries + 1
                    local mark = R.mark(a, v, tol)
                    if mark == "right" then
                        write(good("✓ right"), ": ", name, " = ", fmt(v), "\n\n")
                        S.score = S.score + 1
                        if tries == 1 and S.first then S.first = S.first + 1 end
                        break
                    elseif tries == 1 and mark == "close" then
                        write(bad("✗ close"), " (you gave ", fmt(a), "): carry more digits through your working.\n",
                              "One more try.\n")
                    elseif tries == 1 then
                        write(bad("✗ not quite"), " (you gave ", fmt(a), ").\n")
                        local why = R.diagnose(a, v, spec, tol)
                        if why then write(why, "\n") end
                        hint()
                        write("One more try.\n")
                    else
                        write(bad("✗ still not it"), " (you gave ", fmt(a), "). Here is how it goes.\n")
                        reveal()
                        break
                    end
                end
            end
        end
        S.save()
        return v
    end
end
