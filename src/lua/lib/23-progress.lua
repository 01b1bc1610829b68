-- 23-progress.lua - progress bars for loops: for i, xb, yb in progress(loader)
-- do ... end draws count, percent, rate, ETA and running values on stderr
-- when it is a terminal, and writes one line at the end otherwise. The bar
-- is the for loop's closing value, so a break, an error or Ctrl-C also ends
-- its line cleanly.
local M = ...
local T = M._data

local progress = {}
local active = {} -- the bars being drawn, innermost last

local function clock(s)
    s = math.max(0, math.floor(s + 0.5))
    if s >= 3600 then return string.format("%d:%02d:%02d", s // 3600, s % 3600 // 60, s % 60) end
    return string.format("%d:%02d", s // 60, s % 60)
end

local function fmt_value(v)
    if M.is_tensor(v) and v:numel() == 1 then v = v:item() end
    if type(v) == "number" then return string.format("%.4g", v) end
    return tostring(v)
end

-- The running values, sorted by name: "loss=0.123 acc=0.9".
local function values_text(bar)
    local names = {}
    for k in pairs(bar.values) do names[#names + 1] = tostring(k) end
    table.sort(names)
    local parts = {}
    for _, k in ipairs(names) do parts[#parts + 1] = k .. "=" .. fmt_value(bar.values[k]) end
    return table.concat(parts, " ")
end

local function status(bar, now)
    local elapsed = now - bar.start
    -- a rate from the first instants of a loop says nothing: it waits a tenth of a second
    local rate = (elapsed >= 0.1 or bar.finished) and elapsed > 0 and bar.count / elapsed or 0
    local parts = {}
    if bar.total then
        parts[#parts + 1] = string.format("%d/%d", bar.count, bar.total)
        parts[#parts + 1] = string.format("%3d%%", math.floor(100 * bar.count / math.max(bar.total, 1)))
    else
        parts[#parts + 1] = tostring(bar.count)
    end
    if rate > 0 then
        parts[#parts + 1] = rate >= 1 and string.format("%.1f it/s", rate) or
            string.format("%.2f s/it", 1 / rate)
    end
    if bar.total and bar.count < bar.total and rate > 0 then
        parts[#parts + 1] = "ETA " .. clock((bar.total - bar.count) / rate)
    else
        parts[#parts + 1] = clock(elapsed)
    end
    local v = values_text(bar)
    if v ~= "" then parts[#parts + 1] = v end
    return table.concat(parts, "  ")
end

local function draw(bar, now)
    local desc = bar.desc and bar.desc .. " " or ""
    local tail = status(bar, now)
    local width = T.columns(2) or 80
    local room = width - 1 - utf8.len(desc) - #tail - 4
    local line
    if bar.total and room >= 10 then
        local size = math.min(room, 40)
        local filled = bar.count * size / math.max(bar.total, 1)
        local full = math.floor(filled)
        local parts = {"█", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}
        local partial = full < size and parts[math.floor((filled - full) * 8) + 1] or ""
        if partial == "█" then partial = " " end
        line = desc .. "│" .. string.rep("█", full) .. partial ..
            string.rep(" ", size - full - (full < size and 1 or 0)) .. "│ " .. tail
    else
        line = desc .. tail
    end
    io.stderr:write("\r", line, "\27[K")
    io.stderr:flush()
    bar.drawn = now
end

-- Ends the bar: the final line, or for a pipe the one line of the loop.
local function finish(bar, stopped)
    if bar.finished then return end
    bar.finished = true
    for i = #active, 1, -1 do
        if active[i] == bar then table.remove(active, i) end
    end
    local now = T.now()
    if bar.tty then
        draw(bar, now)
        io.stderr:write(stopped and "  (stopped)\n" or "\n")
    else
        io.stderr:write((bar.desc and bar.desc .. ": " or ""), status(bar, now),
                        stopped and "  (stopped)" or "", "\n")
    end
    io.stderr:flush()
end

local Bar = {__close = function(bar, err) finish(bar, err ~= nil or not bar.done) end}
Bar.__index = Bar

-- The iterator of what progress was given, and the number of steps if known.
local function source(iterable)
    if type(iterable) == "number" then
        local n = math.tointeger(iterable)
        if not n or n < 0 then error("progress: a count of steps is a whole number >= 0", 3) end
        return function(_, i)
            i = (i or 0) + 1
            if i <= n then return i end
        end, n
    end
    local mt = getmetatable(iterable)
    if type(iterable) == "table" and mt and mt.__call then -- a loader
        return function(_, i) return iterable(nil, i) end, mt.__len and #iterable or nil
    end
    if type(iterable) == "table" then
        local n = #iterable
        return function(_, i)
            i = (i or 0) + 1
            if i <= n then return i, iterable[i] end
        end, n
    end
    if type(iterable) == "function" then return iterable, nil end
    error("progress: expected a loader, a number of steps, a list or an iterator function, got " ..
          type(iterable), 3)
end

local function start(iterable, opts)
    opts = M._data.check_options("progress", opts, {"desc", "total"})
    local next_of, total = source(iterable)
    local bar = setmetatable({desc = opts.desc, total = opts.total or total, count = 0,
                              values = {}, start = T.now(), drawn = -1, tty = T.isatty(2)}, Bar)
    -- a bar inside another's loop takes the next line, leaving the outer one drawn
    local outer = active[#active]
    if bar.tty and outer and outer.tty and not outer.finished then
        draw(outer, T.now()) -- its line as it stands, kept above
        io.stderr:write("\n")
        outer.broken = true
    end
    active[#active + 1] = bar
    local control
    local function step()
        local results = table.pack(next_of(nil, control))
        control = results[1]
        if control == nil then
            bar.done = true
            finish(bar, false)
            return nil
        end
        bar.count = bar.count + 1
        if bar.tty then
            local now = T.now()
            if bar.broken or now - bar.drawn >= 0.1 or (bar.total and bar.count == bar.total) then
                bar.broken = false
                draw(bar, now)
            end
        end
        return table.unpack(results, 1, results.n)
    end
    if bar.tty then draw(bar, bar.start) end
    return step, nil, nil, bar
end

function progress.set(values)
    if type(values) ~= "table" then
        error("progress.set: expected a table of values, e.g. {loss = 0.5}", 2)
    end
    local bar = active[#active]
    if not bar then return end
    for k, v in pairs(values) do bar.values[k] = v end
end

setmetatable(progress, {__call = function(_, iterable, opts) return start(iterable, opts) end})
M.progress = progress

M._doc{name = "progress", signature = "for ... in progress(loader | n | list [, {desc =, total =}]) do ... end",
    summary = "A progress bar for a loop, on stderr: the count, percent, rate, time left (ETA) " ..
        "and the running values set by progress.set. It is drawn only when stderr is a " ..
        "terminal; otherwise one line is written at the end (no escape codes). It wraps a " ..
        "data.loader, a number of steps (1..n) or a list; a break, an error or Ctrl-C ends the " ..
        "bar cleanly (the model keeps the updates made so far).",
    example = "for i, xb, yb in progress(loader, {desc = \"epoch 1\"}) do\n" ..
        "  local loss = step(xb, yb); progress.set{loss = loss}\nend"}
M._doc{name = "progress.set", signature = "progress.set{name = value, ...}",
    summary = "Sets running values (numbers or one-element tensors) shown by the innermost " ..
        "progress bar, such as the loss of the last batch.",
    example = "progress.set{loss = loss:item(), lr = opt.lr}"}
