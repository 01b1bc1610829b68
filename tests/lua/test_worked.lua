-- test_worked.lua - published, hand-worked examples of backpropagation,
-- recomputed by gradcalc and compared digit for digit.
--
-- The check: gradcalc's value, rounded to as many significant digits as
-- the source printed, must equal the printed number exactly. Each example
-- runs twice: in scalar form (one var per weight, as on paper) and in
-- matrix form (weights as matrices, matmul), which must agree.
local check = dofile("tests/lua/check.lua")

-- Significant digits of a printed decimal: "0.511301270" has 9, "0.3775" 4.
local function significant(printed)
    local digits = printed:gsub("^[-+]", ""):gsub("%.", "")
    digits = digits:gsub("^0+", "")
    return #digits
end

-- value (a number or one-element tensor) rounded to the digits of printed.
local function digits(value, printed, name)
    if type(value) ~= "number" then value = value:item() end
    local n = significant(printed)
    local fmt = "%." .. (n - 1) .. "e"
    local got, want = fmt:format(value), fmt:format(tonumber(printed))
    check.ok(got == want, name .. " = " .. printed,
             string.format("published %s, gradcalc %.17g (rounded to %d digits: %s)", printed, value, n, got))
end

-- ---- Example 1 --------------------------------------------------------------------------
-- Matt Mazur, "A Step by Step Backpropagation Example" (2015),
-- https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/
-- Network 2-2-2 with sigmoid units, inputs 0.05 and 0.10, targets 0.01 and
-- 0.99, E = Σ ½(target − out)², one gradient step with learning rate 0.5.
-- Biases are shared per layer and not updated in the post.
local mazur = {
    net_h1 = "0.3775", out_h1 = "0.593269992", out_h2 = "0.596884378",
    net_o1 = "1.105905967", out_o1 = "0.75136507", out_o2 = "0.772928465",
    E_o1 = "0.274811083", E_o2 = "0.023560026", E_total = "0.298371109",
    dE_dout_o1 = "0.74136507", dout_o1_dnet_o1 = "0.186815602", dE_dw5 = "0.082167041",
    dE_dout_h1 = "0.036350306", dout_h1_dnet_h1 = "0.241300709", dE_dw1 = "0.000438568",
    w5 = "0.35891648", w6 = "0.408666186", w7 = "0.511301270", w8 = "0.561370121",
    w1 = "0.149780716", w2 = "0.19956143", w3 = "0.24975114", w4 = "0.29950229",
}
local LR = 0.5

-- Runs one form of an example; an error in it is one failed check, and the
-- rest of the file still runs.
local function example(name, f)
    local ran, err = pcall(f)
    if not ran then check.ok(false, name .. " runs", tostring(err)) end
end

example("Mazur scalar form", function()  -- scalar form: one var per weight, the formulas exactly as in the post
    local i1, i2 = 0.05, 0.10
    local w1, w2, w3, w4 = var(0.15, "w1"), var(0.20, "w2"), var(0.25, "w3"), var(0.30, "w4")
    local w5, w6, w7, w8 = var(0.40, "w5"), var(0.45, "w6"), var(0.50, "w7"), var(0.55, "w8")
    local b1, b2 = var(0.35, "b1"), var(0.60, "b2")
    local net_h1 = w1 * i1 + w2 * i2 + b1
    local net_h2 = w3 * i1 + w4 * i2 + b1
    local out_h1, out_h2 = sigmoid(net_h1), sigmoid(net_h2)
    local net_o1 = w5 * out_h1 + w6 * out_h2 + b2
    local net_o2 = w7 * out_h1 + w8 * out_h2 + b2
    local out_o1, out_o2 = sigmoid(net_o1), sigmoid(net_o2)
    local E_o1 = 0.5 * (0.01 - out_o1) ^ 2
    local E_o2 = 0.5 * (0.99 - out_o2) ^ 2
    local E_total = E_o1 + E_o2
    E_total:backward()

    local s = "Mazur scalar: "
    digits(net_h1, mazur.net_h1, s .. "net_h1")
    digits(out_h1, mazur.out_h1, s .. "out_h1")
    digits(out_h2, mazur.out_h2, s .. "out_h2")
    digits(net_o1, mazur.net_o1, s .. "net_o1")
    digits(out_o1, mazur.out_o1, s .. "out_o1")
    digits(out_o2, mazur.out_o2, s .. "out_o2")
    digits(E_o1, mazur.E_o1, s .. "E_o1")
    digits(E_o2, mazur.E_o2, s .. "E_o2")
    digits(E_total, mazur.E_total, s .. "E_total")
    -- the intermediate nodes keep their gradients: the post's chain-rule factors
    digits(out_o1.grad, mazur.dE_dout_o1, s .. "dE/dout_o1")
    digits(net_o1.grad / out_o1.grad, mazur.dout_o1_dnet_o1, s .. "dout_o1/dnet_o1")
    digits(w5.grad, mazur.dE_dw5, s .. "dE/dw5")
    digits(out_h1.grad, mazur.dE_dout_h1, s .. "dE/dout_h1")
    digits(net_h1.grad / out_h1.grad, mazur.dout_h1_dnet_h1, s .. "dout_h1/dnet_h1")
    digits(w1.grad, mazur.dE_dw1, s .. "dE/dw1")
    for k, w in ipairs({w1, w2, w3, w4, w5, w6, w7, w8}) do
        local key = "w" .. k
        digits(w - LR * w.grad, mazur[key], s .. key .. "+")
    end
    -- the same step taken in place, as a training loop would
    no_grad(function() w5:sub_(LR * w5.grad) end)
    digits(w5, mazur.w5, s .. "w5 after w5:sub_(0.5 * w5.grad)")
end)

