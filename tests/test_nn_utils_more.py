"""nn.utils fusion / norms / clipping / skip_init, SyncBatchNorm, DataParallel, and the Tensor
methods map2_, as_strided_, pin_memory, share_memory_ and the deprecated lu / lu_solve /
cholesky: compared with PyTorch on the same weights and inputs."""
import warnings

import numpy as np
import pytest

import microtorch as mt


def _same(ours, theirs, atol=1e-6):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=atol,
                               rtol=1e-5)


def _copy_weights(ours, theirs, torch):
    """theirs' parameters and buffers into ours (same state_dict names)."""
    state = {k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)


def _trained_bn(bn, torch, channels):
    """Give a torch BatchNorm non-trivial running stats and affine parameters."""
    torch.manual_seed(0)
    with torch.no_grad():
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.5, 2.0)
        if bn.weight is not None:
            bn.weight.normal_()
            bn.bias.normal_()
    return bn.eval()


# ---- fusion --------------------------------------------------------------------------------

@pytest.mark.parametrize('kind', ['conv1d', 'conv2d', 'conv2d_nobias', 'convT2d', 'bn_noaffine'])
def test_fuse_conv_bn_eval(torch, kind):
    torch.manual_seed(1)
    make = {'conv1d': lambda n: n.Conv1d(2, 3, 3), 'conv2d': lambda n: n.Conv2d(2, 3, 3),
            'conv2d_nobias': lambda n: n.Conv2d(2, 3, 3, bias=False),
            'convT2d': lambda n: n.ConvTranspose2d(2, 3, 3),
            'bn_noaffine': lambda n: n.Conv2d(2, 3, 3)}[kind]
    tconv = make(torch.nn).eval()
    one_d = kind == 'conv1d'
    tbn_cls = torch.nn.BatchNorm1d if one_d else torch.nn.BatchNorm2d
    tbn = _trained_bn(tbn_cls(3, affine=kind != 'bn_noaffine'), torch, 3)
    conv, bn = make(mt.nn).eval(), (mt.nn.BatchNorm1d if one_d else mt.nn.BatchNorm2d)(
        3, affine=kind != 'bn_noaffine').eval()
    _copy_weights(conv, tconv, torch)
    _copy_weights(bn, tbn, torch)
    transpose = kind == 'convT2d'
    fused = mt.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
    assert fused is not conv and isinstance(fused.weight, mt.nn.Parameter)
    _same(fused.weight, tfused.weight)
    _same(fused.bias, tfused.bias)
    x = np.random.default_rng(0).standard_normal((2, 2, 6) if one_d else (2, 2, 6, 6))
    x = x.astype(np.float32)
    _same(fused(mt.tensor(x)), bn(conv(mt.tensor(x))), atol=1e-5)
    _same(fused(mt.tensor(x)), tfused(torch.tensor(x)), atol=1e-5)
    assert conv.bias is None or fused.bias.requires_grad


@pytest.mark.parametrize('features', [4, 1])
def test_fuse_linear_bn_eval(torch, features):
    torch.manual_seed(2)
    tlin = torch.nn.Linear(3, 4).eval()
    tbn = _trained_bn(torch.nn.BatchNorm1d(features), torch, features)
    lin, bn = mt.nn.Linear(3, 4).eval(), mt.nn.BatchNorm1d(features).eval()
    _copy_weights(lin, tlin, torch)
    _copy_weights(bn, tbn, torch)
    fused = mt.nn.utils.fusion.fuse_linear_bn_eval(lin, bn)
    tfused = torch.nn.utils.fusion.fuse_linear_bn_eval(tlin, tbn)
    _same(fused.weight, tfused.weight)
    _same(fused.bias, tfused.bias)
    x = mt.randn(5, 3)
    if features == 4:
        _same(fused(x), bn(lin(x)), atol=1e-5)


def test_fuse_weights_functions(torch):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in
              [(3, 2, 3, 3), (3,), (3,), (3,), (3,), (3,)]]
    arrays[3] = np.abs(arrays[3]) + 0.5
    ours = [mt.tensor(a) for a in arrays]
    theirs = [torch.tensor(a) for a in arrays]
    w, b = mt.nn.utils.fuse_conv_bn_weights(ours[0], None, ours[2], ours[3], 1e-5, None, None)
    tw, tb = torch.nn.utils.fuse_conv_bn_weights(theirs[0], None, theirs[2], theirs[3], 1e-5,
                                                 None, None)
    _same(w, tw)
    _same(b, tb)
    assert not w.requires_grad and not b.requires_grad
    lw, lb = mt.nn.utils.fuse_linear_bn_weights(ours[0][:, :, 0, 0], ours[1], ours[2],
                                                ours[3], 1e-3, ours[4], ours[5])
    tlw, tlb = torch.nn.utils.fuse_linear_bn_weights(theirs[0][:, :, 0, 0], theirs[1],
                                                     theirs[2], theirs[3], 1e-3, theirs[4],
                                                     theirs[5])
    _same(lw, tlw)
    _same(lb, tlb)


