-- lessons/runner.lua - runs gradcalc's lessons.
--
-- A lesson is a Lua file in this folder, named NN-something.lua, written
-- with the small vocabulary below (README.md explains it to teachers):
--
--   lesson{title=, summary=}   first statement: what the lesson is
--   section "title"            a heading
--   say [[text]]               explanation (indentation is removed)
--   formula [[text]]           a formula, set off from the text
--   code [[lua]]               shows the code, runs it; an expression prints
--   show("expr", ...)          prints expr = its value, for each expr
--   ask{name, question=, value=function, hint=, solution=function,
--       chain=function, paths=function, mistakes={...}, tol=}
--                              asks the learner for a number, checks it
--   check(cond, text)          states a fact the lesson relies on
--   pause()                    waits for Enter (only on a terminal)
--   worked(x)                  prints the line of trace(x) that makes x
--   fmt(v)                     a number with precision() digits
--
-- The lesson's code runs in its own environment, whose missing names come
-- from the globals: every gradcalc function is there, and what the lesson
-- defines stays out of the learner's globals.
--
-- gradcalc (src/tools.c) loads this file with two arguments: the lessons
-- folder, and `host`, what Lua alone cannot do (list a folder, make one,
-- read a line with editing and Ctrl-C, run code so that a Ctrl-C stops it
-- cleanly, silence standard output, print values as the prompt does, know
-- whether stdin and stdout are terminals). It returns {run=, list=}.
--
-- Ctrl-C: at a prompt of the lesson it drops the line and the prompt comes
-- again; while the lesson's code runs (host.pcall) it stops the lesson,
-- which says where the learner was. run() then returns true, and gradcalc
-- --lesson exits with status 130.
--
-- Resuming: progress records how many questions of a lesson were answered.
-- A lesson started again runs its code silently (host.silence) through
-- the questions already answered, which are not asked again, then goes on
-- as usual; on a terminal it first asks whether to.

local dir, host = ...

local M = {}
local TOL = 0.5e-3              -- relative: 3 significant figures
local QUIT = {}                 -- raised to leave a lesson early

-- ---- output ----------------------------------------------------------------

local function esc(code, s)
    if host.color then return "\27[" .. code .. "m" .. s .. "\27[0m" end
    return s
end
local function bold(s) return esc("1", s) end
local function good(s) return esc("32", s) end
local function bad(s) return esc("31", s) end

local function write(...) io.write(...) end

