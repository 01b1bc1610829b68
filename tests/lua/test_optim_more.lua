-- test_optim_more.lua - Adagrad, AdamW and the learning-rate schedulers,
-- against plain-Lua versions of PyTorch's formulas and (when /usr/bin/python3
-- imports torch) against torch.optim itself; and the untraced loops against
-- the traced, element by element, bit for bit.
local check = dofile("tests/lua/check.lua")

local function values(n, seed)
    local v = {}
    for i = 1, n do v[i] = math.sin(i * 1.3 + seed) * 1.5 end
    return v
end

local function bits(t)
    local out = {}
    for i = 1, t:numel() do out[i] = string.format("%.17g", t:reshape{-1}[i]:item()) end
    return table.concat(out, " ")
end

-- steps of opt on w with loss Σ w³ + w (g = 3w² + 1)
local function train(kind, options, n, steps, trace)
    local w = var(values(n, 0.5), "w")
    local opt = optim[kind]({w}, options)
    local sink = trace and io.tmpfile()
    for _ = 1, steps do
        opt:zero_grad()
        sum(w * w * w + w):backward()
        opt:step(trace and {trace = sink} or nil)
    end
    if sink then sink:close() end
    return w
end

local configs = {
    {"SGD", {lr = 0.1}}, {"SGD", {lr = 0.1, momentum = 0.9, weight_decay = 0.1}},
    {"SGD", {lr = 0.1, momentum = 0.9, dampening = 0.2}},
    {"SGD", {lr = 0.1, momentum = 0.8, nesterov = true}},
    {"RMSprop", {lr = 0.01}}, {"RMSprop", {lr = 0.01, momentum = 0.5, weight_decay = 0.2}},
    {"Adam", {lr = 0.1}}, {"Adam", {lr = 0.1, weight_decay = 0.3, betas = {0.8, 0.9}}},
    {"Adagrad", {lr = 0.1}},
    {"Adagrad", {lr = 0.1, lr_decay = 0.05, weight_decay = 0.1, initial_accumulator_value = 0.2}},
    {"AdamW", {lr = 0.05}}, {"AdamW", {lr = 0.05, weight_decay = 0.3, betas = {0.8, 0.95}, eps = 1e-6}},
}

-- A 6-element parameter is traced whole, one element at a time; untraced it
-- goes through the loops. A 70,000-element one runs on the threads.
for k, c in ipairs(configs) do
    local traced, plain = train(c[1], c[2], 6, 4, true), train(c[1], c[2], 6, 4, false)
    check.ok(bits(traced) == bits(plain), string.format("%s config %d: traced and untraced steps agree to the bit", c[1], k),
             bits(traced) .. " vs " .. bits(plain))
end

-- ---- plain-Lua Adagrad and AdamW, as torch.optim writes them ----------------------

local function lua_adagrad(w, o, steps)
    local lr, decay, wd = o.lr or 0.01, o.lr_decay or 0, o.weight_decay or 0
    local init, eps = o.initial_accumulator_value or 0, o.eps or 1e-10
    local s = {}
    for i = 1, #w do s[i] = init end
    for t = 1, steps do
        local clr = lr / (1 + (t - 1) * decay)
        for i = 1, #w do
            g = 3 * w[i] * w[i] + 1
            if wd ~= 0 then g = g + wd * w[i] end
            s[i] = s[i] + g * g
            w[i] = w[i] - clr * g / (math.sqrt(s[i]) + eps)
        end
    end
    return w
end

local function lua_adamw(w, o, steps)
    local lr, wd, eps = o.lr or 1e-3, o.weight_decay or 1e-2, o.eps or 1e-8
    local b1, b2 = (o.betas or {})[1] or 0.9, (o.betas or {})[2] or 0.999
    local m, v = {}, {}
    for i = 1, #w do m[i], v[i] = 0, 0 end
    for t = 1, steps do
        for i = 1, #w do
            local g = 3 * w[i] * w[i] + 1
            w[i] = w[i] * (1 - lr * wd)
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            local step = lr / (1 - b1 ^ t)
            w[i] = w[i] - step * m[i] / (math.sqrt(v[i]) / math.sqrt(1 - b2 ^ t) + eps)
        end
    end
    return w
end

local function worst(t, expected)
    local flat, err = t:reshape{-1}, 0
    for i = 1, #expected do
        local e = math.abs(flat[i]:item() - expected[i]) / math.max(1, math.abs(expected[i]))
        if e > err then err = e end
    end
    return err
end

