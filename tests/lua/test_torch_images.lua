-- test_torch_images.lua - the image and normalisation ops against PyTorch,
-- forward and gradients, on random configurations. Optional: without
-- python3 and torch it prints one skip line.
--
-- Each case runs here, then the same function runs in torch on the same
-- numbers (written into a Python file as literals); both reduce the output
-- to L = sum(out * W) with the same W, and compare the outputs and dL/dx for
-- every input at 1e-10 (relative to the size of the value, at least 1).
local check = dofile("tests/lua/check.lua")
local torch_lib = dofile("tests/lua/torch_lib.lua")

local python = torch_lib.python_with_torch(check, "torch differential test")
if not python then return end

local TOL = 1e-10
seed(1213)

local fmt, values, pyshape = torch_lib.fmt, torch_lib.values, torch_lib.pyshape

local cases = {}

-- case(name, lua_fn, python_lambda, inputs): inputs are tensors; those that
-- require grad are compared by gradient. lua_fn may return extra tensors
-- (running statistics) compared by value.
local function case(name, fn, py, inputs)
    cases[#cases + 1] = {name = name, fn = fn, py = py, inputs = inputs}
end

local function rnd(shape, lo, hi)
    lo, hi = lo or -1, hi or 1
    return var(rand(shape) * (hi - lo) + lo)
end

local function lua_list(t)
    return "[" .. table.concat(t, ", ") .. "]"
end

-- ---- random convolutions --------------------------------------------------------------------

local function pick(list) return list[math.floor(rand(1):item() * #list) + 1] end

for i = 1, 24 do
    local groups = pick({1, 1, 2, 3})
    local cg, og = pick({1, 2}), pick({1, 2})
    local C, O = cg * groups, og * groups
    local kh, kw = pick({1, 2, 3}), pick({1, 2, 3})
    local sh, sw = pick({1, 2, 3}), pick({1, 2})
    local ph, pw = pick({0, 1, 2}), pick({0, 1})
    local dh, dw = pick({1, 2}), pick({1, 2})
    local H = dh * (kh - 1) + 1 + pick({0, 1, 3})
    local W = dw * (kw - 1) + 1 + pick({0, 2, 4})
    local N = pick({1, 2})
    local bias = i % 3 ~= 0
    local opts = {stride = {sh, sw}, padding = {ph, pw}, dilation = {dh, dw}, groups = groups}
    local name = string.format("conv2d #%d x [%d, %d, %d, %d] w [%d, %d, %d, %d] stride %d,%d pad %d,%d dil %d,%d groups %d%s",
        i, N, C, H, W, O, cg, kh, kw, sh, sw, ph, pw, dh, dw, groups, bias and " bias" or "")
    local pyopts = string.format("stride=(%d, %d), padding=(%d, %d), dilation=(%d, %d), groups=%d",
        sh, sw, ph, pw, dh, dw, groups)
    local inputs = {rnd({N, C, H, W}), rnd({O, cg, kh, kw})}
    if bias then
        inputs[3] = rnd({O})
        case(name, function(x, w, b) return conv2d(x, w, b, opts) end,
             "lambda x, w, b: F.conv2d(x, w, b, " .. pyopts .. ")", inputs)
    else
        case(name, function(x, w) return conv2d(x, w, opts) end,
             "lambda x, w: F.conv2d(x, w, None, " .. pyopts .. ")", inputs)
    end
end
case("conv2d of one image [C, H, W]", function(x, w, b) return conv2d(x, w, b, {padding = 1}) end,
     "lambda x, w, b: F.conv2d(x.unsqueeze(0), w, b, padding=1).squeeze(0)",
     {rnd({2, 4, 5}), rnd({3, 2, 3, 3}), rnd({3})})
for i = 1, 6 do
    local groups = pick({1, 2})
    local C, O = 2 * groups, pick({1, 2}) * groups
    local k, s, p, d = pick({1, 2, 3}), pick({1, 2}), pick({0, 1}), pick({1, 2})
    local L = d * (k - 1) + 1 + pick({0, 3, 5})
    local name = string.format("conv1d #%d x [2, %d, %d] w [%d, %d, %d] stride %d pad %d dil %d groups %d",
        i, C, L, O, C / groups, k, s, p, d, groups)
    local opts = {stride = s, padding = p, dilation = d, groups = groups}
    case(name, function(x, w, b) return conv1d(x, w, b, opts) end,
         string.format("lambda x, w, b: F.conv1d(x, w, b, stride=%d, padding=%d, dilation=%d, groups=%d)",
                       s, p, d, groups),
         {rnd({2, C, L}), rnd({O, C / groups, k}), rnd({O})})
end

-- ---- pooling -----------------------------------------------------------------------------------

local pools = {
    {2, 2, 0, {2, 1, 4, 4}}, {2, 1, 0, {1, 2, 5, 4}}, {3, 2, 1, {2, 1, 5, 5}}, {3, 1, 1, {1, 1, 4, 6}},
    {{2, 3}, {1, 2}, {1, 1}, {1, 2, 5, 7}}, {2, 2, 1, {1, 1, 5, 5}}, {3, 3, 0, {3, 7, 7}},
}
for i, p in ipairs(pools) do
    local k, s, pad, shape = p[1], p[2], p[3], p[4]
    local function py(v) return type(v) == "table" and "(" .. v[1] .. ", " .. v[2] .. ")" or tostring(v) end
    local label = string.format("#%d x %s kernel %s stride %s padding %s", i, lua_list(shape), py(k), py(s), py(pad))
    case("max_pool2d " .. label, function(x) return max_pool2d(x, k, {stride = s, padding = pad}) end,
         string.format("lambda x: F.max_pool2d(x, %s, stride=%s, padding=%s)", py(k), py(s), py(pad)),
         {rnd(shape)})
    case("avg_pool2d " .. label, function(x) return avg_pool2d(x, k, {stride = s, padding = pad}) end,
         string.format("lambda x: F.avg_pool2d(x, %s, stride=%s, padding=%s)", py(k), py(s), py(pad)),
         {rnd(shape)})
end
case("max_pool2d with ties routes to the first", function(x) return max_pool2d(x, 2) end,
     "lambda x: F.max_pool2d(x, 2)", {var(tensor({{{{1, 1, 2, 0}, {1, 0, 2, 2}}}}))})

-- ---- normalisation ------------------------------------------------------------------------------

for _, shape in ipairs({{4, 3}, {2, 3, 5}, {2, 3, 2, 2}, {5, 1, 3, 1}}) do
    local C = shape[2]
    local label = lua_list(shape)
    case("batch_norm training " .. label, function(x, w, b, rm, rv)
        local y = batch_norm(x, {running_mean = rm, running_var = rv, weight = w, bias = b,
                                 training = true, momentum = 0.3, eps = 1e-3})
        return y, rm, rv
    end, "lambda x, w, b, rm, rv: bn(x, w, b, rm, rv, True, 0.3, 1e-3)",
    {rnd(shape), rnd({C}), rnd({C}), rand(C), rand(C) + 0.5})
    case("batch_norm eval " .. label, function(x, w, b, rm, rv)
        return batch_norm(x, {running_mean = rm, running_var = rv, weight = w, bias = b}), rm, rv
    end, "lambda x, w, b, rm, rv: bn(x, w, b, rm, rv, False, 0.1, 1e-5)",
    {rnd(shape), rnd({C}), rnd({C}), rand(C), rand(C) + 0.5})
end
case("batch_norm training without weight or bias", function(x)
    return batch_norm(x, {training = true})
end, "lambda x: F.batch_norm(x, None, None, training=True)", {rnd({3, 2, 4})})

for _, c in ipairs({{{2, 5}, {5}}, {{3, 2, 4}, {4}}, {{2, 3, 4}, {3, 4}}}) do
    local shape, ns = c[1], c[2]
    case("layer_norm x " .. lua_list(shape) .. " over " .. lua_list(ns), function(x, w, b)
        return layer_norm(x, ns, {weight = w, bias = b, eps = 1e-4})
    end, "lambda x, w, b: F.layer_norm(x, " .. pyshape(ns) .. ", w, b, eps=1e-4)",
    {rnd(shape), rnd(ns), rnd(ns)})
end
case("layer_norm without weight", function(x) return layer_norm(x, 4) end,
     "lambda x: F.layer_norm(x, (4,))", {rnd({3, 4})})

-- ---- selection, clamping, activations, statistics --------------------------------------------------

case("where", function(c, a, b) return where(c, a, b) end, "lambda c, a, b: torch.where(c != 0, a, b)",
     {tensor({{1, 0, 1}, {0, 0, 1}}), rnd({2, 3}), rnd({3})})
case("masked_fill", function(x, m) return masked_fill(x, m, -2.5) end,
     "lambda x, m: x.masked_fill(m != 0, -2.5)", {rnd({3, 4}), tensor({1, 0, 0, 1})})
for _, k in ipairs({0, 1, -1, 2}) do
    case("tril k=" .. k, function(x) return tril(x, k) end, "lambda x: torch.tril(x, " .. k .. ")", {rnd({2, 3, 4})})
    case("triu k=" .. k, function(x) return x:triu(k) end, "lambda x: torch.triu(x, " .. k .. ")", {rnd({4, 3})})
end
case("clamp both", function(x) return clamp(x, -0.3, 0.4) end, "lambda x: torch.clamp(x, -0.3, 0.4)", {rnd({3, 4})})
case("clamp lo only", function(x) return clamp(x, 0.1) end, "lambda x: torch.clamp(x, min=0.1)", {rnd({3, 4})})
case("clamp hi only", function(x) return x:clamp(nil, 0.2) end, "lambda x: torch.clamp(x, max=0.2)", {rnd({3, 4})})
case("clamp on the bounds", function(x) return clamp(x, 0, 1) end, "lambda x: torch.clamp(x, 0, 1)",
     {var({-1, 0, 0.5, 1, 2})})
case("elu", function(x) return elu(x) end, "lambda x: F.elu(x)", {rnd({3, 4}, -3, 3)})
case("elu alpha 0.5", function(x) return elu(x, 0.5) end, "lambda x: F.elu(x, 0.5)", {rnd({5}, -3, 3)})
case("silu", function(x) return silu(x) end, "lambda x: F.silu(x)", {rnd({3, 4}, -6, 6)})
case("silu of large values", function(x) return silu(x) end, "lambda x: F.silu(x)", {var({-40, -10, 10, 40})})
for _, shape in ipairs({{6}, {3, 4}, {2, 3, 4}}) do
    local label = lua_list(shape)
    case("variance " .. label, function(x) return variance(x) end, "lambda x: torch.var(x)", {rnd(shape)})
    case("std biased " .. label, function(x) return std(x, {unbiased = false}) end,
         "lambda x: torch.std(x, unbiased=False)", {rnd(shape)})
    case("logsumexp all " .. label, function(x) return logsumexp(x) end,
         "lambda x: torch.logsumexp(x, tuple(range(x.dim())))", {rnd(shape, -3, 3)})
    for d = 1, #shape do
        case("variance dim " .. d .. " " .. label, function(x) return variance(x, d) end,
             "lambda x: torch.var(x, " .. (d - 1) .. ")", {rnd(shape)})
        case("variance dim " .. d .. " biased keepdim " .. label,
             function(x) return x:var(d, {unbiased = false, keepdim = true}) end,
             "lambda x: torch.var(x, " .. (d - 1) .. ", unbiased=False, keepdim=True)", {rnd(shape)})
        case("std dim " .. d .. " " .. label, function(x) return std(x, d) end,
             "lambda x: torch.std(x, " .. (d - 1) .. ")", {rnd(shape)})
        case("logsumexp dim " .. d .. " " .. label, function(x) return logsumexp(x, d) end,
             "lambda x: torch.logsumexp(x, " .. (d - 1) .. ")", {rnd(shape, -3, 3)})
        case("logsumexp dim " .. d .. " keepdim " .. label, function(x) return logsumexp(x, d, true) end,
             "lambda x: torch.logsumexp(x, " .. (d - 1) .. ", keepdim=True)", {rnd(shape, -3, 3)})
    end
    for _, p in ipairs({2, 1, 3, 0.5, math.huge}) do
        local pp = p == math.huge and "float('inf')" or tostring(p)
        case("norm p=" .. tostring(p) .. " " .. label, function(x) return norm(x, p) end,
             "lambda x: torch.norm(x, " .. pp .. ")", {rnd(shape)})
    end
end
case("norm of zeros", function(x) return norm(x) end, "lambda x: torch.norm(x)", {var(zeros(3))})
case("logsumexp with -inf", function(x) return logsumexp(x, 1) end, "lambda x: torch.logsumexp(x, 0)",
     {var({-math.huge, 1, 2})})

-- ---- the losses' reductions ----------------------------------------------------------------------------

for _, r in ipairs({"mean", "sum", "none"}) do
    local tr = "reduction='" .. r .. "'"
    case("cross_entropy " .. r, function(z) return cross_entropy(z, {2, 3, 1}, {reduction = r}) end,
         "lambda z: F.cross_entropy(z, torch.tensor([1, 2, 0]), " .. tr .. ")", {rnd({3, 4}, -2, 2)})
    case("nll " .. r, function(a) return nll(log_softmax(a, 2), {4, 1, 1}, {reduction = r}) end,
         "lambda a: F.nll_loss(F.log_softmax(a, 1), torch.tensor([3, 0, 0]), " .. tr .. ")", {rnd({3, 4}, -2, 2)})
    case("mse " .. r, function(p, t) return mse(p, t, {reduction = r}) end,
         "lambda p, t: F.mse_loss(p, t, " .. tr .. ")", {rnd({2, 3}), rnd({2, 3})})
    case("bce " .. r, function(p) return bce(p, tensor({{1, 0, 1}, {0, 0.3, 1}}), {reduction = r}) end,
         "lambda p: F.binary_cross_entropy(p, torch.tensor([[1., 0, 1], [0, 0.3, 1]]), " .. tr .. ")",
         {rnd({2, 3}, 0.1, 0.9)})
    case("nn.CrossEntropyLoss " .. r, function(z) return nn.CrossEntropyLoss({reduction = r})(z, {1, 1}) end,
         "lambda z: torch.nn.CrossEntropyLoss(" .. tr .. ")(z, torch.tensor([0, 0]))", {rnd({2, 5}, -2, 2)})
end

-- ---- a small CNN, end to end ---------------------------------------------------------------------------

case("conv-relu-pool-linear-cross_entropy", function(x, w1, b1, w2, b2)
    local h = max_pool2d(relu(conv2d(x, w1, b1, {padding = 1})), 2)
    local z = matmul(h:reshape(2, -1), w2:t()) + b2
    return cross_entropy(z, {1, 3})
end, [[lambda x, w1, b1, w2, b2: F.cross_entropy(
    F.linear(F.max_pool2d(F.relu(F.conv2d(x, w1, b1, padding=1)), 2).reshape(2, -1), w2, b2),
    torch.tensor([0, 2]))]], {rnd({2, 1, 4, 4}), rnd({3, 1, 3, 3}), rnd({3}), rnd({3, 12}), rnd({3})})

-- ---- run here, then in torch ----------------------------------------------------------------------------

local lines = {
    "import torch, math",
    "import torch.nn.functional as F",
    "torch.set_default_dtype(torch.float64)",
    "nan, inf = float('nan'), float('inf')",
    "def bn(x, w, b, rm, rv, training, momentum, eps):",
    "    y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=momentum, eps=eps)",
    "    return (y, rm, rv)",
    "def emit(name, kind, t):",
    "    vals = t.detach().reshape(-1).tolist()",
    "    print(name + '|' + kind + '|' + ' '.join(repr(float(v)) for v in vals))",
    "def run(name, fn, inputs, grads, W):",
    "    ts = [torch.tensor(v, dtype=torch.float64).reshape(s).requires_grad_(g) for (s, v), g in zip(inputs, grads)]",
    "    out = fn(*ts)",
    "    outs = list(out) if isinstance(out, tuple) else [out]",
    "    for k, o in enumerate(outs): emit(name, 'out%d' % k, o)",
    "    for k, o in enumerate(outs): emit(name, 'shape%d' % k, torch.tensor(list(o.shape), dtype=torch.float64))",
    "    (outs[0] * torch.tensor(W).reshape(outs[0].shape)).sum().backward()",
    "    for k, t in enumerate(ts):",
    "        if grads[k]: emit(name, 'grad%d' % k, t.grad if t.grad is not None else torch.zeros_like(t))",
}

local here = {}
for _, c in ipairs(cases) do
    local spec, grads = {}, {}
    for k, x in ipairs(c.inputs) do -- written before the run: batch_norm changes its statistics
        spec[k] = "(" .. pyshape(x.shape) .. ", [" .. fmt(values(x)) .. "])"
        grads[k] = x.requires_grad and "True" or "False"
    end
    local ok, results = pcall(function() return table.pack(c.fn(table.unpack(c.inputs))) end)
    if not ok then
        check.ok(false, "torch: " .. c.name, "gradcalc raised: " .. tostring(results))
    else
        local out = results[1]
        local W = rand(out.shape) + 0.5
        for _, x in ipairs(c.inputs) do if x.requires_grad then x:zero_grad() end end
        sum(out * W):backward()
        local mine = {}
        for k = 1, results.n do
            mine["out" .. (k - 1)] = values(results[k])
            mine["shape" .. (k - 1)] = {table.unpack(results[k].shape)} -- compared too: values alone hide a kept dim
        end
        for k, x in ipairs(c.inputs) do
            if x.requires_grad then
                mine["grad" .. (k - 1)] = x.grad and values(x.grad) or values(zeros(x.shape))
            end
        end
        here[c.name] = mine
        lines[#lines + 1] = "run(" .. string.format("%q", c.name) .. ", " .. c.py .. ", [" ..
            table.concat(spec, ", ") .. "], [" .. table.concat(grads, ", ") .. "], [" .. fmt(values(W)) .. "])"
    end
end

local dir = os.tmpname()
os.remove(dir)
local script, result = dir .. ".py", dir .. ".txt"
local f = assert(io.open(script, "w"))
f:write(table.concat(lines, "\n"), "\n")
f:close()
local ran = os.execute(python .. " " .. script .. " > " .. result .. " 2>&1")
local theirs = {}
local text = io.open(result):read("a")
os.remove(script)
os.remove(result)
check.ok(ran, "torch ran every case", text:sub(-2000))
theirs = torch_lib.parse(text)

local function same(a, b) return torch_lib.same(a, b, TOL) end

for _, c in ipairs(cases) do
    local mine, ref = here[c.name], theirs[c.name]
    if mine then
        if not ref then
            check.ok(false, "torch: " .. c.name, "torch gave no result")
        else
            local good, why = true, nil
            for kind, list in pairs(mine) do
                if not ref[kind] then
                    good, why = false, "torch gave no " .. kind
                else
                    local ok, w = same(list, ref[kind])
                    if not ok then good, why = false, kind .. ": " .. w end
                end
                if not good then break end
            end
            check.ok(good, "torch: " .. c.name, why)
        end
    end
end

check.done()
