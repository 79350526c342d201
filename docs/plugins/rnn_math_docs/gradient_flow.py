"""Content of the Gradient-flow page: tables and figures computed when the site is built."""

from __future__ import annotations

from functools import cache

import numpy as np

from rnn_math.core.activations import get_activation
from rnn_math.core.clipping import clip_by_global_norm, clip_elementwise, global_norm
from rnn_math.rnn.bptt import bptt, output_gradient
from rnn_math.rnn.forward import hidden_states
from rnn_math.rnn.gradient_flow import (
    hidden_jacobian,
    jacobian_norm_bound,
    largest_singular_value,
    last_loss_hidden_gradients,
    step_jacobian,
)
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.truncated import truncated_bptt
from rnn_math_docs.formatting import latex_matrix, markdown_table, number, scientific
from rnn_math_docs.plots import svg_figure

ACTIVATIONS = ("sigmoid", "tanh")
#: λ_1 as multiples of 1/γ in the lag figure: below, at and above the threshold.
LAMBDA_FACTORS = (0.8, 1.0, 1.25)


def _sci(value: float) -> str:
    """A positive number in scientific notation for inline LaTeX, three significant digits."""
    return scientific(value, digits=2)


def _rotation_like(D_h: int, seed: int) -> np.ndarray:
    """A random orthogonal matrix: every singular value 1, so scaling it sets λ_1 exactly."""
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((D_h, D_h)))
    return q * np.sign(np.diag(r))


# ---- the Jacobian against central differences -----------------------------------------------


def _central_jacobian(W_h, W_e, b_1, xs, h, k, t, activation, step=1e-6):
    def h_t(h_k):
        return hidden_states(W_h, W_e, b_1, xs[k:t], activation=activation, h_0=h_k)[1][-1]

    eye = step * np.eye(h.shape[1])
    return np.stack([(h_t(h[k] + e) - h_t(h[k] - e)) / (2 * step) for e in eye], axis=1)


#: Steps of the random model whose Jacobian is compared with central differences (from h^1 to h^T).
CHECK_T = 6


def jacobian_check_steps() -> str:
    """The number of steps of the Jacobian check's random model."""
    return str(CHECK_T)


def jacobian_check() -> str:
    """The product, and two plausible wrong versions, against central differences of h^t in h^k."""
    rows = []
    T = CHECK_T
    for activation in ACTIVATIONS:
        rng = np.random.default_rng(4)
        W_h = rng.standard_normal((3, 3)) / (get_activation(activation).derivative_bound * np.sqrt(3))
        W_e, b_1, xs = rng.standard_normal((3, 2)), 0.5 * rng.standard_normal(3), rng.standard_normal((T, 2))
        z, h = hidden_states(W_h, W_e, b_1, xs, activation=activation, h_0=rng.uniform(-0.5, 0.5, 3))
        estimate = _central_jacobian(W_h, W_e, b_1, xs, h, 1, T, activation)
        right = hidden_jacobian(W_h, z, 1, T, activation)
        reversed_order = np.eye(3)
        for j in range(2, T + 1):
            reversed_order = reversed_order @ step_jacobian(W_h, z[j - 1], activation)

        def error(value: np.ndarray, estimate: np.ndarray = estimate) -> str:
            return f"${_sci(np.linalg.norm(value - estimate) / np.linalg.norm(estimate))}$"

        rows.append([activation, error(right), error(reversed_order), error(right.T)])
    return markdown_table(
        ["σ", "product, latest step on the left", "earliest step on the left", "product transposed"], rows, "lrrr"
    )


# ---- the bound on many random models ----------------------------------------------------------


#: The random models of the tightness table: how many per activation, their steps, the smallest
#: and largest width, and the range of λ_1 in multiples of 1/γ.
RANDOM_MODELS, RANDOM_T, RANDOM_WIDTHS, RANDOM_LAMBDA = 200, 20, (2, 8), (0.3, 3.0)


