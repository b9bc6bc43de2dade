"""optim.swa_utils against PyTorch's on the same models and weights: AveragedModel's averages
(equal weight, EMA, per-tensor and multi-tensor functions, with and without buffers) and
state dicts, SWALR's learning rates, update_bn's running statistics, and the argument errors.
"""
import warnings

import numpy as np
import pytest

import microtorch as mt
from microtorch.optim import swa_utils


def _model(lib, mixed=True):
    """Float32 layers with a batch norm (float and int64 buffers) and, when mixed, a float64
    last layer (which then cannot run)."""
    last = lib.nn.Linear(4, 2)
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.ReLU(),
                             last.double() if mixed else last)


def _random_states(count, seed=0, mixed=True):
    """`count` state dicts for _model, as numpy arrays of the right dtypes."""
    rng = np.random.default_rng(seed)
    template = {k: v.numpy() for k, v in _model(mt, mixed).state_dict().items()}
    states = []
    for i in range(count):
        state = {}
        for key, value in template.items():
            if value.dtype == np.int64:
                state[key] = np.array(3 * i + rng.integers(0, 5), dtype=np.int64)
            else:
                state[key] = rng.standard_normal(value.shape).astype(value.dtype)
        state['1.running_var'] = np.abs(state['1.running_var'])
        states.append(state)
    return states


def _load(lib, model, state):
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})


def _averaged_state(lib, states, **kwargs):
    """The averaged model's state dict (as numpy) after one update per state; kwargs are
    AveragedModel's, with functions given as names of swa_utils' factories and arguments."""
    model = _model(lib)
    swa = lib.optim.swa_utils
    for name in ('avg_fn', 'multi_avg_fn'):
        if name in kwargs and isinstance(kwargs[name], tuple):
            factory, *args = kwargs[name]
            kwargs[name] = getattr(swa, factory)(*args)
    averaged = swa.AveragedModel(model, **kwargs)
    for state in states:
        _load(lib, model, state)
        averaged.update_parameters(model)
    return {k: v.numpy() for k, v in averaged.state_dict().items()}


def _custom_avg(averaged, current, n):
    return averaged * 0.5 + current * 0.25 + n


def _custom_multi_avg(averaged_list, current_list, n):
    for averaged, current in zip(averaged_list, current_list):
        if averaged.is_floating_point():
            averaged.mul_(0.5).add_(current, alpha=0.5).add_(n)
        else:
            averaged.add_(current).sub_(n)


AVERAGES = {
    'default': {},
    'default-buffers': {'use_buffers': True},
    'ema': {'avg_fn': ('get_ema_avg_fn', 0.9)},
    'ema-default-decay': {'avg_fn': ('get_ema_avg_fn',)},
    'ema-buffers': {'avg_fn': ('get_ema_avg_fn', 0.8), 'use_buffers': True},
    'swa-fn': {'avg_fn': ('get_swa_avg_fn',)},
    'swa-fn-buffers': {'avg_fn': ('get_swa_avg_fn',), 'use_buffers': True},
    'ema-multi': {'multi_avg_fn': ('get_ema_multi_avg_fn', 0.9)},
    'ema-multi-buffers': {'multi_avg_fn': ('get_ema_multi_avg_fn', 0.75), 'use_buffers': True},
    'swa-multi': {'multi_avg_fn': ('get_swa_multi_avg_fn',)},
    'custom': {'avg_fn': _custom_avg},
    'custom-multi-buffers': {'multi_avg_fn': _custom_multi_avg, 'use_buffers': True},
}


@pytest.mark.parametrize('name', AVERAGES)
@pytest.mark.parametrize('updates', [1, 2, 5])
def test_averages_match_torch(name, updates, torch):
    states = _random_states(updates)
    mine = _averaged_state(mt, states, **AVERAGES[name])
    theirs = _averaged_state(torch, states, **AVERAGES[name])
    assert list(mine) == list(theirs)
    for key in theirs:
        assert mine[key].dtype == theirs[key].dtype, key
        np.testing.assert_allclose(mine[key], theirs[key], rtol=1e-6, atol=1e-7, err_msg=key)
    assert mine['n_averaged'] == updates


