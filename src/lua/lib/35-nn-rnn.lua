-- 35-nn-rnn.lua - the recurrent layers nn.RNN, nn.LSTM, nn.GRU and their
-- cells, with PyTorch's arguments, gate orders and initialisation. Each time
-- step is recorded as ordinary ops (matmul, add, sigmoid, tanh, mul), and
-- the hidden states are named h1, h2, ... so that explain() and traces show
-- backpropagation through time path by path ("via h2"). A layer projects
-- its whole input sequence through W_ih in one product.
local M = ...
local nn = M.nn
local show = M._show_shape

local opt = M._opt
local function check_opts(who, opts, valid) M._check_opts(who, opts, valid, 4) end -- not a tail call: the level counts this frame

local function name(t, s)
    if s then t.name = s end
    return t
end

-- x @ Wᵀ (+ b); wt is Wᵀ, transposed once per call of the layer, not per step
local function affine(x, wt, b)
    local y = M.matmul(x, wt)
    if b then y = y + b end
    return y
end

-- The recurrent term h @ W_hhᵀ + b_hh; a missing h (the zero initial state)
-- leaves b_hh only, so that traces have no paths through a zero state.
local function recur(h, w, b)
    if h == nil then return b end
    return affine(h, w, b)
end

-- The input term x @ W_ihᵀ + b_ih; the layers project every step at once
-- (p.projected), then each step's x is already its slice of that.
local function inproj(p, x)
    if p.projected then return x end
    return affine(x, p.w_ih, p.b_ih)
end

local function plus(a, b)
    if b == nil then return a end
    return a + b
end

-- One step of each kind of cell: x [N, I], h [N, H] or nil (and c) -> h' (, c').
-- p holds W_ihᵀ, W_hhᵀ (as w_ih, w_hh), b_ih, b_hh; tag is the step's label ("2", "2_l2") or nil.
local steps = {}

function steps.RNN(p, x, h, _, tag, nonlinearity)
    local z = plus(inproj(p, x), recur(h, p.w_hh, p.b_hh))
    local f = nonlinearity == "relu" and M.relu or M.tanh
    return name(f(z), tag and ("h" .. tag))
end

function steps.LSTM(p, x, h, c, tag)
    local H = p.w_hh.shape[1]
    local gates = plus(inproj(p, x), recur(h, p.w_hh, p.b_hh))
    local i = name(M.sigmoid(gates:narrow(2, 1, H)), tag and ("i" .. tag))
    local f = name(M.sigmoid(gates:narrow(2, H + 1, H)), tag and ("f" .. tag))
    local g = name(M.tanh(gates:narrow(2, 2 * H + 1, H)), tag and ("g" .. tag))
    local o = name(M.sigmoid(gates:narrow(2, 3 * H + 1, H)), tag and ("o" .. tag))
    local c2 = name(c and (f * c + i * g) or (i * g), tag and ("c" .. tag))
    return name(o * M.tanh(c2), tag and ("h" .. tag)), c2
end

function steps.GRU(p, x, h, _, tag)
    local H = p.w_hh.shape[1]
    local gi, gh = inproj(p, x), recur(h, p.w_hh, p.b_hh)
    local function part(t, k)
        if t == nil then return nil end
        return t:narrow(t:dim(), (k - 1) * H + 1, H)
    end
    local r = name(M.sigmoid(plus(part(gi, 1), part(gh, 1))), tag and ("r" .. tag))
    local z = name(M.sigmoid(plus(part(gi, 2), part(gh, 2))), tag and ("z" .. tag))
    local hn = part(gh, 3)
    local n = name(M.tanh(plus(part(gi, 3), hn and r * hn)), tag and ("n" .. tag))
    local h2 = (1 - z) * n
    if h then h2 = h2 + z * h end
    return name(h2, tag and ("h" .. tag))
end

local gates = {RNN = 1, LSTM = 4, GRU = 3}

-- The default initialisation of every recurrent weight and bias: U(−1/√H, 1/√H).
local function reset(m, H)
    local k = 1 / math.sqrt(H)
    for _, p in ipairs(m:parameters()) do nn.init.uniform_(p, -k, k) end
end

local function new_param(shape, pname)
    local p = M.var(M.zeros(shape))
    p.name = pname
    return p
