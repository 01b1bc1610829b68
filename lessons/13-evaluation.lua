-- Lesson 13: overfitting and honest evaluation. A network that memorises
-- a small Fashion-MNIST subset (train and validation curves diverging),
-- then the remedies measured: dropout (its mask by hand), weight decay
-- (one step by hand), early stopping, more data; k-fold cross-validation
-- by hand and with data.kfold; accuracy against precision, recall and F1
-- on an imbalanced problem, from a confusion matrix.
-- Sizes: GRADCALC_LESSON_QUICK=1 (the tests) trains on fewer images for
-- fewer epochs; GRADCALC_LESSON_FULL=1 (scripts/day2-full-runs.sh) on more.

lesson {
    title = "Overfitting and honest evaluation",
    summary = "memorising against learning; dropout, weight decay, early stopping, more data; k-fold; precision, recall, F1",
    day = 2,
}

precision(6)

local quick, full = os.getenv("GRADCALC_LESSON_QUICK"), os.getenv("GRADCALC_LESSON_FULL")
if quick and quick ~= "" and quick ~= "0" then
    sizes = {train = 100, more = 400, val = 300, epochs = 10, spirals = 100, fold_epochs = 60}
elseif full and full ~= "" and full ~= "0" then
    sizes = {train = 500, more = 5000, val = 5000, epochs = 40, spirals = 600, fold_epochs = 300}
else
    sizes = {train = 500, more = 2000, val = 1000, epochs = 25, spirals = 300, fold_epochs = 300}
end

local ok, a, b, c = pcall(data.fashion_mnist, {split = "train"})
have_data = ok
if ok then all_x, all_y, classes = a, b, c end

section "A network that memorises"

