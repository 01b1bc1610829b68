-- lessons/runner_say.lua - what a lesson shows: text, formulas, code run as
-- at the prompt, values. Loaded by runner.lua with its shared table R
-- (R.host: what gradcalc gives the runner); it adds to R the output helpers
-- the other parts use and R.say_words(S, env), the lesson words that print.

local R = ...
local host = R.host

-- ---- output helpers ---------------------------------------------------------

local function esc(code, s)
    if host.color then return "\27[" .. code .. "m" .. s .. "\27[0m" end
    return s
end
function R.bold(s) return esc("1", s) end
function R.good(s) return esc("32", s) end
function R.bad(s) return esc("31", s) end

function R.write(...) io.write(...) end
local write, bold, good = R.write, R.bold, R.good

function R.trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- Text as the author wrote it in [[...]], without the common indentation
-- and the blank lines around it.
function R.dedent(text)
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
local dedent = R.dedent

-- A number as the lesson prints it: as many digits as precision() says.
function R.fmt(v)
    if v ~= v then return "nan" end
    if v == math.huge then return "inf" elseif v == -math.huge then return "-inf" end
    local s = string.format("%." .. precision() .. "g", v)
    if s == "-0" then s = "0" end
    return s
end
local fmt = R.fmt

-- The one number in v (a number or a one-element tensor), or nil.
function R.number_of(v)
    if type(v) == "number" then return v end
    if is_tensor(v) and v:numel() == 1 then return v:item() end
    return nil
end

-- Names every unnamed tensor of env after the variable holding it, as
-- gradcalc's prompt does, so that traces speak of net_h1 and not t3.
function R.name_tensors(env)
    for k, v in pairs(env) do
        if type(k) == "string" and is_tensor(v) and v.name == nil then v.name = k end
    end
end

-- ---- running lines as the prompt does --------------------------------------

-- Compiles src as gradcalc's prompt does: as an expression when it is one
-- (its value is then printed), else as a statement. Returns the function,
-- or nil and "more" when the statement is unfinished, or nil and the error.
function R.compile(src, chunkname, env)
    local f = load("return " .. src, chunkname, "t", env)
    if f then return f end
    local err
    f, err = load(src, chunkname, "t", env)
    if f then return f end
    if err:find("<eof>$") then return nil, "more" end
    return nil, err
end

-- Prints what a line returned (r from table.pack, from index `from` on),
-- as the prompt does, unless the line ends in ';'.
function R.print_results(r, from, src)
    if r.n >= from and not src:find(";%s*$") then
        io.flush()
        host.print_values(table.unpack(r, from, r.n))
    end
end

-- ---- the words of a lesson that print ---------------------------------------

-- worked(x)'s text (here and in handouts): the line of trace(x) that
-- computes x, with the working printed under it (conv, norms, ...),
-- without the lines of everything before it.
function R.worked_text(x, opts)
    local text = trace(x, {print = false, round = opts and opts.round})
    local prefix = (x.name or "") .. " = "
    local last, under
    for line in text:gmatch("[^\n]+") do
        if line:sub(1, #prefix) == prefix then
            last, under = line, true
        elseif under and line:sub(1, 2) == "  " then
            last = last .. "\n" .. line
        else
            under = false
        end
    end
    return last or text
end

-- Adds to env the lesson words that show things: lesson, section, say,
-- formula, code, show, check, worked, fmt. S is the session.
function R.say_words(S, env)
    function env.lesson(t)
        S.title = t.title or S.id
        local suffix = R.variant_heading(S, t)
        write(bold(string.format("Lesson %s: %s", S.number or S.id, S.title)), suffix, "\n")
        if t.summary then write(t.summary, "\n") end
        if S.ignored_variant then
            write(string.format("(This lesson's numbers are fixed: variant %d is ignored.)\n",
                S.ignored_variant))
        end
        write("\n")
        if S.mode == "ask" then
            write("When gradcalc asks for a number, type it or a Lua expression\n",
                  "(0.15*0.05 + 0.2*0.1 + 0.35 is fine). It counts as right when it\n",
                  "rounds to the same 3 significant figures as gradcalc's value, so\n",
                  "carry 4 or more digits through your working. At a question you may\n",
                  "also type: hint, repl (a prompt with the lesson's variables; back\n",
                  "returns), solution, or quit.\n\n")
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
            local f, err = R.compile(chunk, "=lesson code", env)
            pending = nil
            if f then
                local r = table.pack(f())
                R.name_tensors(env)
                R.print_results(r, 1, chunk)
            elseif err == "more" then
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
            if type(v) == "number" then
                write("  ", expr, " = ", fmt(v), "\n")
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
    env.fmt = fmt
    env.worked = function(x, opts) write(R.worked_text(x, opts), "\n") end
end
