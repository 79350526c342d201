"""The two models a translator can be: the encoder-decoder, with or without attention.

Training and decoding need four things of a model, and only these: parameters drawn for given
vocabularies and sizes, parameters rebuilt from arrays by name (after an optimiser step), the
loss with every gradient from the model's own derived backward pass, and greedy decoding of one
sentence. [`TranslatorModel`][rnn_math.apps.translator.models.TranslatorModel] names them;
`ENCODER_DECODER` ([`EncoderDecoder`][rnn_math.apps.translator.models.EncoderDecoder]) and
`ATTENTION` ([`Attention`][rnn_math.apps.translator.models.Attention]) provide them, from
[`rnn_math.seq2seq`][rnn_math.seq2seq] and [`rnn_math.attention`][rnn_math.attention].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np

from rnn_math.attention import (
    AttentionParams,
    attention_context,
    attention_decoder_state,
    attention_scores,
    attention_weights,
)
from rnn_math.attention import run_backward as attention_backward
from rnn_math.core.types import Array, IndexArray
from rnn_math.seq2seq import Seq2SeqParams, context, decoder_logits, decoder_state, embed, encode
from rnn_math.seq2seq import run_backward as seq2seq_backward

#: Parameters of either model.
Params = Seq2SeqParams | AttentionParams
P = TypeVar("P", Seq2SeqParams, AttentionParams)


@dataclass(frozen=True)
class Sizes:
    """The widths a model is drawn with (``n_a`` is used by the attention model only)."""

    D_h: int
    d_en: int
    d_hi: int
    n_a: int
    seed: int
    scale: float


@dataclass(frozen=True)
class Decoding:
    """One greedy decoding: the words emitted and, with attention, where each one looked.

    Attributes
    ----------
    tokens
        Hindi word indices, ending with the end token's unless the maximum length cut them short.
    weights
        The attention weights α_{t,j}, shape (len(tokens), T): row t is the weight of each of
        the T English words when word t was emitted, and sums to 1. None without attention.
    """

    tokens: tuple[int, ...]
    weights: Array | None


class TranslatorModel(Protocol):
    """What training and decoding ask of a model."""

    #: The name [`TrainingConfig.model`][rnn_math.apps.translator.training.TrainingConfig] gives.
    name: str

    def initial(self, n_en: int, n_hi: int, sizes: Sizes) -> Params:
        """Parameters drawn from N(0, scale²) for the two vocabulary sizes (end token included)."""
        ...

    def rebuild(self, values: Mapping[str, Array]) -> Params:
        """Parameters from arrays by name (checked as the parameter class checks them)."""
        ...

    def gradients(self, params: Params, source: IndexArray, targets: IndexArray) -> tuple[float, dict[str, Array]]:
        """The loss of a batch of equal-length pairs and the gradient of every parameter by name."""
        ...

    def decode(self, params: Params, source: IndexArray, end: int, max_length: int) -> Decoding:
        """Greedy decoding of one sentence (indices of shape (T,)), stopping at `end` or `max_length`."""
        ...


class EncoderDecoder:
    """The encoder-decoder of [`rnn_math.seq2seq`][rnn_math.seq2seq]: one context vector, the last encoder state."""

    name = "encoder-decoder"

    def initial(self, n_en: int, n_hi: int, sizes: Sizes) -> Seq2SeqParams:
        """See [`TranslatorModel.initial`][rnn_math.apps.translator.models.TranslatorModel.initial]."""
        return Seq2SeqParams.random(
            n_en, n_hi, D_h=sizes.D_h, d_en=sizes.d_en, d_hi=sizes.d_hi, seed=sizes.seed, scale=sizes.scale
        )

    def rebuild(self, values: Mapping[str, Array]) -> Seq2SeqParams:
        """See [`TranslatorModel.rebuild`][rnn_math.apps.translator.models.TranslatorModel.rebuild]."""
        return Seq2SeqParams(**values)

    def gradients(self, params: Params, source: IndexArray, targets: IndexArray) -> tuple[float, dict[str, Array]]:
        """Loss and gradients from the encoder-decoder's [`run_backward`][rnn_math.seq2seq.passes.run_backward]."""
        result = seq2seq_backward(_of(params, Seq2SeqParams), source, targets)
        return float(result.loss), result.grads.as_dict()

    def decode(self, params: Params, source: IndexArray, end: int, max_length: int) -> Decoding:
        """Each step reads the previous state and word; the sentence enters only through s_0 = h_T."""
        p = _of(params, Seq2SeqParams)
        _, _, h = encode(p, np.asarray(source)[None])
        s = context(h)
        token, out = p.start, []
        for _ in range(max_length):
            _, s = decoder_state(p.W_dec, s, p.V, embed(p.E_hi, np.array([token])), p.c)
            token = int(np.argmax(decoder_logits(p.W_out, s, p.b_out)[0]))
            out.append(token)
            if token == end:
                break
        return Decoding(tuple(out), None)


