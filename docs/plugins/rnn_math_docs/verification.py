"""Content of the Verification page, computed when the site is built.

Every equation in the registry is listed with the tests that carry its marker (read from the test
sources, so equations added later appear by themselves), and the BPTT gradients with the errors
their checks measure now, on small models so that the build stays fast. The negative controls are
measured the same way: each check must miss them by far more than its tolerance.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Mapping
from functools import cache, partial
from pathlib import Path

import numpy as np

from rnn_math.rnn import saturation

from rnn_math.seq2seq import saturation as seq2seq_saturation
from rnn_math.rnn.bptt import bptt
from rnn_math.verification.gradcheck import DEFAULT_TOLERANCES, check_gradients
from rnn_math.rnn.mistakes import all_mistakes, rnn_gradients
from rnn_math.rnn.params import RNNParams
from rnn_math.core.registry import registry
from rnn_math_docs.docs_index import scan_docs
from rnn_math_docs.formatting import markdown_table, scientific
from rnn_math.symbolic.rnn import bptt as sym_bptt
from rnn_math.symbolic.rnn import forward as sym_forward
from rnn_math.verification.evaluate import evaluate, relative_error, to_matrix
from rnn_math.verification.proof import generic_activation, prove_rnn_bptt, symbolic_rnn
from rnn_math.rnn.unrolled import sequence_loss

TESTS_DIR = Path(__file__).resolve().parents[3] / "tests"

#: Each checked quantity: its symbol on the page and the equations its value depends on.
QUANTITIES = {
    "U": (r"\partial L/\partial U", ("eq-bptt-output-grad", "eq-bptt-grad-u")),
    "b_2": (r"\partial L/\partial b_2", ("eq-bptt-output-grad", "eq-bptt-grad-b2")),
    "deltas": (r"\delta^1, \dots, \delta^T", ("eq-bptt-hidden-grad", "eq-bptt-delta")),
    "W_h": (r"\partial L/\partial W_h", ("eq-bptt-delta", "eq-bptt-grad-wh")),
    "W_e": (r"\partial L/\partial W_e", ("eq-bptt-delta", "eq-bptt-grad-we")),
    "b_1": (r"\partial L/\partial b_1", ("eq-bptt-delta", "eq-bptt-grad-b1")),
    "h_0": (r"\partial L/\partial h^0", ("eq-bptt-delta", "eq-bptt-grad-h0")),
    "xs": (r"\partial L/\partial x^1, \dots, \partial L/\partial x^T", ("eq-bptt-delta", "eq-bptt-grad-x")),
}
ACTIVATIONS = ("sigmoid", "tanh")


def _ref(eq_id: str) -> str:
    index = scan_docs()
    return f"[({index.number(eq_id)})][{eq_id}]" if eq_id in index.placements else f"`{eq_id}`"


def _sci(value: float) -> str:
    return f"${scientific(value)}$"


def marked_tests(tests_dir: Path = TESTS_DIR) -> dict[str, list[str]]:
    """Equation id → the tests marked ``pytest.mark.equation(id)``, as ``file::function``.

    A mark on a ``pytest.param`` case is attributed to the file (the case feeds a parametrized test).
    """
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(tests_dir.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    for eq_id in _equation_ids(decorator):
                        found[eq_id].add(f"{path.name}::{node.name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "param":
                for keyword in node.keywords:
                    for eq_id in _equation_ids(keyword.value):
                        found[eq_id].add(f"{path.name} (parametrized cases)")
    return {eq_id: sorted(tests) for eq_id, tests in found.items()}


def _equation_ids(node: ast.AST) -> list[str]:
    ids = []
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "equation":
            ids += [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return ids


def equations() -> str:
    """Every registered equation, in number order, with the tests that prove it."""
    index = scan_docs()
    tests = marked_tests()
    eqs = registry()

    def order(eq_id: str) -> tuple[int, int]:
        if eq_id not in index.placements:
            return (10**6, 0)
        chapter, position = index.number(eq_id).split(".")
        return (int(chapter), int(position))

    rows = []
    for eq_id in sorted(eqs, key=order):
        names = tests.get(eq_id, [])
        listed = "<br>".join(f"`{name}`" for name in names) or "**none**"
        rows.append([_ref(eq_id), eqs[eq_id].title, listed])
    return markdown_table(["equation", "title", "tests marked with it"], rows, "lll")


@cache
def _small_problem():
    rng = np.random.default_rng(0)
    params = RNNParams.random(d=2, D_h=3, V=4, seed=0, scale=0.8)
    xs, targets, h_0 = rng.standard_normal((3, 2)), rng.integers(0, 4, 3), rng.uniform(-0.5, 0.5, 3)
    return params, xs, targets, h_0


def _named(result) -> dict[str, np.ndarray]:
    return result.grads.as_dict() | {"h_0": result.grad_h_0, "xs": result.grad_xs, "deltas": result.deltas}


@cache
def _fifty_digit_reference(activation: str) -> dict[str, np.ndarray]:
    params, xs, targets, h_0 = _small_problem()
    W_h, W_e, b_1, U, b_2 = (to_matrix(v) for v in params.as_dict().values())
    cols = [to_matrix(x) for x in xs]
    fwd = sym_forward.forward(W_h, W_e, b_1, U, b_2, cols, list(targets), activation=activation, h_0=to_matrix(h_0))
    grads = sym_bptt.gradients(fwd, W_h, W_e, U, cols, list(targets), activation=activation)
    named = {name: evaluate(value) for name, value in grads.as_dict().items() if not name.startswith("x_")}
    named["xs"] = np.hstack([evaluate(g) for g in grads.xs]).T
    named["deltas"] = np.hstack([evaluate(d) for d in grads.deltas]).T
    return named


def _fifty_digit_errors(activation: str, replace=None) -> dict[str, float]:
    params, xs, targets, h_0 = _small_problem()
    result = rnn_gradients(params, xs, targets, activation=activation, h_0=h_0, replace=replace) if replace else bptt(
        params, xs, targets, activation=activation, h_0=h_0
    )
    reference = _fifty_digit_reference(activation)
    got = _named(result)
    return {name: relative_error(got[name], reference[name]) for name in QUANTITIES}


def _gradcheck(activation: str, replace=None):
    params, xs, targets, h_0 = _small_problem()
    result = rnn_gradients(params, xs, targets, activation=activation, h_0=h_0, replace=replace) if replace else bptt(
        params, xs, targets, activation=activation, h_0=h_0
    )
    named = _named(result)
    point = params.as_dict() | {"h_0": h_0, "xs": xs}
    loss = partial(sequence_loss, xs=None, targets=targets, activation=activation)
    return check_gradients(loss, point, {name: named[name] for name in point})


def measured() -> str:
    """The BPTT quantities with the errors each check measures now, for sigmoid and tanh."""
    digits = {a: _fifty_digit_errors(a) for a in ACTIVATIONS}
    reports = {a: _gradcheck(a) for a in ACTIVATIONS}
    rows = []
    for name, (symbol, eq_ids) in QUANTITIES.items():
        row = [f"${symbol}$", " ".join(_ref(e) for e in eq_ids)]
        row += [_sci(digits[a][name]) for a in ACTIVATIONS]
        for method in ("central", "complex"):
            row += [
                "—" if name == "deltas" else _sci(reports[a].row(name, method).normwise_error) for a in ACTIVATIONS
            ]
        rows.append(row)
    header = [
        "quantity", "equations", "50 digits, sigmoid", "50 digits, tanh",
        "central, sigmoid", "central, tanh", "complex step, sigmoid", "complex step, tanh",
    ]
    return markdown_table(header, rows, "llrrrrrr")


def setting() -> str:
    """The sizes the measured errors use."""
    params, xs, _, _ = _small_problem()
    dims = params.dims
    return (
        f"$T = {xs.shape[0]}$, $D_h = {dims.D_h}$, $d = {dims.d}$, $|V| = {dims.V}$, parameters from "
        f"$\\mathcal{{N}}(0, 0.8^2)$ and a non-zero $h^0$; every entry of every gradient is checked"
    )


def tolerances() -> str:
    """The tolerances the tests hold the checks to."""
    return (
        f"NumPy against SymPy at 50 digits: relative error at most $10^{{-12}}$; "
        f"central differences: norm-wise relative error at most ${scientific(DEFAULT_TOLERANCES['central'], 0)}$; "
        f"complex step: at most ${scientific(DEFAULT_TOLERANCES['complex'], 0)}$"
    )


@cache
def _exact_proof_summary() -> tuple[int, bool, dict[str, bool]]:
    g, _ = generic_activation("g")
    model = symbolic_rnn(2, 2, 1, 2, activation=g)
    proofs = prove_rnn_bptt(model)
    rejected = {}
    for mistake in all_mistakes("rnn"):
        result = prove_rnn_bptt(model, replace=mistake.sympy_replacement, stop_at_first=True)
        rejected[mistake.name] = not all(p.proven for p in result)
    return sum(p.entries for p in proofs), all(p.proven for p in proofs), rejected


def exact_proof() -> str:
    """One exact proof run now: a generic activation g, two steps, two hidden units."""
    entries, proven, _ = _exact_proof_summary()
    verdict = "is exactly 0" if proven else "is **not** 0"
    return (
        f"Run while this page was built, with a generic activation $g$ (its derivative $g'$ left "
        f"symbolic), $T = 2$, $D_h = 2$, $d = 1$, $|V| = 2$: for all {entries} entries of "
        f"$W_h, W_e, b_1, U, b_2, h^0, x^1, x^2$, the closed form minus SymPy's derivative {verdict}."
    )


def mistakes_table() -> str:
    """The catalogued mistakes: the equation each corrupts, the wrong formula, what is wrong."""
    rows = [
        [m.title, _ref(m.eq_id), f"${m.wrong_latex}$", m.description.replace("|", "\\|")]
        for m in all_mistakes()
    ]
    return markdown_table(["mistake", "corrupts", "wrong formula", "what is wrong"], rows, "llll")


def negative_controls() -> str:
    """Each mistake measured by each check: the errors must exceed the tolerances by far."""
    _, _, rejected = _exact_proof_summary()
    rows = []
    for mistake in all_mistakes("rnn"):
        row = [mistake.title, "rejected" if rejected[mistake.name] else "**not rejected**"]
        for activation in ACTIVATIONS:
            row.append(_sci(max(_fifty_digit_errors(activation, mistake.numpy_replacement).values())))
        for method in ("central", "complex"):
            for activation in ACTIVATIONS:
                report = _gradcheck(activation, mistake.numpy_replacement)
                row.append(_sci(max(r.normwise_error for r in report.rows if r.method == method)))
        rows.append(row)
    header = [
        "mistake", "exact proof", "50 digits, sigmoid", "50 digits, tanh",
        "central, sigmoid", "central, tanh", "complex step, sigmoid", "complex step, tanh",
    ]
    return markdown_table(header, rows, "llrrrrrr")


#: How a gradient's name reads in the saturation table; names not listed are shown as code.
_GRADIENT_SYMBOLS = {
    "W_h": "W_h", "W_e": "W_e", "b_1": "b_1", "U": "U", "b_2": "b_2", "h_0": "h^0", "xs": "x^t",
    "E_en": r"E_{\text{en}}", "E_hi": r"E_{\text{hi}}", "W_dec": r"W_{\text{dec}}", "V": "V", "c": "c",
    "W_out": r"W_{\text{out}}", "b_out": r"b_{\text{out}}",
}

Row = tuple[str, str, str]  # (model, activation, dtype)


def _gradient_label(name: str) -> str:
    symbol = _GRADIENT_SYMBOLS.get(name)
    return f"$\\partial L/\\partial {symbol}$" if symbol else f"`{name}`"


def saturation_table(errors: Mapping[Row, Mapping[str, float]], controls: Mapping[Row, Mapping[str, float]] | None = None) -> str:
    """A table of worst norm-wise errors in saturation, for any models.

    Parameters
    ----------
    errors
        (model, activation, dtype) → gradient name → the worst error of the package's gradient
        against the 50-digit reference.
    controls
        The same for the negative control (the textbook forms), shown in brackets beside each
        error; rows missing here show none.

    Returns
    -------
    str
        One row per model and gradient, one column per activation and dtype (a dash where a model
        has no such case).
    """
    controls = controls or {}
    columns = sorted({(activation, dtype) for _, activation, dtype in errors}, key=lambda c: (c[1] != "float64", c[0]))
    models = list(dict.fromkeys(model for model, _, _ in errors))
    rows = []
    for model in models:
        names = list(dict.fromkeys(n for (m, _, _), per in errors.items() if m == model for n in per))
        for name in names:
            row = [model, _gradient_label(name)]
            for activation, dtype in columns:
                error = errors.get((model, activation, dtype), {}).get(name)
                control = controls.get((model, activation, dtype), {}).get(name)
                cell = "—" if error is None else _sci(error)
                row.append(cell if control is None else f"{cell} ({_sci(control)})")
            rows.append(row)
    header = ["model", "gradient", *(f"{activation}, {dtype}" for activation, dtype in columns)]
    return markdown_table(header, rows, "ll" + "r" * len(columns))


@cache
def _rnn_saturation() -> tuple[dict[Row, dict[str, float]], dict[Row, dict[str, float]]]:
    errors, controls = {}, {}
    for dtype in saturation.DTYPES:
        for activation in saturation.ACTIVATIONS:
            row = ("vanilla RNN", activation, dtype.name)
            errors[row] = saturation.saturation_errors(activation, dtype)
            controls[row] = saturation.saturation_errors(activation, dtype, saturation.textbook_bptt)
    return errors, controls


@cache
def _seq2seq_saturation() -> tuple[dict[Row, dict[str, float]], dict[Row, dict[str, float]]]:
    errors, controls = {}, {}
    for dtype in saturation.DTYPES:
        row = ("encoder-decoder", "tanh", dtype.name)
        errors[row] = seq2seq_saturation.saturation_errors(dtype)
        controls[row] = seq2seq_saturation.saturation_errors(dtype, seq2seq_saturation.TEXTBOOK)
    return errors, controls


def saturation_errors() -> str:
    """Worst error of every gradient over the saturated cases, with the textbook forms' beside it."""
    rnn_errors, rnn_controls = _rnn_saturation()
    seq2seq_errors, seq2seq_controls = _seq2seq_saturation()
    return saturation_table(rnn_errors | seq2seq_errors, rnn_controls | seq2seq_controls)


def saturation_setting() -> str:
    """The saturated cases the table measures, and the tolerances their tests hold them to."""
    levels = ", ".join(f"{e:g}" for e in saturation.EXTREMES)
    cases = [saturation.saturated_case(e, a, dt) for e in saturation.EXTREMES for a in saturation.ACTIVATIONS for dt in saturation.DTYPES]
    margins = [float(c.params.b_2[0] - b) for c in cases for b in c.params.b_2[1:]]
    logit = max(saturation.reference(c).max_abs_logit for c in cases)
    B, T, d = cases[0].xs.shape
    dims = cases[0].params.dims
    return (
        f"largest $|z|$ of {levels}; the right output ahead of the others by margins of "
        f"{min(margins):g} to {max(margins):g} with logits up to $\\pm {logit:.0f}$; $B = {B}$, $T = {T}$, "
        f"$D_h = {dims.D_h}$, $d = {d}$, $|V| = {dims.V}$. The tests require every error below "
        f"${scientific(saturation.TOLERANCES['float64'], 0)}$ in float64 and "
        f"${scientific(saturation.TOLERANCES['float32'], 0)}$ in float32 (the reference then starts "
        f"from the float32 values)"
    )
