"""The attention model's forward and backward passes, composed from its equations.

[`forward`][rnn_math.attention.passes.forward] and [`backward`][rnn_math.attention.passes.backward]
check their input and accept one sentence or a batch of sentences of one length;
[`run_forward`][rnn_math.attention.passes.run_forward], [`run_backward`][rnn_math.attention.passes.run_backward]
and [`loss`][rnn_math.attention.passes.loss] are the unchecked batch versions. `run_backward`
takes replacements for any of its equations: the negative controls use them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike

from rnn_math.attention.forward_equations import (
    attention_context,
    attention_decoder_state,
    attention_scores,
    attention_weights,
)
from rnn_math.attention.params import AttentionParams
from rnn_math.core.types import Array
from rnn_math.rnn.forward import softmax
from rnn_math.seq2seq.forward_equations import context, decoder_logits, embed, seq2seq_loss, teacher_forcing
from rnn_math.seq2seq.params import Tokens
from rnn_math.seq2seq.passes import encode
from rnn_math.verification.declaration import equation_functions


@dataclass(frozen=True)
class AttentionForward:
    """Every intermediate of one forward pass over a batch (leading axis B; dropped for one sentence).

    Attributes
    ----------
    x, z, h
        The encoder's embeddings (B, T, d_en), pre-activations (B, T, D_h), states h_0..h_T (B, T + 1, D_h).
    inputs, y
        Decoder input tokens k_0..k_{T'-1} (B, T') and their embeddings (B, T', d_hi).
    m
        Score pre-activations m_{t,j}, shape (B, T', T, n_a).
    e
        Scores e_{t,j}, shape (B, T', T).
    alpha
        Weights α_{t,j}, shape (B, T', T): row t sums to 1.
    contexts
        c_1..c_{T'}, shape (B, T', D_h).
    a, s
        Decoder pre-activations a_1..a_{T'} (B, T', D_h), states s_0..s_{T'} (B, T' + 1, D_h), s_0 = h_T.
    o, p
        Logits and probabilities, shape (B, T', n_hi).
    loss
        L, summed over steps and sentences (complex when the parameters are: complex step).
    """

    x: Array
    z: Array
    h: Array
    inputs: Tokens
    y: Array
    m: Array
    e: Array
    alpha: Array
    contexts: Array
    a: Array
    s: Array
    o: Array
    p: Array
    loss: float | complex


@dataclass(frozen=True)
class AttentionBackward:
    """The loss, every parameter's gradient (keyed by parameter name) and the errors that produced them.

    Attributes
    ----------
    loss
        L.
    grads
        ∂L/∂ of every parameter by name, each shaped like its parameter.
    output_grads
        g_t, shape (B, T', n_hi).
    deltas_dec
        δ^dec_1..δ^dec_{T'}, shape (B, T', D_h).
    grad_contexts
        ∂L/∂c_1..∂L/∂c_{T'}, shape (B, T', D_h).
    grad_scores
        ∂L/∂e_{t,j}, shape (B, T', T).
    eps
        ε_{t,j}, shape (B, T', T, n_a).
    grad_s0
        ∂L/∂s_0, shape (B, D_h).
    grad_annotations
        ∂L/∂h_1..∂L/∂h_T, shape (B, T, D_h).
    deltas_enc
        δ^enc_1..δ^enc_T, shape (B, T, D_h).
    forward
        The forward pass these gradients belong to.
    """

    loss: float
    grads: dict[str, Array]
    output_grads: Array
    deltas_dec: Array
    grad_contexts: Array
    grad_scores: Array
    eps: Array
    grad_s0: Array
    grad_annotations: Array
    deltas_enc: Array
    forward: AttentionForward


def run_forward(params: AttentionParams | Mapping[str, Array], source: Tokens, targets: Tokens) -> AttentionForward:
    """Unchecked forward pass over a batch with teacher forcing (see [`forward`][rnn_math.attention.passes.forward])."""
    p = params.as_dict() if isinstance(params, AttentionParams) else params
    x, z, h = encode(p, source)
    annotations = h[:, 1:]
    inputs = teacher_forcing(targets, p["E_hi"].shape[0] - 1)
    y = embed(p["E_hi"], inputs)
    B, T_dec, _ = y.shape
    T_enc, D_h, n_a = z.shape[1], h.shape[-1], p["W_a"].shape[0]
    dtype = np.result_type(h, y, *(p[name] for name in ("W_dec", "V", "c", "W_a", "U_a", "v_a", "W_c")))
    m = np.empty((B, T_dec, T_enc, n_a), dtype=dtype)
    e, alpha = np.empty((B, T_dec, T_enc), dtype=dtype), np.empty((B, T_dec, T_enc), dtype=dtype)
    contexts, a = np.empty((B, T_dec, D_h), dtype=dtype), np.empty((B, T_dec, D_h), dtype=dtype)
    s = np.empty((B, T_dec + 1, D_h), dtype=dtype)
    s[:, 0] = context(h)
    for t in range(T_dec):
        m[:, t], e[:, t] = attention_scores(p["W_a"], s[:, t], p["U_a"], annotations, p["v_a"])
        alpha[:, t] = attention_weights(e[:, t])
        contexts[:, t] = attention_context(alpha[:, t], annotations)
        a[:, t], s[:, t + 1] = attention_decoder_state(
            p["W_dec"], s[:, t], p["V"], y[:, t], p["W_c"], contexts[:, t], p["c"]
        )
    o = decoder_logits(p["W_out"], s[:, 1:], p["b_out"])
    return AttentionForward(x, z, h, inputs, y, m, e, alpha, contexts, a, s, o, softmax(o), seq2seq_loss(o, targets))


def loss(params: Mapping[str, Array], source: Tokens, targets: Tokens) -> float | complex:
    """The loss alone, for a batch, from parameters given as a dict (complex entries allowed)."""
    return run_forward(params, np.asarray(source), np.asarray(targets)).loss


#: The equations [`run_backward`][rnn_math.attention.passes.run_backward] composes, in derivation
#: order: the ids a replacement may name. ``"eq-attention-annotation-grad@T"`` is the encoder
#: state's gradient at j = T, where the hand-off enters (the same equation as at j < T, unless a
#: replacement sets that position alone).
BACKWARD_EQUATIONS: tuple[str, ...] = (
    "eq-bptt-output-grad", "eq-decoder-grad-wout", "eq-decoder-grad-bout", "eq-attention-state-grad",
    "eq-decoder-delta", "eq-attention-context-grad", "eq-attention-weight-grad", "eq-attention-softmax-grad",
    "eq-attention-score-grad", "eq-attention-grad-va", "eq-attention-grad-wa", "eq-attention-grad-ua",
    "eq-attention-grad-wc", "eq-decoder-grad-wdec", "eq-decoder-grad-v", "eq-decoder-grad-c",
    "eq-attention-handoff", "eq-attention-annotation-grad@T", "eq-attention-annotation-grad",
    "eq-encoder-state-grad", "eq-bptt-delta", "eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1",
    "eq-bptt-grad-x", "eq-embedding-grad",
)  # fmt: skip


def run_backward(
    params: AttentionParams,
    source: Tokens,
    targets: Tokens,
    *,
    replace: Mapping[str, Callable[..., Array]] | None = None,
) -> AttentionBackward:
    """Unchecked backward pass over a batch (see [`backward`][rnn_math.attention.passes.backward]).

    `replace` maps equation ids (among `BACKWARD_EQUATIONS`) to wrong versions with the same
    signature: the negative controls use it.
    """
    eq = equation_functions(BACKWARD_EQUATIONS, replace)
    fp = run_forward(params, source, targets)
    P = params
    annotations = fp.h[:, 1:]
    T_enc, T_dec = fp.z.shape[1], fp.o.shape[1]

    # The decoder from step T' down to 1; each step sends its error to the previous state through
    # W_dec and through its scores (ε), and to the encoder states through its context and scores.
    g = eq["eq-bptt-output-grad"](fp.p, targets)
    deltas_dec, grad_c = np.empty_like(fp.a), np.empty_like(fp.contexts)
    grad_e, eps = np.empty_like(fp.e), np.empty_like(fp.m)
    delta_next, eps_next = np.zeros_like(fp.s[:, 0]), np.zeros_like(fp.m[:, 0])  # nothing after step T'
    for t in range(T_dec - 1, -1, -1):
        grad_s = eq["eq-attention-state-grad"](P.W_out, g[:, t], P.W_dec, delta_next, P.W_a, eps_next)
        deltas_dec[:, t] = delta_next = eq["eq-decoder-delta"](grad_s, fp.a[:, t])
        grad_c[:, t] = eq["eq-attention-context-grad"](P.W_c, deltas_dec[:, t])
        grad_alpha = eq["eq-attention-weight-grad"](annotations, grad_c[:, t])
        grad_e[:, t] = eq["eq-attention-softmax-grad"](fp.alpha[:, t], grad_alpha)
        eps[:, t] = eps_next = eq["eq-attention-score-grad"](grad_e[:, t], P.v_a, fp.m[:, t])

    # The hand-off, then the encoder from position T down to 1.
    grad_s0 = grad_from_next = eq["eq-attention-handoff"](P.W_dec, deltas_dec[:, 0], P.W_a, eps[:, 0])
    grad_h, deltas_enc = np.empty_like(fp.z), np.empty_like(fp.z)
    for j in range(T_enc - 1, -1, -1):
        annotation = eq["eq-attention-annotation-grad@T"] if j == T_enc - 1 else eq["eq-attention-annotation-grad"]
        grad_h[:, j] = annotation(fp.alpha[:, :, j], grad_c, P.U_a, eps[:, :, j], grad_from_next)
        deltas_enc[:, j] = eq["eq-bptt-delta"](grad_h[:, j], fp.z[:, j], "tanh")
        grad_from_next = eq["eq-encoder-state-grad"](P.W_h, deltas_enc[:, j])

    grads = {
        "E_en": eq["eq-embedding-grad"](P.n_en, source, eq["eq-bptt-grad-x"](P.W_e, deltas_enc)),
        "W_h": eq["eq-bptt-grad-wh"](deltas_enc, fp.h[:, :-1]),
        "W_e": eq["eq-bptt-grad-we"](deltas_enc, fp.x),
        "b_1": eq["eq-bptt-grad-b1"](deltas_enc),
        "E_hi": eq["eq-embedding-grad"](P.n_hi + 1, fp.inputs, eq["eq-bptt-grad-x"](P.V, deltas_dec)),
        "W_dec": eq["eq-decoder-grad-wdec"](deltas_dec, fp.s[:, :-1]),
        "V": eq["eq-decoder-grad-v"](deltas_dec, fp.y),
        "c": eq["eq-decoder-grad-c"](deltas_dec),
        "W_out": eq["eq-decoder-grad-wout"](g, fp.s[:, 1:]),
        "b_out": eq["eq-decoder-grad-bout"](g),
        "W_a": eq["eq-attention-grad-wa"](eps, fp.s[:, :-1]),
        "U_a": eq["eq-attention-grad-ua"](eps, annotations),
        "v_a": eq["eq-attention-grad-va"](grad_e, fp.m),
        "W_c": eq["eq-attention-grad-wc"](deltas_dec, fp.contexts),
    }
    # AttentionParams holds real arrays only, so the loss is real: .real only narrows the type.
    return AttentionBackward(fp.loss.real, grads, g, deltas_dec, grad_c, grad_e, eps, grad_s0, grad_h, deltas_enc, fp)


def _tokens(name: str, tokens: ArrayLike, vocab: int) -> Tokens:
    """Token indices as a (B, T) integer array, or a clear error naming the argument."""
    array = np.asarray(tokens)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer token indices, got dtype {array.dtype}")
    if array.ndim not in (1, 2) or array.size == 0:
        raise ValueError(f"{name}: expected a non-empty shape (T,) or (B, T), got {array.shape}")
    if array.min() < 0 or array.max() >= vocab:
        bad = int(array.min() if array.min() < 0 else array.max())
        raise ValueError(f"{name}: expected indices in 0..{vocab - 1}, got {bad}")
    return (array if array.ndim == 2 else array[None]).astype(np.intp)


def _checked(params: AttentionParams, source: ArrayLike, targets: ArrayLike) -> tuple[Tokens, Tokens]:
    if not isinstance(params, AttentionParams):
        raise TypeError(f"params: expected AttentionParams, got {type(params).__name__}")
    src, tgt = _tokens("source", source, params.n_en), _tokens("targets", targets, params.n_hi)
    if np.ndim(source) != np.ndim(targets) or src.shape[0] != tgt.shape[0]:
        raise ValueError(
            f"targets: expected as many sentences as source ({src.shape[0]}), got shape {np.shape(targets)}"
        )
    return src, tgt


def _single(result: AttentionForward) -> AttentionForward:
    values = (getattr(result, f.name) for f in fields(result))
    return AttentionForward(*(v[0] if isinstance(v, np.ndarray) else v for v in values))


def forward(params: AttentionParams, source: ArrayLike, targets: ArrayLike) -> AttentionForward:
    """Encode the source sentence(s), then decode with attention and teacher forcing, and score the targets.

    Parameters
    ----------
    params
        The model's parameters.
    source
        English token indices w_1..w_T, shape (T,), or (B, T) for sentences of one length.
    targets
        Hindi target indices k_1..k_{T'} (the last is the end token), shape (T',) or (B, T').

    Returns
    -------
    AttentionForward
        Every intermediate and the loss; arrays lose their batch axis if the input had none.

    Raises
    ------
    ValueError, TypeError
        On an empty sentence, an index outside its vocabulary, non-integer tokens, or a
        different number of sentences on the two sides.
    """
    src, tgt = _checked(params, source, targets)
    result = run_forward(params, src, tgt)
    return result if np.ndim(source) == 2 else _single(result)


def backward(params: AttentionParams, source: ArrayLike, targets: ArrayLike) -> AttentionBackward:
    """Loss and every gradient of the model with attention, by backpropagation through both halves.

    Parameters
    ----------
    params, source, targets
        As for [`forward`][rnn_math.attention.passes.forward].

    Returns
    -------
    AttentionBackward
        The loss, the gradients (each shaped like its parameter), and the errors of the batch
        (with their batch axis B even for one sentence) with the forward pass they came from.

    Raises
    ------
    ValueError, TypeError
        As [`forward`][rnn_math.attention.passes.forward].
    """
    src, tgt = _checked(params, source, targets)
    return run_backward(params, src, tgt)
