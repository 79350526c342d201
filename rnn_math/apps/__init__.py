"""Applications built on the models: training, sampling, the translator, the command line, the benchmark."""
