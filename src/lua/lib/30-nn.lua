-- 30-nn.lua - the nn library's module machinery: nn.Module (the class of
-- every layer), parameters and buffers under PyTorch's names, state_dict,
-- train/eval, zero_grad, printing, and nn.Sequential. The layers are in
-- 32-nn-layers.lua, the losses in 33-nn-losses.lua, nn.init in 31-nn-init.lua.
local M = ...
local nn = {}
M.nn = nn

local Module = {}
nn._Module = Module -- the methods every module shares

-- A parameter is a leaf tensor that requires a gradient; assigning one to a
-- field of a module registers it under that name, in assignment order (as
-- PyTorch's nn.Parameter does). Assigning a module registers a child.
local function is_module(v)
    return type(v) == "table" and getmetatable(v) ~= nil and rawget(getmetatable(v), "_is_class") == true
end

local function register(self, key, value)
    if M.is_tensor(value) and value.requires_grad and value.is_leaf then
        table.insert(self._params, key)
    elseif is_module(value) then
        table.insert(self._children, key)
    end
    rawset(self, key, value)
end

-- nn.Module(name): a new class of module. Define cls:init(...) (the
-- constructor's body) and cls:forward(...); cls(...) makes one.
function nn.Module(name, parent)
    assert(type(name) == "string", "nn.Module: give the class a name")
    local cls = {_is_class = true, _class_name = name}
    cls.__index = cls
    cls.__newindex = register
    cls.__call = function(self, ...) return self:_run(...) end
    cls.__tostring = function(self) return self:_repr() end
    setmetatable(cls, {
        __index = parent or Module,
        __call = function(c, ...)
            local self = setmetatable({_params = {}, _buffers = {}, _children = {}, training = true}, c)
            self:init(...)
            return self
        end,
    })
    return cls
end

function Module:init() end

function Module:forward()
    error(self._class_name .. ": this module has no forward()", 2)
end

function Module:_run(...)
    local y = self:forward(...)
    if M.is_tensor(y) then rawset(self, "_out_shape", y.shape) end
    return y
end

-- A buffer is state that is saved but not trained (batch norm's running statistics).
function Module:register_buffer(name, t)
    table.insert(self._buffers, name)
    rawset(self, name, t)
end

-- Walks the module tree: fn(prefix, module) for self and every descendant, parents first.
local function walk(self, prefix, fn)
    fn(prefix, self)
    for _, key in ipairs(self._children) do
        local child = self[key]
        if child then walk(child, prefix .. tostring(key) .. ".", fn) end
    end
end

function Module:named_parameters()
    local out, seen = {}, {}
    walk(self, "", function(prefix, m)
        for _, key in ipairs(m._params) do
            local p = m[key]
            if p and not seen[p] then
                seen[p] = true
                out[#out + 1] = {prefix .. key, p}
            end
        end
    end)
    return out
end

function Module:parameters()
    local out = {}
    for i, pair in ipairs(self:named_parameters()) do out[i] = pair[2] end
    return out
end

function Module:named_buffers()
    local out = {}
    walk(self, "", function(prefix, m)
        for _, key in ipairs(m._buffers) do
            if m[key] then out[#out + 1] = {prefix .. key, m[key]} end
        end
    end)
    return out
end

function Module:children()
    local out = {}
    for _, key in ipairs(self._children) do out[#out + 1] = self[key] end
    return out
end

-- PyTorch counts from 0 where gradcalc counts from 1: Sequential's children
-- ("1.weight" is PyTorch's "0.weight") and recurrent layers (weight_ih_l1 is
-- weight_ih_l0). state_dict speaks PyTorch's names, so weights move between
-- the two; the fields and named_parameters keep gradcalc's.
local function renumbered(name, by)
    local parts = {}
    for part in tostring(name):gmatch("[^.]+") do
        if part:match("^%d+$") then
            part = tostring(tonumber(part) + by)
        else
            local base, n = part:match("^(weight_[ih]h_l)(%d+)$")
            if not base then base, n = part:match("^(bias_[ih]h_l)(%d+)$") end
            if base then part = base .. (tonumber(n) + by) end
        end
        parts[#parts + 1] = part
    end
    return table.concat(parts, ".")
end

-- name (gradcalc's) -> tensor, every parameter and buffer.
local function own_tensors(self)
    local out = {}
    walk(self, "", function(prefix, m)
        for _, key in ipairs(m._params) do if m[key] then out[prefix .. key] = m[key] end end
        for _, key in ipairs(m._buffers) do if m[key] then out[prefix .. key] = m[key] end end
    end)
    return out
end

-- state_dict: PyTorch's name -> tensor (the module's own) for every parameter and buffer.
function Module:state_dict()
    local out = {}
    for name, t in pairs(own_tensors(self)) do out[renumbered(name, -1)] = t end
    return out
end

-- load_state_dict(t [, {strict=true}]): copies each tensor (or nested table
-- of numbers) of t into the parameter or buffer of that name: PyTorch's
-- names (as state_dict gives them), or gradcalc's.
function Module:load_state_dict(t, opts)
    local strict = not (opts and opts.strict == false)
    -- the whole dict is read as PyTorch's names or as gradcalc's, whichever
    -- fits more of its keys ("1.weight" can be either), PyTorch's on a tie
    local mine, given = self:state_dict(), {}
    local ours, as_torch, as_ours = own_tensors(self), 0, 0
    for name in pairs(t) do
        if mine[name] ~= nil then as_torch = as_torch + 1 end
        if ours[name] ~= nil then as_ours = as_ours + 1 end
    end
    for name, v in pairs(t) do
        given[as_ours > as_torch and renumbered(name, -1) or name] = v
    end
    local missing, unexpected = {}, {}
    for name in pairs(mine) do if given[name] == nil then missing[#missing + 1] = name end end
    for name in pairs(given) do if mine[name] == nil then unexpected[#unexpected + 1] = tostring(name) end end
    table.sort(missing)
    table.sort(unexpected)
    if strict and (#missing > 0 or #unexpected > 0) then
        error(string.format("load_state_dict: %s%s%s", #missing > 0 and ("missing keys: " .. table.concat(missing, ", ")) or "",
            (#missing > 0 and #unexpected > 0) and "; " or "",
            #unexpected > 0 and ("unexpected keys: " .. table.concat(unexpected, ", ")) or ""), 2)
    end
    for name, dst in pairs(mine) do
        local src = given[name]
        if src ~= nil then
            if not M.is_tensor(src) then src = M.tensor(src) end
            local a, b = table.concat(dst.shape, ", "), table.concat(src.shape, ", ")
            if a ~= b then
                error(string.format("load_state_dict: %s has shape [%s] here but [%s] in the given state",
                                    name, a, b), 2)
            end
            M.no_grad(function() dst:copy_(src) end)
        end
    end
    return {missing_keys = missing, unexpected_keys = unexpected}
end

function Module:train(mode)
    if mode == nil then mode = true end
    walk(self, "", function(_, m) rawset(m, "training", mode and true or false) end)
    return self
end

function Module:eval() return self:train(false) end

function Module:zero_grad()
    for _, p in ipairs(self:parameters()) do p:zero_grad() end
end

-- Puts the prefixed names on the module's parameters, for traces ("1.weight").
function Module:_name_parameters(prefix)
    for _, pair in ipairs(self:named_parameters()) do pair[2].name = (prefix or "") .. pair[1] end
end

-- ---- printing -------------------------------------------------------------------------------------

local function count(params)
    local n = 0
    for _, p in ipairs(params) do n = n + p:numel() end
    return n
end

local function own_count(m)
    local n = 0
    for _, key in ipairs(m._params) do if m[key] then n = n + m[key]:numel() end end
    return n
end

function Module:extra_repr() return "" end

local function repr(m, indent)
    local head = m._class_name .. "(" .. m:extra_repr()
    local notes = {}
    local own = own_count(m)
    if own > 0 then notes[#notes + 1] = own .. " parameters" end
    if m._out_shape then notes[#notes + 1] = "output [" .. table.concat(m._out_shape, ", ") .. "]" end
    local note = #notes > 0 and ("    -- " .. table.concat(notes, ", ")) or ""
    if #m._children == 0 then return head .. ")" .. note end
    local lines = {head .. note}
    for _, key in ipairs(m._children) do
        lines[#lines + 1] = indent .. "  (" .. tostring(key) .. "): " .. repr(m[key], indent .. "  ")
    end
    lines[#lines + 1] = indent .. ")"
    return table.concat(lines, "\n")
end

function Module:_repr()
    local text = repr(self, "")
    local total = count(self:parameters())
    if #self._children > 0 or total > 0 then
        text = text .. "\ntotal: " .. total .. " parameters"
    end
    return text
end

-- ---- Sequential --------------------------------------------------------------------------------------

nn.Sequential = nn.Module("Sequential")

function nn.Sequential:init(...)
    local mods = table.pack(...)
    for i = 1, mods.n do
        if not is_module(mods[i]) then
            error(string.format("nn.Sequential: argument %d is a %s, not a module", i, type(mods[i])), 3)
        end
        self[i] = mods[i]
    end
    self:_name_parameters()
end

function nn.Sequential:forward(x)
    for i = 1, #self._children do x = self[self._children[i]](x) end
    return x
end

function nn.Sequential:append(m)
    if not is_module(m) then error("nn.Sequential:append: expected a module", 2) end
    self[#self._children + 1] = m
    self:_name_parameters()
    return self
end

nn.Sequential.__len = function(self) return #self._children end

-- ---- help ------------------------------------------------------------------------------------------------

M._doc{name = "nn.Module", signature = "Cls = nn.Module(name); function Cls:init(...) end; function Cls:forward(x) end",
    summary = "Makes a new class of module, as subclassing torch.nn.Module. In init, assign layers and "
        .. "parameters (var(...)) to fields of self: they are registered under those names, in that order, "
        .. "so parameters(), state_dict() and print() find them; self:register_buffer(name, t) adds saved "
        .. "state that is not trained. Every module has m(x), m:parameters() (PyTorch's order), "
        .. "m:named_parameters() ({name, tensor} pairs), m:named_buffers(), m:children(), m:state_dict() "
        .. "(PyTorch's name -> tensor, parameters and buffers: \"0.weight\", weight_ih_l0), m:load_state_dict(t [, {strict=true}]) (PyTorch's names or gradcalc's), m:train(), "
        .. "m:eval(), m:zero_grad(), and print(m) shows the structure, the parameter counts and the last "
        .. "output shapes.",
    example = 'Net = nn.Module("Net")\nfunction Net:init() self.fc1 = nn.Linear(4, 8); self.fc2 = nn.Linear(8, 2) end\n'
        .. 'function Net:forward(x) return self.fc2(relu(self.fc1(x))) end\nnet = Net(); print(net)'}
M._doc{name = "nn.Sequential", signature = "nn.Sequential(m1, m2, ...)",
    summary = "Runs the modules one after the other. seq[i] is the i-th module (counted from 1) and its "
        .. "parameters are named \"1.weight\", \"1.bias\", \"2.weight\", ... (PyTorch counts from 0: its "
        .. "\"0.weight\" is gradcalc's \"1.weight\"). seq:append(m) adds one at the end; #seq counts them.",
    example = "net = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1)); y = net(randn(3, 2))"}
