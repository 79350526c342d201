"""The encoder-decoder of the RNN-theory notes, one function per equation, and its backward pass.

Notation (the Encoder-decoder page has the full crosswalk):

| name     | shape              | role                                                      |
|----------|--------------------|-----------------------------------------------------------|
| `E_en`   | (n_en, d_en)       | English embedding table, one row per English word         |
| `W_h`    | (D_h, D_h)         | encoder recurrent weights (the notes' W)                  |
| `W_e`    | (D_h, d_en)        | encoder input weights (the notes' U)                      |
| `b_1`    | (D_h,)             | encoder bias (the notes' b)                               |
| `E_hi`   | (n_hi + 1, d_hi)   | Hindi embedding table: every Hindi word, then the start token |
| `W_dec`  | (D_h, D_h)         | decoder recurrent weights                                 |
| `V`      | (D_h, d_hi)        | decoder input weights                                     |
| `c`      | (D_h,)             | decoder bias                                              |
| `W_out`  | (n_hi, D_h)        | output weights, one row per Hindi word (end token included) |
| `b_out`  | (n_hi,)            | output bias                                               |

The encoder *is* the vanilla recurrence of the Forward-pass page with tanh units, so it runs on
[`pre_activation`][rnn_math.rnn.forward.pre_activation] and
[`hidden_state`][rnn_math.rnn.forward.hidden_state]; its gradients are those of the BPTT page
([`delta`][rnn_math.rnn.bptt.delta], [`grad_W_h`][rnn_math.rnn.bptt.grad_W_h], ...), started from the
hand-off [`handoff_gradient`][rnn_math.seq2seq.model.handoff_gradient] instead of from an output layer.
The decoder's equations are registered here under their decoder names; where one is the same
algebra as a vanilla-RNN equation it calls that function rather than repeating it.

Conventions are those of [`rnn_math.rnn.forward`][rnn_math.rnn.forward]: vectors are the rows of arrays
with leading axes. A batch holds sentences of one source length and one target length (the
trainer groups them so), which needs no padding and no masks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from rnn_math.rnn import bptt
from rnn_math.core.activations import get_activation
from rnn_math.rnn.forward import hidden_state, output_logits, pre_activation, softmax, step_loss, total_loss
from rnn_math.core.registry import equation
from rnn_math.core.validation import as_float_array, check_shapes, common_dtype

Array = NDArray[np.floating]
Tokens = NDArray[np.integer]

#: Parameter names in the order the page introduces them (encoder, then decoder).
PARAMETER_NAMES = ("E_en", "W_h", "W_e", "b_1", "E_hi", "W_dec", "V", "c", "W_out", "b_out")


# ---------------------------------------------------------------------------------------------
# Forward equations
# ---------------------------------------------------------------------------------------------


@equation(
    "eq-embedding-lookup",
    title="Embedding lookup",
    latex=r"x_t = E_{\text{en}}^\top \mathbb{1}_{w_t}, \qquad y_{t-1} = E_{\text{hi}}^\top \mathbb{1}_{k_{t-1}}",
)
def embed(E: Array, tokens: Tokens) -> Array:
    """Embeddings of tokens: row ``tokens[...]`` of the table `E`.

    Multiplying the transposed table by a one-hot vector picks one row; indexing does the same
    without building the one-hot vector.

    Parameters
    ----------
    E
        Embedding table, shape (n, d): one row per token.
    tokens
        Token indices, any shape (...).

    Returns
    -------
    numpy.ndarray
        Shape (..., d).
    """
    return E[np.asarray(tokens)]


@equation(
    "eq-context",
    title="Context hand-over",
    latex=r"s_0 = h_T",
)
def context(h: Array) -> Array:
    """The decoder's initial state: the encoder's *last* hidden state h_T (not h_0).

    Parameters
    ----------
    h
        Encoder states h_0..h_T, shape (..., T + 1, D_h).

    Returns
    -------
    numpy.ndarray
        s_0 = h_T, shape (..., D_h).
    """
    return h[..., -1, :]


@equation(
    "eq-teacher-forcing",
    title="Teacher forcing",
    latex=r"k_0 = \langle s \rangle, \qquad \text{input at decoder step } t = k_{t-1} \quad (t = 1, \dots, T')",
)
def teacher_forcing(targets: Tokens, start: int) -> Tokens:
    """The decoder's input tokens: the start token, then every target but the last.

    Parameters
    ----------
    targets
        Target indices k_1..k_{T'}, shape (..., T'); the last one is the end token.
    start
        Index of the start token ⟨s⟩ in the Hindi embedding table.

    Returns
    -------
    numpy.ndarray
        k_0..k_{T'-1}, shape (..., T').
    """
    targets = np.asarray(targets)
    first = np.full(targets.shape[:-1] + (1,), start, dtype=targets.dtype)
    return np.concatenate([first, targets[..., :-1]], axis=-1)


@equation(
    "eq-decoder-state",
    title="Decoder state",
    latex=r"a_t = W_{\text{dec}}\, s_{t-1} + V y_{t-1} + c, \qquad s_t = \tanh(a_t)",
)
def decoder_state(W_dec: Array, s_prev: Array, V: Array, y_prev: Array, c: Array) -> tuple[Array, Array]:
    """One decoder step: the vanilla recurrence with the decoder's own weights and tanh.

    Parameters
    ----------
    W_dec
        Decoder recurrent weights, shape (D_h, D_h).
    s_prev
        s_{t-1}, shape (..., D_h); at t = 1 this is the context h_T.
    V
        Decoder input weights, shape (D_h, d_hi).
    y_prev
        Embedding of the previous target word y_{t-1}, shape (..., d_hi).
    c
        Decoder bias, shape (D_h,).

    Returns
    -------
    tuple of numpy.ndarray
        The pre-activation a_t and the state s_t, each of shape (..., D_h). The backward pass
        takes tanh' at a_t ([`decoder_delta`][rnn_math.seq2seq.model.decoder_delta]), so it is kept.
    """
    a_t = pre_activation(W_dec, s_prev, V, y_prev, c)
    return a_t, hidden_state(a_t, "tanh")


@equation(
    "eq-decoder-logits",
    title="Decoder logits",
    latex=r"o_t = W_{\text{out}}\, s_t + b_{\text{out}}, \qquad p_t = \operatorname{softmax}(o_t)",
)
def decoder_logits(W_out: Array, s_t: Array, b_out: Array) -> Array:
    """Scores o_t of every Hindi word at decoder step t (their softmax is p_t).

    Parameters
    ----------
    W_out
        Output weights, shape (n_hi, D_h).
    s_t
        Decoder state(s), shape (..., D_h).
    b_out
        Output bias, shape (n_hi,).

    Returns
    -------
    numpy.ndarray
        o_t, shape (..., n_hi).
    """
    return output_logits(W_out, s_t, b_out)


@equation(
    "eq-seq2seq-loss",
    title="Translation loss",
    latex=r"L = \sum_{t=1}^{T'} -\log p_{t,k_t} = \sum_{t=1}^{T'} \Bigl(\log \sum_{j} e^{o_{t,j}} - o_{t,k_t}\Bigr)",
)
def seq2seq_loss(o: Array, targets: Tokens) -> float:
    """The loss of a translation: minus the log-probability of every target word, summed.

    Parameters
    ----------
    o
        Logits o_1..o_{T'}, shape (..., T', n_hi).
    targets
        Target indices k_1..k_{T'}, shape (..., T').

    Returns
    -------
    float
        L, summed over steps (and over the sentences of a batch); a complex number when `o` is
        complex (complex-step differentiation), since the log-sum-exp form is analytic.
    """
    losses = step_loss(o, targets)
    return complex(np.sum(losses)) if np.iscomplexobj(losses) else total_loss(losses)


# ---------------------------------------------------------------------------------------------
# Backward equations
# ---------------------------------------------------------------------------------------------


@equation(
    "eq-decoder-grad-wout",
    title="Gradient of the output weights",
    latex=r"\frac{\partial L}{\partial W_{\text{out}}} = \sum_{t=1}^{T'} g_t\, s_t^\top, \qquad g_t = p_t - \mathbb{1}_{k_t}",
)
def grad_W_out(output_grads: Array, s: Array) -> Array:
    """∂L/∂W_out: output gradient g_t times decoder state s_t, transposed, summed over steps.

    Parameters
    ----------
    output_grads
        g_t = p_t − 1_{k_t} for t = 1..T', shape (..., n_hi).
    s
        s_1..s_{T'} (not s_0), shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (n_hi, D_h), like W_out.
    """
    return bptt.grad_U(output_grads, s)


@equation(
    "eq-decoder-grad-bout",
    title="Gradient of the output bias",
    latex=r"\frac{\partial L}{\partial b_{\text{out}}} = \sum_{t=1}^{T'} g_t",
)
def grad_b_out(output_grads: Array) -> Array:
    """∂L/∂b_out: the output gradients g_t summed over steps (and sentences).

    Parameters
    ----------
    output_grads
        g_t, shape (..., n_hi).

    Returns
    -------
    numpy.ndarray
        Shape (n_hi,), like b_out.
    """
    return bptt.grad_b_2(output_grads)


@equation(
    "eq-decoder-state-grad",
    title="Gradient at a decoder state",
    latex=(
        r"\frac{\partial L}{\partial s_t} = W_{\text{out}}^\top g_t + W_{\text{dec}}^\top \delta^{\text{dec}}_{t+1},"
        r"\qquad \delta^{\text{dec}}_{T'+1} = 0"
    ),
)
def decoder_state_gradient(W_out: Array, output_grad_t: Array, W_dec: Array, delta_dec_next: Array) -> Array:
    """∂L/∂s_t for t ≥ 1: from the output at step t and from decoder step t + 1.

    Parameters
    ----------
    W_out
        Output weights, shape (n_hi, D_h).
    output_grad_t
        g_t, shape (..., n_hi).
    W_dec
        Decoder recurrent weights, shape (D_h, D_h).
    delta_dec_next
        δ^dec_{t+1}, shape (..., D_h); zeros at the last step.

    Returns
    -------
    numpy.ndarray
        ∂L/∂s_t, shape (..., D_h).
    """
    return bptt.hidden_gradient(W_out, output_grad_t, W_dec, delta_dec_next)


@equation(
    "eq-decoder-delta",
    title="Error at a decoder pre-activation",
    latex=r"\delta^{\text{dec}}_t = \frac{\partial L}{\partial a_t} = \frac{\partial L}{\partial s_t} \odot \tanh'(a_t)",
)
def decoder_delta(grad_s_t: Array, a_t: Array) -> Array:
    """δ^dec_t: the state gradient times tanh' at the pre-activation a_t.

    The slope is [`tanh_derivative`][rnn_math.core.activations.tanh_derivative] of a_t, not
    1 − s_t² from the state: once |a_t| is large, s_t rounds to within an ulp of ±1 (to ±1
    itself from about |a_t| = 19 in float64, 10 in float32) and 1 − s_t² cancels to noise or to 0,
    which would then wrongly reach the hand-off and the whole encoder.

    Parameters
    ----------
    grad_s_t
        ∂L/∂s_t, shape (..., D_h).
    a_t
        The decoder pre-activation a_t (s_t = tanh(a_t)), shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        δ^dec_t, shape (..., D_h).
    """
    return grad_s_t * get_activation("tanh").derivative(a_t)


@equation(
    "eq-decoder-grad-wdec",
    title="Gradient of the decoder recurrent weights",
    latex=r"\frac{\partial L}{\partial W_{\text{dec}}} = \sum_{t=1}^{T'} \delta^{\text{dec}}_t\, s_{t-1}^\top",
)
def grad_W_dec(deltas_dec: Array, s_prev: Array) -> Array:
    """∂L/∂W_dec: δ^dec_t times the previous state s_{t-1} (s_0 = h_T at t = 1), summed.

    Parameters
    ----------
    deltas_dec
        δ^dec_1..δ^dec_{T'}, shape (..., D_h).
    s_prev
        s_0..s_{T'-1}, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, D_h), like W_dec.
    """
    return bptt.grad_W_h(deltas_dec, s_prev)


@equation(
    "eq-decoder-grad-v",
    title="Gradient of the decoder input weights",
    latex=r"\frac{\partial L}{\partial V} = \sum_{t=1}^{T'} \delta^{\text{dec}}_t\, y_{t-1}^\top",
)
def grad_V(deltas_dec: Array, y_prev: Array) -> Array:
    """∂L/∂V: δ^dec_t times the embedded previous word y_{t-1}, summed over steps.

    Parameters
    ----------
    deltas_dec
        δ^dec_1..δ^dec_{T'}, shape (..., D_h).
    y_prev
        y_0..y_{T'-1}, shape (..., d_hi).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, d_hi), like V.
    """
    return bptt.grad_W_e(deltas_dec, y_prev)


@equation(
    "eq-decoder-grad-c",
    title="Gradient of the decoder bias",
    latex=r"\frac{\partial L}{\partial c} = \sum_{t=1}^{T'} \delta^{\text{dec}}_t",
)
def grad_c(deltas_dec: Array) -> Array:
    """∂L/∂c: the decoder errors δ^dec_t summed over steps (and sentences).

    Parameters
    ----------
    deltas_dec
        δ^dec_t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h,), like c.
    """
    return bptt.grad_b_1(deltas_dec)


@equation(
    "eq-handoff",
    title="The hand-off to the encoder",
    latex=r"\frac{\partial L}{\partial h_T} = \frac{\partial L}{\partial s_0} = W_{\text{dec}}^\top \delta^{\text{dec}}_1",
)
def handoff_gradient(W_dec: Array, delta_dec_1: Array) -> Array:
    """∂L/∂h_T: everything the encoder learns arrives through this one vector.

    Parameters
    ----------
    W_dec
        Decoder recurrent weights, shape (D_h, D_h).
    delta_dec_1
        δ^dec_1, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (..., D_h), like h_T.
    """
    return bptt.grad_h_0(W_dec, delta_dec_1)


@equation(
    "eq-encoder-state-grad",
    title="Gradient at an encoder state",
    latex=(
        r"\frac{\partial L}{\partial h_t} = \begin{cases} W_{\text{dec}}^\top \delta^{\text{dec}}_1 & t = T \\"
        r" W_h^\top \delta^{\text{enc}}_{t+1} & t < T \end{cases}"
    ),
)
def encoder_state_gradient(W_h: Array, delta_enc_next: Array) -> Array:
    """∂L/∂h_t for t < T: the encoder has no outputs, so only step t + 1 sends anything back.

    At t = T the value is the hand-off, [`handoff_gradient`][rnn_math.seq2seq.model.handoff_gradient].

    Parameters
    ----------
    W_h
        Encoder recurrent weights, shape (D_h, D_h).
    delta_enc_next
        δ^enc_{t+1}, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        ∂L/∂h_t, shape (..., D_h).
    """
    return bptt.grad_h_0(W_h, delta_enc_next)


@equation(
    "eq-embedding-grad",
    title="Gradient of an embedding table",
    latex=(
        r"\frac{\partial L}{\partial E_{\text{en}}} = \sum_{t=1}^{T} \mathbb{1}_{w_t}"
        r"\Bigl(\frac{\partial L}{\partial x_t}\Bigr)^{\!\top}, \qquad"
        r"\frac{\partial L}{\partial E_{\text{hi}}} = \sum_{t=1}^{T'} \mathbb{1}_{k_{t-1}}"
        r"\Bigl(\frac{\partial L}{\partial y_{t-1}}\Bigr)^{\!\top}"
    ),
)
def grad_embedding(n_rows: int, tokens: Tokens, grad_inputs: Array) -> Array:
    """∂L/∂E: each step's input gradient added to the row of the token read at that step.

    A word read at several steps (or in several sentences) collects all of their gradients;
    a word never read gets zero.

    Parameters
    ----------
    n_rows
        Number of rows of the table.
    tokens
        Token read at each step, shape (...).
    grad_inputs
        ∂L/∂x_t (or ∂L/∂y_{t-1}) at each step, shape (..., d).

    Returns
    -------
    numpy.ndarray
        Shape (n_rows, d), like the table.
    """
    d = grad_inputs.shape[-1]
    grad = np.zeros((n_rows, d), dtype=grad_inputs.dtype)
    np.add.at(grad, np.asarray(tokens).reshape(-1), grad_inputs.reshape(-1, d))
    return grad


# ---------------------------------------------------------------------------------------------
# Parameters, forward pass, backward pass
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seq2SeqParams:
    """Weights of the encoder-decoder, embedding tables included (shapes in the module table).

    The constructor checks shapes, dtypes (one float dtype for all) and finiteness, naming the
    offending argument. ``E_hi`` has one row more than ``W_out``: the start token is read by the
    decoder but never predicted; it is the last row.
    """

    E_en: Array
    W_h: Array
    W_e: Array
    b_1: Array
    E_hi: Array
    W_dec: Array
    V: Array
    c: Array
    W_out: Array
    b_out: Array

    def __post_init__(self) -> None:
        for name in PARAMETER_NAMES:
            object.__setattr__(self, name, as_float_array(name, getattr(self, name)))
        sizes = check_shapes(
            [
                ("E_en", self.E_en.shape, ("n_en", "d_en")),
                ("W_h", self.W_h.shape, ("D_h", "D_h")),
                ("W_e", self.W_e.shape, ("D_h", "d_en")),
                ("b_1", self.b_1.shape, ("D_h",)),
                ("E_hi", self.E_hi.shape, (None, "d_hi")),
                ("W_dec", self.W_dec.shape, ("D_h", "D_h")),
                ("V", self.V.shape, ("D_h", "d_hi")),
                ("c", self.c.shape, ("D_h",)),
                ("W_out", self.W_out.shape, ("n_hi", "D_h")),
                ("b_out", self.b_out.shape, ("n_hi",)),
            ]
        )
        if self.E_hi.shape[0] != sizes["n_hi"] + 1:
            raise ValueError(
                f"E_hi: expected {sizes['n_hi'] + 1} rows (the {sizes['n_hi']} Hindi words of W_out, "
                f"then the start token), got {self.E_hi.shape[0]}"
            )
        common_dtype(**{name: getattr(self, name) for name in PARAMETER_NAMES})

    @property
    def n_en(self) -> int:
        """Number of English words."""
        return self.E_en.shape[0]

    @property
    def n_hi(self) -> int:
        """Number of Hindi words the decoder can emit (end token included)."""
        return self.W_out.shape[0]

    @property
    def start(self) -> int:
        """Row of the start token ⟨s⟩ in ``E_hi`` (the last one)."""
        return self.n_hi

    def as_dict(self) -> dict[str, Array]:
        """The parameters by name, in the page's order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def random(
        cls,
        n_en: int,
        n_hi: int,
        *,
        D_h: int,
        d_en: int,
        d_hi: int,
        seed: int = 0,
        scale: float = 0.3,
        dtype: DTypeLike = np.float64,
    ) -> Seq2SeqParams:
        """Parameters drawn from N(0, scale²), seeded (biases included, so tests exercise them).

        Parameters
        ----------
        n_en, n_hi
            English vocabulary size; Hindi vocabulary size (end token included, start excluded).
        D_h, d_en, d_hi
            Hidden width (shared by encoder and decoder) and the two embedding widths.
        seed
            Seed of NumPy's default generator.
        scale
            Standard deviation of every entry.
        dtype
            float64 (default) or float32.
        """
        for name, value in (("n_en", n_en), ("n_hi", n_hi), ("D_h", D_h), ("d_en", d_en), ("d_hi", d_hi)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: expected a positive integer, got {value!r}")
        shapes = {
            "E_en": (n_en, d_en), "W_h": (D_h, D_h), "W_e": (D_h, d_en), "b_1": (D_h,),
            "E_hi": (n_hi + 1, d_hi), "W_dec": (D_h, D_h), "V": (D_h, d_hi), "c": (D_h,),
            "W_out": (n_hi, D_h), "b_out": (n_hi,),
        }  # fmt: skip
        rng = np.random.default_rng(seed)
        return cls(**{name: (scale * rng.standard_normal(shape)).astype(dtype) for name, shape in shapes.items()})


@dataclass(frozen=True)
class Seq2SeqForward:
    """Every intermediate of one forward pass over a batch (leading axis B).

    [`forward`][rnn_math.seq2seq.model.forward] on a single sentence drops the leading B.

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
        L, summed over steps and sentences.
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
    loss: float


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

    The shapes below are those of a batch; [`backward`][rnn_math.seq2seq.model.backward] on a single
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


def encode(params: Seq2SeqParams | dict[str, Array], source: Tokens) -> tuple[Array, Array, Array]:
    """Unchecked encoder over a batch: embeddings, pre-activations z_t and states h_0..h_T.

    Accepts the parameters as a dict too, so that a gradient checker can pass complex copies.
    """
    p = params if isinstance(params, dict) else params.as_dict()
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


def run_forward(params: Seq2SeqParams | dict[str, Array], source: Tokens, targets: Tokens) -> Seq2SeqForward:
    """Unchecked forward pass over a batch with teacher forcing (see [`forward`][rnn_math.seq2seq.model.forward])."""
    p = params if isinstance(params, dict) else params.as_dict()
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


def loss(params: dict[str, Array], source: Tokens, targets: Tokens) -> float | complex:
    """The loss alone, for a batch, from parameters given as a dict (complex entries allowed).

    This is the function a gradient checker differentiates: finite differences perturb the
    float entries, complex-step differentiation gives them a tiny imaginary part.
    """
    return run_forward(params, np.asarray(source), np.asarray(targets)).loss


#: The functions [`run_backward`][rnn_math.seq2seq.model.run_backward] composes, by equation id: the
#: default of every replacement. ``"eq-bptt-delta@T"`` is the encoder's error at its last step,
#: where the hand-off enters (the same equation as at the other steps, by default).
BACKWARD_STEPS: dict[str, Callable[..., Array]] = {
    "eq-bptt-output-grad": bptt.output_gradient,
    "eq-decoder-grad-wout": grad_W_out,
    "eq-decoder-grad-bout": grad_b_out,
    "eq-decoder-state-grad": decoder_state_gradient,
    "eq-decoder-delta": decoder_delta,
    "eq-decoder-grad-wdec": grad_W_dec,
    "eq-decoder-grad-v": grad_V,
    "eq-decoder-grad-c": grad_c,
    "eq-handoff": handoff_gradient,
    "eq-encoder-state-grad": encoder_state_gradient,
    "eq-bptt-delta@T": bptt.delta,
    "eq-bptt-delta": bptt.delta,
    "eq-bptt-grad-wh": bptt.grad_W_h,
    "eq-bptt-grad-we": bptt.grad_W_e,
    "eq-bptt-grad-b1": bptt.grad_b_1,
    "eq-bptt-grad-x": bptt.grad_x,
    "eq-embedding-grad": grad_embedding,
}


def run_backward(
    params: Seq2SeqParams,
    source: Tokens,
    targets: Tokens,
    *,
    replace: Mapping[str, Callable[..., Array]] | None = None,
) -> Seq2SeqBackward:
    """Unchecked backward pass over a batch (see [`backward`][rnn_math.seq2seq.model.backward]).

    `replace` maps equation ids (keys of `BACKWARD_STEPS`) to
    wrong versions with the same signature: the negative controls of the tests use it.
    """
    eq = dict(BACKWARD_STEPS)
    if replace:
        unknown = set(replace) - set(BACKWARD_STEPS)
        if unknown:
            raise ValueError(f"replace: expected equation ids among {sorted(BACKWARD_STEPS)}, got {sorted(unknown)}")
        eq.update(replace)
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
    return Seq2SeqBackward(fp.loss, grads, g, deltas_dec, grad_context, deltas_enc, fp)


def _single(result: Seq2SeqForward) -> Seq2SeqForward:
    return Seq2SeqForward(*(v[0] if isinstance(v, np.ndarray) else v for v in (getattr(result, f.name) for f in fields(result))))


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
        δ^enc with the forward pass they came from. As in [`forward`][rnn_math.seq2seq.model.forward],
        the errors and the forward pass keep a batch axis only if the input had one: one
        sentence of shape (T,) gives ``deltas_enc`` of shape (T, D_h), a batch (B, T) gives
        (B, T, D_h).

    Raises
    ------
    ValueError, TypeError
        As [`forward`][rnn_math.seq2seq.model.forward].
    """
    src, tgt = _checked(params, source, targets)
    result = run_backward(params, src, tgt)
    return result if np.ndim(source) == 2 else _single_backward(result)
