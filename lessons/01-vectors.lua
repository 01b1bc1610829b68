-- Lesson 1: vectors and matrices, the dot product and the matrix product
-- by hand, shapes and broadcasting.

lesson {
    title = "Vectors and matrices",
    summary = "the dot product and the matrix product by hand; shapes and broadcasting",
}

precision(6)

section "Vectors and the dot product"

say [[
A vector is a list of numbers; gradcalc keeps it in a tensor of shape
{n}. The dot product multiplies two vectors of the same length element by
element and adds the products. gradcalc writes × for a product of
numbers (and for the elementwise product of tensors) and @ for the dot
and matrix products, as PyTorch's operator does:
]]
formula [[
a @ b = a1×b1 + a2×b2 + ... + an×bn
]]

code [[
a = tensor{1, 2, 3}
b = tensor{4, -1, 2}
]]
show("a.shape")

ask {
    "a@b",
    question = "Compute the dot product a @ b.",
    value = function() return dot(a, b) end,
    hint = "1×4 + 2×(−1) + 3×2.",
    mistakes = {
        {function() return sum(a + b) end, "You added the elements; the dot product multiplies them pairwise, then adds."},
    },
    solution = function()
        say("a @ b = 1×4 + 2×(−1) + 3×2 = " .. fmt(dot(a, b):item()))
    end,
}

say [[
The dot product of a vector with itself is its squared length, so the
length (the Euclidean norm) is ‖a‖ = √(a @ a).
]]

ask {
    "‖a‖",
    question = "Compute the length of a, ‖a‖ = √(a @ a).",
    value = function() return sqrt(dot(a, a)) end,
    hint = "√(1² + 2² + 3²) = √14; math.sqrt(14) works as an answer.",
    mistakes = {
        {function() return dot(a, a) end, "That is a @ a; take its square root."},
    },
    solution = function() say("‖a‖ = √(1 + 4 + 9) = √14 = " .. fmt(sqrt(dot(a, a)):item())) end,
}

-- A number as a worked solution writes it: negative ones in brackets.
local function num(x)
    if x < 0 then return "(−" .. fmt(-x) .. ")" end
    return fmt(x)
end

-- The products of a dot product written out, "u1×v1 + u2×v2 + ...",
-- from two lists of numbers.
local function products(u, v)
    local t = {}
    for i = 1, #u do t[i] = num(u[i]) .. "×" .. num(v[i]) end
    return table.concat(t, " + ")
end

section "Matrices and the matrix-vector product"

say [[
A matrix of shape {m, n} has m rows and n columns. W @ x multiplies the
matrix by a vector of length n: each element of the result is the dot
product of one row of W with x. This is what a layer of neurons does:
one row of weights per neuron.
]]

code [[
W = tensor{{1, 2}, {3, 4}, {5, 6}}
x = tensor{1, -1}
]]
show("W.shape")

ask {
    "rows of W @ x",
    question = "How many numbers does W @ x have? (W is 3×2, x has 2.)",
    value = function() return matmul(W, x):numel() end,
    hint = "One number per row of W.",
    solution = function() code [[matmul(W, x).shape]] end,
}

ask {
    "(W @ x)[2]",
    question = "Compute the second element of W @ x: row 2 of W dotted with x.",
    value = function() return matmul(W, x)[2] end,
    hint = "Row 2 of W is (3, 4): 3×1 + 4×(−1).",
    mistakes = {
        {function() return matmul(W, x)[1] end, "That is row 1; row 2 is (3, 4)."},
    },
    solution = function()
        say(string.format("(W @ x)[2] = row 2 of W dotted with x = %s = %s", products(W:totable()[2], x:totable()),
            fmt(matmul(W, x)[2]:item())))
        code [[matmul(W, x)]]
    end,
}

section "The matrix product"

say [[
A @ B needs as many columns in A as rows in B: {m, n} @ {n, p} gives
{m, p}. The element in row i and column j is row i of A dotted with
column j of B.
]]
formula [[
(A @ B)[i][j] = Σₖ A[i][k] × B[k][j]
]]

code [[
A = tensor{{1, 0, 2}, {-1, 3, 1}}
B = tensor{{3, 1}, {2, 1}, {1, 0}}
]]
show("A.shape", "B.shape")

ask {
    "(A @ B)[1][1]",
    question = "Compute the element in row 1, column 1 of A @ B.",
    value = function() return matmul(A, B)[1][1] end,
    hint = "Row 1 of A is (1, 0, 2), column 1 of B is (3, 2, 1).",
    solution = function() say("(A @ B)[1][1] = 1×3 + 0×2 + 2×1 = " .. fmt(matmul(A, B)[1][1]:item())) end,
}

ask {
    "(A @ B)[2][2]",
    question = "Compute the element in row 2, column 2 of A @ B.",
    value = function() return matmul(A, B)[2][2] end,
    hint = "Row 2 of A is (−1, 3, 1), column 2 of B is (1, 1, 0).",
    solution = function()
        say(string.format("(A @ B)[2][2] = row 2 of A dotted with column 2 of B = %s = %s",
            products(A:totable()[2], B:t():totable()[2]), fmt(matmul(A, B)[2][2]:item())))
        code [[matmul(A, B)]]
    end,
}

say [[
The order matters: B @ A is {3, 2} @ {2, 3}, a 3×3 matrix, not A @ B. And the
transpose of a product reverses it: (A @ B)ᵀ = Bᵀ @ Aᵀ.
]]

code [[matmul(B, A).shape]]

check(matmul(A, B):t():totable()[2][1] == matmul(B:t(), A:t()):totable()[2][1],
    "(A @ B)ᵀ and Bᵀ @ Aᵀ agree")

section "Broadcasting"

say [[
Adding a vector of shape {3} to a matrix of shape {2, 3} adds it to each
row: the vector is "broadcast" along the missing dimension. Shapes are
compared from the right; two sizes match when they are equal or one of
them is 1. This is how one bias vector serves a whole batch of samples.
]]

code [[
X = tensor{{1, 2, 3}, {4, 5, 6}}
bias = tensor{10, 20, 30}
X + bias
]]

ask {
    "(X + bias)[2][3]",
    question = "Compute the element in row 2, column 3 of X + bias.",
    value = function() return (X + bias)[2][3] end,
    hint = "X[2][3] = 6, and every row gets bias[3] added.",
    solution = function() say("X[2][3] + bias[3] = 6 + 30 = " .. fmt((X + bias)[2][3]:item())) end,
}

say [[
A column {2, 1} and a row {3} broadcast both ways, to {2, 3}: every
element is one number of the column plus one of the row.
]]

code [[
col = tensor{{1}, {2}}
row = tensor{10, 20, 30}
(col + row).shape
]]

ask {
    "(col + row)[2][1]",
    question = "Compute the element in row 2, column 1 of col + row.",
    value = function() return (col + row)[2][1] end,
    hint = "Row 2 takes col[2] = 2; column 1 takes row[1] = 10.",
    solution = function()
        say(string.format("(col + row)[2][1] = col[2][1] + row[1] = %s + %s = %s", fmt(col[2][1]:item()),
            fmt(row[1]:item()), fmt((col + row)[2][1]:item())))
        code [[col + row]]
    end,
}

say [[
Shapes that do not match are an error, and the message says where:
]]

code [[pcall(function() return tensor{1, 2} + tensor{1, 2, 3} end)]]

say [[
Next: the functions a neuron applies to its weighted sum (lesson 2).
]]
