"""PyTorch's complex-number API on real tensors. microtorch has no complex dtypes, so these
are what PyTorch does for real inputs: conjugation and taking the real part give the tensor
itself, the imaginary part is refused, the angle is 0 or pi, and the adjoint is the
transpose of the last two dims.
"""
import math

from .autograd.function import grad_fn_named
from .ops import functional as F
from .tensor import Tensor


def is_complex(input):
    return False


def is_conj(input):
    return False


def is_neg(input):
    return False


def conj(input):
    """The tensor itself (a real tensor is its own conjugate; PyTorch returns it too)."""
    return input


conj_physical = resolve_conj = resolve_neg = real = conj


def imag(input):
    raise RuntimeError('imag is not implemented for tensors with non-complex dtypes.')


@grad_fn_named('AngleBackward0')
def angle(input):
    """The argument of each value as a complex number: pi below 0, else 0 (nan stays nan);
    integers give floats. Its gradient is 0, through sign's (which keeps the graph)."""
    x = F._floating(input)
    phase = F.mul(F.cast(F.lt(x, 0), x.dtype), math.pi)         # in x's dtype
    phase = F.where(F.isnan(x), x.detach(), phase)
    return F.add(phase, F.mul(F.sign(x), 0.0)) if x.requires_grad else phase


def isreal(input):
    """True everywhere: a real tensor's imaginary parts are all 0."""
    from .creation import ones_like
    from ._dtype import bool_
    return ones_like(input, dtype=bool_)


def adjoint(input):
    """The conjugate transpose of the last two dims (for real tensors, their transpose)."""
    if input.ndim < 2:
        raise RuntimeError('tensor.adjoint() is only supported on matrices or batches of '
                           f'matrices. Got {input.ndim}-D tensor.')
    return F.transpose(input, -2, -1)


def _m_h(self):
    if self.ndim < 2:
        raise RuntimeError('tensor.mH is only supported on matrices or batches of matrices. '
                           f'Got {self.ndim}-D tensor.')
    return F.transpose(self, -2, -1)


def _h(self):
    if self.ndim != 2:
        batches = ' For batches of matrices, consider using tensor.mH' if self.ndim > 2 else ''
        raise RuntimeError('tensor.H is only supported on matrices (2-D tensors). Got '
                           f'{self.ndim}-D tensor.{batches}')
    return F.transpose(self, 0, 1)


for _name in ('is_complex', 'is_conj', 'is_neg', 'conj', 'conj_physical', 'resolve_conj',
              'resolve_neg', 'angle', 'isreal', 'adjoint'):
    setattr(Tensor, _name, globals()[_name])
Tensor.real = property(conj)
Tensor.imag = property(imag)
Tensor.mH = property(_m_h)
Tensor.H = property(_h)
