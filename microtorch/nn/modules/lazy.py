"""`LazyModuleMixin`: a module whose parameters' shapes come from its first input.

Its parameters start as UninitializedParameter (buffers as UninitializedBuffer). The first
forward call runs `initialize_parameters(*args, **kwargs)`, which materialises and initialises
them, and then the module becomes `cls_to_become` (LazyLinear becomes Linear). Loading a state
dict into it materialises the parameters with the checkpoint's shapes instead.
"""
from ...autograd.grad_mode import no_grad
from ..parameter import is_lazy


class LazyModuleMixin:
    """Mixed in before the eager class: `class LazyLinear(LazyModuleMixin, Linear)`."""
    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys,
                        unexpected_keys, error_msgs):
        """Give each uninitialised entry the shape of the checkpoint's (initialised) one."""
        for name, value in (*self._parameters.items(), *self._buffers.items()):
            key = prefix + name
            if value is None or key not in state_dict or not is_lazy(value):
                continue
            source = state_dict[key]
            if not is_lazy(source):
                with no_grad():
                    value.materialize(source.shape)

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError('initialize_parameters is not implemented for '
                                  f'{type(self).__name__}')

    def has_uninitialized_params(self):
        return any(is_lazy(value) for value in (*self._parameters.values(),
                                                 *self._buffers.values()))

    def _infer_parameters(self, module, args, kwargs=None):
        """The forward pre-hook: initialise, drop both hooks, become the eager class."""
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f'module {self._get_name()} has not been fully initialized')
        module._initialize_hook.remove()
        module._load_hook.remove()
        del module._initialize_hook
        del module._load_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _replicate_for_data_parallel(self):
        raise RuntimeError("Modules with uninitialized parameters can't be used with "
                           '`DataParallel`. Run a dummy forward pass to correctly initialize '
                           'the modules')
