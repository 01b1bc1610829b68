-- Lesson 9: the backward pass written by hand for a matrix network (no
-- autograd): mse_backward, sigmoid_backward, linear_backward, each checked
-- against gradcalc's autograd with compare(), then training with them.

lesson {
    title = "Your own backward",
    summary = "backprop in matrix form by hand: linear, sigmoid and MSE backward, checked against autograd, then trained",
}

precision(6)

-- A number as a worked solution writes it: negative ones in brackets.
local function num(x)
    if x < 0 then return "(" .. fmt(x) .. ")" end
    return fmt(x)
end

section "The network, in matrices"

say [[
A batch of N = 4 inputs is a matrix X of shape {4, 2}, one row a sample.
The 2-3-1 network of lesson 8, with a sigmoid hidden layer, a linear
output and the mean squared error against the targets T:
]]
formula [[
Z1 = X @ W1 + b1     {4, 3}       b1 is added to every row (broadcast)
H  = σ(Z1)           {4, 3}
P  = H @ W2 + b2     {4, 1}
L  = mean((P − T)²)
]]
say [[
Autograd gives every gradient with one L:backward(). Here you compute
them yourself, with tensor formulas in three small functions, one per
kind of step, as a framework's layers do, and check each against
autograd with compare(params, mine, L). (Your results still record how
they were made, grad_fn, since they are computed from the network's
tensors; the training at the end uses plain tensors only.)
]]

