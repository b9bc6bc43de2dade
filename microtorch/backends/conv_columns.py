"""Convolution on the CPU as matrix products over columns of windows, a chunk at a time.

Each image's windows are laid out as columns (C * taps, positions): row (c, tap) holds x's
channel c shifted by the tap, so that with stride 1 each of its pieces is a plain copy of an
input row. The weight (O, C * taps) times those columns is the output (O, positions), already
in NCHW order. The columns are made for a chunk of about CHUNK_BYTES at a time (whole images,
or bands of output rows of one image), multiplied while they are in the cache, and dropped:
the whole batch's windows (215 MB for a 32 x 64 x 56 x 56 input and 3 x 3 kernels) are never
written to memory, which is what the gather-then-matmul form paid most for.

Spatial dims are 2 or 3 (conv1d runs with a height of 1); x comes padded. Everything here is
NumPy and BLAS, so the results do not depend on MICROTORCH_NUMBA. Each output element is the
BLAS dot product of its window and its filter, as before chunking; the input gradient adds
the windows back in np.add.at's order (the scatter that came before it); the weight gradient
sums the chunks' products in chunk order.
"""
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import exact_sum as _exact_sum
from . import numba_dispatch as _numba_dispatch

CHUNK_BYTES = 1 << 23       # 4-16 MB ran within 15% of each other, 1 MB up to 35% slower


def output_size(sizes, kernel, stride, dilation):
    return tuple((n - d * (k - 1) - 1) // s + 1
                 for n, k, s, d in zip(sizes, kernel, stride, dilation))


def convolution(x, weight, bias, stride, dilation, groups):
    """x (N, C, *sizes) padded, weight (O, C / groups, *kernel), bias (O,) or None ->
    (N, O, *outs): the cross-correlation with the given stride and dilation."""
    plan = _Plan(x.shape, weight.shape, stride, dilation, groups, x.dtype)
    out = np.empty((plan.batch, plan.out_channels) + plan.outs, plan.dtype)
    filters = weight.reshape(groups, plan.group_out, plan.depth)
    for chunk in plan.chunks():
        columns = plan.columns(x, chunk)
        target = _positions_view(chunk.of(out), chunk)
        for g in range(groups):
            part = target[:, g * plan.group_out:(g + 1) * plan.group_out]
            np.matmul(filters[g], columns[:, g], out=part)
            if bias is not None:
                part += bias[g * plan.group_out:(g + 1) * plan.group_out, None]
    return out


def convolution_input_grad(gy, weight, shape, stride, dilation, groups):
    """The gradient of convolution for x (of `shape`), from gy (N, O, *outs): the columns
    W^T gy, each added back to the input elements its window read."""
    plan = _Plan(shape, weight.shape, stride, dilation, groups, gy.dtype)
    gx = np.zeros(shape, plan.dtype)
    filters = weight.reshape(groups, plan.group_out, plan.depth)
    for chunk in plan.chunks():
        grads = chunk.of(gy).reshape(chunk.images, plan.out_channels, chunk.positions)
        columns = np.empty((chunk.images, groups, plan.depth, chunk.positions), plan.dtype)
        for g in range(groups):
            np.matmul(filters[g].T, grads[:, g * plan.group_out:(g + 1) * plan.group_out],
                      out=columns[:, g])
        plan.add_back(columns, plan.input_rows(gx, chunk), chunk)
    return gx


def convolution_weight_grad(gy, x, weight_shape, stride, dilation, groups):
    """The gradient of convolution for the weight: gy times the columns' transpose, summed
    over the chunks in order."""
    plan = _Plan(x.shape, weight_shape, stride, dilation, groups, x.dtype)
    gw = np.zeros((groups, plan.group_out, plan.depth), plan.dtype)
    for chunk in plan.chunks():
        columns = plan.columns(x, chunk)
        grads = chunk.of(gy).reshape(chunk.images, plan.out_channels, chunk.positions)
        for g in range(groups):
            part = np.matmul(grads[:, g * plan.group_out:(g + 1) * plan.group_out],
                             columns[:, g].swapaxes(-1, -2))
            for image in part:
                gw[g] += image
    return gw.reshape(weight_shape)


class _Chunk:
    """Images [first, last), and of their output the rows [row0, row1) of the first spatial
    dim (all of them unless the chunk is a band of one image)."""
    __slots__ = ('first', 'last', 'row0', 'row1', 'outs')

    def __init__(self, first, last, row0, row1, outs):
        self.first, self.last, self.row0, self.row1 = first, last, row0, row1
        self.outs = (row1 - row0,) + outs[1:]

    @property
    def images(self):
        return self.last - self.first

    @property
    def positions(self):
        return math.prod(self.outs)

    def of(self, array):
        """This chunk's part of an (N, O, *outs) array."""
        return array[self.first:self.last, :, self.row0:self.row1]


