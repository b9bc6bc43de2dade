"""Learning-rate schedules with torch.optim.lr_scheduler's API and numbers.

A scheduler owns the 'lr' of each param group of an optimizer: every `step()` (once per epoch,
after `optimizer.step()`) sets the next learning rates. Making one already takes the first
step (epoch 0). The schedules are computed the way PyTorch computes them, each learning rate
from the previous one (so that they chain, and so that the floats agree with PyTorch's step
for step); `step(epoch)` (deprecated in PyTorch) jumps to an epoch with the closed form.
`state_dict()` holds everything but the optimizer.
"""
import math
import types
import warnings
import weakref
from bisect import bisect_right
from collections import Counter

from .optimizer import Optimizer

__all__ = ['LRScheduler', 'LambdaLR', 'MultiplicativeLR', 'StepLR', 'MultiStepLR',
           'ConstantLR', 'LinearLR', 'ExponentialLR', 'CosineAnnealingLR', 'ReduceLROnPlateau',
           'PolynomialLR', 'CosineAnnealingWarmRestarts', 'CyclicLR', 'OneCycleLR',
           'SequentialLR', 'ChainedScheduler']

_HOW_TO = 'https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate'
_ORDER_WARNING = (
    'Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and '
    'later, you should call them in the opposite order: `optimizer.step()` before '
    '`lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first '
    f'value of the learning rate schedule. See more details at {_HOW_TO}')
_EPOCH_WARNING = (
    'The epoch parameter in `scheduler.step()` was not necessary and is being deprecated '
    'where possible. Please use `scheduler.step()` to step the scheduler. During the '
    'deprecation, if epoch is different from None, the closed form is used instead of the '
    'new chainable form, where available. Please open an issue if you are unable to '
    'replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose.')


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f'{type(optimizer).__name__} is not an Optimizer')


def _note_step_calls(optimizer):
    """Let the optimizer's step() mark the optimizer, so that a scheduler stepped first can
    warn. The wrapper holds the optimizer weakly: no reference cycle."""
    step = optimizer.step
    if getattr(step, '_marks_optimizer', False):
        return
    func, owner = step.__func__, weakref.ref(optimizer)

    def marked_step(*args, **kwargs):
        opt = owner()
        opt._opt_called = True
        return func(opt, *args, **kwargs)
    marked_step._marks_optimizer = True
    marked_step.__doc__ = func.__doc__
    optimizer.step = marked_step


class LRScheduler:
    """Base class: subclasses give `get_lr()` (the next rates, from the current ones) and
    may give `_closed_form_lr()` (the rates at `last_epoch` from the initial ones)."""

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group.setdefault('initial_lr', group['lr'])
        else:
            for i, group in enumerate(groups):
                if 'initial_lr' not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        'resuming scheduler with last_epoch >= 0.\nThis typically happens '
                        "when:\n1. You're trying to resume training from a checkpoint but "
                        "haven't properly loaded the optimizer state\n2. You're using "
                        'last_epoch >= 0 for a fresh training run (not recommended)')
        self.base_lrs = [group['initial_lr'] for group in groups]
        self.last_epoch = last_epoch
        _note_step_calls(optimizer)
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True              # the first step, made here, keeps the rates
        try:
            self.step()
        finally:
            self._is_initial = False

    def _lrs(self):
        return [group['lr'] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rates the last step set, one per param group."""
        return self._last_lr

    def get_lr(self):
        raise NotImplementedError

    def step(self, epoch=None):
        if self._step_count == 1 and not getattr(self.optimizer, '_opt_called', False):
            warnings.warn(_ORDER_WARNING, UserWarning, stacklevel=2)
        if epoch is not None:
            warnings.warn(_EPOCH_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        try:
            self._update_lr(epoch)
        except BaseException:               # (OneCycleLR past its last step) no step taken
            self._step_count -= 1
            raise

    def _update_lr(self, epoch=None):
        """The next rates, or with `epoch` the closed form's rates at that epoch."""
        previous_epoch = self.last_epoch
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, '_closed_form_lr', None)
                values = closed_form() if closed_form is not None else self.get_lr()
        except BaseException:
            self.last_epoch = previous_epoch
            raise
        finally:
            self._get_lr_called_within_step = False
        self._set_lrs(values)

    def _set_lrs(self, values):
        for group, lr in zip(self.optimizer.param_groups, values):
            group['lr'] = lr
        self._last_lr = self._lrs()

    def _warn_outside_step(self):
        if not getattr(self, '_get_lr_called_within_step', False):
            warnings.warn('To get the last learning rate computed by the scheduler, please '
                          'use `get_last_lr()`.', UserWarning, stacklevel=3)

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key != 'optimizer'}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


