"""The encoder-decoder's forward and backward passes, composed from its equations.

[`forward`][rnn_math.seq2seq.passes.forward] and [`backward`][rnn_math.seq2seq.passes.backward]
check their input and accept one sentence or a batch; [`run_forward`][rnn_math.seq2seq.passes.run_forward],
[`run_backward`][rnn_math.seq2seq.passes.run_backward] and [`loss`][rnn_math.seq2seq.passes.loss]
are the unchecked batch versions that trainers and gradient checkers call. `run_backward` takes
replacements for any of its equations: the negative controls use them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnn_math.rnn.forward import hidden_state, pre_activation, softmax
from rnn_math.seq2seq.forward_equations import (
    context,
    decoder_logits,
    decoder_state,
    embed,
    seq2seq_loss,
    teacher_forcing,
)
from rnn_math.seq2seq.params import Array, Seq2SeqParams, Tokens
from rnn_math.verification.declaration import equation_functions


@dataclass(frozen=True)
class Seq2SeqForward:
    """Every intermediate of one forward pass over a batch (leading axis B).

    [`forward`][rnn_math.seq2seq.passes.forward] on a single sentence drops the leading B.

    Attributes
    ----------
    x
        English embeddings x_1..x_T, shape (B, T, d_en).
    z
        Encoder pre-activations, shape (B, T, D_h).
    h
        Encoder states h_0..h_T, shape (B, T + 1, D_h).
    inputs
        Decoder input tokens k_0..k_{T'-1} (teacher forcing), shape (B, T').
    y
        Their embeddings y_0..y_{T'-1}, shape (B, T', d_hi).
    a
        Decoder pre-activations a_1..a_{T'}, shape (B, T', D_h): the backward pass takes the
        slope tanh'(a_t) from them.
    s
        Decoder states s_0..s_{T'}, shape (B, T' + 1, D_h); ``s[:, 0]`` is h_T.
    o
        Logits o_1..o_{T'}, shape (B, T', n_hi).
    p
        Probabilities p_1..p_{T'}, shape (B, T', n_hi).
    loss
        L, summed over steps and sentences (complex when the parameters are: complex step).
    """

    x: Array
    z: Array
    h: Array
    inputs: Tokens
    y: Array
    a: Array
    s: Array
    o: Array
    p: Array
    loss: float | complex


@dataclass(frozen=True)
class Seq2SeqGrads:
    """∂L/∂ of every parameter, each shaped like its parameter."""

    grad_E_en: Array
    grad_W_h: Array
    grad_W_e: Array
    grad_b_1: Array
    grad_E_hi: Array
    grad_W_dec: Array
    grad_V: Array
    grad_c: Array
    grad_W_out: Array
    grad_b_out: Array

    def as_dict(self) -> dict[str, Array]:
        """Gradients keyed by *parameter* name (``"W_dec"``, …), to pair with ``Seq2SeqParams.as_dict()``."""
        return {f.name.removeprefix("grad_"): getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Seq2SeqBackward:
    """The loss, the gradients, and the intermediate errors that produced them.

    The shapes below are those of a batch; [`backward`][rnn_math.seq2seq.passes.backward] on a single
    sentence drops the leading B from every array but the gradients.

    Attributes
    ----------
    loss
        L.
    grads
        Every parameter's gradient.
    output_grads
        g_t = p_t − 1_{k_t}, shape (B, T', n_hi).
    deltas_dec
        δ^dec_1..δ^dec_{T'}, shape (B, T', D_h).
    grad_context
        ∂L/∂h_T = ∂L/∂s_0, shape (B, D_h).
    deltas_enc
        δ^enc_1..δ^enc_T, shape (B, T, D_h).
    forward
        The forward pass these gradients belong to.
    """

    loss: float
    grads: Seq2SeqGrads
    output_grads: Array
    deltas_dec: Array
    grad_context: Array
    deltas_enc: Array
    forward: Seq2SeqForward


def _as_batch(name: str, tokens: ArrayLike, vocab: int) -> tuple[NDArray[np.intp], bool]:
    """Token indices as a (B, T) integer array; whether a batch axis was given."""
    array = np.asarray(tokens)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer token indices, got dtype {array.dtype}")
    if array.ndim not in (1, 2):
        raise ValueError(f"{name}: expected shape (T,) or (B, T), got {array.shape}")
    if array.shape[-1] == 0 or array.size == 0:
        raise ValueError(f"{name}: expected at least one token, got shape {array.shape}")
    if array.min() < 0 or array.max() >= vocab:
        bad = int(array.min() if array.min() < 0 else array.max())
        raise ValueError(f"{name}: expected indices in 0..{vocab - 1}, got {bad}")
    return (array if array.ndim == 2 else array[None]).astype(np.intp), array.ndim == 2


def _checked(params: Seq2SeqParams, source: ArrayLike, targets: ArrayLike) -> tuple[Tokens, Tokens]:
    if not isinstance(params, Seq2SeqParams):
        raise TypeError(f"params: expected Seq2SeqParams, got {type(params).__name__}")
    src, src_batched = _as_batch("source", source, params.n_en)
    tgt, tgt_batched = _as_batch("targets", targets, params.n_hi)
    if src_batched != tgt_batched or src.shape[0] != tgt.shape[0]:
        raise ValueError(
            f"targets: expected as many sentences as source ({src.shape[0]}), got shape {np.shape(targets)}"
        )
    return src, tgt


def encode(params: Seq2SeqParams | Mapping[str, Array], source: Tokens) -> tuple[Array, Array, Array]:
    """Unchecked encoder over a batch: embeddings, pre-activations z_t and states h_0..h_T.

    Accepts the parameters as a dict too, so that a gradient checker can pass complex copies.
    """
    p = params.as_dict() if isinstance(params, Seq2SeqParams) else params
    x = embed(p["E_en"], source)
    B, T, _ = x.shape
    D_h = p["W_h"].shape[0]
    dtype = np.result_type(x, p["W_h"], p["W_e"], p["b_1"])
    z = np.empty((B, T, D_h), dtype=dtype)
    h = np.zeros((B, T + 1, D_h), dtype=dtype)  # h_0 = 0
    for t in range(T):  # the vanilla recurrence with tanh, equations z^t and h^t of the forward pass
        z[:, t] = pre_activation(p["W_h"], h[:, t], p["W_e"], x[:, t], p["b_1"])
        h[:, t + 1] = hidden_state(z[:, t], "tanh")
    return x, z, h


def run_forward(params: Seq2SeqParams | Mapping[str, Array], source: Tokens, targets: Tokens) -> Seq2SeqForward:
    """Unchecked forward pass over a batch with teacher forcing (see [`forward`][rnn_math.seq2seq.passes.forward])."""
    p = params.as_dict() if isinstance(params, Seq2SeqParams) else params
    x, z, h = encode(p, source)
    inputs = teacher_forcing(targets, p["E_hi"].shape[0] - 1)
    y = embed(p["E_hi"], inputs)
    B, T_dec, _ = y.shape
    dtype = np.result_type(h, y, p["W_dec"], p["V"], p["c"])
    a = np.empty((B, T_dec, h.shape[-1]), dtype=dtype)
    s = np.empty((B, T_dec + 1, h.shape[-1]), dtype=dtype)
    s[:, 0] = context(h)
    for t in range(T_dec):
        a[:, t], s[:, t + 1] = decoder_state(p["W_dec"], s[:, t], p["V"], y[:, t], p["c"])
    o = decoder_logits(p["W_out"], s[:, 1:], p["b_out"])
    return Seq2SeqForward(x, z, h, inputs, y, a, s, o, softmax(o), seq2seq_loss(o, targets))


def loss(params: Mapping[str, Array], source: Tokens, targets: Tokens) -> float | complex:
    """The loss alone, for a batch, from parameters given as a dict (complex entries allowed).

    This is the function a gradient checker differentiates: finite differences perturb the
    float entries, complex-step differentiation gives them a tiny imaginary part.
    """
    return run_forward(params, np.asarray(source), np.asarray(targets)).loss


#: The equations [`run_backward`][rnn_math.seq2seq.passes.run_backward] composes, in derivation order:
#: the ids a replacement may name. Their functions come from the registry. ``"eq-bptt-delta@T"`` is
#: the encoder's error at its last step, where the hand-off enters (the same equation as at the
#: other steps, unless a replacement sets that step alone).
BACKWARD_EQUATIONS: tuple[str, ...] = (
    "eq-bptt-output-grad", "eq-decoder-grad-wout", "eq-decoder-grad-bout", "eq-decoder-state-grad",
    "eq-decoder-delta", "eq-decoder-grad-wdec", "eq-decoder-grad-v", "eq-decoder-grad-c", "eq-handoff",
    "eq-encoder-state-grad", "eq-bptt-delta@T", "eq-bptt-delta", "eq-bptt-grad-wh", "eq-bptt-grad-we",
    "eq-bptt-grad-b1", "eq-bptt-grad-x", "eq-embedding-grad",
)  # fmt: skip


def run_backward(
    params: Seq2SeqParams,
    source: Tokens,
    targets: Tokens,
    *,
    replace: Mapping[str, Callable[..., Array]] | None = None,
) -> Seq2SeqBackward:
    """Unchecked backward pass over a batch (see [`backward`][rnn_math.seq2seq.passes.backward]).

    `replace` maps equation ids (among `BACKWARD_EQUATIONS`) to wrong versions with the same
    signature: the negative controls use it.
    """
    eq = equation_functions(BACKWARD_EQUATIONS, replace)
    fp = run_forward(params, source, targets)
    T_enc, T_dec = fp.z.shape[1], fp.o.shape[1]

    # Decoder: output gradients of all steps at once, then the state recursion from T' down to 1.
    g = eq["eq-bptt-output-grad"](fp.p, targets)
    deltas_dec = np.empty_like(fp.a)
    delta_next = np.zeros_like(fp.s[:, 0])  # δ^dec_{T'+1} = 0
    for t in range(T_dec - 1, -1, -1):
        grad_s = eq["eq-decoder-state-grad"](params.W_out, g[:, t], params.W_dec, delta_next)
        deltas_dec[:, t] = delta_next = eq["eq-decoder-delta"](grad_s, fp.a[:, t])

    # The hand-off, then BPTT through the encoder, which has no outputs of its own.
    grad_context = eq["eq-handoff"](params.W_dec, deltas_dec[:, 0])
    deltas_enc = np.empty_like(fp.z)
    grad_h = grad_context
    for t in range(T_enc - 1, -1, -1):
        step = eq["eq-bptt-delta@T"] if t == T_enc - 1 else eq["eq-bptt-delta"]
        deltas_enc[:, t] = step(grad_h, fp.z[:, t], "tanh")
        grad_h = eq["eq-encoder-state-grad"](params.W_h, deltas_enc[:, t])

    grads = Seq2SeqGrads(
        grad_E_en=eq["eq-embedding-grad"](params.n_en, source, eq["eq-bptt-grad-x"](params.W_e, deltas_enc)),
        grad_W_h=eq["eq-bptt-grad-wh"](deltas_enc, fp.h[:, :-1]),
        grad_W_e=eq["eq-bptt-grad-we"](deltas_enc, fp.x),
        grad_b_1=eq["eq-bptt-grad-b1"](deltas_enc),
        grad_E_hi=eq["eq-embedding-grad"](params.n_hi + 1, fp.inputs, eq["eq-bptt-grad-x"](params.V, deltas_dec)),
        grad_W_dec=eq["eq-decoder-grad-wdec"](deltas_dec, fp.s[:, :-1]),
        grad_V=eq["eq-decoder-grad-v"](deltas_dec, fp.y),
        grad_c=eq["eq-decoder-grad-c"](deltas_dec),
        grad_W_out=eq["eq-decoder-grad-wout"](g, fp.s[:, 1:]),
        grad_b_out=eq["eq-decoder-grad-bout"](g),
    )
    # Seq2SeqParams holds real arrays only, so the loss is real: .real only narrows the type.
    return Seq2SeqBackward(fp.loss.real, grads, g, deltas_dec, grad_context, deltas_enc, fp)


def _single(result: Seq2SeqForward) -> Seq2SeqForward:
    return Seq2SeqForward(
        *(v[0] if isinstance(v, np.ndarray) else v for v in (getattr(result, f.name) for f in fields(result)))
    )


def _single_backward(result: Seq2SeqBackward) -> Seq2SeqBackward:
    # The errors lose the batch axis of one sentence; the gradients are shaped like the parameters.
    return Seq2SeqBackward(
        result.loss, result.grads, result.output_grads[0], result.deltas_dec[0], result.grad_context[0],
        result.deltas_enc[0], _single(result.forward),
    )  # fmt: skip


def forward(params: Seq2SeqParams, source: ArrayLike, targets: ArrayLike) -> Seq2SeqForward:
    """Encode the source sentence(s), then decode with teacher forcing and score the targets.

    Parameters
    ----------
    params
        The encoder-decoder's parameters.
    source
        English token indices w_1..w_T, shape (T,), or (B, T) for sentences of one length.
    targets
        Hindi target indices k_1..k_{T'} (the last is the end token), shape (T',) or (B, T').

    Returns
    -------
    Seq2SeqForward
        Every intermediate and the loss; arrays lose their batch axis if the input had none.

    Raises
    ------
    ValueError, TypeError
        On an empty sentence, an index outside its vocabulary, or non-integer tokens.
    """
    src, tgt = _checked(params, source, targets)
    result = run_forward(params, src, tgt)
    return result if np.ndim(source) == 2 else _single(result)


def backward(params: Seq2SeqParams, source: ArrayLike, targets: ArrayLike) -> Seq2SeqBackward:
    """Loss and every gradient of the encoder-decoder, by backpropagation through both halves.

    Parameters
    ----------
    params
        The encoder-decoder's parameters.
    source
        English token indices, shape (T,) or (B, T).
    targets
        Hindi target indices, shape (T',) or (B, T').

    Returns
    -------
    Seq2SeqBackward
        The loss, the gradients (each shaped like its parameter) and the errors δ^dec, ∂L/∂h_T,
        δ^enc with the forward pass they came from. As in [`forward`][rnn_math.seq2seq.passes.forward],
        the errors and the forward pass keep a batch axis only if the input had one: one
        sentence of shape (T,) gives ``deltas_enc`` of shape (T, D_h), a batch (B, T) gives
        (B, T, D_h).

    Raises
    ------
    ValueError, TypeError
        As [`forward`][rnn_math.seq2seq.passes.forward].
    """
    src, tgt = _checked(params, source, targets)
    result = run_backward(params, src, tgt)
    return result if np.ndim(source) == 2 else _single_backward(result)