end

local function check_size(who, what, v)
    if type(v) ~= "number" or v < 1 or v ~= math.floor(v) then
        error(string.format("%s: %s must be a whole number ≥ 1, got %s", who, what, tostring(v)), 4)
    end
end

local function state_shape_error(who, what, t, want)
    error(string.format("%s: %s has shape %s, expected %s", who, what, show(t.shape), show(want)), 4)
end

-- ---- the layers: nn.RNN, nn.LSTM, nn.GRU ---------------------------------------------------------

local layer_opts = {nonlinearity = true, num_layers = true, bias = true, batch_first = true, dropout = true,
                    bidirectional = true}

local function layer_class(kind)
    local cls = nn.Module(kind)
    local who = "nn." .. kind
    function cls:init(input_size, hidden_size, opts)
        check_opts(who, opts, layer_opts)
        check_size(who, "input_size", input_size)
        check_size(who, "hidden_size", hidden_size)
        if opt(opts, "bidirectional", false) then error(who .. ": bidirectional layers are not supported", 3) end
        local nl = opt(opts, "nonlinearity", "tanh")
        if kind ~= "RNN" and opts and opts.nonlinearity ~= nil then
            error(who .. ": unknown option 'nonlinearity' (only nn.RNN has one)", 3)
        end
        if nl ~= "tanh" and nl ~= "relu" then
            error(who .. ": nonlinearity must be \"tanh\" or \"relu\", got " .. tostring(nl), 3)
        end
        local layers = opt(opts, "num_layers", 1)
        check_size(who, "num_layers", layers)
        rawset(self, "mode", kind)
        rawset(self, "input_size", input_size)
        rawset(self, "hidden_size", hidden_size)
        rawset(self, "num_layers", layers)
        rawset(self, "nonlinearity", nl)
        rawset(self, "batch_first", opt(opts, "batch_first", false) and true or false)
        rawset(self, "dropout", opt(opts, "dropout", 0))
        rawset(self, "has_bias", opt(opts, "bias", true) and true or false)
        local G = gates[kind] * hidden_size
        for l = 1, layers do
            local isz = l == 1 and input_size or hidden_size
            self["weight_ih_l" .. l] = new_param({G, isz}, "weight_ih_l" .. l)
            self["weight_hh_l" .. l] = new_param({G, hidden_size}, "weight_hh_l" .. l)
            if self.has_bias then
                self["bias_ih_l" .. l] = new_param({G}, "bias_ih_l" .. l)
                self["bias_hh_l" .. l] = new_param({G}, "bias_hh_l" .. l)
            end
        end
        reset(self, hidden_size)
    end

    function cls:_layer(l)
        return {w_ih = self["weight_ih_l" .. l]:t(), w_hh = self["weight_hh_l" .. l]:t(),
                b_ih = self["bias_ih_l" .. l], b_hh = self["bias_hh_l" .. l]}
    end

    -- x [T, N, I] ([N, T, I] with batch_first, or [T, I] unbatched) and the
    -- initial state [num_layers, N, H] ([num_layers, H] unbatched).
    function cls:forward(x, hx)
        if not M.is_tensor(x) or (x:dim() ~= 2 and x:dim() ~= 3) then
            error(string.format("%s: expected an input of 3 dims [%s] (or 2 dims [length, features] for one sequence), got %s",
                                who, self.batch_first and "batch, length, features" or "length, batch, features",
                                M.is_tensor(x) and show(x.shape) or type(x)), 3)
        end
        local batched = x:dim() == 3
        local tdim = (batched and self.batch_first) and 2 or 1
        local T = x.shape[tdim]
        local N = batched and x.shape[3 - tdim] or 1
        local I = x.shape[x:dim()]
        if I ~= self.input_size then
            error(string.format("%s: input %s has %d features in its last dim, but input_size is %d", who,
                                show(x.shape), I, self.input_size), 3)
        end
        local H, Ls = self.hidden_size, self.num_layers
        local h0, c0
        if kind == "LSTM" and hx ~= nil then
            if type(hx) ~= "table" or M.is_tensor(hx) then
                error(who .. ": the initial state must be a table {h0, c0}", 3)
            end
            h0, c0 = hx[1], hx[2]
        else
            h0 = hx
        end
        local want = batched and {Ls, N, H} or {Ls, H}
        local function initial(t, what)
            if t == nil then return nil end
            if not M.is_tensor(t) then t = M.tensor(t) end
            if show(t.shape) ~= show(want) then state_shape_error(who, what, t, want) end
            return batched and t or t:reshape(Ls, 1, H)
        end
        h0, c0 = initial(h0, "h0"), initial(c0, "c0")
        if not batched then x = x:reshape(T, 1, I) end
        -- the layer's input as one tensor, time along dim tdim; its projection
        -- x @ W_ihᵀ + b_ih for all steps in one product, sliced per step
        local seq, sdim = x, tdim
        local hn, cn, outs = {}, {}, nil
        local step = steps[kind]
        for l = 1, Ls do
            local p = self:_layer(l)
            if l > 1 then
                seq, sdim = M.stack(outs, 1), 1
                if self.dropout > 0 and self.training then seq = M.dropout(seq, self.dropout, true) end
            end
            local xw = name(affine(seq, p.w_ih, p.b_ih), l == 1 and "xw_ih" or ("xw_ih_l" .. l))
            p.projected = true
            -- without h0 (c0) the first step has no recurrent term: the state is 0
            local h = h0 and h0:select(1, l)
            local c = c0 and c0:select(1, l)
            local cs = {}
            outs = {}
            for t = 1, T do
                h, c = step(p, xw:select(sdim, t), h, c, l == 1 and tostring(t) or (t .. "_l" .. l), self.nonlinearity)
                outs[t] = h
                if l == 1 and c then cs[t] = c end
            end
            if l == 1 then -- the first layer's states, for explain(L, rnn.h[1])
                rawset(self, "h", outs)
                if kind == "LSTM" then rawset(self, "c", cs) end
            end
            hn[l], cn[l] = h, c
        end
        local inputs = outs
        local output = M.stack(inputs, tdim)
        local h_n = M.stack(hn, 1)
        local c_n = kind == "LSTM" and M.stack(cn, 1) or nil
        if not batched then
            output = output:reshape(T, H)
            h_n = h_n:reshape(Ls, H)
            if c_n then c_n = c_n:reshape(Ls, H) end
        end
        if kind == "LSTM" then return output, {h_n, c_n} end
        return output, h_n
    end

    function cls:_run(...)
        local a, b = self:forward(...)
        rawset(self, "_out_shape", a.shape)
        return a, b
    end

    function cls:extra_repr()
        local s = self.input_size .. ", " .. self.hidden_size
        if self.num_layers ~= 1 then s = s .. ", num_layers=" .. self.num_layers end
        if kind == "RNN" and self.nonlinearity ~= "tanh" then s = s .. ", nonlinearity=" .. self.nonlinearity end
        if not self.has_bias then s = s .. ", bias=False" end
        if self.batch_first then s = s .. ", batch_first=True" end
        if self.dropout ~= 0 then s = s .. ", dropout=" .. self.dropout end
        return s
    end

    return cls
