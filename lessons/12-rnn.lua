-- Lesson 12: recurrent networks through time. A one-number RNN unrolled
-- over 3 steps by hand (h1, h2, h3 and a gradient through time), the
-- factors that make gradients vanish or explode, gradient clipping, one
-- LSTM step by hand and its additive cell path; then words classified by
-- language with an LSTM and an RNN of the same size.
-- Sizes: GRADCALC_LESSON_QUICK=1 (the tests) trains on a few hundred
-- words; GRADCALC_LESSON_FULL=1 on more words, for more epochs.

lesson {
    title = "Recurrent networks through time",
    summary = "an RNN unrolled by hand, gradients through time, vanishing and exploding, clipping, an LSTM step; words by language",
    day = 2,
}

precision(6)

section "An RNN unrolled over three steps"

say [[
A recurrent network reads a sequence one step at a time and carries a
hidden state h from step to step. Here h is a single number, so every
step can be done on paper: the same two weights are used at every step.
]]
formula [[
h_t = tanh(w_xh × x_t + w_hh × h_{t−1}),     h_0 = 0
]]

code [[
w_xh = var(0.8, "w_xh")
w_hh = var(0.5, "w_hh")
x = {1, 0.5, -1}
h = {}
prev = tensor(0)
for t = 1, 3 do
    h[t] = tanh(w_xh * x[t] + w_hh * prev)
    h[t].name = "h" .. t
    prev = h[t]
end
]]

ask {
    "h1",
    question = "Compute h1 = tanh(w_xh×x_1 + w_hh×h_0).",
    value = function() return h[1] end,
    hint = "h_0 = 0, so h1 = tanh(w_xh × x_1).",
    mistakes = {{function() return w_xh:item() * x[1] end, "That is before the tanh: apply tanh to it."}},
    solution = function() worked(h[1]) end,
}

ask {
    "h2",
    question = "Compute h2 = tanh(w_xh×x_2 + w_hh×h1).",
    value = function() return h[2] end,
    hint = "Carry h1 into the second step, with the same weights.",
    mistakes = {{function() return math.tanh(w_xh:item() * x[2]) end, "You left out w_hh×h1: the state carries over."}},
    solution = function() worked(h[2]) end,
}

ask {
    "h3",
    question = "Compute h3 = tanh(w_xh×x_3 + w_hh×h2).",
    value = function() return h[3] end,
    hint = "Carry h2 into the third step.",
    mistakes = {{function() return math.tanh(w_xh:item() * x[3]) end, "You left out w_hh×h2: the state carries over."}},
    solution = function() worked(h[3]) end,
}

section "A gradient through time"

say [[
Take the loss L = h3. The gradient that goes back from h3 to h1 passes
through every step in between; each step multiplies it by the step's
local derivative ∂h_t/∂h_{t−1} = w_hh × (1 − h_t²).
]]
formula [[
∂h3/∂h1 = ∂h3/∂h2 × ∂h2/∂h1 = w_hh (1 − h3²) × w_hh (1 − h2²)
]]

code [[
L = h[3]
L:backward()
explain(L, w_hh)
]]

-- the local factor of step t: w_hh (1 − h_t²)
local function factor(t) return w_hh:item() * (1 - h[t]:item() ^ 2) end

ask {
    "∂h3/∂h1",
    question = "Compute ∂h3/∂h1, the gradient from the last step back to the first.",
    value = function() return factor(3) * factor(2) end,
    hint = "The product of the two steps' factors w_hh (1 − h_t²), for t = 3 and t = 2.",
    mistakes = {{function() return w_hh:item() ^ 2 end, "That is w_hh², with the tanh's derivatives 1 − h_t² left out."}},
    chain = function()
        return {
            {"∂h3/∂h2", factor(3), wrong = {{w_hh:item(), "the tanh's derivative 1 − h3² is left out"}}},
            {"∂h2/∂h1", factor(2), wrong = {{w_hh:item(), "the tanh's derivative 1 − h2² is left out"}}},
        }
    end,
    solution = function()
        say(string.format("∂h3/∂h1 = %s×(1 − %s²) × %s×(1 − %s²) = %s × %s = %s", fmt(w_hh:item()), fmt(h[3]:item()),
            fmt(w_hh:item()), fmt(h[2]:item()), fmt(factor(3)), fmt(factor(2)), fmt(factor(3) * factor(2))))
    end,
}

say [[
explain(L, w_hh) above lists one path per step: w_hh is used at steps 1,
2 and 3, and each use reaches h3 through the later steps, so its
gradient is the sum of the three paths, the oldest one multiplied by the
most factors.
]]

section "Vanishing and exploding"

say [[
Over T steps the gradient from the last state back to the first is a
product of T − 1 factors. Each factor of the tanh RNN is at most |w_hh|:
with |w_hh| < 1 the product shrinks geometrically, and the first steps
stop learning. Without the tanh (a linear recurrence h_t = w_hh h_{t−1} + x_t),
each factor is exactly w_hh, and with |w_hh| > 1 the product blows up.
Below, autograd computes ∂h20/∂h1 over 20 steps for several w_hh. (With
the tanh, a large w_hh also drives h towards ±1, where 1 − h² is near 0:
saturation is one more way for the gradient to vanish.)
]]

