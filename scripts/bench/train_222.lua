-- train_222.lua - training steps per second on the classic 2-2-2 network.
--
-- The network of Matt Mazur's worked backpropagation example: inputs 0.05,
-- 0.10; targets 0.01, 0.99; sigmoid on both layers; weights w1..w8 =
-- .15 .20 .25 .30 .40 .45 .50 .55; biases 0.35 (hidden) and 0.60 (output),
-- held fixed as in that example. Loss: MSE over the two outputs, which for
-- two outputs equals the example's ½·Σ(target − out)². Plain gradient
-- descent, lr 0.5, 10,000 steps. Every step is what a learner would write:
-- forward, loss, backward, update under no_grad with sub_, zero_grad.
--
-- Two forms of the same network:
--   scalar  one var per weight: 26 recorded ops per step
--   matrix  W1, W2 as [2, 2] tensors: matmul, add, sigmoid (twice), mse
--
-- Checkable numbers, from the same steps worked out by hand in float64
-- (the published example rounds its intermediates and prints 0.291027924
-- and 0.0000351085): loss 0.298371109 before the first step, 0.291027774
-- after it, 0.0000351019 after 10,000 steps. Both forms print them, so a
-- broken run shows up next to its speed.
--
-- Each form trains three fresh networks and reports the median rate: the
-- rate moves by tens of percent between runs, mostly with how much garbage
-- Lua's collector lets pile up before it frees the tensors.
--
-- Timing starts after a warm-up of about 0.3 s: OpenBLAS's worker threads
-- spin (sched_yield) for roughly 0.1 s after the program starts, and that
-- CPU time would otherwise be counted in os.clock().
--
-- Run from the repository root: ./gradcalc scripts/bench/train_222.lua

local clock = dofile("scripts/bench/lib/clock.lua")

local STEPS = tonumber(os.getenv("GC_BENCH_STEPS")) or 10000
local LR = 0.5

-- ---- scalar form: a var per weight ------------------------------------------
local function scalar_net()
  local w = {}
  local init = {0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55}
  for i = 1, 8 do w[i] = var(init[i], "w" .. i) end
  local x1, x2, b1, b2, t1, t2 = 0.05, 0.10, 0.35, 0.60, 0.01, 0.99

  local function loss()
    local h1 = sigmoid(w[1] * x1 + w[2] * x2 + b1)
    local h2 = sigmoid(w[3] * x1 + w[4] * x2 + b1)
    local o1 = sigmoid(w[5] * h1 + w[6] * h2 + b2)
    local o2 = sigmoid(w[7] * h1 + w[8] * h2 + b2)
    return ((o1 - t1) ^ 2 + (o2 - t2) ^ 2) * 0.5
  end
  local function update()
    for i = 1, 8 do w[i]:sub_(w[i].grad, LR) end
  end
  local function zero()
    for i = 1, 8 do w[i]:zero_grad() end
  end
  return {name = "scalar", ops = 26, loss = loss, update = update, zero = zero}
end

-- ---- matrix form: [2, 2] weights and matmul ---------------------------------
local function matrix_net()
  local W1 = var({{0.15, 0.20}, {0.25, 0.30}}, "W1")
  local W2 = var({{0.40, 0.45}, {0.50, 0.55}}, "W2")
  local x = tensor({{0.05}, {0.10}})
  local t = tensor({{0.01}, {0.99}})

  local function loss()
    local h = sigmoid(matmul(W1, x) + 0.35)
    local o = sigmoid(matmul(W2, h) + 0.60)
    return mse(o, t)
  end
  local function update()
    W1:sub_(W1.grad, LR)
    W2:sub_(W2.grad, LR)
  end
  local function zero()
    W1:zero_grad()
    W2:zero_grad()
  end
  return {name = "matrix", ops = 7, loss = loss, update = update, zero = zero}
end

-- ---- the training loop, timed ------------------------------------------------
local function step(net)
  local l = net.loss()
  l:backward()
  no_grad(net.update)
  net.zero()
  return l
end

-- Warm up on a separate copy of the network, for about 0.3 s of wall time.
local function warm_up(make)
  local net, w0 = make(), clock.wall()
  repeat
    for _ = 1, 500 do step(net) end
  until clock.wall() - w0 > 0.3
end

local function train(net)
  local first, second
  collectgarbage()
  local c0, w0 = clock.cpu(), clock.wall()
  for i = 1, STEPS do
    local l = step(net)
    if i == 1 then first = l:item() elseif i == 2 then second = l:item() end
  end
  local cpu, wall = clock.cpu() - c0, clock.wall() - w0
  local final = net.loss():item()     -- after the last update, untimed
  return {cpu = cpu, wall = wall, first = first, second = second, final = final}
end

print(string.format("train_222: Mazur's 2-2-2 sigmoid network, MSE, SGD lr %.1f, %d steps", LR, STEPS))
print("  timing: CPU time from os.clock (gradcalc has no monotonic clock; the")
print("  work is single-threaded, so CPU time is the right measure); wall time beside it")
print(string.format("  expected loss: step 1 %.9f, step 2 %.9f, after 10000 steps %.10f", 0.298371109, 0.291027774, 0.0000351019))
local EXPECT1, EXPECT2, EXPECT_FINAL = 0.298371109, 0.291027774, 0.0000351019
local RUNS = 3
for _, make in ipairs({scalar_net, matrix_net}) do
  warm_up(make)
  local rates, walls, r = {}, {}, nil
  local name, ops
  for k = 1, RUNS do
    local net = make()
    name, ops = net.name, net.ops
    r = train(net)
    rates[k], walls[k] = STEPS / r.cpu, STEPS / r.wall
  end
  local list = {}
  for k = 1, RUNS do list[k] = string.format("%.0f", rates[k]) end
  local best = math.max(table.unpack(rates))
  local median = clock.median({table.unpack(rates)})
  print(string.format("  %-6s (%2d ops/step): %9.0f steps/s  %7.2f us/step  (median of %d runs; best %.0f; runs %s; wall median %.0f steps/s)",
    name, ops, median, 1e6 / median, RUNS, best, table.concat(list, " "), clock.median(walls)))
  print(string.format("         loss: step 1 %.9f, step 2 %.9f, after %d steps %.10f",
    r.first, r.second, STEPS, r.final))
  if math.abs(r.first - EXPECT1) > 1e-9 or math.abs(r.second - EXPECT2) > 1e-9
      or (STEPS == 10000 and math.abs(r.final - EXPECT_FINAL) > 1e-10) then
    print("         WARNING: losses differ from the worked example: the figures above are suspect")
  end
end
