-- Lesson 4: cost functions on a small batch: mean squared error, softmax
-- and cross-entropy, their values and gradients, and why softmax with
-- cross-entropy has the gradient p − y.

lesson {
    title = "Cost functions",
    summary = "MSE, softmax and cross-entropy on a small batch; why their gradient is p − y",
}

precision(6)

section "Mean squared error"

say [[
A cost (or loss) function turns "how wrong is the network" into one
number, which training makes small. For numbers to predict (regression)
the usual one is the mean squared error over the n predictions:
]]
formula [[
MSE = (1/n) Σᵢ (pᵢ − tᵢ)²          ∂MSE/∂pᵢ = 2(pᵢ − tᵢ)/n
]]

code [[
pred = var({2.5, 0.0, 2.1}, "pred")
target = tensor{3, -0.5, 2}
L = mse(pred, target)
L:backward()
]]

ask {
    "MSE",
    question = "Compute the MSE of pred = (2.5, 0, 2.1) against target = (3, −0.5, 2).",
    value = function() return L end,
    hint = "The errors are −0.5, 0.5 and 0.1; square them, add, divide by 3.",
    mistakes = {
        {function() return sum((pred - target)^2) end, "That is the sum of squares; divide by n = 3 for the mean."},
        {function() return mean(abs(pred - target)) end, "That is the mean absolute error; square the errors."},
    },
    solution = function() say("MSE = ((−0.5)² + 0.5² + 0.1²)/3 = (0.25 + 0.25 + 0.01)/3 = " .. fmt(L:item())) end,
}

ask {
    "∂MSE/∂pred[1]",
    question = "Compute ∂MSE/∂pred[1] = 2(p₁ − t₁)/n.",
    value = function() return pred.grad[1] end,
    hint = "2 × (2.5 − 3) / 3.",
    mistakes = {
        {function() return 2 * (pred[1] - target[1]) end, "Divide by n = 3: the mean shares the gradient among the predictions."},
        {function() return 2 * (target[1] - pred[1]) / 3 end, "The sign: the derivative of (p − t)² with respect to p is 2(p − t)."},
    },
    solution = function()
        say(string.format("∂MSE/∂pred[1] = 2(p₁ − t₁)/n = 2 × (%s − %s)/%d = %s", fmt(pred[1]:item()),
            fmt(target[1]:item()), pred:numel(), fmt(pred.grad[1]:item())))
        code [[pred.grad]]
    end,
}

say [[
The gradient points from the target to the prediction: gradient descent
moves each prediction toward its target, faster when it is further away.
]]

section "Softmax: scores into probabilities"

say [[
For classification the network outputs one score (logit) per class.
Softmax turns the scores z into probabilities: positive, adding to 1.
]]
formula [[
softmax(z)ₖ = e^(zₖ) / Σⱼ e^(zⱼ)
]]

code [[
z = var({{2.0, 1.0, 0.1}, {0.5, 2.5, 0.3}}, "z")
p = softmax(z)
]]

say [[
Adding the same number to every score changes nothing: the factor e^c
cancels between top and bottom. Softmax uses this to subtract the largest
score first, because e^z overflows a float64 for z above about 709: the
formula as written gives inf/inf, which is nan.
]]

code [[
big = tensor{1000, 999, 998}
exp(big) / sum(exp(big))
exp(big - 1000) / sum(exp(big - 1000))
softmax(big)
]]

ask {
    "p[1][1]",
    question = "Sample 1 has scores (2, 1, 0.1). Compute the softmax probability of class 1.",
    value = function() return p[1][1] end,
    hint = "e² / (e² + e¹ + e^0.1): math.exp(2)/(math.exp(2) + math.exp(1) + math.exp(0.1)).",
    mistakes = {{function() return 2 / 3.1 end, "Exponentiate the scores before dividing by their sum."}},
    solution = function() code [[p]] end,
}

section "Cross-entropy"

say [[
Cross-entropy is minus the log of the probability given to the right
class, averaged over the batch. Sample 1 is class 1, sample 2 is class 3:
]]
formula [[
L = (1/N) Σₙ −ln pₙ[yₙ]
]]

code [[
labels = {1, 3}
CE = cross_entropy(z, labels)
CE:backward()
]]

