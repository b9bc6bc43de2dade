"""`microtorch.backends.openmp`: microtorch's parallel CPU kernels run on Numba's threads, not
an OpenMP runtime of its own."""


def is_available():
    return False