class _Plan:
    """The sizes of one convolution, and how its columns are cut into chunks."""

    def __init__(self, shape, weight_shape, stride, dilation, groups, dtype):
        self.batch, self.channels = shape[:2]
        self.sizes = tuple(shape[2:])
        self.kernel = tuple(weight_shape[2:])
        self.stride, self.dilation, self.groups = tuple(stride), tuple(dilation), groups
        self.out_channels = weight_shape[0]
        self.group_out = self.out_channels // groups
        self.taps = math.prod(self.kernel)
        self.depth = self.channels // groups * self.taps      # a group's column length
        self.outs = output_size(self.sizes, self.kernel, stride, dilation)
        self.dtype = np.dtype(dtype)

    def chunks(self):
        row_bytes = (self.channels * self.taps * math.prod(self.outs[1:])
                     * self.dtype.itemsize)
        image_bytes = row_bytes * self.outs[0]
        if image_bytes <= CHUNK_BYTES:
            step = max(1, CHUNK_BYTES // max(image_bytes, 1))
            for first in range(0, self.batch, step):
                yield _Chunk(first, min(first + step, self.batch), 0, self.outs[0], self.outs)
            return
        rows = max(1, CHUNK_BYTES // row_bytes)
        for image in range(self.batch):
            for row0 in range(0, self.outs[0], rows):
                yield _Chunk(image, image + 1, row0, min(row0 + rows, self.outs[0]),
                             self.outs)

    def input_rows(self, x, chunk):
        """The part of x (N, C, *sizes) that the chunk's windows read."""
        start = chunk.row0 * self.stride[0]
        stop = (chunk.row1 - 1) * self.stride[0] + self.dilation[0] * (self.kernel[0] - 1) + 1
        return x[chunk.first:chunk.last, :, start:stop]

    def columns(self, x, chunk):
        """The chunk's columns, (images, groups, C / groups * taps, positions), contiguous:
        large ones copied by a parallel kernel (NumPy's copy of the strided windows runs on
        one thread, a short inner loop per row of a window)."""
        source = self.input_rows(x, chunk)
        shape = (chunk.images, self.groups, self.depth, chunk.positions)
        size = math.prod(shape)
        if _numba_dispatch.kernel_pays('elementwise', size) and source.dtype.kind == 'f':
            columns = np.empty((chunk.images, self.channels) + self.kernel + chunk.outs,
                               source.dtype)
            front = tuple(range(2, 5 - len(self.kernel)))    # 3 spatial dims, size-1 first
            ones = (1,) * len(front)
            _exact_sum.launch(
                _numba_dispatch._kernel_module('indexing').columns_gather,
                np.expand_dims(source, front),
                np.expand_dims(columns, front + tuple(a + 3 for a in front)),
                np.array(ones + self.stride), np.array(ones + self.dilation))
            return columns.reshape(shape)
        steps = source.strides[2:]
        view = as_strided(source, source.shape[:2] + self.kernel + chunk.outs,
                          source.strides[:2]
                          + tuple(s * d for s, d in zip(steps, self.dilation))
                          + tuple(s * k for s, k in zip(steps, self.stride)),
                          writeable=False)
        return np.ascontiguousarray(view).reshape(shape)

    def add_back(self, columns, target, chunk):
        """target (the chunk's input rows) += each column where its window read it. The
        order is np.add.at's over the windows in row-major order of their positions: each
        element takes its taps last to first (a later window reads it at an earlier tap)."""
        columns = columns.reshape((chunk.images, self.channels) + self.kernel + chunk.outs)
        if _numba_dispatch.kernel_pays('reduction', columns.size):
            front = tuple(range(2, 5 - len(self.kernel)))    # 3 spatial dims, size-1 first
            ones = (1,) * len(front)
            _exact_sum.launch(
                _numba_dispatch._kernel_module('indexing').columns_scatter,
                np.expand_dims(columns, front + tuple(a + 3 for a in front)),
                np.expand_dims(target, front),
                np.array(ones + self.stride), np.array(ones + self.dilation))
            return
        columns = columns.reshape((chunk.images, self.channels, self.taps) + chunk.outs)
        for tap in reversed(range(self.taps)):
            view = self.tap_view(target, tap, chunk)
            view += columns[:, :, tap]

    def tap_view(self, source, tap, chunk):
        """The elements of `source` (the chunk's input rows) that the windows read at one
        tap: (images, C, *chunk outs)."""
        offsets = np.unravel_index(tap, self.kernel)
        steps = source.strides[2:]
        corner = source[(slice(None), slice(None))
                        + tuple(slice(o * d, None) for o, d in zip(offsets, self.dilation))]
        return as_strided(corner, source.shape[:2] + chunk.outs,
                          source.strides[:2] + tuple(s * k for s, k in zip(steps, self.stride)))


def _positions_view(part, chunk):
    """A chunk's part of a C-ordered (N, O, *outs) array as (images, O, positions), a view
    to write into (its rows are whole trailing rows: contiguous in each channel)."""
    flat = part.view()
    flat.shape = (chunk.images, part.shape[1], chunk.positions)   # raises rather than copies
    return flat