def test_fusion_errors(torch):
    conv, bn = mt.nn.Conv2d(2, 3, 3), mt.nn.BatchNorm2d(3)
    with pytest.raises(AssertionError, match='Fusion only for eval!'):
        mt.nn.utils.fuse_conv_bn_eval(conv, bn)
    with pytest.raises(AssertionError, match='must not be None'):
        mt.nn.utils.fuse_conv_bn_eval(conv.eval(), mt.nn.BatchNorm2d(
            3, track_running_stats=False).eval())
    with pytest.raises(AssertionError) as ours:
        mt.nn.utils.fuse_linear_bn_eval(mt.nn.Linear(2, 4).eval(), mt.nn.BatchNorm1d(3).eval())
    with pytest.raises(AssertionError) as theirs:
        torch.nn.utils.fuse_linear_bn_eval(torch.nn.Linear(2, 4).eval(),
                                           torch.nn.BatchNorm1d(3).eval())
    assert str(ours.value) == str(theirs.value)


# ---- norms and clipping ---------------------------------------------------------------------

@pytest.mark.parametrize('norm_type', [2.0, 1, 3.5, float('inf')])
def test_get_total_norm_and_clip_grads_with_norm(torch, norm_type):
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (5,), ()]]
    norm = mt.nn.utils.get_total_norm([mt.tensor(a) for a in arrays], norm_type)
    tnorm = torch.nn.utils.get_total_norm([torch.tensor(a) for a in arrays], norm_type)
    _same(norm, tnorm, atol=1e-5)
    _same(mt.nn.utils.get_total_norm(mt.tensor(arrays[0]), norm_type),
          torch.nn.utils.get_total_norm(torch.tensor(arrays[0]), norm_type), atol=1e-5)
    params = [mt.zeros(a.shape, requires_grad=True) for a in arrays]
    tparams = [torch.zeros(a.shape, requires_grad=True) for a in arrays]
    for p, tp, a in zip(params, tparams, arrays):
        p.grad, tp.grad = mt.tensor(a), torch.tensor(a)
    assert mt.nn.utils.clip_grads_with_norm_(params, 0.5, norm) is None
    torch.nn.utils.clip_grads_with_norm_(tparams, 0.5, tnorm)
    for p, tp in zip(params, tparams):
        _same(p.grad, tp.grad, atol=1e-6)


