"""Memory layouts as PyTorch keeps them: the order of a tensor's dims in memory, and copies
and new tensors made in that order (preserve_format, the default of clone and the *_like
functions)."""


def memory_order(shape, strides):
    """The dims from the outermost in memory, as PyTorch orders them for a tensor made like
    one of these strides and filled in memory order: by stride, a broadcast dim (stride 0) or
    a tie of strides and sizes left where it is (TensorIterator's sort)."""
    order = list(range(len(shape)))[::-1]         # innermost first while sorting

    def should_swap(outer, inner):
        if strides[outer] == 0 or strides[inner] == 0:
            return 0
        if strides[outer] != strides[inner]:
            return 1 if strides[outer] > strides[inner] else -1
        return 1 if shape[outer] > shape[inner] else 0
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
        return array.copy()
    order = memory_order(array.shape, array.strides)
    if order == sorted(order):
        return array.copy()
    return array.transpose(order).copy().transpose(inverse(order))
