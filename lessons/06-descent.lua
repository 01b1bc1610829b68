-- Lesson 6: gradient descent: the update by hand, the loop, the learning
-- rate (too small, right, too large, diverging), and a loss curve.

lesson {
    title = "Gradient descent",
    summary = "the loop, the learning rate (too small, too large, diverging), a loss curve in the terminal",
}

precision(6)

section "One step, by hand"

say [[
The gradient says which way the loss goes up fastest; gradient descent
takes a small step the other way, of size η (the learning rate):
]]
formula [[
w ← w − η × ∂L/∂w
]]
say [[
Take the simplest loss there is, L(w) = (w − 3)², smallest at w = 3,
with ∂L/∂w = 2(w − 3). Start at w = 0 with η = 0.1.
]]

code [[
w = var(0, "w")
lr = 0.1
L = (w - 3)^2
L:backward()
]]

ask {
    "∂L/∂w",
    question = "Compute ∂L/∂w at w = 0.",
    value = function() return w.grad end,
    hint = "2(w − 3) at w = 0.",
    mistakes = {{function() return -w.grad end, "The sign: 2(0 − 3) is negative, so the loss falls as w grows."}},
    solution = function() explain(L, w) end,
}

ask {
    "w after step 1",
    question = "Compute w after one step: w − η×∂L/∂w.",
    value = function() return w - lr * w.grad end,
    hint = "0 − 0.1 × (−6).",
    mistakes = {{function() return w + lr * w.grad end, "Step against the gradient: subtract η×∂L/∂w."}},
    solution = function()
        say(string.format("w ← w − η×∂L/∂w = %s − %s × (%s) = %s", fmt(w:item()), fmt(lr), fmt(w.grad:item()),
            fmt((w - lr * w.grad):item())))
    end,
}

say [[
In gradcalc the update changes w in place, with w:sub_(lr * w.grad), and
w:zero_grad() clears the gradient before the next backward (gradients
add up otherwise).
]]

code [[
w:sub_(lr * w.grad)
w:zero_grad()
L = (w - 3)^2
L:backward()
]]

ask {
    "w after step 2",
    question = "Compute w after the second step.",
    value = function() return w - lr * w.grad end,
    hint = "Now w = 0.6 and ∂L/∂w = 2(0.6 − 3) = −4.8.",
    mistakes = {
        {function()
            -- without w:zero_grad() the new gradient adds to the first one
            local w0 = var(0)
            local L0 = (w0 - 3)^2
            L0:backward()
            return w - lr * (w.grad + w0.grad)
        end, "You added the new gradient to the old one: that is what forgetting w:zero_grad() does. " ..
             "Use ∂L/∂w at the new w alone."},
        {function() return w - lr * w.grad - lr * w.grad end,
         "That is two steps with the new gradient; take one."},
    },
    solution = function()
        say(string.format("w ← %s − %s × (%s) = %s", fmt(w:item()), fmt(lr), fmt(w.grad:item()),
            fmt((w - lr * w.grad):item())))
    end,
}

section "The loop"

say [[
Training is that step in a loop: forward, backward, update, clear. Here
is the loop as a function of the learning rate, recording the loss at
each step.
]]

code [[
function descend(lr, steps)
    local w = var(0)
    local losses = {}
    for i = 1, steps do
        local L = (w - 3)^2
        losses[i] = L:item()
        L:backward()
        w:sub_(lr * w.grad)
        w:zero_grad()
    end
    return w, losses
end
]]

say [[
Each step multiplies the distance to 3 by the same factor: with
w' = w − η×2(w − 3), we get w' − 3 = (1 − 2η)(w − 3).
]]

code [[
w20, losses = descend(0.1, 20)
w20
plot(losses, {title = "loss, lr = 0.1", height = 6, width = 40})
]]

ask {
    "steps",
    question = "With η = 0.1 the distance 3 shrinks by 0.8 per step. How many steps until it is below 0.01?",
    value = function()
        local w, n = var(0), 0
        while math.abs(w:item() - 3) >= 0.01 do
            local L = (w - 3)^2
            L:backward()
            w:sub_(0.1 * w.grad)
            w:zero_grad()
            n = n + 1
        end
        return n
    end,
    hint = "The smallest n with 3 × 0.8ⁿ < 0.01: n > ln(0.01/3)/ln(0.8).",
    mistakes = {
        {function() return math.floor(math.log(0.01 / 3) / math.log(0.8)) end,
         "One step short: after that many steps the distance is still above 0.01. Round n up."},
        {function() return math.floor(math.log(0.01 / 3) / math.log(0.8)) + 2 end,
         "One step too many: the distance is already below 0.01 a step earlier."},
    },
    solution = function()
        say(string.format("3 × 0.8ⁿ < 0.01 when n > ln(0.01/3)/ln(0.8) = %s, so n = %d.",
            fmt(math.log(0.01 / 3) / math.log(0.8)), math.ceil(math.log(0.01 / 3) / math.log(0.8))))
    end,
}

