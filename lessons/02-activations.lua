-- Lesson 2: activation functions and their derivatives, plotted: sigmoid,
-- tanh, ReLU, and why the kink matters.

lesson {
    title = "Activation functions",
    summary = "sigmoid, tanh and ReLU, their derivatives and plots; vanishing gradients; the kink",
}

precision(6)

section "Why a neuron needs one"

say [[
A layer computes W @ x + b, which is linear; two linear layers in a row are
one linear layer. The activation function, applied element by element to
each neuron's weighted sum z, is what lets a network bend.
]]

section "The sigmoid"

formula [[
σ(z) = 1 / (1 + e^(−z))          squashes any z into (0, 1)
σ'(z) = σ(z) × (1 − σ(z))        largest at z = 0, where it is 0.25
]]

say [[
Here it is over z from −4 to 4 (81 points), and its derivative, which
gradcalc gets by backward: the sum of σ(zᵢ) has ∂/∂zᵢ = σ'(zᵢ).
]]

code [[
z = var(linspace(-4, 4, 81), "z")
s = sigmoid(z)
plot(z, s, {title = "sigmoid(z), z from -4 to 4", height = 8, width = 41})
sum(s):backward()
plot(z, z.grad, {title = "its derivative", height = 6, width = 41})
]]

code [[a = var(2, "a"); sa = sigmoid(a); sa:backward()]]

ask {
    "σ(2)",
    question = "Compute σ(2).",
    value = function() return sa end,
    hint = "1/(1 + math.exp(-2)).",
    mistakes = {{function() return 1 / (1 + math.exp(2)) end, "The exponent is −z: e^(−2), not e^2."}},
    solution = function() worked(sa) end,
}

ask {
    "σ'(2)",
    question = "Compute the derivative σ'(2) = σ(2)×(1 − σ(2)).",
    value = function() return a.grad end,
    hint = "Your σ(2) ≈ 0.8808 times 1 − 0.8808.",
    mistakes = {
        {function() return sa end, "That is σ(2); its derivative is σ(2)×(1 − σ(2))."},
        {function() return sa * sa end, "That is σ²; the derivative is σ×(1 − σ)."},
    },
    solution = function()
        say(string.format("σ'(2) = σ(2)×(1 − σ(2)) = %s × %s = %s", fmt(sa:item()), fmt(1 - sa:item()),
            fmt(a.grad:item())))
        explain(sa, a)
    end,
}

say [[
The derivative is never more than 0.25. Backpropagation multiplies one
such factor per layer, so through many sigmoid layers the gradient
shrinks fast: the "vanishing gradient".
]]

ask {
    "0.25^5",
    question = "Five sigmoid layers, each at its steepest point z = 0: what is the product of their derivatives?",
    value = function()
        local z0 = var(0)
        sigmoid(z0):backward()
        return z0.grad ^ 5
    end,
    hint = "σ'(0) = 0.5 × 0.5 = 0.25, five times over.",
    solution = function() say("σ'(0)⁵ = 0.25⁵ = " .. fmt(0.25 ^ 5) .. ": a thousandth, at best.") end,
}

section "tanh"

formula [[
tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))    in (−1, 1), centred on 0
tanh'(z) = 1 − tanh(z)²                       1 at z = 0
]]

code [[
t = var(1, "t")
th = tanh(t)
th:backward()
]]

ask {
    "tanh(1)",
    question = "Compute tanh(1).",
    value = function() return th end,
    hint = "(e − 1/e)/(e + 1/e); in Lua, (math.exp(1) - math.exp(-1))/(math.exp(1) + math.exp(-1)).",
    solution = function() worked(th) end,
}

ask {
    "tanh'(1)",
    question = "Compute tanh'(1) = 1 − tanh(1)².",
    value = function() return t.grad end,
    hint = "1 − 0.76159².",
    mistakes = {{function() return 1 - th end, "Square tanh(1) before subtracting it from 1."}},
    solution = function()
        say(string.format("tanh'(1) = 1 − tanh(1)² = 1 − %s² = 1 − %s = %s", fmt(th:item()),
            fmt(th:item() ^ 2), fmt(t.grad:item())))
        explain(th, t)
    end,
}

check(math.abs(tanh(tensor(1)):item() - (2 * sigmoid(tensor(2)):item() - 1)) < 1e-12,
    "tanh(z) = 2σ(2z) − 1: tanh is a sigmoid, stretched and centred")

section "ReLU"

formula [[
relu(z) = max(0, z)
relu'(z) = 1 for z > 0, 0 for z < 0
]]

code [[
zr = var(linspace(-2, 2, 41), "zr")
r = relu(zr)
plot(zr, r, {title = "relu(z), z from -2 to 2", height = 6, width = 41})
sum(r):backward()
plot(zr, zr.grad, {title = "its derivative: a step", height = 4, width = 41})
]]

code [[
p = var({-1.5, 0.5, 3}, "p")
rp = relu(p)
sum(rp):backward()
]]

ask {
    "relu(−1.5) + relu(0.5) + relu(3)",
    question = "Compute relu(−1.5) + relu(0.5) + relu(3).",
    value = function() return sum(rp) end,
    hint = "Negative numbers become 0; the others pass unchanged.",
    mistakes = {{function() return sum(p) end, "relu(−1.5) is 0, not −1.5."}},
    solution = function() code [[rp]] end,
}

ask {
    "relu'(0.5)",
    question = "What is the derivative of relu at 0.5?",
    value = function() return p.grad[2] end,
    hint = "Where z > 0, relu(z) = z.",
    solution = function() code [[p.grad]] end,
}

say [[
ReLU's derivative is exactly 1 wherever the neuron is active: gradients
pass through many layers without shrinking, which is why deep networks
use it. Where z < 0 the gradient is exactly 0: a neuron whose z is
negative for every input learns nothing ("dead ReLU").

At z = 0 there is a kink: the slope is 0 on the left and 1 on the
right, and the derivative does not exist. gradcalc, like the usual
libraries, takes 0 there. A finite-difference check straddles the kink
and sees the average, 0.5; gradcheck warns about it:
]]

code [[
k = var({0, 1}, "k")
passed = gradcheck(function(v) return sum(relu(v)) end, {k})
]]

say [[
The kink rarely matters in training, since z is almost never exactly 0;
but a gradient check near it will disagree, and now you know why.
]]