def random_models_setting() -> str:
    """The widths and the range of λ_1 of the random models."""
    low, high = RANDOM_LAMBDA
    return f"widths {RANDOM_WIDTHS[0]} to {RANDOM_WIDTHS[1]}, $\\lambda_1$ from ${low:g}/\\gamma$ to ${high:g}/\\gamma$"


@cache
def _random_model_ratios() -> dict[str, np.ndarray]:
    """‖∂h^t/∂h^0‖ / (γλ_1)^t for the random models of each activation, lags 1..T (rows: models)."""
    ratios: dict[str, np.ndarray] = {}
    for activation in ACTIVATIONS:
        rng = np.random.default_rng(2013)
        gamma = get_activation(activation).derivative_bound
        table = np.empty((RANDOM_MODELS, RANDOM_T))
        for m in range(RANDOM_MODELS):
            D_h = int(rng.integers(RANDOM_WIDTHS[0], RANDOM_WIDTHS[1] + 1))
            W_h = rng.standard_normal((D_h, D_h))
            low, high = np.log(RANDOM_LAMBDA)
            W_h *= np.exp(rng.uniform(low, high)) / (gamma * largest_singular_value(W_h))
            z, _ = hidden_states(
                W_h,
                rng.standard_normal((D_h, 2)),
                rng.normal(0, 0.5, D_h),
                rng.normal(0, 0.5, (RANDOM_T, 2)),
                activation=activation,
            )
            J = np.eye(D_h)
            for t in range(1, RANDOM_T + 1):
                J = step_jacobian(W_h, z[t - 1], activation) @ J
                table[m, t - 1] = np.linalg.norm(J, 2) / jacobian_norm_bound(W_h, t, activation)
        ratios[activation] = table
    return ratios


def bound_tightness() -> str:
    """How close random models come to the bound, by lag: largest and median ratio."""
    ratios = _random_model_ratios()
    rows = []
    for lag in (1, 2, 5, 10, 20):
        row = [str(lag)]
        for activation in ACTIVATIONS:
            column = ratios[activation][:, lag - 1]
            row += [f"${_sci(float(np.max(column)))}$", f"${_sci(float(np.median(column)))}$"]
        rows.append(row)
    return markdown_table(
        [
            "steps $t$ back to $h^0$",
            "sigmoid: largest $r_t$",
            "sigmoid: median $r_t$",
            "tanh: largest $r_t$",
            "tanh: median $r_t$",
        ],
        rows,
        "rrrrr",
    )


def bound_summary() -> str:
    """The number of models and lags checked, and the largest ratio seen (at most 1)."""
    ratios = _random_model_ratios()
    count = sum(r.size for r in ratios.values())
    worst = max(float(np.max(r)) for r in ratios.values())
    models = sum(r.shape[0] for r in ratios.values())
    return (
        f"Over {models} random models and {count} (model, lag) pairs, the largest ratio of "
        f"$\\lVert \\partial h^t / \\partial h^0 \\rVert_2$ to the bound was ${number(worst, 4)}$"
    )


# ---- examples around the threshold --------------------------------------------------------------


def _lag_norm(activation: str, W_h: np.ndarray, h_0: np.ndarray, b_1: np.ndarray, T: int) -> float:
    z, _ = hidden_states(W_h, np.zeros((len(b_1), 1)), b_1, np.zeros((T, 1)), activation=activation, h_0=h_0)
    return float(np.linalg.norm(hidden_jacobian(W_h, z, 0, T, activation), 2))


#: Steps of the threshold examples.
THRESHOLD_T = 40


