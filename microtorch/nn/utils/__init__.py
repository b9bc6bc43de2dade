"""`microtorch.nn.utils`: gradient clipping, parameters as one vector, padded batches of
sequences, parametrizations and weight / spectral norm, pruning, conv / linear + batch norm
fusion and skip_init, as `torch.nn.utils` (where `prune` is imported on request: here it is
always an attribute)."""
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_,
                        clip_grads_with_norm_, get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import rnn
from . import stateless
from . import parametrize, parametrizations
from . import prune
from .fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,
                     fuse_linear_bn_weights)
from .init import skip_init
from .weight_norm import weight_norm, remove_weight_norm
from .spectral_norm import spectral_norm, remove_spectral_norm

__all__ = ['clip_grad_norm', 'clip_grad_norm_', 'clip_grads_with_norm_', 'clip_grad_value_',
           'get_total_norm', 'parameters_to_vector', 'vector_to_parameters', 'rnn',
           'stateless', 'parametrize', 'parametrizations', 'prune', 'fuse_conv_bn_eval',
           'fuse_conv_bn_weights', 'fuse_linear_bn_eval', 'fuse_linear_bn_weights',
           'skip_init', 'weight_norm', 'remove_weight_norm', 'spectral_norm',
           'remove_spectral_norm']
