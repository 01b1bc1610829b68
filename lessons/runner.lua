-- lessons/runner.lua - runs gradcalc's lessons.
--
-- A lesson is a Lua file in this folder, named NN-something.lua, written
-- with the small vocabulary below (README.md explains it to teachers):
--
--   lesson{title=, summary= [, day=2]}  first statement: what the lesson is
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
--   worked(x)                  prints the line of trace(x) that makes x, and the working under it
--   fmt(v)                     a number with precision() digits
--
-- The lesson's code runs in its own environment, whose missing names come
-- from the globals: every gradcalc function is there, and what the lesson
-- defines stays out of the learner's globals.
--
-- gradcalc (src/app/tools.c) loads this file with two arguments: the lessons
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

-- The runner is in parts, beside this file, sharing one table R:
--   runner_say.lua       output helpers and the words that print
--   runner_progress.lua  the progress file
--   runner_mark.lua      marking answers, finding the mistake
--   runner_ask.lua       the words that read the learner (ask, pause)
--   runner_handout.lua   a lesson as a Markdown handout
-- `make install` copies them with the lessons (lessons/*.lua).

local dir, host = ...

local M = {}
local R = {dir = dir, host = host, QUIT = {}}   -- R.QUIT: raised to leave a lesson early

for _, part in ipairs({"runner_say", "runner_progress", "runner_mark", "runner_ask", "runner_handout"}) do
    local chunk, err = loadfile(dir .. "/" .. part .. ".lua", "t")
    if not chunk then error("the lesson runner is incomplete: " .. err, 0) end
    chunk(R)
end

local write, bold, trim = R.write, R.bold, R.trim
local load_progress, progress_text, stopped_at = R.load_progress, R.progress_text, R.stopped_at
local QUIT = R.QUIT

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

-- The days of the course, as --lessons heads them; a lesson says its day
-- with lesson{..., day = 2} (day 1 when it does not).
local DAYS = {
    "the foundations of deep learning: tensors, backpropagation, optimizers",
    "convolutional networks, evaluation, initialisation and normalisation",
}

function M.list()
    local records = load_progress()
    local list = catalogue()
    write(bold("gradcalc lessons: understanding the foundations of deep learning"), "\n")
    local day
    for _, l in ipairs(list) do
        local meta, err = metadata(l.file)
        local d = meta and math.tointeger(meta.day) or day or 1
        if d ~= day then
            day = d
            write("\n", bold(string.format("Day %d: %s", d, DAYS[d] or "more lessons")), "\n\n")
        end
        if meta then
            write(string.format("%3d  %s  [%s]\n", l.number, bold(meta.title or l.id),
                progress_text(records[l.id])))
            write("     ", meta.summary or "", "\n")
        else
            write(string.format("%3d  %s: cannot be read: %s\n", l.number, l.id, err))
        end
    end
    if #list == 0 then write("\nNo lessons in ", dir, "\n") end
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

-- ---- variants ---------------------------------------------------------------
-- lesson(n, {variant = K}) gives a learner their own numbers: a lesson
-- that says lesson{..., variants = true} draws its inputs with pick(),
-- which gives the lesson's own number without a variant and one drawn
-- from K with it, and computes every answer from them. A lesson whose
-- story needs fixed numbers does not say so, and runs as it is.

-- Adds pick(default, lo, hi [, avoid]) to env: default, or with a variant
-- a whole number from lo to hi, none of the list avoid. The draws follow
-- from K alone (a generator of the runner's own, the same everywhere).
local function variant_words(S, env)
    local state
    env.pick = function(default, lo, hi, avoid)
        if not S.variant then return default end
        if not (math.tointeger(lo) and math.tointeger(hi) and lo <= hi) then
            error("pick(default, lo, hi): lo and hi are whole numbers, lo <= hi", 2)
        end
        state = state or (S.variant * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019)
        for _ = 1, 1000 do
            state = state * 6364136223846793005 + 1442695040888963407
            local k = lo + ((state >> 33) % (hi - lo + 1))
            local ok = true
            for _, a in ipairs(avoid or {}) do ok = ok and k ~= a end
            if ok then return k end
        end
        error("pick: every number from " .. lo .. " to " .. hi .. " is avoided", 2)
    end
end

-- Called by the lesson{} words: keeps the variant when the lesson takes
-- variants, else says it is ignored. Returns the heading's suffix.
function R.variant_heading(S, t)
    if not S.variant then return "" end
    if not t.variants then
        S.ignored_variant, S.variant = S.variant, nil
        return ""
    end
    return string.format(" (variant %d)", S.variant)
end

-- ---- running a lesson -------------------------------------------------------

-- Makes the lesson's environment and its vocabulary, for mode "ask" or
-- "replay". S is the session: counts, score, records.
local function vocabulary(S)
    local env = setmetatable({}, {__index = _G})
    S.env = env
    R.say_words(S, env)
    R.ask_words(S, env)
    variant_words(S, env)
    env.compare = compare
    return env
end

-- On a terminal, when the learner stopped lesson `name` in the middle:
-- true to continue from there, false to start again, nil to leave.
local function offer(S, r, name)
    local question = string.format("You stopped %s of %s (%s). Continue from there? [Y/n] ",
        stopped_at(r), name, R.score_text(r.first, r.score, r.answered))
    while true do
        local line = R.read_line(question)
        if line == nil then return nil end
        if line == false then
            R.after_ctrl_c(S, "ask")
        else
            local a = trim(line):lower()
            if a == "" or a == "y" or a == "yes" then return true end
            if a == "n" or a == "no" then return false end
            if a == "quit" or a == "q" or a == "exit" then return nil end
            write("Type y (or just Enter) to continue from there, n to start from the beginning.\n")
        end
    end
end

-- The handout of a lesson (opts.answers: with the answer key), written to
-- standard output, or atomically to the file opts.output. The lesson's
-- code runs with standard output silenced. Returns true when Ctrl-C
-- stopped it.
local function handout(file, id, opts)
    local S = {mode = "handout", asked = 0, id = id, answers = opts.answers and true or false,
               variant = opts.variant}
    S.number = tonumber(id:match("^(%d+)%-"))
    local env = setmetatable({}, {__index = _G})
    S.env = env
    R.handout_words(S, env)
    variant_words(S, env)
    env.compare = compare
    local chunk, err = loadfile(file, "t", env)
    if not chunk then error(err, 0) end
    local digits = precision()
    io.flush()
    host.silence(true)
    local ok, e, interrupted = host.pcall(chunk)
    host.silence(false)
    precision(digits)
    if not ok and interrupted then
        write("\n(Ctrl-C: the handout was not written.)\n")
        return true
    end
    if not ok then error(string.format("lesson %s stopped: %s", id, tostring(e)), 0) end
    local text = R.handout_text(S)
    if opts.output then
        local done, werr = R.write_atomic(opts.output, text)
        if not done then error("cannot write the handout to " .. opts.output .. ": " .. tostring(werr), 0) end
        write(string.format("Handout of lesson %s (%d questions%s) written to %s.\n", S.number or id,
            S.asked, S.answers and ", with the answer key" or "", opts.output))
    else
        write(text)
    end
    return false
end

-- run(n | file [, {replay=true} | {resume=true} | {handout=true, answers=,
-- output=}]): runs a lesson at the prompt, replays its worked solutions,
-- or writes its handout. A lesson stopped in the middle continues from
-- there: on a terminal if the learner says so, elsewhere only with
-- resume=true. Returns true when Ctrl-C stopped it.
function M.run(spec, opts)
    opts = opts or {}
    if type(opts) ~= "table" then error("lesson(n, options): the options are a table", 0) end
    local file, id = resolve(spec)
    if opts.variant ~= nil and not (math.tointeger(opts.variant) and opts.variant >= 1) then
        error("lesson(n, {variant = K}): K is a whole number from 1 up", 0)
    end
    if opts.handout then return handout(file, id, opts) end
    if opts.answers or opts.output then
        error("the options answers and output go with handout = true", 0)
    end
    -- score: questions right in the end; first: right at the first try
    -- (nil when not known: a lesson resumed from an older progress file)
    local S = {mode = opts.replay and "replay" or "ask", asked = 0, score = 0, first = 0, id = id,
               skip = 0, told = {}, variant = opts.variant}
    S.number = tonumber(id:match("^(%d+)%-"))
    local name = "lesson " .. (S.number or id)
    local records = S.mode == "ask" and load_progress() or {}
    function S.save()
        if S.mode ~= "ask" then return end
        local old = records[id]
        records[id] = {answered = S.asked, score = S.score, first = S.first, done = S.done or false,
                       total = S.done and S.asked or (old and old.total or 0)}
        R.save_progress(records)
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
        if resume then S.skip, S.score, S.first = r.answered, r.score, r.first end
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
            write(string.format("\n(Ctrl-C: left %s %s; it continues from there next time.\n" ..
                " So far %s.)\n", name, stopped_at(r), R.score_text(r.first, r.score, r.answered)))
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
            write("Score: ", R.score_text(S.first, S.score, S.asked), ".\n")
        else
            write(string.format("%d questions, replayed.\n", S.asked))
        end
        S.save()
    end
    return false
end

return M