def test_swa_multi_fn_on_int_buffers_fails_as_torch_does(torch):
    """PyTorch's multi-tensor mean divides int64 buffers with addcdiv, which refuses them."""
    states = _random_states(2)
    kwargs = {'multi_avg_fn': ('get_swa_multi_avg_fn',), 'use_buffers': True}
    with pytest.raises(RuntimeError) as theirs:
        _averaged_state(torch, states, **kwargs)
    with pytest.raises(RuntimeError) as mine:
        _averaged_state(mt, states, **kwargs)
    assert str(mine.value) == str(theirs.value).replace('torch.', 'microtorch.')


def test_default_average_is_the_mean():
    states = _random_states(4, seed=3)
    averaged = _averaged_state(mt, states)
    mean = np.mean([s['0.weight'] for s in states], axis=0)
    np.testing.assert_allclose(averaged['module.0.weight'], mean, rtol=1e-5, atol=1e-6)
    # the buffers are not averaged: they are the last model's
    assert averaged['module.1.running_mean'].tolist() == states[-1]['1.running_mean'].tolist()
    assert averaged['module.1.num_batches_tracked'] == states[-1]['1.num_batches_tracked']


def test_first_update_copies_and_the_copy_is_deep():
    model = _model(mt)
    averaged = swa_utils.AveragedModel(model, avg_fn=_custom_avg)
    with mt.no_grad():
        model[0].weight.fill_(2.0)
    assert averaged.module[0].weight is not model[0].weight
    assert averaged.module[0].weight.tolist() != model[0].weight.tolist()
    averaged.update_parameters(model)
    assert averaged.module[0].weight.tolist() == model[0].weight.tolist()
    assert averaged.n_averaged.dtype == mt.int64 and averaged.n_averaged.item() == 1


def test_state_dict_and_forward(torch):
    states = _random_states(3, seed=1, mixed=False)
    x = np.random.default_rng(2).standard_normal((5, 3)).astype(np.float32)
    outputs, keys = [], []
    for lib in (mt, torch):
        model = _model(lib, mixed=False)
        averaged = lib.optim.swa_utils.AveragedModel(model)
        keys.append(list(averaged.state_dict()))
        for state in states:
            _load(lib, model, state)
            averaged.update_parameters(model)
        averaged.eval()
        outputs.append(averaged(lib.tensor(x)).detach().numpy())
        assert averaged.state_dict()['n_averaged'].dtype == lib.int64
        # a fresh averaged model resumes from the state dict
        twin = lib.optim.swa_utils.AveragedModel(_model(lib, mixed=False))
        twin.load_state_dict(averaged.state_dict())
        assert twin.n_averaged.item() == 3
        assert twin.module[0].weight.tolist() == averaged.module[0].weight.tolist()
    assert keys[0] == keys[1] and keys[0][0] == 'n_averaged'
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-5, atol=1e-6)


def test_device_argument():
    averaged = swa_utils.AveragedModel(_model(mt), device='cpu')
    assert averaged.n_averaged.device == mt.device('cpu')
    assert averaged.module[0].weight.device == mt.device('cpu')


def test_averaged_model_on_a_device(device):
    """The copy lives on `device` and averages a model elsewhere (on 'cuda' with PyTorch's
    multi-tensor lerp); update_bn moves the CPU batches there."""
    states = _random_states(3, seed=7, mixed=False)
    model = _model(mt, mixed=False)
    on_cpu = swa_utils.AveragedModel(model)
    averaged = swa_utils.AveragedModel(model, device=device)
    assert averaged.n_averaged.device == mt.device(device)
    assert averaged.module[0].weight.device == mt.device(device)
    for state in states:
        _load(mt, model, state)
        on_cpu.update_parameters(model)
        averaged.update_parameters(model)
    batches = [(mt.ones(4, 3) * i, None) for i in range(3)]
    swa_utils.update_bn(batches, averaged, device=device)
    swa_utils.update_bn(batches, on_cpu)
    expected = on_cpu.state_dict()
    for key, value in averaged.state_dict().items():
        assert value.device == mt.device(device)
        np.testing.assert_allclose(value.cpu().numpy(), expected[key].numpy(), rtol=1e-6,
                                   atol=1e-6, err_msg=key)


def test_update_does_not_record_a_graph():
    model = _model(mt)
    averaged = swa_utils.AveragedModel(model)
    averaged.update_parameters(model)
    averaged.update_parameters(model)
    weight = averaged.module[0].weight
    assert weight.is_leaf and weight.requires_grad and weight.grad_fn is None


# ---- SWALR ------------------------------------------------------------------------------

