-- gradcheck_sequences.lua - the sequence ops and modules: embedding,
-- attention, the recurrent layers and cells, multi-head attention. Their
-- backward against finite differences over several lengths and batch sizes
-- (batch_first both ways); one LSTM step and one attention worked with plain
-- Lua loops to 12 digits; the traces through time; the errors of bad input.
-- Run from test_gradcheck.lua, which passes its check and gradcheck helpers,
-- so that its coverage check sees these ops too.
return function(check, gc)
local gradcheck, rnd = gc.gradcheck, gc.rnd
seed(20240613)

-- Every output of a module as one vector, so one gradcheck covers them all.
local function joined(list)
    local parts = {}
    for i, t in ipairs(list) do parts[i] = t:reshape(-1) end
    return cat(parts)
end

-- gradcheck of a module: x and every parameter are the inputs checked
-- (the parameters are the module's own tensors, changed in place).
local function gradcheck_module(name, m, inputs, fwd)
    local all = {}
    for i, x in ipairs(inputs) do all[i] = x end
    for _, p in ipairs(m:parameters()) do all[#all + 1] = p end
    local n = #inputs
    gradcheck(name, function(...)
        local args = {...}
        return joined(fwd(m, table.unpack(args, 1, n)))
    end, all)
end

-- ---- embedding, one_hot -------------------------------------------------------------------------

gradcheck("embedding [4] of [5, 3]", function(w) return embedding({2, 5, 1, 4}, w) end, {rnd({5, 3})})
gradcheck("embedding [2, 3] with repeats", function(w) return embedding({{1, 1, 3}, {3, 2, 1}}, w) end,
          {rnd({3, 2})})
gradcheck("embedding of a tensor of indices [2, 2, 2]",
          function(w) return embedding(tensor({{{1, 2}, {2, 2}}, {{4, 1}, {3, 3}}}), w) end, {rnd({4, 1})})
gradcheck("embedding then a linear map", function(w, a) return matmul(embedding({3, 1}, w), a) end,
          {rnd({3, 2}), rnd({2, 4})})
do
    local w = var(randn(4, 2))
    embedding({{2, 2}, {4, 2}}, w, {padding_idx = 4}):sum():backward()
    check.ok(w.grad[2][1]:item() == 3 and w.grad[1][1]:item() == 0 and w.grad[4][1]:item() == 0,
             "embedding: the used rows get their counts, the padding row nothing")
    local oh = one_hot({{2, 1}, {3, 3}}, 4)
    check.ok(oh.shape[1] == 2 and oh.shape[2] == 2 and oh.shape[3] == 4 and oh[2][1][3]:item() == 1
             and sum(oh):item() == 4, "one_hot: [2, 2] labels give [2, 2, 4], one 1 per label")
    check.ok(one_hot({1, 3}).shape[2] == 3, "one_hot: C defaults to the largest label")
end

-- ---- scaled_dot_product_attention ------------------------------------------------------------------

local attn_shapes = {
    {"[3, 4]", {3, 4}, {3, 4}, {3, 4}},
    {"[2, 3, 2] over 4 keys", {2, 3, 2}, {2, 4, 2}, {2, 4, 3}},
    {"[2, 2, 2, 3] (batch and heads)", {2, 2, 2, 3}, {2, 2, 3, 3}, {2, 2, 3, 2}},
    {"one query [1, 2]", {1, 2}, {5, 2}, {5, 1}},
}
for _, s in ipairs(attn_shapes) do
    local label, qs, ks, vs = s[1], s[2], s[3], s[4]
    local L, S = qs[#qs - 1], ks[#ks - 1]
    gradcheck("scaled_dot_product_attention " .. label,
              function(q, k, v) return (scaled_dot_product_attention(q, k, v)) end, {rnd(qs), rnd(ks), rnd(vs)})
    local additive = rand(L, S) * 2 - 1
    gradcheck("scaled_dot_product_attention additive mask " .. label, function(q, k, v)
        return (scaled_dot_product_attention(q, k, v, {mask = additive}))
    end, {rnd(qs), rnd(ks), rnd(vs)})
    if L <= S then
        gradcheck("scaled_dot_product_attention causal " .. label,
                  function(q, k, v) return (scaled_dot_product_attention(q, k, v, {causal = true})) end,
                  {rnd(qs), rnd(ks), rnd(vs)})
    end
    local rows = {}
    for i = 1, L do
        rows[i] = {}
        for j = 1, S do rows[i][j] = (j == 1 or (i + j) % 2 == 0) and 1 or 0 end
    end
    gradcheck("scaled_dot_product_attention 0/1 mask " .. label, function(q, k, v)
        return (scaled_dot_product_attention(q, k, v, {mask = tensor(rows)}))
    end, {rnd(qs), rnd(ks), rnd(vs)})
end
gradcheck("scaled_dot_product_attention: the weights", function(q, k)
    local _, w = scaled_dot_product_attention(q, k, k)
    return w
end, {rnd({3, 2}), rnd({4, 2})})

-- Attention worked with plain Lua loops: q, k [3, 2], v [3, 2], a 0/1 mask.
do
    local q, k, v = rand(3, 2):totable(), rand(3, 2):totable(), rand(3, 2):totable()
    local keep = {{1, 0, 1}, {1, 1, 0}, {1, 1, 1}}
    local out, weights = scaled_dot_product_attention(tensor(q), tensor(k), tensor(v), {mask = tensor(keep)})
    local worst = 0
    for i = 1, 3 do
        local s, total = {}, 0
        for j = 1, 3 do
            s[j] = (q[i][1] * k[j][1] + q[i][2] * k[j][2]) / math.sqrt(2)
            s[j] = keep[i][j] == 1 and math.exp(s[j]) or 0
            total = total + s[j]
        end
        for j = 1, 3 do worst = math.max(worst, math.abs(weights[i][j]:item() - s[j] / total)) end
        for c = 1, 2 do
            local o = 0
            for j = 1, 3 do o = o + s[j] / total * v[j][c] end
            worst = math.max(worst, math.abs(out[i][c]:item() - o))
        end
    end
    check.ok(worst < 1e-12, "attention worked with plain loops agrees to 12 digits", "worst difference " .. worst)
    local plain = scaled_dot_product_attention(tensor(q), tensor(k), tensor(v))
    local zero = scaled_dot_product_attention(tensor(q), tensor(k), tensor(v), {mask = zeros(3, 3)})
    check.ok(sum(abs(plain - zero)):item() == 0, "attention: a mask of zeros adds nothing (it hides nothing)")
end

-- ---- recurrent layers: lengths, batches, layers, batch_first --------------------------------------

local configs = {
    {T = 1, N = 1, I = 2, H = 2, L = 1, bf = false},
    {T = 3, N = 2, I = 2, H = 3, L = 1, bf = false, h0 = true},
    {T = 4, N = 1, I = 3, H = 2, L = 1, bf = true},
    {T = 2, N = 3, I = 2, H = 2, L = 2, bf = true, h0 = true},
    {T = 3, N = 2, I = 1, H = 2, L = 2, bf = false, bias = false},
    {T = 3, I = 2, H = 2, L = 1, unbatched = true, h0 = true},
}
for _, kind in ipairs({"RNN", "LSTM", "GRU"}) do
    for ci, c in ipairs(configs) do
        local m = nn[kind](c.I, c.H, {num_layers = c.L, batch_first = c.bf, bias = c.bias ~= false})
        local xs = c.unbatched and {c.T, c.I} or (c.bf and {c.N, c.T, c.I} or {c.T, c.N, c.I})
        local ss = c.unbatched and {c.L, c.H} or {c.L, c.N, c.H}
        local inputs = {rnd(xs)}
        if c.h0 then
            inputs[2] = rnd(ss)
            if kind == "LSTM" then inputs[3] = rnd(ss) end
        end
        gradcheck_module(string.format("nn.%s config %d (T=%d, N=%s, layers=%d, batch_first=%s)", kind, ci, c.T,
                                       tostring(c.N or "unbatched"), c.L, tostring(c.bf)), m, inputs,
                         function(mod, x, h, cc)
                             if kind == "LSTM" then
                                 local out, st = mod(x, h and {h, cc})
                                 return {out, st[1], st[2]}
                             end
                             local out, hn = mod(x, h)
                             return {out, hn}
                         end)
    end
end
gradcheck_module("nn.RNN relu", nn.RNN(2, 3, {nonlinearity = "relu"}), {rnd({3, 2, 2})},
                 function(mod, x) return {mod(x)} end)

for _, kind in ipairs({"RNN", "LSTM", "GRU"}) do
    for _, c in ipairs({{N = 2, state = true}, {N = 3}, {unbatched = true, state = true}, {N = 1, bias = false}}) do
        local I, H = 2, 3
        local m = nn[kind .. "Cell"](I, H, {bias = c.bias ~= false})
        local inputs = {rnd(c.unbatched and {I} or {c.N, I})}
        if c.state then
            inputs[2] = rnd(c.unbatched and {H} or {c.N, H})
            if kind == "LSTM" then inputs[3] = rnd(c.unbatched and {H} or {c.N, H}) end
        end
        gradcheck_module(string.format("nn.%sCell N=%s state=%s", kind, tostring(c.N or "unbatched"),
                                       tostring(c.state or false)), m, inputs, function(mod, x, h, cc)
            if kind == "LSTM" then return {mod(x, h and {h, cc})} end
            return {mod(x, h)}
        end)
    end
end

-- One LSTM step worked with plain Lua loops: gates i, f, g, o; c' = f c + i g; h' = o tanh(c').
do
    local I, H, N = 3, 2, 2
    local cell = nn.LSTMCell(I, H)
    local x, h, c = rand(N, I) * 2 - 1, rand(N, H) * 2 - 1, rand(N, H) * 2 - 1
    local h2, c2 = cell(x, {h, c})
    local W, U = cell.weight_ih:detach():totable(), cell.weight_hh:detach():totable()
    local b, d = cell.bias_ih:detach():totable(), cell.bias_hh:detach():totable()
    local X, Hs, C = x:totable(), h:totable(), c:totable()
    local function sig(z) return 1 / (1 + math.exp(-z)) end
    local worst = 0
    for n = 1, N do
        for j = 1, H do
            local pre = {}
            for gate = 1, 4 do
                local r = (gate - 1) * H + j
                local z = b[r] + d[r]
                for k = 1, I do z = z + W[r][k] * X[n][k] end
                for k = 1, H do z = z + U[r][k] * Hs[n][k] end
                pre[gate] = z
            end
            local i, f, g, o = sig(pre[1]), sig(pre[2]), math.tanh(pre[3]), sig(pre[4])
            local cn = f * C[n][j] + i * g
            local hn = o * math.tanh(cn)
            worst = math.max(worst, math.abs(c2[n][j]:item() - cn), math.abs(h2[n][j]:item() - hn))
        end
    end
    check.ok(worst < 1e-12, "an LSTM step worked with plain loops agrees to 12 digits", "worst difference " .. worst)
end

-- ---- multi-head attention ------------------------------------------------------------------------------

local function causal(L) return masked_fill(zeros(L, L), triu(ones(L, L), 1), -math.huge) end
local mhas = {
    {"E=4 heads=2 [3, 2, 4]", 4, 2, {3, 2, 4}, {3, 2, 4}, {}},
    {"E=4 heads=1 batch_first, 2 queries over 3 keys", 4, 1, {2, 2, 4}, {2, 3, 4}, {batch_first = true}},
    {"E=6 heads=3 causal", 6, 3, {3, 1, 6}, {3, 1, 6}, {}, causal(3)},
    {"E=4 heads=2 no bias, batch_first, causal", 4, 2, {1, 4, 4}, {1, 4, 4}, {bias = false, batch_first = true},
     causal(4)},
    {"E=2 heads=2 unbatched", 2, 2, {3, 2}, {2, 2}, {}},
}
for _, c in ipairs(mhas) do
    local m = nn.MultiheadAttention(c[2], c[3], c[6])
    local mask = c[7]
    gradcheck_module("nn.MultiheadAttention " .. c[1], m, {rnd(c[4]), rnd(c[5]), rnd(c[5])},
                     function(mod, q, k, v) return {mod(q, k, v, {attn_mask = mask})} end)
end

-- ---- through time: the paths explain() lists -------------------------------------------------------------

do
    local rnn = nn.RNN(1, 1)
    local out = rnn(tensor({{{0.5}}, {{-1}}, {{0.25}}, {{1}}}))
    local L = sum(out)
    L.name = "L"
    L:backward()
    local text = explain(L, rnn.weight_hh_l1, {print = false})
    check.ok(text:find("∂h3/∂h2", 1, true) and text:find("∂h4/∂h3", 1, true) and text:find("∂L/∂h2", 1, true),
             "explain(L, rnn.weight_hh_l1) goes through the named states h2, h3, h4", text)
    local paths = 0
    for _ in text:gmatch("path %d+[ :]") do paths = paths + 1 end
    check.ok(paths == 6, "explain lists one path per (use of W_hh, later state): 6 for 4 steps",
             paths .. " paths:\n" .. text)
    local early = explain(L, rnn.h[1], {print = false})
    local through = 0
    for _ in early:gmatch("path %d+[ :]") do through = through + 1 end
    check.ok(rnn.h[1].name == "h1" and through == 4 and early:find("∂h2/∂h1", 1, true),
             "explain(L, rnn.h[1]) sums h1's paths through the later steps (4 for 4 steps)", early)
    local lstm = nn.LSTM(1, 1)
    local o2 = lstm(tensor({{{0.5}}, {{-1}}, {{0.3}}}))
    local E = sum(o2)
    E.name = "E"
    E:backward()
    local t2 = explain(E, lstm.weight_hh_l1, {print = false})
    check.ok(t2:find("c3", 1, true) and t2:find("f3", 1, true) and t2:find("∂c3/∂c2", 1, true),
             "an LSTM's trace shows the gates and the cell path c3 → c2", t2)
end

-- Attention on 3 tokens, traced: the scores, the scaling, the softmax weights and the weighted sum.
do
    local q = var({{1, 0}, {0, 1}, {1, 1}})
    local out = scaled_dot_product_attention(q, q, q, {causal = true})
    local text = trace(out, {print = false})
    check.ok(text:find("scores = ", 1, true) and text:find("scaled = scores / 1.41421", 1, true)
             and text:find("weights = softmax(masked", 1, true) and text:find("weights @", 1, true),
             "a trace of attention shows the scores, the scaling, the softmax and the weighted sum", text)
    local cell = nn.LSTMCell(1, 1)
    local h = cell(tensor({{0.5}}), {tensor({{0.1}}), tensor({{-0.2}})})
    local t = trace(h, {print = false})
    check.ok(t:find("i = σ", 1, true) and t:find("f = σ", 1, true) and t:find("g = tanh", 1, true)
             and t:find("o = σ", 1, true) and t:find("c = f×-0.2 + i×g", 1, true),
             "a trace of an LSTM step shows the four gates and c = f⊙c + i⊙g", t)
end

-- ---- clip_grad_norm_ --------------------------------------------------------------------------------------------

do
    local a, b = var({3, 0}), var({0, 4})
    sum(a * tensor({3, 0}) + b * tensor({0, 4})):backward()   -- grads (3, 0) and (0, 4): norm 5
    local total = nn.utils.clip_grad_norm_({a, b}, 1)
    check.near(total:item(), 5, 1e-12, "clip_grad_norm_ returns the total norm")
    check.near(a.grad[1]:item(), 3 / (5 + 1e-6), 1e-12, "clip_grad_norm_ scales every gradient by max/(total + 1e-6)")
    local t2 = nn.utils.clip_grad_norm_({a, b}, 10)
    check.near(b.grad[2]:item(), 4 / (5 + 1e-6), 1e-12, "clip_grad_norm_ leaves gradients under the limit alone")
    check.near(t2:item(), 1, 1e-5, "clip_grad_norm_ measures the clipped gradients next time")
end

-- ---- state_dict: the field names; PyTorch's 0-based names load too -------------------------------------

do
    local a = nn.LSTM(2, 3, {num_layers = 2})
    local sd = a:state_dict()
    check.ok(sd.weight_ih_l0 == a.weight_ih_l1 and sd.bias_hh_l1 == a.bias_hh_l2 and sd.weight_ih_l2 == nil,
             "an LSTM's state_dict keys are PyTorch's, layers from 0")
    local torch_sd = {}
    for k, v in pairs(sd) do torch_sd[k] = v * 2 end
    local b = nn.LSTM(2, 3, {num_layers = 2})
    b:load_state_dict(torch_sd)
    check.ok(sum(abs(b.weight_hh_l2 - a.weight_hh_l2 * 2)):item() == 0 and
             sum(abs(b.weight_ih_l1 - a.weight_ih_l1 * 2)):item() == 0,
             "load_state_dict takes PyTorch's names (weight_hh_l1 of torch is layer 2)")
    local c = nn.LSTM(2, 3, {num_layers = 2})
    local own = {}
    for k, v in pairs(sd) do own[(k:gsub("_l(%d)$", function(n) return "_l" .. (tonumber(n) + 1) end))] = v end
    c:load_state_dict(own)
    check.ok(sum(abs(c.bias_ih_l2 - a.bias_ih_l2)):item() == 0, "load_state_dict takes gradcalc's own names")
    local mha = nn.MultiheadAttention(4, 2)
    local keys = {}
    for k in pairs(mha:state_dict()) do keys[#keys + 1] = k end
    table.sort(keys)
    check.ok(table.concat(keys, " ") == "in_proj_bias in_proj_weight out_proj.bias out_proj.weight",
             "MultiheadAttention's state_dict keys are PyTorch's", table.concat(keys, " "))
    check.ok(mha["out_proj.weight"] == mha.out_proj.weight and mha["out_proj.bias"] == mha.out_proj.bias,
             "MultiheadAttention: mha[\"out_proj.weight\"] is mha.out_proj.weight")
end

-- ---- errors ------------------------------------------------------------------------------------------------------

local w = var(randn(5, 3))
check.err("index 7 (element 2) is out of range for a table of 5 rows (weight [5, 3])",
          "embedding: an index out of range names it and the table", embedding, {1, 7}, w)
check.err("index 0", "embedding: index 0 (indices count from 1)", embedding, {0}, w)
check.err("not a whole number", "embedding: a fractional index", embedding, {1.5}, w)
check.err("2-d tensor", "embedding: a 1-d weight", embedding, {1}, var(randn(4)))
check.err("out of range for 3 classes", "one_hot: a label above C", one_hot, {1, 4}, 3)
check.err("mask [2, 2] does not broadcast to the scores [3, 3]", "attention: a mask that does not broadcast",
          scaled_dot_product_attention, randn(3, 2), randn(3, 2), randn(3, 2), {mask = ones(2, 2)})
check.err("q [3, 2] and k [3, 4]", "attention: q and k of different feature sizes",
          scaled_dot_product_attention, randn(3, 2), randn(3, 4), randn(3, 4))
check.err("k [3, 2] and v [4, 2]", "attention: k and v of different lengths",
          scaled_dot_product_attention, randn(3, 2), randn(3, 2), randn(4, 2))
check.err("num_heads = 3 does not divide embed_dim = 4", "MultiheadAttention: heads that do not divide",
          nn.MultiheadAttention, 4, 3)
local mha = nn.MultiheadAttention(4, 2)
check.err("attn_mask [2, 3] must be [L, S] = [3, 3]", "MultiheadAttention: a mask of the wrong shape",
          function() return mha(randn(3, 1, 4), randn(3, 1, 4), randn(3, 1, 4), {attn_mask = zeros(2, 3)}) end)
check.err("embed_dim = 4 features", "MultiheadAttention: an input of the wrong width",
          function() return mha(randn(3, 1, 5), randn(3, 1, 5), randn(3, 1, 5)) end)
local rnn = nn.RNN(2, 3, {num_layers = 2})
check.err("input [4, 1, 5] has 5 features in its last dim, but input_size is 2", "RNN: the wrong input size",
          function() return rnn(randn(4, 1, 5)) end)
check.err("h0 has shape [1, 1, 3], expected [2, 1, 3]", "RNN: an h0 of the wrong shape",
          function() return rnn(randn(4, 1, 2), zeros(1, 1, 3)) end)
check.err("expected an input of 3 dims", "RNN: a 4-d input", function() return rnn(randn(1, 1, 1, 2)) end)
check.err("initial state must be a table {h0, c0}", "LSTM: a tensor as state",
          function() return nn.LSTM(2, 2)(randn(3, 1, 2), zeros(1, 1, 2)) end)
check.err("nonlinearity must be", "RNN: an unknown nonlinearity", nn.RNN, 2, 3, {nonlinearity = "sigmoid"})
check.err("unknown option 'batchfirst'", "RNN: a misspelt option", nn.RNN, 2, 3, {batchfirst = true})
check.err("hidden_size must be a whole number", "LSTM: a bad hidden size", nn.LSTM, 2, 0)
check.err("the hidden state h has shape [3], expected [2, 3]", "GRUCell: a state of the wrong shape",
          function() return nn.GRUCell(2, 3)(randn(2, 2), zeros(3)) end)
check.err("but input_size is 2", "LSTMCell: the wrong input size",
          function() return nn.LSTMCell(2, 3)(randn(2, 4)) end)
end
