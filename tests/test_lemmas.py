"""The lemmas of the induction over the steps: proven exactly, and failing on every wrong version."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import sympy as sp

from rnn_math.apps.cli import main
from rnn_math.rnn import lemmas as rnn_lemmas
from rnn_math.rnn.declaration import RNN
from rnn_math.seq2seq.declaration import SEQ2SEQ
from rnn_math.symbolic.rnn import bptt as sym_bptt
from rnn_math.verification import engine
from rnn_math.verification.declaration import Model
from rnn_math.verification.lemmas import Lemma, chain_rule_through_ties, downstream_gradient
from rnn_math.verification.proof import symbol_matrix

LEMMAS = {lemma.name: lemma for lemma in RNN.lemmas}
SEQ2SEQ_LEMMAS = {lemma.name: lemma for lemma in SEQ2SEQ.lemmas}
DECLARED = [pytest.param(lemma, id=f"{m.name}: {lemma.name}") for m in engine.models() for lemma in m.lemmas]
CONTROLS = [
    pytest.param(lemma, mistake, id=f"{m.name}: {lemma.name}: {mistake.name}")
    for m in engine.models()
    for lemma in m.lemmas
    for mistake in m.mistakes
    if {eq_id.split("@")[0] for eq_id in mistake.sympy} & set(lemma.equations)
]


def _reached(model: Model) -> set[str]:
    return {p.values[1].name for p in CONTROLS if p.values[1].model == model.name}


@pytest.mark.parametrize("lemma", DECLARED)
def test_each_declared_lemma_is_proven_on_the_registered_equations(lemma):
    assert lemma.prove({}) is True


@pytest.mark.parametrize(("lemma", "mistake"), CONTROLS)
def test_each_lemma_rejects_every_mistake_of_its_model_that_replaces_an_equation_it_covers(lemma, mistake):
    assert lemma.prove(mistake.sympy) is False


def test_every_catalogued_mistake_of_the_rnns_backward_pass_reaches_a_lemma():
    backward = {m.name for m in RNN.mistakes if set(m.eq_ids) & set(rnn_lemmas.BACKWARD_EQUATIONS)}
    assert _reached(RNN) == backward


def test_every_catalogued_mistake_of_the_encoder_decoder_reaches_a_lemma():
    assert _reached(SEQ2SEQ) == {m.name for m in SEQ2SEQ.mistakes}


def test_the_one_step_lemma_rejects_a_planted_delta_with_the_activation_instead_of_its_slope():
    def delta_with_g(grad_h_t, z_t, activation="sigmoid"):
        return grad_h_t.multiply_elementwise(z_t.applyfunc(activation))

    assert LEMMAS["one-step lemma"].prove({"eq-bptt-delta": delta_with_g}) is False


def test_the_one_step_lemma_rejects_a_planted_hidden_gradient_that_drops_the_output_term():
    def recurrent_only(U, output_grad_t, W_h, delta_next):
        return W_h.T * delta_next

    assert LEMMAS["one-step lemma"].prove({"eq-bptt-hidden-grad": recurrent_only}) is False


def test_the_base_case_holds_without_the_recurrent_term_so_it_does_not_claim_to_cover_it():
    # At t = T nothing follows: dropping W_hᵀ δ^{T+1} changes nothing there. Only the one-step
    # lemma can reject that mistake, and only it lists the hidden-state gradient.
    no_recurrent = next(m for m in RNN.mistakes if m.name == "no-recurrent-term")
    assert LEMMAS["base case"].prove(no_recurrent.sympy) is True
    assert "eq-bptt-hidden-grad" not in LEMMAS["base case"].equations
    assert "eq-bptt-hidden-grad" in LEMMAS["one-step lemma"].equations


def test_the_chain_rule_through_ties_holds_for_an_arbitrary_function_of_the_copies():
    assert chain_rule_through_ties(3, 2) is True


@pytest.mark.parametrize(
    "wrong",
    [lambda terms: terms[-1], lambda terms: sp.Add(*terms) / len(terms), lambda terms: 2 * terms[0]],
    ids=["last copy only", "averaged", "first copy twice"],
)
def test_the_chain_rule_through_ties_fails_on_a_planted_wrong_combination_of_the_copies(wrong):
    assert chain_rule_through_ties(3, 2, wrong=wrong) is False


def test_the_downstream_gradient_is_the_partial_derivative_of_R_at_its_argument():
    c, h = symbol_matrix("c", 2), symbol_matrix("h", 2)
    R = sp.Function("R")
    gradient = downstream_gradient(R(*(h + c)), c)
    at = {c[0]: 0, c[1]: 0, h[0]: 1, h[1]: 2}
    x = sp.symbols("x0:2")
    expected = [sp.diff(R(*x), x[i]).subs({x[0]: 1, x[1]: 2}) for i in range(2)]
    assert [sp.simplify((gradient[i].subs(at) - expected[i]).doit()) for i in range(2)] == [0, 0]


def test_the_lemma_sizes_are_the_ones_the_proofs_use():
    assert LEMMAS["one-step lemma"].sizes == rnn_lemmas.STEP_SIZES
    assert LEMMAS["tied-weight lemma"].sizes == rnn_lemmas.TIED_SIZES
    assert LEMMAS["one-step lemma"].prove.keywords == {"D_h": 2, "d": 2, "V": 2}


def test_a_lemma_names_the_function_that_proves_it():
    assert LEMMAS["tied-weight lemma"].code == "rnn_math.rnn.lemmas.tied_weights"


def test_the_encoder_lemma_rejects_a_planted_encoder_state_gradient_without_the_transpose():
    # No catalogued mistake corrupts this equation; a planted one shows the lemma would notice.
    def untransposed(W_h, delta_enc_next):
        return W_h * delta_enc_next

    lemma = SEQ2SEQ_LEMMAS["hand-off and encoder steps"]
    assert lemma.prove({"eq-encoder-state-grad": untransposed}) is False


def test_the_decoder_lemma_rejects_a_planted_output_gradient_with_the_wrong_target():
    def shifted(theta_t, target_t):
        return sym_bptt.output_gradient(theta_t, (target_t + 1) % theta_t.rows)

    assert SEQ2SEQ_LEMMAS["decoder one-step lemma"].prove({"eq-bptt-output-grad": shifted}) is False


# --- the engine ----------------------------------------------------------------------------------


def test_the_engine_reports_each_lemma_proven_with_all_controls_rejected_and_its_timing():
    report = engine.run_lemma(RNN, LEMMAS["tied-weight lemma"])
    assert report.proven and report.passed and report.failures == ()
    assert report.controls == report.controls_rejected == 5
    assert report.seconds > 0 and report.controls_seconds > 0


def test_the_engine_fails_a_lemma_whose_identity_does_not_hold():
    wrong = Lemma("wrong", "0 = 1", ("eq-bptt-grad-b2",), lambda replace: False)
    report = engine.run_lemma(RNN, wrong)
    assert not report.proven and not report.passed
    assert "the identity does not hold for the correct equations" in report.failures


def test_the_engine_fails_a_lemma_that_accepts_a_mistake():
    # Holds whatever is replaced: every mistake of the covered equation is accepted.
    blind = Lemma("blind", "1 = 1", ("eq-bptt-grad-b2",), lambda replace: True)
    report = engine.run_lemma(RNN, blind)
    assert report.proven and not report.passed and report.controls_rejected == 0
    assert "mistake 'output-bias-last-step-only' is accepted" in report.failures


def test_the_engine_fails_a_lemma_that_no_mistake_can_reach():
    unreachable = Lemma("unreachable", "1 = 1", ("eq-forward-z",), lambda replace: True)
    report = engine.run_lemma(RNN, unreachable)
    assert not report.passed and report.controls == 0
    assert any("nothing shows it can fail" in f for f in report.failures)


def test_a_model_refuses_a_lemma_covering_equations_it_does_not_declare():
    stray = Lemma("stray", "1 = 1", ("eq-bptt-delta",), lambda replace: True)
    with pytest.raises(ValueError, match="lemmas: 'stray' covers \\['eq-bptt-delta'\\]"):
        Model("m", "M", ("eq-forward-z",), (), checks=list, lemmas=(stray,))


def test_verify_lemmas_with_an_equation_runs_only_the_lemmas_covering_it():
    reports = engine.verify_lemmas(model="rnn", equation="eq-bptt-grad-b2")
    assert [(r.model, r.name) for r in reports] == [
        ("rnn", "tied-weight lemma"),
        ("rnn", "tied-weight sums, every size"),
    ]


# --- rnn-math verify -----------------------------------------------------------------------------


def _verify(monkeypatch, *argv: str) -> tuple[int, str]:
    monkeypatch.setattr(engine, "verify", lambda **_: [])  # the equations' checks: tested elsewhere
    out, err = io.StringIO(), io.StringIO()
    return main(["verify", *argv], out=out, err=err), out.getvalue()


def test_verify_shows_each_lemma_as_its_own_row_with_sizes_controls_and_timing(monkeypatch):
    code, out = _verify(monkeypatch, "--model", "rnn", "--equation", "eq-bptt-grad-b2")
    row = next(line for line in out.splitlines() if line.startswith("tied-weight lemma"))
    assert "T = 3, D_h = 2, d = 1, |V| = 2" in row
    assert row.split()[-6:-4] == ["proven", "5/5"] and row.split()[-1] == "yes"
    assert "2 lemmas: all passed" in out


def test_verify_writes_the_lemmas_to_the_json_file(monkeypatch, tmp_path: Path):
    target = tmp_path / "results.json"
    _verify(monkeypatch, "--model", "rnn", "--equation", "eq-bptt-grad-b2", "--json", str(target))
    lemmas = json.loads(target.read_text())["lemmas"]
    assert [(r["model"], r["lemma"], r["passed"], r["controls_rejected"]) for r in lemmas] == [
        ("rnn", "tied-weight lemma", True, 5),
        ("rnn", "tied-weight sums, every size", True, 5),
    ]
    assert lemmas[0]["seconds"] > 0


def test_a_failed_lemma_makes_verify_exit_1_and_says_why(monkeypatch):
    failed = engine.run_lemma(RNN, Lemma("wrong", "0 = 1", ("eq-bptt-grad-b2",), lambda replace: False))
    monkeypatch.setattr(engine, "verify_lemmas", lambda **_: [failed])
    code, out = _verify(monkeypatch)
    assert code == 1
    assert "FAILED lemma rnn: wrong: the identity does not hold for the correct equations" in out


def test_the_sum_twins_over_one_step_are_that_steps_term():
    # The lemmas read step t's copies' gradients off the sum equations over one step.
    d, h = symbol_matrix("d", 2), symbol_matrix("h", 2)
    assert sym_bptt.grad_W_h([d], [h]) == d * h.T


# --- the Verification page -----------------------------------------------------------------------


def test_the_page_has_one_row_per_declared_lemma_proven_with_its_controls_and_code():
    from rnn_math_docs import lemmas as page

    rows = page.table().splitlines()[2:]
    declared = [(m, lemma) for m in engine.models() for lemma in m.lemmas]
    reports = page.lemma_reports()
    assert len(rows) == len(declared) == len(reports)
    for row, (model, lemma), report in zip(rows, declared, reports, strict=True):
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert cells[:2] == [model.title, lemma.name]
        assert report.controls_rejected == report.controls > 0
        assert cells[4:7] == ["proven", f"{report.controls} of {report.controls}", "yes"]
        assert cells[7] == f"[`{lemma.code.rsplit('.', 1)[-1]}`][{lemma.code}]"


def test_the_pages_sizes_are_the_declarations_own():
    from rnn_math_docs import lemmas as page

    fixed, every = page.sizes(), page.every_size()
    for model in (RNN, SEQ2SEQ):
        for lemma in model.lemmas:
            shown = ", ".join(page.size_math(name, value) for name, value in lemma.sizes.items())
            if any(isinstance(value, str) for value in lemma.sizes.values()):
                assert f"{model.title}, the {lemma.name} ({shown})" in every and lemma.name not in fixed
            else:
                assert f"{model.title}, the {lemma.name} at {shown}" in fixed  # whose lemma, too


def test_each_statement_on_the_page_names_its_model():
    from rnn_math_docs import lemmas as page

    items = page.statements().splitlines()
    declared = [(m, lemma) for m in engine.models() for lemma in m.lemmas]
    assert len(items) == len(declared)
    for item, (model, lemma) in zip(items, declared, strict=True):
        assert item.startswith(f"- **{model.title}, {lemma.name}**: ")


def test_a_size_with_a_word_as_subscript_is_set_as_text():
    from rnn_math_docs import lemmas as page

    assert page.size_math("d_hi", 1) == r"$d_{\text{hi}} = 1$"
    assert page.size_math("|V|", 2) == r"$\vert V\vert = 2$"
