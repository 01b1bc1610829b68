-- test_trace_notation.lua - how traces and explain write their working:
-- one notation (× for products of numbers and elementwise products, @ for
-- matrix products, never ·), explain's paths named by the use they go
-- through, and the backward trace folded into the steps of named nodes.
local check = dofile("tests/lua/check.lua")

local function lines(text)
    local n = 0
    for _ in text:gmatch("[^\n]*\n") do n = n + 1 end
    return n
end

local function no_dot(text, name)
    local at = text:find("·", 1, true)
    check.ok(at == nil, name .. " writes no ·", at and text:sub(math.max(1, at - 40), at + 40))
end

-- ---- one node used several times: a path per use, each named ------------------------
precision(6)
do
    local a, x = var(3, "a"), var(2, "x")
    local t = a * x
    local y = t * t + exp(t * 0.1) + t
    y:backward()
    local text = explain(y, a, {print = false})
    no_dot(text, "explain of a node used four times")
    local uses = {}
    for l in text:gmatch("[^\n]+") do
        local via = l:match("^path %d+ %(via ([^)]*)%)")
        if via then uses[#uses + 1] = via end
    end
    check.ok(#uses == 4, "explain: four paths, each with its use", text)
    local seen = {}
    for _, u in ipairs(uses) do seen[u] = (seen[u] or 0) + 1 end
    local distinct = 0
    for _ in pairs(seen) do distinct = distinct + 1 end
    check.ok(distinct == 4, "explain: the four uses are told apart", table.concat(uses, " | "))
    check.ok(text:find("(via t1×t1, first factor)", 1, true) and text:find("(via t1×t1, second factor)", 1, true),
        "explain: the two factors of t×t are named apart", text)
    check.ok(text:find("(via t1×0.1)", 1, true) ~= nil, "explain: the use inside exp(t×0.1) is named by its formula", text)
    check.ok(text:find("(via t3 = t1×t1 + t2 + t1)", 1, true) ~= nil,
        "explain: the direct use in y is named with y's label and formula", text)
    -- the per-path values are each use's share: they add up to a.grad
    local sum = 0
    for l in text:gmatch("[^\n]+") do
        if l:find("^path") then sum = sum + tonumber(l:match("= (%-?[%d.e%-]+)$")) end
    end
    check.near(sum, a.grad:item(), 1e-5, "explain: the paths' values add up to a.grad")
    -- by hand: ∂y/∂a = (2t + 0.1·e^(0.1t) + 1)·x at t = 6
    check.near(a.grad:item(), (2 * 6 + 0.1 * math.exp(0.6) + 1) * 2, 1e-12, "a.grad by hand")
end

do -- a used by two different consumers
    local a, x = var(3, "a"), var(2, "x")
    local y = a * x * (a + 1)
    y:backward()
    local text = explain(y, a, {print = false})
    check.ok(text:find("path 1 (via a×x): ", 1, true) and text:find("path 2 (via a + 1): ", 1, true),
        "explain names each use of a by its consumer", text)
    check.ok(text:find("= 8 + 6 = 14", 1, true) ~= nil, "explain: 8 + 6 = a.grad = 14", text)
    local fwd = trace(y, {print = false})
    check.ok(fwd:find("a×x×(a + 1) = 3×2×(3 + 1) = 24", 1, true) ~= nil,
        "trace writes names and numbers with the same ×", fwd)
end

-- ---- matrices: @ for the product, a chain of tensors named by its links -----------------
do
    local X = tensor({{1, 2}, {3, 4}, {5, 6}}); X.name = "X"
    local W = var({{0.1, 0.2}, {0.3, -0.4}}, "W")
    local Z = matmul(X, W); Z.name = "Z"
    local H = sigmoid(Z); H.name = "H"
    local L = sum(H * H); L.name = "L"
    L:backward()
    local text = explain(L, W, {print = false})
    no_dot(text, "explain of a matrix chain")
    check.ok(text:find("∂L/∂W through H, Z:", 1, true) ~= nil, "a tensor chain names its links in order", text)
    check.ok(text:find("= Xᵀ @ ∂L/∂Z = ", 1, true) ~= nil, "matmul's gradient is written with @", text)
    check.ok(text:find("first factor", 1, true) and text:find("second factor", 1, true),
        "the two uses of H in H×H are told apart", text)
    no_dot(trace(L, {print = false}) .. explain(L, {print = false}), "trace of a matrix network")
    check.ok(gradcalc._docs.matmul.derivative == "∂L/∂A = ∂L/∂C @ Bᵀ;  ∂L/∂B = Aᵀ @ ∂L/∂C",
        "matmul's derivative is written with @", gradcalc._docs.matmul.derivative)
    check.ok(gradcalc._docs.mul.formula:find("×", 1, true) ~= nil, "mul's formula is written with ×")
end

-- ---- the 2-2-2 network: the backward trace folded into the named nodes' steps ----------
precision(9)
do
    local n = {}
    for name, v in pairs({x1 = 0.05, x2 = 0.10, w1 = 0.15, w2 = 0.20, w3 = 0.25, w4 = 0.30, w5 = 0.40,
                          w6 = 0.45, w7 = 0.50, w8 = 0.55, b1 = 0.35, b2 = 0.60}) do
        n[name] = var(v, name)
    end
    local function named(t, name) t.name = name; n[name] = t; return t end
    named(n.w1 * n.x1 + n.w2 * n.x2 + n.b1, "net_h1")
    named(n.w3 * n.x1 + n.w4 * n.x2 + n.b1, "net_h2")
    named(sigmoid(n.net_h1), "out_h1")
    named(sigmoid(n.net_h2), "out_h2")
    named(n.w5 * n.out_h1 + n.w6 * n.out_h2 + n.b2, "net_o1")
    named(n.w7 * n.out_h1 + n.w8 * n.out_h2 + n.b2, "net_o2")
    named(sigmoid(n.net_o1), "out_o1")
    named(sigmoid(n.net_o2), "out_o2")
    named(0.5 * (0.01 - n.out_o1) ^ 2 + 0.5 * (0.99 - n.out_o2) ^ 2, "E")
    n.E:backward()
    local back = explain(n.E, {print = false})
    no_dot(back, "the backward trace")
    no_dot(trace(n.E, {print = false}), "the forward trace")
    -- 134 lines before folding; 80 with every unnamed subexpression folded
    check.ok(lines(back) <= 80, "the 2-2-2 backward trace is at most 80 lines", lines(back) .. " lines")
    check.ok(not back:find("= 1 = 1", 1, true), "no line for a local derivative that is the constant 1")
    local heads = {}
    for l in back:gmatch("[^\n]+") do
        if not l:find("^ ") then heads[#heads + 1] = l end
    end
    check.ok(#heads == 21, "one step per named node (E, 8 of the network, 12 inputs)", table.concat(heads, " "))
    check.ok(back:find("\nout_o1\n", 1, true) and
        back:find("  ∂E/∂out_o1 = ∂E/∂E × ∂E/∂out_o1 = 1 × 0.5 × (-1.48273014) × (-1) = 0.74136507\n", 1, true),
        "∂E/∂out_o1 folds the steps inside E into one product", back)
    check.ok(back:find("  via w5×out_h1: ∂E/∂net_o1 × ∂net_o1/∂out_h1 = 0.138498562 × 0.4 = 0.0553994247\n", 1, true),
        "a use inside net_o1 names its formula and multiplies by ∂E/∂net_o1", back)
    check.near(n.out_h1.grad:item(), 0.0363503064, 1e-9, "out_h1.grad as the folded trace sums it")
    -- local derivatives name the node's own operands, not the op table's a and b
    check.ok(back:find("  ∂(w5×out_h1)/∂out_h1 = w5 = 0.4\n", 1, true) and
        back:find("  ∂out_o1/∂net_o1 = σ(net_o1)(1 − σ(net_o1)) = 0.186815602\n", 1, true) and
        back:find("  ∂((0.01 − out_o1)^2)/∂(0.01 − out_o1) = 2×(0.01 − out_o1)^(2−1) = -1.48273014\n", 1, true),
        "local derivatives are written with the operands' names", back)
    check.ok(not back:find("∂/∂a", 1, true) and not back:find("∂/∂b", 1, true),
        "no generic ∂/∂a or ∂/∂b in the 2-2-2 backward trace")
end

-- ---- the optimizers' traces -------------------------------------------------------------
do
    local w = var({4}, "w")
    local opt = optim.RMSprop({w}, {lr = 0.01})
    sum(w * w):backward()
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    opt:step{trace = f}
    f:close()
    f = assert(io.open(path, "r"))
    local text = f:read("a")
    f:close()
    os.remove(path)
    no_dot(text, "RMSprop's trace")
    check.ok(text:find("s = α×s + (1−α)×g²", 1, true) ~= nil, "RMSprop's running mean of squares is s", text)
    check.ok(not text:find("v = ", 1, true), "RMSprop's trace has no v (Momentum's velocity, Adam's second moment)", text)
end

check.done()
