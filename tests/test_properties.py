"""Property-based tests (Hypothesis): random shapes - size-0 and size-1 dims included - for
elementwise ops with broadcasting, reductions over random dims with keepdim, reshape,
transpose, permute and indexing, and random compositions of 2-4 ops. Each example checks the
forward against NumPy (float64) and the gradients by finite differences (gradcheck), plus the
shape and dtype of every gradient.

Budgets: each test draws few examples of at most 3 x 3 x 3 elements, so the file runs in well
under 30 s on two cores; `deadline=None` because the first call of a test imports and warms up.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck

FAST = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

sizes = st.integers(0, 3)
shapes = st.lists(sizes, min_size=0, max_size=3).map(tuple)
nonempty_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)
seeds = st.integers(0, 2 ** 32 - 1)

# NumPy's references warn on means of nothing (nan), as they should.
pytestmark = pytest.mark.filterwarnings('ignore::RuntimeWarning')


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast: b is a with some dims set to 1 and some leading ones
    dropped; which of the two is the left operand is drawn too."""
    a = draw(shapes)
    b = tuple(1 if draw(st.booleans()) else n for n in a)
    b = b[draw(st.integers(0, len(b))):]
    return (a, b) if draw(st.booleans()) else (b, a)


def values(seed, shape, domain='real'):
    """float64 values; 'positive' is in [0.5, 2], 'nonzero' is at least 0.3 away from 0 (the
    kinks of abs/relu and the poles of 1/x stay farther than gradcheck's eps)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if domain == 'positive':
        return 0.5 + 1.5 * rng.random(shape)
    if domain == 'nonzero':
        return np.where(x < 0, -1, 1) * (0.3 + np.abs(x))
    return x


def leaf(array):
    return mt.tensor(array, dtype=mt.float64, requires_grad=True)


def check(fn, ref, *arrays, grad=True):
    """fn(*tensors) equals ref(*arrays) (NumPy, float64); its gradients pass gradcheck and
    come back in each input's shape and dtype."""
    inputs = [leaf(a) for a in arrays]
    out = fn(*inputs)
    want = np.asarray(ref(*arrays), dtype=np.float64)
    got = out.detach().numpy()
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, equal_nan=True)
    if not grad or not np.isfinite(got).all():    # a mean of nothing (nan): no derivative
        return
    if out.numel():
        grads = mt.autograd.grad(out, inputs, grad_outputs=mt.ones_like(out),
                                 allow_unused=True)
        for g, x in zip(grads, inputs):
            if g is not None:
                assert g.shape == x.shape and g.dtype is mt.float64
    assert gradcheck(fn, tuple(inputs))


# ---- elementwise ---------------------------------------------------------------------------

def _sigmoid(x):
    return 0.5 * (1 + np.tanh(x / 2))


UNARY = {
    'neg': (lambda x: -x, np.negative, 'real'),
    'exp': (mt.exp, np.exp, 'real'),
    'log': (mt.log, np.log, 'positive'),
    'sqrt': (mt.sqrt, np.sqrt, 'positive'),
    'sin': (mt.sin, np.sin, 'real'),
    'cos': (mt.cos, np.cos, 'real'),
    'tanh': (mt.tanh, np.tanh, 'real'),
    'sigmoid': (mt.sigmoid, _sigmoid, 'real'),
    'relu': (mt.relu, lambda x: np.maximum(x, 0), 'nonzero'),
    'abs': (mt.abs, np.abs, 'nonzero'),
    'reciprocal': (mt.reciprocal, lambda x: 1 / x, 'nonzero'),
    'square': (lambda x: x ** 2, lambda x: x ** 2, 'real'),
    'cube': (lambda x: x.pow(3), lambda x: x ** 3, 'real'),
    'pow-half': (lambda x: x ** 0.5, np.sqrt, 'positive'),
    'clamp': (lambda x: x.clamp(-0.15, 0.15), lambda x: np.clip(x, -0.15, 0.15), 'nonzero'),
    'softplus': (lambda x: mt.nn.functional.softplus(x), lambda x: np.logaddexp(0, x), 'real'),
    'leaky_relu': (lambda x: mt.nn.functional.leaky_relu(x, 0.1),
                   lambda x: np.where(x > 0, x, 0.1 * x), 'nonzero'),
    'scalar-rsub': (lambda x: 2 - x, lambda x: 2 - x, 'real'),
    'scalar-rdiv': (lambda x: 2 / x, lambda x: 2 / x, 'nonzero'),
}