def test_get_total_norm_empty_and_nonfinite(torch):
    assert mt.nn.utils.get_total_norm([]).item() == torch.nn.utils.get_total_norm([]).item()
    bad = [mt.tensor([1.0, float('inf')])]
    assert mt.nn.utils.get_total_norm(bad).item() == float('inf')
    with pytest.raises(RuntimeError) as ours:
        mt.nn.utils.get_total_norm(bad, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.utils.get_total_norm([torch.tensor([1.0, float('inf')])],
                                      error_if_nonfinite=True)
    assert str(ours.value) == str(theirs.value)


def test_clip_grad_norm_deprecated_alias_and_empty_generator(torch):
    p, tp = mt.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    p.grad, tp.grad = mt.tensor([3.0, 4.0, 0.0]), torch.tensor([3.0, 4.0, 0.0])
    with pytest.warns(FutureWarning) as ours:
        total = mt.nn.utils.clip_grad_norm([p], 1.0)
    with pytest.warns(FutureWarning) as theirs:
        ttotal = torch.nn.utils.clip_grad_norm([tp], 1.0)
    assert str(ours[0].message) == str(theirs[0].message)
    _same(total, ttotal)
    _same(p.grad, tp.grad)
    with pytest.warns(UserWarning, match='empty generator'):
        mt.nn.utils.clip_grad_norm_((q for q in []), 1.0)


# ---- skip_init ------------------------------------------------------------------------------

def test_skip_init_draws_nothing_and_keeps_shapes():
    mt.manual_seed(5)
    layer = mt.nn.utils.skip_init(mt.nn.Linear, 4, 3, bias=True)
    after = mt.rand(3)
    mt.manual_seed(5)
    np.testing.assert_array_equal(after.numpy(), mt.rand(3).numpy())
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    assert isinstance(layer.weight, mt.nn.Parameter) and layer.weight.requires_grad
    bn = mt.nn.utils.skip_init(mt.nn.BatchNorm1d, num_features=2)
    assert bn.running_var.shape == (2,) and bn.num_batches_tracked.dtype == mt.int64
    # the initialisers work again afterwards
    assert mt.nn.init.ones_(mt.zeros(2)).tolist() == [1.0, 1.0]


def test_skip_init_errors(torch):
    for cls in (int, mt.nn.ReLU):
        with pytest.raises(RuntimeError) as ours:
            mt.nn.utils.skip_init(cls)
        with pytest.raises(RuntimeError) as theirs:
            torch.nn.utils.skip_init(int if cls is int else torch.nn.ReLU)
        assert str(ours.value).replace('microtorch.nn.modules.activation',
                                       'torch.nn.modules.activation') == str(theirs.value)


def test_to_empty_keeps_parameters():
    layer = mt.nn.Linear(2, 2)
    weight = layer.weight
    assert layer.to_empty(device='cpu') is layer and layer.weight is weight


# ---- SyncBatchNorm ---------------------------------------------------------------------------

@pytest.mark.parametrize('shape', [(4, 3), (4, 3, 5), (2, 3, 4, 4), (2, 3, 2, 2, 3)])
@pytest.mark.parametrize('momentum', [0.1, None])
def test_sync_batch_norm_matches_batch_norm(torch, shape, momentum):
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    ours = mt.nn.SyncBatchNorm(3, momentum=momentum)
    theirs = torch.nn.SyncBatchNorm(3, momentum=momentum)
    for _ in range(2):
        xs, txs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = ours(xs), theirs(txs)
        _same(y, ty, atol=1e-5)
        y.sum().backward()
        ty.sum().backward()
        _same(xs.grad, txs.grad, atol=1e-5)
    for name in ('running_mean', 'running_var', 'num_batches_tracked'):
        _same(getattr(ours, name), getattr(theirs, name), atol=1e-6)
    ours.eval()
    theirs.eval()
    _same(ours(mt.tensor(x)), theirs(torch.tensor(x)), atol=1e-5)
    assert repr(ours) == repr(theirs)


def test_sync_batch_norm_errors(torch):
    for x in (np.zeros(3, np.float32), np.zeros((2, 0, 4), np.float32)):
        with pytest.raises(ValueError) as ours:
            mt.nn.SyncBatchNorm(3)(mt.tensor(x))
        with pytest.raises(ValueError) as theirs:
            torch.nn.SyncBatchNorm(3)(torch.tensor(x))
        assert str(ours.value) == str(theirs.value)


def test_convert_sync_batchnorm(torch):
    model = mt.nn.Sequential(mt.nn.BatchNorm1d(2), mt.nn.InstanceNorm1d(2),
                             mt.nn.Sequential(mt.nn.BatchNorm2d(2, affine=False).eval()))
    tmodel = torch.nn.Sequential(torch.nn.BatchNorm1d(2), torch.nn.InstanceNorm1d(2),
                                 torch.nn.Sequential(torch.nn.BatchNorm2d(2, affine=False).eval()))
    weight = model[0].weight
    converted = mt.nn.SyncBatchNorm.convert_sync_batchnorm(model, process_group='group')
    tconverted = torch.nn.SyncBatchNorm.convert_sync_batchnorm(tmodel)
    assert repr(converted) == repr(tconverted)
    assert converted[0].weight is weight and converted[0].process_group == 'group'
    assert not converted[2][0].training
    assert list(converted.state_dict()) == list(tconverted.state_dict())
    single = mt.nn.SyncBatchNorm.convert_sync_batchnorm(mt.nn.BatchNorm3d(4))
    assert type(single) is mt.nn.SyncBatchNorm


# ---- DataParallel ----------------------------------------------------------------------------

def test_data_parallel_without_cuda(torch):
    if mt.cuda.is_available():
        pytest.skip('checks the CPU-only path')
    inner = mt.nn.Sequential(mt.nn.Linear(3, 2), mt.nn.BatchNorm1d(2))
    tinner = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    _copy_weights(inner, tinner, torch)
    model, tmodel = mt.nn.DataParallel(inner), torch.nn.DataParallel(tinner)
    assert model.module is inner and model.device_ids == tmodel.device_ids == []
    assert list(model.state_dict()) == list(tmodel.state_dict())
    assert repr(model) == repr(tmodel)
    x = np.random.default_rng(7).standard_normal((4, 3)).astype(np.float32)
    _same(model(mt.tensor(x)), tmodel(torch.tensor(x)), atol=1e-5)
    assert not hasattr(model, 'dim') and not hasattr(tmodel, 'dim')
    fresh = mt.nn.DataParallel(mt.nn.Sequential(mt.nn.Linear(3, 2), mt.nn.BatchNorm1d(2)))
    fresh.load_state_dict(model.state_dict())
    _same(fresh.module[0].weight, inner[0].weight)


# ---- Tensor methods --------------------------------------------------------------------------

def test_map2_(torch):
    def fn(a, b, c):
        return a + 10 * b - c
    x, y, z = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 3.0]), np.array([[1.0], [5.0]])
    ours = mt.tensor(x).map2_(mt.tensor(y), mt.tensor(z), fn)
    theirs = torch.tensor(x).map2_(torch.tensor(y), torch.tensor(z), fn)
    _same(ours, theirs)
    grad = mt.zeros(3, requires_grad=True)
    one = mt.ones(3)
    cases = [
        (lambda m, t: m.zeros(3).map2_(m.ones(3), 2, fn)),
        (lambda m, t: m.zeros(3).map2_(m.ones(3, dtype=m.int64), m.ones(3), fn)),
        (lambda m, t: m.zeros(3).map2_(m.ones(3), m.ones(3, dtype=m.float64), fn)),
        (lambda m, t: m.zeros(3).map2_(m.ones(4), m.ones(3), fn)),
        (lambda m, t: m.zeros(3, requires_grad=True).map2_(m.ones(3), m.ones(3), fn)),
        (lambda m, t: m.zeros(3).map2_(m.ones(3, requires_grad=True), m.ones(3), fn)),
        (lambda m, t: m.zeros(3).map_(m.ones(3, dtype=m.int64), lambda a, b: a)),
        (lambda m, t: m.zeros(3).map_(m.ones(3, requires_grad=True), lambda a, b: a)),
        (lambda m, t: m.zeros(3).map_(1, lambda a, b: a)),
        (lambda m, t: m.zeros(3, requires_grad=True).apply_(lambda a: a)),
    ]
    for case in cases:
        with pytest.raises(Exception) as mine:
            case(mt, None)
        with pytest.raises(Exception) as other:
            case(torch, None)
        assert type(mine.value) is type(other.value)
        assert str(mine.value).replace('microtorch.', 'torch.') == str(other.value)
    with mt.no_grad():                       # refused in no_grad mode too, as PyTorch
        with pytest.raises(RuntimeError, match='map2_'):
            grad.map2_(one, one, fn)
    target = mt.zeros(3)
    with pytest.raises(ZeroDivisionError):
        target.map2_(one, one, lambda a, b, c: 1 / 0)
    assert target.tolist() == [0.0, 0.0, 0.0]