def _lambdas(optimizer, lr_lambda, check_callable):
    n = len(optimizer.param_groups)
    if not isinstance(lr_lambda, (list, tuple)):
        lambdas = [lr_lambda] * n
    elif len(lr_lambda) != n:
        raise ValueError(f'Expected {n} lr_lambdas, but got {len(lr_lambda)}')
    else:
        lambdas = list(lr_lambda)
    if check_callable:
        for fn in lambdas:
            if not callable(fn):
                raise TypeError(f'lr_lambda should be a function, but got {type(fn).__name__}')
    return lambdas


class _LambdaState:
    """state_dict without the functions (a callable object's attributes are kept)."""

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ('optimizer', 'lr_lambdas')}
        state['lr_lambdas'] = [None if isinstance(fn, types.FunctionType) else
                               fn.__dict__.copy() for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        lambdas = state.pop('lr_lambdas')
        self.__dict__.update(state)
        for fn, saved in zip(self.lr_lambdas, lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class LambdaLR(_LambdaState, LRScheduler):
    """lr = initial lr * lr_lambda(epoch)."""
    _check_callable = False

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda, self._check_callable)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(LambdaLR):
    """lr = previous lr * lr_lambda(epoch), from epoch 1."""
    _check_callable = True

    def get_lr(self):
        self._warn_outside_step()
        if self._is_initial:
            return self._lrs()
        return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, self._lrs())]


class StepLR(LRScheduler):
    """lr times gamma every step_size epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def _closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr times gamma at each milestone epoch (gamma^k for a milestone listed k times)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones, self.gamma = Counter(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        times = self.milestones.get(self.last_epoch, 0)
        if not times:
            return self._lrs()
        return [lr * self.gamma ** times for lr in self._lrs()]

    def _closed_form_lr(self):
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma ** passed for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """lr times factor until epoch total_iters, then the initial lr."""

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if factor > 1.0 or factor < 0:
            raise ValueError('Constant multiplicative factor expected to be between 0 and 1.')
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._lrs()]
        if self.last_epoch != self.total_iters:
            return self._lrs()
        return [lr * (1.0 / self.factor) for lr in self._lrs()]

    def _closed_form_lr(self):
        reached = self.last_epoch >= self.total_iters
        return [base * (self.factor + reached * (1 - self.factor)) for base in self.base_lrs]


class LinearLR(LRScheduler):
    """lr times a factor going linearly from start_factor to end_factor over total_iters."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError('Starting multiplicative factor expected to be greater than 0 and '
                             'less or equal to 1.')
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError('Ending multiplicative factor expected to be between 0 and 1.')
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._lrs()
        span = self.end_factor - self.start_factor
        ratio = 1.0 + span / (self.total_iters * self.start_factor +
                              (self.last_epoch - 1) * span)
        return [lr * ratio for lr in self._lrs()]

    def _closed_form_lr(self):
        span, total = self.end_factor - self.start_factor, self.total_iters
        factor = self.start_factor + span * min(total, self.last_epoch) / total
        return [base * factor for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr times gamma every epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        if self._is_initial:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def _closed_form_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr from the initial lr down to eta_min along half a cosine over T_max epochs (and back
    up over the next T_max, as the recursive form continues)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        t, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._lrs()
        if self._step_count == 1 and t > 0:                # resumed: the closed form
            return self._closed_form_lr()
        if (t - 1 - T) % (2 * T) == 0:                      # at the bottom: turn upwards
            return [lr + (base - low) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, self._lrs())]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - low) + low for lr in self._lrs()]

    def _closed_form_lr(self):
        t, T, low = self.last_epoch, self.T_max, self.eta_min
        return [low + (base - low) * (1 + math.cos(math.pi * t / T)) / 2
                for base in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """lr times factor (not below min_lr) once a metric given to step(metric) has not
    improved for more than `patience` epochs; then `cooldown` epochs of rest."""

    def __init__(self, optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8):
        if factor >= 1.0:
            raise ValueError('Factor should be < 1.0.')
        _check_optimizer(optimizer)
        self.factor, self.optimizer = factor, optimizer
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f'expected {n} min_lrs, got {len(min_lr)}')
            self.default_min_lr, self.min_lrs = None, list(min_lr)
        else:
            self.default_min_lr, self.min_lrs = min_lr, [min_lr] * n
        self.patience, self.cooldown, self.eps = patience, cooldown, eps
        self.last_epoch = 0
        self._last_lr = self._lrs()
        self._set_mode(mode, threshold, threshold_mode)
        self.best, self.cooldown_counter, self.num_bad_epochs = self.mode_worse, 0, 0

    def _set_mode(self, mode, threshold, threshold_mode):
        if mode not in ('min', 'max'):
            raise ValueError('mode ' + mode + ' is unknown!')
        if threshold_mode not in ('rel', 'abs'):
            raise ValueError('threshold mode ' + threshold_mode + ' is unknown!')
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.mode_worse = math.inf if mode == 'min' else -math.inf

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _is_better(self, value, best):
        if self.threshold_mode == 'rel':
            scale = 1.0 - self.threshold if self.mode == 'min' else 1.0 + self.threshold
            return value < best * scale if self.mode == 'min' else value > best * scale
        if self.mode == 'min':
            return value < best - self.threshold
        return value > best + self.threshold

    def step(self, metrics, epoch=None):
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0                     # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = self._lrs()

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f'The number of param groups in the `optimizer` ({len(groups)}) differs '
                    f'from when `ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), '
                    'usually due to a new param group being added to the optimizer. Please '
                    'modify the `min_lrs` field to match the length of the `optimizer` param '
                    'groups.')
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, low in zip(groups, self.min_lrs):
            old = float(group['lr'])
            new = max(old * self.factor, low)
            if old - new > self.eps:
                group['lr'] = new

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_mode(self.mode, self.threshold, self.threshold_mode)