if not have_data then
    say [[
The trainings of this lesson use Fashion-MNIST, which is not installed
here, so they are left out (the questions worked by hand remain).
Install it with  sudo apt-get install dataset-fashion-mnist  (or put its
four .gz files in a folder named by GRADCALC_DATA) and run the lesson
again.
]]
else
    say(string.format([[
Give a network with 100,000 weights only %d Fashion-MNIST images and it
can learn each of them by heart. The training loss then goes on falling
while the loss on the validation images (%d others, never trained on)
stops falling and climbs: the network fits the noise of its few images,
not what makes a shirt a shirt.]], sizes.train, sizes.val))

    code [[
seed(1)
perm = randperm(all_x.shape[1])
function take(from, n) return all_x:index_select(1, perm:narrow(1, from, n)), all_y:index_select(1, perm:narrow(1, from, n)) end
xtr, ytr = take(1, sizes.train)
xval, yval = take(sizes.more + 1, sizes.val)
xmore, ymore = take(1, sizes.more)
all_x, all_y = nil, nil
collectgarbage();
function make_mlp(p)
    local layers = {nn.Flatten(), nn.Linear(784, 128), nn.ReLU()}
    if p then layers[#layers + 1] = nn.Dropout(p) end
    layers[#layers + 1] = nn.Linear(128, 10)
    return nn.Sequential(table.unpack(layers))
end
function run(opts)
    seed(2)
    local net = make_mlp(opts.dropout)
    local opt = optim.Adam(net:parameters(), {lr = 3e-3, weight_decay = opts.weight_decay or 0})
    local x, y = opts.x or xtr, opts.y or ytr
    local loader = data.loader(x, y, {batch_size = 16, seed = 3})
    local tr, va, acc = {}, {}, {}
    for epoch in progress(sizes.epochs, {desc = opts.name}) do
        local s, n = 0, 0
        for i, xb, yb in loader do
            opt:zero_grad()
            local L = cross_entropy(net(xb), yb)
            L:backward()
            opt:step()
            s, n = s + L:item(), n + 1
        end
        net:eval()
        local scores = no_grad(function() return net(xval) end)
        net:train()
        tr[epoch], va[epoch], acc[epoch] = s / n, cross_entropy(scores, yval):item(), metrics.accuracy(scores, yval)
        progress.set{train = tr[epoch], val = va[epoch]}
    end
    return {train = tr, val = va, acc = acc, name = opts.name}
end
plain = run{name = "plain"}
plot({train = plain.train, val = plain.val}, {title = "plain MLP: loss per epoch"})
]]

    ask {
        "best epoch",
        question = "At which epoch is the validation loss lowest? (the curve val, or plain.val at the prompt)",
        value = function()
            local best = 1
            for e = 2, #plain.val do if plain.val[e] < plain.val[best] then best = e end end
            return best
        end,
        hint = "Look for the bottom of the val curve; at the prompt (repl), print(table.concat(plain.val, ' ')).",
        mistakes = {{function() return #plain.val end, "That is the last epoch; the validation loss was lower before it."}},
        solution = function()
            for e, v in ipairs(plain.val) do io.write(string.format("%d: %.4f  ", e, v)) end
            io.write("\n")
        end,
    }
end

section "Dropout, by hand"

say [[
Dropout switches off each hidden unit with probability p at every
training step, so no unit can rely on a particular other one. The units
that stay are scaled by 1/(1 − p), so that the expected sum is the same
as without dropout, and at evaluation (net:eval()) nothing is dropped.
]]

code [[
seed(5)
h = tensor{2, 4, 6, 8, 10, 12}
d = dropout(h, 0.25)
]]

-- The first element of d that dropout kept.
local function first_kept()
    for i, v in ipairs(d:totable()) do if v ~= 0 then return i end end
end
local k = first_kept()

ask {
    string.format("d[%d]", k),
    question = string.format("With p = 0.25, element %d of h (%s) was kept. What is d[%d]?", k, fmt(h[k]:item()), k),
    value = function() return d[k] end,
    hint = "A kept element is scaled by 1/(1 − p).",
    mistakes = {
        {function() return h[k] end, "Kept elements are scaled by 1/(1 − p), so that the mean stays the same."},
        {function() return h[k] / 0.25 end, "The scale is 1/(1 − p) = 1/0.75, not 1/p."},
        {function() return h[k] * 0.75 end, "That is (1 − p)×h, the old way of scaling at evaluation; in training divide by 1 − p."},
    },
    solution = function() say(string.format("d[%d] = h[%d]/(1 − 0.25) = %s/0.75 = %s", k, k, fmt(h[k]:item()), fmt(d[k]:item()))) end,
}

show("dropout(h, 0.25, false)")

section "Weight decay, by hand"

say [[
Weight decay (L2 regularisation) adds λ×w to each weight's gradient: the
gradient of (λ/2)×‖w‖². Every step pulls the weights a little towards 0,
and large weights, which let a network draw wild boundaries, cost more.
]]
formula [[
w ← w − η×(∂L/∂w + λ×w)
]]

code [[
w = var(tensor{2.0}, "w")
loss = (w * 0.25):sum()
loss:backward()
opt = optim.SGD({w}, {lr = 0.1, weight_decay = 0.5})
w_before = w:item()
opt:step()
]]

ask {
    "new w",
    question = string.format("w = %s, ∂L/∂w = %s, η = 0.1, λ = 0.5: what is w after the step?", fmt(w_before), fmt(w.grad:item())),
    value = function() return w end,
    hint = "w − η×(∂L/∂w + λ×w) = 2 − 0.1×(0.25 + 0.5×2).",
    mistakes = {
        {function() return w_before - 0.1 * w.grad:item() end, "That is the step without weight decay: add λ×w to the gradient."},
        {function() return w_before - 0.1 * (w.grad:item() - 0.5 * w_before) end, "λ×w is added to the gradient, not subtracted."},
    },
    solution = function()
        say(string.format("w ← %s − 0.1×(%s + 0.5×%s) = %s", fmt(w_before), fmt(w.grad:item()), fmt(w_before), fmt(w:item())))
    end,
}

if have_data then
    section "The remedies, measured"

    say(string.format([[
The same network and the same %d images, with dropout (p = 0.5), with
weight decay (λ = 1e-3), and with early stopping (the plain run, taken
at its best validation epoch); and the plain network with %d images
instead of %d.]], sizes.train, sizes.more, sizes.train))

    code [[
drop = run{name = "dropout", dropout = 0.5}
decay = run{name = "weight decay", weight_decay = 1e-3}
more = run{name = "more data", x = xmore, y = ymore}
plot({plain = plain.val, dropout = drop.val, decay = decay.val, more = more.val}, {title = "validation loss per epoch"})
function best_epoch(r) local b = 1; for e = 2, #r.val do if r.val[e] < r.val[b] then b = e end end; return b end
print("run            val loss at the end   val accuracy at the end")
for _, r in ipairs({plain, drop, decay, more}) do
    print(string.format("%-14s %10.3f %20.1f %%", r.name, r.val[#r.val], 100 * r.acc[#r.acc]))
end
e = best_epoch(plain)
print(string.format("%-14s %10.3f %20.1f %%   (epoch %d)", "early stopping", plain.val[e], 100 * plain.acc[e], e))
]]

    local ranked = {plain, drop, decay, more}
    table.sort(ranked, function(u, v) return u.acc[#u.acc] > v.acc[#v.acc] end)
    say(string.format([[
Here the best validation accuracy at the end is %s's, the worst %s's.
More data is the surest remedy when there is more to be had. Early
stopping costs nothing: keep the weights of the best validation epoch
(state_dict), and stop when the validation loss has not improved for a
few epochs. Read the table with care: each row is one run on one
validation set, and a point or two of difference may be luck (the k-fold
below measures that spread).]], ranked[1].name, ranked[#ranked].name))
end

section "k-fold cross-validation, by hand"

say [[
With little data a single validation split is a noisy judge: a lucky or
unlucky split moves the score. k-fold cross-validation splits the data
into k folds; each fold is the validation set once, the other k − 1
train; the k scores give a mean and a spread.

By hand: six points on a line, two classes, and the simplest classifier
there is (the threshold halfway between the two class means of the
training points). Three folds, without shuffling.
]]

code [=[
xs = {1.0, 2.0, 3.5, 3.0, 4.0, 6.0}
ys = {1, 1, 2, 1, 1, 2}
folds = data.kfold(6, 3, {shuffle = false})
function ints(t) local s = {}; for i, v in ipairs(t:totable()) do s[i] = string.format("%d", v) end; return table.concat(s, " ") end
for f, fold in ipairs(folds) do print("fold " .. f, "train " .. ints(fold.train), "val " .. ints(fold.val)) end
function threshold(idx)
    local s, n = {0, 0}, {0, 0}
    for _, i in ipairs(idx) do s[ys[i]] = s[ys[i]] + xs[i]; n[ys[i]] = n[ys[i]] + 1 end
    return (s[1] / n[1] + s[2] / n[2]) / 2
end
function fold_accuracy(fold)
    local t, right, val = threshold(fold.train:totable()), 0, fold.val:totable()
    for _, i in ipairs(val) do if (xs[i] > t and 2 or 1) == ys[i] then right = right + 1 end end
    return right / #val
end
]=]

ask {
    "threshold of fold 2",
    question = "Fold 2 trains on points 1, 2, 5, 6. Its threshold: halfway between the mean x of class 1 and that of class 2?",
    value = function() return threshold(folds[2].train:totable()) end,
    hint = "Class 1: x = 1, 2 and 4; class 2: x = 6. The two means, then halfway between them.",
    mistakes = {{function() return (1 + 2 + 4 + 6) / 4 end, "That is the mean of the four points; take each class's mean, then halfway between the two."}},
    solution = function() say(string.format("((1 + 2 + 4)/3 + 6/1)/2 = %s", fmt(threshold(folds[2].train:totable())))) end,
}

code [[
scores = {}
for f, fold in ipairs(folds) do scores[f] = fold_accuracy(fold) end
scores
]]

ask {
    "mean",
    question = "The cross-validated accuracy: the mean of the three fold scores.",
    value = function() return mean(tensor(scores)) end,
    hint = "Add the three scores and divide by 3.",
    solution = function() show("mean(tensor(scores))") end,
}

ask {
    "spread",
    question = "Their spread: the standard deviation of the three scores (with n − 1, as std does).",
    value = function() return std(tensor(scores)) end,
    hint = "√(Σ (score − mean)² / (3 − 1)).",
    mistakes = {{function() return std(tensor(scores), nil, {unbiased = false}) end,
                 "That divides by n = 3; the sample standard deviation divides by n − 1 = 2."}},
    solution = function() show("std(tensor(scores))") end,
}

say(string.format([[
At scale, with data.kfold: 5 folds of %d spiral points, an MLP trained
on each in turn.]], sizes.spirals))

code [[
sx, sy = data.spirals(sizes.spirals, 2, 0.6, {seed = 6})
accs = {}
for f, fold in ipairs(data.kfold(sizes.spirals, 5, {seed = 7, labels = sy})) do
    seed(8)
    local net = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2))
    local opt = optim.Adam(net:parameters(), {lr = 0.01})
    local x, y = sx:index_select(1, fold.train), sy:index_select(1, fold.train)
    for step in progress(sizes.fold_epochs, {desc = "fold " .. f}) do
        opt:zero_grad()
        local L = cross_entropy(net(x), y)
        L:backward()
        opt:step()
    end
    accs[f] = metrics.accuracy(no_grad(function() return net(sx:index_select(1, fold.val)) end), sy:index_select(1, fold.val))
end
print(string.format("5-fold accuracy: %.1f %% ± %.1f %%", 100 * mean(tensor(accs)):item(), 100 * std(tensor(accs)):item()))
]]

section "Accuracy is not everything"

say [[
A screening test: 100 people, 10 of them ill (class 2, the positive
class). A model finds 3 of the ill and raises 2 false alarms. The
confusion matrix (rows: the truth, columns: the prediction):
]]

code [[
truth, guess = {}, {}
for i = 1, 100 do truth[i] = i <= 10 and 2 or 1 end
for i = 1, 100 do guess[i] = (i <= 3 or i == 50 or i == 51) and 2 or 1 end
cm = metrics.confusion(guess, truth, 2)
metrics.show_confusion(cm, {"healthy", "ill"})
]]

formula [[
precision = TP / (TP + FP)     of those called ill, how many are
recall    = TP / (TP + FN)     of the ill, how many were found
F1        = 2×precision×recall / (precision + recall)
]]

local p_, r_, f_ = metrics.precision_recall_f1(guess, truth, {average = "none", C = 2})

ask {
    "accuracy",
    question = "The accuracy: the diagonal over all 100.",
    value = function() return metrics.accuracy(tensor(guess), tensor(truth)) end,
    hint = "(88 + 3)/100: the right answers of both classes.",
    mistakes = {{function() return cm[2][2] / 100 end, "Count the right answers of both classes: the whole diagonal."}},
    solution = function() say(string.format("(%d + %d)/100", cm[1][1]:item(), cm[2][2]:item())) end,
}

say [[
A model that calls everyone healthy has accuracy 0.9 and finds no one.
]]

ask {
    "recall",
    question = "The recall of the class ill.",
    value = function() return r_[2] end,
    hint = "TP/(TP + FN): the ill found, over all the ill (row 2).",
    mistakes = {{function() return p_[2] end, "That is the precision, TP/(TP + FP) (column 2); recall divides by the row."}},
    solution = function() say(string.format("%d/(%d + %d)", cm[2][2]:item(), cm[2][2]:item(), cm[2][1]:item())) end,
}

ask {
    "precision",
    question = "The precision of the class ill.",
    value = function() return p_[2] end,
    hint = "TP/(TP + FP): the right alarms over all the alarms (column 2).",
    mistakes = {{function() return r_[2] end, "That is the recall; precision divides by the column, everything called ill."}},
    solution = function() say(string.format("%d/(%d + %d)", cm[2][2]:item(), cm[2][2]:item(), cm[1][2]:item())) end,
}

ask {
    "F1",
    question = "F1 of the class ill: the harmonic mean of precision and recall.",
    value = function() return f_[2] end,
    hint = "2×p×r/(p + r).",
    mistakes = {{function() return (p_[2] + r_[2]) / 2 end, "That is the arithmetic mean; F1 is the harmonic one, 2pr/(p + r)."}},
    solution = function() say(string.format("2×%s×%s/(%s + %s) = %s", fmt(p_[2]:item()), fmt(r_[2]:item()), fmt(p_[2]:item()), fmt(r_[2]:item()), fmt(f_[2]:item()))) end,
}

code [[metrics.report(guess, truth, {"healthy", "ill"})]]

say [[
The report gives every class's precision, recall and F1, and their
macro average (each class counts the same) and weighted average (each
class by its size). On an imbalanced problem, read the rare class's
recall and F1, not the accuracy.
]]