ask {
    "−ln p[1][1]",
    question = "Compute the loss of sample 1 alone, −ln p[1][1].",
    value = function() return -log(p[1][1]) end,
    hint = "-math.log(0.659).",
    solution = function() say("−ln " .. fmt(p[1][1]:item()) .. " = " .. fmt(-math.log(p[1][1]:item()))) end,
}

ask {
    "CE",
    question = "Compute the cross-entropy of the batch (mean over both samples).",
    value = function() return CE end,
    hint = "Sample 2's class 3 has p[2][3] ≈ 0.0889; average −ln p over the two samples.",
    mistakes = {
        {function() return -log(p[1][1]) - log(p[2][3]) end, "That is the sum; the loss is the mean over N = 2."},
        {function() return (-log(p[1][1]) - log(p[2][1])) / 2 end, "Sample 2 is class 3: use p[2][3]."},
    },
    solution = function()
        say(string.format("CE = (−ln %s − ln %s)/2 = %s", fmt(p[1][1]:item()), fmt(p[2][3]:item()), fmt(CE:item())))
    end,
}

say [[
A confident wrong answer costs a lot: sample 2 put 0.80 on class 2 and
only 0.089 on the right one, so it pays −ln 0.089 ≈ 2.4.
]]

section "Why the gradient is p − y"

say [[
With y the one-hot vector of the right class, the loss of one sample is
−Σₖ yₖ ln pₖ, and softmax gives ∂pₖ/∂zⱼ = pₖ(δₖⱼ − pⱼ). Multiplying out:
]]
formula [[
∂L/∂zⱼ = −Σₖ yₖ (1/pₖ) pₖ (δₖⱼ − pⱼ) = −yⱼ + pⱼ Σₖ yₖ = pⱼ − yⱼ
]]
say [[
The last step uses Σₖ yₖ = 1: y is one-hot (or any probability vector),
so its entries add up to 1. All the exponentials and logarithms cancel:
the gradient on the scores is just "predicted minus wanted", divided by N
for the mean over the batch.
]]

ask {
    "∂CE/∂z[1][1]",
    question = "Compute ∂CE/∂z[1][1] = (p[1][1] − 1)/N.",
    value = function() return z.grad[1][1] end,
    hint = "(0.659 − 1)/2: sample 1 is class 1, so y = 1 there.",
    mistakes = {
        {function() return p[1][1] - 1 end, "Divide by N = 2: the loss is a mean over the batch."},
        {function() return p[1][1] / 2 end, "Subtract y = 1: sample 1 is class 1."},
        {function() return 1 - p[1][1] end, "The sign, and the mean: the gradient is (p − y)/N, here (p[1][1] − 1)/2."},
    },
    solution = function()
        say(string.format("∂CE/∂z[1][1] = (p[1][1] − y)/N = (%s − 1)/%d = %s", fmt(p[1][1]:item()), #labels,
            fmt(z.grad[1][1]:item())))
        code [[z.grad]]
    end,
}

ask {
    "∂CE/∂z[2][2]",
    question = "Compute ∂CE/∂z[2][2] (class 2 is not sample 2's class).",
    value = function() return z.grad[2][2] end,
    hint = "(p[2][2] − 0)/2.",
    mistakes = {
        {function() return (p[2][2] - 1) / 2 end, "y is 0 for class 2 of sample 2 (its class is 3): (p[2][2] − 0)/2."},
        {function() return p[2][2] end, "Divide by N = 2: the loss is a mean over the batch."},
    },
    solution = function()
        say(string.format("∂CE/∂z[2][2] = (p[2][2] − y)/N = (%s − 0)/%d = %s", fmt(p[2][2]:item()), #labels,
            fmt(z.grad[2][2]:item())))
        code [[z.grad]]
    end,
}

code [[
onehot = tensor{{1, 0, 0}, {0, 0, 1}}
(p - onehot) / 2
]]

check(math.abs(sum(abs((p - onehot) / 2 - z.grad)):item()) < 1e-12,
    "the gradient gradcalc computed through softmax and log is (p − y)/N")

say [[
Next, the chain rule through a whole network, one weight at a time
(lesson 5).
]]