def _optimizer(lib, groups):
    params = [{'params': [lib.nn.Parameter(lib.ones(2))], 'lr': 0.1 * (i + 1)}
              for i in range(groups)]
    return lib.optim.SGD(params, lr=0.05)


def _swa_rates(lib, steps=15, groups=2, warm_up=0, **kwargs):
    """The learning rates after making SWALR and after each step (after warm_up steps of a
    StepLR, to start from an lr another schedule left)."""
    opt = _optimizer(lib, groups)
    if warm_up:
        before = lib.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)
        for _ in range(warm_up):
            opt.step()
            before.step()
    scheduler = lib.optim.swa_utils.SWALR(opt, **kwargs)
    rates = [list(scheduler.get_last_lr())]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        rates.append([group['lr'] for group in opt.param_groups])
    return rates, scheduler


@pytest.mark.parametrize('strategy', ['cos', 'linear'])
@pytest.mark.parametrize('anneal_epochs', [0, 1, 2, 5, 10])
@pytest.mark.parametrize('swa_lr', [0.01, [0.02, 0.5]])
def test_swalr_matches_torch(strategy, anneal_epochs, swa_lr, torch):
    kwargs = {'swa_lr': swa_lr, 'anneal_epochs': anneal_epochs, 'anneal_strategy': strategy}
    mine, _ = _swa_rates(mt, **kwargs)
    theirs, _ = _swa_rates(torch, **kwargs)
    assert mine == theirs
    target = swa_lr if isinstance(swa_lr, list) else [swa_lr] * 2
    assert mine[-1] == pytest.approx(target)


@pytest.mark.parametrize('groups', [1, 3])
def test_swalr_after_another_schedule_matches_torch(groups, torch):
    kwargs = {'swa_lr': 0.03, 'anneal_epochs': 4, 'groups': groups, 'warm_up': 5}
    assert _swa_rates(mt, **kwargs)[0] == _swa_rates(torch, **kwargs)[0]


def test_swalr_state_dict(torch):
    kwargs = {'swa_lr': 0.02, 'anneal_epochs': 6, 'anneal_strategy': 'linear', 'steps': 3}
    (_, mine), (_, theirs) = _swa_rates(mt, **kwargs), _swa_rates(torch, **kwargs)
    assert mine.state_dict() == theirs.state_dict()
    # a scheduler made with other arguments resumes where the saved one was
    opt = _optimizer(mt, 2)
    for group, lr in zip(opt.param_groups, mine.get_last_lr()):
        group['lr'] = lr
    twin = swa_utils.SWALR(opt, swa_lr=0.02, anneal_epochs=6)
    twin.load_state_dict(mine.state_dict())
    assert twin.anneal_func is swa_utils.SWALR._linear_anneal
    rates = []
    for scheduler in (mine, twin):
        scheduler.optimizer.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr())
    assert rates[0] == rates[1]


def test_swalr_get_lr_outside_step_warns():
    _, scheduler = _swa_rates(mt, steps=1, swa_lr=0.01)
    with pytest.warns(UserWarning, match='please use `get_last_lr\\(\\)`'):
        scheduler.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        scheduler.optimizer.step()
        scheduler.step()


# ---- update_bn --------------------------------------------------------------------------

def _bn_models(lib):
    return {
        '1d': lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4, momentum=0.3),
                                lib.nn.ReLU(), lib.nn.Linear(4, 4), lib.nn.BatchNorm1d(4)),
        '2d': lib.nn.Sequential(lib.nn.Conv2d(2, 3, 3), lib.nn.BatchNorm2d(3),
                                lib.nn.InstanceNorm2d(3, track_running_stats=True),
                                lib.nn.Flatten(), lib.nn.Linear(48, 2)),
    }


INPUT_SHAPES = {'1d': (6, 3), '2d': (4, 2, 6, 6)}