def _threshold_cases() -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray, str]]:
    """(activation, W_h, h^0, b_1, label) of each threshold example; the saturated ones last."""
    angle = 0.7
    Q = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return [
        ("tanh", 0.9 * Q, np.zeros(2), np.zeros(2), "$\\lambda_1 < 1/\\gamma$: vanishes, as guaranteed"),
        ("tanh", 1.0 * Q, np.zeros(2), np.zeros(2), "$\\lambda_1 = 1/\\gamma$: cannot grow"),
        ("tanh", 1.5 * Q, np.zeros(2), np.zeros(2), "$\\lambda_1 > 1/\\gamma$, units at $z = 0$: explodes"),
        ("tanh", 3.0 * np.eye(2), np.ones(2), np.zeros(2), "$\\lambda_1 > 1/\\gamma$, units saturated: vanishes"),
        ("sigmoid", 6.0 * Q, np.full(2, 0.5), -6.0 * Q @ np.full(2, 0.5),
         "$\\lambda_1 > 1/\\gamma$, units at $z = 0$: explodes"),
        ("sigmoid", 12.0 * np.eye(2), np.ones(2), np.full(2, -6.0),
         "$\\lambda_1 > 1/\\gamma$, units saturated: vanishes"),
    ]  # fmt: skip


def threshold_setting() -> str:
    """The threshold examples' width and steps, read off the cases and `THRESHOLD_T`."""
    widths = {W_h.shape[0] for _, W_h, _, _, _ in _threshold_cases()}
    if len(widths) != 1:
        raise ValueError(f"threshold examples: expected one width for all, got {sorted(widths)}")
    (width,) = widths
    return f"{width} hidden units and no input, for {THRESHOLD_T} steps"


def saturated_lambda() -> str:
    """λ_1 of the saturated examples, as a multiple of 1/γ (the same for both activations)."""
    factors = {
        round(get_activation(activation).derivative_bound * largest_singular_value(W_h), 12)
        for activation, W_h, _, _, label in _threshold_cases()
        if "saturated" in label
    }
    if len(factors) != 1:
        raise ValueError(f"saturated examples: expected one multiple of 1/γ for both, got {sorted(factors)}")
    (factor,) = factors
    return f"$\\lambda_1 = {factor:g}/\\gamma$"


def threshold_examples() -> str:
    """One example per case: sufficient for vanishing, necessary for exploding, neither converse."""
    T = THRESHOLD_T
    rows = []
    for activation, W_h, h_0, b_1, label in _threshold_cases():
        gamma = get_activation(activation).derivative_bound
        lam = largest_singular_value(W_h)
        rows.append(
            [
                activation,
                f"${number(lam, 2)}$",
                f"${number(gamma * lam, 3)}$",
                f"${_sci(_lag_norm(activation, W_h, h_0, b_1, T))}$",
                f"${_sci(jacobian_norm_bound(W_h, T, activation))}$",
                label,
            ]
        )
    return markdown_table(
        [
            "σ",
            "$\\lambda_1$",
            "$\\gamma\\lambda_1$",
            f"$\\lVert \\partial h^{{{T}}}/\\partial h^0 \\rVert_2$",
            f"bound $(\\gamma\\lambda_1)^{{{T}}}$",
            "case",
        ],
        rows,
        "lrrrrl",
    )


def saturated_cases() -> str:
    """How each saturated example is built, and where its units settle: W_h, h^0, b_1, h^T, σ'(z^T)/γ."""
    items = []
    for activation, W_h, h_0, b_1, label in _threshold_cases():
        if "saturated" not in label:
            continue
        act = get_activation(activation)
        z, h = hidden_states(
            W_h, np.zeros((len(b_1), 1)), b_1, np.zeros((THRESHOLD_T, 1)), activation=activation, h_0=h_0
        )
        slopes = act.derivative(z[-1])
        T = THRESHOLD_T
        items.append(
            f"- {activation}: $W_h = {latex_matrix(W_h, 0)}$, $h^0 = {latex_matrix(h_0, 0)}$, "
            f"$b_1 = {latex_matrix(b_1, 0)}$. The state settles at $h^{{{T}}} = {latex_matrix(h[-1])}$, "
            f"where the slopes are $\\sigma'(z^{{{T}}}) = {latex_matrix(slopes)}$, at most "
            f"${number(float(np.max(slopes)) / act.derivative_bound, 3)}\\,\\gamma$"
        )
    return "\n".join(items)


