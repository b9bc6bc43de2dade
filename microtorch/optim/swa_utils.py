"""Stochastic weight averaging with torch.optim.swa_utils's API and numbers.

`AveragedModel` keeps a copy of a model whose parameters (and, with use_buffers, buffers) are
a running average of the model's: an equal-weight mean by default (SWA), or what an averaging
function says (`get_ema_avg_fn`, `get_ema_multi_avg_fn` for an exponential moving average).
`update_bn` recomputes the batch-norm statistics of an averaged model with one pass over the
data, and `SWALR` anneals the learning rate of each param group to a constant one.
"""
import math
from copy import deepcopy

from .. import _dtype
from ..autograd.grad_mode import no_grad
from ..creation import tensor
from ..nn.modules.module import Module
from ..nn.modules.normalization import _BatchNorm, _InstanceNorm
from ..tensor import Tensor
from .lr_scheduler import LRScheduler, _per_group

__all__ = ['AveragedModel', 'update_bn', 'SWALR', 'get_ema_multi_avg_fn',
           'get_swa_multi_avg_fn', 'get_ema_avg_fn', 'get_swa_avg_fn']

# Where PyTorch averages with its fused multi-tensor kernels (lerp) rather than tensor by
# tensor: the floats differ in the last bit, so microtorch follows the same split.
_MULTI_TENSOR_DEVICES = ('cuda', 'xpu')


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f'Invalid decay value {decay} provided. Please provide a value in '
                         '[0,1] range.')


def _averages_by_lerp(t):
    return t.is_floating_point() or t.is_complex()


