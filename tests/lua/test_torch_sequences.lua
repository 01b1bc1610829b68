-- test_torch_sequences.lua - the sequence ops and modules against PyTorch:
-- embedding, attention, RNN/LSTM/GRU (1 and 2 layers, batch_first both
-- ways), their cells and MultiheadAttention (with and without masks).
-- Optional: without python3 and torch it prints one skip line.
--
-- Each case builds a module here, writes its weights into a Python file by
-- name (gradcalc's weight_ih_l1 is torch's weight_ih_l0) with the inputs,
-- and the same forward runs in torch. Both reduce the outputs to
-- L = Σ_k sum(out_k * W_k) with the same W_k, and the outputs, the inputs'
-- gradients and every parameter's gradient must agree to 1e-10.
local check = dofile("tests/lua/check.lua")
local torch_lib = dofile("tests/lua/torch_lib.lua")

local python = torch_lib.python_with_torch(check, "torch sequence test")
if not python then return end

local TOL = 1e-10
seed(1313)

local fmt, values, pyshape = torch_lib.fmt, torch_lib.values, torch_lib.pyshape

local function lit(t) return "(" .. pyshape(t.shape) .. ", [" .. fmt(values(t)) .. "])" end

-- gradcalc's parameter name -> PyTorch's (layers counted from 0)
-- gradcalc's parameter name as torch's (state_dict already gives torch's)
local function torch_key(k)
    return (k:gsub("_l(%d+)$", function(n) return "_l" .. (tonumber(n) - 1) end))
end

local function rnd(shape, lo, hi)
    lo, hi = lo or -1, hi or 1
    return var(rand(shape) * (hi - lo) + lo)
end

local cases = {}
-- case(name, m, make, inputs, fwd, pyfwd): m is the module (or nil for a
-- function), make the Python expression that builds torch's, fwd(m, ...)
-- returns a list of outputs, pyfwd a Python lambda m, *inputs -> list.
local function case(name, m, make, inputs, fwd, pyfwd)
    cases[#cases + 1] = {name = name, m = m, make = make, inputs = inputs, fwd = fwd, py = pyfwd}
end

local function tf(b) return b and "True" or "False" end

-- ---- recurrent layers -----------------------------------------------------------------------------------

local configs = {
    {T = 1, N = 1, I = 2, H = 3, L = 1, bf = false, bias = true},
    {T = 4, N = 3, I = 2, H = 3, L = 1, bf = false, bias = true, h0 = true},
    {T = 3, N = 2, I = 3, H = 2, L = 2, bf = false, bias = true},
    {T = 5, N = 2, I = 2, H = 4, L = 1, bf = true, bias = true, h0 = true},
    {T = 3, N = 3, I = 4, H = 3, L = 2, bf = true, bias = false, h0 = true},
    {T = 6, N = 1, I = 1, H = 2, L = 1, bf = true, bias = false},
    {T = 4, I = 3, H = 2, L = 2, bf = false, bias = true, unbatched = true, h0 = true},
    {T = 2, N = 4, I = 2, H = 3, L = 3, bf = false, bias = true},
}
for _, kind in ipairs({"RNN", "LSTM", "GRU"}) do
    for ci, c in ipairs(configs) do
        for _, nl in ipairs(kind == "RNN" and {"tanh", "relu"} or {"tanh"}) do
            local opts = {num_layers = c.L, batch_first = c.bf, bias = c.bias}
            local pyopts = string.format("num_layers=%d, batch_first=%s, bias=%s", c.L, tf(c.bf), tf(c.bias))
            if kind == "RNN" then
                opts.nonlinearity = nl
                pyopts = pyopts .. ", nonlinearity='" .. nl .. "'"
            end
            local m = nn[kind](c.I, c.H, opts)
            local xshape = c.unbatched and {c.T, c.I} or (c.bf and {c.N, c.T, c.I} or {c.T, c.N, c.I})
            local sshape = c.unbatched and {c.L, c.H} or {c.L, c.N, c.H}
            local inputs = {rnd(xshape)}
            if c.h0 then
                inputs[2] = rnd(sshape)
                if kind == "LSTM" then inputs[3] = rnd(sshape) end
            end
            local fwd, py
            if kind == "LSTM" then
                fwd = function(mod, x, h, cc)
                    local out, st = mod(x, h and {h, cc})
                    return {out, st[1], st[2]}
                end
                py = c.h0 and "lambda m, x, h, c: (lambda r: [r[0], r[1][0], r[1][1]])(m(x, (h, c)))"
                    or "lambda m, x: (lambda r: [r[0], r[1][0], r[1][1]])(m(x))"
            else
                fwd = function(mod, x, h)
                    local out, hn = mod(x, h)
                    return {out, hn}
                end
                py = c.h0 and "lambda m, x, h: list(m(x, h))" or "lambda m, x: list(m(x))"
            end
            case(string.format("%s %s config %d (T=%d, layers=%d, batch_first=%s)", kind, nl, ci, c.T, c.L,
                               tostring(c.bf)), m,
                 string.format("torch.nn.%s(%d, %d, %s)", kind, c.I, c.H, pyopts), inputs, fwd, py)
        end
    end
end

-- ---- cells ---------------------------------------------------------------------------------------------------

for _, kind in ipairs({"RNN", "LSTM", "GRU"}) do
    for _, c in ipairs({{N = 3, state = true, bias = true}, {N = 2, state = false, bias = true},
                        {N = 1, state = true, bias = false}, {unbatched = true, state = true, bias = true}}) do
        local I, H = 3, 4
        local m = nn[kind .. "Cell"](I, H, {bias = c.bias})
        local xs = c.unbatched and {I} or {c.N, I}
        local hs = c.unbatched and {H} or {c.N, H}
        local inputs = {rnd(xs)}
        if c.state then
            inputs[2] = rnd(hs)
            if kind == "LSTM" then inputs[3] = rnd(hs) end
        end
        local fwd, py
        if kind == "LSTM" then
            fwd = function(mod, x, h, cc)
                local h2, c2 = mod(x, h and {h, cc})
                return {h2, c2}
            end
            py = c.state and "lambda m, x, h, c: list(m(x, (h, c)))" or "lambda m, x: list(m(x))"
        else
            fwd = function(mod, x, h) return {mod(x, h)} end
            py = c.state and "lambda m, x, h: [m(x, h)]" or "lambda m, x: [m(x)]"
        end
        case(string.format("%sCell N=%s state=%s bias=%s", kind, tostring(c.N or "none"), tostring(c.state),
                           tostring(c.bias)), m,
             string.format("torch.nn.%sCell(%d, %d, bias=%s)", kind, I, H, tf(c.bias)), inputs, fwd, py)
    end
end
do
    local m = nn.RNNCell(2, 3, {nonlinearity = "relu"})
    case("RNNCell relu", m, "torch.nn.RNNCell(2, 3, nonlinearity='relu')", {rnd({4, 2}), rnd({4, 3})},
         function(mod, x, h) return {mod(x, h)} end, "lambda m, x, h: [m(x, h)]")
end

-- ---- multi-head attention ------------------------------------------------------------------------------------

local function causal(L, S)
    return masked_fill(zeros(L, S), triu(ones(L, S), 1), -math.huge)
end
local mhas = {
    {E = 4, h = 2, L = 3, S = 3, N = 2, bf = false, bias = true},
    {E = 6, h = 3, L = 2, S = 4, N = 1, bf = true, bias = true},
    {E = 4, h = 1, L = 3, S = 5, N = 2, bf = false, bias = false},
    {E = 4, h = 2, L = 4, S = 4, N = 2, bf = true, bias = true, mask = "causal"},
    {E = 4, h = 2, L = 3, S = 3, N = 2, bf = false, bias = true, mask = "random"},
    {E = 4, h = 2, L = 2, S = 3, N = 2, bf = true, bias = true, mask = "3d"},
    {E = 4, h = 2, L = 3, S = 3, N = 2, bf = true, bias = true, mask = "padding"},
    {E = 4, h = 4, L = 3, S = 2, bf = false, bias = true, unbatched = true},
    {E = 4, h = 2, L = 3, S = 3, N = 2, bf = false, bias = true, mask = "causal", heads = true},
}
for i, c in ipairs(mhas) do
    local m = nn.MultiheadAttention(c.E, c.h, {bias = c.bias, batch_first = c.bf})
    local function shape(len)
        if c.unbatched then return {len, c.E} end
        return c.bf and {c.N, len, c.E} or {len, c.N, c.E}
    end
    local inputs = {rnd(shape(c.L)), rnd(shape(c.S)), rnd(shape(c.S))}
    local mask, pad
    if c.mask == "causal" then mask = causal(c.L, c.S)
    elseif c.mask == "random" then mask = rand(c.L, c.S) * 2 - 1
    elseif c.mask == "3d" then mask = rand(c.N * c.h, c.L, c.S)
    elseif c.mask == "padding" then pad = tensor({{0, 0, -math.huge}, {0, -math.huge, 0}}) end
    local avg = not c.heads
    local pyargs = "need_weights=True, average_attn_weights=" .. tf(avg)
    if mask then pyargs = pyargs .. ", attn_mask=torch.tensor(" .. lit(mask) .. "[1]).reshape(" .. pyshape(mask.shape) .. ")" end
    if pad then pyargs = pyargs .. ", key_padding_mask=torch.tensor(" .. lit(pad) .. "[1]).reshape(" .. pyshape(pad.shape) .. ")" end
    case(string.format("MultiheadAttention %d (E=%d, heads=%d, mask=%s)", i, c.E, c.h, tostring(c.mask)), m,
         string.format("torch.nn.MultiheadAttention(%d, %d, bias=%s, batch_first=%s)", c.E, c.h, tf(c.bias), tf(c.bf)),
         inputs, function(mod, q, k, v)
             local out, w = mod(q, k, v, {attn_mask = mask, key_padding_mask = pad, average_attn_weights = avg})
             return {out, w}
         end, "lambda m, q, k, v: list(m(q, k, v, " .. pyargs .. "))")
end
do
    local m = nn.MultiheadAttention(4, 2)
    local x = rnd({3, 2, 4})
    case("MultiheadAttention self-attention, need_weights=false", m, "torch.nn.MultiheadAttention(4, 2)", {x},
         function(mod, a) return {(mod(a, a, a, {need_weights = false}))} end,
         "lambda m, a: [m(a, a, a, need_weights=False)[0]]")
end

-- ---- functional ops ------------------------------------------------------------------------------------------

case("embedding", nil, nil, {rnd({5, 3})},
     function(_, w) return {embedding({{1, 5, 2}, {2, 2, 4}}, w)} end,
     "lambda m, w: [F.embedding(torch.tensor([[0, 4, 1], [1, 1, 3]]), w)]")
case("embedding with padding_idx", nil, nil, {rnd({4, 2})},
     function(_, w) return {embedding({3, 1, 3, 4}, w, {padding_idx = 3})} end,
     "lambda m, w: [F.embedding(torch.tensor([2, 0, 2, 3]), w, padding_idx=2)]")
local function sdpa_py(mask, keep, is_causal)
    local s = "lambda m, q, k, v: (lambda s: [torch.softmax(s, -1) @ v, torch.softmax(s, -1)])("
    local sc = "(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]))"
    if mask and keep then
        sc = sc .. ".masked_fill(torch.tensor(" .. lit(mask) .. "[1]).reshape(" .. pyshape(mask.shape) .. ") == 0, -inf)"
    elseif mask then
        sc = "(" .. sc .. " + torch.tensor(" .. lit(mask) .. "[1]).reshape(" .. pyshape(mask.shape) .. "))"
    end
    if is_causal then sc = sc .. ".masked_fill(torch.ones(q.shape[-2], k.shape[-2]).triu(1) == 1, -inf)" end
    return s .. sc .. ")"
end
for _, c in ipairs({{{3, 4}, {3, 4}, {3, 4}}, {{2, 3, 4}, {2, 5, 4}, {2, 5, 2}}, {{2, 2, 3, 2}, {2, 2, 3, 2}, {2, 2, 3, 3}}}) do
    local label = table.concat(c[1], "x")
    case("sdpa " .. label, nil, nil, {rnd(c[1]), rnd(c[2]), rnd(c[3])},
         function(_, q, k, v) return {scaled_dot_product_attention(q, k, v)} end, sdpa_py())
    local L, S = c[1][#c[1] - 1], c[2][#c[2] - 1]
    local rows = rand(L, S):totable()
    for j = 1, L do
        for i = 1, S do rows[j][i] = (i == 1 or rows[j][i] > 0.4) and 1 or 0 end -- no row all masked
    end
    local keep = tensor(rows)
    case("sdpa 0/1 mask " .. label, nil, nil, {rnd(c[1]), rnd(c[2]), rnd(c[3])},
         function(_, q, k, v) return {scaled_dot_product_attention(q, k, v, {mask = keep})} end, sdpa_py(keep, true))
    local add = rand(L, S) * 3 - 1.5
    case("sdpa additive mask " .. label, nil, nil, {rnd(c[1]), rnd(c[2]), rnd(c[3])},
         function(_, q, k, v) return {scaled_dot_product_attention(q, k, v, {mask = add})} end, sdpa_py(add, false))
    case("sdpa causal " .. label, nil, nil, {rnd(c[1]), rnd(c[2]), rnd(c[3])},
         function(_, q, k, v) return {scaled_dot_product_attention(q, k, v, {causal = true})} end,
         sdpa_py(nil, false, true))
end

-- ---- run here, then in torch ---------------------------------------------------------------------------------

local lines = {
    "import torch, math",
    "import torch.nn.functional as F",
    "torch.set_default_dtype(torch.float64)",
    "nan, inf = float('nan'), float('inf')",
    "def emit(name, kind, t):",
    "    vals = t.detach().reshape(-1).tolist()",
    "    print(name + '|' + kind + '|' + ' '.join(repr(float(v)) for v in vals))",
    "def run(name, make, sd, inputs, Ws, fwd):",
    "    m = make() if make else None",
    "    if m is not None:",
    "        m = m.double()",
    "        own = m.state_dict()",
    "        assert sorted(own.keys()) == sorted(sd.keys()), (sorted(own.keys()), sorted(sd.keys()))",
    "        with torch.no_grad():",
    "            for k, (s, v) in sd.items(): own[k].copy_(torch.tensor(v).reshape(s))",
    "    ts = [torch.tensor(v, dtype=torch.float64).reshape(s).requires_grad_(True) for (s, v) in inputs]",
    "    outs = fwd(m, *ts)",
    "    loss = 0",
    "    for k, o in enumerate(outs):",
    "        emit(name, 'out%d' % k, o)",
    "        loss = loss + (o * torch.tensor(Ws[k]).reshape(o.shape)).sum()",
    "    loss.backward()",
    "    for k, t in enumerate(ts):",
    "        emit(name, 'grad%d' % k, t.grad if t.grad is not None else torch.zeros_like(t))",
    "    if m is not None:",
    "        for k, p in m.named_parameters():",
    "            emit(name, 'p:' + k, p.grad if p.grad is not None else torch.zeros_like(p))",
}

local here = {}
for _, c in ipairs(cases) do
    local spec, sd = {}, {}
    for k, x in ipairs(c.inputs) do spec[k] = lit(x) end
    if c.m then
        for key, t in pairs(c.m:state_dict()) do
            sd[#sd + 1] = string.format("%q: %s", key, lit(t))
        end
    end
    local ok, outs = pcall(c.fwd, c.m, table.unpack(c.inputs))
    if not ok then
        check.ok(false, "torch: " .. c.name, "gradcalc raised: " .. tostring(outs))
    else
        local Ws, loss = {}, nil
        if c.m then c.m:zero_grad() end
        for _, x in ipairs(c.inputs) do x:zero_grad() end
        for k, o in ipairs(outs) do
            local W = rand(o.shape) + 0.5
            Ws[k] = "[" .. fmt(values(W)) .. "]"
            local term = sum(o * W)
            loss = loss and loss + term or term
        end
        loss:backward()
        local mine = {}
        for k, o in ipairs(outs) do mine["out" .. (k - 1)] = values(o) end
        for k, x in ipairs(c.inputs) do mine["grad" .. (k - 1)] = x.grad and values(x.grad) or values(zeros(x.shape)) end
        if c.m then
            for _, pair in ipairs(c.m:named_parameters()) do
                local p = pair[2]
                mine["p:" .. torch_key(pair[1])] = p.grad and values(p.grad) or values(zeros(p.shape))
            end
        end
        here[c.name] = mine
        lines[#lines + 1] = "run(" .. string.format("%q", c.name) .. ", " ..
            (c.make and ("lambda: " .. c.make) or "None") .. ", {" .. table.concat(sd, ", ") .. "}, [" ..
            table.concat(spec, ", ") .. "], [" .. table.concat(Ws, ", ") .. "], " .. c.py .. ")"
    end
end

local dir = os.tmpname()
os.remove(dir)
local script, result = dir .. ".py", dir .. ".txt"
local f = assert(io.open(script, "w"))
f:write(table.concat(lines, "\n"), "\n")
f:close()
local ran = os.execute(python .. " " .. script .. " > " .. result .. " 2>&1")
local text = io.open(result):read("a")
os.remove(script)
os.remove(result)
check.ok(ran, "torch ran every case", text:sub(-2000))
local theirs = {}
theirs = torch_lib.parse(text)

local function same(a, b) return torch_lib.same(a, b, TOL) end

for _, c in ipairs(cases) do
    local mine, ref = here[c.name], theirs[c.name]
    if mine then
        local good, why = ref ~= nil, ref == nil and "torch gave no result" or nil
        if ref then
            for kind, list in pairs(ref) do
                if not mine[kind] then good, why = false, "gradcalc has no " .. kind end
            end
            for kind, list in pairs(mine) do
                if not good then break end
                if not ref[kind] then
                    good, why = false, "torch gave no " .. kind
                else
                    local ok, w = same(list, ref[kind])
                    if not ok then good, why = false, kind .. ": " .. w end
                end
            end
        end
        check.ok(good, "torch: " .. c.name, why)
    end
end

check.done()
