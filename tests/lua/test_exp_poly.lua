-- test_exp_poly.lua - exp, sigmoid and tanh are computed by gradcalc's own
-- vectorisable polynomials (src/core/ops/exp_poly.h). Their error is
-- measured here in units in the last place (ulp) against the C library:
-- Lua's math.exp, and python3's math.tanh when python3 is installed.
local check = dofile("tests/lua/check.lua")

-- The distance in ulp between two doubles of the same sign: their bit
-- patterns, read as integers, are in the order of the numbers.
local function ulps(a, b)
    if a == b or (a ~= a and b ~= b) then return 0 end
    local ia = string.unpack("<i8", string.pack("<d", a))
    local ib = string.unpack("<i8", string.pack("<d", b))
    if (a < 0) ~= (b < 0) then return math.huge end
    return math.abs(ia - ib)
end

local function worst(xs, got, want)
    local w, at = 0, nil
    for i = 1, #xs do
        local u = ulps(got[i], want(xs[i], i))
        if u > w then w, at = u, xs[i] end
    end
    return w, at
end

seed(2024)
local xs = {}
for i = 1, 20000 do xs[i] = (rand(1):item() * 2 - 1) * ({1e-9, 1e-3, 0.5, 3, 40, 700})[i % 6 + 1] end
for _, v in ipairs({0, -0.0, 1, -1, 709.78, -708.4, -745.1, 1e-300, 0.55, -0.55, 19.06, 20, 21}) do xs[#xs + 1] = v end
local x = tensor(xs)

local e = exp(x):totable()
local w, at = worst(xs, e, math.exp)
check.ok(w <= 1, "exp is within 1 ulp of the C library's", string.format("%d ulp at x = %.17g", w, at))
local same = 0
for i = 1, #xs do if e[i] == math.exp(xs[i]) then same = same + 1 end end
check.ok(same >= 0.97 * #xs, "exp equals the C library's on 97% of the values or more",
         string.format("%d of %d", same, #xs))

local s = sigmoid(x):totable()
w, at = worst(xs, s, function(v) return 1 / (1 + math.exp(-v)) end)
check.ok(w <= 2, "sigmoid is within 2 ulp of 1/(1 + e^(−x)) from the C library's exp",
         string.format("%d ulp at x = %.17g", w, at))

local specials = exp(tensor({1 / 0, -1 / 0, 0 / 0, 710, -746, 0})):totable()
check.ok(specials[1] == math.huge and specials[2] == 0 and specials[3] ~= specials[3] and specials[4] == math.huge
         and specials[5] == 0 and specials[6] == 1, "exp of inf, −inf, nan, 710, −746 and 0")
local ts = tanh(tensor({1 / 0, -1 / 0, 0 / 0, 0, -0.0, 25, -25})):totable()
check.ok(ts[1] == 1 and ts[2] == -1 and ts[3] ~= ts[3] and ts[4] == 0 and 1 / ts[5] < 0 and ts[6] == 1 and ts[7] == -1,
         "tanh of inf, −inf, nan, 0, −0 (keeps its sign), 25 and −25")
check.ok(sigmoid(tensor({-800, 800})):totable()[1] == 0 and sigmoid(tensor({800})):item() == 1,
         "sigmoid of ±800 is 0 and 1, with no nan")

-- tanh against python3's math.tanh (the C library's), when there is one
local python = os.getenv("GRADCALC_PYTHON") or "/usr/bin/python3"
local path = os.tmpname()
local f = assert(io.open(path, "w"))
for i = 1, #xs do f:write(string.format("%.17g\n", xs[i])) end
f:close()
local pipe = io.popen(python .. " -c \"import math,sys\nfor l in open(sys.argv[1]): print(repr(math.tanh(float(l))))\" "
                      .. path .. " 2>/dev/null")
local want = {}
for line in pipe:lines() do want[#want + 1] = tonumber(line) end
pipe:close()
os.remove(path)
if #want ~= #xs then
    check.ok(true, "tanh against the C library skipped: python3 not installed")
else
    local t = tanh(x):totable()
    w, at = worst(xs, t, function(_, i) return want[i] end)
    check.ok(w <= 3, "tanh is within 3 ulp of the C library's", string.format("%d ulp at x = %.17g", w, at))
end

check.done()
