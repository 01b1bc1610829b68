-- Lesson 3: backward through small circuits, gate by gate (add
-- distributes, multiply swaps, max routes), then one sigmoid neuron.

lesson {
    title = "One neuron, gate by gate",
    summary = "backward through a small circuit: add distributes, multiply swaps, max routes; a sigmoid neuron",
    variants = true,
}

precision(6)

-- The inputs: these numbers, or with a variant the learner's own; every
-- answer and hint follows from them.
local X, Y, Z = pick(-2, -6, -1), pick(5, 2, 9), pick(-4, -6, 6, {0})
if X + Y == 0 then Y = Y + 1 end
local U = pick(4, 1, 9)
local V = pick(7, 1, 9, {U})
local W0, X0, W1, X1, W2
repeat      -- a weighted sum where the sigmoid is not flat: |zn| <= 2
    W0, X0, W1, X1, W2 = pick(2, 2, 3), pick(-1, -3, -1), pick(-3, -3, 3, {0}), pick(-2, -3, 3, {0}),
        pick(-3, -3, 3)
until math.abs(W0 * X0 + W1 * X1 + W2) <= 2

-- A number in the text: a minus sign, and brackets when asked to.
local function n(v, brackets)
    local t = fmt(math.abs(v))
    if v < 0 then
        t = "−" .. t
        if brackets then t = "(" .. t .. ")" end
    end
    return t
end

section "A circuit of two gates"

say(string.format([[
Any computation is a circuit of small gates. Backpropagation needs only
two things from each gate: its output on the way forward, and on the way
back, its local derivative times the gradient arriving from above.

Take f = (x + y) × z with x = %s, y = %s, z = %s. Name the middle value
q = x + y, so f = q × z.]], n(X), n(Y), n(Z)))

code(string.format([[
x, y, z = var(%d, "x"), var(%d, "y"), var(%d, "z")
q = x + y
f = q * z
f:backward()
]], X, Y, Z))

ask {
    "f",
    question = "Compute f = (x + y)×z on the way forward.",
    value = function() return f end,
    hint = function() return string.format("q = %s + %s = %s, then f = %s × %s.", n(X), n(Y, true), n(X + Y),
        n(X + Y), n(Z, true)) end,
    solution = function() trace(f) end,
}

say [[
Multiply swaps: the gradient of q×z with respect to one input is the
other input, times the gradient from above (here ∂f/∂f = 1).
]]
formula [[
∂f/∂z = q        ∂f/∂q = z
]]

ask {
    "∂f/∂z",
    question = "Compute ∂f/∂z.",
    value = function() return z.grad end,
    hint = "Multiply swaps: the gradient for z is the value of the other input, q.",
    mistakes = {{function() return z end, "That is z itself; the multiply gate hands z the other input, q."}},
    solution = function() explain(f, z) end,
}

say [[
Add distributes: q = x + y has ∂q/∂x = ∂q/∂y = 1, so each input gets
the gradient from above unchanged. The chain rule then gives
∂f/∂x = ∂f/∂q × ∂q/∂x.
]]

ask {
    "∂f/∂x",
    question = "Compute ∂f/∂x.",
    value = function() return x.grad end,
    hint = function() return string.format("∂f/∂q = z = %s arrives at the add gate, which passes it to x as it is.",
        n(Z)) end,
    chain = function() return {{"∂f/∂q", q.grad}, {"∂q/∂x", x.grad / q.grad}} end,
    mistakes = {{function() return y end, "Add does not swap; it passes the incoming gradient, z, to both inputs."}},
    solution = function() explain(f, x) end,
}

check(x.grad:item() == y.grad:item(), "x and y get the same gradient: add distributes")

section "The max gate"

say [[
m = max(u, v) passes the larger input on. On the way back it routes the
whole gradient to that input, and gives the other one 0.
]]

code(string.format([[
u, v = var(%d, "u"), var(%d, "v")
m = maximum(u, v)
g = m * 2
g:backward()
]], U, V))

ask {
    "∂g/∂v",
    question = string.format("g = 2×max(u, v) with u = %s, v = %s. Compute ∂g/∂v.", n(U), n(V)),
    value = function() return v.grad end,
    hint = function()
        if V > U then return "v is the larger input, so the max gate routes all of the gradient from the ×2 to it." end
        return "v is the smaller input: the max gate routes all of the gradient to u."
    end,
    solution = function() explain(g, v) end,
}

