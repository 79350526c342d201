"""The English-to-Hindi translator trained with the encoder-decoder."""
