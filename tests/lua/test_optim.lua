-- test_optim.lua - optim.SGD, optim.RMSprop and optim.Adam against the
-- same updates written out here in plain Lua numbers, step by step.
local check = dofile("tests/lua/check.lua")

local target = {3, -1}
local start = {0.5, 2}

-- The loss every trajectory minimises: f(w) = Σ (w_i − target_i)².
local function loss(w) return sum((w - tensor(target)) ^ 2) end
local function gradient(w) return {2 * (w[1] - target[1]), 2 * (w[2] - target[2])} end

-- ---- the reference updates, written from the equations ----------------------

local reference = {}

function reference.SGD(o, steps)
    local lr, mu, damp, wd = o.lr, o.momentum or 0, o.dampening or 0, o.weight_decay or 0
    local w, v, path = {start[1], start[2]}, {}, {}
    for t = 1, steps do
        local g = gradient(w)
        for i = 1, 2 do
            local gi = g[i] + wd * w[i]
            if mu ~= 0 then
                if t == 1 then v[i] = gi else v[i] = mu * v[i] + (1 - damp) * gi end
                if o.nesterov then gi = gi + mu * v[i] else gi = v[i] end
            end
            w[i] = w[i] - lr * gi
        end
        path[t] = {w[1], w[2]}
    end
    return path
end

function reference.RMSprop(o, steps)
    local lr, alpha, eps = o.lr or 0.01, o.alpha or 0.99, o.eps or 1e-8
    local mu, wd = o.momentum or 0, o.weight_decay or 0
    local w, v, buf, path = {start[1], start[2]}, {0, 0}, {0, 0}, {}
    for t = 1, steps do
        local g = gradient(w)
        for i = 1, 2 do
            local gi = g[i] + wd * w[i]
            v[i] = alpha * v[i] + (1 - alpha) * gi * gi
            if mu > 0 then
                buf[i] = mu * buf[i] + gi / (math.sqrt(v[i]) + eps)
                w[i] = w[i] - lr * buf[i]
            else
                w[i] = w[i] - lr * gi / (math.sqrt(v[i]) + eps)
            end
        end
        path[t] = {w[1], w[2]}
    end
    return path
end

function reference.Adam(o, steps)
    local lr, eps, wd = o.lr or 0.001, o.eps or 1e-8, o.weight_decay or 0
    local b1, b2 = (o.betas or {0.9, 0.999})[1], (o.betas or {0.9, 0.999})[2]
    local w, m, v, path = {start[1], start[2]}, {0, 0}, {0, 0}, {}
    for t = 1, steps do
        local g = gradient(w)
        for i = 1, 2 do
            local gi = g[i] + wd * w[i]
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            local mhat, vhat = m[i] / (1 - b1 ^ t), v[i] / (1 - b2 ^ t)
            w[i] = w[i] - lr * mhat / (math.sqrt(vhat) + eps)
        end
        path[t] = {w[1], w[2]}
    end
    return path
end

-- ---- the trajectories ------------------------------------------------------------

local function trajectory(kind, options, label)
    local w = var(start, "w")
    local opt = optim[kind]({w}, options)
    local expected = reference[kind](options, 5)
    local worst, at = 0, nil
    for t = 1, 5 do
        opt:zero_grad()
        loss(w):backward()
        opt:step()
        for i = 1, 2 do
            local err = math.abs(w[i]:item() - expected[t][i])
            if err > worst then worst, at = err, string.format("step %d, w[%d]: %.17g vs %.17g", t, i, w[i]:item(), expected[t][i]) end
        end
    end
    check.ok(worst <= 1e-12, kind .. " " .. label .. ": 5 steps match the hand-written update",
        "largest difference " .. worst .. " at " .. tostring(at))
end

trajectory("SGD", {lr = 0.1}, "plain")
trajectory("SGD", {lr = 0.1, momentum = 0.9}, "momentum")
trajectory("SGD", {lr = 0.05, momentum = 0.9, dampening = 0.3}, "momentum with dampening")
trajectory("SGD", {lr = 0.05, momentum = 0.8, nesterov = true, weight_decay = 0.01}, "nesterov + weight_decay")
trajectory("SGD", {lr = 0.1, weight_decay = 0.2}, "weight_decay")
trajectory("RMSprop", {}, "defaults")
trajectory("RMSprop", {lr = 0.05, alpha = 0.9, momentum = 0.5, weight_decay = 0.1}, "momentum + weight_decay")
trajectory("Adam", {}, "defaults")
trajectory("Adam", {lr = 0.1, betas = {0.8, 0.9}, eps = 1e-6, weight_decay = 0.05}, "betas + weight_decay")

