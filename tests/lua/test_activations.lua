-- test_activations.lua - softplus and gelu against PyTorch 1.13 float64,
-- bit for bit: the values and gradients below were printed by
-- torch.nn.functional.softplus / gelu (and autograd) as hex floats, for
-- inputs that cover the far tails, 0, and both sides of softplus's switch
-- to y = x at 20.
local check = dofile("tests/lua/check.lua")

local xs = {-30, -3, -0.5, 0, 0.7, 1, 5, 20, 20.5, 800}
local reference = {
    softplus = {
        y = {"0x1.a56e0c2ac7e1ap-44", "0x1.8e070fc045701p-5", "0x1.e5746fdb5c064p-2",
             "0x1.62e42fefa39efp-1", "0x1.1a6a66a15dd2ep+0", "0x1.5031eafefb049p+0",
             "0x1.406e06368916ap+2", "0x1.400000008da43p+4", "0x1.48p+4", "0x1.9p+9"},
        grad = {"0x1.a56e0c2ac7cc0p-44", "0x1.848343c905446p-5", "0x1.829a0565978dfp-2", "0x1p-1",
                "0x1.561cb52a19476p-1", "0x1.764d4f5d5a2bdp-1", "0x1.fc92c130538e1p-1",
                "0x1.ffffffee4b79bp-1", "0x1p+0", "0x1p+0"},
    },
    gelu = {
        y = {"-0x0p+0", "-0x1.096697b244880p-8", "-0x1.3bf143b9aa712p-3", "0x0p+0",
             "0x1.0fae235c089dcp-1", "0x1.aec4bd120d37ep-1", "0x1.3ffff9fd0d146p+2", "0x1.4p+4",
             "0x1.48p+4", "0x1.9p+9"},
        grad = {"-0x1.4a783d5e2f96cp-646", "-0x1.876f5a0927b0ep-7", "0x1.0f5eb7514c777p-3",
                "0x1p-1", "0x1.f406c3725cee5p-1", "0x1.155429a56cca6p+0", "0x1.000077e7e63b7p+0",
                "0x1p+0", "0x1p+0", "0x1p+0"},
    },
}

for _, name in ipairs({"softplus", "gelu"}) do
    local x = var(xs)
    local y = gradcalc[name](x)
    sum(y):backward()
    local got_y, got_g = y:totable(), x.grad:totable()
    for i, v in ipairs(xs) do
        local want_y, want_g = tonumber(reference[name].y[i]), tonumber(reference[name].grad[i])
        check.ok(got_y[i] == want_y, string.format("%s(%g) is PyTorch's to the bit", name, v),
                 string.format("expected %a, got %a", want_y, got_y[i]))
        check.ok(got_g[i] == want_g, string.format("%s'(%g) is PyTorch's to the bit", name, v),
                 string.format("expected %a, got %a", want_g, got_g[i]))
    end
end

check.near(softplus(var(0)), math.log(2), 1e-15, "softplus(0) = ln 2")
check.ok(softplus(var(1e6)):item() == 1e6, "softplus does not overflow for large inputs")
check.ok(var(2):gelu():item() == gelu(var(2)):item(), "gelu is a tensor method too")
check.ok(gradcalc._docs.softplus and gradcalc._docs.softplus.formula == "ln(1 + e^a)",
         "help(softplus) shows the formula of its table row")
check.ok(gradcalc._docs.gelu and gradcalc._docs.gelu.derivative:find("Φ", 1, true) ~= nil,
         "help(gelu) shows its derivative")
check.done()
