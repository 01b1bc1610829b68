-- torch_lib.lua - what the PyTorch differential tests share: reading the
-- "name|kind|values" lines the torch side prints, and comparing lists of
-- numbers within a relative tolerance (nan equals nan).
local M = {}

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
