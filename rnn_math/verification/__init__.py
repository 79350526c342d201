"""The verification machinery: exact proofs, 50-digit evaluation, the gradient checker."""
