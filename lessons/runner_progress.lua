-- lessons/runner_progress.lua - the progress file: how far a learner got in
-- each lesson, read back, written atomically, set aside when damaged.
-- Loaded by runner.lua with its shared table R; adds R.load_progress,
-- R.save_progress, R.stopped_at and R.progress_text.
--
-- $XDG_STATE_HOME/gradcalc/progress (default ~/.local/state/gradcalc):
--   gradcalc progress 2
--   lesson <id> <answered> <questions> <first> <score> <finished 0|1>
-- answered: questions answered so far; questions: known once the lesson
-- has been finished, 0 until then; first: right at the first try ("-"
-- when not known); score: right in the end (at the first or second try).
-- Version 1 files (lesson <id> <answered> <questions> <score> <finished>,
-- with no first tries) are still read; they are written as version 2.

local R = ...
local host = R.host

local HEADER = "gradcalc progress 2"
local HEADER_1 = "gradcalc progress 1"
local MAX_COUNT = 1000000     -- more questions than any lesson: a damaged line

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
function R.load_progress()
    local d = state_dir()
    if not d then return {} end
    local path = d .. "/progress"
    local f = io.open(path, "rb")
    if not f then return {} end
    local text = f:read("a") or ""
    f:close()
    local records, problem = {}, nil
    local n, version = 0, nil
    -- A count of the file as a whole number, nil if it is not a sane one.
    local function count(digits)
        if digits == "-" then return nil, true end
        local c = #digits <= 9 and math.tointeger(tonumber(digits))
        if c and c <= MAX_COUNT then return c, true end
        return nil, false
    end
    for line in text:gmatch("([^\n]*)\n") do
        n = n + 1
        if n == 1 then
            version = (line == HEADER and 2) or (line == HEADER_1 and 1)
            if not version then problem = "it does not start with '" .. HEADER .. "'"; break end
        elseif line ~= "" then
            local id, answered, total, first, score, done
            if version == 2 then
                id, answered, total, first, score, done =
                    line:match("^lesson (%S+) (%d+) (%d+) (%d+) (%d+) ([01])$")
                if not id then
                    id, answered, total, first, score, done =
                        line:match("^lesson (%S+) (%d+) (%d+) (%-) (%d+) ([01])$")
                end
            else
                id, answered, total, score, done = line:match("^lesson (%S+) (%d+) (%d+) (%d+) ([01])$")
                first = "-"
            end
            local r = id and {done = done == "1"}
            local ok1, ok2, ok3, ok4 = false, false, false, false
            if r then
                r.answered, ok1 = count(answered)
                r.total, ok2 = count(total)
                r.first, ok3 = count(first)
                r.score, ok4 = count(score)
            end
            if not (r and ok1 and ok2 and ok3 and ok4 and r.answered and r.total and r.score) or
                r.score > r.answered or (r.first and r.first > r.score) then
                problem = "line " .. n .. " is damaged"
                break
            end
            records[id] = r
        end
    end
    if not problem and (n == 0 or text:sub(-1) ~= "\n") then
        problem = n == 0 and "it is empty" or "it ends in the middle of a line"
    end
    if problem then
        -- a name of its own, even for two files set aside in one second
        local base = path .. ".corrupt-" .. os.time()
        local aside, k = base, 1
        while true do
            local g = io.open(aside, "rb")
            if not g then break end
            g:close()
            k = k + 1
            aside = base .. "-" .. k
        end
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
function R.save_progress(records)
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
        lines[#lines + 1] = string.format("lesson %s %d %d %s %d %d", id, r.answered, r.total,
            r.first and string.format("%d", r.first) or "-", r.score, r.done and 1 or 0)
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

-- Where a learner stopped: the first question not answered yet. The
-- listing, the offer to continue and the resume itself all go by this.
function R.stopped_at(r)
    if r.total > 0 and r.answered >= r.total then return "after the last question" end
    return "at question " .. (r.answered + 1)
end

-- "7 of 9 at the first try, 9 of 9 in the end" (first nil: not known).
function R.score_text(first, score, asked)
    if not first then return string.format("%d of %d in the end", score, asked) end
    return string.format("%d of %d at the first try, %d of %d in the end", first, asked, score, asked)
end

function R.progress_text(r)
    if not r then return "not started" end
    if r.done then return "done: " .. R.score_text(r.first, r.score, r.total) end
    local of = ""
    if r.total > 0 and r.answered < r.total then of = " of " .. r.total end
    return string.format("stopped %s%s: %s", R.stopped_at(r), of,
        R.score_text(r.first, r.score, r.answered))
end
