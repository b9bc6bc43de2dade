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
           'ConstantLR', 'LinearLR', 'ExponentialLR', 'CosineAnnealingLR', 'ReduceLROnPlateau']

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
        self._step_count += 1
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                warnings.warn(_EPOCH_WARNING, UserWarning, stacklevel=2)
                self.last_epoch = epoch
                closed_form = getattr(self, '_closed_form_lr', None)
                values = closed_form() if closed_form is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
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
