-- 36-nn-attention.lua - nn.MultiheadAttention with PyTorch's parameters
-- (in_proj_weight [3E, E], in_proj_bias, out_proj) and its masks, on the
-- recorded attention of 34-nn-sequence.lua.
local M = ...
local nn = M.nn
local show = M._show_shape

nn.MultiheadAttention = nn.Module("MultiheadAttention")
local MHA = nn.MultiheadAttention
local who = "nn.MultiheadAttention"

-- mha["out_proj.weight"] reads as mha.out_proj.weight: PyTorch's dotted names work as keys.
MHA.__index = function(self, key)
    local v = MHA[key]
    if v ~= nil or type(key) ~= "string" or not key:find(".", 1, true) then return v end
    local node = self
    for part in key:gmatch("[^.]+") do
        if type(node) ~= "table" then return nil end
        node = rawget(node, part)
    end
    return node
end

function MHA:init(embed_dim, num_heads, opts)
    if opts ~= nil and type(opts) ~= "table" then error(who .. ": options must be a table", 3) end
    for k in pairs(opts or {}) do
        if k ~= "bias" and k ~= "batch_first" and k ~= "dropout" then
            error(who .. ": unknown option '" .. tostring(k) .. "'", 3)
        end
    end
    for _, v in ipairs({{"embed_dim", embed_dim}, {"num_heads", num_heads}}) do
        if type(v[2]) ~= "number" or v[2] < 1 or v[2] ~= math.floor(v[2]) then
            error(string.format("%s: %s must be a whole number ≥ 1, got %s", who, v[1], tostring(v[2])), 3)
        end
    end
    if embed_dim % num_heads ~= 0 then
        error(string.format("%s: num_heads = %d does not divide embed_dim = %d: each head takes embed_dim/num_heads "
                            .. "features", who, num_heads, embed_dim), 3)
    end
    local bias = not (opts and opts.bias == false)
    rawset(self, "embed_dim", embed_dim)
    rawset(self, "num_heads", num_heads)
    rawset(self, "head_dim", embed_dim // num_heads)
    rawset(self, "batch_first", opts and opts.batch_first and true or false)
    rawset(self, "dropout", opts and opts.dropout or 0)
    local w = M.var(M.zeros(3 * embed_dim, embed_dim))
    w.name = "in_proj_weight"
    self.in_proj_weight = w
    nn.init.xavier_uniform_(w)
    if bias then
        local b = M.var(M.zeros(3 * embed_dim))
        b.name = "in_proj_bias"
        self.in_proj_bias = b
    end
    self.out_proj = nn.Linear(embed_dim, embed_dim, {bias = bias})
    if bias then nn.init.zeros_(self.out_proj.bias) end
    self.out_proj.weight.name = "out_proj.weight"
    if bias then self.out_proj.bias.name = "out_proj.bias" end
end

-- [N, L, E] -> [N, heads, L, head_dim]
local function heads(x, N, L, h, d)
    return x:reshape(N, L, h, d):transpose(2, 3)
end

local function as_tensor(t)
    if t == nil or M.is_tensor(t) then return t end
    return M.tensor(t)
end

-- mha(q, k, v [, {attn_mask=, key_padding_mask=, need_weights=true}]): q [L, N, E]
-- ([N, L, E] with batch_first, [L, E] unbatched), k and v [S, N, E].
function MHA:forward(q, k, v, opts)
    opts = opts or {}
    for key in pairs(opts) do
        if key ~= "attn_mask" and key ~= "key_padding_mask" and key ~= "need_weights"
            and key ~= "average_attn_weights" then
            error(who .. ": unknown option '" .. tostring(key) .. "'", 3)
        end
    end
    local E, h, d = self.embed_dim, self.num_heads, self.head_dim
    for i, t in ipairs({q, k, v}) do
        if not M.is_tensor(t) or (t:dim() ~= 2 and t:dim() ~= 3) or t.shape[t:dim()] ~= E then
            error(string.format("%s: %s must be [%s] with embed_dim = %d features (or [length, %d] unbatched), got %s",
                                who, ({"query", "key", "value"})[i],
                                self.batch_first and "batch, length, embed_dim" or "length, batch, embed_dim", E, E,
                                M.is_tensor(t) and show(t.shape) or type(t)), 3)
        end
    end
    if q:dim() ~= k:dim() or k:dim() ~= v:dim() then
        error(string.format("%s: query %s, key %s and value %s must all be batched or all unbatched", who,
                            show(q.shape), show(k.shape), show(v.shape)), 3)
    end
    local batched = q:dim() == 3
    if not batched then
        q, k, v = q:reshape(1, q.shape[1], E), k:reshape(1, k.shape[1], E), v:reshape(1, v.shape[1], E)
    elseif not self.batch_first then
        q, k, v = q:transpose(1, 2), k:transpose(1, 2), v:transpose(1, 2)
    end
    local N, L, S = q.shape[1], q.shape[2], k.shape[2]
    if k.shape[1] ~= N or v.shape[1] ~= N or v.shape[2] ~= S then
        error(string.format("%s: key %s and value %s must match each other, and the query's batch", who,
                            show(k.shape), show(v.shape)), 3)
    end
    local W, b = self.in_proj_weight, self.in_proj_bias
    local function proj(x, i)
        local y = M.matmul(x, W:narrow(1, (i - 1) * E + 1, E):t())
        if b then y = y + b:narrow(1, (i - 1) * E + 1, E) end
        return y
    end
    local qh, kh, vh = heads(proj(q, 1), N, L, h, d), heads(proj(k, 2), N, S, h, d), heads(proj(v, 3), N, S, h, d)
    local mask = as_tensor(opts.attn_mask)
    if mask ~= nil then
        if mask:dim() == 2 then
            if mask.shape[1] ~= L or mask.shape[2] ~= S then
                error(string.format("%s: attn_mask %s must be [L, S] = [%d, %d] (query %s, key %s)", who,
                                    show(mask.shape), L, S, show(q.shape), show(k.shape)), 3)
            end
        elseif mask:dim() == 3 and mask.shape[1] == N * h and mask.shape[2] == L and mask.shape[3] == S then
            mask = mask:reshape(N, h, L, S)
        else
            error(string.format("%s: attn_mask %s must be [L, S] = [%d, %d] or [N×num_heads, L, S] = [%d, %d, %d]",
                                who, show(mask.shape), L, S, N * h, L, S), 3)
        end
    end
    local pad = as_tensor(opts.key_padding_mask)
    if pad ~= nil then
        local want = batched and {N, S} or {S}
        if show(pad.shape) ~= show(want) then
            error(string.format("%s: key_padding_mask %s must be %s (batch, key length)", who, show(pad.shape),
                                show(want)), 3)
        end
        pad = pad:reshape(N, 1, 1, S)
        mask = mask and (mask + pad) or pad
    end
    local out, weights = M._attention(who, qh, kh, vh, mask, false, false, self.dropout, self.training)
    out = out:transpose(2, 3):reshape(N, L, E)
    out = self.out_proj(out)
    if not batched then
        out = out:reshape(L, E)
    elseif not self.batch_first then
        out = out:transpose(1, 2)
    end
    if opts.need_weights == false then return out, nil end
    if opts.average_attn_weights ~= false then
        weights = M.mean(weights, 2)
        if not batched then weights = weights:reshape(L, S) end
    elseif not batched then
        weights = weights:reshape(h, L, S)
    end
    return out, weights
end

function MHA:_run(...)
    local a, b = self:forward(...)
    rawset(self, "_out_shape", a.shape)
    return a, b
end

function MHA:extra_repr()
    return string.format("embed_dim=%d, num_heads=%d%s", self.embed_dim, self.num_heads,
                         self.batch_first and ", batch_first=True" or "")
end

M._doc{name = "nn.MultiheadAttention",
    signature = "mha = nn.MultiheadAttention(embed_dim, num_heads [, {bias=true, batch_first=false, dropout=0}]); "
        .. "out, weights = mha(q, k, v [, {attn_mask=, key_padding_mask=, need_weights=true, average_attn_weights=true}])",
    summary = "PyTorch's multi-head attention: the projections q @ W_qᵀ + b_q, k @ W_kᵀ + b_k, v @ W_vᵀ + b_v, where "
        .. "in_proj_weight [3E, E] = [W_q; W_k; W_v] (xavier_uniform_) and in_proj_bias [3E] (zeros); each of the "
        .. "num_heads heads attends with embed_dim/num_heads features (scaled_dot_product_attention, recorded as its "
        .. "parts); the heads are joined and passed through out_proj (an nn.Linear, bias zeros). q [L, N, E], k and v "
        .. "[S, N, E] ([N, L, E] with batch_first; [L, E] for one sequence). attn_mask [L, S] or [N×num_heads, L, S] "
        .. "and key_padding_mask [N, S] are added to the scores, as PyTorch's float masks: use 0 to keep and "
        .. "−math.huge to hide (gradcalc has no boolean tensors; masked_fill(zeros(L, S), triu(ones(L, S), 1), "
        .. "−math.huge) is a causal mask). weights [N, L, S] are averaged over the heads (or [N, heads, L, S] with "
        .. "average_attn_weights = false); need_weights = false returns nil for them. state_dict keys are PyTorch's: "
        .. "in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias; mha[\"out_proj.weight\"] is "
        .. "mha.out_proj.weight.",
    formula = "head_i = softmax(q W_qiᵀ (k W_kiᵀ)ᵀ / √d) v W_viᵀ;  out = [head_1 … head_h] W_oᵀ + b_o",
    example = "mha = nn.MultiheadAttention(4, 2); x = randn(3, 1, 4); out, w = mha(x, x, x)"}