class Attention:
    """The encoder-decoder with attention of [`rnn_math.attention`][rnn_math.attention]."""

    name = "attention"

    def initial(self, n_en: int, n_hi: int, sizes: Sizes) -> AttentionParams:
        """See [`TranslatorModel.initial`][rnn_math.apps.translator.models.TranslatorModel.initial]."""
        return AttentionParams.random(
            n_en, n_hi, D_h=sizes.D_h, d_en=sizes.d_en, d_hi=sizes.d_hi, n_a=sizes.n_a, seed=sizes.seed,
            scale=sizes.scale,
        )  # fmt: skip

    def rebuild(self, values: Mapping[str, Array]) -> AttentionParams:
        """See [`TranslatorModel.rebuild`][rnn_math.apps.translator.models.TranslatorModel.rebuild]."""
        return AttentionParams(**values)

    def gradients(self, params: Params, source: IndexArray, targets: IndexArray) -> tuple[float, dict[str, Array]]:
        """Loss and gradients from attention's [`run_backward`][rnn_math.attention.passes.run_backward]."""
        result = attention_backward(_of(params, AttentionParams), source, targets)
        return float(result.loss), result.grads

    def decode(self, params: Params, source: IndexArray, end: int, max_length: int) -> Decoding:
        """Each step scores every encoder state against s_{t-1}, and reads their weighted average too."""
        p = _of(params, AttentionParams)
        _, _, h = encode(p.as_dict(), np.asarray(source)[None])
        annotations = h[:, 1:]
        s = context(h)
        token, out, rows = p.start, [], []
        for _ in range(max_length):
            _, e = attention_scores(p.W_a, s, p.U_a, annotations, p.v_a)
            alpha = attention_weights(e)
            c_t = attention_context(alpha, annotations)
            _, s = attention_decoder_state(p.W_dec, s, p.V, embed(p.E_hi, np.array([token])), p.W_c, c_t, p.c)
            token = int(np.argmax(decoder_logits(p.W_out, s, p.b_out)[0]))
            out.append(token)
            rows.append(alpha[0])
            if token == end:
                break
        return Decoding(tuple(out), np.stack(rows))


#: The encoder-decoder without attention.
ENCODER_DECODER = EncoderDecoder()
#: The encoder-decoder with attention.
ATTENTION = Attention()
#: Every model by its name.
MODELS: dict[str, TranslatorModel] = {m.name: m for m in (ENCODER_DECODER, ATTENTION)}


def _of(params: Params, kind: type[P]) -> P:
    """`params` if it is of the model's parameter class; a clear error otherwise."""
    if not isinstance(params, kind):
        raise TypeError(f"params: expected {kind.__name__}, got {type(params).__name__}")
    return params


def model_of(params: object) -> TranslatorModel:
    """The model whose parameters `params` are.

    Raises
    ------
    TypeError
        If `params` is neither [`Seq2SeqParams`][rnn_math.seq2seq.params.Seq2SeqParams] nor
        [`AttentionParams`][rnn_math.attention.params.AttentionParams].
    """
    if isinstance(params, AttentionParams):
        return ATTENTION
    if isinstance(params, Seq2SeqParams):
        return ENCODER_DECODER
    raise TypeError(f"params: expected Seq2SeqParams or AttentionParams, got {type(params).__name__}")
