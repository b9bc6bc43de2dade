"""nn.EmbeddingBag and F.embedding_bag against PyTorch: outputs and the gradients of the weight
(and of per_sample_weights) for each mode, with 2-D input, offsets (empty bags included),
include_last_offset, padding_idx, per_sample_weights, scale_grad_by_freq and max_norm; the
module's parameters, listing and from_pretrained; PyTorch's errors, after which nothing has
changed."""
import copy
import warnings

import numpy as np
import pytest

import microtorch as mt

TOLERANCES = {'float32': dict(rtol=1e-5, atol=1e-6), 'float64': dict(rtol=1e-12, atol=1e-13)}
WEIGHT = np.random.default_rng(0).standard_normal((7, 3))

# (input, offsets): a 1-D input with offsets, or a 2-D input (offsets None)
LAYOUTS = {
    '2d': ([[1, 4, 0], [4, 6, 2], [5, 5, 5]], None),
    'offsets': ([2, 0, 6, 6, 3, 1, 4, 0], [0, 3, 3, 5]),             # bag 1 is empty
    'last-offset': ([2, 0, 6, 6, 3, 1, 4, 0], [0, 3, 3, 5, 8]),      # include_last_offset
    'one-bag': ([3, 3, 1, 0], [0]),
}


def host(t):
    return t.detach().cpu().numpy()


def run(lib, layout, dtype='float64', weight=WEIGHT, psw=False, grads=True, **kwargs):
    """(output, weight grad, per_sample_weights grad) of F.embedding_bag on lib."""
    values, offsets = LAYOUTS[layout]
    w = lib.tensor(weight, dtype=getattr(lib, dtype), requires_grad=True)
    inputs = lib.tensor(values)
    args = dict(kwargs, include_last_offset=layout == 'last-offset')
    if offsets is not None:
        args['offsets'] = lib.tensor(offsets)
    sample = None
    if psw:
        sample = lib.tensor(np.linspace(-1.0, 2.0, inputs.numel()).reshape(inputs.shape),
                            dtype=w.dtype, requires_grad=True)
        args['per_sample_weights'] = sample
    out = lib.nn.functional.embedding_bag(inputs, w, **args)
    if not grads:
        return out, None, None
    seed = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)), dtype=w.dtype)
    leaves = [w] + ([sample] if psw else [])
    found = lib.autograd.grad((out * seed).sum(), leaves)
    return out, found[0], found[1] if psw else None


def assert_same(mine, theirs, dtype='float64'):
    for m, t in zip(mine, theirs):
        if t is None:
            assert m is None
            continue
        assert tuple(m.shape) == tuple(t.shape)
        np.testing.assert_allclose(host(m), t.detach().numpy(), **TOLERANCES[dtype])


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('padding_idx', [None, 6, -7], ids=['no-padding', 'padding', 'negative'])
@pytest.mark.parametrize('mode', ['sum', 'mean', 'max'])
@pytest.mark.parametrize('layout', list(LAYOUTS))
def test_matches_torch(layout, mode, padding_idx, dtype, torch):
    kwargs = dict(mode=mode, padding_idx=padding_idx)
    mine, theirs = run(mt, layout, dtype, **kwargs), run(torch, layout, dtype, **kwargs)
    assert mine[0].dtype is getattr(mt, dtype)
    assert_same(mine, theirs, dtype)


@pytest.mark.parametrize('padding_idx', [None, 4])
@pytest.mark.parametrize('layout', list(LAYOUTS))
def test_per_sample_weights_match_torch(layout, padding_idx, torch):
    kwargs = dict(mode='sum', psw=True, padding_idx=padding_idx)
    assert_same(run(mt, layout, **kwargs), run(torch, layout, **kwargs))


def _bags_by_embedding(torch, layout, mode, padding_idx):
    """PyTorch's F.embedding (scale_grad_by_freq=True) summed into the bags: the reference for
    embedding_bag's scaled gradients, which PyTorch 2.13's CPU kernel divides by the wrong
    count when indices repeat unevenly (pytorch/pytorch#190063). (output, weight grad, None)
    as run() returns them."""
    values, offsets = LAYOUTS[layout]
    flat = torch.tensor(values).reshape(-1)
    starts = list(range(0, flat.numel(), len(values[0]))) if offsets is None else offsets
    bag_of = torch.tensor(np.searchsorted(starts, np.arange(flat.numel()), 'right') - 1)
    w = torch.tensor(WEIGHT, requires_grad=True)
    kept = (flat != (-1 if padding_idx is None else padding_idx)).double()
    rows = torch.nn.functional.embedding(flat, w, padding_idx, scale_grad_by_freq=True)
    out = torch.zeros(len(starts), 3, dtype=w.dtype).index_add(0, bag_of,
                                                               rows * kept.unsqueeze(1))
    if mode == 'mean':
        counts = torch.zeros(len(starts), dtype=w.dtype).index_add(0, bag_of, kept)
        out = out / counts.clamp(min=1).unsqueeze(1)
    seed = torch.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
    return out, torch.autograd.grad((out * seed).sum(), w)[0], None


