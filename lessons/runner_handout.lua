-- lessons/runner_handout.lua - a lesson as a Markdown handout for a
-- teacher: its text, formulas, code and questions with blanks to fill,
-- and, when asked, an answer key with each answer and its worked
-- solution. The lesson's code runs as usual (the answers are gradcalc's
-- own), with standard output silenced; what it prints itself (plots,
-- traces written to the terminal) is left out. Pandoc turns the result
-- into HTML or, with a TeX engine, a PDF. Loaded by runner.lua with its
-- shared table R; adds R.handout_words(S, env) and R.write_atomic.

local R = ...
local dedent, fmt, number_of = R.dedent, R.fmt, R.number_of

-- Writes text to path through a temporary file renamed over it, so that
-- a reader never sees half a file. Returns true, or nil and a message.
function R.write_atomic(path, text)
    local tmp = path .. ".tmp"
    local f, err = io.open(tmp, "wb")
    if not f then return nil, err end
    local ok, werr = f:write(text)
    local closed, cerr = f:close()
    if not ok or not closed then
        os.remove(tmp)
        return nil, werr or cerr
    end
    local renamed, rerr = os.rename(tmp, path)
    if not renamed then
        os.remove(tmp)
        return nil, rerr
    end
    return true
end

-- A value as the handout shows it: numbers with precision() digits,
-- tensors as gradcalc prints them.
local function show_value(v)
    local n = type(v) == "number" and v
    if n then return fmt(n) end
    return tostring(v)
end

-- A fenced block of text (``` inside it would end the block: none of
-- gradcalc's output has it, but a lesson's text might).
local function fenced(text, lang)
    text = text:gsub("```", "` ` `")
    return "```" .. (lang or "") .. "\n" .. text .. "\n```\n\n"
end

-- Replaces the lesson words of env with ones that write Markdown into
-- S.doc (the handout) and S.key (the answer key, when S.answers).
function R.handout_words(S, env)
    S.doc, S.key = {}, {}
    local sink = S.doc          -- where the words write: doc, or key in a solution
    local function out(...)
        for _, s in ipairs({...}) do sink[#sink + 1] = s end
    end

    function env.lesson(t)
        S.title = t.title or S.id
        out(string.format("# Lesson %s: %s%s\n\n", S.number or S.id, S.title, R.variant_heading(S, t)))
        if t.summary then out("*", t.summary, "*\n\n") end
        out("Fill in each blank with a number; 3 significant figures are enough, but carry\n",
            "4 or more digits through your working.\n\n")
    end
    env.section = function(title) out("## ", title, "\n\n") end
    env.checkpoint = env.section
    env.say = function(text) out(dedent(text), "\n\n") end
    env.formula = function(text) out(fenced(dedent(text))) end
    -- what explain and trace write while the code runs follows the code
    -- block, as on the terminal; printing, they return nothing
    env.code = function(src)
        src = dedent(src)
        local pending, values, main = nil, {}, sink
        local written = {}
        sink = written
        for line in (src .. "\n"):gmatch("(.-)\n") do
            local chunk = pending and (pending .. "\n" .. line) or line
            local f, err = R.compile(chunk, "=lesson code", env)
            pending = nil
            if f then
                local r = table.pack(f())
                R.name_tensors(env)
                if r.n > 0 and not chunk:find(";%s*$") then
                    local t = {}
                    for i = 1, r.n do t[i] = show_value(r[i]) end
                    values[#values + 1] = table.concat(t, "\t")
                end
            elseif err == "more" then
                pending = chunk
            else
                sink = main
                error(err, 2)
            end
        end
        sink = main
        if pending then error("lesson code: unfinished statement: " .. pending, 2) end
        out(fenced(src, "lua"))
        out(table.unpack(written))
        if #values > 0 then out(fenced(table.concat(values, "\n"))) end
    end
    env.show = function(...)
        local lines = {}
        for _, expr in ipairs({...}) do
            local f, err = load("return " .. expr, "=show", "t", env)
            if not f then error(err, 2) end
            lines[#lines + 1] = expr .. " = " .. show_value(f())
        end
        out(fenced(table.concat(lines, "\n")))
    end
    env.check = function(cond, text)
        if not cond then error("the lesson's own check failed: " .. text, 2) end
        out("*Checked:* ", text, "\n\n")
    end
    env.pause = function() end
    -- explain and trace write their text into the handout, not the terminal
    local function options(o)
        local copy = {}
        for k, v in pairs(o or {}) do copy[k] = v end
        copy.print = false
        return copy
    end
    env.explain = function(y, x, o)
        if type(x) == "table" and not is_tensor(x) then x, o = nil, x end
        local text = explain(y, x, options(o))
        if o ~= nil and o.print == false then return text end
        if type(text) == "string" then out(fenced((text:gsub("\n+$", "")))) end
    end
    env.trace = function(y, o)
        local opts = options(o)
        local text = trace(y, opts)
        if o ~= nil and o.print == false then return text end
        out(fenced((text:gsub("\n+$", ""))))
    end
    env.fmt = fmt
    env.worked = function(x, opts) out(fenced(R.worked_text(x, opts))) end
    function env.ask(spec)
        local name = spec[1] or spec.name or "answer"
        S.asked = S.asked + 1
        local v = number_of(spec.value())
        if v == nil then error("ask " .. name .. ": value() must give one number", 2) end
        out(string.format("**Question %d.** ", S.asked),
            dedent(spec.question or ("Compute " .. name .. ".")), "\n")
        if spec.tol then out(string.format("(Within %.2g %% of gradcalc's value.)\n", spec.tol * 100)) end
        out("\n`", name, " = ________________`\n\n")
        if S.answers then
            local main = sink
            sink = S.key
            out(string.format("**%d.** `%s = %s`\n\n", S.asked, name, fmt(v)))
            if spec.solution then
                local ok, err = pcall(spec.solution)
                if not ok then sink = main; error(err, 0) end
            end
            sink = main
        end
        return v
    end
end

-- The handout as one Markdown text.
function R.handout_text(S)
    local text = table.concat(S.doc)
    if S.answers then
        text = text .. "## Answer key\n\n" .. table.concat(S.key)
    end
    return (text:gsub("\n+$", "\n"))
end