class PolynomialLR(LRScheduler):
    """lr = initial lr * (1 - epoch / total_iters) ** power, then constant."""

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        t, total = self.last_epoch, self.total_iters
        if self._is_initial or t > total:
            return self._lrs()
        factor = ((1.0 - t / total) / (1.0 - (t - 1) / total)) ** self.power
        return [lr * factor for lr in self._lrs()]

    def _closed_form_lr(self):
        left = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * left ** self.power for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing from the initial lr to eta_min over T_i epochs, then a restart at the
    initial lr with T_i multiplied by T_mult (SGDR). `step(epoch)` takes fractional epochs."""

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f'Expected positive integer T_0, but got {T_0}')
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f'Expected integer T_mult >= 1, but got {T_mult}')
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f'Expected float or int eta_min, but got {eta_min} of type '
                             f'{type(eta_min)}')
        self.T_0 = self.T_i = T_0
        self.T_mult, self.eta_min = T_mult, eta_min
        self.T_cur = last_epoch                  # epochs since the last restart
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        low, angle = self.eta_min, math.pi * self.T_cur / self.T_i
        return [low + (base - low) * (1 + math.cos(angle)) / 2 for base in self.base_lrs]

    def step(self, epoch=None):
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:                       # the next epoch: restart when a period ends
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f'Expected non-negative epoch, but got {epoch}')
        elif epoch < self.T_0:
            self.T_i, self.T_cur = self.T_0, epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:             # periods T_0 * T_mult^k: which one `epoch` falls in, and where
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult ** n
        self.last_epoch = math.floor(epoch)
        self._get_lr_called_within_step = True
        try:
            values = self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        self._set_lrs(values)


def _per_group(name, optimizer, value):
    """One value per param group: a list or tuple of them, or one for all."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f'{name} must have the same length as optimizer.param_groups. '
                             f'{name} has {len(value)} values, param_groups has {n}.')
        return list(value)
    return [value] * n


def _momentum_key(optimizer):
    """Where a cycled momentum goes: 'betas' (its first entry) for Adam's family, else
    'momentum'."""
    if 'momentum' not in optimizer.defaults and 'betas' not in optimizer.defaults:
        raise ValueError('optimizer must support momentum or beta1 with `cycle_momentum` '
                         'option enabled')
    return 'betas' if 'betas' in optimizer.defaults else 'momentum'


