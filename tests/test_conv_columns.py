"""Convolution as one op (ops/convolution.py) over column GEMMs by chunks
(backends/conv_columns.py): against the composite of the windows op and matmul it replaced,
across chunkings, with the Numba scatter on and off, and twice differentiated."""
import itertools

import numpy as np
import pytest

import microtorch as mt
from microtorch.backends import conv_columns, numba_dispatch
from microtorch.nn import functional as F

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
SPATIAL = {1: (11,), 2: (7, 9), 3: (5, 6, 7)}


def _run(conv, x0, w0, b0, gy0=None, composite=False, **kw):
    """conv's output and gradients (x, w, b) as arrays, by the ops or by the composite; gy0
    None: a cosine."""
    x = mt.tensor(x0, requires_grad=True)
    w = mt.tensor(w0, requires_grad=True)
    b = None if b0 is None else mt.tensor(b0, requires_grad=True)
    original = F._one_op_convolves
    if composite:
        F._one_op_convolves = lambda *args: False
    try:
        y = conv(x, w, b, **kw)
    finally:
        F._one_op_convolves = original
    if gy0 is None:
        gy0 = np.cos(np.arange(y.numel())).reshape(tuple(y.shape))
    y.backward(mt.tensor(gy0))
    return [y.detach().numpy(), x.grad.numpy(), w.grad.numpy(),
            None if b is None else b.grad.numpy()], y.grad_fn