example("Mazur matrix form", function()  -- matrix form: W1 row j holds the weights into hidden unit j; E = mse
    local x = tensor({0.05, 0.10})
    local W1 = var({{0.15, 0.20}, {0.25, 0.30}}, "W1")
    local W2 = var({{0.40, 0.45}, {0.50, 0.55}}, "W2")
    local b1, b2 = var(0.35, "b1"), var(0.60, "b2")
    local target = tensor({0.01, 0.99})
    local net_h = matmul(W1, x) + b1
    local out_h = sigmoid(net_h)
    local out_o = sigmoid(matmul(W2, out_h) + b2)
    local E = mse(out_o, target)        -- mean of 2 squares = Σ ½(t − o)²
    E:backward()

    local s = "Mazur matrix: "
    digits(net_h[1], mazur.net_h1, s .. "net_h1")
    digits(out_h[1], mazur.out_h1, s .. "out_h1")
    digits(out_h[2], mazur.out_h2, s .. "out_h2")
    digits(out_o[1], mazur.out_o1, s .. "out_o1")
    digits(out_o[2], mazur.out_o2, s .. "out_o2")
    digits(E, mazur.E_total, s .. "E_total")
    digits(W2.grad[1][1], mazur.dE_dw5, s .. "dE/dw5")
    digits(out_h.grad[1], mazur.dE_dout_h1, s .. "dE/dout_h1")
    digits(W1.grad[1][1], mazur.dE_dw1, s .. "dE/dw1")
    local W1n, W2n = W1 - LR * W1.grad, W2 - LR * W2.grad
    digits(W1n[1][1], mazur.w1, s .. "w1+")
    digits(W1n[1][2], mazur.w2, s .. "w2+")
    digits(W1n[2][1], mazur.w3, s .. "w3+")
    digits(W1n[2][2], mazur.w4, s .. "w4+")
    digits(W2n[1][1], mazur.w5, s .. "w5+")
    digits(W2n[1][2], mazur.w6, s .. "w6+")
    digits(W2n[2][1], mazur.w7, s .. "w7+")
    digits(W2n[2][2], mazur.w8, s .. "w8+")

    -- the batch form: the sample as a row, x @ W1ᵀ, gives the same gradient
    local W1b = var({{0.15, 0.20}, {0.25, 0.30}})
    local W2b = var({{0.40, 0.45}, {0.50, 0.55}})
    local X = tensor({{0.05, 0.10}})
    local Y = sigmoid(matmul(sigmoid(matmul(X, W1b:t()) + 0.35), W2b.T) + 0.60)
    mse(Y, tensor({{0.01, 0.99}})):backward()
    digits(W2b.grad[1][1], mazur.dE_dw5, s .. "batch row form dE/dw5")
    digits(W1b.grad[1][1], mazur.dE_dw1, s .. "batch row form dE/dw1")
end)

