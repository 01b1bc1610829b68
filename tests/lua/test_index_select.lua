-- test_index_select.lua - index_select against PyTorch, when it is
-- installed (its finite-difference cases are in test_gradcheck.lua).
local check = dofile("tests/lua/check.lua")

local function flat(x) return x:detach():flatten():totable() end

-- ---- against PyTorch, when it is installed -----------------------------------------------------
local has_torch = os.execute("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1")
if has_torch then
    -- x [3, 4] = 1..12, rows 3, 1, 3 picked, weighted by W = 1..12, summed
    local py = io.popen("/usr/bin/python3 -c \"import torch; " ..
        "x = torch.arange(1., 13., dtype=torch.float64).reshape(3, 4).requires_grad_(); " ..
        "y = torch.index_select(x, 0, torch.tensor([2, 0, 2])); " ..
        "W = torch.arange(1., 13., dtype=torch.float64).reshape(3, 4); (y * W).sum().backward(); " ..
        "print(' '.join(repr(v) for v in y.flatten().tolist() + x.grad.flatten().tolist()))\"")
    local line = py:read("a")
    py:close()
    local want = {}
    for v in line:gmatch("%S+") do want[#want + 1] = tonumber(v) end
    local x = var(arange(1, 13):reshape(3, 4))
    local y = x:index_select(1, {3, 1, 3})
    sum(y * arange(1, 13):reshape(3, 4)):backward()
    local got = {}
    for _, v in ipairs(flat(y)) do got[#got + 1] = v end
    for _, v in ipairs(flat(x.grad)) do got[#got + 1] = v end
    local same = #want == 24 and #got == 24
    for i = 1, 24 do same = same and want[i] == got[i] end
    check.ok(same, "index_select: values and gradient equal PyTorch's", line)
else
    print("ok index_select against PyTorch skipped: python3-torch not installed")
end

check.done()
