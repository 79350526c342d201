"""SymPy twins of the vanilla RNN's equations."""