-- A worked number: Adam's first step moves each weight by lr against the
-- sign of its gradient (m̂ = g, v̂ = g²), whatever the gradient's size.
do
    local w = var({1, 1}, "w")
    local opt = optim.Adam({w}, {lr = 0.1})
    sum(w * tensor({100, -0.01})):backward()
    opt:step()
    check.near(w[1], 0.9, 1e-9, "Adam step 1: w moves by −lr for a gradient of 100")
    check.near(w[2], 1.1, 1e-6, "Adam step 1: w moves by +lr for a gradient of −0.01")
end

-- ---- state, skipping, versions ----------------------------------------------------

do
    local a, b = var({1, 2}, "a"), var(5, "b")
    local opt = optim.Adam({a, b}, {lr = 0.1})
    sum(a * a):backward()            -- b gets no gradient
    opt:step()
    check.ok(b:item() == 5, "a parameter without a gradient is not moved")
    opt:zero_grad()
    sum(a * a):backward(); (b * 2):backward()
    opt:step()
    -- b takes its first step now, so its t is 1: it moves by lr exactly
    check.near(b, 4.9, 1e-9, "a skipped parameter's own step count starts when it first has a gradient")
    opt:zero_grad()
    check.ok(a.grad == nil and b.grad == nil, "zero_grad clears every parameter's gradient")
end

do
    local w = var({1, 2}, "w")
    local y = sum(w * w)
    y:backward()
    optim.SGD({w}, {lr = 0.1}):step()
    check.err("changed in place", "a graph built before step cannot run backward", function() y:backward() end)
end

