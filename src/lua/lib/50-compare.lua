-- 50-compare.lua - compare(params, mine, loss): checks gradients a
-- learner computed by hand (plain tensors and formulas) against
-- gradcalc's autograd.
--
--   params: {name = tensor, ...}, the tensors the gradients are for
--           (var(...), requires_grad); a list works too (names 1, 2, ...)
--   mine:   {name = tensor, ...}, the learner's gradients, same names
--   loss:   the one-element tensor they are gradients of
--
-- Runs loss:backward() from cleared gradients, prints for each name the
-- relative error of every element (|mine − autograd| / max(|mine|,
-- |autograd|), 0 where both are 0; a tensor of more than 16 elements
-- shows only its largest), names the worst element of all, and returns
-- the worst relative error, its name and its index.

local M = ...
local is_tensor = M.is_tensor

-- The elements of a nested table from totable(): {{index...}, value} in
-- row-major order.
local function elements(t, prefix, out)
    out, prefix = out or {}, prefix or {}
    if type(t) ~= "table" then
        out[#out + 1] = {prefix, t}
        return out
    end
    for i, v in ipairs(t) do
        local idx = {table.unpack(prefix)}
        idx[#idx + 1] = i
        elements(v, idx, out)
    end
    return out
end

local function shape_text(x) return "{" .. table.concat(x.shape, ", ") .. "}" end

local function relative(a, b)
    if a == b then return 0 end
    if a ~= a or b ~= b then return math.huge end
    return math.abs(a - b) / math.max(math.abs(a), math.abs(b))
end

local SHOWN = 16            -- tensors up to this size are shown element by element
local TINY = 1e-12          -- errors below this are rounding, printed as "<1e-12"

local function err_text(r, width)
    local w = width ~= 0 and tostring(width) or ""
    if r < TINY then return string.format("%" .. w .. "s", "<1e-12") end
    return string.format("%" .. w .. ".2g", r)
end

function M.compare(params, mine, loss)
    if type(params) ~= "table" or is_tensor(params) then
        error("compare(params, mine, loss): params is a table of tensors, {W1 = W1, ...}", 2)
    end
    if type(mine) ~= "table" or is_tensor(mine) then
        error("compare(params, mine, loss): mine is a table of your gradients, {W1 = dW1, ...}", 2)
    end
    if not is_tensor(loss) or loss:numel() ~= 1 then
        error("compare(params, mine, loss): loss is the one-element tensor the gradients are of", 2)
    end
    local names = {}
    for k in pairs(mine) do names[#names + 1] = k end
    table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
    if #names == 0 then error("compare: mine has no gradient to compare", 2) end
    for _, k in ipairs(names) do
        local p, g = params[k], mine[k]
        if not is_tensor(p) then error("compare: params has no tensor " .. tostring(k) .. " for mine." .. tostring(k), 2) end
        if not is_tensor(g) then error("compare: mine." .. tostring(k) .. " is not a tensor", 2) end
        if shape_text(p) ~= shape_text(g) then
            error(string.format("compare: mine.%s has shape %s, but %s has shape %s; a gradient has the shape of its tensor",
                tostring(k), shape_text(g), tostring(k), shape_text(p)), 2)
        end
    end
    for _, p in pairs(params) do
        if is_tensor(p) then p:zero_grad() end
    end
    loss:backward()

    local worst = {err = -1}
    print(string.format("%-8s %-9s %-16s %s", "gradient", "shape", "max rel. error", "at (yours, autograd)"))
    for _, k in ipairs(names) do
        local p, g = params[k], mine[k]
        local auto = p.grad
        if auto == nil then
            error("compare: " .. tostring(k) .. " got no gradient from loss:backward() (is it used by the loss, " ..
                "and made with var?)", 2)
        end
        local ours, theirs = elements(g:totable()), elements(auto:totable())
        local rel, top = {}, {err = -1}
        for i, e in ipairs(ours) do
            local r = relative(e[2], theirs[i][2])
            rel[i] = r
            if r > top.err then top = {err = r, index = e[1], yours = e[2], autograd = theirs[i][2]} end
        end
        local at = "[" .. table.concat(top.index, ", ") .. "]"
        print(string.format("%-8s %-9s %-16s %s  %.6g, %.6g", tostring(k), shape_text(p), err_text(top.err, -16), at,
            top.yours, top.autograd))
        if #rel <= SHOWN then
            local cols = p.shape[#p.shape] or 1
            local lines = {}
            for i = 1, #rel, cols do
                local row = {}
                for j = i, math.min(i + cols - 1, #rel) do row[#row + 1] = err_text(rel[j], 8) end
                lines[#lines + 1] = "    " .. table.concat(row, " ")
            end
            print(table.concat(lines, "\n"))
        end
        if top.err > worst.err then
            worst = {err = top.err, name = k, index = top.index, yours = top.yours, autograd = top.autograd}
        end
    end
    print(string.format("worst: %s[%s], relative error %s (yours %.9g, autograd %.9g)%s", tostring(worst.name),
        table.concat(worst.index, ", "), err_text(worst.err, 0), worst.yours, worst.autograd,
        worst.err < 1e-7 and ": they agree" or ": they disagree"))
    return worst.err, worst.name, worst.index
end

M._doc{
    name = "compare",
    signature = "compare(params, mine, loss)",
    summary = "Checks gradients you computed yourself (plain tensors and formulas, no backward) "
        .. "against autograd: runs loss:backward() from cleared gradients, prints for each name "
        .. "of params the relative error of every element (|mine − autograd| / max(|mine|, "
        .. "|autograd|)), names the worst element, and returns the worst error, its name and index. "
        .. "params and mine are tables name → tensor with the same names.",
    example = "compare({W = W, b = b}, {W = dW, b = db}, mse(X @ W + b, T))",
}