for _, n in ipairs({6, 70000}) do
    for k, c in ipairs(configs) do
        if c[1] == "Adagrad" or c[1] == "AdamW" then
            local got = train(c[1], c[2], n, 5, false)
            local want = (c[1] == "Adagrad" and lua_adagrad or lua_adamw)(values(n, 0.5), c[2], 5)
            check.near(worst(got, want), 0, 1e-13,
                       string.format("%s config %d, %d elements: the plain-Lua formulas of torch.optim", c[1], k, n))
        end
    end
end

check.near(train("AdamW", {lr = 0.05}, 6, 1, false)[1], lua_adamw(values(6, 0.5), {lr = 0.05}, 1)[1], 1e-15,
           "AdamW's default weight_decay is 0.01")
check.ok(tostring(optim.Adagrad({var{1}}, {})):find("optim.Adagrad(lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10)", 1, true) ~= nil,
         "Adagrad's defaults are torch.optim's", tostring(optim.Adagrad({var{1}}, {})))
check.ok(tostring(optim.AdamW({var{1}}, {})):find("optim.AdamW(lr=0.001, betas={0.9, 0.999}, eps=1e-08, weight_decay=0.01)", 1, true) ~= nil,
         "AdamW's defaults are torch.optim's", tostring(optim.AdamW({var{1}}, {})))
check.err("lr_decay must be >= 0", "Adagrad checks lr_decay", function() return optim.Adagrad({var{1}}, {lr_decay = -1}) end)
check.err("unknown option 'momentum'", "Adagrad names a wrong option", function() return optim.Adagrad({var{1}}, {momentum = 0.9}) end)
check.err("unknown option 'amsgrad'", "AdamW names an option it does not have", function() return optim.AdamW({var{1}}, {amsgrad = true}) end)

-- ---- traces of the new optimizers ----------------------------------------------------
do
    local w = var({1, -2}, "w")
    local opt = optim.AdamW({w}, {lr = 0.1, weight_decay = 0.5})
    local f = io.tmpfile()
    sum(w * w):backward()
    opt:step{trace = f}
    f:seek("set")
    local text = f:read("a")
    f:close()
    check.ok(text:find("AdamW step: lr = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-08, λ (weight_decay) = 0.5", 1, true) ~= nil,
             "AdamW trace: a header with the settings", text)
    check.ok(text:find("w[1] ← w[1]×(1 − lr×λ) = 1×0.95 = 0.95   (decoupled weight decay)", 1, true) ~= nil,
             "AdamW trace: the decay first, with numbers", text)
    check.ok(text:find("step = lr/(1−β1^t) = 0.1/(1−0.9^1) = 1", 1, true) ~= nil, "AdamW trace: the step size", text)
    check.ok(text:find("w[2] ← w[2] − step×m/denom = -1.9 − 1×(-0.4)/4 = -1.8", 1, true) ~= nil,
             "AdamW trace: the update with numbers", text)
    w = var({3}, "w")
    opt = optim.Adagrad({w}, {lr = 0.5})
    f = io.tmpfile()
    sum(w * w):backward()
    opt:step{trace = f}
    f:seek("set")
    text = f:read("a")
    f:close()
    check.ok(text:find("sum = sum + g² = 0 + 36 = 36", 1, true) ~= nil, "Adagrad trace: the sum of g²", text)
    check.ok(text:find("w[1] ← w[1] − lr×g/(√sum + ε) = 3 − 0.5×6/(√36 + 1e-10) = 2.5", 1, true) ~= nil,
             "Adagrad trace: the update with numbers", text)
end

-- ---- schedulers ----------------------------------------------------------------------

local function rates(make, epochs, kind)
    local opt = optim[kind or "SGD"]({var{1}}, {lr = 0.1})
    local sch = make(opt)
    local out = {}
    for e = 1, epochs do
        opt:step()
        sch:step()
        out[e] = opt.lr
        if sch:get_last_lr()[1] ~= opt.lr then return nil end
    end
    return out
end

