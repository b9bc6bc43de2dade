"""Fused CPU kernels compiled with Numba: one module per op family.

Each module defines, for every primitive it routes, a function of the same name and signature
as the one in `backends/cpu.py`, which runs one parallel pass over memory and returns a new
array - or None when it has no kernel for the call (dtype, layout, broadcasting), so that the
NumPy original runs instead. The modules import Numba; this file does not, and `ROUTES` (which
primitive lives where, and in which family of crossover sizes) is all the dispatch needs until
an array is large enough for a kernel.
"""


# What an in-place primitive's kernel (the optimizer steps, which return None when done, as
# cpu.py's do) answers when it declines a call; the others decline with None.
DECLINED = NotImplemented


def _routes(module, family, names):
    return {name: (module, family) for name in names}


# Elementwise primitives by how much work a NumPy call does per element, which sets where a
# parallel kernel starts to pay (measured per family by benchmarks/numba_crossover.py):
# one memory-bound ufunc, several ufuncs fused into one pass, or transcendental math.
_SINGLE_UFUNC = ['neg_forward', 'neg_backward', 'abs_forward', 'exp_backward', 'log_backward',
                 'sqrt_forward', 'reciprocal_forward', 'add_forward',
                 'sub_forward', 'mul_forward', 'div_forward', 'maximum_forward',
                 'minimum_forward']
# (relu_forward and where_forward: one select each, but NumPy's branches on every element
# and mispredicts a random mask's: relu 40 us on 2^15, np.where 96 us on 2^14)
_FUSED = ['abs_backward', 'sqrt_backward', 'tanh_backward', 'sigmoid_backward',
          'reciprocal_backward', 'relu_forward', 'relu_backward', 'clamp_forward',
          'clamp_backward',
          'leaky_relu_forward', 'leaky_relu_backward', 'maximum_backward', 'minimum_backward',
          'hardtanh_forward', 'hardtanh_backward', 'where_forward']
_TRANSCENDENTAL = ['exp_forward', 'log_forward', 'sin_forward', 'sin_backward', 'cos_forward',
                   'cos_backward', 'tanh_forward', 'sigmoid_forward', 'softplus_forward',
                   'softplus_backward', 'pow_scalar_forward', 'pow_scalar_backward',
                   'pow_forward']

UNROUTED = ('smooth_l1_loss_backward', 'binary_cross_entropy_backward')
# Primitives whose float32 calls cpu.py answers itself, in PyTorch's steps and bits
# (backends/torch_softmax.py): their kernels decline float32, so the router hands such calls
# to cpu.py's function without asking them.
CPU_FLOAT32 = frozenset(['softmax_forward', 'softmax_backward', 'log_softmax_forward',
                         'log_softmax_backward', 'logsumexp_forward', 'cross_entropy_backward'])

ROUTES = {
    **_routes('elementwise', 'elementwise', _SINGLE_UFUNC),
    **_routes('elementwise', 'elementwise_fused', _FUSED),
    **_routes('elementwise', 'transcendental', _TRANSCENDENTAL),
    **_routes('gelu', 'transcendental', ['gelu_forward', 'gelu_backward']),
    **_routes('reduction', 'reduction', ['sum_forward']),
    **_routes('reduction', 'extreme', ['max_forward', 'min_forward']),
    **_routes('softmax', 'softmax',
              ['softmax_forward', 'softmax_backward', 'log_softmax_forward',
               'log_softmax_backward', 'logsumexp_forward']),
    # (binary_cross_entropy's gradient: NumPy, in PyTorch's order; smooth_l1's picks its
    # kernel itself, torch_losses._lane_kernel, as it follows PyTorch's vector blocks)
    **_routes('loss', 'loss',
              [f'{loss}_{way}' for loss in ('mse_loss', 'l1_loss', 'smooth_l1_loss',
                                            'binary_cross_entropy',
                                            'binary_cross_entropy_with_logits',
                                            'cross_entropy')
               for way in ('forward', 'backward')
               if f'{loss}_{way}' not in UNROUTED]),
    **_routes('optim', 'optim', ['sgd_step', 'adam_step']),
    **_routes('optim', 'optim', ['asgd_step', 'rprop_step']),
}
