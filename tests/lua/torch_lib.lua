-- torch_lib.lua - what the PyTorch differential tests share: finding torch,
-- writing numbers and shapes as Python literals, reading the
-- "name|kind|values" lines the torch side prints, and comparing lists of
-- numbers within a relative tolerance (nan equals nan).
local M = {}

-- The python3 that imports torch, or nil after a skip line and check.done().
function M.python_with_torch(check, what)
    local python = os.getenv("GRADCALC_PYTHON") or "/usr/bin/python3"
    if os.execute(python .. " -c 'import torch' >/dev/null 2>&1") then return python end
    check.ok(true, what .. " skipped: python3-torch not installed")
    check.done()
end

-- Numbers as a Python list's items, exact (%.17g), with nan and ±inf.
function M.fmt(list)
    local parts = {}
    for i, v in ipairs(list) do
        if v ~= v then
            parts[i] = "nan"
        elseif v == math.huge then
            parts[i] = "inf"
        elseif v == -math.huge then
            parts[i] = "-inf"
        else
            parts[i] = string.format("%.17g", v)
        end
    end
    return table.concat(parts, ", ")
end

function M.values(t) return t:detach():flatten():totable() end

-- A shape as a Python tuple: (), (3,), (2, 3,).
function M.pyshape(shape)
    if #shape == 0 then return "()" end
    return "(" .. table.concat(shape, ", ") .. ",)"
end

-- {name = {kind = {numbers...}}} from the lines of text.
function M.parse(text)
    local theirs = {}
    for line in text:gmatch("[^\n]+") do
        local name, kind, nums = line:match("^(.-)|([%w:_.]+)|(.*)$")
        if name then
            local list = {}
            for v in nums:gmatch("%S+") do
                list[#list + 1] = tonumber(v) or (v == "nan" and 0 / 0) or (v == "inf" and math.huge) or -math.huge
            end
            theirs[name] = theirs[name] or {}
            theirs[name][kind] = list
        end
    end
    return theirs
end

-- true, or false and the first element that differs by more than tol.
function M.same(a, b, tol)
    if #a ~= #b then return false, string.format("%d values here, %d in torch", #a, #b) end
    for i = 1, #a do
        local x, y = a[i], b[i]
        if not (x == y or (x ~= x and y ~= y) or math.abs(x - y) <= tol * math.max(1, math.abs(y))) then
            return false, string.format("element %d: gradcalc %.17g, torch %.17g", i, x, y)
        end
    end
    return true
end

return M
