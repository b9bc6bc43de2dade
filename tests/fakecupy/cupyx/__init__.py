"""The part of cupyx that microtorch's CUDA backend uses, for the fake CuPy."""
import contextlib

from . import scipy  # noqa: F401  (cupyx.scipy.linalg)


@contextlib.contextmanager
def errstate(linalg=None):
    """CuPy checks cuSOLVER's info only under linalg='raise'; the fake's linalg is NumPy's,
    which always raises, so there is nothing to switch."""
    yield
