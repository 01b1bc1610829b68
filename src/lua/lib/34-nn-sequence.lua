-- 34-nn-sequence.lua - the functional ops of sequences: embedding, one_hot,
-- scaled_dot_product_attention (recorded as its parts, so traces show the
-- scores, the scaling, the softmax and the weighted sum), nn.Embedding and
-- nn.utils.clip_grad_norm_. The recurrent layers are in 35-nn-rnn.lua,
-- multi-head attention in 36-nn-attention.lua.
local M = ...
local nn = M.nn

local function show(shape) return "[" .. table.concat(shape, ", ") .. "]" end
M._show_shape = show

-- The 1-based indices of t (a tensor or a nested table of numbers) as a
-- flat list, checked to be whole numbers in 1..n.
local function indices(who, t, n, what)
    if not M.is_tensor(t) then
        local ok, r = pcall(M.tensor, t)
        if not ok then error(who .. ": indices must be a tensor or a table of numbers", 3) end
        t = r
    end
    local list = t:detach():flatten():totable()
    for i, v in ipairs(list) do
        if v ~= math.floor(v) then
            error(string.format("%s: index %s (element %d) is not a whole number", who, tostring(v), i), 3)
        end
        if v < 1 or v > n then
            error(string.format("%s: index %d (element %d) is out of range for %s; indices count from 1 to %d",
                                who, v, i, what, n), 3)
        end
    end
    return t, list
end