# ---- figure: gradient norm against lag ----------------------------------------------------------


#: Sizes of the lag figure's models: steps, hidden width, input width, vocabulary, sequences.
LAG_SIZES = {"T": 50, "D_h": 16, "d": 4, "V": 8, "B": 16}


@cache
def _lag_curves() -> dict[tuple[str, float], tuple[np.ndarray, np.ndarray]]:
    """‖∂L^T/∂h^k‖ (mean over a batch) and its bound, for k = T..0, per activation and λ_1."""
    T, D_h, d, V, B = (LAG_SIZES[name] for name in ("T", "D_h", "d", "V", "B"))
    curves = {}
    for activation in ACTIVATIONS:
        gamma = get_activation(activation).derivative_bound
        for factor in LAMBDA_FACTORS:
            rng = np.random.default_rng(5)
            W_h = (factor / gamma) * _rotation_like(D_h, 5)
            # Centre the units: with h = 1/2 (sigmoid) or 0 (tanh) the bias puts z at 0.
            centre = np.full(D_h, 0.5 if activation == "sigmoid" else 0.0)
            b_1 = -W_h @ centre
            W_e = 0.5 * rng.standard_normal((D_h, d)) / np.sqrt(d)
            U = rng.standard_normal((V, D_h)) / np.sqrt(D_h)
            xs = rng.standard_normal((B, T, d))
            z, h = hidden_states(W_h, W_e, b_1, xs, activation=activation, h_0=np.broadcast_to(centre, (B, D_h)))
            logits = h[:, -1] @ U.T
            y_hat = np.exp(logits - logits.max(axis=-1, keepdims=True))
            y_hat /= y_hat.sum(axis=-1, keepdims=True)
            out = output_gradient(y_hat, rng.integers(0, V, B))
            grads = last_loss_hidden_gradients(U, W_h, out, z, activation)  # (B, T + 1, D_h)
            norms = np.linalg.norm(grads, axis=-1)  # (B, T + 1); column k is ∂L^T/∂h^k
            lags = np.arange(T + 1)
            mean_norm = np.exp(np.mean(np.log(norms[:, ::-1]), axis=0))  # geometric mean, by lag T − k
            bound = np.exp(np.mean(np.log(norms[:, -1]))) * (gamma * largest_singular_value(W_h)) ** lags
            curves[(activation, factor)] = (mean_norm, bound)
    return curves


def lag_figure() -> str:
    """‖∂L^T/∂h^k‖ against T − k on a log scale, sigmoid and tanh, λ_1 below, at and above 1/γ."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(7.2, 3.4), layout="constrained", sharey=True)
    colours = {0.8: "#3f51b5", 1.0: "#2e7d32", 1.25: "#c62828"}
    for ax, activation in zip(axes, ACTIVATIONS, strict=True):
        gamma = get_activation(activation).derivative_bound
        for factor in LAMBDA_FACTORS:
            norm, bound = _lag_curves()[(activation, factor)]
            lags = np.arange(len(norm))
            label = f"λ₁ = {factor:g}/γ"
            ax.semilogy(lags, norm, color=colours[factor], label=label)
            ax.semilogy(lags, bound, color=colours[factor], linestyle="--", linewidth=0.9)
        ax.set_title(f"{activation} (γ = {gamma:g})")
        ax.set_xlabel("lag T − k")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel(r"$\|\partial L^T / \partial h^k\|$")
    axes[0].set_ylim(1e-12, 1e6)
    axes[1].legend(fontsize=8, loc="lower left")
    return svg_figure(
        figure,
        f"Solid: ‖∂L<sup>T</sup>/∂h<sup>k</sup>‖ (geometric mean over {LAG_SIZES['B']} random sequences, "
        f"{LAG_SIZES['D_h']} hidden units, W<sub>h</sub> a scaled orthogonal matrix). Dashed: the bound "
        "(γλ<sub>1</sub>)<sup>T−k</sup>‖∂L<sup>T</sup>/∂h<sup>T</sup>‖. Computed when this page was built.",
    )


# ---- figure: truncation error against k ---------------------------------------------------------


#: Sizes of the truncation figure's models: steps, hidden width, input width, vocabulary, sequences.
TRUNCATION_SIZES = {"T": 40, "D_h": 16, "d": 4, "V": 8, "B": 8}


def truncation_steps() -> str:
    """The length of the truncation figure's sequences."""
    return str(TRUNCATION_SIZES["T"])


