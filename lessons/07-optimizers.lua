-- Lesson 7: Momentum, RMSProp and Adam by hand for three steps on
-- L(w) = w², with gradcalc's traced optimizer updates; then how each
-- copes with a badly scaled and with a noisy gradient.

lesson {
    title = "Momentum, RMSProp and Adam",
    summary = "three steps of each by hand, traced; badly scaled and noisy gradients",
}

precision(6)

say [[
All three optimizers start from gradient descent, w ← w − η·g, and change
the step. We work them on the smallest problem: L(w) = w², gradient
g = 2w, starting at w = 1. Plain gradient descent with η = 0.1 multiplies
w by 0.8 each step: 0.8, 0.64, 0.512.

gradcalc's optimizers update as PyTorch's do; opt:step{trace=true}
prints each update with its numbers. This function runs n steps of an
optimizer from w = 1 and returns w:
]]

code [[
function run(make, n, grad_scale)
    local w = var(1, "w")
    local opt = make({w})
    for i = 1, n do
        opt:zero_grad()
        local L = (grad_scale or 1) * w^2
        L:backward()
        opt:step()
    end
    return w:item()
end
function traced(make, n)
    local w = var(1, "w")
    local opt = make({w})
    for i = 1, n do
        opt:zero_grad()
        local L = w^2
        L:backward()
        print("step " .. i .. ":")
        opt:step{trace = true}
    end
end
]]

section "Momentum"

