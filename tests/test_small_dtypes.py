"""uint8, int8, int16 and float16 against PyTorch.

Every row of the op table runs on tensors of these dtypes and on their mixes (uint8 with int8,
float16 with float32 and with int64), once through each library: the two must agree on
whether the call raises (and with which exception type), on the results' dtypes and shapes,
and on their values (float16 results within 2e-2). float16 gradients of every row are compared
too. Then the rules that make these dtypes behave: promotion, Python numbers wrapped into a
small integer type or refused where they do not fit, float16 ops worked in float32 and rounded
once, and the legacy names (`ByteTensor`, `Variable`, `x.new`) that old code reaches them by.
"""
import pickle
import warnings

import numpy as np
import pytest

import microtorch
import test_ops
from test_odd_inputs import (disagreement, flat_outputs, stale_known,
                             unknown_disagreements)

PYTORCH_HAS_NO_HALF_KERNEL = "PyTorch's CPU kernel has no float16 version; microtorch " \
                             'computes it in float32'
PYTORCH_HAS_NO_INTEGER_KERNEL = "PyTorch's CPU kernel for this small integer type is missing"
HALF_INTERMEDIATE = 'PyTorch rounds an intermediate to float16: its result is 2e-4 to 5e-4 ' \
                    'from the float32 computation, which microtorch gives'

# (row name, variant) -> why microtorch gives another answer than PyTorch there.
KNOWN = {
    **{(row, 'float16'): PYTORCH_HAS_NO_HALF_KERNEL for row in (
        'avg_pool3d', 'cdist/p=1.0', 'cdist/p=2.0', 'cdist/p=3.0', 'cdist/p=inf',
        'pdist/p=1.0', 'pdist/p=2.0', 'pdist/p=inf', 'ctc_loss/mean', 'ctc_loss/none',
        'log_ndtr', 'ndtri', 'multi_margin_loss', 'multi_margin_loss/p2_none',
        'multilabel_margin_loss', 'quantile', 'quantile/higher', 'quantile/lower',
        'quantile/midpoint', 'quantile/nearest', 'quantile/q_tensor_keepdim', 'nanquantile')},
    **{(row, 'float16-float32'): 'the same: PyTorch looks at the float16 input first'
       for row in ('cdist/p=1.0', 'cdist/p=2.0', 'cdist/p=3.0', 'cdist/p=inf')},
    ('matrix_exp', 'float16'): 'PyTorch works in float16 and overflows to inf and nan',
    ('matrix_exp/method', 'float16'): 'the same',
    ('binary_cross_entropy_with_logits/none', 'float16-float32'): HALF_INTERMEDIATE,
    ('cosine_similarity', 'float16-float32'): HALF_INTERMEDIATE,
    **{(row, variant): PYTORCH_HAS_NO_INTEGER_KERNEL + ' (dilated, 1d and transposed '
       'convolutions); microtorch convolves integers of every type'
       for row in ('conv1d', 'conv2d/groups_dilation', 'conv_transpose1d', 'conv_transpose2d')
       for variant in ('uint8', 'int8', 'int16', 'uint8-int8')},
    **{(row, variant): PYTORCH_HAS_NO_INTEGER_KERNEL + ' (its average pool); microtorch '
       'averages in float' for row in ('local_response_norm',)
       for variant in ('uint8', 'int8', 'int16')},
    **{(row, variant): 'PyTorch refuses to cast its float result to the integer type'
       for row in ('gaussian_nll_loss', 'gaussian_nll_loss/full_var_per_row')
       for variant in ('uint8', 'int8', 'int16', 'uint8-int8')},
    **{('soft_margin_loss', variant): "PyTorch's error comes from an output cast, "
       "microtorch's from softplus" for variant in ('int8', 'int16')},
    **{('hinge_embedding_loss', variant): 'PyTorch keeps the integer dtype of the margin '
       'terms' for variant in ('int8', 'int16')},
    ('trapezoid/x', 'uint8'): "PyTorch takes x's differences in uint8, which wrap below 0",
}


