#!/bin/sh
# Hints that find the mistake: each classic mistake of the lessons, typed
# from a pipe as a learner would (a number, or arithmetic on plain
# numbers, never the lesson's own variables), gets its own hint; the
# lesson's own mistakes come before the generic sign check; a chain's
# wrong factor is named only when it alone explains the answer.
# usage: GRADCALC=/path/to/gradcalc sh tests/repl/test_lessons_hints.sh
: "${GRADCALC:?set GRADCALC to the gradcalc binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GRADCALC_LESSONS="$top/lessons" XDG_STATE_HOME="$tmp/state"

ok() { echo "ok $1"; }
notok() { echo "not ok $1: $2"; [ -f "$tmp/said" ] && sed 's/^/    | /' "$tmp/said"; }

# hint LESSON QUESTION ANSWER TEXT: at question QUESTION of lesson LESSON
# (the questions before it answered right, as the replay gives them),
# ANSWER is marked wrong and the hint says TEXT (a fixed string).
hint() {
    l=$1 q=$2 answer=$3 text=$4
    [ -f "$tmp/answers$l" ] ||
        "$GRADCALC" --lesson "$l" --replay </dev/null | sed -n 's/^  answer: [^=]* = //p' >"$tmp/answers$l"
    head -n $((q - 1)) "$tmp/answers$l" >"$tmp/in"
    printf '%s\nquit\n' "$answer" >>"$tmp/in"
    timeout 120 "$GRADCALC" --lesson "$l" <"$tmp/in" >"$tmp/out" 2>&1
    # what was said between the wrong answer and the end
    sed -n "/^Question $q\\. /,\$p" "$tmp/out" | sed -n '/✗ /,$p' >"$tmp/said"
    name="lesson $l question $q: $answer gets '$text'"
    if grep -q '✗ not quite' "$tmp/said" && grep -qF -- "$text" "$tmp/said"; then
        ok "$name"
    else
        notok "$name" "the hint differs"
    fi
}

# Lesson 5, the 2-2-2 network.
hint 5 1 '0.15*0.05 + 0.2*0.1' 'You left out the bias b1.'
hint 5 8 '1.10590597*(1 - 1.10590597)' 'That is net_o1×(1 − net_o1)'
hint 5 9 '0.74136507*0.186815602*0.3775' 'your ∂net_o1/∂w5 is off: ∂net_o1/∂w5 is out_h1'
hint 5 9 '0.74136507*0.186815602' 'That is ∂E/∂out_o1 × ∂out_o1/∂net_o1: the chain goes on'
hint 5 11 '0.0363503064*0.3775*(1 - 0.3775)*0.05' "your ∂out_h1/∂net_h1 is off: σ' takes the output"
hint 5 11 '0.0363503064*0.05' 'Your product lacks the factor ∂out_h1/∂net_h1.'
hint 5 11 '0.0012345' 'Check each factor of the chain'
# 10 % off: no single factor explains it, so no factor is blamed.
hint 5 11 '0.000438567734*1.1' 'Check each factor of the chain'
hint 5 14 '0.298371109' 'That is E before the step'
# A sign flipped, where the lesson has no mistake of its own for it.
hint 5 7 '-0.74136507' 'The size is right but the sign is not'

# Lesson 3, a neuron: the x0 = −1 factor dropped, or taken for w0.
hint 3 8 '0.196612' 'you dropped the factor ∂zn/∂w0 = x0 = −1'
hint 3 8 '0.196612*2' "w0's gradient takes x0"
hint 3 9 '-0.196612' 'That is ∂out/∂w0, with the factor x0 = −1'
hint 3 9 '0.196612' 'you dropped the factor ∂zn/∂x0 = w0 = 2'

# Lesson 4, costs: the lesson's sign mistake before the generic one.
hint 4 2 '2*(3 - 2.5)/3' 'The sign: the derivative of (p − t)² with respect to p is 2(p − t).'
hint 4 2 '2*(2.5 - 3)' 'Divide by n = 3'
hint 4 7 '(0.802479 - 1)/2' 'y is 0 for class 2 of sample 2'

# Lesson 6, gradient descent: the lesson's own sign mistakes come before
# the generic sign check.
hint 6 1 '6' 'The sign: 2(0 − 3) is negative'
hint 6 2 '0 + 0.1*(-6)' 'Step against the gradient: subtract η×∂L/∂w.'
hint 6 3 '0.6 - 0.1*(-6 + 2*(0.6 - 3))' 'forgetting w:zero_grad()'
hint 6 4 '25' 'One step short'
hint 6 4 '27' 'One step too many'
hint 6 6 '1' 'That is (mean y)², the square of the mean'

# Lesson 7, optimizers: RMSProp without (1 − α), without the root, with s
# not updated, with ε inside the root; Adam without the bias correction,
# or with t off by one.
hint 7 2 '0.9*2' 'Add the new gradient g = 1.6 to 0.9×v.'
hint 7 4 '4' 'That is g² itself: without the (1 − α)'
hint 7 5 '1 - 0.01*2/2' 'You took s = g² (no 1 − α)'
hint 7 5 '1 - 0.01*2/0.04' 'You divided by s; divide by its square root'
hint 7 6 '0.9 - 0.01*1.8/0.2' 'You kept s from step 1'
hint 7 6 '0.9 - 0.01*1.8/0.072' 'You divided by s; divide by its square root.'
hint 7 7 '1 - 0.01*1e-6/math.sqrt(1e-14 + 1e-8)' 'ε goes outside the square root'
hint 7 7 '0.9' 'Without ε the step is η/√(1 − α)'
hint 7 8 '0.68377' 'You left out the bias correction'
hint 7 8 '1 - 0.1*(0.2/0.19)/math.sqrt(0.004/0.001999)' 'The bias correction is for t = 1 at the first step'
hint 7 9 '0.36' 'That is m; divide by 1 − 0.9² = 0.19'
hint 7 9 '3.6' 't is off by one: at step 2 the correction is 1 − 0.9², not 1 − 0.9¹.'
hint 7 10 '0.9 - 0.1*0.36/math.sqrt(0.007236)' 'You left out the bias correction'
hint 7 10 '0.9 - 0.1*3.6/math.sqrt(7.236)' 't is off by one'

# Lesson 9, your own backward: the mean's 1/n, the sum over the batch, σ'
# with Z1 for H.
hint 9 1 '2*(-0.36856 - 1)' 'Divide by n = 4: the loss is a mean.'
hint 9 1 '(-0.36856 - 1)/4' 'The derivative of a square brings a factor 2.'
hint 9 2 '(-0.217504 - 0.68428 - 0.865701 - 0.336365)/4' 'That is the mean; b2 is added to every row'
hint 9 2 '-0.217504' 'That is sample 1 alone'
hint 9 4 '0.167237*0.477992*(1 - 0.477992)' 'That is with Z1'
echo done
