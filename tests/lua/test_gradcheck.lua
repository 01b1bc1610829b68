-- test_gradcheck.lua - every op's backward against finite differences.
--
-- For each case, f(inputs...) is reduced to one number with fixed random
-- weights, L = sum(f(...) * W), so every element of the result counts with
-- its own weight. backward() gives the analytic dL/dx; the central
-- difference (L(x + h) − L(x − h)) / 2h, element by element, gives the
-- numeric one. Both are float64; they must agree to about 1e-6 relative.
-- Ops with kinks (relu, abs, max, ...) are checked away from the kinks.
local check = dofile("tests/lua/check.lua")

seed(20240601)
local gc = dofile("tests/lua/gradcheck_lib.lua")(check)
local gradcheck, rnd, away, flat, set_flat = gc.gradcheck, gc.rnd, gc.away, gc.flat, gc.set_flat
local seen_ops, H = gc.seen_ops, gc.H

-- ---- elementwise binary ops, on broadcast shapes ----------------------------------

local shapes = {
    {"[2, 3] with [2, 3]", {2, 3}, {2, 3}},
    {"[2, 3] with [3]", {2, 3}, {3}},
    {"[2, 1] with [1, 3]", {2, 1}, {1, 3}},
    {"scalar with [2, 3]", {}, {2, 3}},
    {"[2, 3] with scalar", {2, 3}, {}},
    {"[2, 1, 3] with [4, 1]", {2, 1, 3}, {4, 1}},
}
for _, s in ipairs(shapes) do
    local label, sa, sb = s[1], s[2], s[3]
    gradcheck("add " .. label, function(a, b) return a + b end, {rnd(sa), rnd(sb)})
    gradcheck("sub " .. label, function(a, b) return a - b end, {rnd(sa), rnd(sb)})
    gradcheck("mul " .. label, function(a, b) return a * b end, {rnd(sa), rnd(sb)})
    gradcheck("div " .. label, function(a, b) return a / b end, {rnd(sa), rnd(sb, 0.5, 2)})
    gradcheck("pow with a tensor exponent " .. label, function(a, b) return a ^ b end,
              {rnd(sa, 0.5, 2), rnd(sb, -1.5, 1.5)})
    -- maximum/minimum: independent draws of the fixed seed lie far apart
    -- compared with h, so no difference step crosses a tie.
    gradcheck("maximum " .. label, function(x, y) return maximum(x, y) end, {rnd(sa), rnd(sb)})
    gradcheck("minimum " .. label, function(x, y) return minimum(x, y) end, {rnd(sa), rnd(sb)})
end
gradcheck("add with a constant tensor", function(a, b) return a + b end, {rnd({2, 3}), rand(3)})
gradcheck("mul with a number on the left", function(a) return 3 * a end, {rnd({2, 2})})
gradcheck("sub from a number", function(a) return 1 - a end, {rnd({3})})
gradcheck("div of a number", function(a) return 2 / a end, {rnd({3}, 0.5, 2)})
gradcheck("pow(x, 2) of negative numbers", function(a) return a ^ 2 end, {rnd({2, 3})})
gradcheck("pow(x, 3)", function(a) return pow(a, 3) end, {rnd({4})})
gradcheck("pow(x, 0.5)", function(a) return a ^ 0.5 end, {rnd({4}, 0.5, 2)})
gradcheck("pow(x, -2)", function(a) return a ^ -2 end, {rnd({4}, 0.5, 2)})
gradcheck("pow(2, x) (number base)", function(b) return pow(2, b) end, {rnd({3})})
gradcheck("max(a, b) of two tensors is maximum", function(a, b) return max(a, b) end,
          {rnd({2, 3}), rnd({3})})
gradcheck("min(a, b) of two tensors is minimum", function(a, b) return min(a, b) end,
          {rnd({2, 3}), rnd({3})})
gradcheck("a tensor used twice: a * a", function(a) return a * a end, {rnd({3})})

-- ---- elementwise unary ops ----------------------------------------------------------

