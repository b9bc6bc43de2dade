"""Memory layouts as PyTorch keeps them: the order of a tensor's dims in memory, and copies
and new tensors made in that order (preserve_format, the default of clone and the *_like
functions)."""
import numpy as np

from .backends import cpu_copies as _cpu_copies


def memory_order(shape, strides):
    """The dims from the outermost in memory, as PyTorch orders them for a tensor made like
    one of these strides and filled in memory order: by stride, a broadcast dim (stride 0) or
    a tie of strides and sizes left where it is (TensorIterator's sort)."""
    return _sorted_dims(shape, [strides])


def elementwise_order(shape, inputs):
    """The memory order (outermost dim first) PyTorch gives the result of an elementwise op:
    `shape` is the result's, `inputs` the (shape, strides) of each input array in argument
    order. As TensorIterator: an input's dims that broadcast count as stride 0, and two dims
    are ordered by the first input whose strides tell them apart."""
    ndim = len(shape)
    broadcast = []
    for input_shape, input_strides in inputs:
        offset = ndim - len(input_shape)
        broadcast.append([0] * offset + [
            0 if size == 1 and shape[offset + i] != 1 else stride
            for i, (size, stride) in enumerate(zip(input_shape, input_strides))])
    return _sorted_dims(shape, broadcast)


def _sorted_dims(shape, strides_of_inputs):
    order = list(range(len(shape)))[::-1]         # innermost first while sorting

    def should_swap(outer, inner):                # 1: swap, -1: keep, 0: cannot tell
        for strides in strides_of_inputs:
            if strides[outer] == 0 or strides[inner] == 0:
                continue                          # broadcast in this input: ask the next
            if strides[outer] != strides[inner]:
                return 1 if strides[outer] > strides[inner] else -1
            if shape[outer] > shape[inner]:
                return 1
        return 0
    for i in range(1, len(order)):                # insertion sort past ambiguous pairs
        moving = i
        for before in range(i - 1, -1, -1):
            comparison = should_swap(order[before], order[moving])
            if comparison > 0:
                order[before], order[moving] = order[moving], order[before]
                moving = before
            elif comparison < 0:
                break
    return order[::-1]


def inverse(order):
    """The permutation that undoes `order` (puts dims taken in that order back in place)."""
    back = [0] * len(order)
    for position, dim in enumerate(order):
        back[dim] = position
    return back


def copy_in_layout(array):
    """A dense copy of a NumPy or CuPy array laid out as PyTorch's clone lays it out (NumPy's
    order='K' differs on broadcast dims)."""
    if array.flags.c_contiguous or array.ndim < 2:
        return copy(array)
    order = memory_order(array.shape, array.strides)
    if order == sorted(order):
        return copy(array)
    return in_order(array, order)


def elementwise_result(out, inputs, array_types):
    """`out`, an elementwise op's result that NumPy or CuPy made from `inputs` (the op's
    arguments in order: arrays of `array_types`, and numbers), laid out as PyTorch lays out
    that result. Where the inputs' layouts disagree NumPy falls back to C order and PyTorch
    follows the first input that orders two dims (`x.t() + y` is laid out as x.t()), so
    then this copies; the layout decides what `view` accepts and a later sum's order."""
    if out.ndim < 2 or out.size == 0:
        return out
    arrays = [a for a in inputs if type(a) in array_types]
    if all(a.flags.c_contiguous for a in arrays):   # then PyTorch's result is C-ordered too
        return out
    # Decided once per layout (a training step repeats its layouts): the order costs ~4 us
    # of Python, on ops of tens of microseconds (an expanded bias, a transposed operand).
    key = (out.shape, out.strides, out.itemsize, tuple([(a.shape, a.strides) for a in arrays]))
    try:
        order = _result_orders[key]
    except KeyError:
        order = elementwise_order(out.shape, key[3])
        order = None if is_dense_in(out, order) else order
        if len(_result_orders) >= 4096:             # (layouts that never repeat)
            _result_orders.clear()
        _result_orders[key] = order
    return out if order is None else in_order(out, order)


_result_orders = {}      # (result's layout, inputs' layouts) -> None (as it is) or an order


def grad_order(variable):
    """The memory order of a leaf's `.grad` (PyTorch's gradient layout contract): the
    leaf's own when the leaf is dense, else C order."""
    if variable.flags.c_contiguous or not is_non_overlapping_and_dense(variable):
        return list(range(variable.ndim))
    return memory_order(variable.shape, variable.strides)


def leaf_grad(variable, grad, owned):
    """A leaf's first `.grad` made from the gradient array that reached it, laid out by
    the contract (grad_order). owned: the engine's own array, which may be kept as it is
    when it already has that layout."""
    if grad.ndim < 2 or (variable.flags.c_contiguous and grad.flags.c_contiguous):
        return grad if owned else copy(grad)
    order = grad_order(variable)
    if owned and is_dense_in(grad, order):
        return grad
    return in_order(grad, order)


def in_order(array, order):
    """A dense copy of `array` whose dims lie in memory in `order`, outermost first."""
    return copy(array.transpose(order)).transpose(inverse(order))


def copy(array):
    """array.copy() (C order); a large NumPy array's on the kernels' threads."""
    if type(array) is _NUMPY_ARRAY:
        return _cpu_copies.copy(array)
    return array.copy()


_NUMPY_ARRAY = np.ndarray


def is_non_overlapping_and_dense(array):
    """Do the array's elements fill its memory once over, in some order of its dims?"""
    flags = array.flags
    if flags.c_contiguous or flags.f_contiguous:
        return True
    shape, strides = array.shape, array.strides
    return is_dense_in(array, sorted((d for d in range(array.ndim) if shape[d] != 1),
                                      key=lambda d: -strides[d]))


def is_dense_in(array, order):
    """Is `array` dense with its dims in memory `order` (dims of size 1 being anywhere)?"""
    step = array.itemsize
    shape, strides = array.shape, array.strides
    for dim in reversed(order):
        if shape[dim] != 1:
            if strides[dim] != step:
                return False
            step *= shape[dim]
    return True