def _set_momentum(group, key, momentum):
    if key == 'betas':
        group['betas'] = (momentum, *group['betas'][1:])
    else:
        group['momentum'] = momentum


def _start_momentum_cycle(optimizer, key, max_momentums, base_momentums):
    for group, top, bottom in zip(optimizer.param_groups, max_momentums, base_momentums):
        _set_momentum(group, key, top)
        group['max_momentum'], group['base_momentum'] = top, bottom


class CyclicLR(LRScheduler):
    """lr between base_lr and max_lr in triangles of step_size_up + step_size_down steps
    (scaled per cycle or per step by `mode` or `scale_fn`); momentum, when cycled, moves the
    opposite way. Stepped after every batch."""

    _MODES = ('triangular', 'triangular2', 'exp_range')

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode='triangular', gamma=1.0, scale_fn=None, scale_mode='cycle',
                 cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        base_lrs = _per_group('base_lr', optimizer, base_lr)
        self.max_lrs = _per_group('max_lr', optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in self._MODES and scale_fn is None:
            raise ValueError('mode is invalid and scale_fn is None')
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom, self.scale_mode = scale_fn, scale_mode
        self._set_scale_mode()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._momentum_key = _momentum_key(optimizer)
            self.use_beta1 = self._momentum_key == 'betas'
            self.base_momentums = _per_group('base_momentum', optimizer, base_momentum)
            self.max_momentums = _per_group('max_momentum', optimizer, max_momentum)
        if last_epoch == -1:                # checked first: a bad argument changes no group
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group['lr'] = lr
            if cycle_momentum:
                _start_momentum_cycle(optimizer, self._momentum_key, self.max_momentums,
                                      self.base_momentums)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _set_scale_mode(self):
        if self._scale_fn_custom is None:     # the built-in modes fix what they scale by
            self.scale_mode = 'iterations' if self.mode == 'exp_range' else 'cycle'

    def scale_fn(self, x):
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == 'triangular':
            return 1.0
        if self.mode == 'triangular2':
            return 1 / 2.0 ** (x - 1)
        return self.gamma ** x

    def get_lr(self):
        self._warn_outside_step()
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle       # where in the cycle, 0-1
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == 'cycle' else self.last_epoch)
        lrs = [low + (high - low) * height * scale
               for low, high in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums,
                                        self.max_momentums):
                _set_momentum(group, self._momentum_key, high - (high - low) * height * scale)
        return lrs

    def state_dict(self):
        state = super().state_dict()
        fn = state.pop('_scale_fn_custom')        # a function is not kept; an object's state is
        state['_scale_fn_custom'] = None if fn is None or isinstance(
            fn, types.FunctionType) else fn.__dict__.copy()
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop('_scale_fn_custom')
        super().load_state_dict(state)
        if saved is not None:
            self._scale_fn_custom.__dict__.update(saved)
        self._set_scale_mode()