do
    local got = rates(function(o) return optim.lr_scheduler.StepLR(o, {step_size = 3, gamma = 0.5}) end, 10)
    local ok = got ~= nil
    for e = 1, 10 do ok = ok and math.abs(got[e] - 0.1 * 0.5 ^ (e // 3)) < 1e-15 end
    check.ok(ok, "StepLR: lr = base×γ^⌊epoch/step_size⌋")
    got = rates(function(o) return optim.lr_scheduler.StepLR(o, {step_size = 2}) end, 4)
    check.near(got[4], 0.001, 1e-16, "StepLR: gamma defaults to 0.1")

    local T, eta = 5, 0.01
    got = rates(function(o) return optim.lr_scheduler.CosineAnnealingLR(o, {T_max = T, eta_min = eta}) end, 12, "Adam")
    ok = got ~= nil
    local worst_err = 0
    for e = 1, 12 do
        local closed = eta + (0.1 - eta) * (1 + math.cos(math.pi * e / T)) / 2
        worst_err = math.max(worst_err, math.abs(got[e] - closed))
    end
    check.near(worst_err, 0, 1e-12, "CosineAnnealingLR follows η_min + (base − η_min)(1 + cos(π×epoch/T_max))/2, past T_max too")
    got = rates(function(o) return optim.lr_scheduler.CosineAnnealingLR(o, {T_max = 4}) end, 4)
    check.near(got[4], 0, 1e-17, "CosineAnnealingLR: eta_min defaults to 0")

    local opt = optim.SGD({var{1}}, {lr = 0.1})
    local sch = optim.lr_scheduler.StepLR(opt, {step_size = 1, gamma = 0.5})
    local f = io.tmpfile()
    sch:step{trace = f}
    f:seek("set")
    local text = f:read("a")
    f:close()
    check.ok(text == "StepLR step: epoch 1, lr 0.1 → 0.05   (epoch 1 is a multiple of step_size = 1: lr×γ = 0.1×0.5 = 0.05)\n",
             "StepLR: step{trace=...} says what it set and why", text)
    check.err("step_size is required", "StepLR needs step_size", function() return optim.lr_scheduler.StepLR(opt, {}) end)
    check.err("unknown option 'Tmax'", "CosineAnnealingLR names a wrong option",
              function() return optim.lr_scheduler.CosineAnnealingLR(opt, {Tmax = 3}) end)
    check.err("the first argument must be an optimizer", "a scheduler needs an optimizer",
              function() return optim.lr_scheduler.StepLR({}, {step_size = 1}) end)
    check.ok(gradcalc._docs["optim.lr_scheduler.StepLR"] and gradcalc._docs["optim.lr_scheduler.CosineAnnealingLR"],
             "the schedulers have help")
end

-- ---- against torch.optim -------------------------------------------------------------
local has_torch = os.execute("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1")
if not has_torch then
    check.ok(true, "torch.optim comparison skipped: python3-torch not installed")
else
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write([[
import math, torch
torch.set_default_dtype(torch.float64)
def values(n, seed):
    return [math.sin(i * 1.3 + seed) * 1.5 for i in range(1, n + 1)]
def run(make, n, steps):
    w = torch.tensor(values(n, 0.5), requires_grad=True)
    opt = make([w])
    for _ in range(steps):
        opt.zero_grad()
        (w * w * w + w).sum().backward()
        opt.step()
    return w.detach()
cases = [
    lambda p: torch.optim.Adagrad(p, lr=0.1),
    lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2),
    lambda p: torch.optim.AdamW(p, lr=0.05),
    lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.3, betas=(0.8, 0.95), eps=1e-6),
]
for make in cases:
    print(" ".join(repr(float(x)) for x in run(make, 40, 7)))
for kind in ["step", "cos"]:
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    sch = (torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.3) if kind == "step"
           else torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.02))
    out = []
    for _ in range(11):
        opt.step(); sch.step(); out.append(opt.param_groups[0]["lr"])
    print(" ".join(repr(x) for x in out))
]])
    f:close()
    local p = io.popen("/usr/bin/python3 " .. script .. " 2>&1")
    local lines = {}
    for line in p:lines() do lines[#lines + 1] = line end
    p:close()
    os.remove(script)
    local ours = {configs[9], configs[10], configs[11], configs[12]}
    for k, c in ipairs(ours) do
        local want = {}
        for x in (lines[k] or ""):gmatch("%S+") do want[#want + 1] = tonumber(x) end
        local got = train(c[1], c[2], 40, 7, false)
        check.ok(#want == 40 and worst(got, want) < 1e-12,
                 string.format("%s as torch.optim.%s after 7 steps (within 1e-12)", c[1], c[1]),
                 #want == 40 and worst(got, want) or lines[k])
    end
    local sch_make = {
        function(o) return optim.lr_scheduler.StepLR(o, {step_size = 3, gamma = 0.3}) end,
        function(o) return optim.lr_scheduler.CosineAnnealingLR(o, {T_max = 4, eta_min = 0.02}) end,
    }
    for k, name in ipairs({"StepLR", "CosineAnnealingLR"}) do
        local want = {}
        for x in (lines[4 + k] or ""):gmatch("%S+") do want[#want + 1] = tonumber(x) end
        local got = rates(sch_make[k], 11)
        local same = #want == 11
        for e = 1, 11 do same = same and got[e] == want[e] end
        check.ok(same, name .. " sets the same rates as torch's, to the bit", lines[4 + k])
    end
end

check.done()