def get_ema_multi_avg_fn(decay=0.999):
    """An in-place exponential moving average over lists of tensors:
    ema = decay * ema + (1 - decay) * current (a lerp for floating point tensors)."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list, current_param_list, _):
        if _averages_by_lerp(ema_param_list[0]):
            for ema, current in zip(ema_param_list, current_param_list):
                ema.lerp_(current, 1 - decay)
        else:
            for ema, current in zip(ema_param_list, current_param_list, strict=True):
                ema.copy_(ema * decay + current * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """An in-place equal-weight running mean over lists of tensors: after n models,
    avg += (current - avg) / (n + 1) (a lerp for floating point tensors)."""

    @no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        if _averages_by_lerp(averaged_param_list[0]):
            weight = 1 / (num_averaged + 1)
            # a tensor weight goes in as a Python number, as a scalar argument of PyTorch's
            if isinstance(weight, Tensor):
                weight = weight.item()
            for averaged, current in zip(averaged_param_list, current_param_list):
                averaged.lerp_(current, weight)
            return
        diffs = [current - averaged
                 for averaged, current in zip(averaged_param_list, current_param_list)]
        for averaged, diff in zip(averaged_param_list, diffs):
            if isinstance(num_averaged, Tensor):
                averaged.addcdiv_(diff, num_averaged + 1)
            else:
                averaged.add_(diff, alpha=1.0 / (num_averaged + 1))
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """The exponential moving average of one tensor: decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The equal-weight running mean of one tensor after num_averaged models."""

    @no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


def _group_by_device_and_dtype(averaged, current):
    """{(device, dtype): (averaged tensors, current tensors)}, keyed by the averaged ones, in
    order of first appearance (PyTorch's order comes from a hash map)."""
    groups = {}
    for a, c in zip(averaged, current):
        lists = groups.setdefault((a.device, a.dtype), ([], []))
        lists[0].append(a)
        lists[1].append(c)
    return groups


class AveragedModel(Module):
    """A copy of `model` (as `module`, on `device` if given) whose parameters are averaged
    over the models passed to `update_parameters`. `n_averaged` (a buffer, so saved in the
    state dict) counts them. avg_fn(averaged, current, n) returns the new average of one
    tensor; multi_avg_fn(averaged_list, current_list, n) updates lists of tensors in place;
    neither given: the equal-weight mean. With use_buffers the buffers are averaged too,
    otherwise they are copied from the model at each update. The functions are not saved in
    the state dict."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError('Only one of avg_fn and multi_avg_fn should be provided')
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer('n_averaged', tensor(0, dtype=_dtype.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged(self, model):
        """The tensors averaged: the parameters, then with use_buffers the buffers."""
        if self.use_buffers:
            return list(model.parameters()) + list(model.buffers())
        return list(model.parameters())

    def update_parameters(self, model):
        """Fold `model` into the average: the first call copies its parameters, later calls
        average them in."""
        with no_grad():
            averaged, current = [], []
            for a, c in zip(self._averaged(self.module), self._averaged(model)):
                averaged.append(a.detach())
                current.append(c.detach().to(a.device))
            if bool(self.n_averaged == 0):
                for a, c in zip(averaged, current):
                    a.copy_(c)
            elif self.avg_fn is not None:
                for a, c in zip(averaged, current, strict=True):
                    a.copy_(self.avg_fn(a, c, self.n_averaged.to(a.device)))
            else:
                self._average_groups(averaged, current)
            if not self.use_buffers:
                # the buffers are not averaged: they follow the model's
                for mine, theirs in zip(self.module.buffers(), model.buffers(), strict=True):
                    mine.detach().copy_(theirs.detach().to(mine.device))
            self.n_averaged += 1

    def _average_groups(self, averaged, current):
        """multi_avg_fn (or the default mean) on each group of one device and dtype."""
        for (device, _), (group, group_current) in _group_by_device_and_dtype(
                averaged, current).items():
            n_averaged = self.n_averaged.to(device)
            if self.multi_avg_fn is not None:
                self.multi_avg_fn(group, group_current, n_averaged)
            elif device.type in _MULTI_TENSOR_DEVICES:
                get_swa_multi_avg_fn()(group, group_current, n_averaged)
            else:
                mean = get_swa_avg_fn()
                for a, c in zip(group, group_current, strict=True):
                    a.copy_(mean(a, c, n_averaged))


def _is_batch_norm(module):
    # microtorch's instance norms derive from _BatchNorm; PyTorch's do not, and keep theirs
    return isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm)


@no_grad()
def update_bn(loader, model, device=None):
    """Recompute the running mean and variance of `model`'s batch norm layers with one pass
    over `loader`: a cumulative average (momentum None) of the batches' statistics, in train
    mode. Each batch is a tensor, or a list or tuple whose first element is the input; with
    `device` it is moved there first. The layers' momenta and the model's mode are restored
    afterwards; a model without batch norm is left alone."""
    momenta = {}
    for module in model.modules():
        if _is_batch_norm(module):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each param group's lr to its swa_lr (one for all groups, or a list) over
    anneal_epochs steps, along a half cosine ('cos') or a straight line ('linear'), then
    keeps it there. Each step recovers the lr the annealing started from out of the current
    one, so that SWALR can take over from another scheduler at any epoch."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy='cos',
                 last_epoch=-1):
        swa_lrs = [lr.clone() if isinstance(lr, Tensor) else lr
                   for lr in _per_group('swa_lr', optimizer, swa_lr)]
        if anneal_strategy not in ('cos', 'linear'):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f'{anneal_strategy}')
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f'anneal_epochs must be equal or greater than 0, got '
                             f'{anneal_epochs}')
        # set once the arguments are checked: a bad one changes no group
        for group, lr in zip(optimizer.param_groups, swa_lrs, strict=True):
            group['swa_lr'] = lr
        self._anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @property
    def anneal_func(self):
        """The annealing curve: the fraction of the way to swa_lr at a fraction t of it."""
        if self._anneal_strategy == 'cos':
            return self._cosine_anneal
        return self._linear_anneal

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        """The lr that annealing by alpha towards swa_lr turned into `lr`."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _fraction(self, step):
        return max(0, min(1, step / max(1, self.anneal_epochs)))

    def get_lr(self):
        self._warn_outside_step()
        step = self._step_count - 1            # 0 on the step made by the constructor
        if self.anneal_epochs == 0:
            step = max(1, step)
        previous_alpha = self.anneal_func(self._fraction(step - 1))
        alpha = self.anneal_func(self._fraction(step))
        groups = self.optimizer.param_groups
        starts = [self._get_initial_lr(group['lr'], group['swa_lr'], previous_alpha)
                  for group in groups]
        return [group['swa_lr'] * alpha + start * (1 - alpha)
                for group, start in zip(groups, starts, strict=True)]