class OneCycleLR(LRScheduler):
    """The 1cycle policy, stepped after every batch: lr from max_lr / div_factor up to max_lr
    over pct_start of the steps, then down to initial / final_div_factor (three_phase: back
    to the initial lr first); momentum, when cycled, the opposite way."""

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy='cos', cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        self.total_steps = self._count_steps(total_steps, epochs, steps_per_epoch)
        last = self.total_steps - 1
        warm_end = float(pct_start * self.total_steps) - 1
        # Phases: (last step, lr from, lr to, momentum from, momentum to), keys of the group.
        if three_phase:
            self._phases = [
                (warm_end, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
                (float(2 * pct_start * self.total_steps) - 2, 'max_lr', 'initial_lr',
                 'base_momentum', 'max_momentum'),
                (last, 'initial_lr', 'min_lr', 'max_momentum', 'max_momentum')]
        else:
            self._phases = [
                (warm_end, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
                (last, 'max_lr', 'min_lr', 'base_momentum', 'max_momentum')]
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f'Expected float between 0 and 1 pct_start, but got {pct_start}')
        if anneal_strategy not in ('cos', 'linear'):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f'{anneal_strategy}')
        self.anneal_strategy = anneal_strategy
        max_lrs = _per_group('max_lr', optimizer, max_lr)
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._momentum_key = _momentum_key(optimizer)
            self.use_beta1 = self._momentum_key == 'betas'
            max_momentums = _per_group('max_momentum', optimizer, max_momentum)
            base_momentums = _per_group('base_momentum', optimizer, base_momentum)
        if last_epoch == -1:                # checked first: a bad argument changes no group
            for group, top in zip(optimizer.param_groups, max_lrs):
                group['initial_lr'] = top / div_factor
                group['max_lr'] = top
                group['min_lr'] = group['initial_lr'] / final_div_factor
            if cycle_momentum:
                _start_momentum_cycle(optimizer, self._momentum_key, max_momentums,
                                      base_momentums)
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _count_steps(total_steps, epochs, steps_per_epoch):
        if total_steps is not None:
            if total_steps <= 0 or not isinstance(total_steps, int):
                raise ValueError(f'Expected positive integer total_steps, but got {total_steps}')
            return total_steps
        if epochs is None or steps_per_epoch is None:
            raise ValueError('You must define either total_steps OR (epochs AND '
                             'steps_per_epoch)')
        if not isinstance(epochs, int) or epochs <= 0:
            raise ValueError(f'Expected positive integer epochs, but got {epochs}')
        if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
            raise ValueError('Expected positive integer steps_per_epoch, but got '
                             f'{steps_per_epoch}')
        return epochs * steps_per_epoch

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == 'cos':
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        self._warn_outside_step()
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f'Tried to step {step} times. The specified number of total '
                             f'steps is {self.total_steps}')
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr_from, lr_to, m_from, m_to) in enumerate(self._phases):
                if step <= end or i == len(self._phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        _set_momentum(group, self._momentum_key,
                                      self._anneal(group[m_from], group[m_to], pct))
                    break
                start = end
        return lrs


def _check_schedulers(kind, optimizer, schedulers):
    """SequentialLR's and ChainedScheduler's checks: at least one scheduler, each stepped
    without arguments and on the same optimizer."""
    if len(schedulers) < 1:
        what = ' to be chained, but' if kind == 'ChainedScheduler' else ', but'
        raise ValueError(f'{kind} expects at least one scheduler{what} got no scheduler.')
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, 'optimizer'):
            raise TypeError(f'{kind} at index {i} should have `optimizer` as its attribute.')
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f'{kind} does not support `ReduceLROnPlateau` scheduler as it requires '
                'additional kwargs to be specified when calling `step`, but got one at index '
                f'{i} in the given schedulers sequence.')
        if optimizer != scheduler.optimizer:
            raise ValueError(
                f'{kind} expects all schedulers to belong to the same optimizer, but got '
                f'scheduler {type(scheduler).__name__} at index {i} has '
                f'{scheduler.optimizer}, which is different from {type(optimizer).__name__}.')


class _SchedulerList:
    """state_dict and load_state_dict of a scheduler made of schedulers."""

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ('optimizer', '_schedulers')}
        state['_schedulers'] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop('_schedulers')
        self.__dict__.update(state)
        for scheduler, its_state in zip(self._schedulers, saved):
            scheduler.load_state_dict(its_state)


class SequentialLR(_SchedulerList, LRScheduler):
    """schedulers[i] runs from milestones[i - 1]; each starts at its own epoch 0 with the
    initial lr."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_schedulers('SequentialLR', optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                'Sequential Schedulers expects number of schedulers provided to be one more '
                'than the number of milestone points, but got number of schedulers '
                f'{len(schedulers)} and the number of milestones to be equal to '
                f'{len(milestones)}')
        self._schedulers, self._milestones = schedulers, milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:        # undo the first steps the schedulers took
            group['lr'] = group['initial_lr']
        self._undo_first_steps(self)
        first = self._schedulers[bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _undo_first_steps(self, scheduler):
        if hasattr(scheduler, '_schedulers'):          # nested ones too
            for inner in scheduler._schedulers:
                self._undo_first_steps(inner)
        elif hasattr(scheduler, 'last_epoch'):
            scheduler.last_epoch -= 1

    def step(self):
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            scheduler._update_lr(0)                     # a milestone: the next one starts
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_SchedulerList, LRScheduler):
    """Steps every scheduler in turn, each from the rates the one before it set."""

    def __init__(self, schedulers, optimizer=None):
        optimizer = optimizer or (schedulers[0].optimizer if len(schedulers) else None)
        _check_schedulers('ChainedScheduler', optimizer, schedulers)
        self._schedulers, self.optimizer = schedulers, optimizer
        self._last_lr = self._lrs()

    def step(self):
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._lrs()