def test_as_strided_(torch):
    for make in (lambda m: m.arange(8.0), lambda m: m.arange(8.0)[2:]):
        ours, theirs = make(mt), make(torch)
        assert ours.as_strided_((2, 2), (1, 2), 1) is ours
        theirs.as_strided_((2, 2), (1, 2), 1)
        _same(ours, theirs)
        assert ours.stride() == theirs.stride()
        assert ours.storage_offset() == theirs.storage_offset()
        ours.as_strided_((3,), (2,))
        theirs.as_strided_((3,), (2,))
        _same(ours, theirs)
        assert ours.storage_offset() == theirs.storage_offset()
    for args in [((2, 2), (1, 2), 6), ((2, 2), (1,))]:
        with pytest.raises(RuntimeError) as mine:
            mt.zeros(4).as_strided_(*args)
        with pytest.raises(RuntimeError) as other:
            torch.zeros(4).as_strided_(*args)
        assert str(mine.value) == str(other.value)
    with pytest.raises(RuntimeError, match='leaf Variable'):
        mt.zeros(4, requires_grad=True).as_strided_((2,), (2,))
    # a non-leaf: the gradient reaches the elements the new view covers
    base, tbase = mt.arange(4.0, requires_grad=True), torch.arange(4.0, requires_grad=True)
    y, ty = base * 1, tbase * 1
    y.as_strided_((2,), (2,))
    ty.as_strided_((2,), (2,))
    (y * mt.tensor([3.0, 5.0])).sum().backward()
    (ty * torch.tensor([3.0, 5.0])).sum().backward()
    _same(base.grad, tbase.grad)


