-- 40-lr_scheduler.lua - learning-rate schedules: optim.lr_scheduler.StepLR
-- and CosineAnnealingLR, computed as PyTorch 1.13's schedulers compute them
-- (the "chainable" form: each step changes the rate the optimizer has now).
-- They read and write opt.lr; call sch:step() after opt:step().
local M = ...

local lr_scheduler = {}
M.optim.lr_scheduler = lr_scheduler

local Scheduler = {}
Scheduler.__index = Scheduler

-- The shortest decimal text that reads back as v, for the trace and tostring.
local function exact(v)
    for digits = 6, 17 do
        local s = string.format("%." .. digits .. "g", v)
        if tonumber(s) == v then return s end
    end
    return string.format("%.17g", v)
end

local function number_option(options, key, who, default, check)
    local v = options[key]
    if v == nil then
        if default == nil then error(who .. ": " .. key .. " is required", 3) end
        return default
    end
    if type(v) ~= "number" then
        error(string.format("%s: %s must be a number, got %s", who, key, type(v)), 3)
    end
    local bad = check and check(v, key)
    if bad then error(who .. ": " .. bad, 3) end
    return v
end

local function new(kind, opt, options, valid)
    local who = "optim.lr_scheduler." .. kind
    if getmetatable(opt) == nil or type(opt.step) ~= "function" or type(opt.lr) ~= "number" then
        error(who .. ": the first argument must be an optimizer, e.g. optim.SGD({w}, {lr = 0.1})", 3)
    end
    options = options or {}
    if type(options) ~= "table" then
        error(who .. ": options must be a table, e.g. " .. valid.example, 3)
    end
    for key in pairs(options) do
        if not valid[key] then
            local names = {}
            for name in pairs(valid) do
                if name ~= "example" then names[#names + 1] = name end
            end
            table.sort(names)
            error(string.format("%s: unknown option '%s' (valid options: %s)", who, tostring(key),
                                table.concat(names, ", ")), 3)
        end
    end
    -- As PyTorch's constructor: base_lr is the rate now, and one step to epoch 0.
    local s = setmetatable({ kind = kind, optimizer = opt, base_lr = opt.lr, last_epoch = -1 },
                           Scheduler)
    return s
end

local function whole_positive(v, key)
    if v >= 1 and v == math.floor(v) then return nil end
    return string.format("%s must be a whole number >= 1, got %s", key, exact(v))
end

local function positive(v, key)
    if v > 0 then return nil end
    return string.format("%s must be > 0, got %s", key, exact(v))
end

-- Numbers in the trace at the print precision of the optimizers' traces.
local function num(v) return string.format("%.6g", v) end

function lr_scheduler.StepLR(opt, options)
    local s = new("StepLR", opt, options, { step_size = true, gamma = true,
                                            example = "{step_size = 10, gamma = 0.1}" })
    options = options or {}
    s.step_size = number_option(options, "step_size", "optim.lr_scheduler.StepLR", nil,
                                whole_positive)
    s.gamma = number_option(options, "gamma", "optim.lr_scheduler.StepLR", 0.1)
    s:_advance()
    return s
end

function lr_scheduler.CosineAnnealingLR(opt, options)
    local s = new("CosineAnnealingLR", opt, options, { T_max = true, eta_min = true,
                                                       example = "{T_max = 100}" })
    options = options or {}
    s.T_max = number_option(options, "T_max", "optim.lr_scheduler.CosineAnnealingLR", nil,
                            positive)
    s.eta_min = number_option(options, "eta_min", "optim.lr_scheduler.CosineAnnealingLR", 0)
    s:_advance()
    return s
end

-- The new rate and, for the trace, how it was found.
function Scheduler:_next(lr)
    local e = self.last_epoch
    if e == 0 then return lr, "the first epoch keeps the rate" end
    if self.kind == "StepLR" then
        if e % self.step_size ~= 0 then
            return lr, string.format("epoch %d is not a multiple of step_size = %d: unchanged", e,
                                     self.step_size)
        end
        local new_lr = lr * self.gamma
        return new_lr, string.format("epoch %d is a multiple of step_size = %d: lr×γ = %s×%s = %s",
                                     e, self.step_size, num(lr), num(self.gamma), num(new_lr))
    end
    local T, eta, base = self.T_max, self.eta_min, self.base_lr
    if (e - 1 - T) % (2 * T) == 0 then
        local new_lr = lr + (base - eta) * (1 - math.cos(math.pi / T)) / 2
        return new_lr, string.format("lr + (base_lr − η_min)×(1 − cos(π/T_max))/2 = %s",
                                     num(new_lr))
    end
    local new_lr = (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
        * (lr - eta) + eta
    return new_lr, string.format("(1 + cos(π×%d/%s))/(1 + cos(π×%d/%s))×(lr − η_min) + η_min "
                                 .. "= %s", e, num(T), e - 1, num(T), num(new_lr))
end

function Scheduler:_advance(out)
    self.last_epoch = self.last_epoch + 1
    local old = self.optimizer.lr
    local new_lr, why = self:_next(old)
    self.optimizer.lr = new_lr
    self.last_lr = new_lr
    if out then
        out:write(string.format("%s step: epoch %d, lr %s → %s   (%s)\n", self.kind,
                                self.last_epoch, num(old), num(new_lr), why))
    end
end

function Scheduler:step(options)
    local out
    if options ~= nil then
        if type(options) ~= "table" then error("step: options must be a table, e.g. {trace = true}", 2) end
        for key in pairs(options) do
            if key ~= "trace" then
                error(string.format("step: unknown option '%s' (valid options: trace)", tostring(key)), 2)
            end
        end
        local trace = options.trace
        if trace == true then
            out = io.stdout
        elseif trace ~= nil and trace ~= false then
            if io.type(trace) ~= "file" then
                error("step: trace must be true, false or an open file", 2)
            end
            out = trace
        end
    end
    self:_advance(out)
end

function Scheduler:get_last_lr() return { self.last_lr } end

function Scheduler:__tostring()
    if self.kind == "StepLR" then
        return string.format("optim.lr_scheduler.StepLR(step_size=%s, gamma=%s), epoch %d, lr %s",
                             exact(self.step_size), exact(self.gamma), self.last_epoch,
                             exact(self.last_lr))
    end
    return string.format("optim.lr_scheduler.CosineAnnealingLR(T_max=%s, eta_min=%s), epoch %d, "
                         .. "lr %s", exact(self.T_max), exact(self.eta_min), self.last_epoch,
                         exact(self.last_lr))
end

M._doc{
    name = "optim.lr_scheduler.StepLR",
    signature = "optim.lr_scheduler.StepLR(opt, {step_size=, gamma=0.1})",
    summary = "Multiplies the optimizer's learning rate by gamma every step_size epochs, as "
        .. "PyTorch's torch.optim.lr_scheduler.StepLR: call sch:step() once per epoch, after "
        .. "opt:step(). It reads and writes opt.lr; sch:get_last_lr() gives {lr}; "
        .. "sch:step{trace=true} prints the rate it sets and why.",
    formula = "lr = base_lr×γ^⌊epoch/step_size⌋",
    example = "opt = optim.SGD({w}, {lr = 0.1})\nsch = optim.lr_scheduler.StepLR(opt, "
        .. "{step_size = 30, gamma = 0.1})\nfor epoch = 1, 100 do train(); opt:step(); "
        .. "sch:step() end",
}

M._doc{
    name = "optim.lr_scheduler.CosineAnnealingLR",
    signature = "optim.lr_scheduler.CosineAnnealingLR(opt, {T_max=, eta_min=0})",
    summary = "Lowers the learning rate from its value when the scheduler was made down to "
        .. "eta_min along half a cosine over T_max epochs (then back up, and so on), as PyTorch's "
        .. "torch.optim.lr_scheduler.CosineAnnealingLR, computed step by step from the current "
        .. "rate as PyTorch does. Call sch:step() after opt:step(); sch:step{trace=true} prints "
        .. "each rate.",
    formula = "lr = η_min + (base_lr − η_min)×(1 + cos(π×epoch/T_max))/2",
    example = "opt = optim.Adam({w}, {lr = 0.01})\nsch = optim.lr_scheduler.CosineAnnealingLR(opt, "
        .. "{T_max = 50})\nfor epoch = 1, 50 do train(); opt:step(); sch:step() end",
}

M._doc{
    name = "LRScheduler:step",
    signature = "sch:step([{trace=true}])",
    summary = "Moves the schedule one epoch on and sets the optimizer's lr; call it after "
        .. "opt:step(), as in PyTorch. trace=true (or an open file) prints the new rate with its "
        .. "reason.",
    example = "sch:step{trace = true}",
}

M._doc{
    name = "LRScheduler:get_last_lr",
    signature = "sch:get_last_lr()",
    summary = "The learning rate the scheduler set last, as a list {lr} (one per optimizer, as "
        .. "PyTorch gives one per parameter group).",
    example = "sch:get_last_lr()[1]",
}
