-- Lesson 14: initialisation and normalisation. The spread of activations
-- through 10 layers for four initialisations (the Xavier and He scales
-- worked by hand), why equal weights never part (symmetry), batch norm by
-- hand on a batch of 4 (forward, backward, running statistics, train
-- against eval), layer norm, then a deep MLP on Fashion-MNIST trained
-- with and without batch norm.
-- Sizes: GRADCALC_LESSON_QUICK=1 (the tests) trains on fewer images;
-- GRADCALC_LESSON_FULL=1 (scripts/day2-full-runs.sh) on more.

lesson {
    title = "Initialisation and normalisation",
    summary = "activations through 10 layers; Xavier and He by hand; symmetry; batch norm and layer norm by hand; BN at scale",
    day = 2,
}

precision(6)

local quick, full = os.getenv("GRADCALC_LESSON_QUICK"), os.getenv("GRADCALC_LESSON_FULL")
if quick and quick ~= "" and quick ~= "0" then
    sizes = {batch = 200, train = 1280, epochs = 1}
elseif full and full ~= "" and full ~= "0" then
    sizes = {batch = 1000, train = 20000, epochs = 3}
else
    sizes = {batch = 1000, train = 12800, epochs = 2}
end

section "The scale of the first weights"

say [[
Each unit of a layer adds fan_in products w×x. If the inputs have
variance 1 and the weights variance s², the sum has variance fan_in×s²:
too small an s and the signal shrinks layer after layer, too large and
it blows up (or, through tanh and sigmoid, saturates, and the gradients
vanish). The cure is to choose s from fan_in (and fan_out):
]]
formula [[
Xavier (Glorot), for tanh:  s = √(2 / (fan_in + fan_out))
He (Kaiming), for ReLU:     s = √(2 / fan_in)      (ReLU zeroes half the units: the 2)
]]

code [[
layer = nn.Linear(256, 128)
fan_in, fan_out = layer.weight.shape[2], layer.weight.shape[1]
fan_in, fan_out
]]

ask {
    "Xavier s",
    question = "The standard deviation Xavier's normal initialisation gives this layer's weights.",
    value = function() return math.sqrt(2 / (fan_in + fan_out)) end,
    hint = "√(2/(256 + 128)).",
    mistakes = {
        {function() return 2 / (fan_in + fan_out) end, "That is the variance; the standard deviation is its square root."},
        {function() return math.sqrt(1 / fan_in) end, "That is √(1/fan_in) (LeCun's); Xavier averages fan_in and fan_out: √(2/(fan_in + fan_out))."},
    },
    solution = function() say(string.format("√(2/(%d + %d)) = %s", fan_in, fan_out, fmt(math.sqrt(2 / (fan_in + fan_out))))) end,
}

ask {
    "He s",
    question = "And He's (Kaiming's) normal initialisation, for a ReLU layer.",
    value = function() return math.sqrt(2 / fan_in) end,
    hint = "√(2/256).",
    mistakes = {
        {function() return math.sqrt(2 / fan_out) end, "He uses fan_in (the number of inputs each unit adds up), 256 here."},
        {function() return 2 / fan_in end, "That is the variance; take its square root."},
    },
    solution = function() say(string.format("√(2/%d) = %s", fan_in, fmt(math.sqrt(2 / fan_in)))) end,
}

code [[
seed(1)
nn.init.xavier_normal_(layer.weight);
std(layer.weight):item()
nn.init.kaiming_normal_(layer.weight);
std(layer.weight):item()
]]

say [[
The weights drawn come out close to the scales computed (a sample of
32,768 numbers).
]]

section "Activations through 10 layers"

say(string.format([[
A batch of %d random inputs through 10 ReLU layers of 256 units, no
training, with four choices of weights: all N(0, 0.01²) ("small"),
N(0, 0.1²) ("large"), Xavier and He. The standard deviation of the
activations after each layer:]], sizes.batch))

code [[
function spread(scale)
    seed(2)
    local h, out = randn(sizes.batch, 256), {}
    for l = 1, 10 do
        local w = randn(256, 256) * scale
        h = relu(matmul(h, w))
        out[l] = std(h):item()
    end
    return out
end
runs = {small = spread(0.01), large = spread(0.1), xavier = spread(math.sqrt(2 / 512)), he = spread(math.sqrt(2 / 256))}
print("layer      small      large     xavier         he")
for l = 1, 10 do print(string.format("%5d %10.3g %10.3g %10.3g %10.3g", l, runs.small[l], runs.large[l], runs.xavier[l], runs.he[l])) end
logs = {}
for name, r in pairs(runs) do logs[name] = {}; for l = 1, 10 do logs[name][l] = math.log(r[l], 10) end end
plot(logs, {title = "log10 of the activations' std, layer 1 to 10", height = 12})
]]

