-- lessons/runner_mark.lua - marking an answer and finding the mistake
-- behind a wrong one. Loaded by runner.lua with its shared table R; adds
-- R.TOL, R.close(a, v, tol) and R.diagnose(a, v, spec, tol).

local R = ...
local number_of = R.number_of

R.TOL = 0.5e-3              -- relative: 3 significant figures

local function close(a, v, tol)
    return math.abs(a - v) <= tol * math.abs(v) + 1e-12
end
R.close = close

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

-- Factors as {label, number}, from a chain given as {label, value} pairs.
local function numbers(chain)
    local out = {}
    for i, f in ipairs(chain) do
        local v = number_of(f[2])
        if v == nil then error("ask: factor " .. i .. " of the chain is not one number", 0) end
        out[i] = {f[1], v}
    end
    return out
end

-- What the learner's wrong number a probably is, when it can be told.
function R.diagnose(a, v, spec, tol)
    if v ~= 0 and close(a, -v, tol) then
        return "The size is right but the sign is not: check the signs of your factors."
    end
    for _, m in ipairs(spec.mistakes or {}) do
        local mv = number_of(m[1]())
        if mv and close(a, mv, tol) then return m[2] end
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
    if spec.chain then
        local f = numbers(spec.chain())
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
        for i = 1, n do
            if f[i][2] ~= 0 and not close(f[i][2], 1, tol) and close(a, v / f[i][2], tol) then
                return string.format("Your product lacks the factor %s.", f[i][1])
            end
        end
        -- The factor that, alone wrong, would explain the number.
        for i = 1, n do
            local rest = v / f[i][2]
            if f[i][2] ~= 0 and rest ~= 0 then
                local yours = a / rest
                -- a "near miss" of one factor: within 30 % of it
                if math.abs(yours - f[i][2]) <= 0.3 * math.abs(f[i][2]) then
                    return string.format("If the other factors are right, your %s is off: " ..
                        "recompute that one.", f[i][1])
                end
            end
        end
        return "Check each factor of the chain " .. labels(f, 1, n) .. "."
    end
    return nil
end