for _, shape in ipairs({{2, 3}, {}, {2, 2, 2}}) do
    local label = "[" .. table.concat(shape, ", ") .. "]"
    gradcheck("neg " .. label, function(a) return -a end, {rnd(shape)})
    gradcheck("neg() " .. label, function(a) return neg(a) end, {rnd(shape)})
    gradcheck("exp " .. label, function(a) return exp(a) end, {rnd(shape, -2, 2)})
    gradcheck("log " .. label, function(a) return log(a) end, {rnd(shape, 0.2, 3)})
    gradcheck("sqrt " .. label, function(a) return sqrt(a) end, {rnd(shape, 0.2, 3)})
    gradcheck("abs " .. label, function(a) return abs(a) end, {away(shape, 0.05)})
    gradcheck("sigmoid " .. label, function(a) return sigmoid(a) end, {rnd(shape, -4, 4)})
    gradcheck("tanh " .. label, function(a) return tanh(a) end, {rnd(shape, -2, 2)})
    gradcheck("relu " .. label, function(a) return relu(a) end, {away(shape, 0.05)})
    gradcheck("leaky_relu " .. label, function(a) return leaky_relu(a) end, {away(shape, 0.05)})
    gradcheck("leaky_relu slope 0.2 " .. label, function(a) return leaky_relu(a, 0.2) end,
              {away(shape, 0.05)})
end
gradcheck("sigmoid of large inputs", function(a) return sigmoid(a) end, {var({-30, -8, 8, 30})})
gradcheck("exp(log(x)) composed", function(a) return exp(log(a)) * sqrt(a) end, {rnd({3}, 0.5, 2)})

-- ---- reductions --------------------------------------------------------------------

for _, shape in ipairs({{6}, {2, 3}, {2, 3, 4}}) do
    local label = "[" .. table.concat(shape, ", ") .. "]"
    for _, op in ipairs({{"sum", sum}, {"mean", mean}, {"max", max}, {"min", min}}) do
        local name, fn = op[1], op[2]
        gradcheck(name .. " of all " .. label, function(a) return fn(a) end, {rnd(shape)})
        for d = 1, #shape do
            gradcheck(name .. " along dim " .. d .. " " .. label,
                      function(a) return (fn(a, d)) end, {rnd(shape)})
            gradcheck(name .. " along dim " .. d .. " keepdim " .. label,
                      function(a) return (fn(a, d, true)) end, {rnd(shape)})
        end
        gradcheck(name .. " along dim -1 " .. label, function(a) return (fn(a, -1)) end, {rnd(shape)})
    end
end
gradcheck("x:sum(2) as a method", function(a) return a:sum(2) end, {rnd({2, 3})})
gradcheck("x:mean() as a method", function(a) return a:mean() end, {rnd({2, 3})})

-- ---- softmax and log_softmax along each dim ------------------------------------------

for _, shape in ipairs({{4}, {2, 3}, {2, 3, 4}}) do
    local label = "[" .. table.concat(shape, ", ") .. "]"
    for d = 1, #shape do
        gradcheck("softmax along dim " .. d .. " " .. label, function(a) return softmax(a, d) end,
                  {rnd(shape, -2, 2)})
        gradcheck("log_softmax along dim " .. d .. " " .. label,
                  function(a) return log_softmax(a, d) end, {rnd(shape, -2, 2)})
    end
    gradcheck("softmax default dim " .. label, function(a) return softmax(a) end, {rnd(shape, -2, 2)})
    gradcheck("log_softmax dim -1 " .. label, function(a) return log_softmax(a, -1) end,
              {rnd(shape, -2, 2)})
end

-- ---- matmul and dot ---------------------------------------------------------------------

local products = {
    {"1d @ 1d", {3}, {3}},
    {"2d @ 1d", {2, 3}, {3}},
    {"1d @ 2d", {3}, {3, 2}},
    {"2d @ 2d", {2, 3}, {3, 4}},
    {"batched 3d @ 3d", {2, 2, 3}, {2, 3, 2}},
    {"broadcast 3d @ 2d", {2, 2, 3}, {3, 2}},
    {"broadcast 2d @ 3d", {2, 3}, {2, 3, 2}},
    {"broadcast batch [2, 1] @ [3]", {2, 1, 2, 3}, {3, 3, 2}},
    {"3d @ 1d", {2, 2, 3}, {3}},
}
for _, p in ipairs(products) do
    gradcheck("matmul " .. p[1], function(a, b) return matmul(a, b) end, {rnd(p[2]), rnd(p[3])})
