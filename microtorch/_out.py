"""The `out=` argument of torch.add, sub, mul, div, matmul and mm (PyTorch's tutorials write
`torch.matmul(a, b, out=c)`): the result is computed as without it, then written into `out`,
which is returned.

As in PyTorch: no argument (out included) may require grad while grad mode is on, since such
calls are not differentiable; `out` of another shape is resized (with PyTorch's deprecation
warning unless it was empty); elementwise ops write into any dtype the result can be cast to,
matrix products only into their own dtype.
"""
import functools
import warnings

from . import _dtype
from .autograd import is_grad_enabled, no_grad
from .tensor import Tensor


def with_out(fn, name, same_dtype=False):
    """`fn` with a keyword-only `out=`; `name` is how PyTorch's messages call it."""
    @functools.wraps(fn)
    def call(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        tensors = [a for a in (*args, *kwargs.values(), out) if isinstance(a, Tensor)]
        if is_grad_enabled() and any(t.requires_grad for t in tensors):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                               'automatic differentiation, but one of the arguments requires '
                               'grad.')
        with no_grad():
            result = fn(*args, **kwargs)
        _check_dtype(result, out, same_dtype)
        if out.shape != result.shape:
            if out.numel():
                _warn_resized(out, result)
            out.resize_(*result.shape)
        with no_grad():
            out.copy_(result)
        return out
    return call


def _check_dtype(result, out, same_dtype):
    if same_dtype and out.dtype is not result.dtype:
        raise RuntimeError(f'Expected out tensor to have dtype '
                           f'{_dtype.c_type_name(result.dtype)}, but got '
                           f'{_dtype.c_type_name(out.dtype)} instead')
    if not _dtype.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_dtype.type_name(result.dtype)} can't be cast to the "
                           f'desired output type {_dtype.type_name(out.dtype)}')


def _warn_resized(out, result):
    from ._caller import user_stacklevel
    warnings.warn(f'An output with one or more elements was resized since it had shape '
                  f'{list(out.shape)}, which does not match the required output shape '
                  f'{list(result.shape)}. This behavior is deprecated, and in a future '
                  'PyTorch release outputs will not be resized unless they have zero elements. '
                  'You can explicitly reuse an out tensor t by resizing it, inplace, to zero '
                  'elements with t.resize_(0).', UserWarning, stacklevel=user_stacklevel())
