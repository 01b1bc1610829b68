-- speed.lua - gradcalc against PyTorch float64 and the machine's memory
-- bandwidth, for each goal of the performance table in README.md.
--
-- References, measured in this same run:
--   torch     PyTorch float64 with its default thread count (speed_torch.py)
--   torch1    the same with torch.set_num_threads(1)
--   triad     a STREAM triad in C on 1 and 2 threads (triad.c, compiled here)
-- Every time is the median of 5 batches of calls, each batch lasting at
-- least 0.1 s of wall time (clock.wall), so the ~1 ms a clock reading costs
-- stays small. The machine may be shared: the load average is printed
-- before and after; read the figures with it.
--
-- Run from the repository root: ./gradcalc scripts/bench/speed.lua
--   GC_BENCH_ONLY="add_1e6 sum_1e6"   runs only those rows
--   GRADCALC_THREADS=1                gradcalc on one thread

local clock = dofile("scripts/bench/lib/clock.lua")
local BATCH = 0.1
local ONLY = {}
for name in (os.getenv("GC_BENCH_ONLY") or ""):gmatch("%S+") do ONLY[name] = true end
local function wanted(name) return next(ONLY) == nil or ONLY[name] end

local function load()
  local p = io.popen("cat /proc/loadavg")
  local s = p:read("l") or "?"
  p:close()
  return s:match("^(%S+ %S+ %S+)") or s
end

local function median_time(fn)
  fn()
  local reps = 1
  while true do
    local t0 = clock.wall()
    for _ = 1, reps do fn() end
    if clock.wall() - t0 >= BATCH then break end
    reps = reps * 2
  end
  local runs = {}
  for r = 1, 5 do
    local t0 = clock.wall()
    for _ = 1, reps do fn() end
    runs[r] = (clock.wall() - t0) / reps
  end
  return clock.median(runs)
end

print("speed: load average " .. load() .. " (1, 5, 15 min) on " .. (io.popen("nproc"):read("l") or "?")
      .. " cores; gradcalc threads: " .. (os.getenv("GRADCALC_THREADS") or "all cores"))

-- ---- references ----------------------------------------------------------------
local triad = {}
do
  local exe = os.tmpname()
  if os.execute("cc -O2 -pthread -o " .. exe .. " scripts/bench/triad.c 2>/dev/null") then
    local p = io.popen(exe .. " 20000000")
    for line in p:lines() do
      local k, v = line:match("^(%S+) (%S+)$")
      if k then triad[k] = tonumber(v) end
    end
    p:close()
  end
  os.remove(exe)
end

