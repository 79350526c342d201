"""SymPy twins of the GRU's equations (PyTorch's form and the variant of Cho et al.), and their composition."""

from rnn_math.symbolic.gru.composer import SymbolicGRU, SymbolicGRUForward, closed_forms, symbolic_gru, unrolled

__all__ = ["SymbolicGRU", "SymbolicGRUForward", "closed_forms", "symbolic_gru", "unrolled"]
