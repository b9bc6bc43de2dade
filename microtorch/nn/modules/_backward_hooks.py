"""Module full backward hooks: the module's tensor inputs and outputs pass through an
identity op whose backward sees their gradients (as PyTorch's BackwardHook does).

The outputs' identity node runs first in backward: it stores grad_output (after the
backward pre-hooks, which may replace it). The inputs' identity node runs once the gradients
of the inputs are known and calls the full backward hooks with (grad_input, grad_output);
what a hook returns replaces grad_input.
"""
import warnings

from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled
from ...tensor import Tensor


class _BackwardHookFunction(Function):
    """Identity on any number of tensors; backward hands their gradients to `on_grads`."""

    node_name = 'BackwardHookFunctionBackward'

    @staticmethod
    def forward(ctx, on_grads, requires, *arrays):
        ctx.on_grads = on_grads
        # an output whose input did not require grad does not either; the hooks see zeros
        # for its gradient, as in PyTorch
        ctx.mark_non_differentiable(*[a for a, r in zip(arrays, requires) if not r])
        return tuple(arrays)

    @staticmethod
    def backward(ctx, *grads):
        return (None, None, *ctx.on_grads(grads))


def _check_count(got, expected, what):
    if len(got) != expected:
        raise RuntimeError(f'Backward {what} returned an invalid number of grad_'
                           f'{"output" if what == "pre hook" else "input"}, got {len(got)}, '
                           f'but expected {expected}')


class ModuleBackwardHooks:
    """One forward call's backward hooks (made by Module.__call__)."""

    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = -1
        self.input_positions = self.output_positions = None

    def _wrap(self, values, on_grads):
        """values with their tensors passed through the identity op (unchanged, and
        positions None, when no tensor requires grad or grad mode is off)."""
        positions = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        tensors = [values[i] for i in positions]
        if not (any(t.requires_grad for t in tensors) and is_grad_enabled()):
            return values, None
        requires = tuple(t.requires_grad for t in tensors)
        wrapped = _BackwardHookFunction.apply(on_grads, requires, *tensors)
        out = list(values)
        for i, t in zip(positions, wrapped):
            out[i] = t
        return (tuple(out) if type(values) is tuple else type(values)(*out)), positions

    @staticmethod
    def _spread(positions, grads, size):
        full = [None] * size
        for i, g in zip(positions, grads):
            full[i] = g
        return tuple(full)

    def wrap_inputs(self, args):
        args, self.input_positions = self._wrap(args, self._on_input_grads)
        self.n_inputs = len(args)
        return args

    def wrap_outputs(self, result):
        single = not isinstance(result, tuple)
        values = (result,) if single else result
        values, self.output_positions = self._wrap(values, self._on_output_grads)
        self.n_outputs = len(values)
        return values[0] if single else values

    def _on_output_grads(self, grads):
        self.grad_outputs = self._spread(self.output_positions, grads, self.n_outputs)
        for hook in self.pre_hooks:
            got = hook(self.module, self.grad_outputs)
            if got is None:
                continue
            _check_count(got, len(self.grad_outputs), 'pre hook')
            self.grad_outputs = got
        passed_on = self.grad_outputs
        if self.input_positions is None:    # no input requires grad: the hooks run now
            warnings.warn('Full backward hook is firing when gradients are computed with '
                          'respect to module outputs since no inputs require gradients. See '
                          'https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html'
                          '#torch.nn.Module.register_full_backward_hook for more details.',
                          stacklevel=5)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                got = hook(self.module, grad_inputs, self.grad_outputs)
                if got is not None and not (isinstance(got, tuple)
                                            and all(g is None for g in got)):
                    raise RuntimeError('Backward hook for Modules where no input requires '
                                       'gradient should always return None or None for all '
                                       'gradients.')
            self.grad_outputs = None
        return tuple(passed_on[i] for i in self.output_positions)

    def _on_input_grads(self, grads):
        if self.grad_outputs is None:        # reached without passing the outputs
            return grads
        grad_inputs = self._spread(self.input_positions, grads, self.n_inputs)
        for hook in self.hooks:
            got = hook(self.module, grad_inputs, self.grad_outputs)
            if got is None:
                continue
            _check_count(got, len(grad_inputs), 'hook')
            grad_inputs = got
        self.grad_outputs = None
        return tuple(grad_inputs[i] for i in self.input_positions)
