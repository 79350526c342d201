"""Exact proofs that a closed-form gradient is the derivative of a loss: a difference that is 0.

The method, usable for any model whose loss is built from SymPy expressions:

1. Build the loss with every parameter entry (and every input entry) its own symbol
   ([`symbol_matrix`][rnn_math.verification.proof.symbol_matrix]), so the result holds for all values.
2. Differentiate it with SymPy with respect to every entry
   ([`autodiff_gradient`][rnn_math.verification.proof.autodiff_gradient]): SymPy's chain rule,
   independent of the derivation on the page.
3. Compare with the closed form built by the twins, entry by entry
   ([`prove_gradients`][rnn_math.verification.proof.prove_gradients]). The difference is "frozen"
   ([`Freezer`][rnn_math.verification.proof.Freezer]): every function application (σ(·), tanh(·),
   exp(·), g(·), g'(·)) and every reciprocal of a sum (the softmax normaliser) is replaced by a
   fresh symbol, the same node always by the same symbol. What is left is a polynomial, and a
   polynomial is identically 0 exactly when, expanded, it has no terms
   ([`polynomial`][rnn_math.verification.proof.polynomial] expands it in an exact polynomial ring).
   ``simplify()`` would also decide this, one to two orders of magnitude more slowly and without
   a guarantee of success.

Freezing is sound: the fresh symbols stand for well-defined expressions, so substituting them
back into a zero polynomial gives 0. Two equal arguments always get the same symbol, because
arguments are frozen and expanded before they are compared. (It could only err the other way:
report "not proven" for a true identity whose equal sub-expressions were written unequally.)

Write the per-step cross-entropy as ``−θ_k + log Σ_j exp θ_j`` (as
[`rnn_math.symbolic.rnn.forward.step_loss`][rnn_math.symbolic.rnn.forward.step_loss] does), the sigmoid as
the compact [`Sigmoid`][rnn_math.symbolic.activations.Sigmoid], and a generic activation with
[`generic_activation`][rnn_math.verification.proof.generic_activation]: its derivative g' is a
function SymPy knows nothing about, so a proof made with it holds for every differentiable
activation.

The RNN's proof, end to end, is [`prove_rnn_bptt`][rnn_math.verification.proof.prove_rnn_bptt]; other
models (the encoder-decoder) reuse steps 1-3 with their own loss and closed forms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp
from sympy.polys.rings import PolyElement

from rnn_math.symbolic.rnn import bptt as sym_bptt
from rnn_math.symbolic.rnn import forward as sym_forward
from rnn_math.symbolic.types import Expr, Matrix


def symbol_matrix(name: str, rows: int, cols: int = 1) -> Matrix:
    """A matrix whose every entry is its own real symbol (``name_i_j``, or ``name_i`` for a column)."""
    return sym_forward.matrix_symbols(name, rows, cols)


def generic_activation(name: str = "g") -> tuple[type[sp.Function], type[sp.Function]]:
    """A SymPy activation g whose derivative is an undefined function g'.

    Returns
    -------
    (g, g_prime)
        Two SymPy function classes: ``sympy.diff(g(x), x)`` is ``g_prime(x)``, and nothing else is
        known about either. Used as the activation of an RNN, the proof assumes nothing but
        differentiability.
    """
    g_prime = sp.Function(f"{name}'")

    def fdiff(self: sp.Function, argindex: int = 1) -> Expr:
        return g_prime(self.args[0])

    return type(name, (sp.Function,), {"fdiff": fdiff}), g_prime


@dataclass
class Freezer:
    """Turns an expression into a polynomial by replacing its non-polynomial nodes by fresh symbols.

    One freezer must serve both sides of a comparison (and may serve many comparisons of one
    model): the same node always becomes the same symbol. Results are memoised per node, which is
    what keeps unrolled networks (a DAG with heavy sharing) fast.
    """

    symbols: dict[Expr, sp.Symbol] = field(default_factory=dict)
    _memo: dict[Expr, Expr] = field(default_factory=dict)

    def _fresh(self, key: Expr) -> sp.Symbol:
        if key not in self.symbols:
            self.symbols[key] = sp.Symbol(f"_frozen{len(self.symbols)}")
        return self.symbols[key]

    def __call__(self, expr: Expr) -> Expr:
        """The frozen (polynomial) form of `expr`."""
        if expr in self._memo:
            return self._memo[expr]
        if expr.is_Atom:
            result = expr
        elif expr.is_Add or expr.is_Mul:
            result = expr.func(*[self(arg) for arg in expr.args])
        elif expr.is_Pow and expr.exp.is_Integer and expr.exp > 0:
            result = self(expr.base) ** expr.exp
        elif expr.is_Pow and expr.exp.is_Integer:
            # A reciprocal (the softmax normaliser 1/Σ exp θ_j): a symbol for 1/base.
            result = self._fresh(sp.Pow(sp.expand(self(expr.base)), -1, evaluate=False)) ** (-expr.exp)
        elif isinstance(expr, sp.Function):
            result = self._fresh(expr.func(*[sp.expand(self(arg)) for arg in expr.args]))
        else:  # anything else (a Derivative, a Subs): opaque as it stands
            result = self._fresh(expr)
        self._memo[expr] = result
        return result

    def is_zero(self, expr: Expr) -> bool:
        """True when `expr` is identically 0: its frozen form, as a polynomial, has no terms at all."""
        return not polynomial(self(expr)).terms()


def polynomial(expr: Expr) -> PolyElement:
    """A polynomial expression (sums, products, non-negative integer powers of symbols and rationals)
    as an element of the ring ℚ[its symbols].

    Built node by node with memoisation, so a sub-expression shared by many terms is converted
    once; this is about thirty times faster than ``sympy.expand`` on an unrolled network's
    gradient, and the ring's arithmetic is exact.

    Raises
    ------
    ValueError
        On a node that is not polynomial (freeze the expression first), or a float coefficient
        (an exact proof needs exact numbers).
    """
    generators = sorted(expr.free_symbols, key=sp.default_sort_key)
    R, *_ = sp.polys.rings.ring(generators, sp.QQ) if generators else (sp.polys.rings.ring("_none", sp.QQ)[0],)
    gens = dict(zip(generators, R.gens, strict=False))
    memo: dict[Expr, PolyElement] = {}

    def convert(node: Expr) -> PolyElement:
        if node in memo:
            return memo[node]
        if node.is_Symbol:
            result = gens[node]
        elif node.is_Rational:
            result = R(sp.QQ.from_sympy(node))
        elif node.is_Add:
            result = R.zero
            for arg in node.args:
                result = result + convert(arg)
        elif node.is_Mul:
            result = R.one
            for arg in node.args:
                result = result * convert(arg)
        elif node.is_Pow and node.exp.is_Integer and node.exp >= 0:
            result = convert(node.base) ** int(node.exp)
        else:
            raise ValueError(f"expr: expected a polynomial with rational coefficients, found {node}")
        memo[node] = result
        return result

    return convert(expr)


def autodiff_gradient(loss: Expr, variable: Matrix) -> Matrix:
    """SymPy's derivative of `loss` with respect to every entry of a symbol matrix."""
    return variable.applyfunc(lambda s: sp.diff(loss, s))


