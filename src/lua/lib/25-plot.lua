-- 25-plot.lua - plot with several named series in one chart (plot{train =
-- losses, val = val_losses}) and plot(x, y) with the x values on the axis.
-- One list of numbers still goes to the braille chart of plot.c.
local M = ...
local T = M._data
local plot_one = M.plot

local MARKS = {"*", "o", "+", "x", "#", "@"}
local COLORS = {"\27[34m", "\27[31m", "\27[32m", "\27[35m", "\27[36m", "\27[33m"}
local SVG_COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#17becf", "#ff7f0e"}

local function numbers(v, who, name)
    if M.is_tensor(v) then
        if v:dim() > 1 then error(who .. ": series " .. name .. " is not 1-d", 4) end
        local t = v:totable()
        return type(t) == "table" and t or {t}
    end
    if type(v) ~= "table" then
        error(string.format("%s: series %s is a %s, expected a list of numbers", who, name, type(v)), 4)
    end
    local out = {}
    for i, x in ipairs(v) do
        if M.is_tensor(x) and x:numel() == 1 then x = x:item() end
        if type(x) ~= "number" then
            error(string.format("%s: value %d of %s is a %s, expected a number", who, i, name,
                                type(x)), 4)
        end
        out[i] = x
    end
    return out
end

local function finite(v) return v == v and math.abs(v) ~= math.huge end

local function label(v)
    if math.type(v) == "integer" or (v == math.floor(v) and math.abs(v) < 1e15) then
        return string.format("%d", math.floor(v))
    end
    return string.format("%.4g", v)
end

