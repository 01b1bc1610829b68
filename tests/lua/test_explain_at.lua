-- test_explain_at.lua - explain(L, V, {at={i, j}}): the chain rule for one
-- element. For each family of ops the value the first line ends with is
-- V.grad's element exactly (printed with 17 digits), the terms of a small
-- matrix product are checked against a plain-Lua computation, long sums
-- fold, and bad at= inputs give errors that say what to change.
local check = dofile("tests/lua/check.lua")

-- The text of explain(L, V, {at=at}), with 17 digits unless told.
local function text_of(L, V, at, precision)
    return explain(L, V, {at = at, print = false, precision = precision or 17})
end

-- The number the first line ends with: "∂L/∂W[1,2] = … = 0.15696".
local function final(text)
    local first = text:match("^[^\n]*")
    return tonumber(first:match(" = ([^ ]+)$"))
end

local function element(t, at)
    local v = t:totable()
    for _, i in ipairs(at) do v = v[i] end
    return v
end

-- explain's final value is V.grad[at], bit for bit, and no line says the
-- terms disagree with the gradient.
local function same_as_grad(L, V, at, name)
    local text = text_of(L, V, at)
    local want = element(V.grad, at)
    check.ok(final(text) == want, name .. ": the value is " .. V.name .. ".grad's",
             string.format("grad %.17g, text:\n%s", want, text))
    check.ok(not text:find("note:", 1, true), name .. ": the terms add up to the gradient", text)
    local short = text_of(L, V, at, 6) -- and at the usual precision
    check.ok(math.abs(final(short) - want) <= 5e-6 * math.abs(want) + 1e-300,
             name .. ": 6 digits round the gradient", short)
    return text
end

-- ---- a two-layer network: matmul (both operands), a broadcast bias, relu, mse ----
do
    local X = var({{0.5, 0.2}, {0.1, -0.4}, {0.3, 0.8}}, "X")
    local W1 = var({{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}}, "W1")
    local b1 = var({0.01, 0.02, 0.03}, "b1")
    local W2 = var({{0.2}, {-0.3}, {0.5}}, "W2")
    local y = tensor({{1}, {0}, {1}}, {name = "y"})
    local Z1 = matmul(X, W1) + b1
    Z1.name = "Z1"
    local H = relu(Z1)
    H.name = "H"
    local out = matmul(H, W2)
    out.name = "out"
    local L = mse(out, y)
    L.name = "L"
    L:backward()
    for _, at in ipairs({{1, 1}, {1, 2}, {2, 3}}) do same_as_grad(L, W1, at, "W1 at " .. table.concat(at, ",")) end
    local text = same_as_grad(L, b1, {3}, "bias b1[3]")
    check.ok(text:find("∂L/∂b1[3] = Σₙ ∂L/∂", 1, true) ~= nil, "a bias sums over the broadcast rows", text)
    same_as_grad(L, X, {2, 1}, "matmul's left operand X[2,1]")
    text = same_as_grad(L, W2, {2, 1}, "W2[2,1]")
    check.ok(text:find("Σₙ H[n,2] × ∂L/∂out[n,1]", 1, true) ~= nil, "∂L/∂W2 = Hᵀ @ δ, one element", text)
    text = text_of(L, W1, {1, 2}, 6)
    check.ok(text:find("where, up the chain to L:", 1, true) ~= nil, "the chain goes on up to L", text)
    check.ok(text:find("relu′(Z1[", 1, true) ~= nil, "relu's step is written", text)
    check.ok(text:find("2×(out[1,1] − y[1,1])/3 = 2×(", 1, true) ~= nil, "mse's term with numbers", text)
    check.ok(not text:find("·", 1, true), "no · in element chains", text)
end

