"""Tensor printing in PyTorch's format, so a learner's output matches PyTorch's digit for digit.

The rules follow PyTorch's printing options (precision 4, threshold 1000, edgeitems 3, line
width 80): a float tensor whose values are all integers prints as `1.`; otherwise fixed point
with 4 decimals, or scientific notation when the values span more than 1000x, exceed 1e8 or go
below 1e-4. All elements are padded to one width.
"""
import math

import numpy as np

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


class _Formatter:
    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not floating:
            for v in values.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        finite = values[np.isfinite(values) & (values != 0)].astype(np.float64)
        if finite.size == 0:
            return
        magnitudes = np.abs(finite)
        low, high = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            self.sci_mode = high / low > 1000.0 or high > 1.0e8
        else:
            self.sci_mode = high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4
        for v in finite.tolist():
            if self.sci_mode:
                width = len(f'{v:.{PRECISION}e}')
            elif self.int_mode:
                width = len(f'{v:.0f}') + 1
            else:
                width = len(f'{v:.{PRECISION}f}')
            self.max_width = max(self.max_width, width)

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f'{value:{self.max_width}.{PRECISION}e}'
        elif self.int_mode:
            text = f'{value:.0f}'
            if not (math.isinf(value) or math.isnan(value)):
                text += '.'
        else:
            text = f'{value:.{PRECISION}f}'
        return ' ' * (self.max_width - len(text)) + text


def _summarized(array):
    """Only the edge items of each dim, for the formatter to size its columns from."""
    if array.ndim == 0:
        return array
    if array.shape[0] > 2 * EDGEITEMS:
        array = np.concatenate([array[:EDGEITEMS], array[-EDGEITEMS:]])
    if array.ndim == 1:
        return array
    return np.stack([_summarized(row) for row in array])


def _vector(array, indent, summarize, fmt):
    element_length = fmt.max_width + 2
    per_line = max(1, (LINEWIDTH - indent) // element_length)
    values = array.tolist()
    if summarize and len(values) > 2 * EDGEITEMS:
        items = [fmt.format(v) for v in values[:EDGEITEMS]] + [' ...'] + \
            [fmt.format(v) for v in values[-EDGEITEMS:]]
    else:
        items = [fmt.format(v) for v in values]
    lines = [', '.join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return '[' + (',\n' + ' ' * (indent + 1)).join(lines) + ']'


def _nested(array, indent, summarize, fmt):
    if array.ndim == 0:
        return fmt.format(array.item())
    if array.ndim == 1:
        return _vector(array, indent, summarize, fmt)
    n = array.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        rows = [_nested(array[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)]
        rows.append('...')
        rows += [_nested(array[i], indent + 1, summarize, fmt) for i in range(n - EDGEITEMS, n)]
    else:
        rows = [_nested(array[i], indent + 1, summarize, fmt) for i in range(n)]
    return '[' + (',' + '\n' * (array.ndim - 1) + ' ' * (indent + 1)).join(rows) + ']'


def array_str(array, indent):
    if array.size == 0:
        return '[]'
    summarize = array.size > THRESHOLD
    floating = array.dtype.kind == 'f'
    fmt = _Formatter((_summarized(array) if summarize else array).reshape(-1), floating)
    return _nested(array, indent, summarize, fmt)


def _with_suffixes(text, suffixes, indent):
    parts = [text]
    last_line = len(text) - text.rfind('\n') + 1
    for suffix in suffixes:
        # Measured as PyTorch's 'torch.float64' so lines break where PyTorch breaks them.
        length = len(suffix.replace('microtorch.', 'torch.'))
        if last_line + length + 2 > LINEWIDTH:
            parts.append(',\n' + ' ' * indent + suffix)
            last_line = indent + length
        else:
            parts.append(', ' + suffix)
            last_line += length + 2
    parts.append(')')
    return ''.join(parts)


def tensor_repr(t, prefix='tensor('):
    from . import _dtype
    indent = len(prefix)
    array = t.detach().cpu()._data
    dtype = t.dtype
    suffixes = []
    if t.device.type != 'cpu':
        suffixes.append(f"device='{t.device}'")
    shows_dtype = dtype not in (_dtype.default_float, _dtype.int64, _dtype.bool_)
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f'size={tuple(array.shape)}')
        if dtype is not _dtype.default_float:
            suffixes.append(f'dtype={dtype!r}')
        body = '[]'
    else:
        if shows_dtype:
            suffixes.append(f'dtype={dtype!r}')
        body = array_str(array, indent)
    if t.grad_fn is not None:
        suffixes.append(f'grad_fn=<{type(t.grad_fn).__name__}>')
    elif t.requires_grad:
        suffixes.append('requires_grad=True')
    return _with_suffixes(prefix + body, suffixes, indent)
