-- Lesson 10: convolution by hand. A 5×5 image and a 3×3 kernel: output
-- elements, padding and stride, the output-size formula, parameter counts
-- against a dense layer, the kernel's gradient as a correlation, max
-- pooling's routing of the gradient; then an edge detector on a
-- Fashion-MNIST image.

lesson {
    title = "Convolution by hand",
    summary = "a 3×3 kernel over a 5×5 image: outputs, padding, stride, sizes, parameters, the backward, pooling",
    day = 2,
}

precision(6)

section "A kernel slides over an image"

say [[
A convolutional layer does not connect every pixel to every output. It
slides a small kernel (here 3×3) over the image and, at each position,
multiplies the 9 pixels under it by the 9 weights and adds them up. Like
PyTorch, gradcalc computes a cross-correlation: the kernel is not
flipped. Images are [N, C, H, W]: a batch of N images of C channels.
]]
formula [[
y[i, j] = Σ_p Σ_q  w[p, q] × x[i + p − 1, j + q − 1]      (p, q = 1..3)
]]

code [[
X = tensor{{{{1, 2, 0, 1, 3},
             {0, 1, 3, 2, 1},
             {2, 0, 1, 1, 0},
             {1, 3, 2, 0, 2},
             {0, 3, 1, 2, 1}}}}
K = var(tensor{{{{1, 0, -1},
                 {2, 0, -2},
                 {1, 0, -1}}}}, "K")
Y = conv2d(X, K)
]]

-- The element [i][j] of a one-channel image or kernel as a number.
local function at(t, i, j) return t[1][1][i][j]:item() end

-- Σ w[p][q]×x[i+p−1][j+q−1], with the kernel flipped when flip is set
-- (the textbook convolution, a common slip).
local function window(x, w, i, j, flip)
    local s = 0
    for p = 1, 3 do
        for q = 1, 3 do
            local wp, wq = p, q
            if flip then wp, wq = 4 - p, 4 - q end
            s = s + at(w, wp, wq) * at(x, i + p - 1, j + q - 1)
        end
    end
    return s
end

