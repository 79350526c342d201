"""The shared core: the equation registry, activations, input checks and gradient clipping."""
