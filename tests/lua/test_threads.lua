-- test_threads.lua - the same program prints the same bits on one thread
-- and on several: big sums, means, softmax, elementwise ops, their
-- gradients and optimizer steps, run with GRADCALC_THREADS=1, 2 and 3.
-- Also: big sums are pairwise, so they are accurate.
local check = dofile("tests/lua/check.lua")

local exe = os.getenv("GRADCALC") or "./gradcalc"
local program = os.tmpname()
local f = assert(io.open(program, "w"))
f:write([[
seed(7)
local out = {}
local function put(t)
  t = t:reshape{-1}
  local n = t:numel()
  for _, i in ipairs({1, 2, n // 3, n // 2, n - 1, n}) do
    if i >= 1 and i <= n then out[#out + 1] = string.format("%a", t[i]:item()) end
  end
end
local a = randn{1200, 900}
a.requires_grad = true
local b = randn{900}
local s = sum(a) + mean(a * a) + sum(sum(a, 1)) + sum(mean(a, 2))
put(s)
put(sum(a, 1)); put(sum(a, 2)); put(mean(a, 1)); put(mean(a, 2))
local y = softmax(a, 2)
put(y); put(sum(y, 2)); put(log_softmax(a, 1))
local z = sigmoid(a + b) * tanh(a) - exp(a * 0.01) / (a * a + 1)
put(z)
local loss = sum(z) + sum(y * y) + mean(log_softmax(a, 2)) + s
loss:backward()
put(a.grad)
for _, kind in ipairs({"SGD", "RMSprop", "Adam", "Adagrad", "AdamW"}) do
  local w = randn{784, 128}
  w.requires_grad = true
  local opt = optim[kind]({w}, {lr = 0.01})
  for _ = 1, 3 do
    opt:zero_grad()
    sum(sigmoid(w) * w):backward()
    opt:step()
  end
  put(w)
end
local big = randn{3000000}
put(sum(big)); put(sum(big * big))
big:sub_(randn{3000000}, 0.5); put(big); put(sum(big))
print(table.concat(out, "\n"))
]])
f:close()

local function run(threads)
  local p = io.popen("GRADCALC_THREADS=" .. threads .. " " .. exe .. " " .. program .. " 2>&1")
  local text = p:read("a")
  p:close()
  return text
end
local one, two, three = run(1), run(2), run(3)
os.remove(program)
local lines = select(2, one:gsub("\n", ""))
check.ok(lines > 60 and not one:find("error", 1, true), "the reduction-heavy program runs", one:sub(1, 300))
check.ok(one == two, "1 and 2 threads print the same bits", "they differ")
check.ok(one == three, "1 and 3 threads print the same bits", "they differ")

-- Pairwise summation: a million 0.1s add up to 100000 within 1e-9 (one
-- running total would be off by about 1e-6).
check.near(sum(full({1000000}, 0.1)), 100000, 1e-9, "sum of a million 0.1s is accurate (pairwise)")
check.near(mean(full({1000, 1000}, 0.1)), 0.1, 1e-15, "mean of a million 0.1s is accurate")
check.near(sum(sum(full({1000, 1000}, 0.1), 2)), 100000, 1e-9, "row sums are pairwise too")
check.done()