@FAST
@given(name=st.sampled_from(sorted(UNARY)), shape=shapes, seed=seeds)
def test_unary(name, shape, seed):
    fn, ref, domain = UNARY[name]
    check(fn, ref, values(seed, shape, domain))


@SLOW
@given(name=st.sampled_from(sorted(UNARY)), shape=nonempty_shapes, seed=seeds)
def test_unary_second_derivative(name, shape, seed):
    fn, _, domain = UNARY[name]
    assert mt.autograd.gradgradcheck(fn, (leaf(values(seed, shape, domain)),))


BINARY = {
    'add': (lambda a, b: a + b, np.add, 'real'),
    'sub': (lambda a, b: a - b, np.subtract, 'real'),
    'mul': (lambda a, b: a * b, np.multiply, 'real'),
    'div': (lambda a, b: a / b, np.divide, 'nonzero'),
    'pow': (lambda a, b: a ** b, np.power, 'positive'),
    'maximum': (mt.maximum, np.maximum, 'real'),
    'minimum': (mt.minimum, np.minimum, 'real'),
    'where': (lambda a, b: mt.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
              'nonzero'),
}


@FAST
@given(name=st.sampled_from(sorted(BINARY)), pair=broadcast_pair(), seed=seeds)
def test_binary_broadcasting(name, pair, seed):
    fn, ref, domain = BINARY[name]
    a = values(seed, pair[0], domain)
    b = values(seed + 1, pair[1], domain)
    if name in ('maximum', 'minimum'):
        assume(not np.isclose(*np.broadcast_arrays(a, b)).any())     # no ties: kinks there
    check(fn, ref, a, b)


# ---- reductions ----------------------------------------------------------------------------

@st.composite
def reduced(draw, shape_strategy=shapes):
    """A shape and a dim argument for it: None (all), one dim or a tuple of distinct dims,
    negative ones included; and keepdim."""
    shape = draw(shape_strategy)
    ndim = len(shape)
    kind = draw(st.sampled_from(['none', 'one', 'tuple'] if ndim else ['none', 'one']))
    if kind == 'none':
        dim = None
    elif kind == 'one':
        dim = draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))
    else:
        dims = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                             unique=True))
        dim = tuple(d - ndim if draw(st.booleans()) else d for d in dims)
    return shape, dim, draw(st.booleans())


def _axis(dim, ndim):
    if dim is None or ndim == 0:
        return None
    dims = (dim,) if isinstance(dim, int) else dim
    return tuple(d % ndim for d in dims)


def _np_reduce(fn, x, dim, keepdim):
    out = fn(x, axis=_axis(dim, x.ndim), keepdims=keepdim)
    if dim is not None and x.ndim == 0:
        out = np.asarray(out).reshape(())
    return out


def _count(x, dim):
    axis = _axis(dim, x.ndim)
    if axis is None:
        return x.size
    return int(np.prod([x.shape[d] for d in axis]))


@FAST
@given(case=reduced(), seed=seeds,
       name=st.sampled_from(['sum', 'mean', 'var', 'std', 'amax', 'logsumexp']))
