-- 32-nn-layers.lua - the layers of nn, each a few lines on the functional
-- API, with PyTorch's constructor arguments, parameter names and shapes, and
-- PyTorch 1.13's default initialisation.
local M = ...
local nn = M.nn

local function param(t, name)
    local p = M.var(t)
    p.name = name
    return p
end

local opt = M._opt
local function check_opts(who, opts, valid, extra) -- not a tail call: the level counts this frame
    M._check_opts(who, opts, valid, 4 + (extra or 0))
end

local function pair(v)
    if type(v) == "table" then return v[1], v[2] end
    return v, v
end

local function tuple(v, n)
    if n == 1 then return "(" .. tostring(type(v) == "table" and v[1] or v) .. ",)" end
    local a, b = pair(v)
    return "(" .. a .. ", " .. b .. ")"
end

-- weight: kaiming_uniform_(a = √5), i.e. U(−1/√fan_in, 1/√fan_in); bias U(−1/√fan_in, 1/√fan_in).
local function reset(m)
    nn.init.kaiming_uniform_(m.weight, {a = math.sqrt(5)})
    if m.bias then
        local fan_in = nn.init._calculate_fan_in_and_fan_out(m.weight)
        local bound = fan_in > 0 and 1 / math.sqrt(fan_in) or 0
        nn.init.uniform_(m.bias, -bound, bound)
    end
end

-- ---- Linear -----------------------------------------------------------------------------------

nn.Linear = nn.Module("Linear")
function nn.Linear:init(in_features, out_features, opts)
    check_opts("nn.Linear", opts, {bias = true})
    self.in_features, self.out_features = in_features, out_features
    self.weight = param(M.zeros(out_features, in_features), "weight")
    if opt(opts, "bias", true) then self.bias = param(M.zeros(out_features), "bias") end
    reset(self)
end
function nn.Linear:forward(x)
    local y = M.matmul(x, self.weight:t())
    if self.bias then y = y + self.bias end
    return y
end
function nn.Linear:extra_repr()
    return string.format("in_features=%d, out_features=%d, bias=%s", self.in_features, self.out_features,
                         tostring(self.bias ~= nil))
end

-- ---- convolutions ---------------------------------------------------------------------------------

local conv_valid = {stride = true, padding = true, dilation = true, groups = true, bias = true}

