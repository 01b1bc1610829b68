-- threads.lua - where a second thread starts to pay: a cheap op (a + b), a
-- heavy one (exp) and a reduction (sum) at sizes 2^12 .. 2^21, timed on one
-- thread and on two forced to split every size (GRADCALC_THREADS=2 with
-- GRADCALC_THREADS_MIN=1, each in its own gradcalc), side by side. The
-- thresholds GC_PARALLEL_MIN and GC_PARALLEL_HEAVY in src/core/parallel.h
-- come from where the columns cross. On a busy machine they cross later.
--
-- Run from the repository root: ./gradcalc scripts/bench/threads.lua

local clock = dofile("scripts/bench/lib/clock.lua")
local SIZES = {12, 14, 15, 16, 17, 18, 19, 20, 21}

local function child()
  for _, p in ipairs(SIZES) do
    local n = 2 ^ p // 1
    local a, b = randn{n}, randn{n}
    local cases = {
      add = function() return a + b end,
      exp = function() return exp(a) end,
      sum = function() return sum(a) end,
    }
    for _, name in ipairs({"add", "exp", "sum"}) do
      local fn = cases[name]
      local reps = math.max(1, (1 << 24) // n)
      fn()
      local t0 = clock.wall()
      for _ = 1, reps do fn() end
      print(string.format("%s %d %.9f", name, p, (clock.wall() - t0) / reps))
    end
  end
end

if os.getenv("GC_THREADS_CHILD") then
  child()
  return
end

local exe = os.getenv("GRADCALC") or "./gradcalc"
local results = {}
for _, threads in ipairs({1, 2}) do
  local p = io.popen("GC_THREADS_CHILD=1 GRADCALC_THREADS_MIN=1 GRADCALC_THREADS=" .. threads .. " " .. exe
                     .. " scripts/bench/threads.lua")
  for line in p:lines() do
    local name, size, t = line:match("^(%S+) (%d+) (%S+)$")
    if name then results[name .. size .. "/" .. threads] = tonumber(t) end
  end
  p:close()
end
local f = io.open("/proc/loadavg")
print("threads: microseconds per call, 1 thread vs 2 (split at every size); load average " .. (f and f:read("l"):match("^%S+ %S+ %S+") or "?"))
print(string.format("%8s %10s %10s %10s %10s %10s %10s", "elements", "add 1", "add 2", "exp 1", "exp 2",
                    "sum 1", "sum 2"))
for _, p in ipairs(SIZES) do
  local row = {string.format("%8s", "2^" .. p)}
  for _, name in ipairs({"add", "exp", "sum"}) do
    for _, threads in ipairs({1, 2}) do
      local t = results[name .. p .. "/" .. threads]
      row[#row + 1] = t and string.format("%10.1f", t * 1e6) or "         -"
    end
  end
  print(table.concat(row, " "))
end