@pytest.mark.parametrize('kind', ['1d', '2d'])
@pytest.mark.parametrize('batches', ['tensors', 'tuples', 'lists'])
@pytest.mark.parametrize('training', [True, False])
def test_update_bn_matches_torch(kind, batches, training, torch):
    rng = np.random.default_rng(5)
    data = [rng.standard_normal(INPUT_SHAPES[kind]).astype(np.float32) + i for i in range(4)]
    template = {k: v.numpy() for k, v in _bn_models(mt)[kind].state_dict().items()}
    results = []
    for lib in (mt, torch):
        model = _bn_models(lib)[kind]
        _load(lib, model, template)
        model.train(training)
        inputs = [lib.tensor(x) for x in data]
        if batches == 'tuples':
            loader = [(x, lib.zeros(len(x))) for x in inputs]
        elif batches == 'lists':
            loader = [[x] for x in inputs]
        else:
            loader = inputs
        lib.optim.swa_utils.update_bn(loader, model)
        assert model.training is training
        assert [m.momentum for m in model.modules() if hasattr(m, 'momentum')] == (
            [0.3, 0.1] if kind == '1d' else [0.1, 0.1])
        results.append({k: v.numpy() for k, v in model.state_dict().items()})
    mine, theirs = results
    assert list(mine) == list(theirs)
    for key in theirs:
        np.testing.assert_allclose(mine[key], theirs[key], rtol=1e-5, atol=1e-6, err_msg=key)
    # the instance norm's statistics are left alone, as in PyTorch
    if kind == '2d':
        assert mine['2.num_batches_tracked'] == 0


def test_update_bn_moves_batches_to_the_device():
    model = _bn_models(mt)['1d']
    update = [mt.ones(2, 3), mt.zeros(2, 3)]
    swa_utils.update_bn(update, model, device='cpu')
    assert model[1].num_batches_tracked.item() == 2


def test_update_bn_without_batch_norm_reads_nothing():
    def loader():
        raise AssertionError('read')
        yield
    model = mt.nn.Sequential(mt.nn.Linear(2, 2), mt.nn.LayerNorm(2))
    model.eval()
    swa_utils.update_bn(loader(), model)
    assert not model.training


def test_update_bn_of_an_averaged_model(torch):
    states, results = _random_states(3, seed=4, mixed=False), []
    x = np.random.default_rng(6).standard_normal((8, 3)).astype(np.float32)
    for lib in (mt, torch):
        model = _model(lib, mixed=False)
        averaged = lib.optim.swa_utils.AveragedModel(model)
        for state in states:
            _load(lib, model, state)
            averaged.update_parameters(model)
        lib.optim.swa_utils.update_bn([lib.tensor(x)], averaged)
        results.append(averaged.module[1].running_var.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)


# ---- errors -----------------------------------------------------------------------------

ERRORS = {
    'ema-decay-above-one': lambda lib: lib.optim.swa_utils.get_ema_avg_fn(1.5),
    'ema-multi-decay-negative': lambda lib: lib.optim.swa_utils.get_ema_multi_avg_fn(-0.1),
    'both-avg-fns': lambda lib: lib.optim.swa_utils.AveragedModel(
        lib.nn.Linear(2, 2), avg_fn=lib.optim.swa_utils.get_swa_avg_fn(),
        multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn()),
    'anneal-strategy': lambda lib: lib.optim.swa_utils.SWALR(
        _optimizer(lib, 2), 0.1, anneal_strategy='exp'),
    'anneal-epochs-negative': lambda lib: lib.optim.swa_utils.SWALR(
        _optimizer(lib, 2), 0.1, anneal_epochs=-1),
    'anneal-epochs-float': lambda lib: lib.optim.swa_utils.SWALR(
        _optimizer(lib, 2), 0.1, anneal_epochs=2.0),
    'swa-lr-length': lambda lib: lib.optim.swa_utils.SWALR(_optimizer(lib, 2), [0.1]),
    'not-an-optimizer': lambda lib: lib.optim.swa_utils.SWALR(object(), 0.1),
}


@pytest.mark.parametrize('name', ERRORS)
def test_errors_match_torch(name, torch):
    with pytest.raises(Exception) as theirs:
        ERRORS[name](torch)
    with pytest.raises(type(theirs.value)) as mine:
        ERRORS[name](mt)
    assert type(mine.value) is type(theirs.value)
    assert str(mine.value) == str(theirs.value).replace('torch.', 'microtorch.')


@pytest.mark.parametrize('kwargs', [{'anneal_strategy': 'exp'}, {'anneal_epochs': -2},
                                    {'swa_lr': [0.1, 0.2, 0.3]}])
def test_swalr_bad_arguments_change_no_group(kwargs):
    opt = _optimizer(mt, 2)
    before = [dict(group) for group in opt.param_groups]
    with pytest.raises(ValueError):
        swa_utils.SWALR(opt, **{'swa_lr': 0.1, **kwargs})
    assert [dict(group) for group in opt.param_groups] == before