local function conv_init(self, who, d, cin, cout, kernel, opts)
    check_opts(who, opts, conv_valid, 1)
    local groups = opt(opts, "groups", 1)
    if cin % groups ~= 0 or cout % groups ~= 0 then
        error(string.format("%s: groups = %d must divide in_channels %d and out_channels %d", who, groups, cin, cout), 3)
    end
    if type(opt(opts, "padding", 0)) == "string" then
        error(who .. ": padding must be a number" .. (d == 2 and " or {h, w}" or "") .. " (strings such as 'same' are not supported)", 3)
    end
    self.in_channels, self.out_channels, self.groups = cin, cout, groups
    self.kernel_size, self.stride = kernel, opt(opts, "stride", 1)
    self.padding, self.dilation = opt(opts, "padding", 0), opt(opts, "dilation", 1)
    local shape = {cout, cin // groups}
    if d == 2 then
        local kh, kw = pair(kernel)
        shape[3], shape[4] = kh, kw
    else
        shape[3] = type(kernel) == "table" and kernel[1] or kernel
    end
    self.weight = param(M.zeros(shape), "weight")
    if opt(opts, "bias", true) then self.bias = param(M.zeros(cout), "bias") end
    reset(self)
end

local function conv_repr(self, d)
    local s = string.format("%d, %d, kernel_size=%s, stride=%s", self.in_channels, self.out_channels,
                            tuple(self.kernel_size, d), tuple(self.stride, d))
    if (type(self.padding) == "table" and (self.padding[1] ~= 0 or self.padding[#self.padding] ~= 0)) or
        (type(self.padding) == "number" and self.padding ~= 0) then
        s = s .. ", padding=" .. tuple(self.padding, d)
    end
    if (type(self.dilation) == "table") or self.dilation ~= 1 then s = s .. ", dilation=" .. tuple(self.dilation, d) end
    if self.groups ~= 1 then s = s .. ", groups=" .. self.groups end
    if not self.bias then s = s .. ", bias=False" end
    return s
end

local function conv_opts(self)
    return {stride = self.stride, padding = self.padding, dilation = self.dilation, groups = self.groups}
end

nn.Conv2d = nn.Module("Conv2d")
function nn.Conv2d:init(cin, cout, kernel, opts) conv_init(self, "nn.Conv2d", 2, cin, cout, kernel, opts) end
function nn.Conv2d:forward(x) return M.conv2d(x, self.weight, self.bias, conv_opts(self)) end
function nn.Conv2d:extra_repr() return conv_repr(self, 2) end

nn.Conv1d = nn.Module("Conv1d")
function nn.Conv1d:init(cin, cout, kernel, opts) conv_init(self, "nn.Conv1d", 1, cin, cout, kernel, opts) end
function nn.Conv1d:forward(x) return M.conv1d(x, self.weight, self.bias, conv_opts(self)) end
function nn.Conv1d:extra_repr() return conv_repr(self, 1) end

-- ---- pooling ------------------------------------------------------------------------------------------

local function pool_class(name, fn)
    local cls = nn.Module(name)
    function cls:init(kernel, opts)
        check_opts("nn." .. name, opts, {stride = true, padding = true})
        self.kernel_size = kernel
        self.stride = opt(opts, "stride", kernel)
        self.padding = opt(opts, "padding", 0)
    end
    function cls:forward(x)
        return M[fn](x, self.kernel_size, {stride = self.stride, padding = self.padding})
    end
    function cls:extra_repr()
        local function show(v) return type(v) == "table" and tuple(v, 2) or tostring(v) end
        return string.format("kernel_size=%s, stride=%s, padding=%s", show(self.kernel_size),
                             show(self.stride), show(self.padding))
    end
    return cls
end
nn.MaxPool2d = pool_class("MaxPool2d", "max_pool2d")
nn.AvgPool2d = pool_class("AvgPool2d", "avg_pool2d")

-- ---- normalisation ---------------------------------------------------------------------------------------

local function batch_norm_class(name, dims)
    local cls = nn.Module(name)
    function cls:init(C, opts)
        check_opts("nn." .. name, opts, {eps = true, momentum = true, affine = true, track_running_stats = true})
        self.num_features, self.eps, self.momentum = C, opt(opts, "eps", 1e-5), opt(opts, "momentum", 0.1)
        if type(self.momentum) ~= "number" then error("nn." .. name .. ": momentum must be a number", 3) end
        if opt(opts, "affine", true) then
            self.weight = param(M.ones(C), "weight")
            self.bias = param(M.zeros(C), "bias")
        end
        if opt(opts, "track_running_stats", true) then
            self:register_buffer("running_mean", M.zeros(C))
            self:register_buffer("running_var", M.ones(C))
        end
    end
    function cls:forward(x)
        local ok = false
        for _, d in ipairs(dims) do ok = ok or x:dim() == d end
        if not ok then
            error(string.format("nn.%s: expected a %s-d input, got shape [%s]", name, table.concat(dims, "-d or "),
                                table.concat(x.shape, ", ")), 3)
        end
        local stats = self.running_mean ~= nil
        return M.batch_norm(x, {running_mean = self.running_mean, running_var = self.running_var,
                                weight = self.weight, bias = self.bias, momentum = self.momentum, eps = self.eps,
                                training = self.training or not stats})
    end
    function cls:extra_repr()
        return string.format("%d, eps=%g, momentum=%g, affine=%s", self.num_features, self.eps, self.momentum,
                             tostring(self.weight ~= nil))
    end
    return cls
end
nn.BatchNorm1d = batch_norm_class("BatchNorm1d", {2, 3})
nn.BatchNorm2d = batch_norm_class("BatchNorm2d", {4})

nn.LayerNorm = nn.Module("LayerNorm")
function nn.LayerNorm:init(shape, opts)
    check_opts("nn.LayerNorm", opts, {eps = true, elementwise_affine = true})
    self.normalized_shape = type(shape) == "table" and shape or {shape}
    self.eps = opt(opts, "eps", 1e-5)
    if opt(opts, "elementwise_affine", true) then
        self.weight = param(M.ones(self.normalized_shape), "weight")
        self.bias = param(M.zeros(self.normalized_shape), "bias")
    end
end
function nn.LayerNorm:forward(x)
    return M.layer_norm(x, self.normalized_shape, {weight = self.weight, bias = self.bias, eps = self.eps})
end
function nn.LayerNorm:extra_repr()
    return string.format("(%s,), eps=%g, elementwise_affine=%s", table.concat(self.normalized_shape, ", "),
                         self.eps, tostring(self.weight ~= nil))
end

nn.Dropout = nn.Module("Dropout")
function nn.Dropout:init(p)
    self.p = p == nil and 0.5 or p
    if type(self.p) ~= "number" or self.p < 0 or self.p > 1 then
        error("nn.Dropout: p must be a probability between 0 and 1, got " .. tostring(p), 3)
    end
end
function nn.Dropout:forward(x) return M.dropout(x, self.p, self.training) end
function nn.Dropout:extra_repr() return "p=" .. self.p end

-- ---- activations and Flatten ------------------------------------------------------------------------------

local function activation(name, fn, field, default)
    local cls = nn.Module(name)
    function cls:init(arg)
        if field then self[field] = arg == nil and default or arg end
    end
    function cls:forward(x)
        local f = M[fn]
        if not f then
            error("nn." .. name .. ": gradcalc has no " .. fn .. "() in this build", 3)
        end
        if field then return f(x, self[field]) end
        return f(x)
    end
    if field then
        function cls:extra_repr() return field .. "=" .. tostring(self[field]) end
    end
    return cls
end
nn.ReLU = activation("ReLU", "relu")
nn.LeakyReLU = activation("LeakyReLU", "leaky_relu", "negative_slope", 0.01)
nn.Sigmoid = activation("Sigmoid", "sigmoid")
nn.Tanh = activation("Tanh", "tanh")
nn.GELU = activation("GELU", "gelu")
nn.ELU = activation("ELU", "elu", "alpha", 1.0)
nn.SiLU = activation("SiLU", "silu")
nn.Softmax = activation("Softmax", "softmax", "dim", -1)
nn.LogSoftmax = activation("LogSoftmax", "log_softmax", "dim", -1)

nn.Flatten = nn.Module("Flatten")
function nn.Flatten:init(start_dim, end_dim)
    self.start_dim, self.end_dim = start_dim or 2, end_dim or -1
end
function nn.Flatten:forward(x)
    local shape, n = x.shape, x:dim()
    local s = self.start_dim < 0 and n + 1 + self.start_dim or self.start_dim
    local e = self.end_dim < 0 and n + 1 + self.end_dim or self.end_dim
    if n == 0 then return x:reshape(1) end
    if s < 1 or e > n or s > e then
        error(string.format("nn.Flatten: dims %d..%d do not fit an input of shape [%s]", self.start_dim,
                            self.end_dim, table.concat(shape, ", ")), 3)
    end
    local out, size = {}, 1
    for d = 1, s - 1 do out[#out + 1] = shape[d] end
    for d = s, e do size = size * shape[d] end
    out[#out + 1] = size
    for d = e + 1, n do out[#out + 1] = shape[d] end
    return x:reshape(out)
end
function nn.Flatten:extra_repr() return string.format("start_dim=%d, end_dim=%d", self.start_dim, self.end_dim) end

-- ---- help --------------------------------------------------------------------------------------------------

local docs = {
    {"Linear", "nn.Linear(in_features, out_features [, {bias=true}])",
     "y = x @ Wᵀ + b. weight [out, in] and bias [out] start as U(−1/√in, 1/√in), as in PyTorch "
         .. "(kaiming_uniform_ with a = √5).", "fc = nn.Linear(3, 2); y = fc(randn(4, 3))"},
    {"Conv2d", "nn.Conv2d(in_channels, out_channels, kernel_size [, {stride=1, padding=0, dilation=1, groups=1, bias=true}])",
     "2-d convolution layer (conv2d): weight [out, in/groups, kH, kW], bias [out], both U(−1/√fan_in, 1/√fan_in) "
         .. "with fan_in = in/groups×kH×kW. kernel_size, stride, padding, dilation: a number or {h, w}.",
     "conv = nn.Conv2d(1, 4, 3, {padding=1}); y = conv(randn(2, 1, 8, 8))"},
    {"Conv1d", "nn.Conv1d(in_channels, out_channels, kernel_size [, {stride, padding, dilation, groups, bias}])",
     "1-d convolution layer (conv1d) over [N, C, L]: weight [out, in/groups, k].",
     "conv = nn.Conv1d(3, 5, 3); y = conv(randn(2, 3, 10))"},
    {"MaxPool2d", "nn.MaxPool2d(kernel_size [, {stride=kernel_size, padding=0}])", "max_pool2d as a layer.",
     "pool = nn.MaxPool2d(2); y = pool(randn(1, 1, 4, 4))"},
    {"AvgPool2d", "nn.AvgPool2d(kernel_size [, {stride=kernel_size, padding=0}])",
     "avg_pool2d as a layer (padding counts in the mean).", "pool = nn.AvgPool2d(2); y = pool(randn(1, 1, 4, 4))"},
    {"BatchNorm1d", "nn.BatchNorm1d(num_features [, {eps=1e-5, momentum=0.1, affine=true, track_running_stats=true}])",
     "batch_norm over [N, C] or [N, C, L]: weight (1) and bias (0) [C], buffers running_mean (0) and running_var (1). "
         .. "In train mode (the default) it normalises with the batch's statistics and updates the buffers; after "
         .. "m:eval() it uses the buffers.", "bn = nn.BatchNorm1d(3); y = bn(randn(8, 3)); bn.running_mean"},
    {"BatchNorm2d", "nn.BatchNorm2d(num_features [, {eps=1e-5, momentum=0.1, affine=true, track_running_stats=true}])",
     "batch_norm over images [N, C, H, W], one mean and variance per channel.",
     "bn = nn.BatchNorm2d(4); y = bn(randn(2, 4, 5, 5))"},
    {"LayerNorm", "nn.LayerNorm(normalized_shape [, {eps=1e-5, elementwise_affine=true}])",
     "layer_norm over the last dims: weight (1) and bias (0) of normalized_shape.",
     "ln = nn.LayerNorm(5); y = ln(randn(2, 5))"},
    {"Dropout", "nn.Dropout([p=0.5])", "dropout in train mode; after m:eval() it passes x unchanged.",
     "drop = nn.Dropout(0.2); y = drop(ones(10))"},
    {"ReLU", "nn.ReLU()", "relu as a layer.", "nn.ReLU()(tensor({-1, 2}))"},
    {"LeakyReLU", "nn.LeakyReLU([negative_slope=0.01])", "leaky_relu as a layer.", "nn.LeakyReLU(0.1)(tensor({-1, 2}))"},
    {"Sigmoid", "nn.Sigmoid()", "sigmoid as a layer.", "nn.Sigmoid()(tensor({0}))"},
    {"Tanh", "nn.Tanh()", "tanh as a layer.", "nn.Tanh()(tensor({0}))"},
    {"GELU", "nn.GELU()", "gelu (the exact erf form) as a layer; an error if this build has no gelu().",
     "nn.GELU()(tensor({1}))"},
    {"ELU", "nn.ELU([alpha=1])", "elu as a layer.", "nn.ELU()(tensor({-1, 2}))"},
    {"SiLU", "nn.SiLU()", "silu as a layer.", "nn.SiLU()(tensor({-1, 2}))"},
    {"Softmax", "nn.Softmax([dim=-1])", "softmax along dim as a layer.", "nn.Softmax(2)(randn(2, 3))"},
    {"LogSoftmax", "nn.LogSoftmax([dim=-1])", "log_softmax along dim as a layer.", "nn.LogSoftmax(2)(randn(2, 3))"},
    {"Flatten", "nn.Flatten([start_dim=2 [, end_dim=-1]])",
     "Joins dims start_dim..end_dim into one; the default keeps the batch dim: [N, C, H, W] -> [N, C×H×W].",
     "nn.Flatten()(randn(2, 3, 4, 4)).shape  --> {2, 48}"},
}
for _, d in ipairs(docs) do
    M._doc{name = "nn." .. d[1], signature = d[2], summary = d[3], example = d[4]}
end
