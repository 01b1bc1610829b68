-- test_nn.lua - the nn library: parameter names, shapes and order, default
-- initialisation (its bounds and spread), nn.init's formulas, state_dict,
-- train/eval, printing, the losses, gradients through modules, and errors;
-- optionally the same network against torch.nn.
local check = dofile("tests/lua/check.lua")

seed(4242)

local function shape_of(t) return "[" .. table.concat(t.shape, ", ") .. "]" end

-- ---- parameters: names, shapes, order -----------------------------------------------------------

local fc = nn.Linear(3, 2)
check.ok(shape_of(fc.weight) == "[2, 3]" and shape_of(fc.bias) == "[2]", "Linear: weight [out, in], bias [out]")
check.ok(fc.weight.requires_grad and fc.weight.is_leaf, "Linear: the weight is a leaf that requires grad")
check.ok(nn.Linear(3, 2, {bias = false}).bias == nil, "Linear: bias=false leaves no bias")
local y = fc(tensor({{1, 2, 3}}))
local w, b = fc.weight:totable(), fc.bias:totable()
check.near(y[1][2], w[2][1] + 2 * w[2][2] + 3 * w[2][3] + b[2], 1e-14, "Linear: y = x×Wᵀ + b")

local net = nn.Sequential(nn.Conv2d(1, 4, 3, {padding = 1}), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64, 10))
local names = {}
for i, p in ipairs(net:named_parameters()) do names[i] = p[1] .. shape_of(p[2]) end
check.ok(table.concat(names, " ") == "1.weight[4, 1, 3, 3] 1.bias[4] 2.weight[4] 2.bias[4] 6.weight[10, 64] 6.bias[10]",
         "Sequential: named_parameters in PyTorch's order, counted from 1", table.concat(names, " "))
