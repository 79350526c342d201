"""The loss a gradient checker differentiates reads its parameters from any mapping, not only a dict."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from rnn_math.seq2seq import Seq2SeqParams, forward
from rnn_math.seq2seq.passes import loss

P = Seq2SeqParams.random(4, 5, D_h=3, d_en=2, d_hi=2, seed=0)
SOURCE, TARGETS = np.array([[1, 0, 3], [2, 2, 1]]), np.array([[4, 0], [1, 4]])


def test_the_loss_from_a_read_only_mapping_is_the_forward_pass_loss():
    read_only = MappingProxyType(P.as_dict())  # a Mapping that is not a dict
    assert loss(read_only, SOURCE, TARGETS) == forward(P, SOURCE, TARGETS).loss