end
gradcheck("a:matmul(b) with a constant", function(a, b) return a:matmul(b) end, {rnd({2, 3}), rand(3, 2)})
gradcheck("dot", function(a, b) return dot(a, b) end, {rnd({4}), rnd({4})})

-- ---- shape ops ----------------------------------------------------------------------------

gradcheck("transpose 2d", function(a) return transpose(a, 1, 2) end, {rnd({2, 3})})
gradcheck("transpose 3d dims 1 and 3", function(a) return transpose(a, 1, 3) end, {rnd({2, 3, 4})})
gradcheck("transpose 3d dims -1 and 2", function(a) return a:transpose(-1, 2) end, {rnd({2, 3, 4})})
gradcheck("t", function(a) return a:t() end, {rnd({2, 3})})
gradcheck(".T", function(a) return a.T * 1 end, {rnd({3, 2})})
gradcheck("reshape", function(a) return reshape(a, 3, 2) end, {rnd({2, 3})})
gradcheck("reshape with -1", function(a) return a:reshape({-1, 4}) end, {rnd({2, 3, 4})})
gradcheck("flatten", function(a) return flatten(a) end, {rnd({2, 3})})
gradcheck("select dim 1", function(a) return select(a, 1, 2) end, {rnd({3, 4})})
gradcheck("select dim 2, index -1", function(a) return a:select(2, -1) end, {rnd({3, 4})})
gradcheck("select dim 3 of 3d", function(a) return select(a, 3, 2) end, {rnd({2, 3, 4})})
gradcheck("narrow dim 1", function(a) return narrow(a, 1, 2, 2) end, {rnd({4, 3})})
gradcheck("narrow dim 2", function(a) return a:narrow(2, 1, 2) end, {rnd({3, 4})})
gradcheck("x[i]", function(a) return a[2] end, {rnd({3, 4})})
gradcheck("x[-1]", function(a) return a[-1] end, {rnd({3, 4})})
gradcheck("x[i][j]", function(a) return a[2][3] end, {rnd({3, 4})})
gradcheck("x[i] of a vector", function(a) return a[3] * a[1] end, {rnd({4})})
gradcheck("cat dim 1", function(a, b) return cat({a, b}) end, {rnd({2, 3}), rnd({1, 3})})
gradcheck("cat dim 2", function(a, b) return cat({a, b}, 2) end, {rnd({2, 3}), rnd({2, 2})})
gradcheck("cat with a constant", function(a, b) return cat({a, b, a}, -1) end, {rnd({2, 2}), rand(2, 1)})
gradcheck("stack dim 1", function(a, b) return stack({a, b}) end, {rnd({2, 3}), rnd({2, 3})})
gradcheck("stack dim 2", function(a, b) return stack({a, b}, 2) end, {rnd({2, 3}), rnd({2, 3})})
gradcheck("stack dim 3", function(a, b) return stack({a, b}, 3) end, {rnd({2, 3}), rnd({2, 3})})
gradcheck("stack dim -1 of vectors", function(a, b) return stack({a, b}, -1) end, {rnd({3}), rnd({3})})

-- ---- losses ---------------------------------------------------------------------------------

gradcheck("mse vector", function(p, t) return mse(p, t) end, {rnd({4}), rnd({4})})
gradcheck("mse matrix", function(p, t) return mse(p, t) end, {rnd({2, 3}), rnd({2, 3})})
gradcheck("mse against a constant", function(p, t) return mse(p, t) end, {rnd({3}), rand(3)})
gradcheck("bce", function(p, t) return bce(p, t) end, {rnd({4}, 0.1, 0.9), rnd({4}, 0, 1)})
gradcheck("bce matrix, 0/1 targets", function(p, t) return bce(p, t) end,
          {rnd({2, 3}, 0.1, 0.9), tensor({{0, 1, 1}, {1, 0, 0}})})
gradcheck("bce after sigmoid", function(z, t) return bce(sigmoid(z), t) end,
          {rnd({3}, -2, 2), tensor({1, 0, 1})})
