"""`microtorch.nn.utils`: gradient clipping, parameters as one vector and
padded batches of sequences, as `torch.nn.utils`."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import rnn
from . import stateless

__all__ = ['clip_grad_norm_', 'clip_grad_value_', 'parameters_to_vector', 'vector_to_parameters',
           'rnn', 'stateless']