check.ok(#net:parameters() == 6 and net:parameters()[5] == net[6].weight, "Sequential: parameters() and seq[i]")
check.ok(#net == 6, "Sequential: #seq counts the modules")
local sd = net:state_dict()
check.ok(sd["1.running_mean"] == net[2].running_mean and sd["1.running_var"] ~= nil and sd["0.weight"] == net[1].weight
         and sd["1.weight"] == net[2].weight and sd["6.weight"] == nil,
         "state_dict holds parameters and buffers under PyTorch's names (counted from 0)")
local buffers = {}
for i, p in ipairs(net:named_buffers()) do buffers[i] = p[1] end
check.ok(table.concat(buffers, " ") == "2.running_mean 2.running_var", "named_buffers", table.concat(buffers, " "))

-- ---- default initialisation: the bounds of PyTorch's distributions ------------------------------------

local function range(t)
    local v = t:flatten():totable()
    local lo, hi, s, ss = math.huge, -math.huge, 0, 0
    for _, x in ipairs(v) do
        lo, hi, s, ss = math.min(lo, x), math.max(hi, x), s + x, ss + x * x
    end
    return lo, hi, s / #v, math.sqrt(ss / #v - (s / #v) ^ 2)
end
do
    local big = nn.Linear(400, 300)
    local lo, hi, mean, sd_ = range(big.weight)
    local bound = 1 / math.sqrt(400)
    check.ok(lo >= -bound and hi <= bound and hi > 0.99 * bound and lo < -0.99 * bound,
             "Linear: weight fills U(−1/√in, 1/√in)", string.format("[%g, %g] for bound %g", lo, hi, bound))
    check.ok(math.abs(sd_ - bound / math.sqrt(3)) < 0.01 * bound, "Linear: the weight's spread is bound/√3")
    lo, hi = range(big.bias)
    check.ok(lo >= -bound and hi <= bound and hi > 0.9 * bound, "Linear: bias fills U(−1/√in, 1/√in)")
    local conv = nn.Conv2d(6, 8, {3, 5}, {groups = 2})
    check.ok(shape_of(conv.weight) == "[8, 3, 3, 5]", "Conv2d: weight [out, in/groups, kH, kW]", shape_of(conv.weight))
    local cb = 1 / math.sqrt(3 * 3 * 5)
    lo, hi = range(conv.weight)
    check.ok(lo >= -cb and hi <= cb and hi > 0.95 * cb, "Conv2d: U(−1/√fan_in, 1/√fan_in), fan_in = in/groups×kH×kW")
    check.ok(shape_of(nn.Conv1d(3, 5, 4).weight) == "[5, 3, 4]", "Conv1d: weight [out, in, k]")
    local bn = nn.BatchNorm1d(3)
    check.ok(bn.weight:totable()[1] == 1 and bn.bias:totable()[2] == 0 and bn.running_mean:totable()[3] == 0 and
             bn.running_var:totable()[1] == 1, "BatchNorm: weight 1, bias 0, running_mean 0, running_var 1")
    local ln = nn.LayerNorm({2, 3})
    check.ok(shape_of(ln.weight) == "[2, 3]", "LayerNorm: weight of normalized_shape")
end

-- ---- nn.init ------------------------------------------------------------------------------------------------

check.near(nn.init.calculate_gain("relu"), math.sqrt(2), 1e-15, "calculate_gain relu")
check.near(nn.init.calculate_gain("tanh"), 5 / 3, 1e-15, "calculate_gain tanh")
check.near(nn.init.calculate_gain("leaky_relu", 0.2), math.sqrt(2 / 1.04), 1e-15, "calculate_gain leaky_relu 0.2")
check.near(nn.init.calculate_gain("leaky_relu"), math.sqrt(2 / 1.0001), 1e-15, "calculate_gain leaky_relu default")
check.near(nn.init.calculate_gain("sigmoid"), 1, 0, "calculate_gain sigmoid")
do
    local t = zeros(200, 300)
    nn.init.xavier_uniform_(t)
    local lo, hi = range(t)
    local a = math.sqrt(6 / 500)
    check.ok(lo >= -a and hi <= a and hi > 0.99 * a, "xavier_uniform_: U(−a, a), a = √(6/(fan_in + fan_out))")
    nn.init.xavier_normal_(t, 2)
    local _, _, mean, s = range(t)
    check.ok(math.abs(s - 2 * math.sqrt(2 / 500)) < 0.02 * s and math.abs(mean) < 0.01, "xavier_normal_: std = gain×√(2/(in + out))",
             "std " .. s)
    nn.init.kaiming_normal_(t, {mode = "fan_out", nonlinearity = "relu"})
    _, _, _, s = range(t)
    check.ok(math.abs(s - math.sqrt(2) / math.sqrt(200)) < 0.02 * s, "kaiming_normal_: std = √2/√fan_out", "std " .. s)
    nn.init.kaiming_uniform_(t, 0, "fan_in", "relu")
    lo, hi = range(t)
    local bound = math.sqrt(2) * math.sqrt(3 / 300)
    check.ok(lo >= -bound and hi <= bound and hi > 0.99 * bound, "kaiming_uniform_ with PyTorch's positional arguments")
    nn.init.constant_(t, 0.25)
    check.ok(sum(t):item() == 0.25 * 60000, "constant_")
    check.ok(sum(nn.init.ones_(zeros(3))):item() == 3 and sum(nn.init.zeros_(ones(3))):item() == 0, "ones_ and zeros_")
    nn.init.uniform_(t, 2, 3)
    lo, hi = range(t)
    check.ok(lo >= 2 and hi < 3, "uniform_(t, a, b)")
    nn.init.normal_(t, 5, 0.5)
    _, _, mean, s = range(t)
    check.ok(math.abs(mean - 5) < 0.01 and math.abs(s - 0.5) < 0.01, "normal_(t, mean, std)")
    check.err("fewer than 2 dimensions", "xavier_uniform_ of a vector", nn.init.xavier_uniform_, zeros(3))
    check.err("mode must be", "kaiming_uniform_ with a bad mode", nn.init.kaiming_uniform_, zeros(2, 2), {mode = "fan"})
    check.err("unsupported nonlinearity", "calculate_gain of an unknown name", nn.init.calculate_gain, "swish")
end

-- ---- train / eval, batch norm buffers, dropout -----------------------------------------------------------------

do
    local bn = nn.BatchNorm1d(2, {momentum = 0.5})
    local x = tensor({{1, 2}, {3, 6}})
    bn(x)
    check.near(bn.running_mean[1], 1, 1e-15, "BatchNorm1d: train mode updates running_mean (momentum 0.5)")
    check.near(bn.running_var[2], 0.5 + 0.5 * 8, 1e-14, "BatchNorm1d: running_var gets the unbiased variance")
    bn:eval()
    local y2 = bn(x)
    check.near(y2[1][1], (1 - 1) / math.sqrt(1 + 1e-5), 1e-15, "BatchNorm1d: eval uses the running statistics")
    check.near(bn.running_mean[1], 1, 1e-15, "BatchNorm1d: eval leaves the buffers alone")
    check.err("expected a 4-d input", "BatchNorm2d refuses a 2-d input", function() return nn.BatchNorm2d(2)(x) end)
    local d = nn.Dropout(0.5)
    local seq = nn.Sequential(nn.Linear(4, 4), d)
    seq:eval()
    check.ok(not d.training and not seq.training, "eval() reaches every submodule")
    local z = ones(1, 4)
    check.ok(sum(abs(seq(z) - seq[1](z))):item() == 0, "Dropout in eval passes x unchanged")
    seq:train()
    check.ok(d.training, "train() turns it back on")
end

-- ---- state_dict round trip, load errors --------------------------------------------------------------------

do
    local a = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2))
    local b = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2))
    a(randn(5, 3)) -- moves a's running statistics
    b:load_state_dict(a:state_dict())
    a:eval()
    b:eval()
    local x = randn(2, 3)
    check.ok(sum(abs(a(x) - b(x))):item() == 0, "load_state_dict: the copy computes the same")
    check.ok(b[1].weight ~= a[1].weight, "load_state_dict copies values, not the tensors")
    local sd = a:state_dict()
    sd["0.weight"] = nil
    check.err("missing keys: 0.weight", "load_state_dict: a missing key", function() b:load_state_dict(sd) end)
    local sd2 = a:state_dict()
    sd2["9.bias"] = zeros(2)
    check.err("unexpected keys: 9.bias", "load_state_dict: an unexpected key", function() b:load_state_dict(sd2) end)
    check.ok(pcall(function() b:load_state_dict(sd2, {strict = false}) end), "load_state_dict strict=false ignores extras")
    local sd3 = a:state_dict()
    sd3["3.bias"] = zeros(3)
    check.err("3.bias has shape [2]", "load_state_dict: a shape that does not match", function() b:load_state_dict(sd3) end)
    b:load_state_dict({["1.weight"] = a[1].weight:totable(), ["1.bias"] = a[1].bias, ["2.weight"] = a[2].weight,
                       ["2.bias"] = a[2].bias, ["2.running_mean"] = a[2].running_mean, ["2.running_var"] = a[2].running_var,
                       ["4.weight"] = a[4].weight, ["4.bias"] = a[4].bias})
    check.ok(sum(abs(a(x) - b(x))):item() == 0, "load_state_dict accepts nested tables of numbers")
