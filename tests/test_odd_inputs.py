"""Every row of the op table on the inputs users get wrong, against PyTorch.

test_ops.py checks each op on well-formed floats; here the same row functions run on integer,
bool and mixed-dtype tensors, on empty dims, on strided views and on nan / inf / -0 / huge
values, once through microtorch and once through PyTorch. The two must agree on whether the
call raises (and with which exception type), on the result's dtypes and shapes, and on its
values. Where microtorch differs on purpose, KNOWN says why.
"""
import warnings

import numpy as np
import pytest

import microtorch
import test_ops

LINALG_ROWS = ('inv', 'solve', 'slogdet', 'matrix_power', 'cholesky', 'qr', 'eigh', 'eigvalsh',
               'svd', 'svdvals', 'pinv', 'matrix_rank', 'cond', 'lstsq', 'matrix_norm', 'det',
               'logdet', 'matrix_exp', 'lu', 'cholesky_solve', 'solve_triangular', 'lu_factor',
               'lu_unpack', 'lu_solve', 'householder_product', 'orgqr', 'inv_ex', 'solve_ex',
               'tensorinv', 'tensorsolve', 'ldl_factor', 'ldl_solve')

# (row name, variant) -> why microtorch gives another answer than PyTorch there.
KNOWN = {
    ('index_add/alpha', 'empty-0'): 'the row indexes 2 of an empty dim: microtorch raises '
                                    'IndexError, PyTorch does not check',
    ('index_fill/value_tensor', 'empty-0'): 'the same index past an empty dim: PyTorch fails '
                                            'inside its storage code',
    ('pixel_unshuffle', 'empty-0'): 'PyTorch returns an empty batch unshuffled as it came',
    ('scaled_dot_product_attention', 'empty-2'): 'PyTorch broadcasts an empty batch of values '
                                                 'against a full one',
    ('scaled_dot_product_attention', 'bool'): 'PyTorch refuses in its matmul with another '
                                              'wording',
    ('local_response_norm', 'int64'): "PyTorch's integer average pool truncates each window "
                                      'of squares',
    ('local_response_norm', 'bool'): 'PyTorch refuses bools in its average pool',
    ('hinge_embedding_loss', 'int64'): 'PyTorch keeps the integer dtype of the margin terms',
    ('soft_margin_loss', 'int64'): "PyTorch's error comes from an output cast, microtorch's "
                                   'from softplus',
    ('gaussian_nll_loss', 'int64'): 'PyTorch refuses to cast its float result to long',
    ('gaussian_nll_loss', 'int-float'): 'the same cast',
    ('gaussian_nll_loss/full_var_per_row', 'int64'): 'the same cast',
    ('gaussian_nll_loss/full_var_per_row', 'int-float'): 'the same cast',
    ('cdist/p=inf', 'special'): 'PyTorch skips nan in its inf-norm maximum',
    ('multi_margin_loss', 'special'): "PyTorch's hinge reads nan as 0",
    ('multi_margin_loss/p2_none', 'special'): 'the same',
    ('multilabel_margin_loss', 'special'): 'the same',
    ('linear', 'special'): "one output sums 1e300 * 1e300 with -inf terms: NumPy's BLAS adds "
                           'in another order than PyTorch (-inf against inf - inf)',
}


def variants(row, rng):
    """(name, float64 arrays, make strided views) for the odd inputs of one row."""
    arrays = row.domain(rng, row.shapes)
    yield 'float32', [a.astype(np.float32) for a in arrays], False
    yield 'int64', [np.round(a * 2).astype(np.int64) for a in arrays], False
    yield 'bool', [a > 0 for a in arrays], False
    if len(arrays) > 1:
        yield 'float32-float64', [a.astype(np.float32 if i % 2 else np.float64)
                                  for i, a in enumerate(arrays)], False
        yield 'int-float', [a.astype(np.float32) if i % 2 else np.round(a).astype(np.int64)
                            for i, a in enumerate(arrays)], False
    yield 'strided', [np.repeat(a, 2, axis=-1) if a.ndim else a for a in arrays], True
    if row.op not in LINALG_ROWS:          # LAPACK on nan: each library's own failure
        special = []
        for a in arrays:
            a = a.copy()
            flat = a.reshape(-1)
            for k, value in enumerate((np.nan, np.inf, -np.inf, 0.0, -0.0, 1e300, -1e-300)):
                if k < flat.size:
                    flat[(k * 7) % flat.size] = value
            special.append(a)
        yield 'special', special, False
    for i, a in enumerate(arrays):
        if a.ndim:
            yield f'empty-{i}', [np.zeros((0,) + b.shape[1:]) if j == i else b
                                 for j, b in enumerate(arrays)], False


