"""The vanilla RNN: its equations in derivation order, the fast path, the 50-digit reference and its mistakes."""
