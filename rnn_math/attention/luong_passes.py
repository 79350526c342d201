"""The forward and backward passes with Luong's multiplicative score, composed from the equations.

The same decoder as [`rnn_math.attention.passes`][rnn_math.attention.passes]: the score of step t
reads s_{t-1}, the context enters the decoder step through W_c. Only the score and the gradients
it sends back change ([`rnn_math.attention.luong_equations`][rnn_math.attention.luong_equations]).
The parameters are the encoder-decoder's ten, W_a (D_h × D_h) and W_c: an
[`AttentionParams`][rnn_math.attention.params.AttentionParams] with n_a = D_h serves, its U_a and
v_a unread, or a mapping holding only these twelve.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from rnn_math.attention.forward_equations import attention_context, attention_decoder_state, attention_weights
from rnn_math.attention.luong_equations import luong_scores
from rnn_math.attention.params import AttentionParams
from rnn_math.core.types import Array
from rnn_math.rnn.forward import softmax
from rnn_math.seq2seq.forward_equations import context, decoder_logits, embed, seq2seq_loss, teacher_forcing
from rnn_math.seq2seq.params import PARAMETER_NAMES as SEQ2SEQ_NAMES
from rnn_math.seq2seq.params import Tokens
from rnn_math.seq2seq.passes import encode
from rnn_math.verification.declaration import equation_functions

#: The parameters of the multiplicative form: the encoder-decoder's, the score's W_a and W_c.
LUONG_PARAMETER_NAMES: tuple[str, ...] = (*SEQ2SEQ_NAMES, "W_a", "W_c")

#: The forward equations of this form, in derivation order.
LUONG_FORWARD_EQUATIONS: tuple[str, ...] = (
    "eq-luong-score", "eq-attention-weights", "eq-attention-context", "eq-attention-decoder-state",
)  # fmt: skip

#: The equations [`run_luong_backward`][rnn_math.attention.luong_passes.run_luong_backward] composes,
#: in derivation order: the ids a replacement may name (``@T``: the encoder state's gradient at j = T).
LUONG_BACKWARD_EQUATIONS: tuple[str, ...] = (
    "eq-bptt-output-grad", "eq-decoder-grad-wout", "eq-decoder-grad-bout", "eq-luong-state-grad",
    "eq-decoder-delta", "eq-attention-context-grad", "eq-attention-weight-grad", "eq-attention-softmax-grad",
    "eq-luong-grad-wa", "eq-attention-grad-wc", "eq-decoder-grad-wdec", "eq-decoder-grad-v", "eq-decoder-grad-c",
    "eq-luong-handoff", "eq-luong-annotation-grad@T", "eq-luong-annotation-grad", "eq-encoder-state-grad",
    "eq-bptt-delta", "eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-x", "eq-embedding-grad",
)  # fmt: skip


@dataclass(frozen=True)
class LuongForward:
    """Every intermediate of one forward pass over a batch (leading axis B).

    As [`AttentionForward`][rnn_math.attention.passes.AttentionForward], without the score
    pre-activations m (a bilinear score has none).
    """

    x: Array
    z: Array
    h: Array
    inputs: Tokens
    y: Array
    e: Array
    alpha: Array
    contexts: Array
    a: Array
    s: Array
    o: Array
    p: Array
    loss: float | complex


@dataclass(frozen=True)
class LuongBackward:
    """The loss, the gradients of the twelve parameters by name, and the errors that produced them.

    As [`AttentionBackward`][rnn_math.attention.passes.AttentionBackward], without ε: the scores'
    gradients ∂L/∂e_{t,j} (``grad_scores``, shape (B, T', T)) go straight to s_{t-1}, h_j and W_a.
    """

    loss: float
    grads: dict[str, Array]
    output_grads: Array
    deltas_dec: Array
    grad_contexts: Array
    grad_scores: Array
    grad_s0: Array
    grad_annotations: Array
    deltas_enc: Array
    forward: LuongForward


def _luong_arrays(params: AttentionParams | Mapping[str, Array]) -> dict[str, Array]:
    """The twelve arrays of the multiplicative form, or a clear error when W_a does not fit it."""
    p = params.as_dict() if isinstance(params, AttentionParams) else params
    missing = [name for name in LUONG_PARAMETER_NAMES if name not in p]
    if missing:
        raise KeyError(f"params: expected the arrays {list(LUONG_PARAMETER_NAMES)}, got none for {missing}")
    D_h = p["W_h"].shape[0]
    if np.shape(p["W_a"]) != (D_h, D_h):
        raise ValueError(
            f"W_a: expected shape (D_h, D_h) = ({D_h}, {D_h}) for the multiplicative score, got {np.shape(p['W_a'])}"
        )
    return {name: p[name] for name in LUONG_PARAMETER_NAMES}


def run_luong_forward(params: AttentionParams | Mapping[str, Array], source: Tokens, targets: Tokens) -> LuongForward:
    """Forward pass over a batch with teacher forcing and multiplicative scores.

    Parameters
    ----------
    params
        An `AttentionParams` with n_a = D_h, or a mapping of the twelve arrays (complex entries allowed).
    source, targets
        Token indices, shape (B, T) and (B, T'), as for [`run_forward`][rnn_math.attention.passes.run_forward].

    Raises
    ------
    KeyError, ValueError
        If an array is missing, or W_a is not D_h × D_h.
    """
    p = _luong_arrays(params)
    x, z, h = encode(p, source)
    annotations = h[:, 1:]
    inputs = teacher_forcing(targets, p["E_hi"].shape[0] - 1)
    y = embed(p["E_hi"], inputs)
    B, T_dec, _ = y.shape
    T_enc, D_h = z.shape[1], h.shape[-1]
    dtype = np.result_type(h, y, *(p[name] for name in ("W_dec", "V", "c", "W_a", "W_c")))
    e, alpha = np.empty((B, T_dec, T_enc), dtype=dtype), np.empty((B, T_dec, T_enc), dtype=dtype)
    contexts, a = np.empty((B, T_dec, D_h), dtype=dtype), np.empty((B, T_dec, D_h), dtype=dtype)
    s = np.empty((B, T_dec + 1, D_h), dtype=dtype)
    s[:, 0] = context(h)
    for t in range(T_dec):
        e[:, t] = luong_scores(p["W_a"], s[:, t], annotations)
        alpha[:, t] = attention_weights(e[:, t])
        contexts[:, t] = attention_context(alpha[:, t], annotations)
        a[:, t], s[:, t + 1] = attention_decoder_state(
            p["W_dec"], s[:, t], p["V"], y[:, t], p["W_c"], contexts[:, t], p["c"]
        )
    o = decoder_logits(p["W_out"], s[:, 1:], p["b_out"])
    return LuongForward(x, z, h, inputs, y, e, alpha, contexts, a, s, o, softmax(o), seq2seq_loss(o, targets))


def luong_loss(params: Mapping[str, Array], source: Tokens, targets: Tokens) -> float | complex:
    """The loss alone, for a batch, from the twelve arrays given as a dict (complex entries allowed)."""
    return run_luong_forward(params, np.asarray(source), np.asarray(targets)).loss


def run_luong_backward(
    params: AttentionParams | Mapping[str, Array],
    source: Tokens,
    targets: Tokens,
    *,
    replace: Mapping[str, Callable[..., Array]] | None = None,
) -> LuongBackward:
    """Loss and the twelve gradients by backpropagation, with multiplicative scores.

    `replace` maps equation ids (among `LUONG_BACKWARD_EQUATIONS`) to wrong versions with the
    same signature: the negative controls use it.

    Raises
    ------
    KeyError, ValueError
        As [`run_luong_forward`][rnn_math.attention.luong_passes.run_luong_forward].
    """
    eq = equation_functions(LUONG_BACKWARD_EQUATIONS, replace)
    fp = run_luong_forward(params, source, targets)
    P = _luong_arrays(params)
    annotations = fp.h[:, 1:]
    T_enc, T_dec = fp.z.shape[1], fp.o.shape[1]
    n_en, n_hi = P["E_en"].shape[0], P["W_out"].shape[0]

    # The decoder from step T' down to 1; each step's scores send ∂L/∂e straight to the previous
    # state (through W_a h_j) and to the encoder states (through W_aᵀ s_{t-1}).
    g = eq["eq-bptt-output-grad"](fp.p, targets)
    deltas_dec, grad_c = np.empty_like(fp.a), np.empty_like(fp.contexts)
    grad_e = np.empty_like(fp.e)
    delta_next, grad_e_next = np.zeros_like(fp.s[:, 0]), np.zeros_like(fp.e[:, 0])  # nothing after step T'
    for t in range(T_dec - 1, -1, -1):
        grad_s = eq["eq-luong-state-grad"](
            P["W_out"], g[:, t], P["W_dec"], delta_next, P["W_a"], grad_e_next, annotations
        )
        deltas_dec[:, t] = delta_next = eq["eq-decoder-delta"](grad_s, fp.a[:, t])
        grad_c[:, t] = eq["eq-attention-context-grad"](P["W_c"], deltas_dec[:, t])
        grad_alpha = eq["eq-attention-weight-grad"](annotations, grad_c[:, t])
        grad_e[:, t] = grad_e_next = eq["eq-attention-softmax-grad"](fp.alpha[:, t], grad_alpha)

    # The hand-off, then the encoder from position T down to 1.
    grad_s0 = grad_from_next = eq["eq-luong-handoff"](P["W_dec"], deltas_dec[:, 0], P["W_a"], grad_e[:, 0], annotations)
    grad_h, deltas_enc = np.empty_like(fp.z), np.empty_like(fp.z)
    for j in range(T_enc - 1, -1, -1):
        annotation = eq["eq-luong-annotation-grad@T"] if j == T_enc - 1 else eq["eq-luong-annotation-grad"]
        grad_h[:, j] = annotation(fp.alpha[:, :, j], grad_c, P["W_a"], grad_e[:, :, j], fp.s, grad_from_next)
        deltas_enc[:, j] = eq["eq-bptt-delta"](grad_h[:, j], fp.z[:, j], "tanh")
        grad_from_next = eq["eq-encoder-state-grad"](P["W_h"], deltas_enc[:, j])

    grads = {
        "E_en": eq["eq-embedding-grad"](n_en, source, eq["eq-bptt-grad-x"](P["W_e"], deltas_enc)),
        "W_h": eq["eq-bptt-grad-wh"](deltas_enc, fp.h[:, :-1]),
        "W_e": eq["eq-bptt-grad-we"](deltas_enc, fp.x),
        "b_1": eq["eq-bptt-grad-b1"](deltas_enc),
        "E_hi": eq["eq-embedding-grad"](n_hi + 1, fp.inputs, eq["eq-bptt-grad-x"](P["V"], deltas_dec)),
        "W_dec": eq["eq-decoder-grad-wdec"](deltas_dec, fp.s[:, :-1]),
        "V": eq["eq-decoder-grad-v"](deltas_dec, fp.y),
        "c": eq["eq-decoder-grad-c"](deltas_dec),
        "W_out": eq["eq-decoder-grad-wout"](g, fp.s[:, 1:]),
        "b_out": eq["eq-decoder-grad-bout"](g),
        "W_a": eq["eq-luong-grad-wa"](grad_e, fp.s, annotations),
        "W_c": eq["eq-attention-grad-wc"](deltas_dec, fp.contexts),
    }
    # The backward pass is taken at real parameters, so the loss is real: .real only narrows the type.
    return LuongBackward(fp.loss.real, grads, g, deltas_dec, grad_c, grad_e, grad_s0, grad_h, deltas_enc, fp)