end

-- ---- gradients through modules, zero_grad, the optimizers -------------------------------------------------------

do
    local m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
    local x = randn(2, 1, 4, 4)
    local loss = nn.CrossEntropyLoss()(m(x), {1, 3})
    loss:backward()
    local manual = cross_entropy(matmul(relu(conv2d(x, m[1].weight, m[1].bias)):reshape(2, -1), m[4].weight:t()) + m[4].bias, {1, 3})
    check.near(loss:item(), manual:item(), 1e-14, "a Sequential computes its layers' functions")
    check.ok(m[1].weight.grad ~= nil and m[4].bias.grad ~= nil, "backward reaches every parameter")
    m:zero_grad()
    check.ok(m[1].weight.grad == nil, "zero_grad clears every parameter's gradient")
    local opt = optim.SGD(m:parameters(), {lr = 0.1})
    local before = nn.CrossEntropyLoss()(m(x), {1, 3}):item()
    for _ = 1, 20 do
        opt:zero_grad()
        local l = nn.CrossEntropyLoss()(m(x), {1, 3})
        l:backward()
        opt:step()
    end
    check.ok(nn.CrossEntropyLoss()(m(x), {1, 3}):item() < before, "SGD on m:parameters() lowers the loss")
    check.near(nn.MSELoss()(tensor({1, 2}), tensor({0, 4})), 2.5, 1e-15, "MSELoss")
    check.near(nn.BCELoss()(tensor({0.5}), tensor({1})), math.log(2), 1e-15, "BCELoss")
    check.near(nn.NLLLoss()(tensor({{-1, -2}}), {2}), 2, 1e-15, "NLLLoss")
    check.near(nn.MSELoss({reduction = "sum"})(tensor({1, 2}), tensor({0, 4})), 5, 1e-15, "MSELoss sum")
    check.ok(nn.MSELoss({reduction = "none"})(tensor({1, 2}), tensor({0, 4})).shape == {2}, "MSELoss none: one term each")
    check.err("reduction must be", "a loss with reduction \"avg\"", nn.MSELoss, {reduction = "avg"})
end

-- ---- user modules, printing, activations, Flatten --------------------------------------------------------------

