"""Memory layouts against PyTorch: elementwise results, a leaf's .grad, and the gradients in
between (whose layouts set the order, and so the bits, of the sums that undo broadcasting).
Strides are compared on the dims of size above 1 (a dim of size 1 has no order)."""
import itertools

import numpy as np
import pytest

import microtorch as mt

torch = pytest.importorskip('torch')


def strides_that_matter(t):
    return [s for s, n in zip(t.stride(), t.shape) if n > 1]


def layouts(ndim):
    """(name, make) pairs: make(t) is t in another layout, of the same or a permuted shape."""
    yield 'contiguous', lambda t: t
    for dims in itertools.permutations(range(ndim)):
        if list(dims) != sorted(dims):
            yield f'permuted{dims}', lambda t, dims=dims: t.permute(*dims)
    yield 'sliced', lambda t: t[..., ::2]
    yield 'expanded', lambda t: t[:1].expand(*t.shape)


BINARY = {
    'add': lambda a, b: a + b,
    'mul': lambda a, b: a * b,
    'div': lambda a, b: a / b,
    'maximum': lambda a, b: a.maximum(b),
    'where': lambda a, b: a.where(a > 0, b),
    'add_alpha': lambda a, b: a.add(b, alpha=2),
    'addcmul': lambda a, b: a.addcmul(b, b, value=0.5),
    'lt': lambda a, b: a < b,
    'logical_and': lambda a, b: (a > 0).logical_and(b > 0),
}
UNARY = {
    'sigmoid': lambda a: a.sigmoid(),
    'relu': lambda a: a.relu(),
    'times_number': lambda a: 2.0 * a,
    'to_float64': lambda a: a.double(),
    'to_int32': lambda a: a.int(),
    'flip': lambda a: a.flip(0, -1),            # keeps the input's layout
    'roll': lambda a: a.roll(1, -1),            # C order: PyTorch rolls a contiguous copy
    'tril': lambda a: a.tril(),
    'pad': lambda a: _lib(a).nn.functional.pad(a, (1, 2)),           # C order
    'pad_crop': lambda a: _lib(a).nn.functional.pad(a, (-(a.shape[-1] > 1), 0)),   # a clone
    'index_select': lambda a: a.index_select(-1, _lib(a).tensor([0, 0])),      # C order
}


def _lib(t):
    return mt if isinstance(t, mt.Tensor) else torch
SHAPES = [(4, 6), (4, 1), (3, 1, 6), (3, 4, 6)]


def _both(shape, seed):
    array = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return mt.tensor(array), torch.tensor(array)


@pytest.mark.parametrize('name', sorted(UNARY))
def test_unary_results_and_casts_take_pytorch_layouts(name):
    f = UNARY[name]
    for shape in SHAPES:
        for layout, make in layouts(len(shape)):
            ours, theirs = _both(shape, 0)
            got, want = f(make(ours)), f(make(theirs))
            assert strides_that_matter(got) == strides_that_matter(want), (shape, layout)


def test_padding_keeps_channels_last():
    """A padded 4-d or 5-d input laid out channels-last stays so (suggest_memory_format)."""
    for shape in [(2, 3, 4, 5), (2, 3, 2, 4, 5)]:
        for dims in itertools.permutations(range(len(shape))):
            ours, theirs = _both(shape, 0)
            got, want = [_lib(t).nn.functional.pad(t.permute(*dims), (1, 0, 2, 1))
                         for t in (ours, theirs)]
            assert strides_that_matter(got) == strides_that_matter(want), (shape, dims)


@pytest.mark.parametrize('name', sorted(BINARY))
def test_binary_results_take_pytorch_layouts(name):
    """Where the inputs' layouts disagree, PyTorch follows the first input that orders two
    dims (NumPy would fall back to C order): `x.t() + y` is laid out as x.t(). Twice, and
    in float64 too: the order is decided once per layout (_layout.elementwise_result)."""
    f = BINARY[name]
    checked = 0
    for shape_a, shape_b in itertools.product(SHAPES, repeat=2):
        for (la, make_a), (lb, make_b) in itertools.product(layouts(len(shape_a)),
                                                            layouts(len(shape_b))):
            (a, ta), (b, tb) = _both(shape_a, 1), _both(shape_b, 2)
            try:
                want = f(make_a(ta), make_b(tb))
            except RuntimeError:                  # shapes that do not broadcast
                continue
            for _ in range(2):                    # the second time from the layouts' memo
                got = f(make_a(a), make_b(b))
                assert strides_that_matter(got) == strides_that_matter(want), \
                    (shape_a, la, shape_b, lb)
                double = f(make_a(a.double()), make_b(b.double()))
                assert strides_that_matter(double) == strides_that_matter(want)
            checked += 1
    assert checked > 150


