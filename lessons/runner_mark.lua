-- lessons/runner_mark.lua - marking an answer and finding the mistake
-- behind a wrong one. Loaded by runner.lua with its shared table R; adds
-- R.mark(a, v, tol) and R.diagnose(a, v, spec, tol).
--
-- An answer is right when it rounds to the same 3 significant figures as
-- gradcalc's value v, or lies within half a unit of v's 3rd figure (the
-- learner rounded correctly, or carried more digits). A question may set
-- its own relative tolerance `tol` instead. An answer off by at most three
-- units of the 3rd figure (twice tol) is "close": the learner's method is
-- right, their rounding too early.

local R = ...
local number_of = R.number_of

-- The unit of the 3rd significant figure of v (v ~= 0).
local function unit3(v)
    local m = math.abs(v)
    local e = math.floor(math.log(m, 10))
    if 10.0 ^ e > m then e = e - 1 elseif 10.0 ^ (e + 1) <= m then e = e + 1 end
    return 10.0 ^ (e - 2)
end

-- x rounded to a whole number, halves away from zero (a half that float
-- division left a hair below, 456.49999999999994 for -45.65/0.1, too).
local function round(x)
    local r = math.floor(math.abs(x) + 0.5 + 1e-9)
    if x < 0 then return -r end
    return r
end

-- Whether a counts as v: under the 3 significant figures rule, or within
-- the relative tolerance tol when the question sets one. With `near`,
-- whether a is "close" instead.
local function within(a, v, tol, near)
    if a ~= a or v ~= v or math.abs(a) == math.huge or math.abs(v) == math.huge then
        return a == v
    end
    if tol then return math.abs(a - v) <= (near and 2 or 1) * tol * math.abs(v) + 1e-12 end
    if v == 0 then return math.abs(a) <= 1e-12 end
    local u = unit3(v)
    local fuzz = 1e-9 * u       -- a typed 0.3785 is not quite 0.3785
    if near then return math.abs(a - v) <= 3 * u + fuzz end
    if math.abs(a - v) <= u / 2 + fuzz then return true end
    return round(a / u) == round(v / u)
end

-- "right", "close" or "wrong".
function R.mark(a, v, tol)
    if within(a, v, tol) then return "right" end
    if within(a, v, tol, true) then return "close" end
    return "wrong"
end

-- Whether the learner's a is the value x (a mistake's, a factor's, a
-- product's), by the question's rule.
local function close(a, x, tol) return within(a, x, tol) end

local function product(factors, from, to)
    local p = 1
    for i = from, to do p = p * factors[i][2] end
    return p
end

local function labels(factors, from, to)
    local t = {}
    for i = from, to do t[#t + 1] = factors[i][1] end
    return table.concat(t, " × ")
end

-- Factors as {label, number, wrong = {{number, why}, ...}}, from a chain
-- given as {label, value, wrong = ...} entries; `wrong` (optional) lists
-- the factor's common wrong values, each a value or {value, "why"}.
local function numbers(chain)
    local out = {}
    for i, f in ipairs(chain) do
        local v = number_of(f[2])
        if v == nil then error("ask: factor " .. i .. " of the chain is not one number", 0) end
        local wrong = {}
        local list = f.wrong
        if list ~= nil and (type(list) ~= "table" or is_tensor(list) or type(list[2]) == "string") then
            list = {list}
        end
        for j, w in ipairs(list or {}) do
            if type(w) ~= "table" or is_tensor(w) then w = {w} end
            local wv = number_of(w[1])
            if wv == nil then error("ask: wrong value " .. j .. " of factor " .. i .. " is not one number", 0) end
            wrong[#wrong + 1] = {wv, w[2]}
        end
        out[i] = {f[1], v, wrong = wrong}
    end
    return out
end

-- What a chain's factors tell of the learner's a: one factor alone, a
-- product that stops early, or one factor left out or replaced by its
-- common wrong value. A change of one factor is named only when exactly
-- one factor explains a; otherwise nothing specific is said.
local function diagnose_chain(a, v, f, tol)
    local n = #f
    for i = 1, n do
        if n > 1 and close(a, f[i][2], tol) and not close(v, f[i][2], tol) then
            return string.format("That is the factor %s alone; the chain is %s.", f[i][1], labels(f, 1, n))
        end
    end
    for k = 2, n - 1 do
        if close(a, product(f, 1, k), tol) then
            return string.format("That is %s: the chain goes on with × %s.", labels(f, 1, k),
                labels(f, k + 1, n))
        end
    end
    local found = {}
    for i = 1, n do
        local rest = 1      -- the product of the other factors
        for j = 1, n do
            if j ~= i then rest = rest * f[j][2] end
        end
        local why
        if not close(f[i][2], 1, tol) and close(a, rest, tol) then
            why = string.format("Your product lacks the factor %s.", f[i][1])
        end
        for _, w in ipairs(f[i].wrong) do
            if not why and not close(w[1], f[i][2], tol) and close(a, rest * w[1], tol) then
                why = string.format("If the other factors are right, your %s is off", f[i][1]) ..
                    (w[2] and (": " .. w[2]) or ": recompute that one.")
            end
        end
        if why then found[#found + 1] = why end
    end
    if #found == 1 then return found[1] end
    return "Check each factor of the chain " .. labels(f, 1, n) .. "."
end

-- What the learner's wrong number a probably is, when it can be told:
-- the lesson's own common mistakes first, then the sign, one path of a
-- sum over paths, the factors of a chain.
function R.diagnose(a, v, spec, tol)
    for _, m in ipairs(spec.mistakes or {}) do
        local mv = number_of(m[1]())
        if mv and close(a, mv, tol) then return m[2] end
    end
    if v ~= 0 and close(a, -v, tol) then
        return "The size is right but the sign is not: check the signs of your factors."
    end
    if spec.paths then
        local paths = spec.paths()
        for j, p in ipairs(paths) do
            local f = numbers(p)
            if #paths > 1 and close(a, product(f, 1, #f), tol) then
                return string.format("That is path %d alone (%s); there are %d paths from the weight " ..
                    "to the output, and the chain rule adds them.", j, p.name or labels(f, 1, #f), #paths)
            end
        end
    end
    if spec.chain then return diagnose_chain(a, v, numbers(spec.chain()), tol) end
    return nil
end