@pytest.mark.parametrize('padding_idx', [None, 0])
@pytest.mark.parametrize('mode', ['sum', 'mean'])
@pytest.mark.parametrize('layout', ['2d', 'offsets', 'one-bag'])
def test_scale_grad_by_freq_divides_by_each_rows_count(layout, mode, padding_idx, torch):
    mine = run(mt, layout, mode=mode, scale_grad_by_freq=True, padding_idx=padding_idx)
    assert_same(mine, _bags_by_embedding(torch, layout, mode, padding_idx))
    plain = run(mt, layout, mode=mode, padding_idx=padding_idx)
    np.testing.assert_array_equal(host(mine[0]), host(plain[0]))       # the forward unchanged


def test_scale_grad_by_freq_matches_torch_where_its_counts_are_right(torch):
    """Indices that all repeat equally often: PyTorch 2.13's kernel gets these right."""
    results = []
    for lib in (mt, torch):
        w = lib.tensor(WEIGHT, requires_grad=True)
        out = lib.nn.functional.embedding_bag(lib.tensor([3, 1, 1, 3, 5, 5]), w,
                                              lib.tensor([0, 2]), mode='mean',
                                              scale_grad_by_freq=True)
        seed = lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], dtype=lib.float64)
        (out * seed).sum().backward()
        results.append((out, w.grad))
    assert_same(results[0], results[1])


@pytest.mark.parametrize('norm_type', [2.0, 1.0, float('inf')])
@pytest.mark.parametrize('mode', ['sum', 'max'])
def test_max_norm_renormalises_the_named_rows_as_torch(mode, norm_type, torch):
    results = []
    for lib in (mt, torch):
        w = lib.tensor(WEIGHT * 2, requires_grad=True)
        version = w._version
        out = lib.nn.functional.embedding_bag(lib.tensor([1, 4, 4, 0]), w, lib.tensor([0, 2]),
                                              max_norm=1.5, norm_type=norm_type, mode=mode)
        out.sum().backward()
        assert w._version == version + 1
        results.append((out, w, w.grad))
    assert_same(results[0], results[1])
    untouched = [2, 3, 5, 6]
    np.testing.assert_array_equal(host(results[0][1])[untouched], (WEIGHT * 2)[untouched])


def test_max_gives_the_gradient_to_the_first_of_tied_entries(torch):
    weight = np.array([[1.0, 5.0], [1.0, 2.0], [3.0, 5.0]])
    grads = []
    for lib in (mt, torch):
        w = lib.tensor(weight, requires_grad=True)
        out = lib.nn.functional.embedding_bag(lib.tensor([[0, 1, 2, 2]]), w, mode='max')
        out.sum().backward()
        grads.append(w.grad.cpu().numpy() if lib is mt else w.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[0], [[0, 1], [0, 0], [1, 0]])


def test_bags_of_padding_only_and_empty_bags_are_zeros(torch):
    for mode in ('sum', 'mean', 'max'):
        outs = [lib.nn.functional.embedding_bag(lib.tensor([4, 4, 1]), lib.tensor(WEIGHT),
                                                lib.tensor([0, 2, 2, 3]), mode=mode,
                                                padding_idx=4) for lib in (mt, torch)]
        np.testing.assert_array_equal(host(outs[0]), outs[1].numpy())
        assert not host(outs[0])[[0, 1, 3]].any()


def test_no_bags():
    """Empty offsets: no bags (PyTorch 2.13's kernel crashes on some of these calls)."""
    w = mt.tensor(WEIGHT, requires_grad=True)
    for mode in ('sum', 'mean', 'max'):
        out = mt.nn.functional.embedding_bag(mt.tensor([1, 2]), w,
                                             mt.tensor([], dtype=mt.int64), mode=mode)
        assert tuple(out.shape) == (0, 3) and out.requires_grad


def test_int32_indices_and_grad_fn_name(torch):
    names = []
    for lib in (mt, torch):
        w = lib.tensor(WEIGHT, requires_grad=True)
        out = lib.nn.functional.embedding_bag(lib.tensor([1, 2, 3], dtype=lib.int32), w,
                                              lib.tensor([0, 1], dtype=lib.int32))
        names.append(type(out.grad_fn).__name__)
    assert names[0] == names[1] == 'EmbeddingBagBackward0'


