"""optim.lr_scheduler: the schedules' numbers (by hand, and against PyTorch step for step
where it is installed), the warnings, state dicts and argument errors."""
import math
import pickle
import warnings

import pytest

import microtorch
from microtorch.optim import lr_scheduler as S


def optimizer(lib, lr=0.1):
    """SGD over two param groups, the second with its own lr."""
    first, second = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(1))
    return lib.optim.SGD([{'params': [first]}, {'params': [second], 'lr': 0.5}], lr=lr,
                         momentum=0.9)


def schedule(lib, make, steps=25, metrics=None, epochs=None):
    """The learning rates of every group after making the scheduler and after each step."""
    opt = optimizer(lib)
    scheduler = make(lib.optim.lr_scheduler, opt)
    rates = [list(scheduler.get_last_lr())]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')       # step(epoch) is deprecated in both
        for i in range(steps):
            opt.step()
            if metrics is not None:
                scheduler.step(metrics[i])
            elif epochs is not None:
                scheduler.step(epochs[i])
            else:
                scheduler.step()
            rates.append([float(g['lr']) for g in opt.param_groups])
    return rates


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.4, 0.41,
                   0.42, 0.43, 0.44, 0.45, 0.46, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]
CASES = {
    'lambda': lambda m, o: m.LambdaLR(o, lambda e: 0.95 ** e),
    'lambda-per-group': lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
    'multiplicative': lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9),
    'step': lambda m, o: m.StepLR(o, 4, gamma=0.5),
    'multistep': lambda m, o: m.MultiStepLR(o, [3, 7, 7, 12], gamma=0.3),
    'constant': lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=6),
    'linear': lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=10),
    'exponential': lambda m, o: m.ExponentialLR(o, 0.87),
    'cosine': lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    'plateau': lambda m, o: m.ReduceLROnPlateau(o, patience=2, factor=0.5, cooldown=1,
                                                min_lr=[0.01, 0.2]),
    'plateau-max-abs': lambda m, o: m.ReduceLROnPlateau(o, mode='max', threshold_mode='abs',
                                                        threshold=0.1, patience=1),
}
CLOSED_FORMS = ('step', 'multistep', 'constant', 'linear', 'exponential', 'cosine')


@pytest.mark.parametrize('name', list(CASES))
def test_schedules_match_torch(name, torch):
    metrics = PLATEAU_METRICS if name.startswith('plateau') else None
    assert schedule(microtorch, CASES[name], metrics=metrics) == \
        schedule(torch, CASES[name], metrics=metrics)


@pytest.mark.parametrize('name', CLOSED_FORMS)
def test_step_with_an_epoch_matches_torch(name, torch):
    epochs = [0, 3, 5, 9, 11, 2, 14, 20]
    assert schedule(microtorch, CASES[name], steps=8, epochs=epochs) == \
        schedule(torch, CASES[name], steps=8, epochs=epochs)


def test_schedules_by_hand():
    step = schedule(microtorch, CASES['step'], steps=9)
    assert [r[0] for r in step] == pytest.approx([0.1] * 4 + [0.05] * 4 + [0.025] * 2)
    exponential = schedule(microtorch, CASES['exponential'], steps=3)
    assert [r[1] for r in exponential] == pytest.approx([0.5 * 0.87 ** k for k in range(4)])
    cosine = schedule(microtorch, lambda m, o: m.CosineAnnealingLR(o, T_max=4), steps=8)
    expected = [0.1 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(9)]
    assert [r[0] for r in cosine] == pytest.approx(expected, abs=1e-12)   # down and back up
    linear = schedule(microtorch, CASES['linear'], steps=12)
    assert [r[0] for r in linear][:11:5] == pytest.approx([0.01, 0.05, 0.09])
    assert linear[-1][0] == pytest.approx(0.09)
    plateau = schedule(microtorch, lambda m, o: m.ReduceLROnPlateau(o, patience=1), steps=5,
                       metrics=[1.0, 1.0, 1.0, 1.0, 0.5])
    assert [r[0] for r in plateau] == pytest.approx([0.1, 0.1, 0.1, 0.01, 0.01, 0.01])