-- ---- Example 2 ----------------------------------------------------------------------------
-- Andrej Karpathy, micrograd, README.md (https://github.com/karpathy/micrograd):
-- an expression of a = −4 and b = 2 whose printed results are
-- g = 24.7041, dg/da = 138.8338, dg/db = 645.5773 (4 decimals).
local micro = {g = "24.7041", da = "138.8338", db = "645.5773"}

example("micrograd scalar form", function()  -- scalar form, line by line as published (x += y becomes x = x + y)
    local a, b = var(-4.0, "a"), var(2.0, "b")
    local c = a + b
    local d = a * b + b ^ 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + relu(b + a)
    d = d + 3 * d + relu(b - a)
    local e = c - d
    local f = e ^ 2
    local g = f / 2.0
    g = g + 10.0 / f
    g:backward()
    digits(g, micro.g, "micrograd scalar: g")
    digits(a.grad, micro.da, "micrograd scalar: dg/da")
    digits(b.grad, micro.db, "micrograd scalar: dg/db")
end)

example("micrograd matrix form", function()  -- matrix form: p = (a, b). Collecting the lines above by hand,
    --   c = 3a + 4b + 3,  d = 12ab + 12b³ + 4 relu(a + b) + relu(b − a):
    -- the linear parts are one matrix product L p, the product ab is the
    -- bilinear form pᵀ A p with A = [[0, ½], [½, 0]].
    local p = var({-4.0, 2.0}, "p")
    local L = tensor({{3, 4}, {1, 1}, {-1, 1}})
    local A = tensor({{0, 0.5}, {0.5, 0}})
    local z = matmul(L, p)                          -- (3a + 4b, a + b, b − a)
    local c = z[1] + 3
    local ab = dot(p, matmul(A, p))
    local d = 12 * ab + 12 * p[2] ^ 3 + dot(relu(narrow(z, 1, 2, 2)), tensor({4, 1}))
    local f = (c - d) ^ 2
    local g = f / 2 + 10 / f
    g:backward()
    digits(g, micro.g, "micrograd matrix: g")
    digits(p.grad[1], micro.da, "micrograd matrix: dg/da")
    digits(p.grad[2], micro.db, "micrograd matrix: dg/db")
end)

-- ---- Example 3 ----------------------------------------------------------------------------
-- Stanford CS231n notes, "Backpropagation, Intuitions" (Karpathy),
-- https://cs231n.github.io/optimization-2/ : a 2-d sigmoid neuron with
-- w = [2, −3, −3], x = [−1, −2]: f = 0.73, dx = [0.39, −0.59],
-- dw = [−0.2, −0.39, 0.2] (printed to two digits).
example("CS231n neuron", function()
    local w0, w1, w2 = var(2, "w0"), var(-3, "w1"), var(-3, "w2")
    local x0, x1 = var(-1, "x0"), var(-2, "x1")
    local f = sigmoid(w0 * x0 + w1 * x1 + w2)
    f:backward()
    digits(f, "0.73", "CS231n scalar: f")
    digits(x0.grad, "0.39", "CS231n scalar: dx0")
    digits(x1.grad, "-0.59", "CS231n scalar: dx1")
    digits(w0.grad, "-0.2", "CS231n scalar: dw0")
    digits(w1.grad, "-0.39", "CS231n scalar: dw1")
    digits(w2.grad, "0.2", "CS231n scalar: dw2")

    local w, x = var({2, -3, -3}), var({-1, -2, 1})     -- bias as a weight on a constant 1
    local fm = sigmoid(dot(w, x))
    fm:backward()
    digits(fm, "0.73", "CS231n matrix: f")
    digits(x.grad[1], "0.39", "CS231n matrix: dx0")
    digits(x.grad[2], "-0.59", "CS231n matrix: dx1")
    digits(w.grad[1], "-0.2", "CS231n matrix: dw0")
    digits(w.grad[2], "-0.39", "CS231n matrix: dw1")
    digits(w.grad[3], "0.2", "CS231n matrix: dw2")
end)

-- The rounding helper itself must be able to fail.
check.ok(significant("0.511301270") == 9 and significant("0.3775") == 4 and significant("-0.019") == 2
         and significant("138.8338") == 7, "significant digits are counted as printed", "miscounted")
check.ok(("%.8e"):format(0.5113012702387375) == ("%.8e"):format(0.511301270)
         and ("%.8e"):format(0.5113012752) ~= ("%.8e"):format(0.511301270),
         "rounding to printed digits distinguishes the last digit", "rounding compare is too loose")

check.done()