def variants(row, rng):
    """(name, arrays, strided=False) of the small dtypes for one row: each alone, then
    mixed."""
    arrays = row.domain(rng, row.shapes)
    ints = [np.round(a * 2) for a in arrays]
    yield 'uint8', [np.abs(a).astype(np.uint8) for a in ints], False
    yield 'int8', [a.astype(np.int8) for a in ints], False
    yield 'int16', [a.astype(np.int16) for a in ints], False
    yield 'float16', [a.astype(np.float16) for a in arrays], False
    if len(arrays) > 1:
        yield 'uint8-int8', [np.abs(a).astype(np.uint8) if i % 2 else a.astype(np.int8)
                             for i, a in enumerate(ints)], False
        yield 'float16-float32', [a.astype(np.float32 if i % 2 else np.float16)
                                  for i, a in enumerate(arrays)], False
        yield 'float16-int64', [np.round(a).astype(np.int64) if i % 2 else a.astype(np.float16)
                                for i, a in enumerate(arrays)], False


ROWS = [r for r in test_ops.OPS if r.torch_fn is None]


@pytest.mark.parametrize('row', ROWS, ids=lambda r: r.name)
def test_small_dtypes_agree_with_pytorch(row, torch):
    problems = unknown_disagreements(row, variants(row, np.random.default_rng(0)), KNOWN, torch)
    assert not problems, '\n'.join(problems)


def test_known_differences_are_still_differences(torch):
    """A KNOWN entry whose case now agrees is stale: remove it."""
    assert not stale_known(KNOWN, variants, torch)


# Gradient rows where the float16 backward differs on purpose (the forward agrees).
KNOWN_GRADIENTS = {
    'heaviside': 'PyTorch records heaviside and fails in backward (it has no derivative); '
                 'microtorch records nothing',
    'i1': "PyTorch's i1_backward has no float16 kernel",
    'i1/large': 'the same',
    'i0/large': "microtorch's float32 work keeps i1(x) finite where PyTorch's float16 "
                'overflows (a zero weight times inf: nan)',
}


