-- test_reliability.lua - programs that once crashed gradcalc or corrupted its
-- memory: each must now end in a clear error or a right answer.
local check = dofile("tests/lua/check.lua")

-- ---- stack of 8-d tensors: the result would need 9 dims --------------------------

do
    local a = ones(1, 1, 1, 1, 1, 1, 1, 1)
    check.err("at most 8 are supported", "stack of 8-d tensors is refused", stack, {a, a}, 1)
    check.err("at most 8 are supported", "stack of 8-d tensors at the last dim too", stack, {a, a}, -1)
    local b = ones(1, 1, 1, 1, 1, 1, 1)
    check.ok(stack({b, b}, 1).shape[1] == 2, "stack of 7-d tensors makes an 8-d one")
end

-- ---- gradcheck: f changing the list of inputs ------------------------------------

do
    local inp = {var({1, 2})}
    local ok, good = pcall(gradcheck, function(a) inp[1] = 5; return sum(a * a) end, inp,
                           {print = false})
    check.ok(ok and good == true, "gradcheck survives f replacing its input by a number", good)
    inp = {var({1, 2}), var({3})}
    ok, good = pcall(gradcheck, function(a, b)
        for k in pairs(inp) do inp[k] = nil end
        return sum(a * b)
    end, inp, {print = false})
    check.ok(ok and good == true, "gradcheck survives f emptying its list of inputs", good)
end

-- ---- gradcheck: f dropping the last reference to an input and collecting ---------

for _, size in ipairs({200, 3}) do -- a freed block, and a recycled one
    local inp = {var(zeros(size))}
    local n = 0
    local ok, good = pcall(gradcheck, function(a)
        n = n + 1
        if n == 1 then return var(1) * 2 end
        if n == 3 then inp[1] = nil; a = nil; collectgarbage(); collectgarbage() end
        return sum(a and a * a or var(1))
    end, inp, {print = false})
    check.ok(ok, "gradcheck survives f collecting its input (" .. size .. " elements)", good)
end

do -- the analytic gradients and the output, collected while f runs
    local x = var({1, 2, 3})
    local ok, good = pcall(gradcheck, function(a)
        collectgarbage(); collectgarbage()
        return sum(a * a * a)
    end, {x}, {print = false})
    check.ok(ok and good == true, "gradcheck keeps its gradients across collections in f", good)
end

do -- f freeing its input through the debug library, which __metatable cannot stop
    local x = var(zeros(200))
    local ok = pcall(gradcheck, function(a)
        pcall(function() debug.getmetatable(a).__gc(a) end)
        collectgarbage()
        return sum(var(1) * 2)
    end, {x}, {print = false})
    check.ok(ok ~= nil, "gradcheck survives f calling __gc on its input through debug")
end

do -- f closing the file gradcheck prints into
    local out = io.tmpfile()
    local closed = false
    check.err("f closed the file given as option print", "gradcheck notices f closing its print file",
        gradcheck, function(a)
            if not closed then closed = true else out:close() end
            return sum(a * a)
        end, {var({1, 2})}, {print = out})
end

-- ---- gradcheck's work is bounded ----------------------------------------------

