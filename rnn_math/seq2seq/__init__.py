"""The English-to-Hindi encoder-decoder: its equations, forward and backward pass, reference and mistakes."""