local function append(shape, d)
    local out = {}
    for i, s in ipairs(shape) do out[i] = s end
    out[#out + 1] = d
    return out
end

-- embedding(idx, weight [, {padding_idx=}]): the rows of weight picked by idx.
function M.embedding(idx, weight, opts)
    if not M.is_tensor(weight) or weight:dim() ~= 2 then
        error("embedding: weight must be a 2-d tensor [num_embeddings, embedding_dim], got "
              .. (M.is_tensor(weight) and ("shape " .. show(weight.shape)) or type(weight)), 2)
    end
    local n, d = weight.shape[1], weight.shape[2]
    local t, list = indices("embedding", idx, n, "a table of " .. n .. " rows (weight " .. show(weight.shape) .. ")")
    local flat = M.tensor(#list > 0 and list or {}):reshape(#list)
    local rows = M.index_select(weight, 1, flat)
    local pad = opts and opts.padding_idx
    if pad ~= nil then
        if pad < 0 then pad = n + 1 + pad end
        if pad < 1 or pad > n then
            error(string.format("embedding: padding_idx %d is out of range for %d rows", opts.padding_idx, n), 2)
        end
        -- the padding row is read but never trained: its rows come from a detached copy
        local is_pad = {}
        for i, v in ipairs(list) do is_pad[i] = v == pad and 1 or 0 end
        local mask = M.tensor(is_pad):reshape(#list, 1)
        rows = M.where(mask, M.index_select(weight:detach(), 1, flat), rows)
    end
    return rows:reshape(append(t.shape, d))
end

-- one_hot(labels [, C]): labels 1..C -> rows of the identity, shape [..., C].
function M.one_hot(labels, C)
    local t = labels
    if not M.is_tensor(t) then t = M.tensor(t) end
    local list = t:detach():flatten():totable()
    if C == nil or C == -1 then
        C = 0
        for _, v in ipairs(list) do if v > C then C = v end end
    end
    if type(C) ~= "number" or C < 1 or C ~= math.floor(C) then
        error("one_hot: the number of classes must be a whole number ≥ 1, got " .. tostring(C), 2)
    end
    local _, checked = indices("one_hot", t, C, C .. " classes")
    local flat = M.tensor(#checked > 0 and checked or {}):reshape(#checked)
    return M.index_select(M.eye(C), 1, flat):reshape(append(t.shape, C))
end

-- Whether t is a keep-mask (only 0s and 1s, at least one 1) rather than an
-- additive one: a mask of zeros alone adds nothing, it does not hide everything.
local function zero_one(t)
    local ones = false
    for _, v in ipairs(t:detach():flatten():totable()) do
        if v ~= 0 and v ~= 1 then return false end
        ones = ones or v == 1
    end
    return ones
end

-- Checks that mask broadcasts to shape (numpy rules, from the right).
local function broadcasts(mask, shape)
    local ms = mask.shape
    if #ms > #shape then return false end
    for i = 1, #ms do
        local a, b = ms[#ms + 1 - i], shape[#shape + 1 - i]
        if a ~= b and a ~= 1 then return false end
    end
    return true
end
M._mask_broadcasts = broadcasts

-- The attention of q [..., L, d] over k [..., S, d] and v [..., S, dv]:
-- softmax(q @ kᵀ/√d + mask) @ v, each part its own node. Returns the output and
-- the weights. An additive mask is added; a keep-mask (0/1) hides its zeros.
function M._attention(who, q, k, v, mask, causal, keep, dropout_p, training)
    local L, S = q.shape[q:dim() - 1], k.shape[k:dim() - 1]
    local scores = M.matmul(q, k:transpose(-2, -1))
    scores.name = "scores"
    local scaled = scores / math.sqrt(q.shape[q:dim()])
    scaled.name = "scaled"
    if mask ~= nil then
        if not broadcasts(mask, scaled.shape) then
            error(string.format("%s: the mask %s does not broadcast to the scores %s (q %s, k %s)", who,
                                show(mask.shape), show(scaled.shape), show(q.shape), show(k.shape)), 3)
        end
        if keep then
            scaled = M.masked_fill(scaled, 1 - mask:detach(), -math.huge)
        else
            scaled = scaled + mask
        end
        scaled.name = "masked"
    end
    if causal then
        scaled = M.masked_fill(scaled, M.triu(M.ones(L, S), 1), -math.huge)
        scaled.name = "masked"
    end
    local weights = M.softmax(scaled, -1)
    weights.name = "weights"
    local used = weights
    if dropout_p and dropout_p > 0 and training then used = M.dropout(weights, dropout_p, true) end
    local out = M.matmul(used, v)
    return out, weights
end

local function check_qkv(who, q, k, v)
    for i, t in ipairs({q, k, v}) do
        if not M.is_tensor(t) or t:dim() < 2 then
            error(string.format("%s: %s must be a tensor of at least 2 dims [..., length, features], got %s", who,
                                ({"q", "k", "v"})[i], M.is_tensor(t) and show(t.shape) or type(t)), 3)
        end
    end
    local qs, ks, vs = q.shape, k.shape, v.shape
    if qs[#qs] ~= ks[#ks] then
        error(string.format("%s: q %s and k %s must have the same last dim (the features compared)", who,
                            show(qs), show(ks)), 3)
    end
    if ks[#ks - 1] ~= vs[#vs - 1] then
        error(string.format("%s: k %s and v %s must have the same length (dim -2): one value per key", who,
                            show(ks), show(vs)), 3)
    end
end

function M.scaled_dot_product_attention(q, k, v, opts)
    local who = "scaled_dot_product_attention"
    if opts ~= nil and type(opts) ~= "table" then error(who .. ": options must be a table", 2) end
    opts = opts or {}
    for key in pairs(opts) do
        if key ~= "mask" and key ~= "causal" and key ~= "attn_mask" and key ~= "is_causal" then
            error(who .. ": unknown option '" .. tostring(key) .. "'", 2)
        end
    end
    check_qkv(who, q, k, v)
    local mask = opts.mask or opts.attn_mask
    if mask ~= nil and not M.is_tensor(mask) then mask = M.tensor(mask) end
    local keep = mask ~= nil and zero_one(mask)
    return M._attention(who, q, k, v, mask, opts.causal or opts.is_causal, keep)
end

-- ---- nn.Embedding --------------------------------------------------------------------------

nn.Embedding = nn.Module("Embedding")
function nn.Embedding:init(n, d, opts)
    if type(n) ~= "number" or type(d) ~= "number" or n < 1 or d < 1 then
        error("nn.Embedding: give num_embeddings and embedding_dim as positive numbers", 3)
    end
    if opts ~= nil then
        for key in pairs(opts) do
            if key ~= "padding_idx" then error("nn.Embedding: unknown option '" .. tostring(key) .. "'", 3) end
        end
    end
    self.num_embeddings, self.embedding_dim = n, d
    self.padding_idx = opts and opts.padding_idx
    local values = M.randn(n, d)     -- N(0, 1), as PyTorch
    if self.padding_idx then           -- the padding row starts at 0
        local p = self.padding_idx < 0 and n + 1 + self.padding_idx or self.padding_idx
        values = values * (1 - M.one_hot({p}, n):reshape(n, 1))
    end
    local w = M.var(values)
    w.name = "weight"
    self.weight = w
end
function nn.Embedding:forward(idx)
    return M.embedding(idx, self.weight, self.padding_idx and {padding_idx = self.padding_idx})
end
function nn.Embedding:extra_repr()
    return self.num_embeddings .. ", " .. self.embedding_dim ..
        (self.padding_idx and (", padding_idx=" .. self.padding_idx) or "")
end

-- ---- nn.utils.clip_grad_norm_ -----------------------------------------------------------------

nn.utils = nn.utils or {}
function nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    if M.is_tensor(params) then params = {params} end
    if type(params) == "table" and params.parameters and getmetatable(params) then params = params:parameters() end
    if type(params) ~= "table" then error("clip_grad_norm_: give a list of parameters (m:parameters())", 2) end
    if type(max_norm) ~= "number" then error("clip_grad_norm_: max_norm must be a number", 2) end
    norm_type = norm_type or 2
    local grads = {}
    for _, p in ipairs(params) do if p.grad then grads[#grads + 1] = p.grad end end
    local total = 0
    if norm_type == math.huge or norm_type == "inf" then
        for _, g in ipairs(grads) do
            for _, x in ipairs(g:flatten():totable()) do total = math.max(total, math.abs(x)) end
        end
    else
        for _, g in ipairs(grads) do
            for _, x in ipairs(g:flatten():totable()) do total = total + math.abs(x) ^ norm_type end
        end
        total = total ^ (1 / norm_type)
    end
    local coef = max_norm / (total + 1e-6)
    if coef < 1 then
        for _, g in ipairs(grads) do g:mul_(coef) end
    end
    return M.tensor(total)
end

-- ---- help ------------------------------------------------------------------------------------

M._doc{name = "embedding", signature = "embedding(indices, weight [, {padding_idx=}])",
    summary = "The rows of weight [num_embeddings, D] picked by indices (counted from 1; a tensor or table of any "
        .. "shape): the result is [..., D]. It is index_select(weight, 1, indices) reshaped, so the gradient adds "
        .. "each output row's gradient into the row it came from (rows used twice get both). With padding_idx, that "
        .. "row is read but gets no gradient. An index outside 1..num_embeddings is an error that names it.",
    formula = "out[..., j] = weight[indices[...], j]",
    derivative = "∂L/∂weight[r] = Σ over positions with index r of ∂L/∂out[position]",
    example = "w = var(randn(5, 3)); e = embedding({{1, 5}, {2, 2}}, w)  -- e.shape = {2, 2, 3}"}
M._doc{name = "one_hot", signature = "one_hot(labels [, C])",
    summary = "Labels 1..C as rows of zeros with a 1 at the label: shape [..., C], float64 (PyTorch's one_hot "
        .. "counts from 0 and gives integers). C defaults to the largest label.",
    example = "one_hot({1, 3, 2}, 3)  --> tensor([[1, 0, 0], [0, 0, 1], [0, 1, 0]])"}
M._doc{name = "scaled_dot_product_attention",
    signature = "out, weights = scaled_dot_product_attention(q, k, v [, {mask=, causal=false}])",
    summary = "Attention over the last two dims, with any batch dims in front: q [..., L, d], k [..., S, d], "
        .. "v [..., S, dv] give out [..., L, dv] and the weights [..., L, S]. It is recorded as its parts, named for "
        .. "traces: scores = q @ kᵀ (matmul), scaled = scores/√d, masked (when there is a mask), weights = softmax "
        .. "along the keys, out = weights @ v (matmul). mask broadcasts to [..., L, S]; a mask of only 0s and 1s (at least one 1) is a "
        .. "keep-mask (0 = masked, the position gets −inf before the softmax), any other mask is added (use 0 and "
        .. "−math.huge). causal = true hides the keys after each query (triu(ones(L, S), 1)). A row with every key "
        .. "masked gives NaN, as in PyTorch.",
    formula = "out = softmax(q @ kᵀ/√d + mask) @ v",
    derivative = "through each part: matmul, division by √d, softmax (∂s = w⊙(g − Σ g⊙w)), matmul",
    example = "q = var(randn(3, 4)); out, w = scaled_dot_product_attention(q, q, q, {causal = true})"}
M._doc{name = "nn.Embedding", signature = "nn.Embedding(num_embeddings, embedding_dim [, {padding_idx=}])",
    summary = "A table of vectors looked up by index (embedding): weight [num_embeddings, embedding_dim] starts "
        .. "N(0, 1), as in PyTorch; indices count from 1. padding_idx's row starts at 0 and is never trained.",
    example = "emb = nn.Embedding(10, 3); x = emb({{1, 2, 4}, {4, 3, 9}})  -- [2, 3, 3]"}
M._doc{name = "nn.utils.clip_grad_norm_", signature = "total = nn.utils.clip_grad_norm_(params, max_norm [, norm_type=2])",
    summary = "Scales every gradient of params (a list, a module or one tensor) by max_norm/(total + 1e-6) when "
        .. "that is below 1, where total is the norm of all the gradients together (as one vector); returns total "
        .. "as a 0-d tensor, before clipping, as PyTorch does. norm_type may be math.huge (the largest |g|).",
    formula = "total = (Σ |g|^p)^(1/p); g ← g × min(1, max_norm/(total + 1e-6))",
    example = "loss:backward(); nn.utils.clip_grad_norm_(net:parameters(), 1.0); opt:step()"}
M._doc{name = "nn.utils", signature = "nn.utils.clip_grad_norm_(params, max_norm)",
    summary = "Helpers for training: clip_grad_norm_ scales the gradients down when their total norm exceeds "
        .. "max_norm (help \"nn.utils.clip_grad_norm_\").",
    example = "nn.utils.clip_grad_norm_(net:parameters(), 5)"}
