"""The benchmark: this package's BPTT against its peers, in one run."""
