-- test_images_parallel.lua - conv2d and pooling split over the thread pool:
-- the same bits on 1, 2 and 3 threads (every loop forced to split, with
-- GRADCALC_THREADS_MIN=1); a batch's ∂L/∂w, summed in blocks of images,
-- equals the sum of the images' own; and max_pool2d's choice (the first
-- largest, the last nan) worked by hand in plain Lua.
local check = dofile("tests/lua/check.lua")

local exe = os.getenv("GRADCALC") or "./gradcalc"
local program = os.tmpname()
local f = assert(io.open(program, "w"))
f:write([[
seed(11)
local out = {}
local function put(t)
  t = t:reshape{-1}
  local n = t:numel()
  for _, i in ipairs({1, 2, n // 3, n // 2, n - 1, n}) do
    if i >= 1 and i <= n then out[#out + 1] = string.format("%a", t[i]:item()) end
  end
  out[#out + 1] = string.format("%a", sum(t):item())
end
for _, c in ipairs({
  {n = 37, cin = 4, cout = 6, k = 3, stride = 1, padding = 1, groups = 1},
  {n = 20, cin = 4, cout = 6, k = 3, stride = 2, padding = 1, groups = 2},
  {n = 64, cin = 1, cout = 16, k = 5, stride = 1, padding = 2, groups = 1},
}) do
  local x = var(randn{c.n, c.cin, 14, 14})
  local w = var(randn{c.cout, c.cin // c.groups, c.k, c.k})
  local b = var(randn{c.cout})
  local y = conv2d(x, w, b, {stride = c.stride, padding = c.padding, groups = c.groups})
  local m = max_pool2d(relu(y), 2)
  local a = avg_pool2d(y, 3, {stride = 2, padding = 1})
  local loss = sum(m * m) + sum(a * randn(a.shape))
  loss:backward()
  put(y); put(m); put(a); put(x.grad); put(w.grad); put(b.grad)
end
print(table.concat(out, "\n"))
]])
f:close()

local function run(threads)
  local p = io.popen("GRADCALC_THREADS=" .. threads .. " GRADCALC_THREADS_MIN=1 " .. exe .. " " ..
                     program .. " 2>&1")
  local text = p:read("a")
  p:close()
  return text
end
local one, two, three = run(1), run(2), run(3)
os.remove(program)
local lines = select(2, one:gsub("\n", ""))
check.ok(lines > 100 and not one:find("error", 1, true), "the conv and pooling program runs", one:sub(1, 300))
check.ok(one == two, "conv2d and pooling: 1 and 2 threads print the same bits", "they differ")
check.ok(one == three, "conv2d and pooling: 1 and 3 threads print the same bits", "they differ")

-- ∂L/∂w and ∂L/∂b of a batch of 37 (blocks of 3 images, the last of 1) against the sum
-- over the images, each run alone; the outputs and ∂L/∂x image by image.
seed(5)
local N = 37
local x = var(randn{N, 3, 9, 9})
local w = var(randn{5, 3, 3, 3})
local b = var(randn{5})
local g = randn{N, 5, 5, 5}
local y = conv2d(x, w, b, {stride = 2, padding = 1})
sum(y * g):backward()
local gw, gb = zeros(w.shape), zeros(b.shape)
local worst_y, worst_x = 0, 0
for n = 1, N do
  local xn = var(x:detach():narrow(1, n, 1))
  local wn, bn = var(w:detach()), var(b:detach())
  local yn = conv2d(xn, wn, bn, {stride = 2, padding = 1})
  sum(yn * g:narrow(1, n, 1)):backward()
  gw, gb = gw + wn.grad, gb + bn.grad
  worst_y = math.max(worst_y, max(abs(yn - y:detach():narrow(1, n, 1))):item())
  worst_x = math.max(worst_x, max(abs(xn.grad - x.grad:narrow(1, n, 1))):item())
end
check.ok(worst_y == 0, "conv2d: each image's output is the one it has alone", "off by " .. worst_y)
check.ok(worst_x == 0, "conv2d: each image's ∂L/∂x is the one it has alone", "off by " .. worst_x)
check.near(max(abs(w.grad - gw)):item(), 0, 1e-11, "conv2d: the batch's ∂L/∂w is the sum of the images'")
check.near(max(abs(b.grad - gb)):item(), 0, 1e-11, "conv2d: the batch's ∂L/∂b is the sum of the images'")

-- max_pool2d's choice, by hand: a 2×2 window over 4×4 planes whose values
-- hold ties, nans and -inf; each window keeps the first largest value, or
-- the last nan, and its gradient goes there alone.
local nan, inf = 0 / 0, math.huge
local plane = {
  {1, 5, nan, 2},
  {5, 3, 4, nan},
  {-inf, -inf, 7, 7},
  {-inf, -inf, 7, 0},
}
local flat = {}
for i = 1, 4 do for j = 1, 4 do flat[#flat + 1] = plane[i][j] end end
local xp = var(tensor(flat):reshape{1, 1, 4, 4})
local yp = max_pool2d(xp, 2)
local gy = tensor({10, 20, 30, 40}):reshape{1, 1, 2, 2}
sum(yp * gy):backward()
local ok_y, ok_g = true, true
local expect_g = {}
for i = 1, 16 do expect_g[i] = 0 end
for wi = 0, 1 do
  for wj = 0, 1 do
    local best, where = -inf, nil
    for i = 2 * wi + 1, 2 * wi + 2 do
      for j = 2 * wj + 1, 2 * wj + 2 do
        local v = plane[i][j]
        if where == nil then where = (i - 1) * 4 + j end
        if v > best or v ~= v then best, where = v, (i - 1) * 4 + j end
      end
    end
    local got = yp[1][1][wi + 1][wj + 1]:item()
    if not (got == best or (got ~= got and best ~= best)) then ok_y = false end
    expect_g[where] = expect_g[where] + gy[1][1][wi + 1][wj + 1]:item()
  end
end
local got_g = xp.grad:reshape{16}:totable()
for i = 1, 16 do
  if got_g[i] ~= expect_g[i] then ok_g = false end
end
check.ok(ok_y, "max_pool2d: each window keeps its first largest value, or a nan", tostring(yp))
check.ok(ok_g, "max_pool2d: the gradient goes to the first largest, or the last nan",
         table.concat(got_g, " "))
check.ok(expect_g[8] == 20 and expect_g[2] == 10 and expect_g[9] == 30 and expect_g[11] == 40,
         "max_pool2d: the hand-worked windows pick positions 2, 8, 9 and 11",
         table.concat(expect_g, " "))
check.done()
