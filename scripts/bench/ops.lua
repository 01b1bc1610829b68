-- ops.lua - what one operation costs, beside plain Lua arithmetic.
--
-- Times 10^6 scalar operations, written `d = a*b + c` (two operations per
-- line), three ways:
--   lua numbers     plain Lua: the floor under everything else
--   tensors         0-dim tensors with no gradient: the call into C, a new
--                   tensor, the op's forward
--   vars            requires_grad scalars: the same plus recording the graph
-- then the backward pass: chains of 1,000 recorded ops, each chain sent
-- through backward(), timed per node.
-- CPU time from os.clock; all of this is single-threaded.
--
-- Run from the repository root: ./gradcalc scripts/bench/ops.lua

local OPS = tonumber(os.getenv("GC_BENCH_OPS")) or 1000000
local ITER = OPS // 2

-- OpenBLAS's worker threads spin for about 0.1 s after start-up and that CPU
-- time would land in os.clock(); let them go to sleep first.
os.execute("sleep 0.3")

local function per_op(label, a, b, c)
  collectgarbage()
  local t0 = os.clock()
  local d
  for _ = 1, ITER do d = a * b + c end
  local s = os.clock() - t0
  print(string.format("  %-15s %8.3f us/op  %12.0f ops/s", label, 1e6 * s / (2 * ITER), 2 * ITER / s))
  return d
end

print(string.format("ops: %d scalar operations as d = a*b + c; CPU time (os.clock)", 2 * ITER))
per_op("lua numbers", 1.5, 2.0, 0.5)
per_op("tensors", tensor(1.5), tensor(2.0), tensor(0.5))
per_op("vars (recorded)", var(1.5, "a"), var(2.0, "b"), var(0.5, "c"))

-- Backward: a chain x -> x*1.0001 + 0.001 -> ... of LENGTH ops.
local LENGTH, CHAINS = 1000, 100
local function chain(x)
  local y = x
  for _ = 1, LENGTH // 2 do y = y * 1.0001 + 0.001 end
  return y
end
collectgarbage()
local forward, backward = 0, 0
for _ = 1, CHAINS do
  local x = var(1.0, "x")
  local t0 = os.clock()
  local y = chain(x)
  local t1 = os.clock()
  y:backward()
  backward = backward + os.clock() - t1
  forward = forward + t1 - t0
end
local nodes = CHAINS * LENGTH
print(string.format("  chain of %d ops, %d times: forward %.3f us/op, backward %.3f us/node",
  LENGTH, CHAINS, 1e6 * forward / nodes, 1e6 * backward / nodes))
