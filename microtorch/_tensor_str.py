"""Tensor printing in PyTorch's format, so a learner's output matches PyTorch's digit for digit.

The rules follow PyTorch's printing options (by default precision 4, threshold 1000, edgeitems
3, line width 80; `set_printoptions` changes them): a float tensor whose values are all
integers prints as `1.`; otherwise fixed point with 4 decimals, or scientific notation when the
values span more than 1000x, exceed 1e8 or go below 1e-4 (unless sci_mode says). All elements
are padded to one width.
"""
import contextlib
import dataclasses
import math

import numpy as np


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: object = None          # None: chosen from the values; True or False: forced


PRINT_OPTS = _PrintOptions()

_PROFILES = {'default': dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
             'short': dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             'full': dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """PyTorch's print options. profile ('default', 'short', 'full') sets the four numbers
    first; the others then override it. sci_mode is reset to automatic unless given, as in
    PyTorch; an unknown profile is ignored, as in PyTorch."""
    for name, value in _PROFILES.get(profile, {}).items():
        setattr(PRINT_OPTS, name, value)
    for name, value in (('precision', precision), ('threshold', threshold),
                        ('edgeitems', edgeitems), ('linewidth', linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options, as keyword arguments for set_printoptions."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**options):
    """Print options changed for a `with` block only."""
    saved = get_printoptions()
    set_printoptions(**options)
    try:
        yield
    finally:
        set_printoptions(**saved)


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
        if PRINT_OPTS.sci_mode is not None:
            self.sci_mode = PRINT_OPTS.sci_mode
        elif self.int_mode:
            self.sci_mode = high / low > 1000.0 or high > 1.0e8
        else:
            self.sci_mode = high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4
        precision = PRINT_OPTS.precision
        for v in finite.tolist():
            if self.sci_mode:
                width = len(f'{v:.{precision}e}')
            elif self.int_mode:
                width = len(f'{v:.0f}') + 1
            else:
                width = len(f'{v:.{precision}f}')
            self.max_width = max(self.max_width, width)

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f'{value:{self.max_width}.{PRINT_OPTS.precision}e}'
        elif self.int_mode:
            text = f'{value:.0f}'
            if not (math.isinf(value) or math.isnan(value)):
                text += '.'
        else:
            text = f'{value:.{PRINT_OPTS.precision}f}'
        return ' ' * (self.max_width - len(text)) + text


def _summarized(array, edge):
    """Only the edge items of each dim, for the formatter to size its columns from."""
    if array.ndim == 0:
        return array
    if array.ndim == 1:
        # PyTorch's x[-0:] is all of x: with edgeitems 0 a vector's formatter sees every item
        return np.concatenate([array[:edge], array[-edge:]]) if array.shape[0] > 2 * edge \
            else array
    if not edge:
        return array[tuple(slice(0, 0) for _ in range(array.ndim))]
    if array.shape[0] > 2 * edge:
        array = np.concatenate([array[:edge], array[-edge:]])
    return np.stack([_summarized(row, edge) for row in array])


def _vector(array, indent, summarize, fmt):
    edge = PRINT_OPTS.edgeitems
    element_length = fmt.max_width + 2
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    values = array.tolist()
    if summarize and not edge:
        items = ['...']
    elif summarize and len(values) > 2 * edge:
        items = [fmt.format(v) for v in values[:edge]] + [' ...'] + \
            [fmt.format(v) for v in values[-edge:]]
    else:
        items = [fmt.format(v) for v in values]
    lines = [', '.join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return '[' + (',\n' + ' ' * (indent + 1)).join(lines) + ']'


def _nested(array, indent, summarize, fmt):
    if array.ndim == 0:
        return fmt.format(array.item())
    if array.ndim == 1:
        return _vector(array, indent, summarize, fmt)
    n, edge = array.shape[0], PRINT_OPTS.edgeitems
    if summarize and n > 2 * edge:
        rows = [_nested(array[i], indent + 1, summarize, fmt) for i in range(edge)]
        rows.append('...')
        rows += [_nested(array[i], indent + 1, summarize, fmt) for i in range(n - edge, n)]
    else:
        rows = [_nested(array[i], indent + 1, summarize, fmt) for i in range(n)]
    return '[' + (',' + '\n' * (array.ndim - 1) + ' ' * (indent + 1)).join(rows) + ']'


def array_str(array, indent):
    if array.size == 0:
        return '[]'
    summarize = array.size > PRINT_OPTS.threshold
    floating = array.dtype.kind == 'f'
    shown = _summarized(array, PRINT_OPTS.edgeitems) if summarize else array
    fmt = _Formatter(shown.reshape(-1), floating)
    return _nested(array, indent, summarize, fmt)


def _with_suffixes(text, suffixes, indent):
    parts = [text]
    last_line = len(text) - text.rfind('\n') + 1
    for suffix in suffixes:
        # Measured as PyTorch's 'torch.float64' so lines break where PyTorch breaks them.
        length = len(suffix.replace('microtorch.', 'torch.'))
        if last_line + length + 2 > PRINT_OPTS.linewidth:
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
        if not PRINT_OPTS.edgeitems:      # no items shown: PyTorch gives the shape
            suffixes.append(f'size={tuple(array.shape)}')
        if shows_dtype:
            suffixes.append(f'dtype={dtype!r}')
        body = array_str(array, indent)
    if t.grad_fn is not None:
        suffixes.append(f'grad_fn=<{type(t.grad_fn).__name__}>')
    elif t.requires_grad:
        suffixes.append('requires_grad=True')
    return _with_suffixes(prefix + body, suffixes, indent)