code [[
seed(4)
X = tensor{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
T = tensor{{0}, {1}, {1}, {0}}
W1, b1 = var(randn(2, 3), "W1"), var(zeros(3), "b1")
W2, b2 = var(randn(3, 1) / math.sqrt(3), "W2"), var(zeros(1), "b2")
Z1 = matmul(X, W1) + b1
H = sigmoid(Z1)
P = matmul(H, W2) + b2
L = mse(P, T)
L:backward()
]]

section "The loss: mse_backward"

say [[
L = (1/n) Σ (P − T)² over its n = 4 elements, so each element of P gets
2(P − T)/n. The backward of a step takes the gradient of what it made
and gives the gradient of what it used:
]]

code [[
function mse_backward(P, T) return 2 * (P - T) / P:numel() end
dP = mse_backward(P, T)
]]

ask {
    "dP[2][1]",
    question = "Compute ∂L/∂P for sample 2, 2(P[2][1] − T[2][1])/4.",
    value = function() return P.grad[2][1] end,
    hint = "P[2][1] and T[2][1] = 1 are above: P is printed at the prompt (repl, then P).",
    mistakes = {
        {function() return 2 * (P[2][1] - T[2][1]) end, "Divide by n = 4: the loss is a mean."},
        {function() return (P[2][1] - T[2][1]) / 4 end, "The derivative of a square brings a factor 2."},
        {function() return 2 * (T[2][1] - P[2][1]) / 4 end, "The sign: ∂(P − T)²/∂P = 2(P − T)."},
    },
    solution = function()
        say(string.format("∂L/∂P[2][1] = 2(P[2][1] − T[2][1])/n = 2 × (%s − %s)/%d = %s", fmt(P[2][1]:item()),
            fmt(T[2][1]:item()), P:numel(), fmt(P.grad[2][1]:item())))
    end,
}

check(sum(abs(dP - P.grad)):item() < 1e-12, "mse_backward(P, T) is autograd's ∂L/∂P")

section "A linear layer: linear_backward"

say [[
P = H @ W2 + b2. Each element P[n][j] = Σₖ H[n][k]×W2[k][j] + b2[j], so:
]]
formula [[
dW2 = Hᵀ @ dP       dW2[k][j] = Σₙ H[n][k] × dP[n][j]     {3, 1}, as W2
db2 = Σₙ dP[n]       the rows of dP added: b2 is in every row   {1}, as b2
dH  = dP @ W2ᵀ      dH[n][k] = Σⱼ dP[n][j] × W2[k][j]      {4, 3}, as H
]]
say [[
Each gradient has the shape of its tensor, and the shapes tell which
matrix is transposed and on which side it goes.
]]

code [[
function linear_backward(dOut, In, W)
    return matmul(dOut, W:t()), matmul(In:t(), dOut), sum(dOut, 1)     -- dIn, dW, db
end
dH, dW2, db2 = linear_backward(dP, H, W2)
]]

ask {
    "db2",
    question = "Compute db2 = Σₙ dP[n][1], the four gradients of P added.",
    value = function() return b2.grad end,
    hint = "Add the column dP (at the prompt: repl, then dP).",
    mistakes = {
        {function() return mean(P.grad) end, "That is the mean; b2 is added to every row, so its gradient is the sum."},
        {function() return P.grad[1][1] end, "That is sample 1 alone; b2 is in every sample, add them all."},
    },
    solution = function()
        local d = P.grad:totable()
        local terms = {}
        for n = 1, #d do terms[n] = num(d[n][1]) end
        say(string.format("db2 = %s = %s", table.concat(terms, " + "), fmt(b2.grad:item())))
    end,
}

ask {
    "dW2[2][1]",
    question = "Compute dW2[2][1] = Σₙ H[n][2]×dP[n][1].",
    value = function() return W2.grad[2][1] end,
    hint = "Column 2 of H dotted with the column dP.",
    mistakes = {
        {function() return W2.grad[2][1] / 4 end, "Do not divide by 4 again: dP has the 1/n in it already."},
        {function() return H[1][2] * P.grad[1][1] end, "That is sample 1 alone; sum over the four samples."},
    },
    solution = function()
        local h, d, terms = H:totable(), P.grad:totable(), {}
        for n = 1, #h do terms[n] = num(h[n][2]) .. "×" .. num(d[n][1]) end
        say(string.format("dW2[2][1] = %s = %s", table.concat(terms, " + "), fmt(W2.grad[2][1]:item())))
    end,
}

say [[
compare(params, mine, loss) checks them: params names the tensors
(all of them, so that all their gradients start from zero), mine your
gradients, loss what they are gradients of.
]]

code [[compare({W1 = W1, b1 = b1, W2 = W2, b2 = b2}, {W2 = dW2, b2 = db2}, mse(P, T));]]

section "The sigmoid: sigmoid_backward"

say [[
H = σ(Z1) element by element, and σ'(z) = σ(z)(1 − σ(z)) = H(1 − H): the
backward multiplies element by element (⊙, * in gradcalc), it does not
take a matrix product.
]]

code [[
function sigmoid_backward(dOut, Out) return dOut * Out * (1 - Out) end
dZ1 = sigmoid_backward(dH, H)
]]

ask {
    "dZ1[4][1]",
    question = "Compute dZ1[4][1] = dH[4][1] × H[4][1] × (1 − H[4][1]).",
    value = function() return Z1.grad[4][1] end,
    hint = "dH[4][1] and H[4][1] at the prompt (repl).",
    mistakes = {
        {function() return dH[4][1] * Z1[4][1] * (1 - Z1[4][1]) end,
         "That is with Z1; σ' in this form takes the output: H×(1 − H)."},
        {function() return H[4][1] * (1 - H[4][1]) end, "That is σ' alone; multiply by the gradient arriving, dH[4][1]."},
    },
    solution = function()
        say(string.format("dZ1[4][1] = dH[4][1] × H[4][1] × (1 − H[4][1]) = %s × %s × %s = %s",
            fmt(dH[4][1]:item()), fmt(H[4][1]:item()), fmt(1 - H[4][1]:item()), fmt(Z1.grad[4][1]:item())))
    end,
}

say [[
The first layer is a linear layer again, with X as its input; dX, the
gradient for the inputs, is not needed (nothing comes before X).
]]

code [[
_, dW1, db1 = linear_backward(dZ1, X, W1)
dW1
]]

ask {
    "dW1[2][3]",
    question = "Compute dW1[2][3] = Σₙ X[n][2] × dZ1[n][3].",
    value = function() return W1.grad[2][3] end,
    hint = "X[n][2] is 0, 1, 0, 1: the sum keeps samples 2 and 4 of column 3 of dZ1.",
    mistakes = {
        {function() return Z1.grad[2][3] end, "That is sample 2 alone; sample 4 has X[4][2] = 1 too."},
    },
    solution = function()
        local x, d, terms = X:totable(), Z1.grad:totable(), {}
        for n = 1, #x do terms[n] = num(x[n][2]) .. "×" .. num(d[n][3]) end
        say(string.format("dW1[2][3] = %s = %s", table.concat(terms, " + "), fmt(W1.grad[2][3]:item())))
    end,
}

-- The name explain gives X @ W1 (unnamed: b1 is added to it to make Z1).
local xw1 = explain(L, W1, {at = {1, 2}, print = false}):match("Σₙ X%[n,1%] × ∂L/∂([%w_]+)%[n,2%]")
if not xw1 then error("the lesson expected explain to write ∂L/∂W1[1,2] as a sum over the batch") end

say(string.format([[
Your dW1 = Xᵀ @ dZ1 is a whole matrix at once; each of its elements is
one such sum over the batch, dW1[i][j] = Σₙ X[n][i] × dZ1[n][j].
gradcalc's explain with at = {i, j} writes one element of autograd's
∂L/∂W1 that way, then the element gradients it used, up to L (%s is
X @ W1 before b1 is added, so ∂L/∂%s is your dZ1):
]], xw1, xw1))

code [[
explain(L, W1, {at = {1, 2}})
dW1[1][2]
]]

check(math.abs(dW1[1][2]:item() - W1.grad[1][2]:item()) < 1e-12,
    "explain's sum is your dW1[1][2]: row 1 of Xᵀ (column 1 of X) times column 2 of dZ1")

section "All of it, checked"

say [[
compare runs L:backward() itself (from cleared gradients), prints for
each gradient its largest relative error |yours − autograd| / max(|yours|,
|autograd|) and where it is, then each element's error, and names the
worst element of all.
]]

code [[
worst = compare({W1 = W1, b1 = b1, W2 = W2, b2 = b2}, {W1 = dW1, b1 = db1, W2 = dW2, b2 = db2}, mse(P, T))
]]

check(worst < 1e-10, "your backward agrees with autograd to 10 digits")

say [[
A mistake shows at once, and where: here sigmoid_backward takes Z1 where
it should take H, so every gradient below it is off.
]]

code [[
wrong_dZ1 = dH * Z1 * (1 - Z1)
_, wrong_dW1, wrong_db1 = linear_backward(wrong_dZ1, X, W1)
wrong = compare({W1 = W1, b1 = b1, W2 = W2, b2 = b2}, {W1 = wrong_dW1, b1 = wrong_db1}, mse(P, T))
]]

check(wrong > 0.01, "compare catches the wrong sigmoid_backward")

section "Training with your own backward"

say [[
With the three functions, training needs no autograd at all: plain
tensors (no var), your forward, your backward, the update of lesson 6.
From the same starting weights:
]]

code [[
w1, c1, w2, c2 = W1:detach(), b1:detach(), W2:detach(), b2:detach()
losses = {}
for step = 1, 1000 do
    local h = sigmoid(matmul(X, w1) + c1)
    local p = matmul(h, w2) + c2
    losses[step] = mean((p - T)^2):item()
    local dh, dw2, dc2 = linear_backward(mse_backward(p, T), h, w2)
    local _, dw1, dc1 = linear_backward(sigmoid_backward(dh, h), X, w1)
    w1, c1, w2, c2 = w1 - 0.5 * dw1, c1 - 0.5 * dc1, w2 - 0.5 * dw2, c2 - 0.5 * dc2
end
plot(losses, {title = "XOR, your backward: loss over 1000 steps, lr = 0.5", height = 8, width = 60})
print(string.format("loss %.4f -> %.2g", losses[1], losses[1000]))
]]

check(losses[1000] < 1e-3 * losses[1], "your own backward trained the network (the loss fell a thousandfold)")

check(math.abs(losses[200] - 0.25) < 0.01, "at step 200 the loss is still near 0.25")

say [[
The loss sits on a plateau near 0.25 for a few hundred steps (a network
that outputs ½ for every input has that loss), then finds the XOR and
falls.
]]

ask {
    "p for (0, 1)",
    question = "What does the trained network output for the input (0, 1), whose target is 1?",
    value = function() return matmul(sigmoid(matmul(tensor{{0, 1}}, w1) + c1), w2) + c2 end,
    hint = "At the prompt (repl): matmul(sigmoid(matmul(tensor{{0, 1}}, w1) + c1), w2) + c2.",
    solution = function() code [[matmul(sigmoid(matmul(X, w1) + c1), w2) + c2]] end,
}

say [[
That is backpropagation as a framework does it: each kind of step has a
forward and a backward, and the backward of the whole network is theirs
in reverse order. At the prompt (repl), write relu_backward (the
gradient passes where the input was positive, 0 elsewhere), use relu for
the hidden layer, and check it with compare.
]]