def test_pin_memory_and_share_memory(torch):
    x = mt.randn(3)
    assert x.is_pinned() is False
    if not mt.cuda.is_available() and not torch.cuda.is_available():
        with pytest.raises(RuntimeError) as ours:
            x.pin_memory()
        with pytest.raises(RuntimeError) as theirs:
            torch.randn(3).pin_memory()
        assert str(ours.value) == str(theirs.value)
    with pytest.warns(DeprecationWarning, match="argument 'device' of Tensor.is_pinned"):
        x.is_pinned('cpu')
    with pytest.warns(DeprecationWarning, match="'device' of Tensor.pin_memory"):
        with pytest.raises(RuntimeError, match='CPU device type not an accelerator.'):
            x.pin_memory('cpu')
    # nothing here is shared with other processes: share_memory_ moves nothing
    assert x.share_memory_() is x and x.is_shared() is False


_LU_INPUTS = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2)),
              np.arange(24.0).reshape(2, 3, 4) % 5 + np.eye(3, 4), np.ones((3, 2))]


@pytest.mark.parametrize('index', range(len(_LU_INPUTS)))
def test_deprecated_lu(torch, index):
    a = _LU_INPUTS[index]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for get_infos in (False, True):
            ours = mt.tensor(a).lu(get_infos=get_infos)
            theirs = torch.tensor(a).lu(get_infos=get_infos)
            assert len(ours) == len(theirs)
            for o, t in zip(ours, theirs):
                _same(o, t)
                assert str(o.dtype).split('.')[1] == str(t.dtype).split('.')[1]
        info = mt.lu(mt.tensor(a), get_infos=True)
        assert type(info).__name__ == '_lu_with_info' and info.info.dtype == mt.int32


def test_deprecated_lu_solve_and_cholesky(torch):
    rng = np.random.default_rng(8)
    m = rng.standard_normal((2, 3, 3))
    spd = m @ m.transpose(0, 2, 1) + 3 * np.eye(3)
    b = rng.standard_normal((2, 3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        lu, tlu = mt.lu(mt.tensor(m)), torch.lu(torch.tensor(m))
        _same(mt.lu_solve(mt.tensor(b), *lu), torch.lu_solve(torch.tensor(b), *tlu))
        _same(mt.tensor(b).lu_solve(*lu), torch.tensor(b).lu_solve(*tlu))
        for upper in (False, True):
            _same(mt.cholesky(mt.tensor(spd), upper), torch.cholesky(torch.tensor(spd), upper))
            _same(mt.tensor(spd).cholesky(upper=upper),
                  torch.tensor(spd).cholesky(upper=upper))
        out = mt.empty(0, dtype=mt.float64)
        assert mt.cholesky(mt.tensor(spd), out=out) is out
        _same(out, torch.cholesky(torch.tensor(spd)))
        a = mt.tensor(spd, requires_grad=True)
        ta = torch.tensor(spd, requires_grad=True)
        mt.cholesky(a).sum().backward()
        torch.cholesky(ta).sum().backward()
        _same(a.grad, ta.grad, atol=1e-6)


@pytest.mark.parametrize('name', ['cholesky', 'lu', 'lu_solve'])
def test_deprecation_warnings(torch, name):
    def call(m):
        a = m.eye(2)
        if name == 'lu_solve':
            return m.lu_solve(m.ones(2, 1), *m.linalg.lu_factor(a))
        return getattr(m, name)(a)
    with pytest.warns(UserWarning) as ours:
        call(mt)
    was = torch.is_warn_always_enabled()
    torch.set_warn_always(True)          # PyTorch warns once a process otherwise
    try:
        with warnings.catch_warnings(record=True) as theirs:
            warnings.simplefilter('always')
            call(torch)
    finally:
        torch.set_warn_always(was)
    expected = str(theirs[0].message).split(' (Triggered internally')[0]
    assert str(ours[0].message) == expected.replace('torch.', 'microtorch.')
    assert ours[0].filename == __file__


def test_deprecated_factorisation_errors(torch):
    s = [[1.0, 2.0], [2.0, 1.0]]
    cases = [lambda m: m.cholesky(m.tensor(s)), lambda m: m.cholesky(m.ones(3)),
             lambda m: m.cholesky(m.ones(2, 3)), lambda m: m.cholesky(m.ones(2, 2).long()),
             lambda m: m.lu(m.ones(3)), lambda m: m.lu(m.ones(2, 2), pivot=False),
             lambda m: m.lu(m.eye(2), out=(m.empty(0),)),
             lambda m: m.lu_solve(m.ones(3, 1), *m.lu(m.eye(2)))]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for case in cases:
            with pytest.raises(Exception) as mine:
                case(mt)
            with pytest.raises(Exception) as other:
                case(torch)
            assert type(mine.value).__name__.lstrip('_') == type(other.value).__name__.lstrip('_')
            assert str(mine.value) == str(other.value).replace('torch.', 'microtorch.')
