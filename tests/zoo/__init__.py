"""A model zoo: small training programs on synthetic data, each written once against
PyTorch's API.

Every program is a function `train(torch, ...)` taking the library module (microtorch or
PyTorch) and returning `(losses, finals)`: the list of per-step losses (floats) and a dict of
a few final tensors (parameters, buffers, predictions). tests/test_zoo.py runs each from the
same seed in both libraries and compares the two.
"""