@dataclass(frozen=True)
class GradientProof:
    """The outcome of proving one variable's closed-form gradient.

    Attributes
    ----------
    variable
        Its name (``"W_h"``, ``"x_2"``, …).
    entries
        How many entries were compared.
    nonzero
        Indices of entries whose difference is not identically 0 (empty when proven).
    """

    variable: str
    entries: int
    nonzero: tuple[tuple[int, int], ...]

    @property
    def proven(self) -> bool:
        """Every entry's difference is exactly 0."""
        return not self.nonzero


def prove_gradients(
    loss: Expr,
    variables: Mapping[str, Matrix],
    closed_forms: Mapping[str, Matrix],
    *,
    freezer: Freezer | None = None,
    stop_at_first: bool = False,
) -> list[GradientProof]:
    """Prove ``closed_forms[name] == ∂loss/∂variables[name]`` exactly, entry by entry.

    Parameters
    ----------
    loss
        The scalar loss, built from the symbols.
    variables
        Symbol matrices by name.
    closed_forms
        The claimed gradients, by the same names, each shaped like its variable.
    freezer
        A shared freezer (a new one by default).
    stop_at_first
        Stop at the first entry that is not proven (negative controls need only one).

    Returns
    -------
    list[GradientProof]
        One per variable, in the order of `variables`.
    """
    if set(variables) != set(closed_forms):
        raise ValueError(f"closed_forms: expected the names {sorted(variables)}, got {sorted(closed_forms)}")
    freezer = freezer or Freezer()
    proofs: list[GradientProof] = []
    for name, variable in variables.items():
        claimed = closed_forms[name]
        if claimed.shape != variable.shape:
            raise ValueError(f"closed_forms[{name!r}]: expected shape {variable.shape}, got {claimed.shape}")
        nonzero = []
        for i in range(variable.rows):
            for j in range(variable.cols):
                if not freezer.is_zero(sp.diff(loss, variable[i, j]) - claimed[i, j]):
                    nonzero.append((i, j))
                    if stop_at_first:
                        return [*proofs, GradientProof(name, variable.rows * variable.cols, tuple(nonzero))]
        proofs.append(GradientProof(name, variable.rows * variable.cols, tuple(nonzero)))
    return proofs


