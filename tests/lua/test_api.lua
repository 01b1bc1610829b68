-- test_api.lua - the Lua API as a learner meets it: dims counted from 1
-- (and from -1 at the end), indexing, creation functions and their shapes,
-- seeds, printing, and how gradients are kept, accumulated and switched off.
local check = dofile("tests/lua/check.lua")

-- Deep comparison of nested tables of numbers.
local function same(a, b)
    if type(a) ~= type(b) then return false end
    if type(a) ~= "table" then return a == b end
    if #a ~= #b then return false end
    for i = 1, #a do
        if not same(a[i], b[i]) then return false end
    end
    return true
end

local function show(t)
    if type(t) ~= "table" then return tostring(t) end
    local parts = {}
    for i = 1, #t do parts[i] = show(t[i]) end
    return "{" .. table.concat(parts, ", ") .. "}"
end

local function values(name, x, expected)
    local got = x:totable()
    check.ok(same(got, expected), name, "expected " .. show(expected) .. ", got " .. show(got))
end

local function shape(name, x, expected)
    check.ok(same(x.shape, expected), name, "expected shape " .. show(expected) .. ", got " .. show(x.shape))
end

local m = tensor({{1, 5, 2}, {7, 0, 3}})

-- ---- dims: 1-based and negative ------------------------------------------------------------
values("sum along dim 1 adds the rows", sum(m, 1), {8, 5, 5})
values("sum along dim 2 adds across each row", sum(m, 2), {8, 10})
values("dim -1 is the last dim", sum(m, -1), {8, 10})
values("dim -2 is the first of two", sum(m, -2), {8, 5, 5})
check.ok(tostring(m.shape) == "{2, 3}" and tostring(tensor(1).shape) == "{}", "a shape prints as its sizes",
         tostring(m.shape))
check.ok(m.shape == {2, 3} and m.shape == ones(2, 3).shape and m.shape ~= ones(3, 2).shape
         and m.shape ~= ones(2, 3, 1).shape, "shapes compare by their sizes")