def test_reductions(case, seed, name):
    shape, dim, keepdim = case
    x = values(seed, shape)
    if name == 'amax':
        assume(_count(x, dim) > 0)              # the max of nothing is an error
    if name in ('var', 'std'):
        assume(_count(x, dim) > 1)              # n - 1 > 0: a variance, not nan or inf
    np_fn = {'sum': np.sum, 'mean': np.mean, 'amax': np.amax,
             'var': lambda a, axis, keepdims: np.var(a, axis=axis, ddof=1, keepdims=keepdims),
             'std': lambda a, axis, keepdims: np.std(a, axis=axis, ddof=1, keepdims=keepdims),
             'logsumexp': lambda a, axis, keepdims: np.logaddexp.reduce(
                 a, axis=axis, keepdims=keepdims) if axis is None or len(axis) == 1 else
             np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))}[name]
    if name == 'logsumexp' and dim is None:
        dim = tuple(range(len(shape)))                 # logsumexp needs its dims
    if name == 'amax':
        def fn(t):
            return t.amax(() if dim is None else dim, keepdim=keepdim)
    elif name == 'logsumexp':
        def fn(t):
            return t.logsumexp(dim, keepdim=keepdim)
    elif dim is None and not keepdim:
        def fn(t):
            return getattr(t, name)()
    else:
        def fn(t):
            return getattr(t, name)(dim, keepdim=keepdim)

    def ref(a):
        if name == 'logsumexp' and a.ndim == 0:
            return a
        if name == 'mean' and _count(a, dim) == 0:
            return np.full(np.sum(a, axis=_axis(dim, a.ndim), keepdims=keepdim).shape, np.nan)
        return _np_reduce(np_fn, a, dim, keepdim)
    check(fn, ref, x)


@FAST
@given(shape=nonempty_shapes.filter(len), seed=seeds, data=st.data(),
       name=st.sampled_from(['softmax', 'log_softmax', 'max', 'min']))
def test_along_one_dim(shape, seed, data, name):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    x = values(seed, shape)
    axis = dim % len(shape)
    if name == 'softmax':
        e = lambda a: np.exp(a - a.max(axis=axis, keepdims=True))   # noqa: E731
        check(lambda t: t.softmax(dim), lambda a: e(a) / e(a).sum(axis=axis, keepdims=True), x)
    elif name == 'log_softmax':
        check(lambda t: t.log_softmax(dim),
              lambda a: a - np.logaddexp.reduce(a, axis=axis, keepdims=True), x)
    else:
        pick = np.max if name == 'max' else np.min
        check(lambda t: getattr(t, name)(dim, keepdim=keepdim).values,
              lambda a: pick(a, axis=axis, keepdims=keepdim), x)
        index = getattr(mt.tensor(x), name)(dim, keepdim=keepdim).indices.numpy()
        np.testing.assert_array_equal(
            index, (np.argmax if name == 'max' else np.argmin)(x, axis=axis, keepdims=keepdim))


# ---- shapes and indexing -------------------------------------------------------------------

@st.composite
def reshape_target(draw, shape):
    """A shape with as many elements as `shape` (a -1 in it, sometimes)."""
    n = int(np.prod(shape))
    if n == 0:
        target = list(draw(st.lists(st.integers(0, 3), min_size=1, max_size=3)))
        target[draw(st.integers(0, len(target) - 1))] = 0
    else:
        factors = [p for p in range(2, n + 1) if n % p == 0]
        target, rest = [], n
        while rest > 1 and len(target) < 3:
            f = draw(st.sampled_from([p for p in factors if rest % p == 0]))
            target.append(f)
            rest //= f
        if rest > 1:
            target.append(rest)
        target = draw(st.permutations(target))
        target = list(target) + [1] * draw(st.integers(0, 1))
        if target and draw(st.booleans()):
            target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


@FAST
@given(shape=shapes, seed=seeds, data=st.data())
def test_reshape(shape, seed, data):
    target = data.draw(reshape_target(shape))
    x = values(seed, shape)
    check(lambda t: t.reshape(target), lambda a: a.reshape(target), x)