end

nn.RNN = layer_class("RNN")
nn.LSTM = layer_class("LSTM")
nn.GRU = layer_class("GRU")

-- ---- the cells: nn.RNNCell, nn.LSTMCell, nn.GRUCell ------------------------------------------------

local function cell_class(kind)
    local name_ = kind .. "Cell"
    local cls = nn.Module(name_)
    local who = "nn." .. name_
    function cls:init(input_size, hidden_size, opts)
        check_opts(who, opts, kind == "RNN" and {bias = true, nonlinearity = true} or {bias = true})
        check_size(who, "input_size", input_size)
        check_size(who, "hidden_size", hidden_size)
        local nl = opt(opts, "nonlinearity", "tanh")
        if nl ~= "tanh" and nl ~= "relu" then
            error(who .. ": nonlinearity must be \"tanh\" or \"relu\", got " .. tostring(nl), 3)
        end
        rawset(self, "input_size", input_size)
        rawset(self, "hidden_size", hidden_size)
        rawset(self, "nonlinearity", nl)
        local G = gates[kind] * hidden_size
        self.weight_ih = new_param({G, input_size}, "weight_ih")
        self.weight_hh = new_param({G, hidden_size}, "weight_hh")
        if opt(opts, "bias", true) then
            self.bias_ih = new_param({G}, "bias_ih")
            self.bias_hh = new_param({G}, "bias_hh")
        end
        reset(self, hidden_size)
    end

    -- cell(x [, h]) -> h'; LSTMCell: cell(x [, {h, c}]) -> h', c'.
    function cls:forward(x, hx, cx)
        if not M.is_tensor(x) or (x:dim() ~= 1 and x:dim() ~= 2) then
            error(string.format("%s: expected an input [batch, features] or [features], got %s", who,
                                M.is_tensor(x) and show(x.shape) or type(x)), 3)
        end
        local batched = x:dim() == 2
        local I, H = x.shape[x:dim()], self.hidden_size
        if I ~= self.input_size then
            error(string.format("%s: input %s has %d features in its last dim, but input_size is %d", who,
                                show(x.shape), I, self.input_size), 3)
        end
        local N = batched and x.shape[1] or 1
        if not batched then x = x:reshape(1, I) end
        local h, c = hx, cx
        if kind == "LSTM" and type(hx) == "table" and not M.is_tensor(hx) then h, c = hx[1], hx[2] end
        local want = batched and {N, H} or {H}
        local function state(t, what)
            if t == nil then return nil end
            if not M.is_tensor(t) then t = M.tensor(t) end
            if show(t.shape) ~= show(want) then state_shape_error(who, what, t, want) end
            return batched and t or t:reshape(1, H)
        end
        h = state(h, "the hidden state h")
        if kind == "LSTM" then c = state(c, "the cell state c") end
        local p = {w_ih = self.weight_ih:t(), w_hh = self.weight_hh:t(), b_ih = self.bias_ih, b_hh = self.bias_hh}
        -- the gates are named i, f, g, o (r, z, n) and the new states h, c, for traces of one step
        local h2, c2 = steps[kind](p, x, h, c, "", self.nonlinearity)
        if not batched then
            h2 = h2:reshape(H)
            if c2 then c2 = c2:reshape(H) end
        end
        return h2, c2
    end

    function cls:_run(...)
        local a, b = self:forward(...)
        rawset(self, "_out_shape", a.shape)
        return a, b
    end

    function cls:extra_repr()
        local s = self.input_size .. ", " .. self.hidden_size
        if not self.bias_ih then s = s .. ", bias=False" end
        if kind == "RNN" and self.nonlinearity ~= "tanh" then s = s .. ", nonlinearity=" .. self.nonlinearity end
        return s
    end
    return cls
