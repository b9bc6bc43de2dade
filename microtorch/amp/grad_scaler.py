"""GradScaler: loss scaling for float16 training, as torch.amp.GradScaler.

`scale(loss)` multiplies the loss by the scale (2^16 to start), so that small float16
gradients stay above float16's underflow; `step(optimizer)` divides the gradients by it
(`unscale_`, once per optimizer and iteration) and steps only if they are all finite;
`update()` halves the scale after an overflow and doubles it after `growth_interval` clean
steps. The scale is a Python float: PyTorch keeps it on the device to spare a host round trip
in `scale()`, but its `step()` reads the overflow flag on the host anyway, as this one does.
"""
import warnings

import numpy as np

from .. import backends
from ..autograd.grad_mode import no_grad

_READY, _UNSCALED, _STEPPED = 'ready', 'unscaled', 'stepped'


class GradScaler:
    def __init__(self, device='cuda', init_scale=2.0 ** 16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if enabled and device == 'cuda' and backends.cuda_unavailable_reason() is not None:
            warnings.warn('microtorch.cuda.amp.GradScaler is enabled, but CUDA is not '
                          'available.  Disabling.', UserWarning, stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError('The growth factor must be > 1.0.')
            if backoff_factor >= 1.0:
                raise AssertionError('The backoff factor must be < 1.0.')
        self._init_scale = float(init_scale)
        self._scale = None                  # set by the first scale()
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer = {}            # id(optimizer) -> {'stage', 'found_inf'}

    def scale(self, outputs):
        """outputs (a tensor, or tensors nested in lists and tuples) times the scale."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = self._init_scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def _state(self, optimizer):
        return self._per_optimizer.setdefault(id(optimizer),
                                              {'stage': _READY, 'found_inf': False})

    def unscale_(self, optimizer):
        """Divide the optimizer's gradients by the scale, in place, and note whether any is
        inf or nan."""
        if not self._enabled:
            return
        self._check_scale('unscale_')
        state = self._state(optimizer)
        if state['stage'] == _UNSCALED:
            raise RuntimeError('unscale_() has already been called on this optimizer since '
                               'the last update().')
        if state['stage'] == _STEPPED:
            raise RuntimeError('unscale_() is being called after step().')
        grads = [p.grad for group in optimizer.param_groups for p in group['params']
                 if p.grad is not None]
        if any(g.dtype.itemsize < 4 and g.is_floating_point() for g in grads):
            raise ValueError('Attempting to unscale FP16 gradients.')
        # PyTorch's inverse: the reciprocal in float64, rounded to float32
        inverse = float(np.float32(1.0 / self._scale))
        found_inf = False
        with no_grad():
            for grad in grads:
                grad.mul_(inverse)
                if not found_inf and not bool(grad.isfinite().all()):
                    found_inf = True
        state['found_inf'] = found_inf
        state['stage'] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """optimizer.step() unless the unscaled gradients hold an inf or nan (then None)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if 'closure' in kwargs:
            raise RuntimeError('Closure use is not currently supported if GradScaler is '
                               'enabled.')
        self._check_scale('step')
        state = self._state(optimizer)
        if state['stage'] == _STEPPED:
            raise RuntimeError('step() has already been called since the last update().')
        if state['stage'] == _READY:
            self.unscale_(optimizer)
        result = None if state['found_inf'] else optimizer.step(*args, **kwargs)
        state['stage'] = _STEPPED
        return result

    def update(self, new_scale=None):
        """The next iteration's scale: new_scale if given, else backed off after an overflow
        or grown after growth_interval clean iterations."""
        if not self._enabled:
            return
        self._check_scale('update')
        if new_scale is not None:
            if not isinstance(new_scale, float):
                reason = ('new_scale should be a float or a 1-element microtorch.cuda.'
                          'FloatTensor or microtorch.FloatTensor with requires_grad=False.')
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError(reason)
                new_scale = float(new_scale.item())
            self._scale = new_scale
        else:
            found = [s['found_inf'] for s in self._per_optimizer.values()
                     if s['stage'] != _READY]
            if not found:
                raise AssertionError('No inf checks were recorded prior to update.')
            if any(found):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = self._scale * self._growth_factor
                    if np.isfinite(np.float32(grown)):
                        self._scale = grown
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def _check_scale(self, name):
        if self._scale is None:
            raise AssertionError(f'Attempted {name} but _scale is None.  This may indicate '
                                 'your script did not use scaler.scale(loss or outputs) '
                                 'earlier in the iteration.')

    def get_scale(self):
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        if not self._enabled:
            return {}
        return {'scale': self.get_scale(), 'growth_factor': self._growth_factor,
                'backoff_factor': self._backoff_factor,
                'growth_interval': self._growth_interval,
                '_growth_tracker': self._growth_tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError('The source state dict is empty, possibly because it was saved '
                               'from a disabled instance of GradScaler.')
        self._init_scale = float(state_dict['scale'])
        if self._scale is not None:
            self._scale = self._init_scale
        self._growth_factor = state_dict['growth_factor']
        self._backoff_factor = state_dict['backoff_factor']
        self._growth_interval = state_dict['growth_interval']
        self._growth_tracker = state_dict['_growth_tracker']