def test_view_of_a_mixed_layout_result_is_refused_as_in_pytorch():
    a = np.random.default_rng(3).standard_normal((2, 1, 40)).astype(np.float32)
    b = np.random.default_rng(4).standard_normal((30, 1)).astype(np.float32)
    for lib in (mt, torch):
        product = lib.tensor(b) * lib.tensor(a).permute(2, 1, 0)        # (40, 30, 2)
        assert product.stride() == (1, 40, 1200)
        with pytest.raises(RuntimeError, match='view size is not compatible'):
            product.view(40, 60)


LEAVES = {
    'contiguous': lambda lib: lib.ones(3, 4),
    'transposed': lambda lib: lib.ones(4, 3).t(),
    'permuted': lambda lib: lib.ones(2, 3, 4).permute(2, 0, 1),
    'sliced': lambda lib: lib.ones(3, 8)[:, ::2],
    'sliced_transposed': lambda lib: lib.ones(8, 3)[::2].t(),
}


@pytest.mark.parametrize('leaf', sorted(LEAVES))
def test_a_leafs_grad_follows_the_gradient_layout_contract(leaf):
    """.grad has the leaf's strides when the leaf is dense, else C order, whatever layout
    the gradient arrived in: on a plain backward, through a hook, and with create_graph."""
    for how in ('plain', 'hook', 'create_graph'):
        grads = {}
        for lib in (mt, torch):
            x = LEAVES[leaf](lib).detach().requires_grad_()
            if how == 'hook':
                x.register_hook(lambda g: g * 1)
            dims = list(range(x.dim()))[::-1]
            other = lib.ones(x.shape[::-1]).permute(*dims)       # a gradient in another layout
            y = x * x * other
            y.sum().backward(create_graph=how == 'create_graph')
            grads[lib] = x.grad
        assert grads[mt].stride() == grads[torch].stride(), how
        if how == 'create_graph':
            assert type(grads[mt].grad_fn).__name__ == 'CopyBackwards'


def test_a_gradient_shared_by_two_leaves_becomes_two_grads_under_create_graph():
    a, b = mt.ones(3, requires_grad=True), mt.ones(3, requires_grad=True)
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad
    a.grad.detach().zero_()
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


MIXED = {
    'transposed_plus_row': lambda x, b, c, g: ((x.t() + b) * g).sum(),
    'transposed_times_row_sigmoid': lambda x, b, c, g: ((x.t() * b).sigmoid() * g).sum(),
    'transposed_plus_column_sigmoid': lambda x, b, c, g: ((x.t() + c).sigmoid() * g).sum(),
    'mean_over_rows': lambda x, b, c, g: ((x.t() - c).abs().mean(0) * b).sum(),
    'relu_mean_over_columns': lambda x, b, c, g:
        ((x.t() * c).relu().mean(1, keepdim=True) * c).sum(),
    'where': lambda x, b, c, g: (g.where(x.t() > 0, c) * b).mean(),
    'division': lambda x, b, c, g: ((g / (x.t().abs() + 1) + c) * b).sum(),
}


@pytest.mark.parametrize('name', sorted(MIXED))
def test_gradients_through_mixed_layouts_have_pytorchs_bits(name):
    """Each formula mixes a transposed tensor with C-ordered ones and broadcasts: the sums
    that undo the broadcasting add in the order of the gradient's layout."""
    rng = np.random.default_rng(5)
    arrays = (rng.standard_normal((170, 90)), rng.standard_normal(170),
              rng.standard_normal((90, 1)), rng.standard_normal((90, 170)))
    results = []
    for lib in (mt, torch):
        x, b, c, g = (lib.tensor(a.astype(np.float32)) for a in arrays)
        for t in (x, b, c):
            t.requires_grad_()
        loss = MIXED[name](x, b, c, g)
        loss.backward()
        results.append([loss.detach().numpy()] + [
            np.zeros(0) if t.grad is None else t.grad.numpy() for t in (x, b, c)])
    for what, ours, theirs in zip(('loss', 'x.grad', 'b.grad', 'c.grad'), *results):
        assert np.array_equal(ours, theirs), what


@pytest.mark.parametrize('layout', ['transposed', 'sliced', 'permuted'])
def test_gradcheck_takes_inputs_in_any_layout_that_does_not_overlap(layout):
    make = {'transposed': lambda: mt.randn(4, 3, dtype=mt.float64).t(),
            'sliced': lambda: mt.randn(3, 8, dtype=mt.float64)[:, ::2],
            'permuted': lambda: mt.randn(2, 3, 4, dtype=mt.float64).permute(2, 0, 1)}[layout]
    x = make().detach().requires_grad_()
    before = x.detach().clone()
    assert mt.autograd.gradcheck(lambda a: (a * a.sum(0)).sin(), (x,))
    assert mt.equal(x.detach(), before)                  # every nudge undone


def test_gradcheck_refuses_an_input_whose_elements_overlap():
    for lib in (mt, torch):
        x = lib.ones(3, dtype=lib.float64).expand(2, 3).requires_grad_()
        with pytest.raises(RuntimeError, match='0th input has a dimension with stride 0'):
            lib.autograd.gradcheck(lambda a: a * 2, (x,))