ask {
    "∂g/∂u",
    question = "And ∂g/∂u?",
    value = function() return u.grad end,
    hint = function() return V > U and "u lost the comparison." or "u won the comparison: all of the gradient from the ×2 goes to it." end,
    solution = function() code [[u.grad]] end,
}

section "A sigmoid neuron"

say [[
A neuron with two inputs, two weights and a bias: f = σ(w0×x0 + w1×x1 + w2).
gradcalc computes its gradients with respect to every input and weight.
]]

code(string.format([[
w0, x0, w1, x1, w2 = var(%d, "w0"), var(%d, "x0"), var(%d, "w1"), var(%d, "x1"), var(%d, "w2")
zn = w0*x0 + w1*x1 + w2
out = sigmoid(zn)
out:backward()
]], W0, X0, W1, X1, W2))

ask {
    "out",
    question = "Compute the neuron's output σ(w0×x0 + w1×x1 + w2).",
    value = function() return out end,
    hint = function()
        local sum_ = W0 * X0 + W1 * X1 + W2
        return string.format("The weighted sum is %s×%s + %s×%s + %s = %s; then σ(%s).", n(W0, true), n(X0, true),
            n(W1, true), n(X1, true), n(W2, true), n(sum_), n(sum_))
    end,
    mistakes = {{function() return zn end, "That is the weighted sum; apply σ to it."}},
    solution = function() worked(zn); worked(out) end,
}

ask {
    "∂out/∂zn",
    question = "Compute the local gradient of the sigmoid gate, σ'(zn) = out×(1 − out).",
    value = function() return zn.grad end,
    hint = function() return string.format("%.4f × (1 − %.4f).", out:item(), out:item()) end,
    mistakes = {
        {function() return zn * (1 - zn) end, "That is zn×(1 − zn): σ' in this form takes the output, out×(1 − out)."},
    },
    solution = function()
        say(string.format("σ'(zn) = out×(1 − out) = %s × %s = %s", fmt(out:item()), fmt(1 - out:item()),
            fmt(zn.grad:item())))
        explain(out, zn)
    end,
}

ask {
    "∂out/∂w0",
    question = "Compute ∂out/∂w0 = σ'(zn) × x0.",
    value = function() return w0.grad end,
    hint = function() return "Add passes σ'(zn) to w0×x0; multiply swaps, so w0 gets x0 = " .. n(X0) .. " times it." end,
    chain = function() return {{"∂out/∂zn", zn.grad}, {"∂zn/∂w0", w0.grad / zn.grad}} end,
    mistakes = {
        {function() return zn.grad end,
         "That is σ'(zn) alone: you dropped the factor ∂zn/∂w0 = x0 = " .. n(X0) .. " (multiply swaps, so w0 gets x0)."},
        {function() return zn.grad * w0 end, "Multiply swaps: w0's gradient takes x0, the other input, not w0."},
    },
    solution = function()
        say(string.format("∂out/∂w0 = σ'(zn) × x0 = %s × (%s) = %s", fmt(zn.grad:item()), fmt(x0:item()),
            fmt(w0.grad:item())))
        explain(out, w0)
    end,
}

ask {
    "∂out/∂x0",
    question = "Compute ∂out/∂x0 (the gradient the neuron sends back to its input).",
    value = function() return x0.grad end,
    hint = function() return "As for w0, but multiply swaps the other way: σ'(zn) times w0 = " .. n(W0) .. "." end,
    chain = function() return {{"∂out/∂zn", zn.grad}, {"∂zn/∂x0", x0.grad / zn.grad}} end,
    mistakes = {
        {function() return zn.grad * x0 end,
         "That is ∂out/∂w0, with the factor x0 = " .. n(X0) .. "; for x0 multiply swaps the other way: σ'(zn) × w0."},
        {function() return zn.grad end, "That is σ'(zn) alone: you dropped the factor ∂zn/∂x0 = w0 = " .. n(W0) .. "."},
    },
    solution = function()
        say(string.format("∂out/∂x0 = σ'(zn) × w0 = %s × %s = %s", fmt(zn.grad:item()), fmt(w0:item()),
            fmt(x0.grad:item())))
        explain(out, x0)
    end,
}

say [[
The whole backward pass, node by node, is what explain(out) prints. Each
local derivative is written with the gate's own inputs: multiply swaps,
so ∂(w1×x1)/∂x1 = w1, and add passes the gradient on with a factor 1,
which the trace leaves out.
]]

code [[explain(out)]]

say [[
Next: how far the output is from what we want, the cost (lesson 4).
]]