def test_the_first_step_keeps_the_rates_and_records_initial_lr():
    opt = optimizer(microtorch)
    scheduler = S.ExponentialLR(opt, 0.5)
    assert scheduler.get_last_lr() == [0.1, 0.5] and scheduler.last_epoch == 0
    assert [g['initial_lr'] for g in opt.param_groups] == [0.1, 0.5]
    assert scheduler.base_lrs == [0.1, 0.5]


def test_warnings():
    opt = optimizer(microtorch)
    scheduler = S.StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r'before `optimizer.step\(\)`'):
        scheduler.step()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        opt.step()
        scheduler.step()                          # the right order: no warning
    with pytest.warns(UserWarning, match='use `get_last_lr\\(\\)`'):
        scheduler.get_lr()
    with pytest.warns(UserWarning, match='epoch parameter'):
        scheduler.step(5)


def test_state_dict_resumes_the_schedule():
    opt = optimizer(microtorch)
    scheduler = S.CosineAnnealingLR(opt, T_max=10)
    for _ in range(3):
        opt.step()
        scheduler.step()
    state = pickle.loads(pickle.dumps(scheduler.state_dict()))
    assert 'optimizer' not in state
    twin_opt = optimizer(microtorch)
    twin_opt.load_state_dict(opt.state_dict())
    twin = S.CosineAnnealingLR(twin_opt, T_max=10)
    twin.load_state_dict(state)
    for _ in range(4):
        opt.step()
        twin_opt.step()
        scheduler.step()
        twin.step()
    assert twin.get_last_lr() == scheduler.get_last_lr()
    lambdas = S.LambdaLR(optimizer(microtorch), lambda e: 1.0)
    assert lambdas.state_dict()['lr_lambdas'] == [None, None]     # functions are not saved


def test_plateau_state_dict_keeps_its_mode():
    opt = optimizer(microtorch)
    scheduler = S.ReduceLROnPlateau(opt, mode='max', patience=0)
    scheduler.step(1.0)
    twin = S.ReduceLROnPlateau(optimizer(microtorch))
    twin.load_state_dict(scheduler.state_dict())
    assert twin.mode == 'max' and twin.best == 1.0 and twin.mode_worse == -math.inf


ERRORS = [
    (TypeError, 'list is not an Optimizer', lambda lib: lib.optim.lr_scheduler.StepLR(
        lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=0.1).param_groups, 2)),
    (ValueError, 'Factor should be < 1.0.',
     lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer(lib), factor=1.0)),
    (ValueError, 'mode best is unknown!',
     lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer(lib), mode='best')),
    (ValueError, 'expected 2 min_lrs, got 1',
     lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer(lib), min_lr=[0.1])),
    (ValueError, 'Starting multiplicative factor expected to be greater than 0 and less or '
     'equal to 1.', lambda lib: lib.optim.lr_scheduler.LinearLR(optimizer(lib), 0.0)),
    (ValueError, 'Constant multiplicative factor expected to be between 0 and 1.',
     lambda lib: lib.optim.lr_scheduler.ConstantLR(optimizer(lib), 2.0)),
    (ValueError, 'Expected 2 lr_lambdas, but got 1',
     lambda lib: lib.optim.lr_scheduler.LambdaLR(optimizer(lib), [lambda e: 1.0])),
    (TypeError, 'lr_lambda should be a function, but got float',
     lambda lib: lib.optim.lr_scheduler.MultiplicativeLR(optimizer(lib), 0.9)),
    (KeyError, "param 'initial_lr' is not specified in param_groups[0]",
     lambda lib: lib.optim.lr_scheduler.StepLR(optimizer(lib), 2, last_epoch=3)),
]


@pytest.mark.parametrize('exc, message, call', ERRORS, ids=[e[1][:30] for e in ERRORS])
def test_errors(exc, message, call):
    with pytest.raises(exc) as info:
        call(microtorch)
    assert message in str(info.value)


@pytest.mark.parametrize('exc, message, call', ERRORS, ids=[e[1][:30] for e in ERRORS])
def test_errors_match_torch(exc, message, call, torch):
    with pytest.raises(exc) as info:
        call(torch)
    assert message in str(info.value)
