"""`microtorch.backends.opt_einsum`: PyTorch asks the opt_einsum package for the order in
which einsum contracts three or more operands. microtorch's einsum goes to NumPy's, which
finds its own order (optimize=True), so these answer whether the package is installed and
keep the switches code sets."""
import importlib.util

enabled = True
strategy = 'auto'


def is_available():
    return importlib.util.find_spec('opt_einsum') is not None


def get_opt_einsum():
    if not is_available():
        return None
    import opt_einsum
    return opt_einsum