-- ---- the terms of a small product, against plain Lua ----------------------------------
do
    local Xv = {{0.5, 0.2}, {0.1, -0.4}, {0.3, 0.8}}
    local Wv = {{0.1, -0.2}, {0.4, 0.5}}
    local yv = {{1, 0}, {0, 1}, {1, 1}}
    local X = tensor(Xv, {name = "X"})
    local W = var(Wv, "W")
    local P = matmul(X, W)
    P.name = "P"
    local L = mse(P, tensor(yv, {name = "y"}))
    L.name = "L"
    L:backward()
    -- by hand: P = X W, δ = 2 (P − y) / 6, ∂L/∂W[1,2] = Σₙ X[n,1] δ[n,2]
    local terms, total = {}, 0
    for n = 1, 3 do
        local p = Xv[n][1] * Wv[1][2] + Xv[n][2] * Wv[2][2]
        local delta = 2 * (p - yv[n][2]) / 6
        terms[n] = {Xv[n][1], delta}
        total = total + Xv[n][1] * delta
    end
    local text = text_of(L, W, {1, 2})
    local first = text:match("^[^\n]*")
    check.ok(first:find("∂L/∂W[1,2] = Σₙ X[n,1] × ∂L/∂P[n,2] = ", 1, true) == 1, "the rule names X and P", first)
    local got = {}
    local sums = first:match("∂L/∂P%[n,2%] = (.-) = [^=]*$")
    for a, b in (sums or ""):gmatch("%(?([%-%d%.e]+)%)?×%(?([%-%d%.e]+)%)?") do
        got[#got + 1] = {tonumber(a), tonumber(b)}
    end
    check.ok(#got == 3, "three terms, one per row of X", first)
    for n = 1, math.min(#got, 3) do
        check.near(got[n][1], terms[n][1], 1e-15, "term " .. n .. ": X[" .. n .. ",1]")
        check.near(got[n][2], terms[n][2], 1e-12, "term " .. n .. ": ∂L/∂P[" .. n .. ",2] = 2(P − y)/6")
    end
    check.near(final(text), total, 1e-12, "the sum of the terms, by hand")
end

-- ---- vector forms and batches of matmul -------------------------------------------------
do
    local v = var({0.5, -1, 2}, "v")
    local M = var({{1, 2}, {3, 4}, {5, 6}}, "M")
    local r = matmul(v, M)
    r.name = "r"
    local u = var({0.3, 0.7}, "u")
    local s = matmul(matmul(M, u), v) * matmul(r, u)
    s.name = "s"
    s:backward()
    same_as_grad(s, v, {3}, "vector @ matrix, the vector")
    same_as_grad(s, M, {2, 1}, "matrix used twice (vector on either side)")
    same_as_grad(s, u, {2}, "matrix @ vector and a dot product")
    local A = var({{{0.1, 0.2, 0.3}, {0.4, -0.5, 0.6}}, {{0.7, 0.8, -0.9}, {1, 1.1, 1.2}}}, "A")
    local B = var({{1, -1}, {2, 0.5}, {-0.3, 0.2}}, "B")
    local C = matmul(A, B)
    C.name = "C"
    local E = sum(C * C)
    E.name = "E"
    E:backward()
    local text = same_as_grad(E, B, {3, 2}, "batched: the broadcast matrix")
    check.ok(text:find("Σₘₙ A[m,n,3] × ∂E/∂C[m,n,2]", 1, true) ~= nil, "a broadcast batch is summed over", text)
    text = same_as_grad(E, C, {1, 2, 2}, "a node used twice (C × C)")
    check.ok(text:find("the sum over its 2 uses", 1, true) and text:find("(as operand 2)", 1, true),
             "x × x names each operand's share", text)
    same_as_grad(E, A, {2, 1, 3}, "batched: the batch operand")
end

-- every element of both operands, for each pairing of shapes matmul takes
do
    seed(5)
    local function each_index(shape, f, at, d)
        at, d = at or {}, d or 1
        if d > #shape then return f(at) end
        for i = 1, shape[d] do
            at[d] = i
            each_index(shape, f, at, d + 1)
        end
        at[d] = nil
    end
    local pairs_of = {{{3}, {3}}, {{3}, {3, 2}}, {{2, 3}, {3}}, {{2, 2, 3}, {3}}, {{3}, {2, 3, 2}},
                      {{2, 1, 2, 3}, {4, 3, 2}}, {{2, 3}, {4, 3, 2}}, {{1, 2, 3}, {2, 3, 1}}}
    for _, sh in ipairs(pairs_of) do
        local A = var(randn(table.unpack(sh[1])), "A")
        local B = var(randn(table.unpack(sh[2])), "B")
        local C = matmul(A, B)
        C.name = "C"
        local E = sum(C * C)
        E.name = "E"
        E:backward()
        local bad = {}
        for _, V in ipairs({A, B}) do
            each_index(V.shape, function(at)
                local ok, text = pcall(text_of, E, V, at)
                if not ok or final(text) ~= element(V.grad, at) or text:find("note:", 1, true) then
                    bad[#bad + 1] = V.name .. "[" .. table.concat(at, ",") .. "]: " .. tostring(text)
                end
            end)
        end
        check.ok(#bad == 0, "matmul " .. table.concat(sh[1], "×") .. " @ " .. table.concat(sh[2], "×")
                 .. ": every element's value is its gradient", bad[1])
    end
    -- grouped, strided, padded convolutions: every element of w and x
    local configs = {{x = {2, 4, 5, 5}, w = {6, 2, 3, 2}, o = {groups = 2, stride = {2, 1}, padding = {1, 0}}},
                     {x = {3, 4, 4}, w = {2, 3, 2, 2}, o = {dilation = 2, padding = 1}}}
    for n, c in ipairs(configs) do
        local x = var(randn(table.unpack(c.x)), "x")
        local w = var(randn(table.unpack(c.w)), "w")
        local b = var(randn(c.w[1]), "b")
        local y = conv2d(x, w, b, c.o)
        y.name = "y"
        local L = sum(y * y)
        L.name = "L"
        L:backward()
        local bad = {}
        for _, V in ipairs({x, w, b}) do
            each_index(V.shape, function(at)
                local ok, text = pcall(text_of, L, V, at)
                if not ok or final(text) ~= element(V.grad, at) or text:find("note:", 1, true) then
                    bad[#bad + 1] = V.name .. "[" .. table.concat(at, ",") .. "]: " .. tostring(text)
                end
            end)
        end
        check.ok(#bad == 0, "conv2d configuration " .. n .. ": every element's value is its gradient", bad[1])
    end
end

-- ---- elementwise ops with broadcasting, several uses ---------------------------------------
do
    local a = var({1.5, -2, 0.5}, "a")
    local x = tensor({3, 4, 5}, {name = "x"})
    local t3 = a * x
    t3.name = "t3"
    local t5 = a + 1
    t5.name = "t5"
    local y = sum(t3 * t5 / (a - 3) + (2 - a) ^ 2)
    y.name = "y"
    y:backward()
    local text = same_as_grad(y, a, {2}, "a used by four nodes")
    check.ok(text:find("the sum over its 4 uses", 1, true) and text:find("via t3 = ", 1, true), "each use has its share", text)
    local m = var({{1, 2, 3}, {4, 5, 6}}, "m")
    local c = var({0.5, -1, 2}, "c")
    local k = var({{2}, {3}}, "k")
    local F = sum(exp(m * 0.1 - c) * k)
    F.name = "F"
    F:backward()
    same_as_grad(F, m, {2, 3}, "exp of a broadcast sum")
    same_as_grad(F, c, {2}, "a row subtracted from each row")
    text = same_as_grad(F, k, {2, 1}, "a column multiplied into each column")
    check.ok(text:find("Σₙ ∂F/∂", 1, true) ~= nil, "a broadcast column sums over its columns", text)
end

-- ---- a tensor with many uses: the shares fold, the value stays x.grad's --------------------
do
    local x = var({0.1, 0.2, 0.3}, "x")
    local h = x
    for _ = 1, 20 do h = tanh(h * 1.1 + x) end
    local L = sum(h)
    L.name = "L"
    L:backward()
    local text = same_as_grad(L, x, {2}, "21 uses")
    check.ok(text:find("the sum over its 21 uses = ", 1, true) and text:find("… (21 uses)", 1, true)
             and text:find("… and 15 more uses", 1, true), "21 uses fold", text)
    check.ok(select(2, text:gsub("\n", "")) <= 70, "a long chain is cut short", text)
end

-- scalars, a node used twice, and a second backward that accumulates
do
    local a, b = var(2, "a"), var(3, "b")
    local L = a * b - b
    L.name = "L"
    L:backward()
    same_as_grad(L, a, {}, "a scalar product")
    local text = same_as_grad(L, b, {}, "a scalar used twice")
    check.ok(text:find("via a·b: ", 1, true) or text:find("via a×b: ", 1, true), "an inlined use is named by its formula", text)
    local c = var({5}, "c")
    local M = sum(c * c) * 2
    M.name = "M"
    M:backward()
    same_as_grad(M, c, {1}, "c × c")
    M:backward()
    text = text_of(M, c, {1}, 6)
    check.ok(text:find("the sum over its 2 uses = 10 + 10 = 20\n", 1, true) ~= nil
             and text:find("note: c.grad holds 40 here, not 20", 1, true) ~= nil,
             "accumulated: the shares add to this backward's gradient, and the note says so", text)
end

-- ---- reductions --------------------------------------------------------------------------
do
    local m = var({{1, 3, 5}, {2, 5, 0}}, "m")
    local L = max(m) * 2 + min(m) + sum(mean(m, 1)) + sum((max(m, 2))) + mean(sum(m, 2) * tensor({1, 2}))
    L.name = "L"
    L:backward()
    local text = same_as_grad(L, m, {1, 3}, "max tied between two elements")
    check.ok(text:find("2 elements tie for the max", 1, true) ~= nil, "a tie shares the gradient", text)
    same_as_grad(L, m, {2, 2}, "max tie, the other element, along a dim the second of a row")
    same_as_grad(L, m, {2, 3}, "min")
    same_as_grad(L, m, {1, 1}, "an element that wins nothing")
    text = same_as_grad(L, m, {2, 1}, "max along dim 2: the winner")
    check.ok(text:find("is the max along dim 2", 1, true) ~= nil or text:find("is not the max along dim 2", 1, true) ~= nil,
             "max along a dim says who won", text)
end

-- ---- softmax and log_softmax -------------------------------------------------------------
do
    local z = var({{1.0, 2.0, 0.5}, {0.3, -0.2, 0.1}}, "z")
    local p = softmax(z, 2)
    p.name = "p"
    local L = sum(p * tensor({{1, 2, 3}, {4, 5, 6}}))
    L.name = "L"
    L:backward()
    local text = same_as_grad(L, z, {1, 2}, "softmax")
    check.ok(text:find("Σᵢ ∂L/∂p[1,i] × p[1,i]×([i = 2] − p[1,2])", 1, true) ~= nil, "softmax's sum in symbols", text)
    local z2 = var({{1.0, 2.0}, {0.3, -0.2}, {0.1, 0.4}}, "z2")
    local lp = log_softmax(z2, 1)
    lp.name = "lp"
    local L2 = sum(lp * lp)
    L2.name = "L2"
    L2:backward()
    text = same_as_grad(L2, z2, {2, 2}, "log_softmax along dim 1")
    check.ok(text:find("([i = 2] − e^lp[2,2])", 1, true) ~= nil, "log_softmax's sum in symbols", text)
end

-- ---- the losses ------------------------------------------------------------------------
do
    local z = var({{1.0, 2.0, 0.5}, {0.3, -0.2, 0.1}}, "z")
    local labels = tensor({2, 3}, {name = "y"})
    local L = cross_entropy(z, labels)
    L.name = "L"
    L:backward()
    local text = same_as_grad(L, z, {2, 3}, "cross_entropy, the label's score")
    check.ok(text:find("(softmax(z)[2,3] − [y[2] = 3])/2", 1, true) ~= nil, "cross_entropy's term", text)
    same_as_grad(L, z, {1, 3}, "cross_entropy, another score")
    z.grad = nil
    local N = nll(log_softmax(z, 2), labels)
    N.name = "N"
    N:backward()
    same_as_grad(N, z, {1, 2}, "nll of log_softmax")
    local a = var({0.2, 0.9, 0.4}, "a")
    local t = var({0, 1, 0.5}, "t")
    local B = bce(sigmoid(a), t)
    B.name = "B"
    B:backward()
    same_as_grad(B, a, {2}, "bce after sigmoid")
    same_as_grad(B, t, {3}, "bce's target")
    t.grad = nil
    local q = var({0.5, -1}, "q")
    local M = mse(q * 2, t:narrow(1, 1, 2))
    M.name = "M"
    M:backward()
    same_as_grad(M, q, {2}, "mse")
    same_as_grad(M, t, {1}, "mse's target, through narrow")
    M:backward() -- a second time: t.grad accumulates
    local text = text_of(M, t, {1}, 6)
    check.ok(text:find("note: t.grad holds -2 here, not -1: gradients accumulated", 1, true) ~= nil,
             "an accumulated gradient is pointed out", text)
end

-- ---- convolutions --------------------------------------------------------------------------
do
    local x = var({{{{0.5, -0.1, 0.3, 0.2}, {0.9, 0.4, -0.6, 0.1}, {0.0, 0.7, 0.2, -0.3}, {0.8, -0.5, 0.6, 0.4}}}}, "x")
    local w = var({{{{0.1, 0.2}, {-0.3, 0.4}}}, {{{0.5, -0.6}, {0.7, 0.8}}}}, "w")
    local b = var({0.1, -0.2}, "b")
    local y = conv2d(x, w, b)
    y.name = "y"
    local L = sum(y * y)
    L.name = "L"
    L:backward()
    local text = same_as_grad(L, w, {1, 1, 1, 1}, "conv2d: the kernel")
    check.ok(text:find("Σᵢⱼ ∂L/∂y[1,1,i,j] × x[1,1,i,j] = ", 1, true) ~= nil, "a kernel element sums over output positions", text)
    check.ok(text:find("… (9 terms)", 1, true) ~= nil, "9 terms fold", text)
    same_as_grad(L, w, {2, 1, 2, 1}, "conv2d: another kernel element")
    same_as_grad(L, b, {2}, "conv2d: the bias")
    text = same_as_grad(L, x, {1, 1, 2, 3}, "conv2d: the input")
    check.ok(text:find("whose window covers x[1,1,2,3]", 1, true) ~= nil, "an input sums over the outputs it took part in", text)
    x.grad, w.grad = nil, nil
    local y2 = conv2d(x, w, nil, {stride = 2, padding = 1, dilation = {1, 2}})
    y2.name = "y2"
    local L2 = mean(y2 * tensor({1, -2}):reshape(1, 2, 1, 1))
    L2.name = "L2"
    L2:backward()
    text = same_as_grad(L2, w, {2, 1, 2, 2}, "conv2d with stride, padding and dilation")
    check.ok(text:find("padding add 0", 1, true) ~= nil, "the padding is said", text)
    same_as_grad(L2, x, {1, 1, 4, 4}, "conv2d strided: an input")
    local x1 = var({{{0.1, 0.2, -0.3, 0.4, 0.5}, {0.6, -0.7, 0.8, 0.9, 1.0}}, {{-0.1, 0.3, 0.2, 0.0, 0.4}, {0.5, 0.1, -0.2, 0.3, 0.6}}}, "x1")
    local w1 = var({{{0.2, -0.1}, {0.3, 0.4}}, {{-0.5, 0.6}, {0.7, 0.1}}}, "w1")
    local y1 = conv1d(x1, w1, nil, {dilation = 2})
    y1.name = "y1"
    local L3 = sum(tanh(y1))
    L3.name = "L3"
    L3:backward()
    same_as_grad(L3, w1, {1, 2, 2}, "conv1d: the kernel")
    same_as_grad(L3, x1, {2, 1, 3}, "conv1d: the input")
    -- an op without its own terms: max_pool2d, differentiated by its backward
    local P = var({{{{0.5, -0.1, 0.3, 0.2}, {0.9, 0.4, -0.6, 0.1}, {0.0, 0.7, 0.2, -0.3}, {0.8, -0.5, 0.6, 0.4}}}}, "P")
    local pooled = max_pool2d(P * 2, 2)
    local F = sum(pooled * tensor({{1, 2}, {3, 4}}))
    F.name = "F"
    F:backward()
    same_as_grad(F, P, {1, 1, 2, 1}, "through max_pool2d, a winner")
    same_as_grad(F, P, {1, 1, 1, 1}, "through max_pool2d, a loser")
end

-- ---- long sums fold ----------------------------------------------------------------------
do
    seed(3)
    local Z = tensor(randn(20, 3), {name = "Z"})
    local W = var(randn(3, 2), "W")
    local H = sum(sigmoid(matmul(Z, W)))
    H.name = "H"
    H:backward()
    local text = same_as_grad(H, W, {2, 1}, "a 20-term sum")
    local first = text:match("^[^\n]*")
    local _, shown = first:gsub("×", "")
    check.ok(first:find(" + … (20 terms) = ", 1, true) ~= nil and shown == 5, "20 terms show 4, …, the count", first)
    text = text_of(H, W, {2, 1}, 6)
    check.ok(text:find("more elements of ∂H/∂", 1, true) ~= nil or select(2, text:gsub("\n", "")) < 30,
             "upstream elements are written a few per node", text)
end

-- ---- options and errors --------------------------------------------------------------------
do
    local W = var({{1, 2, 3}, {4, 5, 6}}, "W")
    local k = var(2, "k")
    local L = sum(W * k)
    L.name = "L"
    check.err("no gradient yet", "before backward", function() return explain(L, W, {at = {1, 1}}) end)
    L:backward()
    check.err("at={1} gives 1 index, but W has shape [2, 3]: give 2", "too few indices", explain, L, W, {at = {1}})
    check.err("at={1, 2, 3} gives 3 indices, but W has shape [2, 3]", "too many indices", explain, L, W, {at = {1, 2, 3}})
    check.err("index 3 is out of range for dim 1 of W, shape [2, 3] (indices are 1 to 2)", "row out of range",
              explain, L, W, {at = {3, 1}})
    check.err("index 0 is out of range for dim 2 of W", "0 is not an index", explain, L, W, {at = {1, 0}})
    check.err("at[2] must be a whole number", "a fraction", explain, L, W, {at = {1, 1.5}})
    check.err("at must be a table of indices", "a number for at", explain, L, W, {at = 1})
    local other = var({1, 2}, "other")
    check.err("other is not in the graph of L", "a tensor outside the graph", explain, L, other, {at = {1}})
    check.err("at= names an element of the tensor after E", "at without a tensor", explain, L, nil, {at = {1}})
    check.err("unknown option", "trace does not take at", trace, L, {at = {1}})
    same_as_grad(L, k, {}, "a 0-d tensor takes at={}")
    local md = explain(L, W, {at = {2, 3}, format = "markdown", print = false})
    check.ok(type(md) == "string" and #md > 0, "at= works with Markdown")
    local r = explain(L, W, {at = {2, 3}, round = 3, print = false})
    check.ok(r:find("∂L/∂W[2,3] = ", 1, true) == 1, "at= works with round=", r)
    check.ok(select("#", explain(L, W, {at = {1, 1}})) == 0, "printing returns nothing")
end

-- full=n writes a long sum whole
do
    seed(5)
    local x, w = var(randn(1, 1, 4, 4), "x"), var(randn(1, 1, 2, 2), "w")
    local L = sum(conv2d(x, w))
    L:backward()
    local folded = explain(L, w, {at = {1, 1, 1, 1}, print = false})
    local whole = explain(L, w, {at = {1, 1, 1, 1}, print = false, full = 100})
    local first = whole:match("^[^\n]+")
    local _, products = first:gsub("1×", "")
    check.ok(folded:find("(9 terms)", 1, true) and not first:find("…", 1, true) and products == 9,
             "full=100 writes all 9 terms of a kernel element's sum", first)
end

check.done()