say [[
Momentum keeps a velocity v, a running sum of past gradients, and steps
along it: a ball rolling downhill, speeding up while the slope keeps its
sign. (PyTorch's form: the learning rate multiplies v, not g.)
]]
formula [[
v ← μ·v + g        (v = g at the first step)
w ← w − η·v        here η = 0.1, μ = 0.9
]]

code [[momentum = function(p) return optim.SGD(p, {lr = 0.1, momentum = 0.9}) end]]

ask {
    "w after step 1",
    question = "Step 1: g = 2, so v = 2. Compute w after step 1.",
    value = function() return run(momentum, 1) end,
    hint = "1 − 0.1 × 2.",
    solution = function() traced(momentum, 1) end,
}

ask {
    "v at step 2",
    question = "Step 2: g = 2·w. Compute the velocity v = 0.9·v + g.",
    value = function() return (run(momentum, 1) - run(momentum, 2)) / 0.1 end,
    hint = "g = 2 × 0.8 = 1.6; v = 0.9 × 2 + 1.6.",
    mistakes = {{function() return 0.9 * 2 end, "Add the new gradient g = 1.6 to 0.9·v."}},
    solution = function() traced(momentum, 2) end,
}

ask {
    "w after step 3",
    question = "Compute w after step 3 (w after step 2 is 0.8 − 0.1 × 3.4 = 0.46).",
    value = function() return run(momentum, 3) end,
    hint = "g = 0.92, v = 0.9 × 3.4 + 0.92 = 3.98, w = 0.46 − 0.398.",
    mistakes = {{function() return 0.512 end, "That is plain gradient descent; momentum adds 0.9·v to the gradient."}},
    solution = function() traced(momentum, 3) end,
}

say [[
After three steps momentum is at 0.062 where plain descent is at 0.512:
the velocity builds up. It also overshoots: the next steps take w below 0,
and it oscillates in toward the minimum.
]]

section "RMSProp"

say [[
RMSProp divides each weight's step by the root of a running mean of its
squared gradients: a weight with big gradients takes smaller steps, one
with small gradients larger ones.
]]
formula [[
s ← α·s + (1 − α)·g²          (s starts at 0; α = 0.99)
w ← w − η·g / (√s + ε)        (η = 0.01, ε = 1e-8)
]]

code [[rmsprop = function(p) return optim.RMSprop(p, {lr = 0.01, alpha = 0.99}) end]]

ask {
    "s after step 1",
    question = "Step 1: g = 2. Compute s = 0.99 × 0 + 0.01 × g².",
    value = function() return 0.01 * 2^2 end,
    hint = "0.01 × 4.",
    solution = function() traced(rmsprop, 1) end,
}

ask {
    "w after step 1",
    question = "Compute w after step 1, w − η·g/√s.",
    value = function() return run(rmsprop, 1) end,
    hint = "√0.04 = 0.2, so the step is 0.01 × 2 / 0.2.",
    solution = function() traced(rmsprop, 1) end,
}

ask {
    "w after step 2",
    question = "Compute w after step 2.",
    value = function() return run(rmsprop, 2) end,
    hint = "g = 1.8; s = 0.99 × 0.04 + 0.01 × 1.8² = 0.072; step = 0.01 × 1.8/√0.072.",
    solution = function() traced(rmsprop, 3) end,
}

say [[
The first step was 0.1 = η/√(1 − α), whatever g was: without a bias
correction s starts small, so the first steps are large.
]]

section "Adam"

say [[
Adam keeps both: m, a running mean of g (momentum), and v, a running mean
of g² (RMSProp). Both start at 0, so both are divided by (1 − βᵗ) to
correct the early steps.
]]
formula [[
m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
m̂ = m/(1 − β1ᵗ)                v̂ = v/(1 − β2ᵗ)
w ← w − η·m̂/(√v̂ + ε)           β1 = 0.9, β2 = 0.999, η = 0.1
]]

code [[adam = function(p) return optim.Adam(p, {lr = 0.1}) end]]

ask {
    "w after step 1",
    question = "Step 1: m̂ = g and v̂ = g² exactly. Compute w after step 1.",
    value = function() return run(adam, 1) end,
    hint = "m̂/√v̂ = g/|g| = 1: the first step is η.",
    solution = function() traced(adam, 1) end,
}

ask {
    "m̂ at step 2",
    question = "Step 2: g = 1.8. Compute m = 0.9·m + 0.1·g, then m̂ = m/(1 − 0.9²).",
    value = function()
        local m = 0.9 * (0.1 * 2) + 0.1 * 1.8
        return m / (1 - 0.9^2)
    end,
    hint = "m after step 1 is 0.2; m = 0.18 + 0.18 = 0.36; divide by 0.19.",
    mistakes = {{function() return 0.36 end, "That is m; divide by 1 − 0.9² = 0.19 for m̂."}},
    solution = function() traced(adam, 2) end,
}

ask {
    "w after step 2",
    question = "v = 0.999 × 0.004 + 0.001 × 1.8² = 0.007236, v̂ = v/(1 − 0.999²). Compute w after step 2.",
    value = function() return run(adam, 2) end,
    hint = "v̂ = 0.007236/0.001999 ≈ 3.6198, √v̂ ≈ 1.9026; w = 0.9 − 0.1 × 1.8947/1.9026.",
    solution = function() traced(adam, 3) end,
}

ask {
    "w after Adam's step 1, g 1000× larger",
    question = "Had the loss been 1000·w² (g = 2000), where would Adam's first step take w?",
    value = function() return run(adam, 1, 1000) end,
    hint = "m̂/√v̂ = g/|g| does not depend on the size of g.",
    solution = function()
        local sgd = function(p) return optim.SGD(p, {lr = 0.1}) end
        say(string.format("Adam: w = %s, a step of η as before. Plain gradient descent with η = 0.1\n" ..
            "would jump to 1 − 0.1 × 2000 = %s.", fmt(run(adam, 1, 1000)), fmt(run(sgd, 1, 1000))))
    end,
}

section "Badly scaled gradients"

say [[
Take L = w1² + 100·w2²: a valley 10 times narrower across w2 than along
w1. Gradient descent must keep η below 0.01 or w2 diverges, and then w1
crawls. Thirty steps from (1, 1):
]]

code [[
function valley(make, steps)
    local w = var({1, 1}, "w")
    local opt = make({w})
    for i = 1, steps do
        opt:zero_grad()
        local L = w[1]^2 + 100 * w[2]^2
        L:backward()
        opt:step()
    end
    return w:totable()
end
for _, o in ipairs({
    {"SGD lr=0.009", function(p) return optim.SGD(p, {lr = 0.009}) end},
    {"Momentum lr=0.009", function(p) return optim.SGD(p, {lr = 0.009, momentum = 0.9}) end},
    {"RMSprop lr=0.01", function(p) return optim.RMSprop(p, {lr = 0.01}) end},
    {"Adam lr=0.1", function(p) return optim.Adam(p, {lr = 0.1}) end},
}) do
    local w = valley(o[2], 30)
    print(string.format("%-18s w1 = %8.4f   w2 = %8.4f", o[1], w[1], w[2]))
end
]]

say [[
Plain descent has w2 settled but w1 still far from 0. Momentum gets w1
moving (it has already swung past 0 and will come back), but w2 swings
too. RMSProp and Adam divide each coordinate by its own gradient size,
so w1 and w2 move at the same pace, whatever the scale.
]]

section "Noisy gradients"

say [[
Now the gradient of (w − 3)² comes with noise, as a mini-batch gradient
does: g = 2(w − 3) + noise, the noise normal with standard deviation 4.
Where does w wander after it has settled? The mean and spread of w over
steps 101 to 200:
]]

code [[
function noisy(make)
    seed(7)
    local w = var(0, "w")
    local opt = make({w})
    local sum, sq = 0, 0
    for i = 1, 200 do
        opt:zero_grad()
        local L = (w - 3)^2 + 4 * randn(1)[1] * w
        L:backward()
        opt:step()
        if i > 100 then sum = sum + w:item(); sq = sq + w:item()^2 end
    end
    local mean = sum / 100
    return mean, math.sqrt(math.max(sq / 100 - mean^2, 0))
end
for _, o in ipairs({
    {"SGD lr=0.1", function(p) return optim.SGD(p, {lr = 0.1}) end},
    {"SGD lr=0.02", function(p) return optim.SGD(p, {lr = 0.02}) end},
    {"SGD lr=0.002, momentum 0.9", function(p) return optim.SGD(p, {lr = 0.002, momentum = 0.9}) end},
    {"Adam lr=0.05", function(p) return optim.Adam(p, {lr = 0.05}) end},
}) do
    print(string.format("%-26s mean %.2f  spread %.2f", o[1], noisy(o[2])))
end
]]

say [[
The size of the step sets how far w wanders: η = 0.02 wanders less than
η = 0.1. Momentum with η = 0.002 has the long-run step of η = 0.02
(0.002/(1 − 0.9)): it averages the noise over about ten steps, and it
wanders about as much; momentum is no cure for noise, a smaller step (or
a bigger batch) is. Adam is different: the noise swells v̂, so its steps
shrink; w wanders little, but after 200 steps it has not yet reached 3.

Next: all of it at once, a network trained from scratch (lesson 8).
]]
