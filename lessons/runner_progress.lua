-- lessons/runner_progress.lua - the progress file: how far a learner got in
-- each lesson, read back, written atomically, set aside when damaged.
-- Loaded by runner.lua with its shared table R; adds R.load_progress,
-- R.save_progress, R.stopped_at and R.progress_text.
--
-- $XDG_STATE_HOME/gradcalc/progress (default ~/.local/state/gradcalc):
--   gradcalc progress 1
--   lesson <id> <questions answered> <questions> <score> <finished 0|1>
-- <questions> is known once the lesson has been finished, 0 until then.

local R = ...
local host = R.host

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
function R.load_progress()
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

-- Where a learner stopped: the first question not answered yet. The
-- listing, the offer to continue and the resume itself all go by this.
function R.stopped_at(r)
    if r.total > 0 and r.answered >= r.total then return "after the last question" end
    return "at question " .. (r.answered + 1)
end

function R.progress_text(r)
    if not r then return "not started" end
    if r.done then return string.format("done, score %d/%d", r.score, r.total) end
    local of = ""
    if r.total > 0 and r.answered < r.total then of = " of " .. r.total end
    return string.format("stopped %s%s, score %d", R.stopped_at(r), of, r.score)
end