do
    local w = var({1, 2}, "w")
    local opt = optim.SGD({w}, {lr = 0.5})
    check.ok(opt.lr == 0.5, "opt.lr reads the learning rate")
    opt.lr = 0.25
    sum(w):backward()
    opt:step()
    check.near(w[1], 0.75, 1e-15, "opt.lr = 0.25 changes the next step")
    check.ok(tostring(opt):find("optim.SGD(lr=0.25", 1, true) ~= nil, "tostring shows the settings", tostring(opt))
    check.ok(#opt.params == 1 and opt.params[1].name == "w", "opt.params lists the parameters")
end

-- ---- the trace ----------------------------------------------------------------------

-- Runs fn(trace_file) and returns what it wrote there.
local function traced(fn)
    local f = io.tmpfile()
    fn(f)
    f:seek("set")
    local text = f:read("a")
    f:close()
    return text
end

local function has(text, line, name)
    check.ok(text:find(line, 1, true) ~= nil, name, "no line '" .. line .. "' in:\n" .. text)
end

do
    local w = var({1, -2}, "w")
    local opt = optim.Adam({w}, {lr = 0.1})
    local text = traced(function(f)
        for _ = 1, 2 do
            opt:zero_grad()
            sum((w - tensor({3, 4})) ^ 2):backward()
            opt:step{trace = f}
        end
    end)
    has(text, "Adam step: lr = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-08", "Adam trace: a header with the settings")
    has(text, "w (t = 2)", "Adam trace: the step count t")
    has(text, "  w[1]: g = -4", "Adam trace: each element's gradient")
    has(text, "m = β1×m + (1−β1)×g = 0.9×0 + 0.1×(-4) = -0.4", "Adam trace: m with numbers")
    has(text, "v = β2×v + (1−β2)×g² = 0.999×0 + 0.001×16 = 0.016", "Adam trace: v with numbers")
    has(text, "m̂ = m/(1−β1^t) = (-0.4)/(1−0.9^1) = -4", "Adam trace: m̂ with numbers")
    has(text, "v̂ = v/(1−β2^t) = 0.030424/(1−0.999^2) = 15.2196", "Adam trace: v̂ at t = 2")
    has(text, "w[1] ← w[1] − lr×m̂/(√v̂ + ε) = 1 − 0.1×(-4)/(√16 + 1e-08) = 1.1", "Adam trace: the update with numbers")
end

do
    local w = var({1, 2}, "w")
    local opt = optim.SGD({w}, {lr = 0.1, momentum = 0.9, weight_decay = 0.5})
    local text = traced(function(f)
        for _ = 1, 2 do
            opt:zero_grad()
            sum(w * w):backward()
            opt:step{trace = f}
        end
    end)
    has(text, "SGD step: lr = 0.1, μ = 0.9, λ (weight_decay) = 0.5", "SGD trace: a header with the settings")
    has(text, "g = g + λ×w = 2 + 0.5×1 = 2.5", "SGD trace: weight decay with numbers")
    has(text, "v = g = 2.5   (the first step starts v at g)", "SGD trace: the first momentum step")
    has(text, "w[1] ← w[1] − lr×v = 1 − 0.1×2.5 = 0.75", "SGD trace: the update with numbers")
    has(text, "v = μ×v + g = 0.9×2.5 + 1.875 = 4.125", "SGD trace: v = μ×v + g with numbers")
end

do
    local w = var({4}, "w")
    local opt = optim.RMSprop({w}, {lr = 0.01})
    local text = traced(function(f)
        sum(w * w):backward()
        opt:step{trace = f}
    end)
    has(text, "s = α×s + (1−α)×g² = 0.99×0 + 0.01×64 = 0.64", "RMSprop trace: s, the mean of squares, with numbers")
    has(text, "w[1] ← w[1] − lr×g/(√s + ε) = 4 − 0.01×8/(√0.64 + 1e-08) = 3.9", "RMSprop trace: the update with numbers")
end

do
    local big, b = var(zeros(10), "big"), var(1, "b")
    local opt = optim.SGD({big, b}, {lr = 1})
    local text = traced(function(f)
        sum(big):backward()
        opt:step{trace = f}
    end)
    has(text, "big[4] ← big[4]", "a large tensor's first elements are traced")
    check.ok(not text:find("big[5]", 1, true), "later elements are not", text)
    has(text, "… and 6 more elements of big, updated the same way", "and are counted")
    has(text, "b: no gradient, skipped", "a parameter without a gradient is reported as skipped")
    check.near(big[10], -1, 0, "untraced elements are updated all the same")
end

do
    local w = tensor({{1, 2}, {3, 4}}, {requires_grad = true})
    local opt = optim.SGD({w}, {lr = 1})
    local text = traced(function(f) sum(w):backward(); opt:step{trace = f} end)
    has(text, "p1[2][1] ← p1[2][1] − lr×g = 3 − 1×1 = 2", "an unnamed parameter is called p<k>, indices from 1")
end

-- ---- errors -------------------------------------------------------------------------

local w = var({1, 2}, "w")
check.err("optim.SGD: params[2] is a number, expected a tensor", "a non-tensor in params",
    optim.SGD, {w, 3}, {lr = 1})
check.err("optim.Adam: parameter 1 does not require a gradient", "a parameter that does not require grad",
    optim.Adam, {tensor({1, 2})})
check.err("optim.SGD: lr (the learning rate) must be >= 0, got -0.5", "a negative learning rate",
    optim.SGD, {w}, {lr = -0.5})
check.err("optim.SGD: the learning rate lr is required", "SGD without lr", optim.SGD, {w})
check.err("optim.Adam: unknown option 'beta1' (valid options: lr, betas, eps, weight_decay)",
    "an unknown option lists the valid ones", optim.Adam, {w}, {beta1 = 0.9})
check.err("optim.RMSprop: unknown option 'betas' (valid options: lr, alpha, eps, momentum, weight_decay)",
    "each optimizer has its own options", optim.RMSprop, {w}, {betas = {0.9, 0.99}})
check.err("optim.SGD: nesterov needs a momentum > 0", "nesterov without momentum", optim.SGD, {w}, {lr = 1, nesterov = true})
check.err("optim.Adam: betas must be a list of two numbers", "betas of the wrong form", optim.Adam, {w}, {betas = 0.9})
check.err("optim.SGD: parameter 1 (y) is not a leaf", "a computed tensor as a parameter",
    function() local y = w * 2; y.name = "y"; return optim.SGD({y}, {lr = 1}) end)
check.err("optim.SGD: the list of parameters is empty", "an empty list", optim.SGD, {}, {lr = 1})
check.err("optim.SGD: parameter 2 (w) is the same tensor as parameter 1", "a parameter listed twice",
    optim.SGD, {w, w}, {lr = 1})
check.err("step: unknown option 'tracing' (valid options: trace)", "step's options are checked",
    function() optim.SGD({w}, {lr = 1}):step{tracing = true} end)

-- ---- help ---------------------------------------------------------------------------

for _, name in ipairs({"optim.SGD", "optim.RMSprop", "optim.Adam", "Optimizer:step", "Optimizer:zero_grad"}) do
    local doc = gradcalc._docs[name]
    check.ok(doc and doc.name == name and doc.signature and doc.summary and doc.example,
        "help entry " .. name)
end
check.ok(gradcalc._docs["optim.Adam"].summary:find("ε is added after the root", 1, true) ~= nil,
    "Adam's help says where ε sits")
check.ok(gradcalc._docs["optim.SGD"].summary:find("dampening", 1, true) ~= nil,
    "SGD's help explains dampening")

check.done()