local only_args = table.concat((function()
  local t = {}
  for k in pairs(ONLY) do t[#t + 1] = k end
  return t
end)(), " ")
local function torch_times(threads)
  local out = {}
  if not os.execute("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") then return nil end
  local p = io.popen("/usr/bin/python3 scripts/bench/speed_torch.py " .. threads .. " " .. only_args)
  for line in p:lines() do
    local k, v = line:match("^(%S+) (%S+)$")
    if k then out[k] = tonumber(v) end
  end
  p:close()
  return out
end
local torch = torch_times(0)
local torch1 = torch and torch_times(1)

-- ---- gradcalc's cases -------------------------------------------------------------
local ours, rows = {}, {}
local function case(name, fn)
  if wanted(name) then ours[name] = median_time(fn) end
end

for _, kind in ipairs({"SGD", "RMSprop", "Adam", "Adagrad", "AdamW"}) do
  local w = randn{784, 128}
  w.requires_grad = true
  sum(w * w):backward()
  local opt = optim[kind]({w}, {lr = (kind == "Adam" or kind == "AdamW") and 0.001 or 0.01})
  case("opt_" .. kind, function() opt:step() end)
end

local function mlp(name, sizes, batch)
  local layers, params = {}, {}
  for i = 1, #sizes - 1 do
    local w = randn{sizes[i], sizes[i + 1]} * math.sqrt(2 / sizes[i])
    w.requires_grad = true
    local b = zeros{sizes[i + 1]}
    b.requires_grad = true
    layers[i] = {w, b}
    params[#params + 1], params[#params + 2] = w, b
  end
  local opt = optim.Adam(params, {lr = 1e-3})
  local x = randn{batch, sizes[1]}
  local labels = {}
  for i = 1, batch do labels[i] = (i * 7) % sizes[#sizes] + 1 end
  labels = tensor(labels)
  case(name, function()
    local h = x
    for i, l in ipairs(layers) do
      h = matmul(h, l[1]) + l[2]
      if i < #layers then h = relu(h) end
    end
    local loss = cross_entropy(h, labels)
    opt:zero_grad()
    loss:backward()
    opt:step()
  end)
end
mlp("mlp_small", {784, 128, 10}, 64)
mlp("mlp_big", {784, 512, 256, 10}, 256)

for _, n in ipairs({1000000, 10000000}) do
  local tag = n == 1000000 and "1e6" or "1e7"
  if next(ONLY) == nil or ONLY["add_" .. tag] or ONLY["mul2_" .. tag] or ONLY["bias_" .. tag]
     or ONLY["sub__" .. tag] or ONLY["sum_" .. tag] then
    local a, b = randn{n}, randn{n}
    local z, bias = randn{n // 500, 500}, randn{500}
    case("add_" .. tag, function() return a + b end)
    case("mul2_" .. tag, function() return a * 2 end)
    case("bias_" .. tag, function() return z + bias end)
    case("sub__" .. tag, function() a:sub_(b, 1e-9) end)
    case("sum_" .. tag, function() return sum(a) end)
  end
end

local x = randn{1000, 1000}
case("sigmoid", function() return sigmoid(x) end)
case("tanh", function() return tanh(x) end)
case("exp", function() return exp(x) end)
do
  local xs = randn{1000, 1000}
  xs.requires_grad = true
  local g = randn{1000, 1000}
  case("softmax_fb", function()
    local y = softmax(xs, 2)
    y:backward(g)
    xs:zero_grad()
  end)
end

-- ---- the table ----------------------------------------------------------------------
-- Bytes each elementwise case moves (8 per number read or written).
local bytes = { add = 24, mul2 = 16, bias = 16, sub_ = 24, sum = 8 }
local goals = {
  opt_SGD = 1.0, opt_RMSprop = 1.0, opt_Adam = 1.0, opt_Adagrad = 1.0, opt_AdamW = 1.0,
  mlp_small = 0.8, mlp_big = 1.0, sigmoid = 1.0, tanh = 1.0, exp = 1.0, softmax_fb = 1.0,
}
local order = {"opt_SGD", "opt_RMSprop", "opt_Adam", "opt_Adagrad", "opt_AdamW", "mlp_small",
  "mlp_big", "add_1e6", "mul2_1e6", "bias_1e6", "sub__1e6", "sum_1e6", "add_1e7", "mul2_1e7",
  "bias_1e7", "sub__1e7", "sum_1e7", "sigmoid", "tanh", "exp", "softmax_fb"}

local function ms(t) return t and string.format("%9.3f", t * 1e3) or "        -" end
print(string.format("triad (C, STREAM): %s GB/s on 1 thread, %s GB/s on 2",
  triad.triad1 and string.format("%.1f", triad.triad1) or "?",
  triad.triad2 and string.format("%.1f", triad.triad2) or "?"))
if not torch then print("PyTorch: not installed (/usr/bin/python3 cannot import torch): torch columns empty") end
print(string.format("%-12s %9s %9s %9s %8s %8s  %s", "case", "gradcalc", "torch", "torch1", "ratio",
  "ratio1", "goal"))
print(string.format("%-12s %9s %9s %9s %8s %8s", "", "ms", "ms", "ms", "gc/torch", "gc/t1"))
for _, name in ipairs(order) do
  local t = ours[name]
  if t then
    local ref, ref1 = torch and torch[name], torch1 and torch1[name]
    local ratio = ref and string.format("%8.2f", t / ref) or "       -"
    local ratio1 = ref1 and string.format("%8.2f", t / ref1) or "       -"
    local goal
    local kind = name:match("^(%w+_?)_1e%d$")
    if kind and bytes[kind] then
      local n = name:find("1e7") and 1e7 or 1e6
      local gbs = bytes[kind] * n / t / 1e9
      local share = triad.triad2 and gbs / triad.triad2
      goal = string.format("%.1f GB/s = %s of 2-thread triad (goal >= 60%%)%s", gbs,
        share and string.format("%.0f%%", 100 * share) or "?",
        share and (share >= 0.6 and " met" or " not met") or "")
    elseif goals[name] then
      goal = string.format("<= %.1fx torch%s", goals[name],
        ref and (t / ref <= goals[name] and " met" or " not met") or "")
    else
      goal = ""
    end
    print(string.format("%-12s %s %s %s %s %s  %s", name, ms(t), ms(ref), ms(ref1), ratio, ratio1, goal))
  end
end

-- Start-up: 20 runs of an empty script, through one shell.
if wanted("startup") then
  local exe = os.getenv("GRADCALC") or "./gradcalc"
  local empty = os.tmpname()
  local t0 = clock.wall()
  os.execute("for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do " .. exe .. " " .. empty .. "; done")
  local t = (clock.wall() - t0) / 20
  os.remove(empty)
  print(string.format("startup      %9.3f ms per run of an empty script (goal < 10 ms)%s", t * 1e3,
    t < 0.010 and " met" or " not met"))
end
print("speed: load average " .. load() .. " at the end")