do
    local Net = nn.Module("Net")
    function Net:init()
        self.fc1 = nn.Linear(4, 8)
        self.scale = var(ones(1))
        self.fc2 = nn.Linear(8, 2)
    end
    function Net:forward(x) return self.fc2(relu(self.fc1(x))) * self.scale end
    local n = Net()
    local ns = {}
    for i, p in ipairs(n:named_parameters()) do ns[i] = p[1] end
    check.ok(table.concat(ns, " ") == "scale fc1.weight fc1.bias fc2.weight fc2.bias",
             "nn.Module: own parameters first, then the children in assignment order", table.concat(ns, " "))
    n(randn(3, 4))
    local text = tostring(n)
    check.ok(text:find("(fc1): Linear(in_features=4, out_features=8, bias=true)", 1, true) ~= nil and
             text:find("total: 59 parameters", 1, true) ~= nil and text:find("output [3, 2]", 1, true) ~= nil,
             "print(m): structure, parameter counts and output shapes", text)
    check.ok(tostring(nn.Conv2d(1, 2, 3, {stride = 2, groups = 1, bias = false})):find("Conv2d(1, 2, kernel_size=(3, 3), stride=(2, 2), bias=False)", 1, true) ~= nil,
             "print of a Conv2d shows its options")
    local x = tensor({{-1, 2}})
    check.ok(sum(abs(nn.LeakyReLU(0.2)(x) - leaky_relu(x, 0.2))):item() == 0, "LeakyReLU(slope)")
    check.ok(sum(abs(nn.Softmax(2)(x) - softmax(x, 2))):item() == 0, "Softmax(dim)")
    check.ok(sum(abs(nn.LogSoftmax(1)(x) - log_softmax(x, 1))):item() == 0, "LogSoftmax(dim)")
    check.ok(sum(abs(nn.Sigmoid()(x) - sigmoid(x))):item() == 0 and sum(abs(nn.Tanh()(x) - tanh(x))):item() == 0,
             "Sigmoid and Tanh")
    check.ok(shape_of(nn.Flatten()(zeros(2, 3, 4, 5))) == "[2, 60]", "Flatten keeps the batch dim")
    check.ok(shape_of(nn.Flatten(1)(zeros(2, 3))) == "[6]", "Flatten(1) flattens everything")
    check.ok(shape_of(nn.Flatten(2, 3)(zeros(2, 3, 4, 5))) == "[2, 12, 5]", "Flatten(start, end)")
    if gelu then
        check.ok(sum(abs(nn.GELU()(x) - gelu(x))):item() == 0, "GELU")
    else
        check.err("no gelu()", "GELU without gelu() is a clear error", function() return nn.GELU()(x) end)
    end
    check.err("not a module", "Sequential refuses a non-module", nn.Sequential, nn.ReLU(), 3)
    check.err("unknown option 'strides'", "Conv2d refuses a misspelt option", nn.Conv2d, 1, 1, 3, {strides = 2})
    check.err("groups = 2 must divide", "Conv2d refuses groups that do not divide", nn.Conv2d, 3, 4, 3, {groups = 2})
    check.err("between 0 and 1", "Dropout refuses p = 2", nn.Dropout, 2)
end

-- ---- help ---------------------------------------------------------------------------------------------------------

