-- test_gradcheck_index.lua - index_select's backward against finite differences,
-- by the method of test_gradcheck.lua.
-- For each case, f(inputs...) is reduced to one number with fixed random
-- weights, L = sum(f(...) * W), so every element of the result counts with
-- its own weight. backward() gives the analytic dL/dx; the central
-- difference (L(x + h) − L(x − h)) / 2h, element by element, gives the
-- numeric one. Both are float64; they must agree to about 1e-6 relative.
-- Ops with kinks (relu, abs, max, ...) are checked away from the kinks.
local check = dofile("tests/lua/check.lua")

local H = 1e-6          -- step of the central difference
local RTOL = 1e-6       -- relative tolerance
local ATOL = 1e-8       -- absolute floor, for gradients near 0

seed(20240601)

-- A leaf that requires grad, with values uniform in [lo, hi).
local function rnd(shape, lo, hi)
    lo, hi = lo or -1, hi or 1
    return var(rand(shape) * (hi - lo) + lo)
end

-- Values uniform in [lo, hi) pushed at least margin away from 0: for
-- relu, abs and leaky_relu, whose derivative jumps at 0.
local function away(shape, margin)
    local x = rand(shape) * 2 - 1
    return var(x + (x / abs(x)) * margin)
end

local function flat(x)
    return x:detach():flatten():totable()
end

-- Writes the Lua list values into the leaf x, in place (never recorded).
local function set_flat(x, values)
    local t = tensor(values):reshape(x.shape)
    no_grad(function() x:copy_(t) end)
end

local seen_ops = {}

-- gradcheck(name, f, inputs): inputs that require grad are checked,
-- others (labels, constants) are only passed along.
local function gradcheck(name, f, inputs)
    local ran, out = pcall(f, table.unpack(inputs))
    if not ran then      -- a failing op is one failed check, not the end of the file
        check.ok(false, "gradcheck " .. name, "the forward pass raised: " .. tostring(out))
        return
    end
    if out.grad_fn then seen_ops[out.grad_fn] = true end
    local W = rand(out.shape) + 0.5           -- fixed for this case
    local function loss()
        return sum(f(table.unpack(inputs)) * W)
    end
    for _, x in ipairs(inputs) do
        if is_tensor(x) and x.requires_grad then x:zero_grad() end
    end
    loss():backward()

    local worst, why = 0, nil
    for k, x in ipairs(inputs) do
        if is_tensor(x) and x.requires_grad then
            local values = flat(x)
            local analytic = x.grad and flat(x.grad) or {}
            for i = 1, #values do
                local v = values[i]
                values[i] = v + H
                set_flat(x, values)
                local up = no_grad(function() return loss():item() end)
                values[i] = v - H
                set_flat(x, values)
                local down = no_grad(function() return loss():item() end)
                values[i] = v
                set_flat(x, values)
                local numeric = (up - down) / (2 * H)
                local a = analytic[i] or 0
                local err = math.abs(a - numeric)
                local allowed = RTOL * math.max(math.abs(a), math.abs(numeric)) + ATOL
                if not (err <= allowed) and (why == nil or err / allowed > worst) then
                    worst = err / allowed
                    why = string.format("input %d element %d: analytic %.12g, numeric %.12g", k, i, a, numeric)
                end
            end
        end
    end
    check.ok(why == nil, "gradcheck " .. name, why)
end

-- ---- index_select: rows, columns, inner dims, repeats ------------------------------------
gradcheck("index_select rows with repeats", function(a) return a:index_select(1, {3, 1, 3, 2}) end,
          {rnd({3, 4})})
gradcheck("index_select columns", function(a) return index_select(a, 2, tensor({4, 1})) end,
          {rnd({3, 4})})
gradcheck("index_select a middle dim of [2, 3, 2]", function(a) return a:index_select(2, {2, 2, 3}) end,
          {rnd({2, 3, 2})})
gradcheck("index_select of a 1-d tensor", function(a) return a:index_select(1, {5, 1}) end,
          {rnd({5})})
gradcheck("index_select then matmul", function(a, w) return matmul(a:index_select(1, {2, 1}), w) end,
          {rnd({3, 2}), rnd({2, 3})})
check.ok(seen_ops.index_select, "gradcheck saw index_select")

-- ---- against PyTorch, when it is installed -----------------------------------------------------
local has_torch = os.execute("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1")
if has_torch then
    -- x [3, 4] = 1..12, rows 3, 1, 3 picked, weighted by W = 1..12, summed
    local py = io.popen("/usr/bin/python3 -c \"import torch; " ..
        "x = torch.arange(1., 13., dtype=torch.float64).reshape(3, 4).requires_grad_(); " ..
        "y = torch.index_select(x, 0, torch.tensor([2, 0, 2])); " ..
        "W = torch.arange(1., 13., dtype=torch.float64).reshape(3, 4); (y * W).sum().backward(); " ..
        "print(' '.join(repr(v) for v in y.flatten().tolist() + x.grad.flatten().tolist()))\"")
    local line = py:read("a")
    py:close()
    local want = {}
    for v in line:gmatch("%S+") do want[#want + 1] = tonumber(v) end
    local x = var(arange(1, 13):reshape(3, 4))
    local y = x:index_select(1, {3, 1, 3})
    sum(y * arange(1, 13):reshape(3, 4)):backward()
    local got = {}
    for _, v in ipairs(flat(y)) do got[#got + 1] = v end
    for _, v in ipairs(flat(x.grad)) do got[#got + 1] = v end
    local same = #want == 24 and #got == 24
    for i = 1, 24 do same = same and want[i] == got[i] end
    check.ok(same, "index_select: values and gradient equal PyTorch's", line)
else
    print("ok index_select against PyTorch skipped: python3-torch not installed")
end

check.done()
