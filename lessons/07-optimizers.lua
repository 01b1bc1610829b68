-- Lesson 7: Momentum, RMSProp and Adam by hand for three steps on
-- L(w) = w², with gradcalc's traced optimizer updates; then how each
-- copes with a badly scaled and with a noisy gradient.

lesson {
    title = "Momentum, RMSProp and Adam",
    summary = "three steps of each by hand, traced; badly scaled and noisy gradients",
}

precision(6)

say [[
All three optimizers start from gradient descent, w ← w − η×g, and change
the step. We work them on the smallest problem: L(w) = w², gradient
g = 2w, starting at w = 1. Plain gradient descent with η = 0.1 multiplies
w by 0.8 each step: 0.8, 0.64, 0.512.

gradcalc's optimizers update as PyTorch's do; opt:step{trace=true}
prints each update with its numbers. run(make, n) runs n steps of an
optimizer from w = 1 and returns w; traced(make, n) prints the updates.
The worked solutions show the step asked for, with the letters of this
lesson: v is Momentum's velocity, m the running mean of g, s the running
mean of g² (RMSProp's and Adam's).
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


-- ---- worked steps ------------------------------------------------------------
-- The optimizers' settings, as the code of the lesson makes them. The
-- worked solutions redo each step by the lesson's formulas, from gradcalc's
-- own g (backward) and w (the optimizer), and stop the lesson if the
-- formulas and the optimizer disagree.
local SETTINGS = {
    momentum = {lr = 0.1, mu = 0.9},
    rmsprop = {lr = 0.01, alpha = 0.99, eps = 1e-8},
    adam = {lr = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8},
}

-- The n steps of optimizer `kind` on L = scale×w² from w = 1: for each,
-- w before, g, the state before (v0, m0, s0) and after (v, m, s, m̂ = mhat,
-- ŝ = shat), and w after.
local function steps_of(kind, n, scale)
    local h = SETTINGS[kind]
    local make = ({momentum = momentum, rmsprop = rmsprop, adam = adam})[kind]
    local w = var(1, "w")
    local opt = make({w})
    local v, m, sq = 0, 0, 0
    local out = {}
    for t = 1, n do
        opt:zero_grad()
        local L = (scale or 1) * w^2
        L:backward()
        local r = {t = t, w = w:item(), g = w.grad:item(), v0 = v, m0 = m, s0 = sq}
        local g = r.g
        local new
        if kind == "momentum" then
            v = t == 1 and g or h.mu * v + g
            new = r.w - h.lr * v
        elseif kind == "rmsprop" then
            sq = h.alpha * sq + (1 - h.alpha) * g * g
            new = r.w - h.lr * g / (math.sqrt(sq) + h.eps)
        else
            m = h.beta1 * m + (1 - h.beta1) * g
            sq = h.beta2 * sq + (1 - h.beta2) * g * g
            r.mhat, r.shat = m / (1 - h.beta1 ^ t), sq / (1 - h.beta2 ^ t)
            new = r.w - h.lr * r.mhat / (math.sqrt(r.shat) + h.eps)
        end
        r.v, r.m, r.s = v, m, sq
        opt:step()
        r.new = w:item()
        if math.abs(r.new - new) > 1e-12 * math.max(1, math.abs(new)) then
            error(string.format("the %s formulas give w = %.17g at step %d, the optimizer %.17g",
                kind, new, t, r.new), 0)
        end
        out[t] = r
    end
    return out
end

-- Prints step n of optimizer `kind`, with its numbers.
local function show_step(kind, n, scale)
    local h, r = SETTINGS[kind], steps_of(kind, n, scale)[n]
    local f = fmt
    local lines = {string.format("step %d: w = %s, g = ∂L/∂w = %s", n, f(r.w), f(r.g))}
    local function add(...) lines[#lines + 1] = "    " .. string.format(...) end
    if kind == "momentum" then
        if n == 1 then
            add("v ← g = %s   (the first step starts v at g)", f(r.v))
        else
            add("v ← μ×v + g = %s × %s + %s = %s", f(h.mu), f(r.v0), f(r.g), f(r.v))
        end
        add("w ← w − η×v = %s − %s × %s = %s", f(r.w), f(h.lr), f(r.v), f(r.new))
    elseif kind == "rmsprop" then
        add("s ← α×s + (1 − α)×g² = %s × %s + %s × (%s)² = %s", f(h.alpha), f(r.s0), f(1 - h.alpha),
            f(r.g), f(r.s))
        add("w ← w − η×g/(√s + ε) = %s − %s × %s/(√%s + %s) = %s", f(r.w), f(h.lr), f(r.g), f(r.s),
            f(h.eps), f(r.new))
    else
        add("m ← β1×m + (1 − β1)×g = %s × %s + %s × %s = %s", f(h.beta1), f(r.m0), f(1 - h.beta1),
            f(r.g), f(r.m))
        add("s ← β2×s + (1 − β2)×g² = %s × %s + %s × (%s)² = %s", f(h.beta2), f(r.s0),
            f(1 - h.beta2), f(r.g), f(r.s))
        add("m̂ = m/(1 − β1ᵗ) = %s/(1 − %s^%d) = %s", f(r.m), f(h.beta1), n, f(r.mhat))
        add("ŝ = s/(1 − β2ᵗ) = %s/(1 − %s^%d) = %s", f(r.s), f(h.beta2), n, f(r.shat))
        add("w ← w − η×m̂/(√ŝ + ε) = %s − %s × %s/(√%s + %s) = %s", f(r.w), f(h.lr), f(r.mhat),
            f(r.shat), f(h.eps), f(r.new))
    end
    say(table.concat(lines, "\n"))
end

-- Adam's step t from w and g by the formulas, with the bias correction of
-- step tc (nil: none) and the state m, s of the step before.
local function adam_with(r, tc)
    local h = SETTINGS.adam
    local m = h.beta1 * r.m0 + (1 - h.beta1) * r.g
    local sq = h.beta2 * r.s0 + (1 - h.beta2) * r.g ^ 2
    if tc then m, sq = m / (1 - h.beta1 ^ tc), sq / (1 - h.beta2 ^ tc) end
    return r.w - h.lr * m / (math.sqrt(sq) + h.eps)
end

section "Momentum"

say [[
Momentum keeps a velocity v, a running sum of past gradients, and steps
along it: a ball rolling downhill, speeding up while the slope keeps its
sign. (PyTorch's form: the learning rate multiplies v, not g.)
]]
formula [[
v ← μ×v + g        (v = g at the first step)
w ← w − η×v        here η = 0.1, μ = 0.9
]]

code [[momentum = function(p) return optim.SGD(p, {lr = 0.1, momentum = 0.9}) end]]

ask {
    "w after step 1",
    question = "Step 1: g = 2, so v = 2. Compute w after step 1.",
    value = function() return run(momentum, 1) end,
    hint = "1 − 0.1 × 2.",
    solution = function() show_step("momentum", 1) end,
}

ask {
    "v at step 2",
    question = "Step 2: g = 2×w. Compute the velocity v = 0.9×v + g.",
    value = function() return steps_of("momentum", 2)[2].v end,
    hint = "g = 2 × 0.8 = 1.6; v = 0.9 × 2 + 1.6.",
    mistakes = {
        {function() return 0.9 * steps_of("momentum", 2)[2].v0 end, "Add the new gradient g = 1.6 to 0.9×v."},
        {function() local r = steps_of("momentum", 2)[2]; return 0.9 * r.v0 + 0.1 * r.g end,
         "That is a running mean, 0.9×v + 0.1×g; Momentum adds the whole g: v = 0.9×v + g."},
    },
    solution = function() show_step("momentum", 2) end,
}

ask {
    "w after step 3",
    question = "Compute w after step 3 (w after step 2 is 0.8 − 0.1 × 3.4 = 0.46).",
    value = function() return run(momentum, 3) end,
    hint = "g = 0.92, v = 0.9 × 3.4 + 0.92 = 3.98, w = 0.46 − 0.398.",
    mistakes = {{function() return 0.512 end, "That is plain gradient descent; momentum adds 0.9×v to the gradient."}},
    solution = function() show_step("momentum", 3) end,
}

say(string.format([[
After three steps momentum is at %s where plain descent is at 0.512:
the velocity builds up. It also overshoots: the next steps take w below 0,
and it oscillates in toward the minimum. gradcalc's own trace of the three
steps:]], fmt(run(momentum, 3))))

code [[traced(momentum, 3)]]

section "RMSProp"

say [[
RMSProp divides each weight's step by the root of a running mean s of its
squared gradients: a weight with big gradients takes smaller steps, one
with small gradients larger ones.
]]
formula [[
s ← α×s + (1 − α)×g²          (s starts at 0; α = 0.99)
w ← w − η×g / (√s + ε)        (η = 0.01, ε = 1e-8)
]]

code [[rmsprop = function(p) return optim.RMSprop(p, {lr = 0.01, alpha = 0.99}) end]]

ask {
    "s after step 1",
    question = "Step 1: g = 2. Compute s = 0.99 × 0 + 0.01 × g².",
    value = function() return steps_of("rmsprop", 1)[1].s end,
    hint = "0.01 × 4.",
    mistakes = {
        {function() return steps_of("rmsprop", 1)[1].g ^ 2 end,
         "That is g² itself: without the (1 − α) the running mean takes all of g²; it takes 0.01 of it."},
        {function() return 0.99 * steps_of("rmsprop", 1)[1].g ^ 2 end,
         "α and 1 − α swapped: the new g² gets the weight 1 − α = 0.01, the old s the weight α = 0.99."},
    },
    solution = function() show_step("rmsprop", 1) end,
}

ask {
    "w after step 1",
    question = "Compute w after step 1, w − η×g/√s.",
    value = function() return run(rmsprop, 1) end,
    hint = "√0.04 = 0.2, so the step is 0.01 × 2 / 0.2.",
    mistakes = {
        {function() local r = steps_of("rmsprop", 1)[1]; return r.w - 0.01 * r.g / r.s end,
         "You divided by s; divide by its square root, √s = 0.2."},
        {function() local r = steps_of("rmsprop", 1)[1]; return r.w - 0.01 * r.g / math.abs(r.g) end,
         "You took s = g² (no 1 − α); s is the running mean, 0.01×g² at the first step."},
    },
    solution = function() show_step("rmsprop", 1) end,
}

ask {
    "w after step 2",
    question = "Compute w after step 2.",
    value = function() return run(rmsprop, 2) end,
    hint = "g = 1.8; s = 0.99 × 0.04 + 0.01 × 1.8² = 0.072; step = 0.01 × 1.8/√0.072.",
    mistakes = {
        {function() local r = steps_of("rmsprop", 2)[2]; return r.w - 0.01 * r.g / math.sqrt(r.s0) end,
         "You kept s from step 1; update it first: s = 0.99 × 0.04 + 0.01 × 1.8²."},
        {function() local r = steps_of("rmsprop", 2)[2]; return r.w - 0.01 * r.g / r.s end,
         "You divided by s; divide by its square root."},
        {function() local r = steps_of("rmsprop", 2)[2]; return r.w - 0.01 * r.g / math.sqrt(0.01 * r.g ^ 2) end,
         "You started s afresh from the new g; s carries 0.99 of its old value: s = 0.99 × 0.04 + 0.01 × 1.8²."},
    },
    solution = function() show_step("rmsprop", 2) end,
}

say [[
The first step was 0.1 = η/√(1 − α), whatever g was: without a bias
correction s starts small, so the first steps are large. Only a gradient
as small as ε changes that: ε sits outside the square root, next to √s.
]]

ask {
    "w after step 1, tiny g",
    question = [[
        Had the loss been 5e-7×w², the gradient at w = 1 would be g = 1e-6. Compute
        w after RMSProp's first step, w − η×g/(√s + ε) with ε = 1e-8.]],
    value = function() return run(rmsprop, 1, 5e-7) end,
    hint = "s = 0.01 × (1e-6)² = 1e-14, √s = 1e-7; then add ε = 1e-8 to √s.",
    mistakes = {
        {function() local r = steps_of("rmsprop", 1, 5e-7)[1]; return r.w - 0.01 * r.g / math.sqrt(r.s + 1e-8) end,
         "ε goes outside the square root: √s + ε, not √(s + ε). Inside, ε swamps s = 1e-14."},
        {function() local r = steps_of("rmsprop", 1, 5e-7)[1]; return r.w - 0.01 * r.g / math.sqrt(r.s) end,
         "Without ε the step is η/√(1 − α) = 0.1 again; here √s = 1e-7 and ε = 1e-8 is a tenth of it."},
    },
    solution = function() show_step("rmsprop", 1, 5e-7) end,
}

section "Adam"

say [[
Adam keeps both: m, a running mean of g (momentum), and s, a running mean
of g² (RMSProp's s; PyTorch and gradcalc's trace call it v). Both start at
0, so both are divided by (1 − βᵗ) to correct the early steps.
]]
formula [[
m ← β1×m + (1 − β1)×g          s ← β2×s + (1 − β2)×g²
m̂ = m/(1 − β1ᵗ)                ŝ = s/(1 − β2ᵗ)
w ← w − η×m̂/(√ŝ + ε)           β1 = 0.9, β2 = 0.999, η = 0.1
]]

code [[adam = function(p) return optim.Adam(p, {lr = 0.1}) end]]

ask {
    "w after step 1",
    question = "Step 1: m̂ = g and ŝ = g² exactly. Compute w after step 1.",
    value = function() return run(adam, 1) end,
    hint = "m̂/√ŝ = g/|g| = 1: the first step is η.",
    mistakes = {
        {function() return adam_with(steps_of("adam", 1)[1], nil) end,
         "You left out the bias correction: m = 0.2 and s = 0.004 are divided by 1 − β1¹ and 1 − β2¹."},
        {function() return adam_with(steps_of("adam", 1)[1], 2) end,
         "The bias correction is for t = 1 at the first step: 1 − 0.9¹ and 1 − 0.999¹."},
    },
    solution = function() show_step("adam", 1) end,
}

ask {
    "m̂ at step 2",
    question = "Step 2: g = 1.8. Compute m = 0.9×m + 0.1×g, then m̂ = m/(1 − 0.9²).",
    value = function() return steps_of("adam", 2)[2].mhat end,
    hint = "m after step 1 is 0.2; m = 0.18 + 0.18 = 0.36; divide by 0.19.",
    mistakes = {
        {function() return steps_of("adam", 2)[2].m end, "That is m; divide by 1 − 0.9² = 0.19 for m̂."},
        {function() return steps_of("adam", 2)[2].m / (1 - 0.9) end,
         "t is off by one: at step 2 the correction is 1 − 0.9², not 1 − 0.9¹."},
        {function() return steps_of("adam", 2)[2].m / (1 - 0.9 ^ 3) end,
         "t is off by one: at step 2 the correction is 1 − 0.9², not 1 − 0.9³."},
    },
    solution = function() show_step("adam", 2) end,
}

ask {
    "w after step 2",
    question = "s = 0.999 × 0.004 + 0.001 × 1.8² = 0.007236, ŝ = s/(1 − 0.999²). Compute w after step 2.",
    value = function() return run(adam, 2) end,
    hint = "ŝ = 0.007236/0.001999 ≈ 3.6198, √ŝ ≈ 1.9026; w = 0.9 − 0.1 × 1.8947/1.9026.",
    mistakes = {
        {function() return adam_with(steps_of("adam", 2)[2], nil) end,
         "You left out the bias correction: divide m by 1 − 0.9² and s by 1 − 0.999²."},
        {function() return adam_with(steps_of("adam", 2)[2], 1) end,
         "t is off by one: at step 2 the corrections are 1 − 0.9² and 1 − 0.999²."},
        {function() return adam_with(steps_of("adam", 2)[2], 3) end,
         "t is off by one: at step 2 the corrections are 1 − 0.9² and 1 − 0.999², not cubes."},
    },
    solution = function() show_step("adam", 2) end,
}

ask {
    "w after Adam's step 1, g 1000× larger",
    question = "Had the loss been 1000×w² (g = 2000), where would Adam's first step take w?",
    value = function() return run(adam, 1, 1000) end,
    hint = "m̂/√ŝ = g/|g| does not depend on the size of g.",
    solution = function()
        local sgd = function(p) return optim.SGD(p, {lr = 0.1}) end
        say(string.format("Adam: w = %s, a step of η as before. Plain gradient descent with η = 0.1\n" ..
            "would jump to 1 − 0.1 × 2000 = %s.", fmt(run(adam, 1, 1000)), fmt(run(sgd, 1, 1000))))
    end,
}

section "Badly scaled gradients"

say [[
Take L = w1² + 100×w2²: a valley 10 times narrower across w2 than along
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
Where does w wander once it has settled? Each optimizer runs 1000 steps,
ten times with ten different noise sequences (seeds 1 to 10); each line
gives the mean of w over steps 501 to 1000, and its spread (standard
deviation) over those steps, both averaged over the ten runs.
]]

code [=[
function noisy(make, s)
    seed(s)
    local w = var(0, "w")
    local opt = make({w})
    local sum, sq = 0, 0
    for i = 1, 1000 do
        opt:zero_grad()
        local L = (w - 3)^2 + 4 * randn(1)[1] * w
        L:backward()
        opt:step()
        if i > 500 then sum = sum + w:item(); sq = sq + w:item()^2 end
    end
    local mean = sum / 500
    return mean, math.sqrt(math.max(sq / 500 - mean^2, 0))
end
spread = {}
for _, o in ipairs({
    {"SGD lr=0.1", function(p) return optim.SGD(p, {lr = 0.1}) end},
    {"SGD lr=0.02", function(p) return optim.SGD(p, {lr = 0.02}) end},
    {"SGD lr=0.002, momentum 0.9", function(p) return optim.SGD(p, {lr = 0.002, momentum = 0.9}) end},
    {"Adam lr=0.05", function(p) return optim.Adam(p, {lr = 0.05}) end},
}) do
    local mean, sd = 0, 0
    for s = 1, 10 do
        local m, d = noisy(o[2], s)
        mean, sd = mean + m / 10, sd + d / 10
    end
    spread[o[1]] = sd
    print(string.format("%-26s mean %.2f  spread %.2f", o[1], mean, sd))
end
]=]

check(spread["SGD lr=0.02"] < spread["SGD lr=0.1"], "η = 0.02 wanders less than η = 0.1")
check(math.abs(spread["SGD lr=0.002, momentum 0.9"] / spread["SGD lr=0.02"] - 1) < 0.25,
    "momentum with η = 0.002 wanders about as much as plain η = 0.02 (within 25 %)")
check(spread["Adam lr=0.05"] < spread["SGD lr=0.02"] and spread["Adam lr=0.05"] > 0.5 * spread["SGD lr=0.02"],
    "Adam with η = 0.05 wanders less than SGD at 0.02, but more than half as much")

say(string.format([[
The size of the step sets how far w wanders: η = 0.02 wanders less than
η = 0.1. Momentum with η = 0.002 has the long-run step of η = 0.02
(0.002/(1 − 0.9)): it averages the noise over about ten steps, and it
wanders about as much; momentum is no cure for noise, a smaller step (or
a bigger batch) is. Adam's steps shrink as the noise swells ŝ, and with
η = 0.05 it wanders somewhat less than SGD at 0.02 (spread %.2f against
%.2f), not far less: over 1000 steps and ten seeds Adam is no cure for
noise either. One run with one seed can suggest more than that; averaging
over several runs is how to compare optimizers on noisy problems.

Next: all of it at once, a network trained from scratch (lesson 8).
]], spread["Adam lr=0.05"], spread["SGD lr=0.02"]))
