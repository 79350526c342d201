"""Content of the Worked-example page, computed by the package when the site is built."""

from __future__ import annotations

from functools import cache

from rnn_math.rnn.example import NOTES_W_e, NOTES_W_h, NOTES_b_1, EncoderTrace, notes_encoder
from rnn_math_docs.formatting import latex_matrix, markdown_table


@cache
def _trace() -> EncoderTrace:
    return notes_encoder()


def parameters() -> str:
    """The RNN-theory notes' parameters, in this site's names, as inline math."""
    return (
        f"$W_h = {latex_matrix(NOTES_W_h, 1)}$, "
        f"$W_e = {latex_matrix(NOTES_W_e, 1)}$, "
        f"$b_1 = {latex_matrix(NOTES_b_1, 1)}$"
    )


def steps() -> str:
    """One table row per time step: token, x_t, z_t, h_t."""
    trace = _trace()
    rows = [
        [
            str(t + 1),
            f"“{token}”",
            f"${trace.xs[t, 0]:g}$",
            f"$z_{t + 1} = {latex_matrix(trace.z[t])}$",
            f"$h_{t + 1} = \\tanh(z_{t + 1}) = {latex_matrix(trace.h[t + 1])}$",
        ]
        for t, token in enumerate(trace.tokens)
    ]
    return markdown_table(["$t$", "token", "$x_t$", "pre-activation", "hidden state"], rows, "rlrll")


def context() -> str:
    """The context vector h_2, the encoder's last hidden state."""
    return f"$h_2 = {latex_matrix(_trace().h[-1])}$"
