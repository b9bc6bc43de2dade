"""PyTorch's `<view>_copy` functions (`torch.t_copy`, `torch.unbind_copy`, ...): the view op,
then a copy of what it returns, so the result never shares memory with the input. Gradients
flow through the view and the copy, as through PyTorch's."""
from ._size import wrap_dim
from .ops.slicing import as_strided


def _copied(out):
    if isinstance(out, (tuple, list)):        # unbind_copy, split_copy: a copy of each part
        return type(out)(t.clone() for t in out)
    return out.clone()


def _copy_form(name, view):
    def function(input, *args, **kwargs):
        return _copied(view(input, *args, **kwargs))
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f'A copy of what the view op gives: microtorch.{name}.'
    return function


def _slice(input, dim=0, start=None, end=None, step=1):
    index = [slice(None)] * input.ndim
    index[wrap_dim(dim, input.ndim)] = slice(start, end, step)
    return input[tuple(index)]


def _expand(input, size, *, implicit=False):
    return input.expand(*size)


_VIEWS = {
    'alias_copy': lambda input: input,
    'detach_copy': lambda input: input.detach(),
    'diagonal_copy': lambda input, offset=0, dim1=0, dim2=1: input.diagonal(offset, dim1, dim2),
    'expand_copy': _expand,
    'permute_copy': lambda input, dims: input.permute(*dims),
    'select_copy': lambda input, dim, index: input.select(dim, index),
    'slice_copy': _slice,
    'squeeze_copy': lambda input, *dim: input.squeeze(*dim),
    't_copy': lambda input: input.t(),
    'transpose_copy': lambda input, dim0, dim1: input.transpose(dim0, dim1),
    'unbind_copy': lambda input, dim=0: input.unbind(dim),
    'unfold_copy': lambda input, dimension, size, step: input.unfold(dimension, size, step),
    'unsqueeze_copy': lambda input, dim: input.unsqueeze(dim),
    'view_copy': lambda input, *shape, **kwargs: input.view(*shape, **kwargs),
    'as_strided_copy': lambda input, size, stride, storage_offset=None: as_strided(
        input, size, stride, storage_offset),
    'split_copy': lambda input, split_size, dim=0: input.split(split_size, dim),
    'split_with_sizes_copy': lambda input, split_sizes, dim=0: input.split(list(split_sizes),
                                                                          dim),
}

FUNCTIONS = {name: _copy_form(name, view) for name, view in _VIEWS.items()}