def _inputs(rng, dims, groups, bias, dtype, kw, batch=3, channels=4, out_channels=6):
    x = rng.standard_normal((batch, channels) + SPATIAL[dims]).astype(dtype)
    w = rng.standard_normal((out_channels, channels // groups) + (3,) * dims).astype(dtype)
    b = rng.standard_normal(out_channels).astype(dtype) if bias else None
    y = CONV[dims](mt.tensor(x), mt.tensor(w), None if b is None else mt.tensor(b), **kw)
    return x, w, b, rng.standard_normal(tuple(y.shape)).astype(dtype)


CASES = list(itertools.product((1, 2, 3), (1, 2), (0, 1), (1, 2), (1, 2), (False, True)))


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('dims,stride,padding,dilation,groups,bias', CASES)
def test_the_op_matches_the_windows_composite(dims, stride, padding, dilation, groups, bias,
                                              dtype):
    rng = np.random.default_rng(dims * 100 + stride * 10 + dilation)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    x, w, b, gy = _inputs(rng, dims, groups, bias, dtype, kw)
    ours, node = _run(CONV[dims], x, w, b, gy, **kw)
    theirs, _ = _run(CONV[dims], x, w, b, gy, composite=True, **kw)
    assert type(node).__name__ == 'ConvolutionBackward0'
    rtol = 2e-6 if dtype == 'float32' else 1e-14
    for got, want in zip(ours, theirs):
        if want is not None:
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max())


@pytest.mark.parametrize('dims', [2, 3])
def test_chunks_of_images_and_bands_of_rows_give_the_same_results(dims, monkeypatch):
    """A chunk budget small enough for bands of a few output rows, or for one image at a
    time: the same numbers as one chunk for the batch (the weight's sums up to rounding)."""
    rng = np.random.default_rng(dims)
    kw = dict(stride=(1, 2, 1)[:dims], padding=1, dilation=(2, 1, 1)[:dims], groups=2)
    x, w, b, gy = _inputs(rng, dims, 2, True, 'float64', kw, batch=4, channels=4)
    whole, _ = _run(CONV[dims], x, w, b, gy, **kw)
    # (an output row's columns take 1,440 bytes in 2-d, 18,144 in 3-d; an image's 5 and 3)
    for budget in (1, 5000, 20000, 40000, 120000):
        monkeypatch.setattr(conv_columns, 'CHUNK_BYTES', budget)
        chunked, _ = _run(CONV[dims], x, w, b, gy, **kw)
        for got, want in zip(chunked, whole):
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


def test_chunk_plans_cover_every_output_once(monkeypatch):
    plan = conv_columns._Plan((5, 3, 12, 10), (4, 3, 3, 3), (1, 1), (1, 1), 1, np.float32)
    row = 3 * 9 * 8 * 4                                  # columns of one output row: bytes
    for budget, bands in ((row * 10, False), (row * 3, True), (row * 25, False)):
        monkeypatch.setattr(conv_columns, 'CHUNK_BYTES', budget)
        seen = np.zeros((5, 10), int)
        for chunk in plan.chunks():
            assert (chunk.row1 - chunk.row0 < 10) == bands
            seen[chunk.first:chunk.last, chunk.row0:chunk.row1] += 1
        assert (seen == 1).all()


@pytest.mark.parametrize('stride,dilation', [((1, 1), (1, 1)), ((2, 1), (1, 2)),
                                              ((1, 3), (2, 1))])
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_input_grad_has_the_same_bits_with_and_without_numba(stride, dilation, dtype):
    """The Numba scatter adds each element's taps in the NumPy form's order (np.add.at's):
    the same bits."""
    pytest.importorskip('numba')
    rng = np.random.default_rng(7)
    shape = (2, 8, 30, 26)
    weight = rng.standard_normal((5, 8, 3, 3)).astype(dtype)
    outs = conv_columns.output_size(shape[2:], (3, 3), stride, dilation)
    gy = rng.standard_normal((2, 5) + outs).astype(dtype)
    args = (gy, weight, shape, stride, dilation, 1)
    with numba_dispatch.configure(enabled=True, min_size=0):
        with_kernel = conv_columns.convolution_input_grad(*args)
    with numba_dispatch.configure(enabled=False):
        without = conv_columns.convolution_input_grad(*args)
    np.testing.assert_array_equal(with_kernel, without)


@pytest.mark.parametrize('shape,kernel,stride,dilation,groups', [
    ((2, 4, 9, 11), (3, 3), (1, 1), (1, 1), 1),
    ((2, 4, 9, 11), (3, 2), (2, 3), (2, 1), 2),
    ((1, 2, 1, 13), (1, 3), (1, 2), (1, 2), 1),             # conv1d's form
    ((2, 2, 5, 6, 7), (2, 3, 2), (1, 2, 1), (2, 1, 3), 1),
])
@pytest.mark.parametrize('chunk_bytes', [conv_columns.CHUNK_BYTES, 256])     # images, bands
def test_columns_kernel_copies_numpys_windows(shape, kernel, stride, dilation, groups,
                                              chunk_bytes, monkeypatch):
    """The parallel columns copy gives NumPy's strided copy, element for element, from a
    transposed (non-contiguous) input, in whole images and in bands of rows."""
    pytest.importorskip('numba')
    monkeypatch.setattr(conv_columns, 'CHUNK_BYTES', chunk_bytes)
    x = np.random.default_rng(5).standard_normal(shape[::-1]).astype(np.float32).T
    weight_shape = (4, shape[1] // groups) + kernel
    plan = conv_columns._Plan(x.shape, weight_shape, stride, dilation, groups, x.dtype)
    for chunk in plan.chunks():
        with numba_dispatch.configure(enabled=True, min_size=0):
            with_kernel = plan.columns(x, chunk)
        with numba_dispatch.configure(enabled=False):
            without = plan.columns(x, chunk)
        assert with_kernel.flags.c_contiguous
        np.testing.assert_array_equal(with_kernel, without)


def test_input_grad_adds_windows_back_in_np_add_at_order():
    """Each input element's sum runs over its windows in row-major order of their positions,
    as np.add.at over the gathered windows did before: equal bits on values whose sums
    depend on the order."""
    rng = np.random.default_rng(3)
    shape, kernel, stride, dilation = (1, 2, 9, 8), (3, 2), (1, 2), (2, 1)
    weight = np.eye(2 * 6, dtype=np.float32).reshape(12, 2, 3, 2)      # columns = gy
    outs = conv_columns.output_size(shape[2:], kernel, stride, dilation)
    gy = (rng.standard_normal((1, 12) + outs) * 10.0 ** rng.integers(-6, 6, outs)).astype(
        np.float32)
    got = conv_columns.convolution_input_grad(gy, weight, shape, stride, dilation, 1)
    want = np.zeros(shape, np.float32)
    windows = gy.reshape(2, 3, 2, *outs)                 # (c, k0, k1, o0, o1)
    for a, b, i, j in itertools.product(range(outs[0]), range(outs[1]), range(3), range(2)):
        for c in range(2):           # np.add.at's order: positions, then the window's taps
            want[0, c, a * stride[0] + i * dilation[0], b * stride[1] + j * dilation[1]] += \
                windows[c, i, j, a, b]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize('conv,x_shape,w_shape', [
    (lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
     (2, 4, 6, 5), (6, 2, 3, 2)),
    (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=(2, 3), padding=(1, 0),
                                        output_padding=(1, 2), groups=2, dilation=(1, 2)),
     (2, 4, 3, 4), (4, 3, 3, 2))], ids=['conv2d', 'conv_transpose2d'])
def test_gradients_twice_by_finite_differences(conv, x_shape, w_shape):
    """The three ops differentiate into one another: the forward's gradients, and theirs."""
    rng = np.random.default_rng(5)
    x = mt.tensor(rng.standard_normal(x_shape), requires_grad=True)
    w = mt.tensor(rng.standard_normal(w_shape), requires_grad=True)
    b = mt.tensor(rng.standard_normal(6), requires_grad=True)
    assert mt.autograd.gradcheck(conv, (x, w, b))
    assert mt.autograd.gradgradcheck(conv, (x, w, b))


def test_a_sums_broadcast_gradient_and_a_strided_input():
    """gy from .sum() (zero strides) and x a transposed view: read as they are."""
    rng = np.random.default_rng(9)
    x0 = rng.standard_normal((2, 3, 9, 8))
    x = mt.tensor(x0.transpose(0, 1, 3, 2).copy()).transpose(2, 3).requires_grad_()
    w = mt.tensor(rng.standard_normal((4, 3, 2, 2)), requires_grad=True)
    F.conv2d(x, w).sum().backward()
    xs = mt.tensor(x0, requires_grad=True)
    ws = mt.tensor(w.detach().numpy(), requires_grad=True)
    F.conv2d(xs, ws).backward(mt.ones(2, 4, 8, 7, dtype=mt.float64))
    np.testing.assert_allclose(x.grad.numpy(), xs.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(w.grad.numpy(), ws.grad.numpy(), rtol=1e-14)


def test_an_empty_batch():
    x = mt.zeros(0, 3, 5, 5, requires_grad=True)
    w = mt.ones(2, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, mt.ones(2))
    assert tuple(y.shape) == (0, 2, 3, 3)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 5, 5) and float(w.grad.abs().sum()) == 0.0


def test_against_pytorch():
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(11)
    x0 = rng.standard_normal((3, 4, 10, 9)).astype(np.float32)
    w0 = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    b0 = rng.standard_normal(6).astype(np.float32)
    kw = dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    ours = [mt.tensor(a, requires_grad=True) for a in (x0, w0, b0)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x0, w0, b0)]
    y = F.conv2d(*ours, **kw)
    t = torch.nn.functional.conv2d(*theirs, **kw)
    gy = rng.standard_normal(tuple(t.shape)).astype(np.float32)
    y.backward(mt.tensor(gy))
    t.backward(torch.tensor(gy))
    np.testing.assert_allclose(y.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-5)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-4)