ask {
    "ratio",
    question = "With the small weights, by what factor does the std shrink from one layer to the next (runs.small[10] / runs.small[9])?",
    value = function() return runs.small[10] / runs.small[9] end,
    hint = "Divide the last two numbers of the column small; about 0.01×√(256/2).",
    tol = 0.05,
    solution = function() show("runs.small[10] / runs.small[9]", "0.01 * math.sqrt(256 / 2)") end,
}

say [[
Small weights shrink the signal by about 0.01×√(256/2) ≈ 0.11 a layer:
after 10 layers nothing is left, and no gradient either. Large ones grow
it by about 1.13 a layer. Xavier, made for tanh, loses the half of the
signal ReLU cuts off (a factor √½ a layer); He keeps it steady.
]]

section "Why not start from zero? Symmetry"

say [[
If two hidden units start with the same weights, they compute the same
output, receive the same gradient, take the same step, and stay equal
for ever: the layer behaves as a single unit. Zero weights are the worst
case of it (with ReLU or tanh, nothing flows back at all). Here every
weight starts at 0.5:
]]

code [[
W1 = var(full({2, 3}, 0.5), "W1")
W2 = var(full({3, 1}, 0.5), "W2")
X = tensor{{1, 2}, {0.5, -1}}
T = tensor{{1}, {0}}
L = mse(matmul(tanh(matmul(X, W1)), W2), T)
L:backward()
W1.grad
]]

ask {
    "W1.grad[1][3]",
    question = "W1.grad[1][1] is shown above (the first input's weight into hidden unit 1). What is W1.grad[1][3], into unit 3?",
    value = function() return W1.grad[1][3] end,
    hint = "Unit 3 has the same weights as unit 1, so it sees the same numbers all the way.",
    solution = function() show("W1.grad") end,
}

check(W1.grad[1][1]:item() == W1.grad[1][3]:item() and W1.grad[2][1]:item() == W1.grad[2][2]:item(),
    "every hidden unit gets the same gradient, so a step keeps them equal")

say [[
Random initialisation breaks the symmetry; its scale is what Xavier and
He choose.
]]

section "Batch normalisation, by hand"

say [[
Batch norm standardises each feature over the batch, then lets the
network choose its scale γ and shift β:
]]
formula [[
μ = mean of the batch,  σ² = mean of (x − μ)² (divided by N, not N − 1)
x̂ = (x − μ) / √(σ² + ε),   y = γ×x̂ + β
]]

code [[
x = var(tensor{{1}, {2}, {4}, {5}}, "x")
bn = nn.BatchNorm1d(1)
bn.weight:fill_(2);
bn.bias:fill_(0.5);
y = bn(x)
]]

ask {
    "σ²",
    question = "The batch variance σ² of x = 1, 2, 4, 5 (over N = 4).",
    value = function() return variance(x, nil, {unbiased = false}) end,
    hint = "μ = 3; the mean of (x − 3)².",
    mistakes = {{function() return variance(x) end, "That divides by N − 1 = 3; batch norm normalises with the biased variance, over N = 4."}},
    solution = function() say("μ = (1 + 2 + 4 + 5)/4 = 3;  σ² = (4 + 1 + 1 + 4)/4 = " .. fmt(variance(x, nil, {unbiased = false}):item())) end,
}

ask {
    "y[1]",
    question = "y for the first sample, x = 1: γ×x̂ + β with γ = 2, β = 0.5 (ε = 1e-5 hardly matters).",
    value = function() return y[1][1] end,
    hint = "x̂ = (1 − 3)/√(2.5 + 1e-5); then 2×x̂ + 0.5.",
    mistakes = {
        {function() return (x[1][1] - 3) / math.sqrt(2.5) end, "That is x̂; now scale by γ = 2 and add β = 0.5."},
        {function() return 2 * (x[1][1] - 3) / math.sqrt(10 / 3) + 0.5 end, "You used the variance over N − 1; batch norm divides by N."},
        {function() return 2 * (x[1][1] - 3) / 2.5 + 0.5 end, "Divide by the standard deviation √σ², not by σ²."},
    },
    solution = function() worked(y) end,
}

