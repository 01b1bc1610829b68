-- test_data_show.lua - progress bars when stderr is not a terminal (one line,
-- no escape codes), imshow and plot with several series.
local check = dofile("tests/lua/check.lua")
local g = gradcalc or require("gradcalc")

-- Runs code in a child gradcalc with stderr to a file; returns stdout, stderr.
local function run(code)
    local script, err = os.tmpname(), os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(code)
    f:close()
    local exe = os.getenv("GRADCALC") or "./gradcalc"
    local p = io.popen(string.format("%s %s 2>%s </dev/null", exe, script, err))
    local out = p:read("a")
    p:close()
    local e = io.open(err):read("a")
    os.remove(script)
    os.remove(err)
    return out, e
end

-- ---- progress ----------------------------------------------------------------------------
local out, err = run([[
local l = data.loader(ones(100, 2), ones(100), {batch_size = 10})
local n = 0
for i, xb, yb in progress(l, {desc = "epoch 1"}) do n = n + xb.shape[1]; progress.set{loss = 1 / i} end
print("samples", n)
for i in progress(3) do end
pcall(function() for i in progress(5, {desc = "fails"}) do if i == 2 then error("boom") end end end)
for i, v in progress({"a", "b", "c"}, {desc = "list"}) do if v == "b" then break end end
]])
check.ok(out:find("samples\t100", 1, true) ~= nil, "progress: the loop sees every batch", out)
check.ok(not err:find("\27", 1, true) and not err:find("\r", 1, true), "progress: no escape codes off a terminal", err)
local lines = {}
for line in err:gmatch("[^\n]+") do lines[#lines + 1] = line end
check.ok(#lines == 4, "progress: one line per loop off a terminal", err)
check.ok(lines[1] and lines[1]:find("^epoch 1: 10/10  100%%") and lines[1]:find("loss=0.1", 1, true),
         "progress: the line has the count, percent and running value", lines[1])
check.ok(lines[2] and lines[2]:find("^3/3"), "progress: a number of steps", lines[2])
check.ok(lines[3] and lines[3]:find("fails: 2/5", 1, true) and lines[3]:find("(stopped)", 1, true),
         "progress: an error ends the bar as stopped", lines[3])
check.ok(lines[4] and lines[4]:find("list: 2/3", 1, true) and lines[4]:find("(stopped)", 1, true),
         "progress: a break ends the bar as stopped", lines[4])
check.err("expected a table of values", "progress.set: needs a table", g.progress.set, 3)
check.err("expected a loader", "progress: a string", g.progress, "abc")

-- ---- imshow ------------------------------------------------------------------------------
local img = g.tensor({{0, 1}, {1, 0}, {0.5, 0.5}})
local text = g.imshow(img, {color = false, print = false})
check.ok(text == "++\n++\n", "imshow: the ramp averages two rows per line", text)
local ramp = g.imshow(g.tensor({{0, 1}, {0, 1}}), {color = false, print = false})
check.ok(ramp == " @\n", "imshow: 0 is a space, 1 is @", ramp)
local colored = g.imshow(g.tensor({{0, 1}, {1, 0}}), {color = true, print = false})
check.ok(colored:find("\27[38;2;0;0;0m\27[48;2;255;255;255m▀", 1, true) ~= nil,
         "imshow: half-blocks with the top pixel in front, the bottom behind", colored)
local signed = g.imshow(g.tensor({{-2, 0, 2}}), {color = true, print = false})
check.ok(signed:find("38;2;33;102;172m", 1, true) and signed:find("38;2;178;24;43m", 1, true) and
         signed:find("38;2;247;247;247m", 1, true), "imshow: a diverging map for signed values", signed)
local batch = g.zeros(3, 1, 4, 4)
local grid = g.imshow(batch, {grid = true, labels = {2, 1, 3}, classes = {"cat", "dog", "cow"},
                              color = false, print = false, columns = 3})
local rows = {}
for line in grid:gmatch("[^\n]+") do rows[#rows + 1] = line end
check.ok(#rows == 3 and rows[3] == "dog  cat  cow ", "imshow: a grid with its captions", grid)
check.ok(#rows[1] == 14, "imshow: tiles side by side, a space apart", rows[1])
local svg = os.tmpname() .. ".svg"
g.imshow(batch, {grid = true, labels = {"a", "b", "c"}, file = svg})
local f = io.open(svg)
local body = f and f:read("a") or ""
if f then f:close() end
os.remove(svg)
check.ok(body:find("^<svg") and select(2, body:gsub("<rect", "")) == 1 + 3 * 16 and body:find(">b</text>", 1, true),
         "imshow: an SVG with one square per pixel and the captions")
check.err("expected an image [H, W]", "imshow: a batch without grid", g.imshow, batch)
check.err("unknown option", "imshow: a misspelt option", g.imshow, img, {gird = true})

-- PNG: the signature, the size, and the pixels read back by Python's zlib
local pngfile = os.tmpname() .. ".png"
g.imshow(g.tensor({{0, 1}}), {file = pngfile, pixel = 1})
local pf = io.open(pngfile, "rb")
local pbody = pf and pf:read("a") or ""
if pf then pf:close() end
check.ok(pbody:sub(1, 8) == "\137PNG\r\n\26\n" and pbody:sub(13, 16) == "IHDR" and
         string.unpack(">I4I4", pbody, 17) == 2 + 2 * 4, "imshow: a PNG of 2 pixels and a 4-pixel border")
if os.execute("/usr/bin/python3 -c 'import zlib' >/dev/null 2>&1") then
    local py = io.popen("/usr/bin/python3 -c \"import zlib, struct; b = open('" .. pngfile ..
        "', 'rb').read(); i = b.index(b'IDAT'); n = struct.unpack('>I', b[i - 4:i])[0]; " ..
        "raw = zlib.decompress(b[i + 4:i + 4 + n]); w = 10; row = raw[4 * (3 * w + 1):5 * (3 * w + 1)]; " ..
        "print(list(row[1 + 3 * 4:1 + 3 * 6]))\"")
    local pixels = py:read("a")
    py:close()
    check.ok(pixels:find("[0, 0, 0, 255, 255, 255]", 1, true) ~= nil,
             "imshow: the PNG's pixels are black for 0 and white for 1", pixels)
else
    print("ok imshow PNG pixels skipped: python3 not installed")
end
os.remove(pngfile)

-- ---- plot with several series ----------------------------------------------------------------
local tr, va = {}, {}
for i = 1, 30 do
    tr[i] = 1 / i
    va[i] = 1 / i + 0.002 * (i - 8) ^ 2
end
local file = io.tmpfile()
g.plot({train = tr, val = va}, {width = 60, height = 12, print = file, color = false})
file:seek("set")
local chart = file:read("a")
file:close()
local clines = {}
for line in chart:gmatch("[^\n]+") do clines[#clines + 1] = line end
local widest = 0
for _, line in ipairs(clines) do widest = math.max(widest, utf8.len(line)) end
check.ok(widest <= 80, "plot: two series fit in 80 columns", widest)
check.ok(chart:find("* train   o val", 1, true) ~= nil, "plot: a legend names the series", chart)
check.ok(clines[1]:find("o%s*$") ~= nil, "plot: the validation curve turns up at the right", clines[1])
check.ok(not chart:find("\27", 1, true), "plot: no escapes when colour is off")
local xs = g.plot({0.5, 1, 1.5, 2}, {3, 1, 2, 4}, {width = 20, height = 5, print = io.tmpfile()})
check.ok(xs == nil, "plot(x, y): draws and returns nothing")
local f2 = io.tmpfile()
g.plot({0.5, 1, 1.5, 2}, {3, 1, 2, 4}, {width = 20, height = 5, print = f2, color = false})
f2:seek("set")
local xy = f2:read("a")
check.ok(xy:find("0.5", 1, true) and xy:find("2\n", 1, true), "plot(x, y): the axis shows the x values", xy)
local svg2 = os.tmpname() .. ".svg"
g.plot({train = tr, val = va}, {file = svg2, print = false})
local s2 = io.open(svg2)
local sbody = s2 and s2:read("a") or ""
if s2 then s2:close() end
os.remove(svg2)
check.ok(select(2, sbody:gsub('<polyline points="[^"]*" fill="none" stroke="#', "")) == 2 and
         sbody:find(">val</text>", 1, true), "plot: the SVG has both lines and a legend")
check.err("plot: value 2 of val is a string", "plot: a bad value names its series", g.plot,
          {train = {1, 2}, val = {1, "x"}})
check.err("x values must not decrease", "plot(x, y): x must not decrease", g.plot, {2, 1}, {1, 2})
check.ok(g._docs.plot.summary:find("plot{train", 1, true) ~= nil, "plot: help tells of several series")

check.done()