TRANSPOSED = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


@pytest.mark.parametrize('dims,stride,padding,output_padding,dilation,groups,bias', [
    case for case in itertools.product((1, 2, 3), (1, 2), (0, 1), (0, 1), (1, 2), (1, 2),
                                       (False, True))
    if case[3] < case[1]])
def test_conv_transpose_by_the_input_grad_op(dims, stride, padding, output_padding, dilation,
                                             groups, bias):
    """conv_transpose as the input gradient of its convolution, against the composite
    (zeros spread between the elements, then a convolution with the flipped kernel)."""
    rng = np.random.default_rng(stride * 31 + dilation)
    x0 = rng.standard_normal((2, 4) + SPATIAL[dims][:dims])
    w0 = rng.standard_normal((4, 6 // groups) + (3,) * dims)
    b0 = rng.standard_normal(6) if bias else None
    kw = dict(stride=stride, padding=padding, output_padding=output_padding,
              dilation=dilation, groups=groups)
    ours, node = _run(TRANSPOSED[dims], x0, w0, b0, **kw)
    theirs, _ = _run(TRANSPOSED[dims], x0, w0, b0, composite=True, **kw)
    assert type(node).__name__ == 'ConvolutionBackward0'
    for got, want in zip(ours, theirs):
        if want is not None:
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)