section "The learning rate"

say [[
Too small, and training crawls; too large, and w overshoots 3 and bounces
from side to side; larger still, and every bounce is bigger than the last:
the loss diverges. Twenty steps of each:
]]

code [[
for _, lr in ipairs({0.01, 0.1, 0.5, 0.9, 1.1}) do
    local w, losses = descend(lr, 20)
    print(string.format("lr = %-5g  factor 1 - 2lr = %-5g  w after 20 steps = %.6g", lr, 1 - 2 * lr, w:item()))
end
]]

say [[
η = 0.9 ends exactly where η = 0.1 does: the factors 0.8 and −0.8
shrink the distance equally, but −0.8 flips w across 3 at every step
(twenty flips bring it back to the same side). Past η = 1 the size of
the factor passes 1, and the loss grows:
]]

code [[
_, losses = descend(1.1, 20)
plot(losses, {title = "loss, lr = 1.1: diverging", height = 6, width = 40})
]]

ask {
    "factor",
    question = "With η = 1.1, by what factor does each step multiply w − 3?",
    value = function()
        local w = var(0)
        local L = (w - 3)^2
        L:backward()
        return ((w - 1.1 * w.grad) - 3) / (w - 3)
    end,
    hint = "1 − 2η.",
    mistakes = {{function() return 1 + 2 * 1.1 end, "w' − 3 = (1 − 2η)(w − 3): the step subtracts."}},
    solution = function() say("1 − 2 × 1.1 = −1.2: the sign flips each step (a bounce) and the size grows by 20 %.") end,
}

say [[
The best rate here is η = 0.5 (factor 0: one step lands on 3), because
this loss has curvature ∂²L/∂w² = 2 and η = 1/curvature. A real network
has many directions with different curvatures, and one η must suit the
steepest: lesson 7 is about optimizers that adapt the step.
]]

section "A loss curve on data"

say [[
Now a line fitted to 20 noisy points, y ≈ 2x + 1, by gradient descent on
the mean squared error. seed(1) makes the noise the same every time.
]]

code [[
seed(1)
x = linspace(-1, 1, 20)
y = 2 * x + 1 + 0.1 * randn(20)
a, b = var(0, "a"), var(0, "b")
losses = {}
for step = 1, 60 do
    local L = mse(a * x + b, y)
    losses[step] = L:item()
    L:backward()
    a:sub_(0.1 * a.grad); b:sub_(0.1 * b.grad)
    a:zero_grad(); b:zero_grad()
end
plot(losses, {title = "MSE over 60 steps, lr = 0.1", height = 8, width = 60})
print(string.format("a = %.4f, b = %.4f, final loss %.4f", a:item(), b:item(), losses[60]))
]]

ask {
    "first loss",
    question = "With a = b = 0 every prediction is 0, so the first loss is the mean of the squares, mean(y²). What was it? Read it off the curve.",
    value = function() return losses[1] end,
    tol = 0.05,
    hint = "At the prompt (type repl): mean(y^2), or losses[1]. The mean of the squares is not the square of the mean.",
    mistakes = {
        {function() return mean(y)^2 end,
         "That is (mean y)², the square of the mean; the loss is the mean of the squares, " ..
         "larger by the variance of y."},
    },
    solution = function()
        code [[mean(y^2)]]
        say(string.format("mean(y²) = (mean y)² + the variance of y = %s + %s = %s:\n" ..
            "the points spread from about −1 to 3, so their squares average well above (mean y)².",
            fmt((mean(y)^2):item()), fmt((mean(y^2) - mean(y)^2):item()), fmt(mean(y^2):item())))
    end,
}

check(losses[60] < 0.05 * losses[1], "60 steps brought the loss down by more than 95 %")

say [[
The curve falls fast, then flattens: the gradient shrinks as the fit
gets better, and so do the steps.
]]