@cache
def _truncation_errors() -> dict[tuple[str, float], np.ndarray]:
    """‖∇_{W_h} L̃_k − ∇_{W_h} L‖ / ‖∇_{W_h} L‖ for k = 1..T, per activation and λ_1."""
    T, D_h, d, V, B = (TRUNCATION_SIZES[name] for name in ("T", "D_h", "d", "V", "B"))
    errors = {}
    for activation in ACTIVATIONS:
        gamma = get_activation(activation).derivative_bound
        for factor in LAMBDA_FACTORS:
            rng = np.random.default_rng(6)
            W_h = (factor / gamma) * _rotation_like(D_h, 6)
            centre = np.full(D_h, 0.5 if activation == "sigmoid" else 0.0)
            params = RNNParams(
                W_h=W_h,
                W_e=0.5 * rng.standard_normal((D_h, d)) / np.sqrt(d),
                b_1=-W_h @ centre,
                U=rng.standard_normal((V, D_h)) / np.sqrt(D_h),
                b_2=np.zeros(V),
            )
            xs, targets = rng.standard_normal((B, T, d)), rng.integers(0, V, (B, T))
            h_0 = np.broadcast_to(centre, (B, D_h))
            full = bptt(params, xs, targets, activation=activation, h_0=h_0).grads.grad_W_h
            errors[(activation, factor)] = np.array(
                [
                    np.linalg.norm(
                        truncated_bptt(params, xs, targets, k, activation=activation, h_0=h_0).grads.grad_W_h - full
                    )
                    / np.linalg.norm(full)
                    for k in range(1, T + 1)
                ]
            )
    return errors


def truncation_figure() -> str:
    """Relative error of truncated BPTT's ∂/∂W_h against the full gradient, as a function of k."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(7.2, 3.2), layout="constrained", sharey=True)
    colours = {0.8: "#3f51b5", 1.0: "#2e7d32", 1.25: "#c62828"}
    for ax, activation in zip(axes, ACTIVATIONS, strict=True):
        gamma = get_activation(activation).derivative_bound
        for factor in LAMBDA_FACTORS:
            err = _truncation_errors()[(activation, factor)]
            ks = np.arange(1, len(err) + 1)
            shown = np.maximum(err, 1e-17)  # k = T is exact: drawn at the floor of the axis
            ax.semilogy(ks, shown, color=colours[factor], marker=".", markersize=3, label=f"λ₁ = {factor:g}/γ")
        ax.set_title(f"{activation} (γ = {gamma:g})")
        ax.set_xlabel("truncation length k")
        ax.set_ylim(1e-17, 10)
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel(r"relative error of $\partial / \partial W_h$")
    axes[1].legend(fontsize=8, loc="lower left")
    return svg_figure(
        figure,
        "‖∇<sub>W<sub>h</sub></sub>L̃<sub>k</sub> − ∇<sub>W<sub>h</sub></sub>L‖ / ‖∇<sub>W<sub>h</sub></sub>L‖ "
        f"for T = {TRUNCATION_SIZES['T']} ({TRUNCATION_SIZES['B']} random sequences, "
        f"{TRUNCATION_SIZES['D_h']} hidden units). At k = T the truncated gradient is the "
        "full one. Computed when this page was built.",
    )


def truncation_table() -> str:
    """The relative error at a few k, read off the same computation as the figure."""
    errors = _truncation_errors()
    T = TRUNCATION_SIZES["T"]
    ks = (1, 5, 10, 20, T - 1, T)
    rows = []
    for activation in ACTIVATIONS:
        for factor in LAMBDA_FACTORS:
            err = errors[(activation, factor)]
            rows.append([activation, f"${factor:g}/\\gamma$"] + [f"${_sci(float(err[k - 1]))}$" for k in ks])
    return markdown_table(["σ", "$\\lambda_1$", *[f"$k = {k}$" for k in ks]], rows, "ll" + "r" * len(ks))


# ---- clipping in numbers ------------------------------------------------------------------------

#: The norm threshold of the clipping example (min-char-rnn's limit), unless the gradient is shorter.
CLIP_NORM = 5.0
#: Steps of the clipping example's sequence.
CLIP_T = 20


def clipping_steps() -> str:
    """The length of the clipping example's sequence."""
    return str(CLIP_T)


