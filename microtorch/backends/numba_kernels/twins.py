"""Serial twins of parallel kernels: the same code compiled without threads."""
import types

import numba


def serial_twin(kernel):
    """The parallel kernel's code compiled without threads (prange runs as range), under a name
    of its own so that its cache files are its own: small arrays skip the parallel launch
    (~60 us with sleeping workers) and give the same numbers. NumPy's error model: a division
    by zero gives inf or nan, never Python's exception."""
    fn = kernel.py_func
    twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + '_serial',
                              fn.__defaults__, fn.__closure__)
    twin.__qualname__ = twin.__name__
    twin.__doc__ = fn.__doc__
    options = {k: v for k, v in kernel.targetoptions.items()
               if k not in ('parallel', 'nopython')}          # (njit's own)
    options['error_model'] = 'numpy'
    return numba.njit(cache=True, **options)(twin)