-- The series, sorted by name, as {name, ys}; and the x values.
local function chart_text(series, xs, opts, color)
    local width, height = opts.width or 60, opts.height or 15
    local n = #xs
    local lo, hi = math.huge, -math.huge
    for _, s in ipairs(series) do
        for _, v in ipairs(s.ys) do if finite(v) then lo, hi = math.min(lo, v), math.max(hi, v) end end
    end
    if lo > hi then error("plot: no value is a finite number", 3) end
    if hi == lo then lo, hi = lo - 0.5, hi + 0.5 end
    local xlo, xhi = xs[1], xs[n]
    local grid = {}
    for r = 1, height do
        grid[r] = {}
        for c = 1, width do grid[r][c] = false end
    end
    local function col(i)
        if n == 1 then return 1 end
        local x = xs[i]
        local f = xhi ~= xlo and (x - xlo) / (xhi - xlo) or (i - 1) / (n - 1)
        return math.floor(f * (width - 1) + 0.5) + 1
    end
    local function row(v) return height - math.floor((v - lo) / (hi - lo) * (height - 1) + 0.5) end
    for k, s in ipairs(series) do
        local prev_c, prev_r
        for i = 1, math.min(n, #s.ys) do
            local v = s.ys[i]
            if finite(v) then
                local c, r = col(i), row(v)
                if prev_c and c > prev_c then -- join the points: every cell the line crosses
                    local from = prev_r
                    for cc = prev_c + 1, c do
                        local to = math.floor(prev_r + (r - prev_r) * (cc - prev_c) / (c - prev_c) + 0.5)
                        local mid = (from + to) / 2
                        for rr = math.min(from, to), math.max(from, to) do
                            -- the first half of a steep run in the column before
                            local at = (rr - from) * (to - from) > 0 and
                                math.abs(rr - from) < math.abs(mid - from) and cc - 1 or cc
                            if at < 1 then at = cc end
                            grid[rr][at] = k
                        end
                        from = to
                    end
                else
                    grid[r][c] = k
                end
                prev_c, prev_r = c, r
            else
                prev_c = nil
            end
        end
    end
    local top, bottom = label(hi), label(lo)
    local lw = math.max(#top, #bottom)
    local lines = {}
    if opts.title then lines[#lines + 1] = string.rep(" ", lw + 2) .. opts.title end
    for r = 1, height do
        local y = r == 1 and top or r == height and bottom or ""
        local parts = {string.rep(" ", lw - #y) .. y .. (y ~= "" and " ┤" or " │")}
        for c = 1, width do
            local k = grid[r][c]
            if k then
                local m = MARKS[(k - 1) % #MARKS + 1]
                parts[#parts + 1] = color and COLORS[(k - 1) % #COLORS + 1] .. m .. "\27[0m" or m
            else
                parts[#parts + 1] = " "
            end
        end
        lines[#lines + 1] = table.concat(parts)
    end
    lines[#lines + 1] = string.rep(" ", lw + 1) .. "└" .. string.rep("─", width)
    -- the first, middle and last x values under their columns
    local axis = string.rep(" ", lw + 2 + width + 8)
    local taken = {} -- columns used by a label and the space after it
    local function put(text, c, align)
        local at = lw + 2 + c
        if align == "right" then at = at - #text + 1 elseif align == "middle" then at = at - #text // 2 end
        at = math.max(1, at)
        for i = at - 1, at + #text do if taken[i] then return end end
        for i = at, at + #text - 1 do taken[i] = true end
        axis = axis:sub(1, at - 1) .. text .. axis:sub(at + #text)
    end
    put(label(xs[1]), 1, "left")
    if n > 1 then put(label(xs[n]), width, "right") end
    if n > 2 then
        local mid = (n + 1) // 2
        put(label(xs[mid]), col(mid), "middle")
    end
    lines[#lines + 1] = axis:gsub("%s+$", "")
    local legend = {}
    for k, s in ipairs(series) do
        local m = MARKS[(k - 1) % #MARKS + 1]
        legend[#legend + 1] = (color and COLORS[(k - 1) % #COLORS + 1] .. m .. "\27[0m" or m) .. " " .. s.name
    end
    -- one series of plot(x, y) has no name to show
    if not (#series == 1 and series[1].unnamed) then
        lines[#lines + 1] = string.rep(" ", lw + 2) .. table.concat(legend, "   ")
    end
    return table.concat(lines, "\n") .. "\n", lo, hi
end

local function chart_svg(path, series, xs, opts, lo, hi)
    local W, H, L, R, Tm, B = 640, 400, 60, 20, 30, 60
    local n = #xs
    local xlo, xhi = xs[1], xs[n]
    local function px(i)
        local f = n == 1 and 0 or (xhi ~= xlo and (xs[i] - xlo) / (xhi - xlo) or (i - 1) / (n - 1))
        return L + f * (W - L - R)
    end
    local function py(v) return Tm + (hi - v) / (hi - lo) * (H - Tm - B) end
    local out = {string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" ' ..
                               'viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">', W, H, W, H),
                 string.format('<rect width="%d" height="%d" fill="white"/>', W, H),
                 string.format('<polyline points="%d,%d %d,%d %d,%d" fill="none" stroke="black"/>',
                               L, Tm, L, H - B, W - R, H - B)}
    local function esc(s) return (tostring(s):gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;")) end
    if opts.title then
        out[#out + 1] = string.format('<text x="%d" y="18" text-anchor="middle">%s</text>', W // 2, esc(opts.title))
    end
    out[#out + 1] = string.format('<text x="%d" y="%d" text-anchor="end">%s</text>', L - 4, Tm + 4, label(hi))
    out[#out + 1] = string.format('<text x="%d" y="%d" text-anchor="end">%s</text>', L - 4, H - B + 4, label(lo))
    out[#out + 1] = string.format('<text x="%d" y="%d">%s</text>', L, H - B + 16, label(xs[1]))
    out[#out + 1] = string.format('<text x="%d" y="%d" text-anchor="end">%s</text>', W - R, H - B + 16, label(xs[n]))
    for k, s in ipairs(series) do
        local pts, parts = {}, {}
        local function flush()
            if #pts > 0 then parts[#parts + 1] = table.concat(pts, " ") end
            pts = {}
        end
        for i = 1, math.min(n, #s.ys) do
            if finite(s.ys[i]) then pts[#pts + 1] = string.format("%.1f,%.1f", px(i), py(s.ys[i])) else flush() end
        end
        flush()
        local c = SVG_COLORS[(k - 1) % #SVG_COLORS + 1]
        for _, p in ipairs(parts) do
            out[#out + 1] = string.format('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>', p, c)
        end
        local lx = L + (k - 1) * 120
        out[#out + 1] = string.format('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>',
                                      lx, H - 20, lx + 20, H - 20, c)
        out[#out + 1] = string.format('<text x="%d" y="%d">%s</text>', lx + 25, H - 16, esc(s.name))
    end
    out[#out + 1] = "</svg>\n"
    T.write_atomic(path, table.concat(out, "\n"), "plot")
end

local function plot_many(series, xs, opts)
    opts = M._data.check_options("plot", opts, {"width", "height", "file", "title", "print", "color"})
    local w, h = opts.width or 60, opts.height or 15
    if not (w >= 10 and w <= 1000) or not (h >= 3 and h <= 500) then
        error("plot: width must be 10 to 1000 and height 3 to 500 characters", 3)
    end
    local n = 0
    for _, s in ipairs(series) do n = math.max(n, #s.ys) end
    if n == 0 then error("plot: nothing to plot, the lists of values are empty", 3) end
    if xs then
        if #xs < n then error(string.format("plot: %d x values for %d y values", #xs, n), 3) end
        for i = 2, n do
            if not (xs[i] >= xs[i - 1]) then error("plot: the x values must not decrease (x[" .. i .. "])", 3) end
        end
    else
        xs = {}
        for i = 1, n do xs[i] = i end
    end
    local color = opts.color
    if color == nil then color = T.color(1) end
    local text, lo, hi = chart_text(series, xs, opts, color)
    if opts.file then chart_svg(opts.file, series, xs, opts, lo, hi) end
    local out = opts.print
    if out == false then return end
    if out == nil or out == true then out = io.stdout end
    out:write(text)
end

function M.plot(a, b, c)
    local named = false
    if type(a) == "table" and not M.is_tensor(a) then
        for k in pairs(a) do if type(k) == "string" then named = true break end end
    end
    if named then -- plot{train = ..., val = ...}
        local names = {}
        for k in pairs(a) do
            if type(k) ~= "string" then error("plot: name every series (train = ..., val = ...)", 2) end
            names[#names + 1] = k
        end
        table.sort(names)
        local series = {}
        for i, name in ipairs(names) do series[i] = {name = name, ys = numbers(a[name], "plot", name)} end
        return plot_many(series, nil, b)
    end
    if b ~= nil and (M.is_tensor(b) or (type(b) == "table" and #b > 0)) then -- plot(x, y)
        local xs = numbers(a, "plot", "x")
        return plot_many({{name = "y", unnamed = true, ys = numbers(b, "plot", "y")}}, xs, c)
    end
    return plot_one(a, b)
end

local doc = M._docs.plot
if doc then
    doc.signature = doc.signature .. "  or  plot{name = values, ...}  or  plot(x, y [, opts])"
    doc.summary = doc.summary .. " plot{train = losses, val = val_losses} draws several series " ..
        "in one chart with a legend (each with its own mark, and colour on a colour terminal; in " ..
        "the SVG too), so a validation curve turning up shows overfitting; plot(x, y) labels the " ..
        "x axis with the x values."
    doc.example = doc.example .. "\nplot{train = losses, val = val_losses}"
end