@cache
def _clipping_setting() -> tuple[dict[str, np.ndarray], float, float]:
    """The example's gradient, its norm threshold c and its entry limit (half its largest entry)."""
    params = RNNParams.random(d=3, D_h=4, V=5, seed=4, scale=1.5)
    rng = np.random.default_rng(4)
    xs, targets = rng.standard_normal((CLIP_T, 3)), rng.integers(0, 5, CLIP_T)
    grads = bptt(params, xs, targets, activation="tanh").grads.as_dict()
    norm = global_norm(grads)
    # Each threshold must bind, or the example would show nothing: c below the norm, and the
    # entry limit below the largest entry.
    c = CLIP_NORM if norm > CLIP_NORM else norm / 2
    limit = float(np.max(np.abs(np.concatenate([g.ravel() for g in grads.values()])))) / 2
    return grads, c, limit


def clipping_thresholds() -> str:
    """Where the example's two thresholds come from, with the gradient's own numbers."""
    grads, c, limit = _clipping_setting()
    norm = global_norm(grads)
    largest = float(np.max(np.abs(np.concatenate([g.ravel() for g in grads.values()]))))
    norm_rule = (
        f"the norm threshold is $c = {number(c, 2)}$, below the gradient's norm ${number(norm)}$"
        if c == CLIP_NORM
        else f"the norm threshold is half the gradient's norm, $c = {number(norm)}/2 = {number(c, 2)}$"
    )
    return (
        f"{norm_rule}; the entry limit is half the gradient's largest entry, "
        f"$\\max_i \\lvert g_i \\rvert / 2 = {number(largest)}/2 = {number(limit, 2)}$, so that some entries are "
        f"clipped and others are not"
    )


def clipping_example() -> str:
    """Both clippings applied to one real BPTT gradient: norms, largest entries, direction."""
    grads, c, limit = _clipping_setting()
    norm = global_norm(grads)
    by_norm, _ = clip_by_global_norm(grads, c)
    by_entry = clip_elementwise(grads, limit)

    def flat(g: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([v.ravel() for v in g.values()])

    original = flat(grads)

    def cosine(g: dict[str, np.ndarray]) -> str:
        v = flat(g)
        return number(float(v @ original / (np.linalg.norm(v) * np.linalg.norm(original))), 6)

    rows = [
        ["none", f"${number(norm)}$", f"${number(float(np.max(np.abs(original))))}$", f"${cosine(grads)}$"],
        [
            f"global norm, $c = {number(c, 2)}$",
            f"${number(global_norm(by_norm))}$",
            f"${number(float(np.max(np.abs(flat(by_norm)))))}$",
            f"${cosine(by_norm)}$",
        ],
        [
            f"element-wise, $c = {number(limit, 2)}$",
            f"${number(global_norm(by_entry))}$",
            f"${number(float(np.max(np.abs(flat(by_entry)))))}$",
            f"${cosine(by_entry)}$",
        ],
    ]
    return markdown_table(
        ["clipping", "$\\lVert g \\rVert$", "largest $\\lvert g_i \\rvert$", "cosine with $g$"], rows, "lrrr"
    )
