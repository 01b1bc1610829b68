-- test_plot.lua - plot draws loss curves in the terminal and as SVG files.
local check = dofile("tests/lua/check.lua")

-- The text plot(values, options) prints, and its lines.
local function drawn(values, options)
    local out = io.tmpfile()
    options = options or {}
    options.print = out
    plot(values, options)
    out:seek("set")
    local text = out:read("a")
    out:close()
    local lines = {}
    for line in text:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
    return text, lines
end

-- Number of characters (not bytes) of a UTF-8 string.
local function columns(s) return utf8.len(s) end

local losses = {}
for i = 1, 40 do losses[i] = 2 / i end

do
    local _, lines = drawn(losses)
    check.ok(#lines == 15 + 2, "default: 15 chart rows, the x-axis and its labels", #lines)
    check.ok(lines[1]:find("^%s*2 ┤"), "the maximum labels the top row", lines[1])
    check.ok(lines[15]:find("^%s*0.05 ┤"), "the minimum labels the bottom row", lines[15])
    check.ok(lines[7]:find("^%s*│"), "rows between have a plain axis", lines[7])
    check.ok(lines[16]:find("└", 1, true) and select(2, lines[16]:gsub("─", "")) == 60, "the x-axis is 60 wide", lines[16])
    check.ok(lines[17]:find("^%s+1%s+20%s+40$"), "x labels: first, middle and last step", lines[17])
    local margin = columns(lines[1]:match("^(.-┤)"))
    check.ok(columns(lines[1]) == margin + 60, "each row holds 60 cells", columns(lines[1]))
    check.ok(lines[1]:find("[\u{2801}-\u{28FF}]"), "the line is drawn with braille dots")
end

do
    local _, lines = drawn(losses, {width = 30, height = 5, title = "training loss"})
    check.ok(#lines == 1 + 5 + 2, "a title adds one line", #lines)
    check.ok(lines[1]:find("training loss", 1, true), "the title comes first")
    check.ok(select(2, lines[7]:gsub("─", "")) == 30, "width sets the number of columns")
end

do
    local text, lines = drawn(tensor({3, 1, 2}), {height = 4})
    check.ok(#lines == 6 and lines[1]:find("3 ┤", 1, true) and lines[4]:find("1 ┤", 1, true),
        "a 1-d tensor plots too", text)
    local _, l2 = drawn({var(1.5), var(0.5)}, {height = 3})
    check.ok(#l2 == 5 and l2[1]:find("1.5 ┤", 1, true), "so does a list of one-element tensors (losses)")
end

do
    local text, lines = drawn({4, 0 / 0, 2, math.huge, 1}, {height = 4})
    check.ok(#lines == 4 + 2 + 1, "non-finite values add a note line", #lines)
    check.ok(text:find("note: 2 non-finite values (nan/inf) skipped, at steps 2, 4", 1, true), "the note lists them", text)
    check.ok(lines[1]:find("4 ┤", 1, true) and lines[4]:find("1 ┤", 1, true), "and they do not stretch the axis")
end

do
    local text, lines = drawn({7, 7, 7}, {height = 3})
    check.ok(#lines == 5 and text:find("[\u{2801}-\u{28FF}]"), "a flat series draws a line in the middle", text)
    local _, one = drawn({5}, {height = 3})
    check.ok(#one == 5 and one[5]:find("^%s+1$"), "a single value is step 1", one[5])
end

-- ---- SVG --------------------------------------------------------------------------

do
    local path = os.tmpname() .. ".svg"
    local values = {}
    for i = 1, 30 do values[i] = math.exp(-i / 10) end
    values[12] = 0 / 0
    local text = drawn(values, {file = path, title = "a < b & c"})
    check.ok(text:find("┤", 1, true) ~= nil, "with file, the chart is still printed")
    local f = io.open(path)
    local svg = f and f:read("a") or ""
    if f then f:close() end
    check.ok(svg:sub(1, 4) == "<svg", "the SVG file starts with <svg", svg:sub(1, 40))
    check.ok(svg:find("</svg>%s*$"), "and ends with </svg>")
    local _, polylines = svg:gsub("<polyline", "")
    check.ok(polylines == 2, "a nan splits the line in two polylines", polylines)
    check.ok(svg:find("a &lt; b &amp; c", 1, true), "the title is escaped for XML")
    check.ok(svg:find(">30</text>", 1, true) and svg:find(">1</text>", 1, true), "the x-axis is labelled 1 and n")
    check.ok(io.open(path .. ".tmp") == nil, "no .tmp file is left behind")
    local points = svg:match('points="([^"]*)"')
    check.ok(points and select(2, points:gsub(",", "")) == 11, "one point per value before the gap", points)
    os.remove(path)

    plot({1, 2}, {file = path, print = false})   -- prints nothing
    f = io.open(path)
    check.ok(f ~= nil, "print = false still writes the file")
    if f then f:close() end
    os.remove(path)
    check.err("plot: cannot write /nonexistent-dir/x.svg.tmp", "an unwritable file is a clear error",
        plot, {1, 2}, {file = "/nonexistent-dir/x.svg", print = false})
end

-- ---- errors -------------------------------------------------------------------------

check.err("plot: nothing to plot, the list of values is empty", "an empty list", plot, {})
check.err("plot: value 2 is a string, expected a number", "a non-number names its position", plot, {1, "two", 3})
check.err("plot: none of the 2 values is a finite number", "only nan and inf", plot, {0 / 0, math.huge})
check.err("plot: unknown option 'colour' (valid options: width, height, file, title, print)",
    "unknown options list the valid ones", plot, {1, 2}, {colour = "red"})
check.err("plot: expects a 1-d tensor or a list of numbers, got a 2-d tensor", "a matrix", plot, eye(2))
check.err("plot: expects a list of numbers or a 1-d tensor, got number", "a lone number", plot, 3)
check.err("plot: width must be 10 to 1000", "a silly width", plot, {1, 2}, {width = 2})

local doc = gradcalc._docs.plot
check.ok(doc and doc.name == "plot" and doc.signature and doc.summary and doc.example, "help entry for plot")

check.done()
