"""Helpers the distributions share: parameter broadcasting and probs <-> logits."""
import microtorch

__all__ = ['broadcast_all', 'logits_to_probs', 'probs_to_logits', 'clamp_probs',
           'lazy_property', 'broadcast_params', 'tril_matrix_to_vec', 'vec_to_tril_matrix']


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, microtorch.Tensor)


def broadcast_all(*values):
    """Tensors and Python numbers -> tensors of one broadcast shape. Numbers take the dtype
    and device of the first tensor given (the default dtype when there is none)."""
    if not all(isinstance(v, microtorch.Tensor) or is_number(v) for v in values):
        raise ValueError('Input arguments must all be instances of Number, microtorch.Tensor '
                         'or objects implementing __torch_function__.')
    first = next((v for v in values if isinstance(v, microtorch.Tensor)), None)
    options = (dict(dtype=microtorch.get_default_dtype()) if first is None
               else dict(dtype=first.dtype, device=first.device))
    tensors = [v if isinstance(v, microtorch.Tensor) else microtorch.tensor(v, **options)
               for v in values]
    return microtorch.broadcast_tensors(*tensors)


def broadcast_params(*values):
    """broadcast_all's tensors and the batch shape they give: () when every value is a
    number (a distribution of Python numbers is a single one), else their shape."""
    tensors = broadcast_all(*values)
    numbers = all(is_number(v) for v in values)
    return tensors, (microtorch.Size() if numbers else tensors[0].size())


def clamp_probs(probs):
    """Probabilities kept one machine epsilon away from 0 and 1 (so their logs are finite)."""
    eps = microtorch.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary=False):
    """Log-odds -> probabilities (binary: sigmoid), else log weights -> softmax (last dim)."""
    if is_binary:
        return microtorch.sigmoid(logits)
    return microtorch.softmax(logits, dim=-1)


def probs_to_logits(probs, is_binary=False):
    """The inverse of logits_to_probs, on clamped probabilities."""
    clamped = clamp_probs(probs)
    if is_binary:
        return microtorch.log(clamped) - microtorch.log1p(-clamped)
    return microtorch.log(clamped)


class lazy_property:
    """Computed on first access and then stored on the instance (a parameter given in the
    other form: a Bernoulli made from logits computes its probs when asked)."""

    def __init__(self, compute):
        self.compute = compute
        self.__doc__ = compute.__doc__
        self.__name__ = compute.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with microtorch.enable_grad():
            value = self.compute(instance)
        instance.__dict__[self.__name__] = value
        return value


def _tril_mask(n, diag, device):
    """(n, n) bools: True on and below the diag-th diagonal."""
    arange = microtorch.arange(n, device=device)
    return arange < arange.view(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat, diag=0):
    """The entries of (a batch of) square matrices on and below the diag-th diagonal, row by
    row, as vectors."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f'diag ({diag}) provided is outside [{-n}, {n - 1}].')
    return mat[..., _tril_mask(n, diag, mat.device)]


def vec_to_tril_matrix(vec, diag=0):
    """The inverse of tril_matrix_to_vec: vectors laid out row by row on and below the
    diag-th diagonal of square matrices, zeros elsewhere."""
    # the positive root of n**2 + (1 + 2 diag) n - |diag| (diag + 1) - 2 len = 0
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1]
                            + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if round(n) - n > microtorch.finfo(vec.dtype).eps:
        raise ValueError(f'The size of last dimension is {vec.shape[-1]} which cannot be '
                         'expressed as the lower triangular part of a square D x D matrix.')
    n = round(n)
    mat = vec.new_zeros(vec.shape[:-1] + microtorch.Size((n, n)))
    mat[..., _tril_mask(n, diag, vec.device)] = vec
    return mat
