"""`microtorch.nn.utils`: gradient clipping, parameters as one vector, padded batches of
sequences, parametrizations and weight / spectral norm, as `torch.nn.utils`."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import rnn
from . import stateless
from . import parametrize, parametrizations
from .weight_norm import weight_norm, remove_weight_norm
from .spectral_norm import spectral_norm, remove_spectral_norm

__all__ = ['clip_grad_norm_', 'clip_grad_value_', 'parameters_to_vector', 'vector_to_parameters',
           'rnn', 'stateless', 'parametrize', 'parametrizations', 'weight_norm',
           'remove_weight_norm', 'spectral_norm', 'remove_spectral_norm']
