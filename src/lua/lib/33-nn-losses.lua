-- 33-nn-losses.lua - the losses of nn: loss_fn(prediction, target), on the
-- functional losses; {reduction = "mean" | "sum" | "none"} as in torch.nn.
local M = ...
local nn = M.nn

local reductions = {mean = true, sum = true, none = true}

local function loss_class(name, fn)
    local cls = nn.Module(name)
    function cls:init(opts)
        self.reduction = "mean"
        if opts ~= nil then
            if type(opts) ~= "table" then
                error("nn." .. name .. ': expected an options table, e.g. nn.' .. name ..
                      '({reduction = "sum"}), got ' .. type(opts), 3)
            end
            for k, v in pairs(opts) do
                if k ~= "reduction" then error("nn." .. name .. ": unknown option '" .. tostring(k) .. "'", 3) end
                if not reductions[v] then
                    error("nn." .. name .. ': reduction must be "mean", "sum" or "none", got ' .. tostring(v), 3)
                end
                self.reduction = v
            end
        end
    end
    function cls:forward(input, target) return M[fn](input, target, {reduction = self.reduction}) end
    return cls
end

nn.CrossEntropyLoss = loss_class("CrossEntropyLoss", "cross_entropy")
nn.MSELoss = loss_class("MSELoss", "mse")
nn.BCELoss = loss_class("BCELoss", "bce")
nn.NLLLoss = loss_class("NLLLoss", "nll")

local docs = {
    {"CrossEntropyLoss", "cross_entropy: scores [N, C] and class numbers 1..C, averaged.",
     "loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(var(randn(2, 3)), {1, 3})"},
    {"MSELoss", "mse: the mean of squared differences.", "loss_fn = nn.MSELoss(); loss = loss_fn(var({1, 2}), {0, 2})"},
    {"BCELoss", "bce: binary cross-entropy of probabilities.",
     "loss_fn = nn.BCELoss(); loss = loss_fn(sigmoid(var({0.5})), {1})"},
    {"NLLLoss", "nll: minus the mean log-probability of each sample's class; feed it log_softmax.",
     "loss_fn = nn.NLLLoss(); loss = loss_fn(log_softmax(var(randn(2, 3)), 2), {2, 1})"},
}
for _, d in ipairs(docs) do
    M._doc{name = "nn." .. d[1], signature = "nn." .. d[1] .. "([{reduction=\"mean\"}])", summary = "The loss as a module, called "
        .. "loss_fn(prediction, target): " .. d[2], example = d[3]}
end
M._doc{name = "nn", signature = "nn.<Layer>(...)",
    summary = "Layers as in torch.nn, written in Lua on the functional API: Linear, Conv2d, Conv1d, MaxPool2d, "
        .. "AvgPool2d, BatchNorm1d, BatchNorm2d, LayerNorm, Dropout, ReLU, LeakyReLU, Sigmoid, Tanh, GELU, ELU, "
        .. "SiLU, Softmax, LogSoftmax, Flatten, Embedding, RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell, "
        .. "MultiheadAttention; Sequential; CrossEntropyLoss, MSELoss, BCELoss, NLLLoss; nn.init; nn.utils; "
        .. "nn.Module for your own. help \"nn.Module\" lists what every module can do.",
    example = "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)); print(net)"}