code [[
function through_time(w, squash)
    local h1 = var(0.1, "h1")
    local hs = h1
    for t = 2, 20 do
        hs = w * hs + 0.1
        if squash then hs = tanh(hs) end
    end
    hs:backward()
    return h1.grad:item()
end
for _, w in ipairs{0.5, 0.9, 1.0, 1.1, 1.5} do
    print(string.format("w_hh = %4.2f   tanh RNN: %12.4e   linear: %12.4e", w, through_time(w, true), through_time(w, false)))
end
]]

ask {
    "∂h20/∂h1",
    question = "For the linear recurrence with w_hh = 1.5, what is ∂h20/∂h1? (19 factors of w_hh)",
    value = function() return through_time(1.5, false) end,
    hint = "Each of the 19 steps from h1 to h20 multiplies by w_hh = 1.5.",
    mistakes = {{function() return 1.5 ^ 20 end, "That is 20 factors; from h1 to h20 there are 19 steps."}},
    solution = function() say(string.format("1.5^19 = %s", fmt(1.5 ^ 19))) end,
}

section "Gradient clipping"

say [[
Exploding gradients make one update throw the weights far away. Clipping
rescales all the gradients together when their norm ‖g‖ (over every
parameter) exceeds max_norm, so the direction is kept and only the step
length is capped. nn.utils.clip_grad_norm_ returns the norm it found.
]]
formula [[
g ← g × max_norm / ‖g‖      when ‖g‖ > max_norm
]]

code [[
a = var(tensor{3, -4}, "a")
b = var(tensor{12}, "b")
J = sum(a * tensor{3, -4}) * 2 + sum(b * tensor{12})
J:backward()
a.grad, b.grad
norm = nn.utils.clip_grad_norm_({a, b}, 1.0)
norm
a.grad, b.grad
]]

ask {
    "a.grad[1]",
    question = "After clipping to max_norm = 1, what is a.grad[1]? (before: a.grad = [6, −8], b.grad = [12])",
    value = function() return a.grad[1] end,
    hint = "‖g‖ = √(6² + 8² + 12²); multiply 6 by 1/‖g‖.",
    mistakes = {
        {function() return 6 / 10 end, "That uses the norm of a.grad alone; the norm is over all the parameters."},
        {function() return 1 end, "Clipping rescales the whole vector; it does not clip each element to ±1."},
    },
    solution = function() say(string.format("‖g‖ = √(36 + 64 + 144) = %s;  6 / %s = %s", fmt(norm:item()), fmt(norm:item()), fmt(a.grad[1]:item()))) end,
}

section "An LSTM cell, one step by hand"

say [[
An LSTM keeps a second state, the cell c, and four gates computed from
x_t and h_{t−1}: input i, forget f, candidate g, output o. With one
number per gate (hidden size 1) and an input of 1, each gate's
pre-activation is a weight plus a bias; here we write them out.
]]
formula [[
i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)
c1 = f × c0 + i × g        h1 = o × tanh(c1)
]]

code [[
c0 = var(0.5, "c0")
z = {i = 0.4, f = 1.2, g = 0.9, o = 0.7}
gi = sigmoid(tensor(z.i)); gi.name = "i1"
gf = sigmoid(tensor(z.f)); gf.name = "f1"
gg = tanh(tensor(z.g)); gg.name = "g1"
go = sigmoid(tensor(z.o)); go.name = "o1"
c1 = gf * c0 + gi * gg; c1.name = "c1"
hl = go * tanh(c1); hl.name = "h1"
]]

ask {
    "i1",
    question = "Compute the input gate i1 = σ(0.4).",
    value = function() return gi end,
    hint = "σ(z) = 1/(1 + e^(−z)).",
    mistakes = {{function() return math.tanh(z.i) end, "That is tanh; the gates i, f, o use the sigmoid."}},
    solution = function() say(string.format("i1 = 1/(1 + e^(−%s)) = %s", fmt(z.i), fmt(gi:item()))) end,
}

ask {
    "c1",
    question = "Compute the new cell state c1 = f1×c0 + i1×g1.",
    value = function() return c1 end,
    hint = "f1 = σ(1.2), g1 = tanh(0.9), c0 = 0.5.",
    mistakes = {{function() return gi:item() * gg:item() end, "You left out f1×c0: the cell keeps part of its old value."}},
    solution = function()
        say(string.format(gg:item() < 0 and "c1 = f1×c0 + i1×g1 = %s×%s + %s×(%s) = %s" or "c1 = f1×c0 + i1×g1 = %s×%s + %s×%s = %s",
            fmt(gf:item()), fmt(c0:item()), fmt(gi:item()), fmt(gg:item()), fmt(c1:item())))
    end,
}

