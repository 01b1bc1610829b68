-- Lesson 8, the capstone: a small MLP from scratch (weights as tensors,
-- forward, loss, backward, updates), trained on XOR, then on two spirals,
-- with the loss curve and the learned decision regions in the terminal.

lesson {
    title = "Capstone: a network from scratch",
    summary = "an MLP built from tensors, trained on XOR and on two spirals; loss curve and decision regions",
}

precision(6)

section "The pieces"

say [[
Everything of the last seven lessons, in a dozen lines. A layer is a
weight matrix W of shape {inputs, outputs} and a bias b; a batch X of
shape {N, inputs} goes through it as X @ W + b (the bias broadcast over the
N rows). Between layers, tanh. At the end, one score per class and the
cross-entropy loss.

The weights start small and random (randn scaled by 1/√inputs, so the
sums neither vanish nor explode); seed makes them the same every run.
]]

code [[
function mlp(sizes)
    local params = {}
    for i = 1, #sizes - 1 do
        params[#params + 1] = var(randn(sizes[i], sizes[i + 1]) / math.sqrt(sizes[i]), "W" .. i)
        params[#params + 1] = var(zeros(sizes[i + 1]), "b" .. i)
    end
    return params
end
function forward(params, X)
    local h = X
    for i = 1, #params, 2 do
        h = matmul(h, params[i]) + params[i + 1]
        if i + 1 < #params then h = tanh(h) end
    end
    return h            -- scores, {N, classes}
end
function accuracy(params, X, labels)
    local guess = argmax(forward(params, X), 2):totable()
    local right = 0
    for n = 1, #labels do if guess[n] == labels[n] then right = right + 1 end end
    return right / #labels
end
]]

say [[
And a picture: classify every cell of a grid of characters, draw class 1
as "·" and class 2 as blank, and the data points on top as o (class 1)
and x (class 2).
]]

code [[
function regions(params, points, labels, lo, hi, width, height)
    local cells = {}
    for r = 1, height do
        for c = 1, width do
            cells[#cells + 1] = {lo + (c - 0.5) * (hi - lo) / width, hi - (r - 0.5) * (hi - lo) / height}
        end
    end
    local guess = no_grad(function() return argmax(forward(params, tensor(cells)), 2):totable() end)
    local grid = {}
    for r = 1, height do
        grid[r] = {}
        for c = 1, width do grid[r][c] = guess[(r - 1) * width + c] == 1 and "·" or " " end
    end
    for n, p in ipairs(points) do
        local c = math.floor((p[1] - lo) / (hi - lo) * width) + 1
        local r = math.floor((hi - p[2]) / (hi - lo) * height) + 1
        if r >= 1 and r <= height and c >= 1 and c <= width then grid[r][c] = labels[n] == 1 and "o" or "x" end
    end
    print("+" .. string.rep("-", width) .. "+")
    for r = 1, height do print("|" .. table.concat(grid[r]) .. "|") end
    print("+" .. string.rep("-", width) .. "+")
end
]]

section "XOR"

say [[
XOR is the classic problem no single neuron can solve: (0,0) and (1,1)
are class 1, (0,1) and (1,0) class 2, and no straight line separates
them. One hidden layer of 4 tanh units does.
]]

code [[
seed(1)
X = tensor{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
Y = {1, 2, 2, 1}
net = mlp({2, 4, 2})
]]

-- The weights and biases of a network built by mlp(), counted.
local function count_parameters(layers)
    local n = 0
    for _, p in ipairs(layers) do n = n + p:numel() end
    return n
end

ask {
    "parameters",
    question = "How many numbers (weights and biases) does the 2-4-2 network have?",
    value = function() return count_parameters(net) end,
    hint = "W1 is 2×4, b1 has 4, W2 is 4×2, b2 has 2.",
    mistakes = {{function() return 2 * 4 + 4 * 2 end, "Count the biases too: 4 + 2 of them."}},
    solution = function()
        for _, p in ipairs(net) do print(p.name, table.concat(p.shape, "×"), p:numel()) end
    end,
}

say [[
Before any training the scores are small, so softmax gives each class
a probability near ½.
]]

ask {
    "loss at the start",
    question = "If both classes got probability exactly ½, what would the cross-entropy be?",
    value = function() return cross_entropy(zeros(4, 2), Y) end,
    hint = "−ln ½.",
    mistakes = {{function() return 0.5 end, "That is the probability; the loss is −ln of it."}},
    solution = function() code [[cross_entropy(zeros(4, 2), Y), -math.log(0.5)]] end,
}

code [[
L0 = cross_entropy(forward(net, X), Y)
L0:item(), -math.log(0.5)
]]

say [[
The untrained network starts near −ln ½ = ln 2, as its probabilities
start near ½.
]]

say [[
Training is the loop of lesson 6, over every parameter: forward, loss,
backward, a step against the gradient, clear the gradients.
]]

code [[
losses = {}
for step = 1, 300 do
    local L = cross_entropy(forward(net, X), Y)
    losses[step] = L:item()
    L:backward()
    for _, p in ipairs(net) do
        p:sub_(0.5 * p.grad)
        p:zero_grad()
    end
end
plot(losses, {title = "XOR: loss over 300 steps, lr = 0.5", height = 8, width = 60})
print(string.format("loss %.4f -> %.4f, accuracy %.0f %%", losses[1], losses[300], 100 * accuracy(net, X, Y)))
]]

check(accuracy(net, X, Y) == 1, "the network classifies all four XOR points")

say [[
The regions it learned, over [−0.5, 1.5]²: the two o's share a region
that bends around the x's, which one straight line could not do.
]]

code [[regions(net, X:totable(), Y, -0.5, 1.5, 40, 14)]]

section "Two spirals"

say [[
A harder one: two interleaved spirals, 60 points each, a little noise.
The data is made here, so you can see how. Every fourth point is held
out: the network never trains on it, so it tells how well the network
does on points it has not seen.
]]

code [[
seed(2)
points, labels = {}, {}
noise = randn(120, 2):totable()
for k = 1, 2 do
    for i = 1, 60 do
        local t = i / 60
        local r, angle = 0.1 + 0.9 * t, 2.5 * math.pi * t + (k - 1) * math.pi
        points[#points + 1] = {r * math.cos(angle) + 0.03 * noise[#points + 1][1],
                               r * math.sin(angle) + 0.03 * noise[#points + 1][2]}
        labels[#labels + 1] = k
    end
end
train_points, train_labels, test_points, test_labels = {}, {}, {}, {}
for i = 1, #points do
    if i % 4 == 0 then
        test_points[#test_points + 1], test_labels[#test_labels + 1] = points[i], labels[i]
    else
        train_points[#train_points + 1], train_labels[#train_labels + 1] = points[i], labels[i]
    end
end
S, T = tensor(train_points), tensor(test_points)
S.shape, T.shape
]]

code [[
seed(3)
net2 = mlp({2, 16, 16, 2})
]]

ask {
    "parameters",
    question = "How many parameters does the 2-16-16-2 network have?",
    value = function() return count_parameters(net2) end,
    hint = "2×16 + 16, then 16×16 + 16, then 16×2 + 2.",
    mistakes = {{function() return 2 * 16 + 16 * 16 + 16 * 2 end, "Count the biases too: 16 + 16 + 2."}},
    solution = function()
        for _, p in ipairs(net2) do print(p.name, table.concat(p.shape, "×"), p:numel()) end
    end,
}

say [[
Plain gradient descent is slow on this one; Adam (lesson 7) does it in a
few hundred steps. The loop is the same, with opt:step() for the update.
]]

code [[
opt = optim.Adam(net2, {lr = 0.03})
losses, test_losses = {}, {}
for step = 1, 400 do
    opt:zero_grad()
    local L = cross_entropy(forward(net2, S), train_labels)
    losses[step] = L:item()
    test_losses[step] = no_grad(function() return cross_entropy(forward(net2, T), test_labels):item() end)
    L:backward()
    opt:step()
end
plot(losses, {title = "spirals: training loss over 400 Adam steps", height = 8, width = 60})
best = 1
for step = 2, 400 do if test_losses[step] < test_losses[best] then best = step end end
print(string.format("training loss %.3f -> %.5f, accuracy %.1f %% on the %d training points",
    losses[1], losses[400], 100 * accuracy(net2, S, train_labels), #train_labels))
print(string.format("held-out loss %.3f -> %.5f (lowest %.5f at step %d), accuracy %.1f %% on the %d held-out points",
    test_losses[1], test_losses[400], test_losses[best], best, 100 * accuracy(net2, T, test_labels), #test_labels))
]]

check(accuracy(net2, S, train_labels) >= 0.95, "the network separates the training points (95 % or more)")
check(accuracy(net2, T, test_labels) < accuracy(net2, S, train_labels),
    "it does worse on the held-out points than on those it trained on")
check(test_losses[400] > 10 * losses[400], "the held-out loss ends more than 10 times the training loss")
check(best < 400, "the held-out loss was lowest before the last step")

say(string.format([[
The training loss goes on falling towards 0, while the held-out loss was
lowest at step %d and has crept up since: from there on the network
learns the training points themselves, their noise included, rather than
the spirals. That gap between the data it was trained on and new data is
overfitting, and %d parameters for %d points leave it plenty of room.
A score on the training data alone says little; judge a network on data
held out. Day 2 returns to overfitting, and to what keeps it small.]],
    best, count_parameters(net2), #train_labels))

say [[
One number of the trained network, by hand: for the input (0, 0) the
first layer's sum X @ W1 + b1 is just b1, so hidden unit 1 outputs
tanh(b1[1]).
]]

show("net2[2][1]")

ask {
    "tanh(b1[1])",
    question = "Compute the output of hidden unit 1 for the input (0, 0).",
    value = function() return tanh(forward({net2[1], net2[2]}, tensor{{0, 0}}))[1][1] end,
    hint = "tanh(b) = (e^(2b) − 1)/(e^(2b) + 1), with b the number shown above.",
    mistakes = {{function() return net2[2][1] end, "That is b1[1] itself; apply tanh."}},
    solution = function() code [[tanh(net2[2][1])]] end,
}

say [[
And the decision regions over [−1.2, 1.2]², with all 120 points, the
held-out ones included: class 1 (o) is the dotted region, spiralling in
between the x's.
]]

code [[regions(net2, points, labels, -1.2, 1.2, 60, 24)]]

say [[
That is the whole of day 1: tensors, activations, the chain rule gate by
gate, a cost, backpropagation, and an optimizer, assembled into a
network that learns. At the prompt (repl), try fewer hidden units, a
different learning rate, or relu for tanh in forward, and train again.
]]