shape("keepdim keeps a dim of size 1", sum(m, 2, true), {2, 1})
shape("mean along dim 1", mean(m, 1), {3})
values("softmax(x, -1) is softmax(x, 2)", softmax(m, -1), softmax(m, 2):totable())
values("softmax defaults to the last dim", softmax(m), softmax(m, 2):totable())
shape("transpose(x, 1, 3)", transpose(ones(2, 3, 4), 1, 3), {4, 3, 2})
shape("transpose(x, -1, 1)", ones(2, 3, 4):transpose(-1, 1), {4, 3, 2})
check.ok(m:size(1) == 2 and m:size(-1) == 3, "size(1) and size(-1)", m:size(1) .. ", " .. m:size(-1))
check.ok(m:dim() == 2 and m.ndim == 2 and m:numel() == 6 and #m == 2, "dim, ndim, numel and # of a matrix")
check.ok(tensor(3):dim() == 0 and tensor(3):numel() == 1, "a number makes a 0-d tensor")

-- ---- indexing, select, narrow ------------------------------------------------------------------
values("x[1] is the first row", m[1], {1, 5, 2})
values("x[-1] is the last row", m[-1], {7, 0, 3})
check.ok(m[2][1]:item() == 7 and m[2][1]:dim() == 0, "x[2][1] is a 0-d tensor holding 7")
check.ok(tensor({4, 5, 6})[3]:item() == 6, "x[3] of a vector")
values("select(x, 2, 3) is the third column", select(m, 2, 3), {2, 3})
values("x:select(1, -1) is the last row", m:select(1, -1), {7, 0, 3})
values("narrow(x, 2, 2, 2) keeps columns 2..3", narrow(m, 2, 2, 2), {{5, 2}, {0, 3}})
values("x:narrow(1, 2, 1) keeps row 2", m:narrow(1, 2, 1), {{7, 0, 3}})
values("arange(10):narrow(1, 3, 4)", arange(10):narrow(1, 3, 4), {2, 3, 4, 5})
check.ok(select("#", "a", "b", "c") == 3 and select(2, "a", "b") == "b", "Lua's select(n, ...) still works")

-- ---- max, min, argmax ------------------------------------------------------------------------------
local v, where = max(tensor({{1, 5}, {7, 2}}), 2)
values("max along dim 2 returns the values", v, {5, 7})
values("and their positions, counted from 1", where, {2, 1})
v, where = min(m, 1)
values("min along dim 1 returns the values", v, {1, 0, 2})
values("and their positions", where, {1, 2, 1})
v, where = max(m, 2, true)
shape("max keepdim keeps the dim", v, {2, 1})
check.ok(max(m):item() == 7 and min(m):item() == 0, "max and min of all elements")
check.ok(select("#", max(m)) == 1, "max of all elements returns one value")
values("max(a, b) of two tensors is elementwise", max(tensor({1, 5}), tensor({3, 2})), {3, 5})
values("min(a, b) of two tensors is elementwise", min(tensor({1, 5}), tensor({3, 2})), {1, 2})
values("maximum(a, number)", maximum(tensor({-1, 2}), 0), {0, 2})
values("argmax along dim 2", argmax(m, 2), {2, 1})
values("argmax along dim -2", argmax(m, -2), {2, 1, 2})
check.ok(argmax(m):item() == 4, "argmax of all is the position in the flattened tensor", argmax(m):item())
check.ok(argmax(tensor({3, 3, 1})):item() == 1, "argmax ties go to the first")

-- ---- creation functions and their shapes ------------------------------------------------------------------
shape("tensor(3) is 0-d", tensor(3), {})
shape("tensor({1, 2})", tensor({1, 2}), {2})
shape("tensor of nested tables", tensor({{1, 2, 3}, {4, 5, 6}}), {2, 3})
shape("tensor of 3 levels", tensor({{{1}, {2}}}), {1, 2, 1})
shape("tensor({}) is empty", tensor({}), {0})
shape("zeros(2, 3)", zeros(2, 3), {2, 3})
shape("zeros({2, 3})", zeros({2, 3}), {2, 3})
shape("zeros() is 0-d", zeros(), {})
values("ones(3)", ones(3), {1, 1, 1})
values("full({2, 2}, 0.5)", full({2, 2}, 0.5), {{0.5, 0.5}, {0.5, 0.5}})
values("full(3, -1)", full(3, -1), {-1, -1, -1})
values("eye(3)", eye(3), {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})
values("eye(2, 3)", eye(2, 3), {{1, 0, 0}, {0, 1, 0}})
values("arange(5) starts at 0 and excludes 5", arange(5), {0, 1, 2, 3, 4})
values("arange(0, 1, 0.25)", arange(0, 1, 0.25), {0, 0.25, 0.5, 0.75})
values("arange(5, 1, -2)", arange(5, 1, -2), {5, 3})
values("linspace(-1, 1, 5) includes both ends", linspace(-1, 1, 5), {-1, -0.5, 0, 0.5, 1})
shape("rand(2, 3)", rand(2, 3), {2, 3})
shape("randn({4})", randn({4}), {4})
shape("var of a matrix", var({{1, 2}}), {1, 2})
local r = rand(1000):totable()
local inside = true
for _, x in ipairs(r) do inside = inside and x >= 0 and x < 1 end
check.ok(inside, "rand lies in [0, 1)")
local copy = tensor(m)
check.ok(same(copy:totable(), m:totable()) and copy.is_leaf, "tensor(x) copies a tensor")
local opt = tensor({1, 2}, {requires_grad = true, name = "w"})
check.ok(opt.requires_grad and opt.name == "w", "tensor options requires_grad and name")
check.ok(is_tensor(m) and not is_tensor(3) and not is_tensor({}), "is_tensor")

-- ---- seeds ---------------------------------------------------------------------------------------------
seed(42)
local a1, b1 = rand(5):totable(), randn(2, 2):totable()
seed(42)
local a2, b2 = rand(5):totable(), randn(2, 2):totable()
check.ok(same(a1, a2) and same(b1, b2), "the same seed gives the same numbers")
seed(43)
check.ok(not same(rand(5):totable(), a1), "another seed gives other numbers")
local n = randn(2000):totable()
local total, squares = 0, 0
for _, x in ipairs(n) do total, squares = total + x, squares + x * x end
local mu, var_ = total / #n, squares / #n - (total / #n) ^ 2
check.ok(math.abs(mu) < 0.1 and math.abs(var_ - 1) < 0.1, "randn has mean 0 and variance 1",
         string.format("mean %.3f, variance %.3f", mu, var_))

-- ---- printing -------------------------------------------------------------------------------------------
local previous = precision(3)
check.ok(tostring(tensor(0.123456)) == "tensor(0.123)", "precision(3) prints 3 significant digits",
         tostring(tensor(0.123456)))
check.ok(precision(9) == 3, "precision(n) returns the previous setting")
check.ok(tostring(tensor(0.593269992107)) == "tensor(0.593269992)", "precision(9) prints 9 digits",
         tostring(tensor(0.593269992107)))
check.ok(precision() == 9, "precision() reads the setting")
precision(previous)
check.ok(tostring(tensor(1 / 3)) == "tensor(0.333333)", "the default precision is 6", tostring(tensor(1 / 3)))
local text = tostring(tensor({{1, -2.5}, {10, 3}}))
check.ok(text == "tensor([[   1, -2.5],\n        [  10,    3]], shape={2, 2})", "printing aligns columns", "\n" .. text)
text = tostring(var({0.1, 0.2}, "w"))
check.ok(text == 'tensor([0.1, 0.2], name="w", shape={2}, requires_grad=true)',
         "a var prints its name and requires_grad", text)
text = tostring(var(2) * 3)
check.ok(text == "tensor(6, grad_fn=mul)", "a result prints its grad_fn", text)
text = tostring(arange(2000))
check.ok(text:find("...", 1, true) and #text < 100 and text:find("1999", 1, true), "a long vector is summarised", text)
text = tostring(zeros(100, 100))
local lines = select(2, text:gsub("\n", "\n")) + 1
check.ok(text:find("...", 1, true) and lines <= 8, "a large matrix is summarised", lines .. " lines")
check.ok(tostring(ones(3, 3)):find("...", 1, true) == nil, "a small matrix is printed whole")

-- ---- gradients: where they are kept ----------------------------------------------------------------------
local x = var(3, "x")
check.ok(x.grad == nil, "x.grad is nil before backward")
check.ok(x.is_leaf and x.requires_grad and x.grad_fn == nil, "a var is a leaf that requires grad")
local h = x * x
local y = h + x
check.ok(not h.is_leaf and h.grad_fn == "mul" and y.grad_fn == "add", "results know their op")
y:backward()
check.ok(x.grad:item() == 7, "dy/dx of x² + x at 3 is 7", tostring(x.grad))
check.ok(h.grad ~= nil and h.grad:item() == 1, "an intermediate node keeps its gradient after backward")
check.ok(y.grad ~= nil and y.grad:item() == 1, "the root keeps dy/dy = 1")
check.ok(rawequal(x.grad, x.grad), "x.grad is the same value each time it is read")
y:backward()
check.ok(x.grad:item() == 14, "a leaf accumulates over two backward calls", tostring(x.grad))
check.ok(h.grad:item() == 1, "an intermediate node does not accumulate")
x:zero_grad()
check.ok(x.grad == nil, "zero_grad clears the gradient")
y:backward()
check.ok(x.grad:item() == 7, "after zero_grad backward starts from zero")
x.grad = nil
check.ok(x.grad == nil, "x.grad = nil clears it too")

-- the note on stderr when leaves accumulate
local gradcalc = os.getenv("GRADCALC")
if gradcalc then
    local pipe = io.popen("'" .. gradcalc .. "' -e 'w = var(2, \"w\"); y = w * w; y:backward(); "
                          .. "y:backward(); print(w.grad:item())' 2>&1")
    local out = pipe:read("a")
    pipe:close()
    check.ok(out:find("note:", 1, true) and out:find("w", 1, true) and out:find("accumulate", 1, true),
             "a second backward prints a note naming the leaf", out)
    check.ok(out:find("8", 1, true) ~= nil, "and the gradient accumulated to 8", out)
    pipe = io.popen("'" .. gradcalc .. "' -e 'w = var(2); y = w * w; y:backward(); w:zero_grad(); "
                    .. "y:backward()' 2>&1")
    out = pipe:read("a")
    pipe:close()
    check.ok(not out:find("note:", 1, true), "no note after zero_grad", out)
else
    check.ok(false, "the accumulation note", "GRADCALC is not set")
end

-- backward with a gradient for a many-element result
local w = var({1, 2, 3})
local sq = w * w
sq:backward(tensor({1, 10, 100}))
values("backward(grad) weights the gradient", w.grad, {2, 40, 600})
local w2 = var({1, 2})
;(w2 * 3):backward({1, 1})
values("backward accepts a table as the gradient", w2.grad, {3, 3})

-- broadcast gradients land in the input's shape
local b = var({1, 2, 3})
sum(ones(4, 3) * b):backward()
values("a broadcast input gets its gradient summed to its shape", b.grad, {4, 4, 4})

-- ---- no_grad, detach, requires_grad, name --------------------------------------------------------------------
local p = var({1, 2})
local q, extra = no_grad(function(k) return p * k, "second" end, 3)
check.ok(q.grad_fn == nil and not q.requires_grad and extra == "second", "no_grad records nothing and returns the results")
values("no_grad still computes", q, {3, 6})
check.ok((p * 2).grad_fn == "mul", "recording is back on after no_grad")
local okcall = pcall(no_grad, function() error("inside") end)
check.ok(not okcall and (p * 2).grad_fn == "mul", "recording is back on after an error inside no_grad")
local d = (p * 2):detach()
check.ok(d.is_leaf and not d.requires_grad and d.grad_fn == nil, "detach gives a leaf without history")
values("detach keeps the values", d, {2, 4})
local z = var({1, 2})
local through = sum(z * (z * 5):detach())
through:backward()
values("gradients stop at detach", z.grad, {5, 10})
local leaf = tensor({1, 2})
check.ok(not leaf.requires_grad, "tensor() does not require grad by default")
leaf.requires_grad = true
check.ok(leaf.requires_grad and (leaf * 2).requires_grad, "requires_grad is settable on a leaf")
leaf.requires_grad = false
check.ok(not (leaf * 2).requires_grad, "and can be switched off")
check.ok(ones(2):requires_grad_().requires_grad, "x:requires_grad_() turns it on and returns x")
check.ok(not pcall(function() (var(1) * 2).requires_grad = true end), "requires_grad is not settable on a result")
local named = ones(2)
named.name = "bias"
check.ok(named.name == "bias" and tostring(named):find('name="bias"', 1, true), "name is settable and printed")
named.name = nil
check.ok(named.name == nil and not tostring(named):find("name=", 1, true), "name = nil removes it")
check.ok(var(1, "w1").name == "w1", "var(data, name) names the leaf")
do  -- a name held only by the call survives a collection while the data is converted
    local big = {}
    for i = 1, 500000 do big[i] = i end
    local good = true
    for i = 1, 3 do good = good and var(big, "weight " .. i .. string.rep("!", 40)).name:sub(1, 8) == "weight " .. i end
    check.ok(good, "var(big table, built name) keeps the name")
end

-- ---- in-place updates --------------------------------------------------------------------------------------------
local t = tensor({1, 2, 3})
check.ok(rawequal(t:add_(1), t), "add_ returns x itself")
values("add_", t, {2, 3, 4})
t:sub_(tensor({1, 1, 1}), 2)
values("sub_ with alpha", t, {0, 1, 2})
t:mul_(3)
values("mul_", t, {0, 3, 6})
t:fill_(7)
values("fill_", t, {7, 7, 7})
t:copy_({1, 2, 3})
values("copy_ from a table", t, {1, 2, 3})
t:zero_()
values("zero_", t, {0, 0, 0})
local wv = var({1, 2})
no_grad(function() wv:sub_(0.5 * wv) end)
check.ok(wv.is_leaf and wv.grad_fn == nil, "an in-place update is never recorded")
values("x:clone() copies", wv:clone(), {0.5, 1})

-- ---- methods and functions are the same ----------------------------------------------------------------------------
check.ok(m:sum():item() == sum(m):item() and m:mean(2):totable()[1] == mean(m, 2):totable()[1],
         "x:sum() and sum(x) agree")
values("x:sigmoid() is sigmoid(x)", tensor({0}):sigmoid(), {0.5})
values("x.T is the transpose", m.T, {{1, 7}, {5, 0}, {2, 3}})
values("x:t() is the transpose", m:t(), {{1, 7}, {5, 0}, {2, 3}})
values("reshape(x, 3, 2)", reshape(m, 3, 2), {{1, 5}, {2, 7}, {0, 3}})
values("x:reshape({-1})", m:reshape({-1}), {1, 5, 2, 7, 0, 3})
values("flatten", flatten(m), {1, 5, 2, 7, 0, 3})
values("cat along dim 1 by default", cat({ones(1, 2), zeros(1, 2)}), {{1, 1}, {0, 0}})
values("cat along dim 2", cat({ones(1, 2), zeros(1, 1)}, 2), {{1, 1, 0}})
shape("stack makes a new dim 1", stack({ones(2), zeros(2)}), {2, 2})
shape("stack along dim 2", stack({ones(3), zeros(3)}, 2), {3, 2})
check.ok((2 * tensor(3)):item() == 6 and (1 - tensor(3)):item() == -2, "numbers on the left of an operator")
values("pow with a number", tensor({2, 3}) ^ 2, {4, 9})
values("unary minus", -tensor({1, -2}), {-1, 2})
local dotted, product = pcall(dot, tensor({1, 2}), tensor({3, 4}))
check.ok(dotted and is_tensor(product) and product:item() == 11, "dot(a, b) is the dot product", tostring(product))
check.ok(tensor({1, 2}):dot(tensor({3, 4})):item() == 11, "a:dot(b) is the dot product")
values("matmul of a matrix and a vector", matmul(tensor({{1, 2}, {3, 4}}), tensor({1, 1})), {3, 7})
check.ok(math.abs(mse(tensor({0.75, 0.77}), {0.01, 0.99}):item() - (0.74 ^ 2 + 0.22 ^ 2) / 2) < 1e-15,
         "mse takes a table as the target")

-- dot is the product; the Graphviz export has its own name, todot
check.ok(_G.gradcalc._docs.dot.formula == "Σᵢ aᵢbᵢ" and _G.gradcalc._docs.dot.derivative:find("b", 1, true),
         "help(dot) shows the dot product's formula and derivative", _G.gradcalc._docs.dot.formula)
do
    local e = sum(var({1, 2}) * 3)
    local text = todot(e)
    check.ok(type(text) == "string" and text:find("digraph", 1, true) ~= nil, "todot(E) returns DOT text")
    check.ok(dot(e) == text, "dot(E) still gives the same DOT text as todot(E)")
end
-- max(x) at a tie shares the gradient, as PyTorch gives [0, 0.5, 0.5]
do
    local x = var({0, 1, 1})
    max(x):backward()
    local g = x.grad:totable()
    check.ok(g[1] == 0 and g[2] == 0.5 and g[3] == 0.5, "max(x) at a tie shares the gradient evenly, as PyTorch")
    local z = var({{1, 5}, {5, 5}})
    local v = max(z, 2)
    sum(v):backward()
    local gz = z.grad:totable()
    check.ok(gz[2][1] == 1 and gz[2][2] == 0, "max(x, dim) at a tie sends the gradient to the position it returns")
end
check.done()