@dataclass(frozen=True)
class SymbolicRNN:
    """A vanilla RNN whose every parameter, input and initial-state entry is a symbol.

    Attributes
    ----------
    variables
        ``W_h``, ``W_e``, ``b_1``, ``U``, ``b_2``, ``h_0``, ``x_1`` … ``x_T``: symbol matrices.
    xs
        The input columns x^1..x^T (the same matrices as ``variables["x_t"]``).
    targets
        Correct indices k_1..k_T.
    activation
        What σ is: ``"sigmoid"``, ``"tanh"`` or a SymPy function class.
    fwd
        The symbolic forward pass; ``fwd.loss`` is L.
    """

    variables: dict[str, Matrix]
    xs: tuple[Matrix, ...]
    targets: tuple[int, ...]
    activation: str | Callable[[Expr], Expr]
    fwd: sym_forward.SymbolicForward


def symbolic_rnn(
    T: int,
    D_h: int,
    d: int,
    V: int,
    *,
    activation: str | Callable[[Expr], Expr] = "sigmoid",
    targets: Sequence[int] | None = None,
) -> SymbolicRNN:
    """Unroll a fully symbolic RNN for T steps.

    Parameters
    ----------
    T, D_h, d, V
        Steps, hidden width, input width, vocabulary size.
    activation
        ``"sigmoid"``, ``"tanh"`` or a SymPy function (a generic g).
    targets
        Correct indices; by default step t's is ``t mod V``, so several classes are targets.
    """
    W_h, W_e, b_1 = symbol_matrix("W_h", D_h, D_h), symbol_matrix("W_e", D_h, d), symbol_matrix("b_1", D_h)
    U, b_2, h_0 = symbol_matrix("U", V, D_h), symbol_matrix("b_2", V), symbol_matrix("h_0", D_h)
    xs = tuple(symbol_matrix(f"x{t + 1}", d) for t in range(T))
    ks = tuple(targets) if targets is not None else tuple(t % V for t in range(T))
    fwd = sym_forward.forward(W_h, W_e, b_1, U, b_2, xs, ks, activation=activation, h_0=h_0)
    variables = {"W_h": W_h, "W_e": W_e, "b_1": b_1, "U": U, "b_2": b_2, "h_0": h_0}
    variables |= {f"x_{t + 1}": x for t, x in enumerate(xs)}
    return SymbolicRNN(variables, xs, ks, activation, fwd)


def rnn_closed_forms(
    model: SymbolicRNN, replace: Mapping[str, Callable[..., Matrix]] | None = None
) -> dict[str, Matrix]:
    """The closed-form gradients of a symbolic RNN, built by the twins (optionally with a wrong one)."""
    v = model.variables
    grads = sym_bptt.gradients(
        model.fwd, v["W_h"], v["W_e"], v["U"], model.xs, model.targets, activation=model.activation, replace=replace
    )
    return grads.as_dict()


def prove_rnn_bptt(
    model: SymbolicRNN,
    *,
    replace: Mapping[str, Callable[..., Matrix]] | None = None,
    only: Sequence[str] | None = None,
    stop_at_first: bool = False,
) -> list[GradientProof]:
    """Prove every BPTT closed form of a symbolic RNN equal to SymPy's derivative of its loss.

    Parameters
    ----------
    model
        From [`symbolic_rnn`][rnn_math.verification.proof.symbolic_rnn].
    replace
        Wrong versions of equations by id (negative controls); none by default.
    only
        Names of the variables to prove (all by default).
    stop_at_first
        Stop at the first entry that is not proven.
    """
    closed = rnn_closed_forms(model, replace)
    names = list(only) if only is not None else list(model.variables)
    return prove_gradients(
        model.fwd.loss,
        {n: model.variables[n] for n in names},
        {n: closed[n] for n in names},
        stop_at_first=stop_at_first,
    )
