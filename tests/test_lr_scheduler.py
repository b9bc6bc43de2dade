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
    'polynomial': lambda m, o: m.PolynomialLR(o, total_iters=8, power=2.0),
    'warm-restarts': lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2,
                                                                eta_min=0.01),
    'warm-restarts-flat': lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=4),
    'cyclic': lambda m, o: m.CyclicLR(o, 0.01, [0.1, 0.3], step_size_up=3, step_size_down=5),
    'cyclic-triangular2': lambda m, o: m.CyclicLR(o, [0.01, 0.02], 0.2, step_size_up=2,
                                                  mode='triangular2'),
    'cyclic-exp-range': lambda m, o: m.CyclicLR(o, 0.01, 0.2, step_size_up=4,
                                                mode='exp_range', gamma=0.9),
    'cyclic-scale-fn': lambda m, o: m.CyclicLR(o, 0.01, 0.2, step_size_up=3,
                                               scale_fn=lambda x: 1 / (x + 1),
                                               scale_mode='iterations'),
    'one-cycle': lambda m, o: m.OneCycleLR(o, [0.5, 1.0], total_steps=26),
    'one-cycle-three-phase-linear': lambda m, o: m.OneCycleLR(
        o, 0.4, epochs=5, steps_per_epoch=6, pct_start=0.25, anneal_strategy='linear',
        three_phase=True, div_factor=10.0, final_div_factor=100.0),
    'sequential': lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, 0.1, total_iters=4), m.ExponentialLR(o, 0.9)], milestones=[5]),
    'sequential-three': lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, 0.5, total_iters=2), m.StepLR(o, 2, 0.5),
            m.CosineAnnealingLR(o, 6)], milestones=[3, 10]),
    'chained': lambda m, o: m.ChainedScheduler([m.ConstantLR(o, 0.5, total_iters=4),
                                                m.ExponentialLR(o, 0.9)]),
}
CLOSED_FORMS = ('step', 'multistep', 'constant', 'linear', 'exponential', 'cosine', 'polynomial')
CYCLES_MOMENTUM = ('cyclic', 'cyclic-triangular2', 'cyclic-exp-range', 'cyclic-scale-fn',
                   'one-cycle', 'one-cycle-three-phase-linear')


@pytest.mark.parametrize('name', list(CASES))
def test_schedules_match_torch(name, torch):
    metrics = PLATEAU_METRICS if name.startswith('plateau') else None
    assert schedule(microtorch, CASES[name], metrics=metrics) == \
        schedule(torch, CASES[name], metrics=metrics)


def momentums(lib, make, adam, steps=25):
    """The momentum (SGD) or beta1 (Adam) of every group after each step."""
    first, second = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(1))
    groups = [{'params': [first]}, {'params': [second], 'lr': 0.5}]
    opt = lib.optim.Adam(groups, lr=0.1) if adam else \
        lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    scheduler = make(lib.optim.lr_scheduler, opt)
    values = []
    for _ in range(steps):
        opt.step()
        scheduler.step()
        values.append([g['betas'] if adam else g['momentum'] for g in opt.param_groups])
    return values


@pytest.mark.parametrize('adam', [False, True], ids=['momentum', 'beta1'])
@pytest.mark.parametrize('name', CYCLES_MOMENTUM)
def test_cycled_momentum_matches_torch(name, adam, torch):
    assert momentums(microtorch, CASES[name], adam) == momentums(torch, CASES[name], adam)


def test_warm_restarts_with_fractional_epochs_match_torch(torch):
    epochs = [0.5, 1.25, 2.0, 3.7, 9.5, 20.0, 4.0, 0.0, 44.1]
    for make in (CASES['warm-restarts'], CASES['warm-restarts-flat']):
        assert schedule(microtorch, make, steps=len(epochs), epochs=epochs) == \
            schedule(torch, make, steps=len(epochs), epochs=epochs)


def test_schedulers_of_schedulers_resume_from_a_state_dict():
    def run(state=None, steps=6):
        opt = optimizer(microtorch)
        scheduler = CASES['sequential-three'](S, opt)
        if state is not None:
            scheduler.load_state_dict(state)
        for _ in range(steps):
            opt.step()
            scheduler.step()
        return scheduler, opt
    scheduler, opt = run()
    state = pickle.loads(pickle.dumps(scheduler.state_dict()))
    assert 'optimizer' not in state and len(state['_schedulers']) == 3
    twin, twin_opt = run(state, steps=0)
    twin_opt.load_state_dict(opt.state_dict())
    for _ in range(7):
        for o, s in ((opt, scheduler), (twin_opt, twin)):
            o.step()
            s.step()
    assert twin.get_last_lr() == scheduler.get_last_lr()