do
    local calls = 0
    local out = io.tmpfile()
    local good, rows = gradcheck(function(a) calls = calls + 1; return sum(a * a) end,
                                 {var(zeros(5000))}, {print = out})
    out:seek("set")
    local text = out:read("a")
    out:close()
    check.ok(good == true and #rows == 1000, "gradcheck samples 1000 of 5000 elements", #rows)
    check.ok(calls == 2 + 2 * 1000, "f runs twice per sampled element", calls)
    check.ok(rows[1].position == 1 and rows[2].position == 6 and rows[1000].position == 4996,
             "the sample is evenly spaced", rows[2].position)
    check.ok(text:find("checked: 1000 of them, evenly spaced", 1, true) ~= nil,
             "the table says it checked a sample", text:sub(1, 400))
    local _, all = gradcheck(function(a) return sum(a * a) end, {var(zeros(1200))},
                             {print = false, max_elements = math.huge})
    check.ok(#all == 1200, "max_elements = math.huge checks every element", #all)
    local _, few = gradcheck(function(a, b) return sum(a * a) + sum(b) end,
                             {var(zeros(6)), var(zeros(4))}, {print = false, max_elements = 5})
    check.ok(#few == 5 and few[1].input == 1 and few[5].input == 2,
             "the sample spans every input", #few)
    check.err("max_elements must be at least 1", "max_elements 0 is refused", gradcheck,
        function(a) return sum(a) end, {var({1})}, {max_elements = 0})
    check.ok(gradcalc._docs.gradcheck.summary:find("max_elements", 1, true) ~= nil,
             "help(gradcheck) tells about max_elements")
end

-- ---- found by scripts/fuzz ------------------------------------------------------------

do -- broadcasting [0] against [1, 0]: rows of no elements divided the work by zero
    local a = zeros(0) * {{}}
    check.ok(a.shape[1] == 1 and a.shape[2] == 0, "zeros(0) * {{}} is an empty [1, 0] tensor")
    local x = var(zeros(0))
    local y = sum(x * {{}})
    y:backward()
    check.ok(x.grad ~= nil and x.grad:numel() == 0, "and its backward gives an empty gradient")
    check.ok((ones(2, 0) + zeros(1, 0)):numel() == 0, "[2, 0] + [1, 0] too")
end

-- ---- finalizers run by allocations inside gradcalc's own functions -----------------

do -- a finalizer dropping x.grad while x.grad is being read
    local x = var(zeros(300)) -- large enough that a freed gradient goes back to malloc
    local seen = 0
    for _ = 1, 300 do
        x.grad = nil
        local y = sum(x * x + x)
        y:backward()
        for _ = 1, 20 do setmetatable({}, {__gc = function() x.grad = nil end}) end
        local g = x.grad
        if g then seen = seen + g:numel() // 300 end
    end
    check.ok(seen > 0, "x.grad read while finalizers clear it", seen)
end

do -- a finalizer dropping the last reference to a tensor of a trace
    local E, survived = nil, 0
    for _ = 1, 50 do
        local x = var(zeros(200), "x")
        local h = x * 2
        h.name = "h"
        E = sum(h)
        E:backward()
        for _ = 1, 20 do setmetatable({}, {__gc = function() x = nil; h = nil end}) end
        local _, names = trace(E, {print = false})
        if type(names) == "table" then survived = survived + 1 end
    end
    check.ok(survived == 50, "trace survives finalizers dropping its tensors", survived)
end

-- ---- coroutines ------------------------------------------------------------------

do -- a coroutine suspended inside no_grad left recording off for everyone
    local co = coroutine.wrap(function() return no_grad(function() coroutine.yield() end) end)
    check.err("attempt to yield across a C-call boundary", "no_grad refuses a yield inside fn", co)
    local x = var(2)
    check.ok((x * x).requires_grad, "recording is on after the refused yield")
    local inside = coroutine.wrap(function()
        return no_grad(function() return (x * x).requires_grad end)
    end)
    check.ok(inside() == false, "no_grad in a coroutine without a yield still works")
    local g = coroutine.wrap(function()
        return gradcheck(function(a) coroutine.yield(); return sum(a) end, {var({1})}, {print = false})
    end)
    check.err("yield across", "gradcheck refuses a yield inside f", g)
    check.ok((x * x).requires_grad, "and recording is on after it")
end

-- ---- the metatables are protected ---------------------------------------------------

do
    local x = var({1, 2})
    check.ok(getmetatable(x) == "gradcalc.Tensor", "getmetatable(tensor) gives a name, not the table",
             tostring(getmetatable(x)))
    check.err("attempt to call", "getmetatable(x).__gc(x) is impossible",
              function() getmetatable(x).__gc(x) end)
    check.ok(x:sum():item() == 3, "the tensor is still whole")
    local o = optim.SGD({x}, {lr = 0.1})
    check.ok(getmetatable(o) == "gradcalc.Optimizer", "getmetatable(optimizer) gives a name",
             tostring(getmetatable(o)))
    check.err("attempt to call", "getmetatable(opt).__gc(opt) is impossible",
              function() getmetatable(o).__gc(o) end)
    check.ok(tostring(o):find("SGD", 1, true) ~= nil, "the optimizer still works", tostring(o))
    check.ok(getmetatable("") ~= nil, "strings keep their metatable")
end

-- ---- a file name given as a number is kept while it is used ---------------------------

do
    local x = var(2)
    local E = x * x
    local ok, err = pcall(trace, E, {file = 424242})
    local f = io.open("424242", "r")
    check.ok(ok and f ~= nil, "trace{file = <number>} writes a file of that name", err)
    if f then f:close(); os.remove("424242") end
end

check.done()