@FAST
@given(shape=shapes.filter(len), seed=seeds, data=st.data())
def test_transpose_permute_flatten(shape, seed, data):
    ndim = len(shape)
    d0 = data.draw(st.integers(-ndim, ndim - 1))
    d1 = data.draw(st.integers(-ndim, ndim - 1))
    order = data.draw(st.permutations(range(ndim)))
    start = data.draw(st.integers(0, ndim - 1))
    end = data.draw(st.integers(start, ndim - 1))
    x = values(seed, shape)
    check(lambda t: t.transpose(d0, d1), lambda a: np.swapaxes(a, d0, d1), x)
    check(lambda t: t.permute(*order), lambda a: np.transpose(a, order), x)
    check(lambda t: t.flatten(start, end),
          lambda a: a.reshape(a.shape[:start] + (-1,) + a.shape[end + 1:])
          if a.size else a.reshape(a.shape[:start] + (int(np.prod(a.shape[start:end + 1])),)
                                   + a.shape[end + 1:]), x)


@FAST
@given(shape=shapes, seed=seeds, data=st.data())
def test_unsqueeze_squeeze_expand(shape, seed, data):
    ndim = len(shape)
    where = data.draw(st.integers(-ndim - 1, ndim))
    x = values(seed, shape)
    check(lambda t: t.unsqueeze(where), lambda a: np.expand_dims(a, where), x)
    check(lambda t: t.squeeze(), np.squeeze, x)
    target = tuple(data.draw(st.integers(0, 2)) if n == 1 else n for n in shape)
    lead = tuple(data.draw(st.lists(st.integers(0, 2), max_size=1)))
    check(lambda t: t.expand(*lead, *target) if lead + target else t.expand(()),
          lambda a: np.broadcast_to(a, lead + target), x)


@st.composite
def basic_index(draw, shape):
    """A tuple of ints (in range), slices (any start/stop, positive step), None and at most
    one Ellipsis, that NumPy and PyTorch read the same way."""
    parts = []
    dims = list(shape)
    ellipsis_used = False
    while dims and draw(st.booleans()):
        n = dims.pop(0)
        kind = draw(st.sampled_from(['int', 'slice', 'none', 'ellipsis']))
        if kind == 'int' and n:
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == 'none':
            parts.append(None)
            dims.insert(0, n)
        elif kind == 'ellipsis' and not ellipsis_used:
            parts.append(Ellipsis)
            ellipsis_used = True
            dims = dims[:0]
        else:
            parts.append(slice(draw(st.integers(-4, 4) | st.none()),
                               draw(st.integers(-4, 4) | st.none()),
                               draw(st.integers(1, 3) | st.none())))
    return tuple(parts)


@FAST
@given(shape=shapes, seed=seeds, data=st.data())
def test_basic_indexing(shape, seed, data):
    index = data.draw(basic_index(shape))
    x = values(seed, shape)
    check(lambda t: t[index], lambda a: a[index], x)


@FAST
@given(shape=shapes.filter(lambda s: len(s) and s[0]), seed=seeds, data=st.data())
def test_advanced_indexing(shape, seed, data):
    """An integer tensor (repeats included, so gradients add up) or a mask on dim 0."""
    n = shape[0]
    x = values(seed, shape)
    if data.draw(st.booleans()):
        rows = data.draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=4))
        index = np.array(rows, dtype=np.int64)
        check(lambda t: t[mt.tensor(index, dtype=mt.int64)], lambda a: a[index], x)
    else:
        mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        check(lambda t: t[mt.tensor(mask)], lambda a: a[mask], x)


@FAST
@given(shape=shapes.filter(len), seed=seeds, data=st.data())
def test_cat_stack_split(shape, seed, data):
    ndim = len(shape)
    dim = data.draw(st.integers(-ndim, ndim - 1))
    axis = dim % ndim
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    parts = [values(seed + i, shape[:axis] + (n,) + shape[axis + 1:])
             for i, n in enumerate(sizes)]
    check(lambda *ts: mt.cat(ts, dim), lambda *arrays: np.concatenate(arrays, axis), *parts)
    same = [values(seed + i, shape) for i in range(len(sizes))]
    new = data.draw(st.integers(-ndim - 1, ndim))
    check(lambda *ts: mt.stack(ts, new), lambda *arrays: np.stack(arrays, new), *same)
    total = values(seed, shape[:axis] + (sum(sizes),) + shape[axis + 1:])
    bounds = np.cumsum(sizes)[:-1]
    for k in range(len(sizes)):
        check(lambda t: t.split(sizes, dim)[k], lambda a: np.split(a, bounds, axis)[k], total)
    step = data.draw(st.integers(1, 3))
    n = shape[axis]
    starts = range(0, n, step) if n else [0]
    for k, start in enumerate(starts):
        check(lambda t: t.split(step, dim)[k],
              lambda a: np.take(a, range(start, min(start + step, n)), axis), x := values(
                  seed, shape))
    del x