-- The products of one window, written out: "1×1 + 0×2 + ...".
local function window_text(x, w, i, j)
    local terms = {}
    for p = 1, 3 do
        for q = 1, 3 do
            local wv = at(w, p, q)
            terms[#terms + 1] = string.format(wv < 0 and "(%s)×%s" or "%s×%s", fmt(wv), fmt(at(x, i + p - 1, j + q - 1)))
        end
    end
    return table.concat(terms, " + ")
end

-- gradcalc's own working for some elements of t: the lines of trace(t)
-- that start with one of the given texts (after their indentation),
-- printed as a formula.
local function working(t, ...)
    local lines = {}
    for line in trace(t, {print = false}):gmatch("[^\n]+") do
        local body = line:match("^%s+(.*)$")
        for _, start in ipairs({...}) do
            if body and body:sub(1, #start) == start then lines[#lines + 1] = body end
        end
    end
    if #lines == 0 then error("the lesson found no working in trace(" .. tostring(t.name) .. ")") end
    formula(table.concat(lines, "\n"))
end

say [[
The kernel K is a vertical edge detector (Sobel's): it gives large
values where the left of the window is brighter than its right. The
output is 3×3: the kernel fits in 3 positions across and 3 down.
]]

ask {
    "Y[1][1]",
    question = "Compute the top-left output Y[1][1]: K over the top-left 3×3 window of X.",
    value = function() return Y[1][1][1][1] end,
    hint = "Multiply each of the 9 pixels of rows 1–3, columns 1–3 by the weight at the same place, and add.",
    mistakes = {
        {function() return window(X, K, 1, 1, true) end,
         "You flipped the kernel (the textbook convolution); conv2d, like PyTorch, does not flip it."},
    },
    solution = function()
        say("trace(Y) writes each output as its sum of products, kernel weight × pixel (Y[1,1,i,j] is Y[1][1][i][j]):")
        working(Y, "Y[1,1,1,1] = ")
    end,
}

ask {
    "Y[2][3]",
    question = "Compute Y[2][3]: the window of rows 2–4, columns 3–5.",
    value = function() return Y[1][1][2][3] end,
    hint = "The window starts at row 2, column 3 of X; the weights are the same 9.",
    mistakes = {
        {function() return window(X, K, 3, 2) end, "You took rows 3–5, columns 2–4: i is the row, j the column."},
        {function() return window(X, K, 2, 3, true) end, "You flipped the kernel; conv2d does not flip it."},
    },
    solution = function()
        say("In trace(Y), the window of rows 2–4, columns 3–5:")
        working(Y, "Y[1,1,2,3] = ")
    end,
}

show("Y")

section "Padding and stride"

say [[
Padding p adds p rings of zeros around the image, so that the kernel
also fits over the border pixels; stride s moves the kernel s pixels at
a time. With padding 1 and stride 2, the kernel's first window covers
the zero ring and the pixels of rows 1–2, columns 1–2.
]]

code [[Y2 = conv2d(X, K, nil, {padding = 1, stride = 2})]]

ask {
    "Y2[1][1]",
    question = "Compute Y2[1][1]: K over the top-left window of the zero-padded X.",
    value = function() return Y2[1][1][1][1] end,
    hint = "Only the bottom-right 2×2 of the kernel lies over pixels: K[2][2]×X[1][1] + K[2][3]×X[1][2] + K[3][2]×X[2][1] + K[3][3]×X[2][2].",
    mistakes = {
        {function() return Y[1][1][1][1] end, "That is Y[1][1] without padding; the padded window starts on the zero ring."},
    },
    solution = function()
        say("trace(Y2) counts the zero ring as row and column 0:")
        working(Y2, "positions below 1 and past the end", "Y2[1,1,1,1] = ")
    end,
}

say [[
The output has one element for each place the kernel fits. For a side
of H pixels, a kernel of side k, padding p and stride s:
]]
formula [[
H_out = ⌊(H + 2p − k) / s⌋ + 1
]]

ask {
    "H_out",
    question = "How many rows does Y2 have? Use the formula with H = 5, k = 3, p = 1, s = 2.",
    value = function() return Y2.shape[3] end,
    hint = "(5 + 2×1 − 3)/2 + 1.",
    mistakes = {
        {function() return (5 + 2 - 3) / 2 end, "You forgot the + 1: the first position counts too."},
        {function() return 5 + 2 - 3 + 1 end, "That is the stride-1 size; divide by the stride s = 2 first."},
    },
    solution = function() show("Y2.shape") end,
}

code [[
x28 = zeros(1, 1, 28, 28)
conv2d(x28, zeros(1, 1, 5, 5)).shape
]]

ask {
    "H_out",
    question = "A 28×28 Fashion-MNIST image through a 5×5 kernel, no padding, stride 1: how many rows come out?",
    value = function() return conv2d(x28, zeros(1, 1, 5, 5)).shape[3] end,
    hint = "(28 + 0 − 5)/1 + 1.",
    mistakes = {
        {function() return 28 - 5 end, "You forgot the + 1."},
        {function() return 28 - 5 + 2 end, "No padding here: p = 0."},
    },
    solution = function() say("(28 + 2×0 − 5)/1 + 1 = " .. (28 - 5 + 1)) end,
}

section "Parameters: a conv layer against a dense layer"

say [[
A conv layer's weights are its kernels: out_channels × in_channels × k × k,
plus one bias per output channel. They do not depend on the image's size,
and every position shares them. A dense layer mapping the same image to
the same number of outputs has one weight per input–output pair.
]]

code [[
conv = nn.Conv2d(1, 8, 3)
conv.weight.shape, conv.bias.shape
out = conv(x28)
out.shape
]]

-- The numbers of a module's parameters, added up.
local function count(module)
    local n = 0
    for _, p in ipairs(module:parameters()) do n = n + p:numel() end
    return n
end

ask {
    "conv parameters",
    question = "How many parameters (weights and biases) does nn.Conv2d(1, 8, 3) have?",
    value = function() return count(conv) end,
    hint = "8 kernels of 1×3×3, and 8 biases.",
    mistakes = {{function() return 8 * 9 end, "Count the 8 biases too."}},
    solution = function() say(string.format("8×1×3×3 + 8 = %d", count(conv))) end,
}

ask {
    "dense parameters",
    question = "A dense layer (nn.Linear) from the 784 pixels to as many outputs as the conv layer gives (8×26×26): how many parameters?",
    value = function() return 784 * out:numel() + out:numel() end,
    hint = "Inputs × outputs weights, plus one bias per output: 784 × 5408 + 5408.",
    mistakes = {{function() return 784 * out:numel() end, "Count the biases too: one per output."}},
    tol = 1e-4,
    solution = function()
        say(string.format("784 × %d + %d = %d, about %.0f times the conv layer's %d", out:numel(), out:numel(),
            784 * out:numel() + out:numel(), (784 * out:numel() + out:numel()) / count(conv), count(conv)))
    end,
}

section "The backward: the kernel's gradient"

say [[
Say the loss is L = Σ G×Y for some fixed G (G plays ∂L/∂Y, what comes
down from the layers above). Each weight K[p][q] multiplied one pixel in
every window, so its gradient adds those pixels, each weighted by the
gradient of its output. That is again a correlation: of the input X
with ∂L/∂Y.
]]
formula [[
∂L/∂K[p, q] = Σ_i Σ_j  ∂L/∂Y[i, j] × X[i + p − 1, j + q − 1]
]]

code [[
G = tensor{{{{1, 0, 2},
             {0, 1, 0},
             {-1, 0, 1}}}}
L = sum(G * Y)
L:backward()
]]

-- The first `shown` terms of ∂L/∂K[p][q] = Σ_ij G[i][j]×X[i+p−1][j+q−1],
-- in explain's order (row by row), added: a sum with terms left out.
local function first_terms(p, q, shown)
    local s, n = 0, 0
    for i = 1, 3 do
        for j = 1, 3 do
            n = n + 1
            if n <= shown then s = s + at(G, i, j) * at(X, i + p - 1, j + q - 1) end
        end
    end
    return s
end

-- The worked solution of ∂L/∂K[p][q]: explain's chain for that element,
-- then all 9 terms when explain folded its sum.
local function kernel_solution(p, q)
    explain(L, K, {at = {1, 1, p, q}})
    local folded = explain(L, K, {at = {1, 1, p, q}, print = false}):match("… %((%d+) terms%)")
    if folded then
        say(string.format("explain writes the first terms of a long sum; all %s, one per output position:\n∂L/∂K[%d][%d] = %s = %s",
            folded, p, q, window_text(X, G, p, q), fmt(window(X, G, p, q))))
    end
end

ask {
    "∂L/∂K[1][1]",
    question = "Compute ∂L/∂K[1][1]: G over the top-left 3×3 window of X.",
    value = function() return K.grad[1][1][1][1] end,
    hint = "Σ G[i][j]×X[i][j] for i, j = 1..3: the same sliding window, with G as the kernel.",
    mistakes = {
        {function() return sum(G) end, "That is Σ G, the gradient of a bias; each term is weighted by its pixel X[i][j]."},
        {function() return window(X, K, 1, 1) end, "That is Y[1][1]; the gradient slides G over X, not K."},
        {function() return window(X, G, 1, 1, true) end,
         "You flipped G (the textbook convolution); the kernel's gradient is the plain correlation: G[i][j] meets X[i][j]."},
    },
    solution = function() kernel_solution(1, 1) end,
}

say [[
explain(L, K, {at = {1, 1, p, q}}) writes the chain for one weight: the
sum over the output positions (i, j) of ∂L/∂Y[i, j] × the pixel that
K[p][q] met there, X[i + p − 1, j + q − 1]. Each weight meets a
different part of the image.
]]

ask {
    "∂L/∂K[2][3]",
    question = "Compute ∂L/∂K[2][3]: G over the window of X at rows 2–4, columns 3–5.",
    value = function() return K.grad[1][1][2][3] end,
    hint = "Σ G[i][j]×X[i + 1][j + 2] for i, j = 1..3: 9 terms, one per output position.",
    mistakes = {
        {function() return first_terms(2, 3, 4) end,
         "You left out terms: the sum runs over all 9 output positions (explain writes the first few, then how many there are)."},
        {function() return window(X, G, 3, 2) end, "You took rows 3–5, columns 2–4: K[2][3] is row 2, column 3, so X[i + 1][j + 2]."},
        {function() return window(X, G, 2, 3, true) end, "You flipped G; the kernel's gradient does not flip it."},
        {function() return window(X, K, 2, 3) end, "That is Y[2][3]; the gradient slides G over X, not K."},
        {function() local s = 0; for i = 2, 4 do for j = 3, 5 do s = s + at(X, i, j) end end; return s end,
         "That adds the 9 pixels unweighted; each is weighted by ∂L/∂Y at its output position, G[i][j]."},
    },
    solution = function() kernel_solution(2, 3) end,
}

code [[explain(L, K)]]

check((conv2d(X, G) - K.grad):abs():max():item() < 1e-12,
    "the whole of ∂L/∂K is conv2d(X, G): the input correlated with ∂L/∂Y")

section "Max pooling routes the gradient"

say [[
Max pooling keeps the largest value of each window (here 2×2 windows,
stride 2). In the backward, the gradient of each output goes back to the
pixel that won its window, and the other pixels get nothing: they did
not change the output.
]]

code [[
P = var(tensor{{{{1, 3, 2, 0},
                 {4, 2, 1, 5},
                 {0, 1, 3, 2},
                 {2, 2, 1, 0}}}}, "P")
M = max_pool2d(P, 2)
H = tensor{{{{1, 2}, {3, 4}}}}
L2 = sum(H * M)
L2:backward()
]]

-- The row and column of the winner of the 2×2 window (a, b) of P.
local function winner(a, b)
    local best, bi, bj
    for i = 2 * a - 1, 2 * a do
        for j = 2 * b - 1, 2 * b do
            local v = at(P, i, j)
            if best == nil or v > best then best, bi, bj = v, i, j end
        end
    end
    return bi, bj
end

ask {
    "M[1][2]",
    question = "Compute M[1][2], the largest value of the top-right window (rows 1–2, columns 3–4).",
    value = function() return M[1][1][1][2] end,
    hint = "The largest of P[1][3], P[1][4], P[2][3], P[2][4].",
    mistakes = {{function() return (2 + 0 + 1 + 5) / 4 end, "That is the mean (average pooling); max pooling keeps the largest."}},
    solution = function()
        say("trace(M) names each window's winner:")
        working(M, "M[1,1,1,2] = ")
    end,
}

local wi, wj = winner(1, 2)
ask {
    string.format("∂L2/∂P[%d][%d]", wi, wj),
    question = string.format("L2 = Σ H×M. Compute ∂L2/∂P[%d][%d], the gradient of the winner of that window.", wi, wj),
    value = function() return P.grad[1][1][wi][wj] end,
    hint = "The winner passes on the whole gradient of its output, H[1][2].",
    mistakes = {{function() return H[1][1][1][2] / 4 end,
                 "That spreads the gradient over the 4 pixels, as average pooling does; max pooling gives it all to the winner."}},
    solution = function()
        explain(L2, P, {at = {1, 1, wi, wj}})
        show("P.grad")
    end,
}

say [[
The backward pass node by node (explain(L2)) shows where each output's
gradient went: to its window's winner, and nowhere else.
]]

code [[explain(L2)]]

local function nonzero(t)
    local n = 0
    for _, v in ipairs(t:reshape(-1):totable()) do if v ~= 0 then n = n + 1 end end
    return n
end
check(nonzero(P.grad) == 4, "only the four winners get a gradient; the other twelve get 0")

section "At scale: an edge detector on a real image"

say [[
The same kernel K, over a 28×28 Fashion-MNIST image (with padding 1, so
the output is 28×28 too): it lights up the vertical edges, positive
where the image gets darker to the right, negative where it gets
brighter. A CNN learns kernels like this one by itself (lesson 11).
]]

-- Fashion-MNIST, or nil with a message saying how to install it.
local ok, a, b, c = pcall(data.fashion_mnist, {split = "test"})
if not ok then
    say [[
Fashion-MNIST is not installed, so the picture is left out. Install it
with  sudo apt-get install dataset-fashion-mnist  (or put its four .gz
files in a folder named by GRADCALC_DATA) and run the lesson again.
]]
    return
end
images, labels, classes = a, b, c

code [[
img = images:narrow(1, 1, 1)
edges = conv2d(img, K:detach(), nil, {padding = 1})
classes[labels[1]:item()]
imshow(img[1])
imshow(edges[1] / edges:abs():max())
]]

say [[
Blue is negative, red positive (without colour: from " " for the most
negative through "+" for 0 to "@" for the most positive). At the prompt (repl), try the
horizontal edge detector K:detach():transpose(3, 4), or a 3×3 blur
ones(1, 1, 3, 3)/9.
]]
