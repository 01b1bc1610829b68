-- test_custom.lua - ops whose forward and backward the learner writes:
-- recorded, traced and gradchecked like built-ins; a wrong backward is
-- caught with the element that disagrees; every misuse gets its error.
local check = dofile("tests/lua/check.lua")

local mysig = custom{name = "mysig",
    forward = function(ctx, x) local y = 1 / (1 + exp(-x)); ctx:save(y); return y end,
    backward = function(ctx, g) local y = ctx.saved[1]; return g * y * (1 - y) end}

local x = var({-1, 0.5, 2}, "x")
local h = mysig(x)
check.ok(h.grad_fn == "custom" and h.requires_grad, "a custom op's result is a recorded node")
check.ok(tostring(mysig) == "custom op mysig", "a custom op prints its name")
local L = sum(h * 2)
L:backward()
local want = sigmoid(x:detach())
for i, g in ipairs(x.grad:totable()) do
    local s = want:totable()[i]
    check.near(g, 2 * s * (1 - s), 1e-15, "custom backward gives 2σ(1 − σ) at element " .. i)
end

-- gradcheck passes a right backward and names the element of a wrong one
local out = io.tmpfile()
local passed = gradcheck(function(a) return sum(mysig(a)) end, {var({-1, 0.5})}, {print = out})
check.ok(passed, "gradcheck passes a right custom backward")
local bad = custom{name = "badsig", forward = function(ctx, a) return sigmoid(a) end,
    backward = function(ctx, g) return g * 0.2 end}
out:seek("set")
passed = gradcheck(function(a) return sum(bad(a)) end, {var({-1, 0.5})}, {print = out})
out:seek("set")
local text = out:read("a")
check.ok(passed == false, "gradcheck fails a wrong custom backward")
check.ok(text:find("input1%[1%].-FAIL") ~= nil, "gradcheck names the element where a custom backward is wrong", text)

-- two tensor arguments and a number between them: one gradient each, by position
local scaled = custom{name = "scaled",
    forward = function(ctx, a, k, b) ctx:save(a, k, b); return a * k + b * b end,
    backward = function(ctx, g) local a, k, b = table.unpack(ctx.saved); return g * k, nil, g * 2 * b end}
local a, b = var({1, 2}), var({3, 4})
sum(scaled(a, 10, b)):backward()
check.ok(a.grad:totable()[2] == 10 and b.grad:totable()[2] == 8, "each argument gets its gradient by position")
check.ok(gradcheck(function(p, q) return sum(scaled(p, 3, q)) end, {var({0.5, -1}), var({2, 1})}, {print = false}),
         "gradcheck passes a custom op of two tensors")

-- the trace writes the op by its name
local tr = trace(sum(mysig(var(0.5, "z"))), {print = false})
check.ok(tr:find("mysig(z)", 1, true) ~= nil, "trace writes a custom op by its name", tr)

-- misuse
check.err("shape [3] for argument 1, whose shape is [2]", "a gradient of the wrong shape is named",
    function()
        local w = custom{forward = function(ctx, v) return v * 2 end, backward = function(ctx, g) return ones(3) end}
        sum(w(var({1, 2}))):backward()
    end)
check.err("oops", "an error in a custom backward reaches the caller", function()
    local w = custom{forward = function(ctx, v) return v * 2 end, backward = function(ctx, g) error("oops") end}
    sum(w(var({1, 2}))):backward()
end)
check.err("forward returned nothing", "a forward that returns nothing is named", function()
    local w = custom{forward = function(ctx, v) end, backward = function(ctx, g) return g end}
    return w(var(1))
end)
check.err("cannot start another backward pass", "backward inside a custom backward is refused", function()
    local w = custom{forward = function(ctx, v) return v * 2 end,
        backward = function(ctx, g) sum(var(1) * 2):backward(); return g end}
    sum(w(var({1, 2}))):backward()
end)
check.err("forward must be a function", "custom needs a forward", function() return custom{backward = print} end)
check.err("unknown option 'fwd'", "custom's options are checked", function() return custom{fwd = print} end)

-- nothing is kept alive after the graph is dropped; a coroutine can run it
do
    local before = collectgarbage("count")
    for _ = 1, 200 do sum(mysig(var({1, 2, 3}))):backward() end
    collectgarbage(); collectgarbage()
    check.ok(collectgarbage("count") - before < 200, "custom nodes are freed with their graphs")
    local co = coroutine.wrap(function()
        local v = var({0.3})
        local y = mysig(v)
        coroutine.yield()
        sum(y):backward()
        return v.grad:item()
    end)
    co()
    local s = 1 / (1 + math.exp(-0.3))
    check.near(co(), s * (1 - s), 1e-15, "a custom backward runs from inside a coroutine")
end
check.done()