def call(fn, lib, arrays, strided):
    tensors = [lib.tensor(a) for a in arrays]
    if strided:                            # every other element of the doubled last dim
        tensors = [t[..., ::2] if t.ndim else t for t in tensors]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return fn(*tensors), None
    except Exception as error:           # noqa: BLE001 (both libraries' errors are compared)
        return None, error


def flat_outputs(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat_outputs(o)]
    return [out]


def summary(out):
    """dtype and shape of each tensor output (repr of anything else)."""
    return [(str(o.dtype).split('.')[-1], tuple(o.shape)) if hasattr(o, 'dtype') else repr(o)
            for o in flat_outputs(out)]


def disagreement(ours, theirs):
    (out, error), (t_out, t_error) = ours, theirs
    if (error is None) != (t_error is None):
        return f'microtorch: {error!r}; PyTorch: {t_error!r}'
    if error is not None:
        ours_type, their_type = type(error).__name__, type(t_error).__name__
        return None if ours_type == their_type else f'{error!r} against {t_error!r}'
    if summary(out) != summary(t_out):
        return f'results {summary(out)} against {summary(t_out)}'
    for a, b in zip(flat_outputs(out), flat_outputs(t_out)):
        if not hasattr(a, 'dtype'):
            continue
        x, y = a.detach().cpu().numpy(), b.detach().cpu().numpy()
        # float16 results (test_small_dtypes.py) are compared at float16's precision
        rtol, atol = (2e-2, 2e-2) if x.dtype == np.float16 else (1e-4, 1e-5)
        if x.dtype != np.bool_:
            x, y = x.astype(np.float64), y.astype(np.float64)
        if not np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True):
            return f'values differ: {x.ravel()[:6]} against {y.ravel()[:6]}'
    return None


def unknown_disagreements(row, cases, known, torch):
    """'variant: how' for each case (name, arrays, strided) of the row where the libraries
    disagree and `known` does not say why."""
    problems = []
    for name, arrays, strided in cases:
        found = disagreement(call(row.fn, microtorch, arrays, strided),
                             call(row.fn, torch, arrays, strided))
        if found and (row.name, name) not in known:
            problems.append(f'{name}: {found}')
    return problems


def stale_known(known, variants_of, torch):
    """The known (row, variant) pairs that agree now (their entries should go)."""
    rows = {r.name: r for r in test_ops.OPS}
    stale = []
    for row_name, variant in known:
        row = rows[row_name]
        cases = {name: (arrays, strided) for name, arrays, strided in
                 variants_of(row, np.random.default_rng(0))}
        arrays, strided = cases[variant]
        if not disagreement(call(row.fn, microtorch, arrays, strided),
                            call(row.fn, torch, arrays, strided)):
            stale.append((row_name, variant))
    return stale


@pytest.mark.parametrize('row', [r for r in test_ops.OPS if r.torch_fn is None],
                         ids=lambda r: r.name)
def test_odd_inputs_agree_with_pytorch(row, torch):
    problems = unknown_disagreements(row, variants(row, np.random.default_rng(0)), KNOWN, torch)
    assert not problems, '\n'.join(problems)


def test_known_differences_are_still_differences(torch):
    """A KNOWN entry whose case now agrees is stale: remove it."""
    assert not stale_known(KNOWN, variants, torch)


@pytest.mark.parametrize('name', ['erf', 'erfc', 'erfinv', 'lgamma', 'digamma', 'i0', 'frexp',
                                  'sigmoid', 'log1p', 'expm1', 'exp2', 'sinc', 'logit'])
def test_zero_dim_tensors_through_the_special_function_paths(name, torch):
    """0-d inputs made NumPy hand back scalars where the code wanted arrays."""
    for value in (0.25, -0.5):
        ours = getattr(microtorch.tensor(value), name)()
        theirs = getattr(torch.tensor(value), name)()
        for a, b in zip(flat_outputs(ours), flat_outputs(theirs)):
            assert a.shape == () and str(a.dtype).split('.')[-1] == str(b.dtype).split('.')[-1]
            assert np.allclose(a.numpy(), b.numpy(), equal_nan=True)


