"""`torch.nn.utils.stateless.functional_call`: the older name of microtorch.func's, which
PyTorch keeps with a FutureWarning. It takes one dict of parameters and buffers."""
import warnings


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """module(*args, **kwargs) with the given parameters and buffers for this call only:
    see microtorch.func.functional_call."""
    from ...func import _reparametrized_call
    warnings.warn('`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 '
                  'and will be removed in a future version of PyTorch. Please use '
                  '`torch.func.functional_call` instead which is a drop-in replacement.',
                  FutureWarning, stacklevel=2)
    return _reparametrized_call(module, parameters_and_buffers, args, kwargs, tie_weights,
                                strict)


__all__ = ['functional_call']