local missing = {}
for k, v in pairs(nn) do
    if type(v) == "table" and k:sub(1, 1) ~= "_" and k ~= "init" and not gradcalc._docs["nn." .. k] then missing[#missing + 1] = k end
end
for k, v in pairs(nn.init) do
    if type(v) == "function" and k:sub(1, 1) ~= "_" and not gradcalc._docs["nn.init." .. k] then missing[#missing + 1] = "init." .. k end
end
check.ok(#missing == 0, "every nn layer and nn.init function has help", table.concat(missing, ", "))

-- ---- the same network in torch.nn (optional) ------------------------------------------------------------------------

local python = os.getenv("GRADCALC_PYTHON") or "/usr/bin/python3"
if not os.execute(python .. " -c 'import torch' >/dev/null 2>&1") then
    check.ok(true, "torch.nn comparison skipped: python3-torch not installed")
    check.done()
    return
end

local function fmt(t)
    local v = t:detach():flatten():totable()
    for i = 1, #v do v[i] = string.format("%.17g", v[i]) end
    return "[" .. table.concat(v, ", ") .. "]"
end

local m = nn.Sequential(nn.Conv2d(2, 4, 3, {padding = 1, stride = {1, 2}}), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.AvgPool2d(2), nn.Conv2d(4, 4, 2, {groups = 2}), nn.ELU(), nn.Flatten(), nn.Dropout(0),
                        nn.Linear(8, 6), nn.LayerNorm(6), nn.Tanh(), nn.Linear(6, 3))
local x = randn(3, 2, 6, 8)
local lines = {"import torch", "import torch.nn as nn", "torch.set_default_dtype(torch.float64)",
               "m = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, stride=(1, 2)), nn.BatchNorm2d(4), nn.ReLU(),",
               "    nn.AvgPool2d(2), nn.Conv2d(4, 4, 2, groups=2), nn.ELU(), nn.Flatten(), nn.Dropout(0),",
               "    nn.Linear(8, 6), nn.LayerNorm(6), nn.Tanh(), nn.Linear(6, 3))",
               "sd = m.state_dict()"}
local sd0 = m:state_dict() -- PyTorch's names already: they go to torch as they are
for name, t in pairs(sd0) do
    local i, rest = name:match("^(%d+)%.(.*)$")
    lines[#lines + 1] = string.format("sd['%d.%s'] = torch.tensor(%s).reshape(%s)", tonumber(i), rest, fmt(t),
                                      "(" .. table.concat(t.shape, ", ") .. ",)")
end
lines[#lines + 1] = "m.load_state_dict(sd)"
lines[#lines + 1] = "x = torch.tensor(" .. fmt(x) .. ").reshape(3, 2, 6, 8)"
lines[#lines + 1] = "loss = nn.CrossEntropyLoss()(m(x), torch.tensor([0, 2, 1]))"
lines[#lines + 1] = "loss.backward()"
lines[#lines + 1] = "print('loss', repr(loss.item()))"
lines[#lines + 1] = "for k, p in m.named_parameters(): print('grad', k, ' '.join(repr(v) for v in p.grad.reshape(-1).tolist()))"
lines[#lines + 1] = "for k in ('1.running_mean', '1.running_var'): print('buf', k, ' '.join(repr(v) for v in m.state_dict()[k].reshape(-1).tolist()))"
lines[#lines + 1] = "m.eval()"
lines[#lines + 1] = "print('eval', ' '.join(repr(v) for v in m(x).reshape(-1).tolist()))"
local loss = nn.CrossEntropyLoss()(m(x), {1, 3, 2})
loss:backward()
local path = os.tmpname()
local f = assert(io.open(path, "w"))
f:write(table.concat(lines, "\n"), "\n")
f:close()
local pipe = io.popen(python .. " " .. path .. " 2>&1")
local out = pipe:read("a")
pipe:close()
os.remove(path)
local function close(a, bvals)
    local worst = 0
    for i = 1, #a do worst = math.max(worst, math.abs(a[i] - bvals[i]) / math.max(1, math.abs(bvals[i]))) end
    return #a == #bvals and worst <= 1e-10, worst
end
local got = {}
for line in out:gmatch("[^\n]+") do
    local kind, rest = line:match("^(%a+) (.*)$")
    if kind == "loss" then
        check.near(loss:item(), tonumber(rest), 1e-12, "torch.nn: the same CNN gives the same loss")
        got.loss = true
    elseif kind == "grad" or kind == "buf" then
        local name, nums = rest:match("^(%S+) (.*)$")
        local i, field = name:match("^(%d+)%.(.*)$")
        local mine = m[tonumber(i) + 1][field]
        if kind == "grad" then mine = mine.grad end
        local list = {}
        for v in nums:gmatch("%S+") do list[#list + 1] = tonumber(v) end
        local good, worst = close(mine:flatten():totable(), list)
        check.ok(good, "torch.nn: " .. kind .. " " .. name, "worst relative difference " .. worst)
    elseif kind == "eval" then
        m:eval()
        local list = {}
        for v in rest:gmatch("%S+") do list[#list + 1] = tonumber(v) end
        local good, worst = close(m(x):flatten():totable(), list)
        check.ok(good, "torch.nn: eval mode output (running statistics)", "worst " .. worst)
    end
end
check.ok(got.loss, "torch.nn ran", out:sub(-1500))

-- (each made in a local first: a tail call would leave no line to report)
for _, make in ipairs({function() local m = nn.Linear(2, 3, {biass = true}); return m end,
                       function() local m = nn.Conv2d(1, 1, 3, {strid = 1}); return m end,
                       function() local m = nn.LSTM(2, 3, {x = 1}); return m end}) do
    check.err("test_nn.lua:", "a misspelt option is reported at the line that wrote it", make)
end
-- a model's weights through an .npz file and back, under PyTorch's names
do
    local path = os.tmpname()
    local a = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    a(randn(6, 3))
    data.save(path, a:state_dict())
    local b = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    local loaded = data.load(path)
    check.ok(loaded["0.weight"] ~= nil and loaded["1.running_mean"] ~= nil and loaded["3.bias"] ~= nil,
             "the .npz of a state_dict holds PyTorch's names")
    b:load_state_dict(loaded)
    a:eval(); b:eval()
    local x = randn(2, 3)
    check.ok(sum(abs(a(x) - b(x))):item() == 0, "a model saved to .npz and loaded back computes the same")
    os.remove(path)
end
check.done()