def test_swapped_arguments_warn_and_still_work(torch):
    for lib in (mt, torch):
        weight, indices = lib.tensor(WEIGHT), lib.tensor([[1, 2]])
        with pytest.warns(UserWarning, match='Argument order of nn.functional.embedding_bag '
                                             'was changed'):
            out = lib.nn.functional.embedding_bag(weight, indices)
        np.testing.assert_allclose(out.cpu().numpy() if lib is mt else out.numpy(),
                                   WEIGHT[[1, 2]].mean(0, keepdims=True))


def test_runs_on_the_device(device):
    w = mt.tensor(WEIGHT, device=device, requires_grad=True)
    sample = mt.ones(5, dtype=mt.float64, device=device, requires_grad=True)
    indices, offsets = mt.tensor([1, 2, 2, 6, 0], device=device), mt.tensor([0, 3], device=device)
    for mode in ('sum', 'mean', 'max'):
        args = dict(per_sample_weights=sample) if mode == 'sum' else {}
        out = mt.nn.functional.embedding_bag(indices, w, offsets, mode=mode, padding_idx=6,
                                             **args)
        assert out.device == w.device and tuple(out.shape) == (2, 3)
        out.sum().backward()
    assert w.grad.device == w.device and sample.grad.device == w.device
    expected = WEIGHT[[1, 2, 2]].sum(0)
    np.testing.assert_allclose(host(mt.nn.functional.embedding_bag(
        indices, w, offsets, mode='sum', padding_idx=6))[0], expected)


# ---- the module -----------------------------------------------------------------------------

MODULES = {
    'defaults': dict(),
    'sum-padding': dict(mode='sum', padding_idx=2),
    'max-negative-padding': dict(mode='max', padding_idx=-1),
    'listing-options': dict(max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True,
                            include_last_offset=True),
}


@pytest.mark.parametrize('name', list(MODULES))
def test_module_matches_torch(name, torch):
    options = MODULES[name]
    theirs, mine = torch.nn.EmbeddingBag(7, 3, **options), mt.nn.EmbeddingBag(7, 3, **options)
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ['weight']
    assert mine.padding_idx == theirs.padding_idx
    if mine.padding_idx is not None:
        assert not host(mine.weight)[mine.padding_idx].any()
    mine.load_state_dict({'weight': mt.tensor(theirs.weight.detach().numpy())})
    offsets = [0, 2, 5] if options.get('include_last_offset') else [0, 2]
    results = []
    for lib, module in ((mt, mine), (torch, theirs)):
        out = module(lib.tensor([1, 2, 0, 6, 3]), lib.tensor(offsets))
        (out * lib.tensor([[1.0, -2.0, 0.5]])).sum().backward()
        results.append((out, module.weight.grad, module.weight))
    assert_same(results[0], results[1], 'float32')


def test_module_initialisation_and_dtype():
    mt.manual_seed(0)
    bag = mt.nn.EmbeddingBag(1000, 4, dtype=mt.float64)
    values = host(bag.weight)
    assert bag.weight.dtype is mt.float64 and bag.mode == 'mean'
    assert abs(values.mean()) < 0.05 and abs(values.std() - 1) < 0.05


def test_from_pretrained(torch):
    weights = [lib.tensor(WEIGHT, dtype=lib.float32) for lib in (mt, torch)]
    mine = mt.nn.EmbeddingBag.from_pretrained(weights[0], mode='sum', padding_idx=1)
    theirs = torch.nn.EmbeddingBag.from_pretrained(weights[1], mode='sum', padding_idx=1)
    assert repr(mine) == repr(theirs) and not mine.weight.requires_grad
    np.testing.assert_array_equal(host(mine.weight), WEIGHT.astype(np.float32))   # row 1 kept
    out = mine(mt.tensor([[1, 3], [0, 0]]))
    np.testing.assert_allclose(host(out), theirs(torch.tensor([[1, 3], [0, 0]])).numpy())
    trainable = mt.nn.EmbeddingBag.from_pretrained(weights[0], freeze=False)
    assert trainable.weight.requires_grad


def test_module_refuses_sparse():
    with pytest.raises(NotImplementedError, match='not supported by microtorch'):
        mt.nn.EmbeddingBag(4, 2, sparse=True)


# ---- errors ---------------------------------------------------------------------------------

def _bad(lib, **kwargs):
    """F.embedding_bag on a fresh weight with kwargs overriding a good 1-D call."""
    args = dict(input=lib.tensor([1, 2, 4, 5, 4, 3]), weight=lib.ones(6, 2, requires_grad=True),
                offsets=lib.tensor([0, 2]))
    args.update({k: v(lib) if callable(v) else v for k, v in kwargs.items()})
    return args


