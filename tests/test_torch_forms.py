"""More of the torch.* namespace against PyTorch: the `<view>_copy` functions, the nn ops
PyTorch also has at top level, the older linalg names, index_reduce, the RNN cells, and the
Tensor methods resize_, apply_, map_ and register_post_accumulate_grad_hook."""
import warnings

import numpy as np
import pytest

import microtorch


def both(expression, torch, grad=True):
    """expression evaluated with each library on the same inputs; the outputs and, where the
    first input requires grad, its gradient."""
    results = []
    for lib in (microtorch, torch):
        rng = np.random.default_rng(0)
        a = lib.tensor(rng.standard_normal((2, 3, 4)), dtype=lib.float32, requires_grad=grad)
        m = lib.tensor(rng.standard_normal((3, 3)), dtype=lib.float32)
        spd = m @ m.T + 3 * lib.eye(3)
        names = {'lib': lib, 'a': a, 'm': m, 'L': lib.linalg.cholesky(spd),
                 'F': lib.nn.functional}
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            out = eval(expression, names)
        parts = list(out) if isinstance(out, (tuple, list)) else [out]
        tensors = [p for p in parts if hasattr(p, 'shape')]
        gradient = None
        if grad and tensors and any(t.requires_grad for t in tensors):
            total = sum((t * (lib.arange(t.numel(), dtype=t.dtype).reshape(t.shape) % 5)).sum()
                        for t in tensors if t.requires_grad and t.is_floating_point())
            total.backward()
            gradient = a.grad
        results.append((type(out).__name__, [(tuple(t.shape), str(t.dtype).split('.')[-1],
                                              t.detach().numpy()) for t in tensors], gradient))
    return results


COPIES = [
    'lib.alias_copy(a)', 'lib.detach_copy(a)', 'lib.diagonal_copy(a, 0, 1, 2)',
    'lib.expand_copy(a[:1], (3, 3, 4))', 'lib.permute_copy(a, (2, 0, 1))',
    'lib.select_copy(a, 1, 2)', 'lib.slice_copy(a, 2, 1, 3)', 'lib.squeeze_copy(a[:1])',
    'lib.t_copy(a[0])', 'lib.transpose_copy(a, 0, 2)', 'lib.unbind_copy(a, 1)',
    'lib.unfold_copy(a, 2, 2, 1)', 'lib.unsqueeze_copy(a, 1)', 'lib.view_copy(a, (6, 4))',
    'lib.as_strided_copy(a, (2, 2), (1, 2))', 'lib.split_copy(a, 2, 2)',
    'lib.split_with_sizes_copy(a, [1, 3], 2)',
]
FORMS = [
    'lib.conv3d(a[None, None], lib.ones(1, 1, 2, 2, 2))',
    'lib.conv_transpose3d(a[None, None], lib.ones(1, 1, 2, 2, 2))',
    'lib.max_pool3d(a[None], 2)', 'lib.bilinear(a[0], a[1], lib.ones(2, 4, 4))',
    'lib.constant_pad_nd(a, (1, 2), 0.5)', 'lib.detach(a)',
    'lib.native_dropout(a, 0.5, False)', 'lib.native_layer_norm(a, (4,), None, None, 1e-5)',
    'lib.native_layer_norm(a, (3, 4), lib.ones(3, 4), lib.zeros(3, 4), 1e-5)',
    'lib.cholesky_inverse(L)', 'lib.cholesky_inverse(L.T, upper=True)',
    'lib.triangular_solve(a[0, :, :3].T, L, upper=False)',
    'lib.triangular_solve(a[0, :, :3].T, L.T, transpose=True)',
    'lib.triangular_solve(a[0, :, :3].T, L, upper=False, unitriangular=True)',
    'lib.frobenius_norm(a, dim=(1, 2))', 'lib.frobenius_norm(a, dim=[0, 2], keepdim=True)',
    'lib.nuclear_norm(a[0])', 'lib.nuclear_norm(a[0], True)', 'lib.nuclear_norm(a, (1, 2))',
    'lib.empty_strided((2, 3), (1, 2)).stride()', 'lib.empty_strided((2, 3), (1, 2)).shape',
    'lib.index_reduce(a, 1, lib.tensor([0, 0, 2]), a * 2, "prod")',
    'lib.index_reduce(a, 2, lib.tensor([3, 0, 3, 1]), a, "mean", include_self=False)',
    'lib.index_reduce(a, 0, lib.tensor([1, 1]), a, "amax")',
    'a.index_reduce(1, lib.tensor([2, 1, 2]), a, "amin")',
    'a.detach().clone().index_reduce_(1, lib.tensor([2, 1, 2]), a.detach(), "prod")',
    'lib.nonzero_static(lib.tensor([0, 1, 0, 2]), size=3)',
    'lib.nonzero_static(lib.tensor([[0, 1], [3, 2]]), size=1, fill_value=7)',
    'lib.unsafe_chunk(a, 2, 2)', 'lib.unsafe_split(a, 2, 1)',
    'lib.unsafe_split_with_sizes(a, [1, 2], 1)', 'a.unsafe_chunk(3, 1)',
    'lib.get_device(a)', 'L.cholesky_inverse()', 'a[0, :, :3].T.triangular_solve(L)',
    'lib.rnn_tanh_cell(a[0], a[1, :, :2], lib.ones(2, 4) / 4, lib.ones(2, 2), '
    'lib.ones(2), lib.zeros(2))',
    'lib.rnn_relu_cell(a[0], a[1, :, :2], lib.ones(2, 4) / 4, lib.ones(2, 2))',
    'lib.lstm_cell(a[0], (a[1, :, :2], a[1, :, 2:]), lib.arange(32.).reshape(8, 4) / 40, '
    'lib.ones(8, 2) / 3, lib.ones(8), lib.ones(8) / 2)',
    'lib.gru_cell(a[0], a[1, :, :2], lib.arange(24.).reshape(6, 4) / 30, '
    'lib.ones(6, 2) / 3, lib.ones(6), lib.ones(6) / 2)',
]


