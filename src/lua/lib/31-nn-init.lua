-- 31-nn-init.lua - nn.init: filling weights in place with PyTorch's formulas
-- (torch.nn.init), from gradcalc's seeded generator.
local M = ...
local nn = M.nn
local init = {}
nn.init = init

local function fill(t, values)
    M.no_grad(function() t:copy_(values) end)
    return t
end

function init.uniform_(t, a, b)
    a, b = a or 0, b or 1
    return fill(t, M.rand(t.shape) * (b - a) + a)
end

function init.normal_(t, mean, std)
    mean, std = mean or 0, std or 1
    return fill(t, M.randn(t.shape) * std + mean)
end

function init.constant_(t, v) M.no_grad(function() t:fill_(v) end) return t end
function init.zeros_(t) return init.constant_(t, 0) end
function init.ones_(t) return init.constant_(t, 1) end

-- fan_in = size 2 × receptive field, fan_out = size 1 × receptive field.
function init._calculate_fan_in_and_fan_out(t)
    local shape = t.shape
    if #shape < 2 then
        error("nn.init: fan in and fan out cannot be computed for a tensor of fewer than 2 "
              .. "dimensions (shape [" .. table.concat(shape, ", ") .. "])", 3)
    end
    local receptive = 1
    for d = 3, #shape do receptive = receptive * shape[d] end
    return shape[2] * receptive, shape[1] * receptive
end

function init.calculate_gain(nonlinearity, param)
    local linear = {linear = true, conv1d = true, conv2d = true, conv3d = true, conv_transpose1d = true,
                    conv_transpose2d = true, conv_transpose3d = true, sigmoid = true}
    if linear[nonlinearity] then return 1 end
    if nonlinearity == "tanh" then return 5 / 3 end
    if nonlinearity == "relu" then return math.sqrt(2) end
    if nonlinearity == "leaky_relu" then
        local slope = param == nil and 0.01 or param
        if type(slope) ~= "number" then error("calculate_gain: negative_slope " .. tostring(slope) .. " is not a number", 2) end
        return math.sqrt(2 / (1 + slope * slope))
    end
    if nonlinearity == "selu" then return 3 / 4 end
    error("calculate_gain: unsupported nonlinearity " .. tostring(nonlinearity), 2)
end

function init.xavier_uniform_(t, gain)
    local fan_in, fan_out = init._calculate_fan_in_and_fan_out(t)
    local std = (gain or 1) * math.sqrt(2 / (fan_in + fan_out))
    local a = math.sqrt(3) * std
    return init.uniform_(t, -a, a)
end

function init.xavier_normal_(t, gain)
    local fan_in, fan_out = init._calculate_fan_in_and_fan_out(t)
    return init.normal_(t, 0, (gain or 1) * math.sqrt(2 / (fan_in + fan_out)))
end

-- kaiming_*_(t, {a=0, mode="fan_in", nonlinearity="leaky_relu"}) or PyTorch's (t, a, mode, nonlinearity).
local function kaiming_std(t, a, mode, nonlinearity)
    if type(a) == "table" then a, mode, nonlinearity = a.a, a.mode, a.nonlinearity end
    a, mode, nonlinearity = a or 0, mode or "fan_in", nonlinearity or "leaky_relu"
    if mode ~= "fan_in" and mode ~= "fan_out" then
        error("kaiming: mode must be \"fan_in\" or \"fan_out\", got " .. tostring(mode), 3)
    end
    local fan_in, fan_out = init._calculate_fan_in_and_fan_out(t)
    return init.calculate_gain(nonlinearity, a) / math.sqrt(mode == "fan_in" and fan_in or fan_out)
end

function init.kaiming_uniform_(t, a, mode, nonlinearity)
    local bound = math.sqrt(3) * kaiming_std(t, a, mode, nonlinearity)
    return init.uniform_(t, -bound, bound)
end

function init.kaiming_normal_(t, a, mode, nonlinearity)
    return init.normal_(t, 0, kaiming_std(t, a, mode, nonlinearity))
end

local docs = {
    {"uniform_", "nn.init.uniform_(t [, a=0, b=1])", "Fills t in place with U(a, b) draws; returns t."},
    {"normal_", "nn.init.normal_(t [, mean=0, std=1])", "Fills t in place with N(mean, std²) draws."},
    {"constant_", "nn.init.constant_(t, v)", "Fills t with v."},
    {"zeros_", "nn.init.zeros_(t)", "Fills t with 0."},
    {"ones_", "nn.init.ones_(t)", "Fills t with 1."},
    {"calculate_gain", "nn.init.calculate_gain(nonlinearity [, param])",
     "The recommended gain: 1 for linear, conv and sigmoid, 5/3 for tanh, √2 for relu, "
         .. "√(2/(1 + slope²)) for leaky_relu (slope param, default 0.01), 3/4 for selu."},
    {"xavier_uniform_", "nn.init.xavier_uniform_(t [, gain=1])",
     "Glorot: U(−a, a) with a = gain×√(6/(fan_in + fan_out)); fan_in = size 2 × kernel size, fan_out = size 1 × kernel size."},
    {"xavier_normal_", "nn.init.xavier_normal_(t [, gain=1])", "Glorot: N(0, std²), std = gain×√(2/(fan_in + fan_out))."},
    {"kaiming_uniform_", "nn.init.kaiming_uniform_(t [, {a=0, mode=\"fan_in\", nonlinearity=\"leaky_relu\"}])",
     "He: U(−b, b) with b = gain×√(3/fan), gain = calculate_gain(nonlinearity, a), fan = fan_in or fan_out "
         .. "(mode). Linear and Conv weights start this way with a = √5, i.e. U(−1/√fan_in, 1/√fan_in)."},
    {"kaiming_normal_", "nn.init.kaiming_normal_(t [, {a=0, mode=\"fan_in\", nonlinearity=\"leaky_relu\"}])",
     "He: N(0, std²), std = gain/√fan."},
}
for _, d in ipairs(docs) do
    M._doc{name = "nn.init." .. d[1], signature = d[2], summary = d[3],
           example = "w = var(zeros(3, 4)); nn.init." .. d[1] .. (d[1] == "calculate_gain" and "" or "") .. "(" ..
               (d[1] == "calculate_gain" and "\"relu\"" or d[1] == "constant_" and "w, 0.5" or "w") .. ")"}
end
M._doc{name = "nn.init", signature = "nn.init.<name>_(t, ...)",
       summary = "Initialisers that fill a tensor in place, with PyTorch's formulas: uniform_, normal_, constant_, "
           .. "zeros_, ones_, xavier_uniform_, xavier_normal_, kaiming_uniform_, kaiming_normal_, and calculate_gain.",
       example = "nn.init.kaiming_normal_(layer.weight, {mode=\"fan_out\", nonlinearity=\"relu\"})"}