ask {
    "h1",
    question = "Compute the new hidden state h1 = o1×tanh(c1).",
    value = function() return hl end,
    hint = "o1 = σ(0.7); squash c1 with tanh first.",
    mistakes = {{function() return go:item() * c1:item() end, "You left out the tanh of c1."}},
    solution = function()
        say(string.format("h1 = o1×tanh(c1) = %s×tanh(%s) = %s×%s = %s", fmt(go:item()), fmt(c1:item()), fmt(go:item()),
            fmt(math.tanh(c1:item())), fmt(hl:item())))
    end,
}

check(math.abs(hl:item() - go:item() * math.tanh(gf:item() * 0.5 + gi:item() * gg:item())) < 1e-12,
    "h1 = o1 × tanh(f1 × c0 + i1 × g1)")

say [[
Why the cell path keeps gradients alive: c1 = f×c0 + i×g is a sum, so
∂c1/∂c0 = f, with no squashing derivative and no weight matrix in it.
Over many steps the gradient along the cells is a product of forget
gates, which the network can hold near 1 to remember, where the plain
RNN multiplies by w_hh (1 − h²) at every step.
]]

code [[
c1:backward()
c0.grad
]]

ask {
    "∂c1/∂c0",
    question = "What is ∂c1/∂c0?",
    value = function() return c0.grad end,
    hint = "c1 = f1×c0 + i1×g1: the derivative along c0 is the gate that multiplies it.",
    mistakes = {{function() return gi:item() end, "That is the input gate; c0 is multiplied by the forget gate."}},
    solution = function() say("∂c1/∂c0 = f1 = σ(1.2) = " .. fmt(gf:item())) end,
}

section "At scale: which language is this word from?"

local ok, a1, a2, a3 = pcall(data.words, {"english", "french"}, {per_lang = 10, seed = 1})
if not ok then
    say [[
This part reads Debian's word lists, which are not installed here.
Install them with  sudo apt-get install wamerican wfrench  and run the
lesson again.
]]
    return
end

local quick, full = os.getenv("GRADCALC_LESSON_QUICK"), os.getenv("GRADCALC_LESSON_FULL")
if quick and quick ~= "" and quick ~= "0" then
    sizes = {per_lang = 150, epochs = 1}
elseif full and full ~= "" and full ~= "0" then
    sizes = {per_lang = 10000, epochs = 6}
else
    sizes = {per_lang = 4000, epochs = 5}
end

say(string.format([[
English and French words (%d of each, 4 to 10 letters), each a sequence
of characters. An embedding turns each character into a vector, the
recurrent layer reads the word, and its hidden state after the word's
last letter goes to a linear layer with 2 outputs. Four fifths train,
one fifth judges.]], sizes.per_lang))

code [[
seed(1)
words, labels, alphabet = data.words({"english", "french"}, {per_lang = sizes.per_lang, seed = 1, min_len = 4, max_len = 10})
X, lengths = data.encode(words, alphabet)
X = X + 1
T = X.shape[2]
last = one_hot(lengths, T)
n_train = math.floor(#words * 4 / 5)
words[1], words[2], words[3]
X.shape, #alphabet
]]

code [[
function make(kind)
    seed(2)
    local m = {emb = nn.Embedding(#alphabet + 1, 8, {padding_idx = 1}), head = nn.Linear(16, 2)}
    m.rnn = kind == "lstm" and nn.LSTM(8, 16) or nn.RNN(8, 16)
    m.params = {}
    for _, part in ipairs{m.emb, m.rnn, m.head} do
        for _, p in ipairs(part:parameters()) do m.params[#m.params + 1] = p end
    end
    function m.forward(xb, lastb)
        local out = m.rnn(m.emb(xb):transpose(1, 2))
        local hT = sum(out * lastb:transpose(1, 2):reshape(T, -1, 1), 1)
        return m.head(hT)
    end
    return m
end

function fit(m, desc)
    local opt = optim.Adam(m.params, {lr = 0.01})
    local bs = 32
    local nb = math.floor(n_train / bs)
    for epoch = 1, sizes.epochs do
        for b in progress(nb, {desc = desc .. " epoch " .. epoch}) do
            local s = (b - 1) * bs + 1
            local L = cross_entropy(m.forward(X:narrow(1, s, bs), last:narrow(1, s, bs)), labels:narrow(1, s, bs))
            opt:zero_grad()
            L:backward()
            nn.utils.clip_grad_norm_(m.params, 1.0)
            opt:step()
            progress.set{loss = L:item()}
        end
    end
    local nt = #words - n_train
    local scores = no_grad(function()
        return m.forward(X:narrow(1, n_train + 1, nt), last:narrow(1, n_train + 1, nt))
    end)
    return metrics.accuracy(scores, labels:narrow(1, n_train + 1, nt))
end
]]

code [[
acc_rnn = fit(make("rnn"), "RNN")
acc_lstm = fit(make("lstm"), "LSTM")
print(string.format("held-out accuracy: RNN %.1f %%   LSTM %.1f %%", 100 * acc_rnn, 100 * acc_lstm))
]]

say [[
Both models have a hidden state of 16 numbers; the LSTM has four times
the recurrent weights (one set per gate). Each update is clipped to
norm 1. At the prompt (repl), try more epochs, a bigger hidden size, or
a third language ("german").
]]