@pytest.mark.parametrize('expression', COPIES + FORMS)
def test_as_pytorch(expression, torch):
    # PyTorch's detach_copy keeps requires_grad but has no derivative; microtorch's is detached
    differentiable = 'detach_copy' not in expression
    (kind, outs, grad), (t_kind, t_outs, t_grad) = both(expression, torch, differentiable)
    assert kind.replace('microtorch', 'torch') == t_kind or {kind, t_kind} <= {
        'Tensor', 'Size', 'tuple', 'triangular_solve'}
    assert len(outs) == len(t_outs)
    for (shape, dtype, value), (t_shape, t_dtype, t_value) in zip(outs, t_outs):
        assert (shape, dtype) == (t_shape, t_dtype)
        if 'empty_strided' not in expression:
            np.testing.assert_allclose(value, t_value, rtol=1e-5, atol=1e-6)
    assert (grad is None) == (t_grad is None)
    if grad is not None:
        np.testing.assert_allclose(grad.numpy(), t_grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('expression', COPIES)
def test_copies_share_no_memory(expression):
    a = microtorch.arange(24.0).reshape(2, 3, 4)
    out = eval(expression, {'lib': microtorch, 'a': a})
    for t in (out if isinstance(out, (tuple, list)) else [out]):
        assert not np.shares_memory(t.numpy(), a.numpy())


def test_index_reduce_refuses_sum(torch):
    for lib in (microtorch, torch):
        with pytest.raises(RuntimeError, match='Expected reduce to be one of prod, mean, amax '
                                               'or amin but got sum'):
            lib.ones(2).index_reduce(0, lib.tensor([0]), lib.ones(1), 'sum')


def test_resize_apply_map(torch):
    for lib in (microtorch, torch):
        x = lib.arange(6.0)
        assert x.resize_(2, 2).tolist() == [[0.0, 1.0], [2.0, 3.0]] and x.shape == (2, 2)
        assert x.resize_as_(lib.ones(4)).tolist() == [0.0, 1.0, 2.0, 3.0]
        assert x.resize_(8).shape == (8,) and x[:4].tolist() == [0.0, 1.0, 2.0, 3.0]
        y = lib.tensor([1.0, 2.0, 3.0])
        assert y.apply_(lambda v: v * 10).tolist() == [10.0, 20.0, 30.0]
        assert y.map_(lib.tensor([1.0]), lambda a, b: a + b).tolist() == [11.0, 21.0, 31.0]
        with pytest.raises(RuntimeError, match='cannot resize variables that require grad'):
            lib.ones(2, requires_grad=True).resize_(3)


def test_post_accumulate_grad_hooks(torch):
    for lib in (microtorch, torch):
        w = lib.ones(2, requires_grad=True)
        seen = []
        order = []
        w.register_hook(lambda g: order.append('pre'))

        def after(p):
            order.append('post')
            seen.append(p.grad.tolist())
        handle = w.register_post_accumulate_grad_hook(after)
        (w * 3).sum().backward()
        (w * 2).sum().backward()
        assert seen == [[3.0, 3.0], [5.0, 5.0]] and order == ['pre', 'post'] * 2
        handle.remove()
        (w * 2).sum().backward()
        assert len(seen) == 2
        with pytest.raises(RuntimeError, match='cannot be registered on non-leaf tensors'):
            (w * 2).register_post_accumulate_grad_hook(lambda p: None)
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.ones(2).register_post_accumulate_grad_hook(lambda p: None)


@pytest.mark.parametrize('weight', [0.1, 0.5, 0.999, -0.2, 1.7, 'tensor'])
@pytest.mark.parametrize('dtype', ['float32', 'float16'])
def test_lerp_is_pytorchs_bit_for_bit(weight, dtype, torch):
    """PyTorch's float32 lerp is one fused multiply-add (float16 goes through float32):
    microtorch's gives the same bits, EMA weight averages included."""
    rng = np.random.default_rng(0)
    start, end, weights = (rng.standard_normal(20000).astype(np.float32) for _ in range(3))
    results = []
    for lib in (microtorch, torch):
        w = lib.tensor(weights, dtype=getattr(lib, dtype)) if weight == 'tensor' else weight
        out = lib.lerp(lib.tensor(start, dtype=getattr(lib, dtype)),
                       lib.tensor(end, dtype=getattr(lib, dtype)), w)
        results.append(out.float().numpy())
    assert np.array_equal(results[0], results[1])