@pytest.mark.parametrize('shape, dim', [((3, 0), 0), ((3, 0), 1), ((0, 3), 0), ((0, 3), 1)])
@pytest.mark.parametrize('name', ['unique', 'unique_consecutive'])
def test_unique_along_a_dim_of_an_empty_tensor(name, shape, dim, torch):
    ours = call(lambda t: getattr(t, name)(dim=dim), microtorch,
                [np.zeros(shape, np.float32)], False)
    theirs = call(lambda t: getattr(t, name)(dim=dim), torch, [np.zeros(shape, np.float32)],
                  False)
    assert disagreement(ours, theirs) is None
    if theirs[1] is not None:
        assert str(ours[1]) == str(theirs[1])


@pytest.mark.parametrize('size', [(2,), (1, 3), (3,), (2, 1), (1,), (4, 3)])
def test_sum_to_size(size, torch):
    a = np.arange(6.0).reshape(2, 3)
    ours = call(lambda t: t.sum_to_size(*size), microtorch, [a], False)
    theirs = call(lambda t: t.sum_to_size(*size), torch, [a], False)
    assert disagreement(ours, theirs) is None
    if theirs[1] is not None:
        assert str(ours[1]) == str(theirs[1])


# Indexing: reads and writes of a 3 x 4 tensor through every kind of index, against PyTorch.
INDEXES = [
    '0', '-1', '3', '-4', 'slice(None)', 'slice(1, None)', 'slice(None, None, 2)',
    'slice(None, None, -1)', 'slice(5, 10)', 'slice(-10, 2)', 'None', 'Ellipsis',
    '(Ellipsis, None)', '(0, 1)', '(0, -1)', '(slice(None), 0)', '(None, 0, None)',
    '(Ellipsis, 0)', '(0, Ellipsis, 1)', 'lib.tensor([0, 2])', 'lib.tensor([-1, 0])',
    'lib.tensor([3])', 'lib.tensor([], dtype=lib.int64)', 'lib.tensor([[0, 1], [1, 0]])',
    'lib.tensor([True, False, True])', 'lib.tensor([True, False])',
    '(lib.tensor([0, 1]), lib.tensor([1, 2]))', '(slice(None), lib.tensor([0, 2]))',
    '(lib.tensor([0]), lib.tensor([0, 1]))', '(lib.tensor([0, 1]), lib.tensor([0, 1, 2]))',
    '[0, 1]', '[[0, 1]]', '[True, False, True]', '(0, [0, 2])', 'lib.tensor(1)',
    'lib.tensor(True)', 'lib.tensor(False)', '(lib.tensor(1), 1)', '1.5', 'lib.tensor([0.])',
    '(0, 0, 0)', 'lib.ones(3, 4) > 0', 'lib.ones(3, 5) > 0', '(lib.tensor([0, 2]), None)',
    '(None, lib.tensor([0, 2]), None)', '(lib.tensor([[0], [2]]), lib.tensor([[1, 3]]))',
    'np.array([0, 2])', '(slice(None), np.int64(1))']
WRITTEN = [None, '1.5', 'lib.tensor(2.)', 'lib.tensor([1., 2., 3., 4.])', 'lib.ones(2, 4)',
           'lib.tensor([1, 2])', '[1., 2., 3., 4.]', 'lib.ones(5)']
# PyTorch checks the value's shape before the index's range; microtorch the other way round.
INDEX_KNOWN = {('lib.tensor([3])', 'lib.ones(2, 4)'), ('lib.tensor([3])', 'lib.tensor([1, 2])'),
               ('lib.tensor([3])', 'lib.ones(5)')}


def index_outcome(lib, index, value):
    x = lib.arange(12.0).reshape(3, 4)
    try:
        if value is None:
            out = x[eval(index)]
            return tuple(out.shape), out.tolist()
        x[eval(index)] = eval(value)
        return x.tolist()
    except Exception as error:           # noqa: BLE001 (both libraries' errors are compared)
        return type(error).__name__


@pytest.mark.parametrize('index', INDEXES)
def test_indexing_agrees_with_pytorch(index, torch):
    problems = []
    for value in WRITTEN:
        ours, theirs = index_outcome(microtorch, index, value), index_outcome(torch, index, value)
        if ours != theirs and (index, value) not in INDEX_KNOWN:
            problems.append(f'{value}: {ours} against {theirs}')
    assert not problems, '\n'.join(problems)
