"""Training a character-level RNN on your own text: settings, the loop, checkpoints, sampling."""