say [[
The backward goes through μ and σ² too: every sample moved the batch
statistics, so its gradient takes all of them into account. With an
incoming gradient g = ∂L/∂y:
]]
formula [[
∂L/∂x = γ/√(σ² + ε) × (g − mean(g) − x̂×mean(g×x̂))
∂L/∂γ = Σ g×x̂,     ∂L/∂β = Σ g
]]

code [[
g = tensor{{1}, {0}, {0}, {0}}
L = sum(y * g)
L:backward()
]]

-- The lines of the backward pass (explain(L)) for one node: its name's
-- line and the working under it, printed as a formula.
local function backward_of(name)
    local lines, under = {}, false
    for line in explain(L, {print = false}):gmatch("[^\n]+") do
        if line == name then
            under = true
        elseif line:sub(1, 1) ~= " " then
            under = false
        end
        if under then lines[#lines + 1] = line end
    end
    if #lines == 0 then error("the lesson found no node " .. name .. " in explain(L)") end
    formula(table.concat(lines, "\n"))
end

ask {
    "∂L/∂γ",
    question = "∂L/∂γ = Σ g×x̂, for g = (1, 0, 0, 0).",
    value = function() return bn.weight.grad end,
    hint = "Only the first sample has a gradient: it is x̂ of the first sample.",
    mistakes = {{function() return y[1][1] end, "That is y[1]; the gradient of γ is x̂[1], what γ multiplies."}},
    solution = function()
        say("In the backward pass (explain(L)), γ is bn's weight:")
        backward_of("weight")
    end,
}

local xhat = {}
for i = 1, 4 do xhat[i] = (x[i][1]:item() - 3) / math.sqrt(2.5 + 1e-5) end

ask {
    "∂L/∂x[1]",
    question = "∂L/∂x for the first sample, by the formula (mean(g) = 1/4, mean(g×x̂) = x̂[1]/4).",
    value = function() return x.grad[1][1] end,
    hint = string.format("2/√2.5 × (1 − 0.25 − x̂[1]×x̂[1]/4), with x̂[1] = %s.", fmt(xhat[1])),
    mistakes = {{function() return 2 / math.sqrt(2.5 + 1e-5) end,
                 "That is γ×g/σ: it treats μ and σ² as constants, but they depend on x[1] too."}},
    solution = function()
        say(string.format("2/√2.5 × (1 − 0.25 − (%s)²/4) = %s", fmt(xhat[1]), fmt(x.grad[1][1]:item())))
    end,
}

say [[
explain(L) prints the backward pass node by node: β's gradient Σ g,
γ's Σ g×x̂, and x's for the 4 samples at once, in three terms: each
sample's own ĝ = γ×g, minus the mean of ĝ (through μ), minus x̂ × the
mean of ĝ×x̂ (through σ²), all divided by √(σ² + ε).
]]

code [[explain(L)]]

section "Training mode and evaluation mode"

say [[
In training, batch norm also keeps running averages of μ and σ² (the
variance for them is over N − 1), with momentum 0.1. At evaluation
(bn:eval()) it uses those, not the batch's: a single image gives the
same answer whatever else is in its batch.
]]
formula [[
running ← (1 − 0.1)×running + 0.1×(batch statistic)       (they start at 0 and 1)
]]

code [[bn.running_mean, bn.running_var]]

ask {
    "running_var",
    question = "bn.running_var after this one training batch.",
    value = function() return bn.running_var[1] end,
    hint = "0.9×1 + 0.1×(the unbiased variance, (4 + 1 + 1 + 4)/3).",
    mistakes = {{function() return 0.9 + 0.1 * 2.5 end, "The running variance takes the unbiased batch variance, over N − 1 = 3."}},
    solution = function() say(string.format("0.9×1 + 0.1×%s = %s", fmt(10 / 3), fmt(bn.running_var[1]:item()))) end,
}

code [[
bn:eval();
y_eval = bn(x)
]]

ask {
    "y_eval[1]",
    question = "In eval mode, y for x = 1: 2×(1 − running_mean)/√(running_var + ε) + 0.5.",
    value = function() return y_eval[1][1] end,
    hint = "The running statistics just shown, not μ = 3 and σ² = 2.5 of the batch.",
    mistakes = {{function() return y[1][1] end, "That is the training-mode output; eval uses running_mean and running_var."}},
    solution = function()
        say(string.format("2×(1 − %s)/√(%s + 1e-5) + 0.5 = %s", fmt(bn.running_mean[1]:item()), fmt(bn.running_var[1]:item()),
            fmt(y_eval[1][1]:item())))
    end,
}

section "Layer normalisation"

say [[
Layer norm standardises each sample over its own features instead of
each feature over the batch: no batch statistics, no running averages,
the same in training and evaluation (the Transformers' choice).
]]

code [[
z = tensor{{1, 2, 4, 5}, {10, 0, 0, 2}}
layer_norm(z, 4)
]]

ask {
    "x̂ of z[2][1]",
    question = "The layer-normalised value of z[2][1] = 10 (row 2: 10, 0, 0, 2; no γ or β).",
    value = function() return layer_norm(z, 4)[2][1] end,
    hint = "Row 2's mean is 3, its variance over 4 is (49 + 9 + 9 + 1)/4; then (10 − 3)/√(that + 1e-5).",
    mistakes = {{function() return (10 - mean(z:select(2, 1)):item()) / std(z:select(2, 1), nil, {unbiased = false}):item() end,
                 "You normalised column 1 (over the batch, as batch norm does); layer norm uses row 2."}},
    solution = function()
        local r = z[2]
        say(string.format("(10 − %s)/√(%s + 1e-5) = %s", fmt(mean(r):item()), fmt(variance(r, nil, {unbiased = false}):item()),
            fmt(layer_norm(z, 4)[2][1]:item())))
    end,
}

section "At scale: a deep network with and without batch norm"

local ok, a, b = pcall(data.fashion_mnist, {split = "train"})
if not ok then
    say [[
This part trains on Fashion-MNIST, which is not installed here.
Install it with  sudo apt-get install dataset-fashion-mnist  (or put its
four .gz files in a folder named by GRADCALC_DATA) and run the lesson
again.
]]
    return
end
fx, fy = a, b

say(string.format([[
Eight tanh layers of 64 units on %d Fashion-MNIST images, plain SGD,
the same seed: once as it is, once with a BatchNorm1d before each tanh.]], sizes.train))

code [[
xtr, ytr = fx:narrow(1, 1, sizes.train), fy:narrow(1, 1, sizes.train)
fx, fy = nil, nil
collectgarbage();
function deep(norm)
    seed(3)
    local layers, width = {nn.Flatten()}, 784
    for l = 1, 8 do
        layers[#layers + 1] = nn.Linear(width, 64)
        if norm then layers[#layers + 1] = nn.BatchNorm1d(64) end
        layers[#layers + 1] = nn.Tanh()
        width = 64
    end
    layers[#layers + 1] = nn.Linear(64, 10)
    return nn.Sequential(table.unpack(layers))
end
function train(net, desc)
    local opt = optim.SGD(net:parameters(), {lr = 0.05})
    local loader, losses = data.loader(xtr, ytr, {batch_size = 64, seed = 4}), {}
    for epoch = 1, sizes.epochs do
        for i, xb, yb in progress(loader, {desc = desc .. " epoch " .. epoch}) do
            opt:zero_grad()
            local L = cross_entropy(net(xb), yb)
            L:backward()
            opt:step()
            losses[#losses + 1] = L:item()
        end
    end
    return losses
end
function smooth(l, k) local out = {}; for i = k, #l, k do local s = 0; for j = i - k + 1, i do s = s + l[j] end; out[#out + 1] = s / k end; return out end
plain_net, bn_net = deep(false), deep(true)
plain_losses, bn_losses = train(plain_net, "plain"), train(bn_net, "batch norm")
k = math.max(1, #plain_losses // 40)
plot({plain = smooth(plain_losses, k), batchnorm = smooth(bn_losses, k)}, {title = string.format("training loss (means of %d batches)", k)})
print(string.format("mean loss of the last %d batches: plain %.3f, batch norm %.3f", k, smooth(plain_losses, k)[#plain_losses // k], smooth(bn_losses, k)[#bn_losses // k]))
plain_net:eval();
bn_net:eval();
print(string.format("accuracy on the training images (eval mode): plain %.1f %%, batch norm %.1f %%",
    100 * metrics.accuracy(no_grad(function() return plain_net(xtr) end), ytr), 100 * metrics.accuracy(no_grad(function() return bn_net(xtr) end), ytr)))
]]

say [[
With batch norm each layer's inputs keep mean 0 and variance 1 however
the weights before them move: the signal keeps its size through the
eight layers. Without it, the default initialisation (uniform, of
standard deviation 1/√(3×fan_in), below Xavier's) shrinks the signal
layer after layer, as in the table above, and the gradients that reach
the first layers are too small for a plain SGD step to move them.

Remember bn_net:eval() before judging it: at the prompt (repl), compare
bn_net in train and eval mode on xtr:narrow(1, 1, 5).
]]