def half_gradients(lib, fn, arrays):
    """The float16 inputs' gradients of a fixed weighting of fn's outputs (None: no graph)."""
    tensors = [lib.tensor(a).requires_grad_() for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            out = fn(*tensors)
        except Exception:            # noqa: BLE001 (the forward sweep compares the errors)
            return None
        outs = [o for o in flat_outputs(out) if getattr(o, 'requires_grad', False)]
        if not outs:
            return None
        total = sum((o.float() * (lib.arange(o.numel()).reshape(o.shape) % 3 - 1)).sum()
                    for o in outs)
        try:
            total.backward()
        except Exception as error:   # noqa: BLE001 (the two libraries' errors are compared)
            return type(error).__name__
    return [None if t.grad is None else (str(t.grad.dtype).split('.')[-1],
                                         t.grad.float().numpy()) for t in tensors]


@pytest.mark.parametrize('row', ROWS, ids=lambda r: r.name)
def test_float16_gradients_agree_with_pytorch(row, torch):
    if (row.name, 'float16') in KNOWN or row.name in KNOWN_GRADIENTS:
        pytest.skip(KNOWN.get((row.name, 'float16')) or KNOWN_GRADIENTS[row.name])
    arrays = [a.astype(np.float16) for a in row.domain(np.random.default_rng(0), row.shapes)]
    ours, theirs = half_gradients(microtorch, row.fn, arrays), half_gradients(torch, row.fn,
                                                                            arrays)
    assert (ours is None) == (theirs is None)
    if isinstance(ours, str) or isinstance(theirs, str):
        assert ours == theirs                   # the same exception type in backward
        return
    for a, b in zip(ours or (), theirs or ()):
        assert (a is None) == (b is None)
        if a is not None:
            assert a[0] == b[0] == 'float16'
            np.testing.assert_allclose(a[1], b[1], rtol=3e-2, atol=3e-2)


def test_known_gradient_differences_are_still_differences(torch):
    rows = {r.name: r for r in test_ops.OPS}
    for name in KNOWN_GRADIENTS:
        arrays = [a.astype(np.float16) for a in rows[name].domain(np.random.default_rng(0),
                                                                  rows[name].shapes)]
        ours = half_gradients(microtorch, rows[name].fn, arrays)
        theirs = half_gradients(torch, rows[name].fn, arrays)
        if isinstance(ours, list) and isinstance(theirs, list):
            assert not all(np.allclose(a[1], b[1], equal_nan=True)
                           for a, b in zip(ours, theirs)), name
        else:
            assert ours != theirs, name


# On the GPU (run by test_kernels.py on the CPU emulator of tests/fakecupy): each row on each
# small dtype gives what the CPU gives. The kernels have instances for float32, float64, int32
# and int64; float16 arrays run in float32 and small integers in int32 or int64 (cuda.py's
# widened launches).
CUDA_KNOWN = {'linear': 'no integer linear kernel on the GPU, as PyTorch has no addmm_cuda '
                        'for integers', 'linear/3d': 'the same', 'linear/1d': 'the same',
              'topk': "ties (many equal bytes): the CPU orders them as PyTorch's std::sort, "
                      "the GPU as CuPy's sort"}


def cuda_disagreements():
    """Rows and small dtypes where 'cuda' gives another outcome than 'cpu'."""
    def run(fn, arrays, device):
        tensors = [microtorch.tensor(a, device=device) for a in arrays]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                return fn(*tensors), None
        except Exception as error:       # noqa: BLE001 (the two devices' errors are compared)
            return None, error

    found = []
    for row in ROWS:
        for name, arrays, _ in variants(row, np.random.default_rng(0)):
            if '-' in name or row.name in CUDA_KNOWN:
                continue
            outcome = disagreement(run(row.fn, arrays, 'cpu'), run(row.fn, arrays, 'cuda'))
            if outcome:
                found.append(f'{row.name} [{name}]: {outcome}')
    return found


DTYPES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64']


def test_promotion_table_is_pytorchs(torch):
    for a in DTYPES:
        for b in DTYPES:
            ours = microtorch.promote_types(getattr(microtorch, a), getattr(microtorch, b))
            assert ours.name == str(torch.promote_types(getattr(torch, a),
                                                        getattr(torch, b))).split('.')[-1]


@pytest.mark.parametrize('name', DTYPES)
def test_tensors_with_python_numbers_and_zero_dim_tensors(name, torch):
    for lib_scalar in (True, 3, 2.5, 'zero-dim int64', 'zero-dim float64'):
        results = []
        for lib in (microtorch, torch):
            x = lib.ones(2, dtype=getattr(lib, name))
            other = lib_scalar
            if isinstance(lib_scalar, str):
                other = lib.tensor(1, dtype=getattr(lib, lib_scalar.split()[-1]))
            results.append(str((x * other).dtype).split('.')[-1])
        assert results[0] == results[1], (name, lib_scalar)


# Python numbers that do not fit a small integer type: arithmetic and comparisons wrap them,
# writes check them.
SCALAR_CASES = [
    'lib.tensor([1, 200], dtype=lib.uint8) + (-1)', 'lib.tensor([1, 200], dtype=lib.uint8) * 300',
    'lib.tensor([1, 100], dtype=lib.int8) - 300', 'lib.tensor([1, 200], dtype=lib.uint8) < 256',
    'lib.tensor([1, 200], dtype=lib.uint8) == -56', 'lib.tensor([1, 200], dtype=lib.uint8) % -3',
    'lib.tensor([1, 200], dtype=lib.uint8).clamp(-1, 100)',
    'lib.tensor([1, 200], dtype=lib.uint8).add_(-1)', 'lib.zeros(2, dtype=lib.uint8).fill_(-1)',
    'lib.zeros(2, dtype=lib.uint8).fill_(-255)', 'lib.zeros(2, dtype=lib.int8).fill_(-1.5)',
    'lib.zeros(3, dtype=lib.uint8).index_put_((lib.tensor([0]),), lib.tensor(7, '
    'dtype=lib.uint8))', 'lib.tensor([-1, -255, 255], dtype=lib.uint8)',
    'lib.tensor([1.7, -1.5], dtype=lib.int8)', 'lib.tensor([1e6], dtype=lib.float16)',
    'lib.full((2,), -3, dtype=lib.int16)', 'lib.tensor([5, 6], dtype=lib.int16) * 10000',
    'lib.tensor([250], dtype=lib.uint8) + lib.tensor([10], dtype=lib.uint8)',
    'lib.tensor([-128], dtype=lib.int8).abs()', 'lib.tensor([3, 5], dtype=lib.int8) // -2',
    'lib.tensor([100, 20], dtype=lib.uint8).sum()', 'lib.tensor([100], dtype=lib.int8).prod()',
    'lib.tensor([100, 100], dtype=lib.int8).sum(dtype=lib.int8)',
    'lib.tensor([100, 100], dtype=lib.uint8).cumsum(0)', 'lib.tensor([1, 2], dtype=lib.int8) / 2',
    'lib.tensor([1., 2.], dtype=lib.half) * lib.tensor([1, 2], dtype=lib.int8)',
    'lib.tensor([1, 2], dtype=lib.uint8) * lib.tensor(2.5)',
    'lib.cat([lib.tensor([1], dtype=lib.uint8), lib.tensor([-2], dtype=lib.int8)])',
    'lib.tensor([1.1], dtype=lib.half).tolist()', 'lib.tensor([200], dtype=lib.uint8).item()',
    'lib.bincount(lib.tensor([1, 2, 2], dtype=lib.uint8))',
    'lib.tensor([1., 2.], dtype=lib.half).view(lib.int16)',
    'lib.ones(2, 4).view(lib.uint8).shape', 'lib.ones(2, 4).view(lib.float64).shape',
    'lib.tensor([1, 2, 3], dtype=lib.uint8)', 'lib.tensor([[1, -2], [3, 4]], dtype=lib.int8)',
    'lib.tensor([1.5, -2.25, 1e4], dtype=lib.float16)', 'lib.tensor(5, dtype=lib.int16)',
    'lib.tensor([1e-5, 3.], dtype=lib.half)', 'lib.iinfo(lib.int8)', 'lib.finfo(lib.float16)',
    'lib.uint8.is_signed', 'lib.int8.is_signed', 'lib.zeros(2, dtype=lib.half).element_size()',
    'lib.zeros(2).half().type()', 'lib.zeros(2).type(lib.ByteTensor)',
    'lib.zeros(2).type("torch.ShortTensor")', 'lib.arange(3, dtype=lib.uint8)',
    'lib.randn(3, dtype=lib.half).dtype', 'lib.rand(3, dtype=lib.half).dtype',
    'lib.nn.Linear(2, 3).half().weight.dtype',
]


@pytest.mark.parametrize('expression', SCALAR_CASES)
def test_as_pytorch(expression, torch):
    outcomes = []
    for lib in (microtorch, torch):
        try:
            outcomes.append(repr(eval(expression)).replace('microtorch', 'torch'))
        except Exception as error:      # noqa: BLE001 (both libraries' errors are compared)
            outcomes.append(f'{type(error).__name__}: {error}')
    assert outcomes[0] == outcomes[1]


def test_float16_ops_are_worked_in_float32_and_rounded_once(torch):
    """Sums and means of 2^15 float16 values, norms, softmax, layer norm: as PyTorch's (it
    accumulates in float32), where float16 arithmetic step by step overflows or drifts."""
    x = (np.random.default_rng(0).standard_normal((4, 1 << 13)).astype(np.float32) * 3 + 1)
    for fn in (lambda lib, t: t.sum(1), lambda lib, t: t.mean(), lambda lib, t: t.var(),
               lambda lib, t: t.std(1), lambda lib, t: t.norm(),
               lambda lib, t: t.logsumexp(1), lambda lib, t: t.softmax(1),
               lambda lib, t: t.cumsum(1), lambda lib, t: t.sigmoid(),
               lambda lib, t: lib.nn.functional.layer_norm(t, (t.shape[1],)),
               lambda lib, t: lib.nn.functional.gelu(t),
               lambda lib, t: lib.nn.functional.mse_loss(t, t * 0.5)):
        ours, theirs = fn(microtorch, microtorch.tensor(x).half()), fn(torch,
                                                                       torch.tensor(x).half())
        assert ours.dtype is microtorch.float16
        a, b = ours.numpy().astype(np.float64), theirs.numpy().astype(np.float64)
        assert np.all(np.abs(a - b) <= 2 ** -10 * np.abs(b) + 2e-3)      # one float16 ulp


@pytest.mark.parametrize('create_graph', [False, True])
def test_float16_index_gradients_add_up_as_pytorchs(create_graph, torch):
    """x[idx]'s gradient with repeated indices: PyTorch's CPU index_put_ (accumulate) adds
    float16 values in float16, rounding each sum (a float32 sum rounded once differs);
    gather's scatter-add works in float32, and so does ours."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3)).astype(np.float16)
    rows, cols = rng.integers(0, 3, 1000), rng.integers(0, 3, (8, 300))
    seeds = [rng.standard_normal(s).astype(np.float16) for s in ((1000, 3), (8, 300))]
    grads = []
    for lib in (microtorch, torch):
        leaves = [lib.tensor(x, requires_grad=True) for _ in range(2)]
        outputs = [leaves[0][lib.tensor(rows)], leaves[1].gather(1, lib.tensor(cols))]
        got = lib.autograd.grad(outputs, leaves, [lib.tensor(s) for s in seeds],
                                create_graph=create_graph)
        grads.append([g.detach().numpy() for g in got])
    for ours, theirs in zip(*grads):
        assert ours.dtype == np.float16
        np.testing.assert_array_equal(ours, theirs)


def test_float16_training_matches_pytorch(torch):
    """A small MLP trained in float16 for 20 SGD steps: the losses stay within 1%."""
    rng = np.random.default_rng(0)
    inputs, targets = rng.standard_normal((64, 3)), rng.standard_normal((64, 1))
    weights = [rng.standard_normal(s) * 0.5 for s in ((8, 3), (8,), (1, 8), (1,))]
    losses = []
    for lib in (microtorch, torch):
        params = [lib.tensor(w, dtype=lib.float16, requires_grad=True) for w in weights]
        x, y = lib.tensor(inputs, dtype=lib.float16), lib.tensor(targets, dtype=lib.float16)
        optimizer = lib.optim.SGD(params, lr=0.05)
        run = []
        for _ in range(20):
            hidden = lib.sigmoid(x @ params[0].T + params[1])
            loss = ((hidden @ params[2].T + params[3] - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-2)


def test_uint8_indices_are_masks_int8_ones_are_refused(torch):
    for lib in (microtorch, torch):
        x = lib.tensor([10, 20, 30])
        with pytest.warns(UserWarning, match='indexing with dtype .*uint8 is now deprecated'):
            assert x[lib.tensor([1, 0, 1], dtype=lib.uint8)].tolist() == [10, 30]
        with pytest.raises(IndexError, match='long, int, byte or bool'):
            x[lib.tensor([0], dtype=lib.int8)]


@pytest.mark.parametrize('mode, within', [('nearest', 0), ('nearest-exact', 0),
                                          ('bilinear', 1), ('bicubic', 3)])
def test_uint8_images_resize_as_pytorch(mode, within, torch):
    """Byte images resize in float32 and round back; PyTorch's fixed-point kernels land within
    1 (bilinear) or 3 (bicubic, rounded between its two passes) of that."""
    image = np.random.default_rng(0).integers(0, 256, (1, 3, 5, 7)).astype(np.uint8)
    ours = microtorch.nn.functional.interpolate(microtorch.tensor(image), size=(9, 4),
                                                mode=mode)
    theirs = torch.nn.functional.interpolate(torch.tensor(image), size=(9, 4), mode=mode)
    assert ours.dtype is microtorch.uint8
    assert np.abs(ours.numpy().astype(int) - theirs.numpy().astype(int)).max() <= within


def test_legacy_types(torch):
    from torch.autograd import Variable as TorchVariable
    for lib, variable in ((microtorch, microtorch.autograd.Variable), (torch, TorchVariable)):
        assert lib.LongTensor([1.7, 2]).tolist() == [1, 2]
        assert lib.ByteTensor(2, 3).shape == (2, 3) and lib.FloatTensor().shape == (0,)
        assert lib.ShortTensor(lib.Size([2])).dtype is lib.int16
        assert isinstance(lib.zeros(2), lib.FloatTensor)
        assert not isinstance(lib.zeros(2), lib.DoubleTensor)
        assert not isinstance(lib.zeros(2), lib.cuda.FloatTensor)
        assert type(lib.HalfTensor([1])) is lib.Tensor and lib.HalfTensor.dtype is lib.float16
        assert lib.zeros(2, dtype=lib.int64).new([1.5, 2]).tolist() == [1, 2]
        assert lib.zeros(2).new(2, 3).shape == (2, 3)
        w = variable(lib.ones(2), requires_grad=True)
        assert w.requires_grad and w.is_leaf and isinstance(w, variable)
        assert variable(lib.ones(2, requires_grad=True) * 2).grad_fn is None
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            microtorch.set_default_tensor_type(microtorch.DoubleTensor)
            assert microtorch.tensor([1.5]).dtype is microtorch.float64
            microtorch.set_default_tensor_type('torch.FloatTensor')
        finally:
            microtorch.set_default_dtype(microtorch.float32)
    assert microtorch.tensor([1.5]).dtype is microtorch.float32


@pytest.mark.parametrize('name', ['uint8', 'int8', 'int16', 'float16'])
def test_saved_and_pickled_with_their_dtype(name, tmp_path):
    x = microtorch.tensor([1, 2, 3], dtype=getattr(microtorch, name))
    path = tmp_path / 'x.pt'
    microtorch.save({'x': x}, path)
    loaded = microtorch.load(path)['x']
    assert loaded.dtype is x.dtype and loaded.tolist() == x.tolist()
    assert pickle.loads(pickle.dumps(x)).dtype is x.dtype


# Creation functions and common methods on each small dtype: the same repr as PyTorch's.
DTYPE_CASES = [
    'lib.zeros(3, dtype=D)', 'lib.ones(2, 2, dtype=D)', 'lib.full((2,), 7, dtype=D)',
    'lib.arange(5, dtype=D)', 'lib.arange(0, 3, 0.5, dtype=D)', 'lib.linspace(0, 10, 5, dtype=D)',
    'lib.logspace(0, 2, 3, dtype=D)', 'lib.eye(2, dtype=D)', 'lib.tensor([[1.5, -2.5]], dtype=D)',
    'lib.zeros_like(lib.ones(2), dtype=D)', 'lib.ones(2, dtype=D).new_tensor([4, 5])',
    'lib.randint(0, 5, (3,), dtype=D).dtype', 'lib.as_tensor([1, 2], dtype=D)',
    'lib.ones(3, dtype=D).tolist()', 'lib.ones(2, dtype=D).element_size()',
    'lib.tensor([3, 1, 2], dtype=D).sort().values', 'lib.tensor([3, 1, 2], dtype=D).argsort()',
    'lib.tensor([3, 1, 2], dtype=D).cumsum(0)', 'lib.tensor([3, 1, 2], dtype=D).prod()',
    'lib.tensor([3, 1, 2], dtype=D).unique()', 'lib.tensor([3, 1, 2], dtype=D).clamp(1, 2)',
    'lib.tensor([3, 1, 2], dtype=D) // 2', 'lib.tensor([3, 1, 2], dtype=D) % 2',
    'lib.tensor([3, 1, 2], dtype=D) ** 2', 'lib.tensor([3, 1, 2], dtype=D) / 2',
    'lib.where(lib.tensor([True, False]), lib.tensor([1, 2], dtype=D), 0)',
    'lib.stack([lib.ones(2, dtype=D), lib.zeros(2, dtype=D)])',
    'str(lib.tensor([[1, 2], [3, 4]], dtype=D))', 'str(lib.tensor([0.1, 100.0], dtype=D))',
    'lib.tensor([1, 2], dtype=D).type()', 'lib.tensor([1, 2], dtype=D).sum(0, keepdim=True)',
    'lib.cat([lib.ones(1, dtype=D), lib.ones(1)])', 'lib.tensor([250, 3], dtype=D).sum()',
    'lib.tensor([1, 2], dtype=D).topk(1)', 'lib.tensor([1, 2], dtype=D).roll(1)',
]


@pytest.mark.parametrize('name', ['uint8', 'int8', 'int16', 'float16'])
@pytest.mark.parametrize('expression', DTYPE_CASES)
def test_creation_and_methods_as_pytorch(expression, name, torch):
    outcomes = []
    for lib in (microtorch, torch):
        names = {'lib': lib, 'D': getattr(lib, name)}
        try:
            outcomes.append(repr(eval(expression, names)).replace('microtorch', 'torch'))
        except Exception as error:      # noqa: BLE001 (both libraries' errors are compared)
            outcomes.append(f'{type(error).__name__}: {error}')
    assert outcomes[0] == outcomes[1]
