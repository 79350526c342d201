"""Exact proofs: every BPTT closed form minus SymPy's own derivative of the unrolled loss is exactly 0.

The engine's exact proofs (declared in ``rnn_math.rnn.declaration``) and its mistakes run here
through the engine; the proofs at other sizes and for tanh, and the proof machinery, are tested directly.
"""

from __future__ import annotations

import pytest
import sympy as sp

from rnn_math.verification.engine import models, run_check
from rnn_math.verification.proof import Freezer, generic_activation, polynomial, prove_rnn_bptt, symbolic_rnn

BPTT_IDS = (
    "eq-bptt-output-grad",
    "eq-bptt-grad-u",
    "eq-bptt-grad-b2",
    "eq-bptt-hidden-grad",
    "eq-bptt-delta",
    "eq-bptt-grad-wh",
    "eq-bptt-grad-we",
    "eq-bptt-grad-b1",
    "eq-bptt-grad-h0",
    "eq-bptt-grad-x",
)
G, G_PRIME = generic_activation("g")

#: (activation, T, D_h, d, |V|): tiny sizes in the default run, larger ones behind `slow`.
FAST = [("sigmoid", 3, 2, 1, 2), ("tanh", 3, 2, 1, 2), ("g", 4, 2, 1, 2)]
SLOW = [("sigmoid", 4, 2, 2, 3), ("tanh", 4, 2, 2, 3), ("g", 4, 3, 2, 3)]


def activation(name: str):
    return G if name == "g" else name


def run_proof(name, T, D_h, d, V):
    proofs = prove_rnn_bptt(symbolic_rnn(T, D_h, d, V, activation=activation(name)))
    assert [p.variable for p in proofs] == ["W_h", "W_e", "b_1", "U", "b_2", "h_0", *(f"x_{t + 1}" for t in range(T))]
    assert sum(p.entries for p in proofs) == D_h * D_h + D_h * d + D_h + V * D_h + V + D_h + T * d
    return {p.variable: p.nonzero for p in proofs if not p.proven}


@pytest.mark.equation(*BPTT_IDS)
@pytest.mark.parametrize("case", FAST, ids=lambda c: f"{c[0]}-T{c[1]}-Dh{c[2]}")
def test_every_closed_form_is_exactly_the_derivative_of_the_loss(case):
    assert run_proof(*case) == {}


@pytest.mark.slow
@pytest.mark.equation(*BPTT_IDS)
@pytest.mark.parametrize("case", SLOW, ids=lambda c: f"{c[0]}-T{c[1]}-Dh{c[2]}-d{c[3]}-V{c[4]}")
def test_every_closed_form_is_exactly_the_derivative_of_the_loss_at_larger_sizes(case):
    assert run_proof(*case) == {}


RNN = next(m for m in models() if m.name == "rnn")
#: The engine's exact proofs of the RNN: a generic activation g (T = 3) and the sigmoid (T = 2).
EXACT = ("exact proof, g, T = 3, D_h = 2", "exact proof, sigmoid, T = 2, D_h = 2")


@pytest.fixture(scope="module")
def exact_outcomes():
    """The engine's exact proofs, run on the registered twins and on every mistake of the catalogue."""
    checks = {c.name: c for c in RNN.checks() if c.name in EXACT}
    assert set(checks) == set(EXACT)
    return {name: run_check(check, RNN.mistakes) for name, check in checks.items()}


@pytest.mark.equation(*BPTT_IDS)
@pytest.mark.parametrize("check", EXACT)
def test_the_engines_exact_proofs_hold_for_every_variable(exact_outcomes, check):
    outcome = exact_outcomes[check]
    T = 3 if "T = 3" in check else 2
    assert list(outcome.outputs["exact"]) == ["W_h", "W_e", "b_1", "U", "b_2", "h_0", *(f"x_{t + 1}" for t in range(T))]
    assert outcome.passed and all(outcome.outputs["exact"].values())


@pytest.mark.parametrize("mistake", RNN.mistakes, ids=lambda m: m.name)
@pytest.mark.parametrize("check", EXACT)
def test_the_exact_proof_rejects_every_mistake(exact_outcomes, check, mistake):
    outcome = exact_outcomes[check]
    assert outcome.rejected[mistake.name]
    assert not all(outcome.mistake_outputs[mistake.name]["exact"].values())  # some gradient is disproved


def test_the_generic_activation_has_an_undefined_derivative():
    x = sp.Symbol("x")
    assert sp.diff(G(x), x) == G_PRIME(x)
    assert sp.diff(G(x**2), x) == 2 * x * G_PRIME(x**2)


def test_freezing_maps_equal_arguments_to_one_symbol():
    x, y = sp.symbols("x y")
    freezer = Freezer()
    assert freezer.is_zero(sp.exp(x * (x + y)) - sp.exp(x**2 + x * y))
    assert not freezer.is_zero(sp.tanh(x) - sp.tanh(y))


def test_freezing_errs_only_towards_not_proven():
    x, y = sp.symbols("x y")
    # A true identity that needs the normaliser's value: frozen, 1/(e^x + e^y) is an unknown R.
    softmax_sums_to_one = sp.exp(x) / (sp.exp(x) + sp.exp(y)) + sp.exp(y) / (sp.exp(x) + sp.exp(y)) - 1
    assert Freezer().is_zero(softmax_sums_to_one) is False


def test_polynomial_identities_are_decided_exactly():
    a, b = sp.symbols("a b")
    assert not polynomial((a + b) ** 3 - (a**3 + 3 * a**2 * b + 3 * a * b**2 + b**3)).terms()
    assert polynomial((a + b) ** 2 - (a**2 + b**2)).terms()
    with pytest.raises(ValueError, match="polynomial with rational coefficients"):
        polynomial(sp.Float(0.5) * a)


# The forms the activation derivatives are computed in equal the textbook derivatives exactly.


def test_the_tanh_derivative_form_2e_over_1_plus_e2_squared_is_sech_squared():
    import sympy as sp

    x = sp.symbols("x", positive=True)  # e = exp(-|z|); tanh' is even, so z > 0 suffices
    e = sp.exp(-x)
    computed = (2 * e / (1 + e**2)) ** 2
    assert sp.simplify((computed - (1 - sp.tanh(x) ** 2)).rewrite(sp.exp)) == 0
    assert sp.simplify((2 * e / (1 + e**2) - (1 - sp.tanh(x) ** 2)).rewrite(sp.exp)) != 0  # control: r, not r²


def test_the_sigmoid_derivative_form_e_over_1_plus_e_squared_is_s_times_1_minus_s():
    import sympy as sp

    x = sp.symbols("x", positive=True)
    e = sp.exp(-x)
    s = 1 / (1 + sp.exp(-x))
    assert sp.simplify(e / (1 + e) ** 2 - s * (1 - s)) == 0
    assert sp.simplify(e / (1 + e) - s * (1 - s)) != 0  # control: a missing square is not equal
    # z < 0: σ'(z) = σ'(-z), and the code uses exp(-|z|) = exp(z)
    assert sp.simplify((sp.exp(-x) / (1 + sp.exp(-x)) ** 2) - (s * (1 - s)).subs(x, -x)) == 0