ERRORS = {
    'bad-mode': dict(mode='min'),
    'psw-with-mean': dict(per_sample_weights=lambda lib: lib.ones(6)),
    'psw-shape': dict(mode='sum', per_sample_weights=lambda lib: lib.ones(5)),
    'psw-dtype': dict(mode='sum', per_sample_weights=lambda lib: lib.ones(6, dtype=lib.float64)),
    'first-offset': dict(offsets=lambda lib: lib.tensor([1, 2])),
    'last-offset': dict(offsets=lambda lib: lib.tensor([0, 7])),
    'last-offset-included': dict(offsets=lambda lib: lib.tensor([0, 2, 7]),
                                 include_last_offset=True),
    'no-offsets': dict(offsets=None),
    'offsets-2d': dict(offsets=lambda lib: lib.tensor([[0, 2]])),
    'empty-offsets-included': dict(offsets=lambda lib: lib.tensor([], dtype=lib.int64),
                                   include_last_offset=True),
    'offsets-with-2d-input': dict(input=lambda lib: lib.tensor([[1, 2], [3, 4]])),
    'input-3d': dict(input=lambda lib: lib.tensor([[[1, 2]]]), offsets=None),
    'weight-1d': dict(weight=lambda lib: lib.ones(6, requires_grad=True)),
    'float-input': dict(input=lambda lib: lib.tensor([1.0, 2.0])),
    'float-offsets': dict(offsets=lambda lib: lib.tensor([0.0, 1.0])),
    'int-weight': dict(weight=lambda lib: lib.ones(6, 2, dtype=lib.int32)),
    'index-out-of-range': dict(input=lambda lib: lib.tensor([1, 9, 0])),
    'negative-index': dict(input=lambda lib: lib.tensor([1, -1, 0])),
    'padding-idx-range': dict(padding_idx=6),
    'max-scale-grad': dict(mode='max', scale_grad_by_freq=True),
    'max-sparse': dict(mode='max', sparse=True),
    'max-norm-then-psw': dict(max_norm=0.5, per_sample_weights=lambda lib: lib.ones(6)),
}


@pytest.mark.parametrize('name', list(ERRORS))
def test_errors_match_torch_and_change_nothing(name, torch):
    kwargs = ERRORS[name]
    theirs = _bad(torch, **kwargs)
    with pytest.raises(Exception) as expected:
        torch.nn.functional.embedding_bag(**theirs)
    mine = _bad(mt, **kwargs)
    before = {k: (host(v), v._version) for k, v in mine.items() if isinstance(v, mt.Tensor)}
    with pytest.raises(expected.type) as got:
        mt.nn.functional.embedding_bag(**mine)
    assert str(got.value) == str(expected.value).replace('torch.', 'microtorch.')
    for key, (values, version) in before.items():
        np.testing.assert_array_equal(host(mine[key]), values)
        assert mine[key]._version == version


def test_decreasing_offsets_are_refused():
    w = mt.ones(6, 2, requires_grad=True)
    for mode in ('sum', 'mean', 'max'):
        with pytest.raises(RuntimeError, match=r'^embedding_bag: offsets must not decrease, '
                                               r'but offsets\[2\] = 2 follows offsets\[1\] = 4$'):
            mt.nn.functional.embedding_bag(mt.tensor([1, 2, 4, 5, 4, 3]), w,
                                           mt.tensor([0, 4, 2]), mode=mode)


MODULE_ERRORS = [
    lambda lib: lib.nn.EmbeddingBag(6, 2, padding_idx=6),
    lambda lib: lib.nn.EmbeddingBag(6, 2, padding_idx=-7),
    lambda lib: lib.nn.EmbeddingBag(6, 2, _weight=lib.ones(5, 2)),
    lambda lib: lib.nn.EmbeddingBag.from_pretrained(lib.ones(5)),
    lambda lib: lib.nn.EmbeddingBag(6, 2, mode='foo')(lib.tensor([[1, 2]])),
]


@pytest.mark.parametrize('call', MODULE_ERRORS, ids=range(len(MODULE_ERRORS)))
def test_module_errors_match_torch(call, torch):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(expected.type) as got:
        call(mt)
    assert str(got.value) == str(expected.value).replace('torch.', 'microtorch.')


def test_state_dict_round_trip():
    bag = mt.nn.EmbeddingBag(5, 2, mode='sum')
    other = mt.nn.EmbeddingBag(5, 2, mode='sum')
    other.load_state_dict(copy.deepcopy(bag.state_dict()))
    x = mt.tensor([[0, 4], [3, 3]])
    np.testing.assert_array_equal(host(other(x)), host(bag(x)))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        other(x, per_sample_weights=mt.ones(2, 2))