@FAST
@given(seed=seeds, data=st.data(),
       case=st.sampled_from(['mm', 'mv', 'vm', 'dot', 'bmm', 'broadcast']))
def test_matmul(seed, data, case):
    n, k, m, b = (data.draw(sizes) for _ in range(4))
    shape_a, shape_b = {'mm': ((n, k), (k, m)), 'mv': ((n, k), (k,)), 'vm': ((k,), (k, m)),
                        'dot': ((k,), (k,)), 'bmm': ((b, n, k), (b, k, m)),
                        'broadcast': ((b, 1, n, k), (2, k, m))}[case]
    check(lambda x, y: x @ y, np.matmul, values(seed, shape_a), values(seed + 1, shape_b))


@FAST
@given(shape=shapes.filter(lambda s: len(s) and all(s)), seed=seeds, data=st.data())
def test_gather(shape, seed, data):
    ndim = len(shape)
    dim = data.draw(st.integers(0, ndim - 1))
    index_shape = tuple(data.draw(st.integers(0, n)) if d != dim else data.draw(sizes)
                        for d, n in enumerate(shape))
    rng = np.random.default_rng(seed)
    index = rng.integers(0, shape[dim], index_shape)        # repeats: gradients add up
    x = values(seed, shape)
    check(lambda t: t.gather(dim, mt.tensor(index)),
          lambda a: np.take_along_axis(a[tuple(slice(0, n) for n in index_shape[:dim])
                                         + (slice(None),)
                                         + tuple(slice(0, n) for n in index_shape[dim + 1:])],
                                       index, dim), x)


@FAST
@given(shape=shapes, seed=seeds, data=st.data())
def test_setitem_under_autograd(shape, seed, data):
    """y = x * 2; y[index] = v: gradients reach x (outside the index) and v (inside)."""
    index = data.draw(basic_index(shape))
    x = values(seed, shape)
    target = x[index].shape
    v = values(seed + 1, target[data.draw(st.integers(0, len(target))):])

    def fn(t, w):
        y = t * 2
        y[index] = w
        return y

    def ref(a, w):
        y = np.array(a * 2)              # an array even when 0-d
        y[index] = w
        return y
    check(fn, ref, x, v)


@FAST
@given(shape=shapes.filter(len), seed=seeds, data=st.data(),
       name=st.sampled_from(['squeeze-dim', 'amin', 'sum_to_size', 'clamp-tensor']))
def test_more_shapes(shape, seed, data, name):
    ndim = len(shape)
    x = values(seed, shape, 'nonzero')
    if name == 'squeeze-dim':
        dim = data.draw(st.integers(-ndim, ndim - 1))
        check(lambda t: t.squeeze(dim),
              lambda a: np.squeeze(a, dim) if a.shape[dim] == 1 else a, x)
    elif name == 'amin':
        dim = data.draw(st.integers(-ndim, ndim - 1))
        assume(shape[dim % ndim])
        check(lambda t: t.amin(dim), lambda a: np.amin(a, dim), x)
    elif name == 'sum_to_size':
        target = tuple(1 if data.draw(st.booleans()) else n for n in shape)
        target = target[data.draw(st.integers(0, ndim)):]
        lead = len(shape) - len(target)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(target)
                                          if n == 1 and shape[lead + i] != 1)
        check(lambda t: t.sum_to_size(target),
              lambda a: a.sum(axis=axes, keepdims=True).reshape(target), x)
    else:
        lo = values(seed + 1, shape[1:]) - 1.5
        check(lambda t, low: t.clamp(min=low), lambda a, low: np.maximum(a, low), x, lo)


