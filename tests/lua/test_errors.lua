-- test_errors.lua - every bad input raises an error, and the message is
-- useful: it names the function, says what was wrong, and shows the
-- numbers (shapes, dims, labels) a learner needs to fix the line.
-- Also: NaN and infinities print as nan/inf/-inf and flow through.
local check = dofile("tests/lua/check.lua")

-- Every fragment must appear in the error message of f(...).
local function fails(name, fragments, f, ...)
    local ok, msg = pcall(f, ...)
    if ok then
        check.ok(false, name, "no error was raised")
        return
    end
    msg = tostring(msg)
    for _, frag in ipairs(fragments) do
        if not msg:find(frag, 1, true) then
            check.ok(false, name, "message lacks '" .. frag .. "': " .. msg)
            return
        end
    end
    check.ok(true, name)
end

local m = ones(2, 3)

-- ---- tables that are not boxes of numbers -----------------------------------------------
fails("ragged rows", {"tensor:", "ragged", "[2] has 1 elements", "2"}, tensor, {{1, 2}, {3}})
fails("a number where a row belongs", {"tensor:", "ragged", "element [2]"}, tensor, {{1, 2}, 3})
fails("a row where a number belongs", {"tensor:", "element [2]", "nested too deep"}, tensor, {1, {2}})
fails("ragged 3-d table", {"tensor:", "ragged", "[2][1]"}, tensor, {{{1, 2}}, {{3}}})
fails("var names itself for ragged tables", {"var:", "ragged"}, var, {{1, 2}, {3}})
fails("a string in a table", {"tensor:", "element [2]", "string", "expected a number"}, tensor, {1, "x"})
fails("a boolean in a nested table", {"tensor:", "element [2][1]", "boolean"}, tensor, {{1, 2}, {true, 4}})
fails("a table as an operand of + with a string inside", {"add:", "string"}, function() return m + {{1, "a", 3}} end)

-- ---- shapes that do not match ---------------------------------------------------------------
fails("add [2] + [3] names both shapes and the dim", {"add:", "[2]", "[3]", "dimension -1", "2 and 3"},
      function() return var({1, 2}) + var({1, 2, 3}) end)
fails("mul [2, 3] * [2] names both shapes", {"mul:", "[2, 3]", "[2]", "dimension -1"},
      function() return m * tensor({1, 2}) end)
fails("sub of [2, 3] and [3, 2]", {"sub:", "[2, 3]", "[3, 2]", "dimension"}, function() return m - ones(3, 2) end)
fails("div of [4] and [2, 3]", {"div:", "[4]", "[2, 3]"}, function() return ones(4) / m end)
fails("maximum of [2] and [3]", {"maximum:", "[2]", "[3]"}, maximum, ones(2), ones(3))
fails("pow of [2] and [3]", {"pow:", "[2]", "[3]"}, function() return ones(2) ^ ones(3) end)
fails("matmul [2, 3] @ [2, 3]", {"matmul:", "[2, 3]", "3 columns", "2 rows"}, matmul, m, m)
fails("matmul with a 0-d operand", {"matmul:", "[]", "[2, 3]"}, matmul, tensor(2), m)
fails("matmul batch dims that do not broadcast", {"matmul:", "[2, 2, 3]", "[3, 3, 2]"},
      matmul, ones(2, 2, 3), ones(3, 3, 2))
fails("dot of [2] and [3]", {"dot:", "[2]", "[3]"}, dot, ones(2), ones(3))
fails("reshape 6 elements into [4, 2]", {"reshape:", "[2, 3]", "6 elements", "[4, 2]", "8 elements"},
      reshape, m, 4, 2)
fails("reshape with -2", {"reshape:", "-2"}, reshape, m, -2, 3)
fails("reshape with -1 that does not divide", {"reshape:", "[-1, 4]", "not a multiple of 4"},
      reshape, m, -1, 4)
fails("reshape to 9 dims", {"reshape:", "at most 8"}, reshape, ones(1), 1, 1, 1, 1, 1, 1, 1, 1, 1)
fails("reshape to 9 dims in a table", {"reshape:", "at most 8"}, reshape, ones(1), {1, 1, 1, 1, 1, 1, 1, 1, 1})
fails("cat of [2, 3] and [3, 2]", {"cat:", "[3, 2]", "[2, 3]"}, cat, {m, ones(3, 2)})
fails("stack of [2, 3] and [3, 2]", {"stack:", "[3, 2]", "[2, 3]"}, stack, {m, ones(3, 2)})
fails("mse of [2] and [3]", {"mse:", "[2]", "[3]"}, mse, ones(2), ones(3))
fails("bce of [2] and [3]", {"bce:", "[2]", "[3]"}, bce, full(2, 0.5), ones(3))
fails("cross_entropy with labels of the wrong length", {"cross_entropy:", "[2, 3]", "[3]"},
      cross_entropy, m, {1, 1, 1})