gradcheck("cross_entropy [N, C]", function(z, y) return cross_entropy(z, y) end,
          {rnd({3, 4}, -2, 2), tensor({2, 4, 1})})
gradcheck("cross_entropy one sample [C]", function(z, y) return cross_entropy(z, y) end,
          {rnd({5}, -2, 2), tensor({3})})
gradcheck("cross_entropy with a table of labels", function(z) return cross_entropy(z, {1, 2}) end,
          {rnd({2, 3}, -2, 2)})
gradcheck("nll [N, C]", function(a, y) return nll(a, y) end, {rnd({3, 4}, -2, 0), tensor({2, 4, 1})})
gradcheck("nll of log_softmax", function(z, y) return nll(log_softmax(z), y) end,
          {rnd({3, 4}, -2, 2), tensor({1, 3, 3})})

for _, r in ipairs({"sum", "none"}) do  -- "none" is reduced by gradcheck's own weighted sum
    local o = {reduction = r}
    gradcheck("mse reduction " .. r, function(p, t) return mse(p, t, o) end, {rnd({2, 3}), rnd({2, 3})})
    gradcheck("bce reduction " .. r, function(p, t) return bce(p, t, o) end, {rnd({4}, 0.1, 0.9), rnd({4}, 0, 1)})
    gradcheck("cross_entropy reduction " .. r, function(z) return cross_entropy(z, {2, 4, 1}, o) end,
              {rnd({3, 4}, -2, 2)})
    gradcheck("nll reduction " .. r, function(a) return nll(a, {2, 4, 1}, o) end, {rnd({3, 4}, -2, 0)})
end

-- ---- a small network, end to end --------------------------------------------------------------

gradcheck("two-layer network with mse", function(x, w1, b1, w2, b2, t)
    local h = sigmoid(matmul(x, w1) + b1)
    return mse(tanh(matmul(h, w2) + b2), t)
end, {rnd({4, 3}), rnd({3, 5}), rnd({5}), rnd({5, 2}), rnd({2}), rand(4, 2)})
gradcheck("classifier with relu and cross_entropy", function(x, w, b)
    return cross_entropy(matmul(relu(x), w) + b, {1, 3})
end, {away({2, 4}, 0.05), rnd({4, 3}), rnd({3})})

-- ---- every elementwise op of the op table, on inputs in its domain ---------------------------
-- Every elementwise op of the table is checked here with no edit of this
-- file: on inputs in [0.2, 3), where every op is defined and away from
-- every kink, on equal shapes and with broadcasting.

for _, op in ipairs(gradcalc._ops) do
    if op.elementwise then
        local f = gradcalc[op.name]
        if op.inputs == 2 then
            gradcheck(op.name .. " (from the op table) [2, 3] with [3]", f,
                      {rnd({2, 3}, 0.2, 3), rnd({3}, 0.2, 3)})
        else
            gradcheck(op.name .. " (from the op table) [2, 3]", f, {rnd({2, 3}, 0.2, 3)})
            gradcheck(op.name .. " (from the op table) scalar", f, {rnd({}, 0.2, 3)})
        end
    end
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

-- ---- a custom op: the learner's forward and backward -----------------------------------------

local mysig = custom{name = "mysig",
    forward = function(ctx, a) local y = sigmoid(a); ctx:save(y); return y end,
    backward = function(ctx, g) local y = ctx.saved[1]; return g * y * (1 - y) end}
gradcheck("a custom sigmoid", function(a) return mysig(a) end, {rnd({2, 3}, -3, 3)})

-- ---- the image, normalisation and masking ops (their own file, the same check) -----------------

dofile("tests/lua/gradcheck_images.lua")(check, gc)

-- ---- the sequence ops and modules (their own file, the same check) -----------------------------------

dofile("tests/lua/gradcheck_sequences.lua")(check, gc)

-- ---- every op with a backward was checked ------------------------------------------------------

local missing = {}
for _, op in ipairs(gradcalc._ops) do
    if not seen_ops[op.name] then missing[#missing + 1] = op.name end
end
check.ok(#missing == 0, "gradcheck covered every op with a backward", "not seen: " .. table.concat(missing, ", "))

check.done()