end

nn.RNNCell = cell_class("RNN")
nn.LSTMCell = cell_class("LSTM")
nn.GRUCell = cell_class("GRU")

-- ---- help ---------------------------------------------------------------------------------------------

local names_note = "Parameters per layer l = 1..num_layers (counted from 1, like Sequential; PyTorch's "
    .. "weight_ih_l0 is gradcalc's weight_ih_l1): weight_ih_l<l> [G×H, input], weight_hh_l<l> [G×H, H], bias_ih_l<l> "
    .. "and bias_hh_l<l> [G×H], all U(−1/√H, 1/√H) as in PyTorch. state_dict() gives PyTorch's names "
    .. "(weight_ih_l0, ...), so the weights load into torch as they are; load_state_dict takes those or "
    .. "gradcalc's field names. Input x [T, N, input] ([N, T, input] with "
    .. "batch_first; [T, input] for one sequence); h0 [num_layers, N, H] (never batch-first). The input "
    .. "projection x @ W_ihᵀ + b_ih of every step is one product per layer (named xw_ih), sliced per step; each "
    .. "step's recurrence is recorded as ordinary ops and its hidden state is named h1, h2, ... (h<t>_l<l> in layers after the first), "
    .. "so explain(L, m.weight_hh_l1) lists one path per time step (via h2, via h3, ...). After a call, m.h[t] "
    .. "is the first layer's hidden state h<t> (m.c[t] the LSTM's cell state c<t>): explain(L, m.h[1]) sums "
    .. "the gradient of h1 over the later steps."