def test_one_cycle_by_hand():
    rates = schedule(microtorch, lambda m, o: m.OneCycleLR(o, 1.0, total_steps=10,
                                                           pct_start=0.5), steps=9)
    assert rates[0][0] == pytest.approx(1.0 / 25)              # max_lr / div_factor
    assert rates[4][0] == pytest.approx(1.0)                    # the top after 5 steps
    assert rates[9][0] == pytest.approx(1.0 / 25 / 1e4)         # ... down to min_lr
    with pytest.raises(ValueError, match='Tried to step 11 times. The specified number of '
                                         'total steps is 10'):
        schedule(microtorch, lambda m, o: m.OneCycleLR(o, 1.0, total_steps=10), steps=11)


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
    (ValueError, 'Expected positive integer T_0, but got 0',
     lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer(lib), 0)),
    (ValueError, 'Expected integer T_mult >= 1, but got 1.5',
     lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer(lib), 2, 1.5)),
    (ValueError, 'Expected non-negative epoch, but got -1',
     lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer(lib), 2).step(-1)),
    (ValueError, 'max_lr must have the same length as optimizer.param_groups. max_lr has 3 '
     'values, param_groups has 2.',
     lambda lib: lib.optim.lr_scheduler.CyclicLR(optimizer(lib), 0.1, [1, 2, 3])),
    (ValueError, 'mode is invalid and scale_fn is None',
     lambda lib: lib.optim.lr_scheduler.CyclicLR(optimizer(lib), 0.1, 1.0, mode='saw')),
    (ValueError, 'optimizer must support momentum or beta1 with `cycle_momentum` option '
     'enabled', lambda lib: lib.optim.lr_scheduler.CyclicLR(
         lib.optim.Adagrad([lib.nn.Parameter(lib.ones(1))]), 0.1, 1.0)),
    (ValueError, 'You must define either total_steps OR (epochs AND steps_per_epoch)',
     lambda lib: lib.optim.lr_scheduler.OneCycleLR(optimizer(lib), 1.0, epochs=3)),
    (ValueError, 'Expected positive integer total_steps, but got 0',
     lambda lib: lib.optim.lr_scheduler.OneCycleLR(optimizer(lib), 1.0, total_steps=0)),
    (ValueError, 'Expected positive integer steps_per_epoch, but got 2.5',
     lambda lib: lib.optim.lr_scheduler.OneCycleLR(optimizer(lib), 1.0, epochs=3,
                                                   steps_per_epoch=2.5)),
    (ValueError, 'Expected float between 0 and 1 pct_start, but got 1.5',
     lambda lib: lib.optim.lr_scheduler.OneCycleLR(optimizer(lib), 1.0, 10, pct_start=1.5)),
    (ValueError, "anneal_strategy must be one of 'cos' or 'linear', instead got exp",
     lambda lib: lib.optim.lr_scheduler.OneCycleLR(optimizer(lib), 1.0, 10,
                                                   anneal_strategy='exp')),
    (ValueError, 'Sequential Schedulers expects number of schedulers provided to be one more '
     'than the number of milestone points, but got number of schedulers 1 and the number of '
     'milestones to be equal to 1', lambda lib: _sequential(lib, 1, [3])),
    (ValueError, 'SequentialLR expects at least one scheduler, but got no scheduler.',
     lambda lib: _sequential(lib, 0, [])),
    (ValueError, 'SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires '
     'additional kwargs to be specified when calling `step`, but got one at index 0 in the '
     'given schedulers sequence.', lambda lib: _sequential(lib, 'plateau', [])),
    (ValueError, 'SequentialLR expects all schedulers to belong to the same optimizer, but got '
     'scheduler ExponentialLR at index 0 has ', lambda lib: _sequential(lib, 'other', [])),
    (TypeError, 'ChainedScheduler at index 1 should have `optimizer` as its attribute.',
     lambda lib: lib.optim.lr_scheduler.ChainedScheduler(
         [lib.optim.lr_scheduler.ExponentialLR(optimizer(lib), 0.9), object()])),
    (ValueError, 'ChainedScheduler expects at least one scheduler to be chained, but got no '
     'scheduler.', lambda lib: lib.optim.lr_scheduler.ChainedScheduler([])),
]


def _sequential(lib, kind, milestones):
    S, opt = lib.optim.lr_scheduler, optimizer(lib)
    schedulers = {0: [], 1: [S.ExponentialLR(opt, 0.9)],
                  'plateau': [S.ReduceLROnPlateau(opt)],
                  'other': [S.ExponentialLR(optimizer(lib), 0.9)]}[kind]
    return S.SequentialLR(opt, schedulers, milestones)


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