# ---- random compositions -------------------------------------------------------------------

# Steps that keep the values in a safe domain (no poles, no kinks near the data) and work on
# any shape; each is (microtorch, NumPy). Reductions keep the dims so later steps still apply.
STEPS = {
    'tanh': (lambda t: t.tanh(), np.tanh),
    'sigmoid': (lambda t: t.sigmoid(), _sigmoid),
    'exp-scaled': (lambda t: (t * 0.5).exp(), lambda a: np.exp(a * 0.5)),
    'square': (lambda t: t * t, lambda a: a * a),
    'affine': (lambda t: 1.5 * t - 0.25, lambda a: 1.5 * a - 0.25),
    'log1p-sq': (lambda t: (1 + t * t).log(), lambda a: np.log(1 + a * a)),
    'sqrt1p-sq': (lambda t: (1 + t * t).sqrt(), lambda a: np.sqrt(1 + a * a)),
    'sin': (lambda t: t.sin(), np.sin),
    'sum-last-keep': (lambda t: t.sum(-1, keepdim=True) if t.ndim else t,
                      lambda a: a.sum(-1, keepdims=True) if a.ndim else a),
    'mean-first-keep': (lambda t: t.mean(0, keepdim=True) if t.ndim else t,
                        lambda a: a.mean(0, keepdims=True) if a.ndim else a),
    'softmax-last': (lambda t: t.softmax(-1) if t.ndim else t,
                     lambda a: (np.exp(a - a.max(-1, keepdims=True))
                                / np.exp(a - a.max(-1, keepdims=True)).sum(-1, keepdims=True))
                     if a.ndim and a.size else a),
    'transpose': (lambda t: t.transpose(0, -1) if t.ndim else t,
                  lambda a: np.swapaxes(a, 0, -1) if a.ndim else a),
    'flip-reshape': (lambda t: t.reshape(-1).reshape(t.shape) * 2,
                     lambda a: a.reshape(-1).reshape(a.shape) * 2),
    'mul-sum': (lambda t: t * t.sum(), lambda a: a * a.sum()),
    'add-broadcast-row': (lambda t: t + t[..., :1] if t.ndim and t.shape[-1] else t,
                          lambda a: a + a[..., :1] if a.ndim and a.shape[-1] else a),
}


@SLOW
@given(shape=shapes, seed=seeds,
       names=st.lists(st.sampled_from(sorted(STEPS)), min_size=2, max_size=4))
def test_compositions(shape, seed, names):
    def fn(t):
        for name in names:
            t = STEPS[name][0](t)
        return t

    def ref(a):
        for name in names:
            a = STEPS[name][1](a)
        return a
    check(fn, ref, values(seed, shape))


@SLOW
@given(pair=broadcast_pair(), seed=seeds,
       names=st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=3),
       op=st.sampled_from(['add', 'mul', 'sub']))
def test_compositions_of_two_inputs(pair, seed, names, op):
    binary = {'add': (np.add, lambda a, b: a + b), 'mul': (np.multiply, lambda a, b: a * b),
              'sub': (np.subtract, lambda a, b: a - b)}[op]

    def fn(a, b):
        t = binary[1](a, b)
        for name in names:
            t = STEPS[name][0](t)
        return t

    def ref(a, b):
        t = binary[0](a, b)
        for name in names:
            t = STEPS[name][1](t)
        return t
    check(fn, ref, values(seed, pair[0]), values(seed + 1, pair[1]))


@pytest.mark.parametrize('batch', [(0,), (2, 0), (0, 3), (1, 0, 2)])
def test_empty_tensors_through_a_small_model(batch):
    """A whole forward and backward on empty batches: the grads exist, are zero, and have
    the parameters' shapes."""
    mt.manual_seed(0)
    x = mt.zeros(*batch, 4)
    model = mt.nn.Sequential(mt.nn.Linear(4, 3), mt.nn.Tanh(), mt.nn.Linear(3, 1))
    model(x).sum().backward()
    for p in model.parameters():
        assert p.grad.shape == p.shape
        assert not p.grad.numpy().any()
