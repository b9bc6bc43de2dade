"""add/sub/rsub with alpha, addcmul and addcdiv give PyTorch's bits on the CPU, forward and
gradients (ops/fused.py: one fused multiply-add, as PyTorch's loops; gradients by its
formulas in the tensors' dtype, summed in its order), with broadcasting."""
import numpy as np
import pytest

import microtorch as mt

CASES = [
    ('add', lambda L, a, b: L.add(a, b, alpha=0.3), [(64, 32), (32,)]),
    ('add_', lambda L, a, b: a.clone().add_(b, alpha=-0.01), [(100,), (100,)]),
    ('sub', lambda L, a, b: L.sub(a, b, alpha=2.5), [(64, 32), (64, 1)]),
    ('rsub', lambda L, a, b: L.rsub(a, b, alpha=0.3), [(32,), (64, 32)]),
    ('addcmul', lambda L, a, b, c: L.addcmul(a, b, c, value=0.3), [(64, 32), (32,), (64, 1)]),
    ('addcmul_', lambda L, a, b, c: a.clone().addcmul_(b, c, value=-2.1), [(7,), (7,), (7,)]),
    ('addcdiv', lambda L, a, b, c: L.addcdiv(a, b, c.abs() + 0.5, value=0.3),
     [(1000,), (1000,), (1000,)]),
]


def _run(lib, fn, arrays, cotangent):
    tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *tensors)
    out.backward(lib.tensor(cotangent))
    return [out.detach().numpy()] + [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('name,fn,shapes', CASES, ids=[c[0] for c in CASES])
def test_forward_and_gradients_are_pytorchs_bits(torch, name, fn, shapes, dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
    shape = tuple(fn(torch, *(torch.tensor(a) for a in arrays)).shape)
    cotangent = rng.standard_normal(shape).astype(dtype)
    for got, expected in zip(_run(mt, fn, arrays, cotangent),
                             _run(torch, fn, arrays, cotangent)):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize('name,fn,shapes', CASES[:6], ids=[c[0] for c in CASES[:6]])
def test_float16_forward_is_pytorchs_bits(torch, name, fn, shapes):
    """float16 (a multiple of 32 elements: PyTorch's scalar tail is not reproduced)."""
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(shape).astype(np.float16) for shape in shapes]
    got = fn(mt, *(mt.tensor(a) for a in arrays)).numpy()
    np.testing.assert_array_equal(got, fn(torch, *(torch.tensor(a) for a in arrays)).numpy())


def test_grad_fn_names_and_double_backward(torch):
    a, b, c = (mt.tensor([0.5, -1.5, 2.0], dtype=mt.float64, requires_grad=True)
               for _ in range(3))
    assert type(mt.add(a, b, alpha=2).grad_fn).__name__ == 'AddBackward0'
    assert type(mt.sub(a, b, alpha=2).grad_fn).__name__ == 'SubBackward0'
    assert type(mt.rsub(a, b, alpha=2).grad_fn).__name__ == 'RsubBackward0'
    assert type(mt.addcmul(a, b, c).grad_fn).__name__ == 'AddcmulBackward0'
    assert type(mt.addcdiv(a, b, c).grad_fn).__name__ == 'AddcdivBackward0'
    assert mt.autograd.gradgradcheck(lambda x, y, z: mt.addcmul(x, y, z, value=0.7) ** 2,
                                     (a, b, c))
    assert mt.autograd.gradgradcheck(lambda x, y: mt.add(x, y, alpha=-0.3) ** 2, (a, b))
    assert mt.autograd.gradgradcheck(lambda x, y, z: mt.addcdiv(x, y, z, value=0.7) ** 2,
                                     (a, b, c))


@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.float16])
@pytest.mark.parametrize('alpha', [2, -2.0, 0.5, 1.0, -1.0, 2.0 ** 100, 2.0 ** -140])
def test_power_of_two_alpha_is_pytorchs_at_the_edges(torch, alpha, dtype):
    """A power-of-two alpha takes two plain ops (ops/fused.py) while its product is exact:
    sums that fall halfway, products that overflow or go subnormal, inf, nan, -0 (these and
    a nan send the whole call to the fma emulation)."""
    if dtype == np.float16 and not 2.0 ** -24 <= abs(alpha) <= 2.0 ** 15:
        pytest.skip('PyTorch: alpha does not convert to float16')
    info = np.finfo(dtype)
    # float64 stays below 2^960, where the fma emulation rescales (and drops tiny addends)
    big = info.max if dtype != np.float64 else 2.0 ** 900
    rng = np.random.default_rng(2)
    other = np.concatenate([rng.standard_normal(40), [big, big / 3, info.tiny, info.tiny * 3,
                                                      -0.0, 0.0, np.inf, -np.inf, 1.0]])
    other = other.astype(dtype)
    # inputs one bit finer than the product holds, so that many sums fall halfway
    with np.errstate(over='ignore', invalid='ignore'):
        spacing = np.spacing(np.abs(other * dtype(alpha)).astype(dtype), dtype=dtype)
    spacing[~np.isfinite(spacing)] = 1.0
    input = (rng.choice([0.5, -1.5, 3.0], other.size) * spacing).astype(dtype)
    input[::3] = rng.standard_normal(input[::3].size)
    for others in (other, np.append(other, np.nan).astype(dtype)):
        inputs = np.resize(input, others.size)
        for op in ('add', 'sub'):
            got = getattr(mt, op)(mt.tensor(inputs), mt.tensor(others), alpha=alpha).numpy()
            expected = getattr(torch, op)(torch.tensor(inputs), torch.tensor(others),
                                          alpha=alpha).numpy()
            np.testing.assert_array_equal(got, expected)