fails("copy_ of [3] into [2]", {"copy_:", "[3]", "[2]"}, function() return ones(2):copy_(ones(3)) end)
fails("add_ of [2, 3] into [3]", {"add_:", "[2, 3]", "[3]"}, function() return ones(3):add_(m) end)
fails("add_ with a negative alpha is still add_", {"add_:", "[2, 3]"}, function() return ones(3):add_(m, -1) end)
fails("sub_ names itself", {"sub_:", "[2, 3]"}, function() return ones(3):sub_(m) end)
fails("sub_ with alpha -1 is still sub_", {"sub_:", "[2, 3]"}, function() return ones(3):sub_(m, -1) end)
fails("backward with a gradient of the wrong shape", {"backward:", "[2]", "[3]"},
      function() (var({1, 2, 3}) * 2):backward(ones(2)) end)
fails("backward with a gradient of the same size but another shape", {"backward:", "[3, 2]", "[2, 3]"},
      function() (var(ones(2, 3)) * 2):backward(ones(3, 2)) end)

-- ---- bad dims and indices ---------------------------------------------------------------------
fails("sum over dim 0", {"sum:", "numbered from 1", "0 is not a dimension"}, sum, m, 0)
fails("sum over dim 3 of a 2-d tensor", {"sum:", "dimension 3", "2-d", "1..2"}, sum, m, 3)
fails("sum over dim -3 of a 2-d tensor", {"sum:", "dimension -3", "2-d"}, sum, m, -3)
fails("mean over dim 9", {"mean:", "dimension 9"}, mean, m, 9)
fails("max over dim 3", {"max:", "dimension 3"}, max, m, 3)
fails("min over dim 0", {"min:", "0 is not a dimension"}, min, m, 0)
fails("softmax over dim 3", {"softmax:", "dimension 3", "2-d"}, softmax, m, 3)
fails("log_softmax over dim 0", {"log_softmax:", "0 is not a dimension"}, log_softmax, m, 0)
fails("argmax over dim 3", {"argmax:", "dimension 3"}, argmax, m, 3)
fails("transpose of dims 1 and 3", {"transpose:", "dimension 3"}, transpose, m, 1, 3)
fails("cat along dim 3", {"cat:", "dimension 3"}, cat, {m, m}, 3)
fails("stack along dim 4", {"stack:", "dimension 4"}, stack, {m, m}, 4)
fails("size(3)", {"size:", "dimension 3"}, function() return m:size(3) end)
fails("softmax of a 0-d tensor", {"softmax:", "0-d"}, softmax, tensor(1))
fails("select index 3 of 2 rows", {"select:", "index 3", "size 2", "1..2"}, select, m, 1, 3)
fails("select index 0", {"select:", "numbered from 1"}, select, m, 1, 0)
fails("x[0]", {"index", "numbered from 1"}, function() return m[0] end)
fails("x[3] of 2 rows", {"select:", "index 3", "size 2"}, function() return m[3] end)
fails("x[-3] of 2 rows", {"select:", "index -3", "size 2"}, function() return m[-3] end)
fails("select index -5 shows -5", {"select:", "index -5", "size 3"}, select, m, 2, -5)
fails("x[1] of a 0-d tensor", {"index", "0-d", "item()"}, function() return tensor(5)[1] end)
fails("narrow past the end", {"narrow:", "start 2", "length 5", "size 3"}, narrow, m, 2, 2, 5)
fails("narrow from 0", {"narrow:", "numbered from 1"}, narrow, m, 2, 0, 1)
fails("narrow from -5 shows -5", {"narrow:", "start -5", "size 3"}, narrow, m, 2, -5, 1)
fails("narrow with a huge length", {"narrow:", "start 2", "size 3"}, narrow, m, 2, 2, math.maxinteger)
fails("t() of a 3-d tensor", {"t:", "3", "transpose"}, function() return ones(2, 2, 2):t() end)
fails("# of a 0-d tensor", {"0-d", "numel"}, function() return #tensor(1) end)

-- ---- a non-number where a number belongs -------------------------------------------------------
fails("sigmoid of a string", {"sigmoid:", "got string"}, sigmoid, "abc")
fails("exp of a boolean", {"exp:", "got boolean"}, exp, true)
fails("tensor + string", {"add:", "got string"}, function() return m + "x" end)
fails("string * tensor", {"mul:", "got string"}, function() return "x" * m end)
fails("leaky_relu slope as a string", {"leaky_relu", "number expected", "got string"}, leaky_relu, m, "x")
fails("full with a string value", {"full", "number expected"}, full, {2}, "a")
fails("zeros of a string size", {"zeros:", "size", "string"}, zeros, "a")
fails("zeros of 1.5", {"zeros:", "whole number", "1.5"}, zeros, 1.5)
fails("zeros of -1", {"zeros:", "negative", "-1"}, zeros, -1)
fails("sum over dim \"a\"", {"sum", "number expected"}, sum, m, "a")
fails("select with a string index", {"select", "number expected"}, select, m, 1, "a")
fails("precision(0)", {"precision", "1 to 17"}, precision, 0)
fails("precision(\"x\")", {"precision", "number expected"}, precision, "x")
fails("seed(\"x\")", {"seed", "number expected"}, seed, "x")
fails("requires_grad = 1", {"requires_grad:", "true or false", "number"}, function() m.requires_grad = 1 end)
fails("setting an unknown field", {"cannot set field 'foo'"}, function() m.foo = 1 end)
fails("x.grad = a tensor", {"grad:", "only nil"}, function() m.grad = ones(2, 3) end)
fails("name = a table", {"name:", "string", "table"}, function() m.name = {} end)
fails("matmul with a string", {"matmul:", "got string"}, matmul, m, "x")
fails("cat of a non-table", {"cat", "table expected"}, cat, m)
fails("cat of an empty list", {"cat:", "non-empty"}, cat, {})
fails("eye(-1)", {"eye:", "negative"}, eye, -1)
fails("arange with step 0", {"arange:", "step"}, arange, 0, 1, 0)

-- ---- autograd misuse ----------------------------------------------------------------------------
fails("backward() of a 2-element tensor", {"backward:", "2 elements", "[2]", "sum()"},
      function() (var({1, 2}) * 2):backward() end)
fails("backward() of a leaf that does not require grad", {"backward:", "does not require grad", "var("},
      function() sum(ones(2)):backward() end)
fails("backward() under no_grad", {"backward:", "does not require grad"},
      function() no_grad(function() return sum(var({1, 2}) * 2) end):backward() end)
fails("backward after an in-place change of an input", {"backward:", "'x'", "changed in place", "mul"},
      function()
          local x = var(2, "x")
          local y = x * x
          x:add_(1)
          y:backward()
      end)
fails("backward after an in-place change of a result", {"backward:", "changed in place"},
      function()
          local x = var({1, 2})
          local h = exp(x)
          local y = sum(h * 2)
          h:mul_(3)
          y:backward()
      end)
fails("requires_grad on a result", {"requires_grad:", "leaf", "mul", "detach"},
      function() local y = var(1) * 2; y.requires_grad = false end)

-- ---- class labels ---------------------------------------------------------------------------------
fails("cross_entropy label 4 of 3 classes", {"cross_entropy:", "label 4", "1 to 3"},
      cross_entropy, var({{1, 2, 3}}), {4})
fails("cross_entropy label 0", {"cross_entropy:", "label 0", "1 to 3"}, cross_entropy, var({{1, 2, 3}}), {0})
fails("cross_entropy reduction \"avg\"", {"cross_entropy:", "reduction must be", "\"none\"", "avg"},
      cross_entropy, var({{1, 2, 3}}), {1}, {reduction = "avg"})
fails("mse reduction 1", {"mse:", "reduction must be", "got 1"}, mse, ones(2), ones(2), {reduction = 1})
fails("bce option misspelt", {"bce:", "unknown option", "reduce"}, bce, ones(2), ones(2), {reduce = "sum"})
fails("nn.NLLLoss reduction \"all\"", {"nn.NLLLoss:", "reduction must be", "all"}, nn.NLLLoss, {reduction = "all"})
fails("cross_entropy label 1.5", {"cross_entropy:", "label 1.5", "whole number"},
      cross_entropy, var({{1, 2, 3}}), {1.5})
fails("nll label 2.5 of sample 2", {"nll:", "label 2.5", "sample 2"}, nll, var({{1, 2}, {3, 4}}), {1, 2.5})
fails("nll label -1", {"nll:", "label -1"}, nll, var({{1, 2}}), {-1})
fails("bce of a probability above 1", {"bce:", "between 0 and 1", "1.5", "sigmoid"}, bce, tensor({1.5}), tensor({1}))

-- ---- sizes too large -------------------------------------------------------------------------------
fails("zeros(1e10, 1e10)", {"zeros:", "too large", "[10000000000, 10000000000]"}, zeros, 1e10, 1e10)
fails("zeros(1e6, 1e6)", {"zeros:", "too large", "[1000000, 1000000]", "8192 MiB"}, zeros, 1e6, 1e6)
fails("ones({1e6, 1e6})", {"ones:", "too large"}, ones, {1e6, 1e6})
fails("rand(2^40, 2^40)", {"rand:", "too large"}, rand, 2^40, 2^40)
fails("randn(1e6, 1e6)", {"randn:", "too large"}, randn, 1e6, 1e6)
fails("full({1e6, 1e6}, 1)", {"full:", "too large"}, full, {1e6, 1e6}, 1)
fails("eye(1e6)", {"eye:", "too large"}, eye, 1e6)
fails("zeros with 9 dims", {"zeros:", "at most 8"}, zeros, 1, 1, 1, 1, 1, 1, 1, 1, 1)
fails("reshape to a huge shape", {"reshape:", "too large"}, reshape, m, 2^40, 2^40)

-- ---- reading values ----------------------------------------------------------------------------------
fails("item() of 3 elements", {"item:", "3 elements", "[3]", "exactly one"}, function() return ones(3):item() end)
fails("item() of an empty tensor", {"item:", "0 elements"}, function() return zeros(0):item() end)

-- ---- errors point at the caller's line ------------------------------------------------------------------
local ok, msg = pcall(function() return ones(2) + ones(3) end)
check.ok(not ok and tostring(msg):find("test_errors.lua:%d+: add:") ~= nil,
         "an error names the file and line of the call", tostring(msg))
ok, msg = pcall(sum, m, 3)
check.ok(not ok and select("#", msg) == 1 and type(msg) == "string", "errors are strings", tostring(msg))

-- ---- NaN and infinities print and flow through -------------------------------------------------------
check.ok(tostring(log(tensor(0))) == "tensor(-inf)", "log(0) prints as -inf", tostring(log(tensor(0))))
local nan = tensor(0) / 0
check.ok(nan:item() ~= nan:item(), "0/0 is nan", tostring(nan:item()))
check.ok(tostring(nan) == "tensor(nan)", "0/0 prints as nan", tostring(nan))
check.ok(tostring(tensor({1, -1}) / 0) == "tensor([ inf, -inf], shape={2})", "1/0 and -1/0 print as inf and -inf",
         tostring(tensor({1, -1}) / 0))
check.ok(tostring(tensor({0 / 0, 1 / 0, -1 / 0, 1})) == "tensor([ nan,  inf, -inf,    1], shape={4})",
         "nan and inf from Lua numbers print in aligned columns", tostring(tensor({0 / 0, 1 / 0, -1 / 0, 1})))
check.ok(exp(tensor(1000)):item() == math.huge, "exp(1000) overflows to inf", tostring(exp(tensor(1000)):item()))
check.ok(-log(tensor(0)):item() == math.huge, "-log(0) is inf")
local s = sum(tensor({1, 0 / 0, 3})):item()
check.ok(s ~= s, "a nan flows through sum", tostring(s))
local mx = max(tensor({1, 0 / 0, 3})):item()
check.ok(mx ~= mx, "a nan wins max", tostring(mx))
check.ok(sum(tensor({1, 1 / 0})):item() == math.huge, "inf flows through sum")
local both = maximum(tensor({0 / 0, 1}), tensor({1, 0 / 0})):totable()
check.ok(both[1] ~= both[1] and both[2] ~= both[2], "a nan wins maximum on either side", tostring(both[1]) .. " " .. tostring(both[2]))
both = minimum(tensor({0 / 0, 1}), tensor({1, 0 / 0})):totable()
check.ok(both[1] ~= both[1] and both[2] ~= both[2], "a nan wins minimum on either side", tostring(both[1]) .. " " .. tostring(both[2]))
check.ok(argmax(tensor({1, 0 / 0, 3})):item() == 2, "argmax points at the nan that max returns",
         tostring(argmax(tensor({1, 0 / 0, 3}))))
local base0, exponent = var({0, 0, 0}), var({2, 0.5, 0})
sum(base0 ^ exponent):backward()
check.ok(exponent.grad:totable()[1] == 0 and exponent.grad:totable()[2] == 0 and exponent.grad:totable()[3] == 0,
         "d(0^b)/db is 0 for b >= 0, not nan", tostring(exponent.grad))
local x0 = var(0)
log(x0):backward()
check.ok(x0.grad:item() == math.huge, "the gradient of log at 0 is inf", tostring(x0.grad:item()))
local x1 = var(0)
sqrt(x1):backward()
check.ok(x1.grad:item() == math.huge, "the gradient of sqrt at 0 is inf", tostring(x1.grad:item()))
local xn = var({1, 2})
sum(xn * (tensor(0) / 0)):backward()
local gn = xn.grad:totable()
check.ok(gn[1] ~= gn[1] and gn[2] ~= gn[2], "a nan flows into the gradient", tostring(xn.grad))
check.ok(tostring(softmax(tensor({1 / 0, 1}))):find("nan", 1, true) ~= nil or
         softmax(tensor({1 / 0, 1})):totable()[1] == 1, "softmax of inf gives nan or 1, never an error")

check.done()