M._doc{name = "nn.RNN",
    signature = "rnn = nn.RNN(input_size, hidden_size [, {nonlinearity=\"tanh\", num_layers=1, bias=true, "
        .. "batch_first=false, dropout=0}]); output, h_n = rnn(x [, h0])",
    summary = "An Elman recurrent layer: h_t = tanh(x_t @ W_ihᵀ + b_ih + h_{t−1} @ W_hhᵀ + b_hh) (or relu), G = 1. "
        .. "output holds h_t of the last layer for every t; h_n [num_layers, N, H] the last h of each layer. "
        .. names_note,
    formula = "h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)",
    derivative = "∂L/∂W_hh = Σ_t ∂L/∂h_t × ∂h_t/∂W_hh, each ∂L/∂h_t summing the later steps through W_hh",
    example = "rnn = nn.RNN(2, 3); out, h = rnn(randn(5, 1, 2)); L = sum(out); L:backward(); "
        .. "explain(L, rnn.weight_hh_l1)"}
M._doc{name = "nn.LSTM",
    signature = "lstm = nn.LSTM(input_size, hidden_size [, {num_layers=1, bias=true, batch_first=false, "
        .. "dropout=0}]); output, {h_n, c_n} = lstm(x [, {h0, c0}])",
    summary = "Long short-term memory, PyTorch's gate order i, f, g, o (G = 4): the gate rows of W_ih, W_hh are "
        .. "[i; f; g; o]. i, f, o = σ(...), g = tanh(...), c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t); the gates are "
        .. "named i<t>, f<t>, g<t>, o<t> and the cell states c<t> in traces. " .. names_note,
    formula = "c_t = f⊙c_{t−1} + i⊙g;  h_t = o⊙tanh(c_t)",
    derivative = "∂c_t/∂c_{t−1} = f: the additive path that carries the gradient through time",
    example = "lstm = nn.LSTM(4, 8, {batch_first = true}); out, state = lstm(randn(2, 5, 4)); h_n, c_n = state[1], state[2]"}
M._doc{name = "nn.GRU",
    signature = "gru = nn.GRU(input_size, hidden_size [, {num_layers=1, bias=true, batch_first=false, dropout=0}]); "
        .. "output, h_n = gru(x [, h0])",
    summary = "Gated recurrent unit, PyTorch's gate order r, z, n (G = 3): r = σ(W_ir x + b_ir + W_hr h + b_hr), "
        .. "z likewise, n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)), h' = (1 − z)⊙n + z⊙h. " .. names_note,
    formula = "h_t = (1 − z)⊙n + z⊙h_{t−1}",
    example = "gru = nn.GRU(3, 4, {num_layers = 2}); out, h = gru(randn(6, 2, 3))"}
local cell_note = " Parameters weight_ih [G×H, input], weight_hh [G×H, H], bias_ih, bias_hh [G×H], "
    .. "U(−1/√H, 1/√H). x is [N, input] or [input]; a missing state starts at zeros. The gates are named "
    .. "i, f, g, o (r, z, n) and the new states h (and c) in traces; in a time loop of your own, rename the "
    .. "states (h.name = \"h\" .. t) to read the steps apart."
M._doc{name = "nn.RNNCell", signature = "cell = nn.RNNCell(input_size, hidden_size [, {bias=true, nonlinearity=\"tanh\"}]); h = cell(x [, h])",
    summary = "One step of nn.RNN: h' = tanh(x @ W_ihᵀ + b_ih + h @ W_hhᵀ + b_hh)." .. cell_note,
    example = "cell = nn.RNNCell(2, 3); h = nil; for t = 1, 4 do h = cell(randn(1, 2), h); h.name = \"h\" .. t end"}
M._doc{name = "nn.LSTMCell", signature = "cell = nn.LSTMCell(input_size, hidden_size [, {bias=true}]); h, c = cell(x [, {h, c}])",
    summary = "One step of nn.LSTM (gates i, f, g, o); returns the new h and c (PyTorch returns them as a pair)."
        .. cell_note,
    example = "cell = nn.LSTMCell(2, 3); h, c = cell(randn(1, 2)); h, c = cell(randn(1, 2), {h, c})"}
M._doc{name = "nn.GRUCell", signature = "cell = nn.GRUCell(input_size, hidden_size [, {bias=true}]); h = cell(x [, h])",
    summary = "One step of nn.GRU (gates r, z, n)." .. cell_note,
    example = "cell = nn.GRUCell(2, 3); h = cell(randn(4, 2))"}