-- Text as the author wrote it in [[...]], without the common indentation
-- and the blank lines around it.
local function dedent(text)
    text = tostring(text):gsub("^%s*\n", ""):gsub("%s+$", "")
    local indent
    for line in text:gmatch("[^\n]+") do
        local lead = line:match("^( *)%S")
        if lead and (indent == nil or #lead < indent) then indent = #lead end
    end
    indent = indent or 0
    local out = {}
    for line in (text .. "\n"):gmatch("(.-)\n") do
        out[#out + 1] = line:sub(indent + 1)
    end
    return table.concat(out, "\n")
end

-- A number as the lesson prints it: as many digits as precision() says.
local function fmt(v)
    if v ~= v then return "nan" end
    if v == math.huge then return "inf" elseif v == -math.huge then return "-inf" end
    local s = string.format("%." .. precision() .. "g", v)
    if s == "-0" then s = "0" end
    return s
end

-- The one number in v (a number or a one-element tensor), or nil.
local function number_of(v)
    if type(v) == "number" then return v end
    if is_tensor(v) and v:numel() == 1 then return v:item() end
    return nil
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- Names every unnamed tensor of env after the variable holding it, as
-- gradcalc's prompt does, so that traces speak of net_h1 and not t3.
local function name_tensors(env)
    for k, v in pairs(env) do
        if type(k) == "string" and is_tensor(v) and v.name == nil then v.name = k end
    end
end

-- ---- reading the learner ----------------------------------------------------

-- A line typed by the learner, nil at the end of input, false after a
-- Ctrl-C at a terminal (the line is dropped). A terminal gets line
-- editing; a pipe gets the prompt and the line echoed, so that a piped
-- session reads like the one at a terminal.
local function read_line(prompt)
    io.flush()
    if host.stdin_tty then return host.readline(prompt) end
    write(prompt)
    local line = io.read("l")
    if line then write(line, "\n") else write("\n") end
    return line
end

-- Tells, once a lesson, what Ctrl-C did at a prompt and how to leave.
local function after_ctrl_c(S, where)
    if S.told[where] then return end
    S.told[where] = true
    if where == "repl" then
        write("(Ctrl-C drops the line. To return to the question, type back or press Ctrl-D.)\n")
    else
        write("(Ctrl-C drops the line. To leave the lesson, type quit or press Ctrl-D;\n",
              "your progress is kept.)\n")
    end
end

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
        local f, err = load("return " .. src, "=prompt", "t", env)
        if not f then f, err = load(src, "=prompt", "t", env) end
        pending = nil
        if not f then
            if err:find("<eof>$") then pending = src else write(err, "\n") end
            return
        end
        local r = table.pack(host.pcall(f))
        name_tensors(env)
        if not r[1] and r[3] then
            write("\ninterrupted\n")       -- after the ^C the terminal shows
        elseif not r[1] then
            write(tostring(r[2]), "\n")
        elseif r.n > 1 and not src:find(";%s*$") then
            io.flush()
            host.print_values(table.unpack(r, 2, r.n))
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

-- ---- progress ---------------------------------------------------------------
-- $XDG_STATE_HOME/gradcalc/progress (default ~/.local/state/gradcalc):
--   gradcalc progress 1
--   lesson <id> <questions answered> <questions> <score> <finished 0|1>
-- <questions> is known once the lesson has been finished, 0 until then.

local HEADER = "gradcalc progress 1"

local function state_dir()
    local xdg = os.getenv("XDG_STATE_HOME")
    if xdg and xdg:sub(1, 1) == "/" then return xdg .. "/gradcalc" end
    local home = os.getenv("HOME")
    if home and home ~= "" then return home .. "/.local/state/gradcalc" end
    return nil
end

local function warn(msg)
    io.flush()
    io.stderr:write("gradcalc: ", msg, "\n")
end

-- Reads the progress file: a table id -> record. A file that is not ours
-- or is damaged is moved aside, with a message, and progress starts afresh.
local function load_progress()
    local d = state_dir()
    if not d then return {} end
    local path = d .. "/progress"
    local f = io.open(path, "rb")
    if not f then return {} end
    local text = f:read("a") or ""
    f:close()
    local records, problem = {}, nil
    local n = 0
    for line in text:gmatch("([^\n]*)\n") do
        n = n + 1
        if n == 1 then
            if line ~= HEADER then problem = "it does not start with '" .. HEADER .. "'"; break end
        elseif line ~= "" then
            local id, answered, total, score, done = line:match("^lesson (%S+) (%d+) (%d+) (%d+) ([01])$")
            if not id then problem = "line " .. n .. " is damaged"; break end
            records[id] = {answered = tonumber(answered), total = tonumber(total),
                           score = tonumber(score), done = done == "1"}
        end
    end
    if not problem and (n == 0 or text:sub(-1) ~= "\n") then
        problem = n == 0 and "it is empty" or "it ends in the middle of a line"
    end
    if problem then
        local aside = path .. ".corrupt-" .. os.time()
        local ok = os.rename(path, aside)
        warn(string.format("the progress file %s could not be read (%s); %s, and progress starts afresh.",
            path, problem, ok and ("it was moved to " .. aside) or "it could not be moved aside"))
        return {}
    end
    return records
end

local warned_save = false

-- Writes the records to a temporary file, then renames it over the old
-- one: a session killed while writing leaves the old file whole.
local function save_progress(records)
    local d = state_dir()
    if not d then return end
    local function fail(msg)
        if not warned_save then warn("progress not saved: " .. tostring(msg)) end
        warned_save = true
    end
    local ok, err = host.mkdir(d)
    if not ok then return fail(err) end
    local ids = {}
    for id in pairs(records) do ids[#ids + 1] = id end
    table.sort(ids)
    local lines = {HEADER}
    for _, id in ipairs(ids) do
        local r = records[id]
        lines[#lines + 1] = string.format("lesson %s %d %d %d %d", id, r.answered, r.total, r.score,
            r.done and 1 or 0)
    end
    local path, tmp = d .. "/progress", d .. "/progress.tmp"
    local f
    f, err = io.open(tmp, "wb")
    if not f then return fail(err) end
    ok, err = f:write(table.concat(lines, "\n"), "\n")
    local closed, cerr = f:close()
    if not ok or not closed then os.remove(tmp); return fail(err or cerr) end
    ok, err = os.rename(tmp, path)
    if not ok then os.remove(tmp); return fail(err) end
end

-- ---- finding lessons --------------------------------------------------------

-- The lessons of the folder, sorted: {number=, file=, id=}.
local function catalogue()
    local names = host.listdir(dir) or {}
    local list = {}
    for _, name in ipairs(names) do
        local num = name:match("^(%d+)%-.+%.lua$")
        if num then
            list[#list + 1] = {number = tonumber(num), file = dir .. "/" .. name, id = name:sub(1, -5)}
        end
    end
    table.sort(list, function(a, b) return a.number < b.number end)
    return list
end

-- The lesson{...} table at the top of a lesson file, without running the rest.
local function metadata(file)
    local env = setmetatable({}, {__index = _G})
    env.lesson = function(t) error({meta = t}, 0) end
    local chunk, err = loadfile(file, "t", env)
    if not chunk then return nil, err end
    local ok, e = pcall(chunk)
    if not ok and type(e) == "table" and e.meta then return e.meta end
    return nil, ok and "it does not start with lesson{...}" or tostring(e)
end

-- Where a learner stopped: the first question not answered yet. The
-- listing, the offer to continue and the resume itself all go by this.
local function stopped_at(r)
    if r.total > 0 and r.answered >= r.total then return "after the last question" end
    return "at question " .. (r.answered + 1)
end

local function progress_text(r)
    if not r then return "not started" end
    if r.done then return string.format("done, score %d/%d", r.score, r.total) end
    local of = ""
    if r.total > 0 and r.answered < r.total then of = " of " .. r.total end
    return string.format("stopped %s%s, score %d", stopped_at(r), of, r.score)
end

function M.list()
    local records = load_progress()
    local list = catalogue()
    write(bold("gradcalc lessons: the foundations of deep learning, day 1"), "\n\n")
    for _, l in ipairs(list) do
        local meta, err = metadata(l.file)
        if meta then
            write(string.format("%3d  %s  [%s]\n", l.number, bold(meta.title or l.id),
                progress_text(records[l.id])))
            write("     ", meta.summary or "", "\n")
        else
            write(string.format("%3d  %s: cannot be read: %s\n", l.number, l.id, err))
        end
    end
    if #list == 0 then write("No lessons in ", dir, "\n") end
    write("\nRun one with  gradcalc --lesson N  (lesson(N) at the prompt); a lesson\n",
          "you stopped offers to continue where you were (--resume: without asking).\n",
          "gradcalc --lesson N --replay prints its worked solutions.\n")
end

-- The file of lesson n, or the file named.
local function resolve(spec)
    if type(spec) == "string" and spec:match("^%d+$") then spec = tonumber(spec) end
    if type(spec) == "number" then
        for _, l in ipairs(catalogue()) do
            if l.number == spec then return l.file, l.id end
        end
        error(string.format("there is no lesson %d (gradcalc --lessons lists them)", spec), 0)
    end
    local f = io.open(spec, "r")
    if not f then error("cannot open the lesson file " .. spec, 0) end
    f:close()
    local id = spec:match("([^/]+)$"):gsub("%.lua$", ""):gsub("%s", "_")
    return spec, id
end

-- ---- checking an answer -----------------------------------------------------

local function close(a, v, tol)
    return math.abs(a - v) <= tol * math.abs(v) + 1e-12
end

local function product(factors, from, to)
    local p = 1
    for i = from, to do p = p * factors[i][2] end
    return p
end

local function labels(factors, from, to)
    local t = {}
    for i = from, to do t[#t + 1] = factors[i][1] end
    return table.concat(t, " × ")
end

-- Factors as {label, number}, from a chain given as {label, value} pairs.
local function numbers(chain)
    local out = {}
    for i, f in ipairs(chain) do
        local v = number_of(f[2])
        if v == nil then error("ask: factor " .. i .. " of the chain is not one number", 0) end
        out[i] = {f[1], v}
    end
    return out
end

-- What the learner's wrong number a probably is, when it can be told.
local function diagnose(a, v, spec, tol)
    if v ~= 0 and close(a, -v, tol) then
        return "The size is right but the sign is not: check the signs of your factors."
    end
    for _, m in ipairs(spec.mistakes or {}) do
        local mv = number_of(m[1]())
        if mv and close(a, mv, tol) then return m[2] end
    end
    if spec.paths then
        local paths = spec.paths()
        for j, p in ipairs(paths) do
            local f = numbers(p)
            if #paths > 1 and close(a, product(f, 1, #f), tol) then
                return string.format("That is path %d alone (%s); there are %d paths from the weight " ..
                    "to the output, and the chain rule adds them.", j, p.name or labels(f, 1, #f), #paths)
            end
        end
    end
    if spec.chain then
        local f = numbers(spec.chain())
        local n = #f
        for i = 1, n do
            if n > 1 and close(a, f[i][2], tol) and not close(v, f[i][2], tol) then
                return string.format("That is the factor %s alone; the chain is %s.", f[i][1], labels(f, 1, n))
            end
        end
        for k = 2, n - 1 do
            if close(a, product(f, 1, k), tol) then
                return string.format("That is %s: the chain goes on with × %s.", labels(f, 1, k),
                    labels(f, k + 1, n))
            end
        end
        for i = 1, n do
            if f[i][2] ~= 0 and not close(f[i][2], 1, tol) and close(a, v / f[i][2], tol) then
                return string.format("Your product lacks the factor %s.", f[i][1])
            end
        end
        -- The factor that, alone wrong, would explain the number.
        for i = 1, n do
            local rest = v / f[i][2]
            if f[i][2] ~= 0 and rest ~= 0 then
                local yours = a / rest
                -- a "near miss" of one factor: within 30 % of it
                if math.abs(yours - f[i][2]) <= 0.3 * math.abs(f[i][2]) then
                    return string.format("If the other factors are right, your %s is off: " ..
                        "recompute that one.", f[i][1])
                end
            end
        end
        return "Check each factor of the chain " .. labels(f, 1, n) .. "."
    end
    return nil
end

-- ---- running a lesson -------------------------------------------------------

-- Makes the lesson's environment and its vocabulary, for mode "ask" or
-- "replay". S is the session: counts, score, records.
local function vocabulary(S)
    local env = setmetatable({}, {__index = _G})
    S.env = env

    function env.lesson(t)
        S.title = t.title or S.id
        write(bold(string.format("Lesson %s: %s", S.number or S.id, S.title)), "\n")
        if t.summary then write(t.summary, "\n") end
        write("\n")
        if S.mode == "ask" then
            write("When gradcalc asks for a number, type it or a Lua expression\n",
                  "(0.15*0.05 + 0.2*0.1 + 0.35 is fine). It counts as right within 3\n",
                  "significant figures, so carry 4 or more digits through your working.\n",
                  "At a question you may also type: hint, repl (a prompt with the\n",
                  "lesson's variables; back returns), solution, or quit.\n\n")
        end
    end
    env.section = function(title)
        S.section = title           -- shown again when a lesson resumes
        write(bold("── " .. title .. " "), bold(string.rep("─", math.max(3, 60 - #title))), "\n\n")
    end
    env.checkpoint = env.section
    env.say = function(text) write(dedent(text), "\n\n") end
    env.formula = function(text)
        for line in (dedent(text) .. "\n"):gmatch("(.-)\n") do write("    ", line, "\n") end
        write("\n")
    end
    -- code [[...]]: runs the lines as gradcalc's prompt would, one
    -- statement at a time (a statement may take several lines); an
    -- expression prints its value unless it ends in ';'.
    env.code = function(src)
        src = dedent(src)
        local pending
        for line in (src .. "\n"):gmatch("(.-)\n") do
            write("  > ", line, "\n")
            local chunk = pending and (pending .. "\n" .. line) or line
            local f = load("return " .. chunk, "=lesson code", "t", env)
            local expr = f ~= nil
            local err
            if not f then f, err = load(chunk, "=lesson code", "t", env) end
            if f then
                pending = nil
                local r = table.pack(f())
                name_tensors(env)
                if expr and r.n > 0 and not chunk:find(";%s*$") then
                    io.flush()
                    host.print_values(table.unpack(r, 1, r.n))
                end
            elseif err:find("<eof>$") then
                pending = chunk
            else
                error(err, 2)
            end
        end
        if pending then error("lesson code: unfinished statement: " .. pending, 2) end
        write("\n")
    end
    env.show = function(...)
        for _, expr in ipairs({...}) do
            local f, err = load("return " .. expr, "=show", "t", env)
            if not f then error(err, 2) end
            local v = f()
            local n = number_of(v)
            if type(v) == "number" then
                write("  ", expr, " = ", fmt(n), "\n")
            else
                write("  ", expr, " = ")
                io.flush()
                host.print_values(v)
            end
        end
        write("\n")
    end
    env.check = function(cond, text)
        if not cond then error("the lesson's own check failed: " .. text, 2) end
        write("  ", good("✓"), " ", text, "\n\n")
    end
    env.pause = function()
        if S.mode == "ask" and host.stdin_tty and not S.silent then
            local line
            repeat
                line = host.readline("  (Enter to go on, repl for a prompt) ")
            until line ~= false
            if line and trim(line):match("^:?repl$") then nested_repl(S, env) end
        end
    end
    env.fmt = fmt
    -- worked(x): the line of trace(x) that computes x, without the lines
    -- of everything before it.
    env.worked = function(x, opts)
        local text = trace(x, {print = false, round = opts and opts.round})
        local prefix = (x.name or "") .. " = "
        local last
        for line in text:gmatch("[^\n]+") do
            if line:sub(1, #prefix) == prefix then last = line end
        end
        write(last or text, "\n")
    end

    function env.ask(spec)
        local name = spec[1] or spec.name or "answer"
        local tol = spec.tol or TOL
        S.asked = S.asked + 1
        local v = number_of(spec.value())
        if v == nil then error("ask " .. name .. ": value() must give one number", 2) end
        if S.silent then
            if S.asked <= S.skip then return v end     -- answered before
            S.silent = false
            host.silence(false)
            write(bold(string.format("Lesson %s: %s", S.number or S.id, S.title or S.id)),
                  string.format(", continued at question %d (score so far %d).\n", S.asked, S.score),
                  "At a question, type a number or an expression, or hint, repl, solution, quit.\n\n")
            if S.section then env.section(S.section) end
        end
        write(bold(string.format("Question %d.", S.asked)), " ", dedent(spec.question or ("Compute " .. name .. ".")), "\n")
        if tol ~= TOL then
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
                error(QUIT, 0)
            end
            line = trim(line)
            local word = line:gsub("^:", "")
            if line == "" then
                -- ask again
            elseif word == "quit" or word == "q" or word == "exit" then
                S.asked = S.asked - 1
                write("Leaving the lesson; your progress is saved.\n")
                error(QUIT, 0)
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
                    if close(a, v, tol) then
                        write(good("✓ right"), ": ", name, " = ", fmt(v), "\n\n")
                        S.score = S.score + 1
                        break
                    elseif tries == 1 then
                        write(bad("✗ not quite"), " (you gave ", fmt(a), ").\n")
                        local why = diagnose(a, v, spec, tol)
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
    return env
end

-- On a terminal, when the learner stopped lesson `name` in the middle:
-- true to continue from there, false to start again, nil to leave.
local function offer(S, r, name)
    local question = string.format("You stopped %s of %s (score %d). Continue from there? [Y/n] ",
        stopped_at(r), name, r.score)
    while true do
        local line = read_line(question)
        if line == nil then return nil end
        if line == false then
            after_ctrl_c(S, "ask")
        else
            local a = trim(line):lower()
            if a == "" or a == "y" or a == "yes" then return true end
            if a == "n" or a == "no" then return false end
            if a == "quit" or a == "q" or a == "exit" then return nil end
            write("Type y (or just Enter) to continue from there, n to start from the beginning.\n")
        end
    end
end

-- run(n | file [, {replay=true} | {resume=true}]): runs a lesson at the
-- prompt, or replays its worked solutions. A lesson stopped in the middle
-- continues from there: on a terminal if the learner says so, elsewhere
-- only with resume=true. Returns true when Ctrl-C stopped it.
function M.run(spec, opts)
    opts = opts or {}
    local file, id = resolve(spec)
    local S = {mode = opts.replay and "replay" or "ask", asked = 0, score = 0, id = id,
               skip = 0, told = {}}
    S.number = tonumber(id:match("^(%d+)%-"))
    local name = "lesson " .. (S.number or id)
    local records = S.mode == "ask" and load_progress() or {}
    function S.save()
        if S.mode ~= "ask" then return end
        local old = records[id]
        records[id] = {answered = S.asked, score = S.score, done = S.done or false,
                       total = S.done and S.asked or (old and old.total or 0)}
        save_progress(records)
    end

    local r = records[id]
    if S.mode == "ask" and r and not r.done and r.answered > 0 then
        local resume = opts.resume
        if not resume and host.stdin_tty then
            resume = offer(S, r, name)
            if resume == nil then
                write("Leaving the lesson; your progress is kept.\n")
                return false
            end
        end
        if resume then S.skip, S.score = r.answered, r.score end
    elseif S.mode == "ask" and opts.resume then
        write(string.format("(Nothing to continue: %s is %s. It starts from the beginning.)\n\n",
            name, progress_text(r)))
    end

    local env = vocabulary(S)
    local chunk, err = loadfile(file, "t", env)
    if not chunk then error(err, 0) end
    local digits = precision()
    if S.skip > 0 then
        S.silent = true
        host.silence(true)
    end
    local ok, e, interrupted = host.pcall(chunk)
    interrupted = not ok and interrupted
    if S.silent then
        S.silent = false
        host.silence(false)
        if ok then
            write(string.format("(%s has no question after the %d you answered.)\n", name, S.skip))
        end
    end
    precision(digits)
    if interrupted then
        r = records[id]
        if S.mode == "replay" then
            write("\n(Ctrl-C: the replay stopped.)\n")
        elseif r and not r.done and r.answered > 0 then
            write(string.format("\n(Ctrl-C: left %s %s, score %d; it continues from there next time.)\n",
                name, stopped_at(r), r.score))
        else
            write(string.format("\n(Ctrl-C: left %s.)\n", name))
        end
        return true
    end
    if not ok and e ~= QUIT then
        error(string.format("lesson %s stopped: %s", id, tostring(e)), 0)
    end
    if ok then
        S.done = true
        write(bold(string.format("End of lesson %s.", S.number or id)), " ")
        if S.mode == "ask" then
            write(string.format("Score: %d/%d.\n", S.score, S.asked))
        else
            write(string.format("%d questions, replayed.\n", S.asked))
        end
        S.save()
    end
    return false
end

return M
