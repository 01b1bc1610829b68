-- Lesson 5: the classic 2-2-2 network worked by hand (the numbers of Matt
-- Mazur's "A Step by Step Backpropagation Example"): forward pass, total
-- error, the chain rule for an output weight and a hidden weight, one
-- gradient-descent step.

lesson {
    title = "A two-layer network by hand",
    summary = "the 2-2-2 network: forward pass, error, every gradient by the chain rule, one update",
}

precision(9)

section "The network"

say [[
Two inputs, two hidden neurons, two output neurons, every neuron a
sigmoid. Each layer has one bias, shared by its two neurons. We want the
outputs 0.01 and 0.99 for the inputs 0.05 and 0.10. Each weight labels
its own edge: w3 joins x1 to h2, w2 joins x2 to h1.

           w1              w5
    x1 ─────────> h1 ─────────> o1      net_h1 = w1×x1 + w2×x2 + b1
      ╲ w3       ↗  ╲ w7       ↗        net_h2 = w3×x1 + w4×x2 + b1
        ╲      ╱      ╲      ╱          net_o1 = w5×out_h1 + w6×out_h2 + b2
          ╲  ╱          ╲  ╱            net_o2 = w7×out_h1 + w8×out_h2 + b2
           ╳              ╳             out = σ(net) for every neuron
          ╱  ╲          ╱  ╲
        ╱      ╲      ╱      ╲
      ╱ w2       ↘  ╱ w6       ↘
    x2 ─────────> h2 ─────────> o2
           w4              w8

var(value, name) makes a tensor whose gradient gradcalc will compute.
]]

code [[
x1, x2 = var(0.05, "x1"), var(0.10, "x2")
w1, w2, w3, w4 = var(0.15, "w1"), var(0.20, "w2"), var(0.25, "w3"), var(0.30, "w4")
w5, w6, w7, w8 = var(0.40, "w5"), var(0.45, "w6"), var(0.50, "w7"), var(0.55, "w8")
b1, b2 = var(0.35, "b1"), var(0.60, "b2")
target_o1, target_o2 = 0.01, 0.99
]]

section "Forward pass: the hidden layer"

say [[
A neuron first takes the weighted sum of its inputs plus its bias (its
"net input"), then squashes it with the logistic sigmoid:
]]
formula [[
net_h1 = w1×x1 + w2×x2 + b1
out_h1 = σ(net_h1) = 1 / (1 + e^(−net_h1))
]]

code [[net_h1 = w1*x1 + w2*x2 + b1]]

ask {
    "net_h1",
    question = "Compute net_h1 = w1×x1 + w2×x2 + b1.",
    value = function() return net_h1 end,
    hint = "Multiply each input by its weight, add the products and the bias b1 = 0.35.",
    mistakes = {
        {function() return w1 * x1 + w2 * x2 end, "You left out the bias b1."},
    },
    solution = function() worked(net_h1) end,
}

code [[out_h1 = sigmoid(net_h1)]]

ask {
    "out_h1",
    question = "Compute out_h1 = σ(net_h1).",
    value = function() return out_h1 end,
    hint = "σ(z) = 1/(1 + e^(−z)); in Lua, 1/(1 + math.exp(-0.3775)).",
    mistakes = {
        {function() return 1 / (1 + math.exp(net_h1:item())) end, "The exponent is −net_h1, not +net_h1."},
    },
    solution = function() worked(out_h1) end,
}

say [[
h2 works the same way with its own weights, w3 and w4:
]]

code [[
net_h2 = w3*x1 + w4*x2 + b1
out_h2 = sigmoid(net_h2)
]]

ask {
    "out_h2",
    question = "Compute out_h2 = σ(w3×x1 + w4×x2 + b1).",
    value = function() return out_h2 end,
    hint = "First net_h2 = 0.25×0.05 + 0.3×0.1 + 0.35, then σ of it.",
    mistakes = {
        {function() return net_h2 end, "That is net_h2; now apply σ to it."},
    },
    solution = function() worked(out_h2) end,
}

section "Forward pass: the output layer"

say [[
The output neurons do the same with the hidden outputs as their inputs.
]]

code [[
net_o1 = w5*out_h1 + w6*out_h2 + b2
out_o1 = sigmoid(net_o1)
net_o2 = w7*out_h1 + w8*out_h2 + b2
out_o2 = sigmoid(net_o2)
]]

ask {
    "net_o1",
    question = "Compute net_o1 = w5×out_h1 + w6×out_h2 + b2.",
    value = function() return net_o1 end,
    hint = "Use out_h1 and out_h2 from above (not net_h1, net_h2) and b2 = 0.6.",
    mistakes = {
        {function() return w5 * net_h1 + w6 * net_h2 + b2 end,
         "You used the net inputs net_h1, net_h2; the next layer sees the outputs out_h1, out_h2."},
        {function() return w5 * out_h1 + w6 * out_h2 end, "You left out the bias b2."},
    },
    solution = function() worked(net_o1) end,
}

ask {
    "out_o1",
    question = "Compute out_o1 = σ(net_o1).",
    value = function() return out_o1 end,
    hint = "1/(1 + math.exp(-net_o1)) with your net_o1.",
    solution = function() worked(out_o1) end,
}

show("out_o2")

section "The total error"

say [[
The error of each output is half its squared distance to the target;
the total error is their sum. (The ½ makes the derivative tidy.)
]]
formula [[
E = ½(target_o1 − out_o1)² + ½(target_o2 − out_o2)²
]]

code [[E = 0.5*(target_o1 - out_o1)^2 + 0.5*(target_o2 - out_o2)^2]]

ask {
    "E",
    question = "Compute the total error E.",
    value = function() return E end,
    hint = "½(0.01 − out_o1)² + ½(0.99 − out_o2)², with out_o1 ≈ 0.7514 and out_o2 ≈ 0.7729.",
    mistakes = {
        {function() return (target_o1 - out_o1)^2 + (target_o2 - out_o2)^2 end,
         "You forgot the ½ in front of each square."},
        {function() return 0.5 * (target_o1 - out_o1)^2 end, "That is only the error of o1; add o2's."},
    },
    solution = function() worked(E) end,
}

section "Backward: an output weight, w5"

say [[
How does E change when w5 changes? w5 reaches E only through net_o1 and
out_o1, so the chain rule multiplies three local derivatives:
]]
formula [[
∂E/∂w5 = ∂E/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5
]]
say [[
gradcalc computes all of them in one backward pass; we check each factor
against it. The first: only the first half of E depends on out_o1, and
d/dout ½(t − out)² = −(t − out) = out − t.
]]

code [[E:backward()]]

ask {
    "∂E/∂out_o1",
    question = "Compute ∂E/∂out_o1 = out_o1 − target_o1.",
    value = function() return out_o1.grad end,
    hint = "out_o1 − 0.01: the ½ and the 2 of the square cancel, and the minus sign of (t − out) flips it.",
    solution = function() explain(E, out_o1) end,
}

say [[
The second factor is the derivative of the sigmoid, which has a neat form
in terms of its own output: σ'(z) = σ(z)×(1 − σ(z)).
]]

ask {
    "∂out_o1/∂net_o1",
    question = "Compute ∂out_o1/∂net_o1 = out_o1×(1 − out_o1).",
    value = function() return net_o1.grad / out_o1.grad end,
    hint = "out_o1 × (1 − out_o1), with out_o1 ≈ 0.75137.",
    mistakes = {
        {function() return net_o1 * (1 - net_o1) end,
         "That is net_o1×(1 − net_o1): σ' in this form takes the output, out_o1×(1 − out_o1)."},
        {function() return out_o1 end, "That is out_o1 itself; the derivative is out_o1×(1 − out_o1)."},
        {function() return 1 - out_o1 end, "That is 1 − out_o1; multiply by out_o1 as well."},
    },
    solution = function()
        say(string.format("σ'(net_o1) = out_o1×(1 − out_o1) = %s × %s = %s", fmt(out_o1:item()),
            fmt(1 - out_o1:item()), fmt((net_o1.grad / out_o1.grad):item())))
    end,
}

say [[
The third: net_o1 = w5×out_h1 + w6×out_h2 + b2, so ∂net_o1/∂w5 = out_h1
(a product's derivative with respect to one factor is the other factor).
Now the whole chain:
]]

local function chain_w5()
    return {
        {"∂E/∂out_o1", out_o1.grad},
        {"∂out_o1/∂net_o1", net_o1.grad / out_o1.grad},
        {"∂net_o1/∂w5", w5.grad / net_o1.grad,
         wrong = {{net_h1, "∂net_o1/∂w5 is out_h1, what w5 multiplies, not net_h1."}}},
    }
end

ask {
    "∂E/∂w5",
    question = "Compute ∂E/∂w5 = ∂E/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5.",
    value = function() return w5.grad end,
    hint = "Multiply your last two answers by out_h1 ≈ 0.59327.",
    chain = chain_w5,
    solution = function() explain(E, w5) end,
}

say [[
w6, w7 and w8 go the same way (w7 and w8 through o2). gradcalc has them all:
]]
show("w6.grad", "w7.grad", "w8.grad")

section "Backward: a hidden weight, w1"

say [[
w1 feeds h1, and h1 feeds both outputs: E depends on out_h1 along two
paths, through o1 and through o2. The chain rule adds the paths:
]]
formula [[
∂E/∂out_h1 = ∂E/∂net_o1 × ∂net_o1/∂out_h1 + ∂E/∂net_o2 × ∂net_o2/∂out_h1
           = ∂E/∂net_o1 × w5            + ∂E/∂net_o2 × w7
]]
show("net_o1.grad", "net_o2.grad")

ask {
    "∂E/∂out_h1",
    question = "Compute ∂E/∂out_h1, the sum over both paths.",
    value = function() return out_h1.grad end,
    hint = "∂E/∂net_o1 × w5 + ∂E/∂net_o2 × w7, with the two gradients shown above.",
    paths = function()
        return {
            {name = "through o1", {"∂E/∂net_o1", net_o1.grad}, {"∂net_o1/∂out_h1", w5}},
            {name = "through o2", {"∂E/∂net_o2", net_o2.grad}, {"∂net_o2/∂out_h1", w7}},
        }
    end,
    solution = function() explain(E, out_h1) end,
}

say [[
From out_h1 down to w1 there is one path again:
]]
formula [[
∂E/∂w1 = ∂E/∂out_h1 × ∂out_h1/∂net_h1 × ∂net_h1/∂w1
       = ∂E/∂out_h1 × out_h1(1 − out_h1) × x1
]]

ask {
    "∂E/∂w1",
    question = "Compute ∂E/∂w1.",
    value = function() return w1.grad end,
    hint = "Your ∂E/∂out_h1, times out_h1×(1 − out_h1) ≈ 0.2413, times x1 = 0.05.",
    chain = function()
        return {
            {"∂E/∂out_h1", out_h1.grad},
            {"∂out_h1/∂net_h1", net_h1.grad / out_h1.grad,
             wrong = {{net_h1 * (1 - net_h1), "σ' takes the output, out_h1×(1 − out_h1), not net_h1×(1 − net_h1)."}}},
            {"∂net_h1/∂w1", w1.grad / net_h1.grad},
        }
    end,
    paths = function()
        local s1 = net_h1.grad / out_h1.grad
        return {
            {name = "through o1", {"∂E/∂net_o1", net_o1.grad}, {"w5", w5}, {"∂out_h1/∂net_h1", s1}, {"x1", x1}},
            {name = "through o2", {"∂E/∂net_o2", net_o2.grad}, {"w7", w7}, {"∂out_h1/∂net_h1", s1}, {"x1", x1}},
        }
    end,
    solution = function() explain(E, w1) end,
}

show("w2.grad", "w3.grad", "w4.grad")

section "One step of gradient descent"

say [[
Each weight moves a little against its gradient, by the learning rate
η = 0.5 times the gradient:
]]
formula [[
w ← w − η × ∂E/∂w
]]

code [[eta = 0.5]]

ask {
    "new w5",
    question = "Compute the new w5 = w5 − η×∂E/∂w5.",
    value = function() return w5 - eta * w5.grad end,
    hint = "0.4 − 0.5 × ∂E/∂w5.",
    mistakes = {
        {function() return w5 + eta * w5.grad end,
         "You went up the gradient: subtract η×∂E/∂w5, do not add it."},
        {function() return w5 - w5.grad end, "You forgot the learning rate η = 0.5."},
    },
    solution = function()
        say(string.format("w5 ← %s − %s × %s = %s", fmt(w5:item()), fmt(eta), fmt(w5.grad:item()),
            fmt((w5 - eta * w5.grad):item())))
    end,
}

ask {
    "new w1",
    question = "Compute the new w1 = w1 − η×∂E/∂w1.",
    value = function() return w1 - eta * w1.grad end,
    hint = "0.15 − 0.5 × ∂E/∂w1: a small step, since ∂E/∂w1 is small.",
    mistakes = {
        {function() return w1 + eta * w1.grad end,
         "You went up the gradient: subtract η×∂E/∂w1, do not add it."},
    },
    solution = function()
        say(string.format("w1 ← %s − %s × %s = %s", fmt(w1:item()), fmt(eta), fmt(w1.grad:item()),
            fmt((w1 - eta * w1.grad):item())))
    end,
}

say [[
An optimizer does this for every weight at once (the biases stay as they
are here, as in the published example). trace=true prints each update:
]]

code [[
opt = optim.SGD({w1, w2, w3, w4, w5, w6, w7, w8}, {lr = eta})
opt:step{trace = true}
]]

say [[
Run the forward pass again with the new weights: the error went down.
]]

code [[
out_h1 = sigmoid(w1*x1 + w2*x2 + b1)
out_h2 = sigmoid(w3*x1 + w4*x2 + b1)
out_o1 = sigmoid(w5*out_h1 + w6*out_h2 + b2)
out_o2 = sigmoid(w7*out_h1 + w8*out_h2 + b2)
E_new = 0.5*(target_o1 - out_o1)^2 + 0.5*(target_o2 - out_o2)^2
]]

ask {
    "E_new",
    question = "Compute the total error after the step, from the new weights.",
    value = function() return E_new end,
    hint = "The same forward pass as before, with the updated weights (at the prompt: repl, then E_new).",
    mistakes = {
        {function() return E end, "That is E before the step; run the forward pass again with the new weights."},
    },
    tol = 2e-3,
    solution = function() worked(E_new) end,
}

check(E_new:item() < E:item(), "one step of gradient descent lowered the error")

say(string.format([[
Mazur's post prints 0.291027924 for the error after this step, because
it rounds its intermediate values as it goes. Carried exactly, as
gradcalc carries them, the error is %s.]], fmt(E_new:item())))

say [[
Repeated ten thousand times, these steps bring E down to about 0.0000351.
Lesson 6 turns the step into a loop; lesson 8 builds a network with
matrices instead of one weight at a time.
]]
