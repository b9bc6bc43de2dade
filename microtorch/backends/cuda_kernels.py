"""The CUDA kernels: where their sources are, which instances exist, and the loader.

Importing this module needs neither CuPy nor a GPU: the tables and `kernel_names()` (which
reads the sources) serve `python -m microtorch` and the tests. `Loader` is the part that
compiles, through `cupy.RawModule` (NVRTC), each file once per device, the first time one of
its kernels is asked for; CuPy caches the binaries on disk, so later processes skip NVRTC.
Kernel handles are kept in a dict keyed by (name, dtype): a launch is one dict hit plus the
launch itself.
"""
import os
import re

KERNEL_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          'kernels')
COMMON_HEADER = 'common.cuh'

# The C++ type each dtype instantiates the templates with.
C_TYPES = {'float32': 'float', 'float64': 'double', 'int32': 'int', 'int64': 'long long',
           'bool': 'bool'}
FLOAT = ('float32', 'float64')
NUMBER = FLOAT + ('int32', 'int64')
ALL = NUMBER + ('bool',)

# Unary ops of floats with a plain forward/backward pair and no parameters (added together).
SMOOTH_UNARY = ('log1p', 'expm1', 'log2', 'log10', 'rsqrt', 'tan', 'sinh', 'cosh', 'asin',
                'acos', 'atan', 'asinh', 'acosh', 'atanh')
# Activations with a forward/backward pair (elu and gelu take a parameter)
ACTIVATIONS = ('silu', 'elu', 'gelu')
# More activations and unary math with a forward/backward pair of floats (shrink serves
# softshrink and hardshrink), and two whose forward takes integers too.
ACTIVATIONS_MORE = ('softsign', 'mish', 'hardsigmoid', 'hardswish', 'shrink', 'erf', 'exp2')
CLAMPING = ('hardtanh', 'threshold')
# Piecewise-constant unary ops: a forward kernel, and a zero gradient (the 'zeros' marker).
STEP_UNARY = ('sign', 'floor', 'ceil', 'trunc', 'round')
# Special functions with a forward/backward pair of floats (polygamma takes its order)
SPECIAL = ('lgamma', 'digamma', 'polygamma', 'erfc', 'erfinv', 'ndtri', 'i0', 'i1')

# file -> {kernel: the dtypes it is instantiated for}. A kernel asked for in another dtype
# raises PyTorch's "not implemented for" error.
KERNELS = {
    'unary.cu': {
        **{f'{op}_forward': FLOAT for op in (
            'exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'reciprocal',
            'leaky_relu', 'softplus', *SMOOTH_UNARY, *ACTIVATIONS, 'floor', 'ceil', 'trunc',
            'round')},
        **{f'{op}_forward': NUMBER for op in ('neg', 'abs', 'relu', 'clamp', 'pow_scalar',
                                              'sign')},
        **{f'{op}_backward': FLOAT for op in (
            'neg', 'abs', 'exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid',
            'reciprocal', 'relu', 'clamp', 'pow_scalar', 'leaky_relu', 'softplus',
            *SMOOTH_UNARY, *ACTIVATIONS)},
        **{f'{op}_forward': FLOAT for op in ACTIVATIONS_MORE + ('frac',)},
        **{f'{op}_forward': NUMBER for op in CLAMPING},
        **{f'{op}_backward': FLOAT for op in ACTIVATIONS_MORE + CLAMPING},
        **{f'{op}_{way}': FLOAT for op in SPECIAL for way in ('forward', 'backward')},
    },
    'binary.cu': {
        'add_forward': ALL, 'sub_forward': NUMBER, 'mul_forward': ALL, 'div_forward': FLOAT,
        'pow_forward': NUMBER, 'floor_divide_forward': NUMBER, 'trunc_divide_forward': NUMBER,
        'remainder_forward': NUMBER, 'fmod_forward': NUMBER, 'atan2_forward': FLOAT,
        'hypot_forward': FLOAT,
        'maximum_forward': ALL,
        'minimum_forward': ALL, 'compare_forward': ALL, 'where_forward': ALL,
        'maximum_backward': FLOAT, 'minimum_backward': FLOAT, 'linear_forward': FLOAT,
    },
    'reduction.cu': {
        'sum_forward': FLOAT + ('int64',), 'prod_forward': FLOAT + ('int64',),
        'var_forward': FLOAT, 'max_forward': ALL,
        'min_forward': ALL, 'argmax_forward': ALL, 'argmin_forward': ALL,
        'logsumexp_forward': FLOAT,
    },
    'scan.cu': {'cumsum_forward': FLOAT + ('int64',), 'cumsum_backward': FLOAT},
    'softmax.cu': {name: FLOAT for name in (
        'softmax_forward', 'softmax_backward', 'log_softmax_forward',
        'log_softmax_backward')},
    'indexing.cu': {'gather_forward': ALL, 'gather_backward': FLOAT,
                    'index_backward': FLOAT, 'scatter_forward': ALL,
                    'scatter_reduce_forward': NUMBER, 'windows_forward': ALL,
                    'windows_backward': FLOAT, 'max_pool_forward': NUMBER,
                    'max_pool_backward': FLOAT, 'avg_pool_forward': FLOAT,
                    'avg_pool_backward': FLOAT},
    'loss.cu': {name: FLOAT for name in (
        'mse_loss_forward', 'mse_loss_backward', 'l1_loss_forward', 'l1_loss_backward',
        'smooth_l1_loss_forward', 'smooth_l1_loss_backward',
        'binary_cross_entropy_forward', 'binary_cross_entropy_backward',
        'binary_cross_entropy_with_logits_forward',
        'binary_cross_entropy_with_logits_backward', 'cross_entropy_forward',
        'cross_entropy_backward', 'cross_entropy_weights', 'nll_loss_forward',
        'nll_loss_backward')},
    'optim.cu': {'sgd_step': FLOAT, 'adam_step': FLOAT, 'rmsprop_step': FLOAT,
                 'adagrad_step': FLOAT, 'adamax_step': FLOAT, 'nadam_step': FLOAT,
                 'radam_step': FLOAT, 'adadelta_step': FLOAT, 'asgd_step': FLOAT,
                 'rprop_step': FLOAT, 'adafactor_step': FLOAT},
    'ctc.cu': {'ctc_loss_forward': FLOAT, 'ctc_loss_backward': FLOAT},
}
FILE_OF = {name: file for file, kernels in KERNELS.items() for name in kernels}

# What runs on CUDA for each op of the op table (tests/test_ops.py): its forward and its
# backward, as kernels of kernels/*.cu, or one of these markers:
#   'view'    no kernel: a view of the input (or the gradient passed on as it is)
#   'cuBLAS'  cupy.matmul
#   'copy'    a copy by CuPy (concatenate, contiguous copy, advanced-index take)
#   'none'    no gradient
#   'zeros'   a zero gradient (piecewise-constant ops), a zero-filled buffer from the pool
#   'cupy'    a CuPy library routine: cupy.argsort (thrust's sort) orders the sorting ops
# A backward that is made of other ops lists the kernels those run. sum_forward appears
# wherever the engine sums a broadcast gradient back to an input's shape.
MARKERS = ('view', 'cuBLAS', 'copy', 'none', 'zeros', 'cupy')
OP_KERNELS = {
    'add': (('add_forward',), ('view', 'sum_forward')),
    'sub': (('sub_forward',), ('neg_forward', 'sum_forward')),
    'mul': (('mul_forward',), ('mul_forward', 'sum_forward')),
    'div': (('div_forward',), ('div_forward', 'mul_forward', 'neg_forward', 'sum_forward')),
    'pow': (('pow_forward', 'pow_scalar_forward'),
            ('pow_scalar_backward', 'pow_forward', 'mul_forward', 'log_forward',
             'where_forward', 'sum_forward')),
    # floor_divide has no derivative in PyTorch (its backward raises); div with a rounding
    # mode has a zero one
    'floor_divide': (('floor_divide_forward',), ('none',)),
    'div_rounded': (('floor_divide_forward', 'trunc_divide_forward'), ('zeros',)),
    'remainder': (('remainder_forward',),
                  ('floor_divide_forward', 'mul_forward', 'neg_forward', 'sum_forward')),
    'fmod': (('fmod_forward',),
             ('trunc_divide_forward', 'mul_forward', 'neg_forward', 'sum_forward')),
    'maximum': (('maximum_forward',), ('maximum_backward', 'sum_forward')),
    'minimum': (('minimum_forward',), ('minimum_backward', 'sum_forward')),
    'where': (('where_forward',), ('where_forward', 'sum_forward')),
    'neg': (('neg_forward',), ('neg_forward',)),
    'reciprocal': (('reciprocal_forward',), ('reciprocal_backward',)),
    'clamp': (('clamp_forward',), ('clamp_backward',)),
    **{op: ((f'{op}_forward',), (f'{op}_backward',)) for op in (
        'abs', 'exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'leaky_relu',
        'softplus', *SMOOTH_UNARY, *ACTIVATIONS)},
    **{op: ((f'{op}_forward',), ('zeros',)) for op in STEP_UNARY},
    'square': (('pow_scalar_forward',), ('pow_scalar_backward',)),
    'sum': (('sum_forward',), ('view',)),
    # prod's gradient: result / x without zeros, the others' product at a lone zero, else 0
    'prod': (('prod_forward',), ('prod_forward', 'compare_forward', 'where_forward',
                                 'sum_forward', 'mul_forward', 'div_forward')),
    'cumsum': (('cumsum_forward',), ('cumsum_backward',)),
    **{op: (('sum_forward', 'var_forward', 'sub_forward', 'add_forward', 'rsqrt_forward',
             'mul_forward'),
            ('rsqrt_backward', 'sum_forward', 'sub_forward', 'mul_forward', 'div_forward',
             'neg_forward')) for op in ('layer_norm', 'batch_norm')},
    'embedding': (('copy',), ('index_backward', 'where_forward')),
    'nll_loss': (('nll_loss_forward', 'sum_forward', 'div_forward'), ('nll_loss_backward',)),
    'norm': (('mul_forward', 'sum_forward', 'sqrt_forward', 'abs_forward', 'max_forward',
              'min_forward', 'pow_scalar_forward', 'compare_forward'),
             ('sign_forward', 'abs_forward', 'pow_scalar_forward', 'compare_forward',
              'where_forward', 'div_forward', 'mul_forward', 'sum_forward')),
    'mean': (('sum_forward',), ('div_forward', 'view')),
    'var': (('sum_forward', 'var_forward'),
            ('sum_forward', 'sub_forward', 'mul_forward', 'div_forward')),
    'std': (('sum_forward', 'var_forward'),
            ('sum_forward', 'sub_forward', 'mul_forward', 'div_forward')),
    'max': (('max_forward', 'argmax_forward', 'gather_forward'),
            ('gather_backward', 'mul_forward', 'div_forward', 'sum_forward')),
    'min': (('min_forward', 'argmin_forward', 'gather_forward'),
            ('gather_backward', 'mul_forward', 'div_forward', 'sum_forward')),
    'amax': (('max_forward',), ('mul_forward', 'div_forward', 'sum_forward')),
    'argmax': (('argmax_forward',), ('none',)),
    'logsumexp': (('max_forward', 'logsumexp_forward'),
                  ('max_forward', 'where_forward', 'sub_forward', 'exp_forward',
                   'sum_forward', 'div_forward', 'mul_forward')),
    'softmax': (('softmax_forward',), ('softmax_backward',)),
    'log_softmax': (('log_softmax_forward',), ('log_softmax_backward',)),
    'matmul': (('cuBLAS',), ('cuBLAS', 'sum_forward')),
    'mm': (('cuBLAS',), ('cuBLAS',)),
    'bmm': (('cuBLAS',), ('cuBLAS',)),
    'linear': (('cuBLAS', 'linear_forward'), ('cuBLAS', 'sum_forward')),
    **{op: (('view',), ('view',)) for op in (
        'reshape', 'view', 'flatten', 'squeeze', 'unsqueeze', 'transpose', 'permute', 'T')},
    'expand': (('view',), ('sum_forward',)),
    'contiguous': (('copy',), ('view',)),
    'cat': (('copy',), ('view',)),
    'stack': (('copy',), ('view',)),
    'split': (('view',), ('copy',)),
    'chunk': (('view',), ('copy',)),
    'index': (('view', 'copy'), ('index_backward',)),
    'gather': (('gather_forward',), ('gather_backward',)),
    # composites of the ops above
    'masked_fill': (('where_forward',), ('where_forward', 'sum_forward')),
    'narrow': (('view',), ('index_backward',)),
    'unbind': (('view',), ('copy',)),
    'repeat': (('copy',), ('sum_forward',)),
    **{op: (('copy',), ('index_backward',)) for op in (
        'flip', 'index_select', 'diag')},
    # CuPy's boolean index; its gradient copied back by CuPy, summed down a broadcast
    'masked_select': (('copy',), ('copy', 'sum_forward')),
    'diagonal': (('view',), ('index_backward',)),
    # Tensor.unfold: a strided view on the CPU, copied on CUDA; backward adds windows back
    'tensor_unfold': (('copy',), ('copy', 'scatter_reduce_forward')),
    'angle': (('compare_forward', 'where_forward', 'sign_forward', 'mul_forward'), ('zeros',)),
    # ops of their own whose forward and backward are CuPy's tril and triu
    **{op: (('cupy',), ('cupy',)) for op in ('tril', 'triu')},
    'trace': (('copy', 'sum_forward'), ('index_backward',)),
    **{op: (('cupy', 'gather_forward'), ('gather_backward',)) for op in ('sort', 'msort',
                                                                        'topk')},
    'argsort': (('cupy',), ('none',)),
    **{op: (('cupy', 'gather_forward'), ('gather_backward',)) for op in ('median',
                                                                        'kthvalue')},
    **{op: (('copy',), ('index_backward',)) for op in ('roll', 'repeat_interleave')},
    'pad': (('copy',), ('copy',)),     # a copy and border fills; backward crops (pads)
    **{op: (('copy',), ('view',)) for op in ('hstack', 'vstack', 'column_stack')},
    **{op: (('view',), ('sum_forward',)) for op in ('broadcast_to', 'meshgrid')},
    'tile': (('copy',), ('sum_forward',)),
    'lerp': (('sub_forward', 'mul_forward', 'add_forward', 'where_forward'),
             ('mul_forward', 'neg_forward', 'where_forward', 'sum_forward')),
    'logaddexp': (('maximum_forward', 'sub_forward', 'abs_forward', 'neg_forward',
                   'exp_forward', 'log1p_forward', 'add_forward', 'where_forward'),
                  ('maximum_backward', 'abs_backward', 'exp_backward', 'log1p_backward',
                   'where_forward', 'sum_forward')),
    'atan2': (('atan2_forward',), ('mul_forward', 'add_forward', 'div_forward', 'neg_forward',
                                   'sum_forward')),
    'conv2d': (('copy', 'windows_forward', 'cuBLAS', 'add_forward'),
               ('windows_backward', 'cuBLAS', 'sum_forward')),
    'max_pool2d': (('max_pool_forward',), ('max_pool_backward',)),
    'avg_pool2d': (('avg_pool_forward',), ('avg_pool_backward',)),
    'hypot': (('hypot_forward',), ('hypot_forward', 'div_forward', 'mul_forward',
                                   'sum_forward')),
    'outer': (('mul_forward',), ('mul_forward', 'sum_forward')),
    'addmm': (('cuBLAS', 'mul_forward', 'add_forward'), ('cuBLAS', 'mul_forward', 'sum_forward')),
    **{op: (('clamp_forward',), ('clamp_backward',)) for op in ('clamp_min', 'clamp_max')},
    'dropout': (('mul_forward',), ('mul_forward',)),
    # ops/composite.py
    **{op: (('mul_forward', 'add_forward'), ('mul_forward', 'sum_forward')) for op in (
        'addcmul', 'deg2rad', 'rad2deg')},
    'addcdiv': (('div_forward', 'mul_forward', 'add_forward'),
                ('div_forward', 'mul_forward', 'neg_forward', 'sum_forward')),
    **{op: (('copy', 'cuBLAS'), ('cuBLAS', 'sum_forward')) for op in (
        'mv', 'inner', 'tensordot', 'einsum')},
    **{op: (('view',), ('view',)) for op in ('movedim', 'swapaxes', 'atleast_3d')},
    **{op: (('copy',), ('index_backward',)) for op in ('fliplr', 'flipud', 'rot90')},
    'tensor_split': (('view',), ('copy',)),
    'diff': (('copy', 'sub_forward'), ('neg_forward', 'index_backward', 'copy')),
    **{op: (('compare_forward', 'where_forward', 'sum_forward'),
            ('where_forward', 'sum_forward')) for op in ('nan_to_num', 'nansum')},
    'nanmean': (('compare_forward', 'where_forward', 'sum_forward', 'div_forward'),
                ('where_forward', 'div_forward', 'sum_forward')),
    'dist': (('sub_forward', 'abs_forward', 'pow_scalar_forward', 'sum_forward'),
             ('pow_scalar_backward', 'abs_backward', 'neg_forward', 'sum_forward')),
    **{loss: ((f'{loss}_forward', 'sum_forward'), (f'{loss}_backward',)) for loss in (
        'mse_loss', 'l1_loss', 'smooth_l1_loss', 'binary_cross_entropy',
        'binary_cross_entropy_with_logits', 'cross_entropy')},
    # the 1-d forms run the 2-d ones with a height of 1
    'conv1d': (('copy', 'windows_forward', 'cuBLAS', 'add_forward'),
               ('windows_backward', 'cuBLAS', 'sum_forward')),
    'max_pool1d': (('max_pool_forward',), ('max_pool_backward',)),
    'avg_pool1d': (('avg_pool_forward',), ('avg_pool_backward',)),
    # each dim's windows gathered (index tables built on the host), masked, summed, divided
    **{op: (('copy', 'where_forward', 'sum_forward', 'div_forward'),
            ('div_forward', 'where_forward', 'index_backward'))
       for op in ('adaptive_avg_pool2d', 'adaptive_avg_pool1d', 'adaptive_avg_pool3d')},
    'group_norm': (('sum_forward', 'var_forward', 'sub_forward', 'add_forward', 'rsqrt_forward',
                    'mul_forward'),
                   ('rsqrt_backward', 'sum_forward', 'sub_forward', 'mul_forward',
                    'div_forward', 'neg_forward')),
    'cosine_similarity': (('mul_forward', 'sum_forward', 'sqrt_forward', 'clamp_forward',
                           'sub_forward', 'add_forward', 'div_forward'),
                          ('div_forward', 'mul_forward', 'neg_forward', 'compare_forward',
                           'where_forward', 'sum_forward')),
    'pairwise_distance': (('sub_forward', 'add_forward', 'mul_forward', 'sum_forward',
                           'sqrt_forward', 'abs_forward', 'pow_scalar_forward'),
                          ('sign_forward', 'abs_forward', 'pow_scalar_forward', 'div_forward',
                           'mul_forward', 'compare_forward', 'where_forward', 'sum_forward',
                           'neg_forward')),
    'kl_div': (('compare_forward', 'where_forward', 'log_forward', 'exp_forward', 'mul_forward',
                'sub_forward', 'sum_forward', 'div_forward'),
               ('log_backward', 'exp_backward', 'where_forward', 'mul_forward', 'neg_forward',
                'div_forward', 'sum_forward')),
    # the scatters: a copy of the input, then the scatter; their gradients are gathers (and
    # a scatter of zeros into the input's); mean divides by a scatter-added count; amax/amin
    # split the gradient among ties (compare, scatter-add, div); prod divides out each input
    **{op: (('copy', 'scatter_forward'), ('scatter_forward', 'gather_forward'))
       for op in ('scatter', 'index_copy')},
    'scatter_add': (('copy', 'scatter_reduce_forward'), ('view', 'gather_forward')),
    'scatter_reduce': (('copy', 'scatter_forward', 'scatter_reduce_forward', 'where_forward',
                        'compare_forward', 'div_forward', 'floor_divide_forward'),
                       ('view', 'scatter_forward', 'gather_forward', 'compare_forward',
                        'scatter_reduce_forward', 'div_forward', 'mul_forward',
                        'where_forward', 'copy')),
    'index_add': (('copy', 'scatter_reduce_forward', 'mul_forward'),
                  ('view', 'gather_forward', 'mul_forward')),
    'index_fill': (('scatter_forward', 'compare_forward', 'add_forward', 'where_forward'),
                   ('where_forward', 'sum_forward')),
    'take': (('copy',), ('index_backward',)),
    'take_along_dim': (('gather_forward',), ('gather_backward', 'sum_forward')),
    'select': (('view',), ('index_backward',)),
    'masked_scatter': (('copy',), ('copy', 'index_backward', 'sum_forward')),
    **{op: ((f'{op}_forward',), (f'{op}_backward',)) for op in (
        'hardtanh', 'softsign', 'mish', 'hardsigmoid', 'hardswish', 'threshold', 'erf',
        'exp2')},
    # relu6 is hardtanh(0, 6); selu and celu are elu with other scales
    'relu6': (('hardtanh_forward',), ('hardtanh_backward',)),
    **{op: (('elu_forward',), ('elu_backward',)) for op in ('selu', 'celu')},
    **{op: (('shrink_forward',), ('shrink_backward',)) for op in ('softshrink', 'hardshrink')},
    'frac': (('frac_forward',), ('view',)),
    'tanhshrink': (('tanh_forward', 'sub_forward'), ('tanh_backward', 'neg_forward',
                                                     'add_forward')),
    'softmin': (('neg_forward', 'softmax_forward'), ('softmax_backward', 'neg_forward')),
    'prelu': (('mul_forward', 'compare_forward', 'where_forward'),
              ('where_forward', 'mul_forward', 'sum_forward')),
    # adaptive max pooling: a gather of the windows and a max, as max_pool2d's
    **{op: (('copy', 'max_forward', 'argmax_forward', 'gather_forward'),
            ('gather_backward', 'index_backward')) for op in ('adaptive_max_pool2d',
                                                              'adaptive_max_pool1d')},
    'instance_norm': (('copy', 'sum_forward', 'var_forward', 'sub_forward', 'add_forward',
                       'rsqrt_forward', 'mul_forward'),
                      ('rsqrt_backward', 'sum_forward', 'sub_forward', 'mul_forward',
                       'div_forward', 'neg_forward')),
    # zeros padded between and around the input (copies), then conv2d's windows and matmul
    **{op: (('copy', 'windows_forward', 'cuBLAS', 'add_forward'),
            ('windows_backward', 'cuBLAS', 'sum_forward'))
       for op in ('conv_transpose2d', 'conv_transpose1d')},
    'interpolate': (('copy', 'sub_forward', 'mul_forward', 'add_forward', 'where_forward',
                     'sum_forward', 'div_forward'),
                    ('index_backward', 'mul_forward', 'neg_forward', 'sum_forward',
                     'where_forward', 'div_forward')),
    'bilinear': (('copy', 'cuBLAS', 'mul_forward', 'sum_forward', 'add_forward'),
                 ('cuBLAS', 'mul_forward', 'sum_forward')),
    'scaled_dot_product_attention': (('cuBLAS', 'mul_forward', 'where_forward', 'add_forward',
                                      'softmax_forward'),
                                     ('cuBLAS', 'mul_forward', 'softmax_backward',
                                      'where_forward', 'sum_forward')),
    # the torch.* composites of ops/composite.py. The scans take log2(n) rounds of narrow,
    # an op and cat; cummax/cummin find their indices with CuPy and gather the values.
    'cumprod': (('view', 'mul_forward', 'copy'), ('view', 'mul_forward', 'sum_forward')),
    'logcumsumexp': (('view', 'maximum_forward', 'sub_forward', 'abs_forward', 'neg_forward',
                      'exp_forward', 'log1p_forward', 'add_forward', 'where_forward', 'copy'),
                     ('view', 'exp_forward', 'div_forward', 'mul_forward', 'neg_forward',
                      'where_forward', 'sum_forward')),
    **{op: (('cupy', 'gather_forward'), ('gather_backward',)) for op in ('cummax', 'cummin')},
    'vander': (('copy', 'mul_forward', 'index_backward'),
               ('view', 'mul_forward', 'sum_forward', 'index_backward')),
    **{op: (('copy', 'view'), ('view',)) for op in ('cartesian_prod', 'block_diag',
                                                     'unflatten')},
    'combinations': (('copy',), ('index_backward',)),
    'kron': (('view', 'mul_forward'), ('mul_forward', 'sum_forward')),
    'cross': (('copy', 'mul_forward', 'sub_forward'),
              ('mul_forward', 'neg_forward', 'index_backward', 'sum_forward')),
    **{op: (('scatter_forward',), ('gather_forward',)) for op in ('diag_embed', 'diagflat')},
    'vdot': (('cuBLAS',), ('mul_forward',)),
    'trapezoid': (('sub_forward', 'add_forward', 'mul_forward', 'sum_forward', 'div_forward'),
                  ('mul_forward', 'div_forward', 'neg_forward', 'index_backward',
                   'sum_forward')),
    'xlogy': (('compare_forward', 'where_forward', 'log_forward', 'mul_forward'),
              ('mul_forward', 'where_forward', 'log_backward', 'sum_forward')),
    'float_power': (('pow_forward', 'pow_scalar_forward'),
                    ('pow_scalar_backward', 'pow_forward', 'log_forward', 'mul_forward',
                     'where_forward', 'sum_forward')),
    **{op: (('compare_forward', 'where_forward'), ('where_forward', 'sum_forward'))
       for op in ('fmax', 'fmin')},
    'heaviside': (('compare_forward', 'where_forward'), ('none',)),
    # ops/numeric.py
    'logit': (('clamp_forward', 'log_forward', 'neg_forward', 'log1p_forward', 'sub_forward'),
              ('clamp_backward', 'log_backward', 'log1p_backward', 'neg_forward',
               'add_forward')),
    'sinc': (('compare_forward', 'where_forward', 'mul_forward', 'sin_forward',
              'div_forward'), ('where_forward', 'div_forward', 'sin_backward', 'mul_forward',
                               'neg_forward', 'add_forward')),
    'logaddexp2': (('maximum_forward', 'sub_forward', 'abs_forward', 'neg_forward',
                    'exp2_forward', 'log1p_forward', 'div_forward', 'add_forward',
                    'where_forward'),
                   ('maximum_backward', 'abs_backward', 'exp2_backward', 'log1p_backward',
                    'div_forward', 'where_forward', 'sum_forward')),
    'aminmax': (('min_forward', 'max_forward'), ('mul_forward', 'div_forward', 'sum_forward')),
    'ravel': (('view', 'copy'), ('view',)),
    'sgn': (('sign_forward',), ('zeros',)),
    'positive': (('none',), ('none',)),
    'slogdet': (('cupy',), ('cupy', 'cuBLAS', 'mul_forward')),
    'logdet': (('cupy', 'compare_forward', 'where_forward'),
               ('where_forward', 'cupy', 'cuBLAS', 'mul_forward')),
    'matrix_power': (('cuBLAS', 'cupy'), ('cuBLAS', 'sum_forward')),
    'renorm': (('abs_forward', 'pow_scalar_forward', 'sum_forward', 'compare_forward',
                'add_forward', 'div_forward', 'where_forward', 'mul_forward'),
               ('mul_forward', 'div_forward', 'neg_forward', 'where_forward',
                'sign_forward', 'abs_forward', 'pow_scalar_forward', 'sum_forward')),
    'cov': (('sum_forward', 'div_forward', 'sub_forward', 'cuBLAS'),
            ('cuBLAS', 'div_forward', 'sum_forward', 'neg_forward')),
    'corrcoef': (('sum_forward', 'div_forward', 'sub_forward', 'cuBLAS', 'sqrt_forward',
                  'clamp_forward'),
                 ('clamp_backward', 'div_forward', 'mul_forward', 'neg_forward',
                  'sqrt_backward', 'cuBLAS', 'sum_forward')),
    'cdist': (('sub_forward', 'mul_forward', 'sum_forward', 'sqrt_forward', 'abs_forward',
               'max_forward', 'pow_scalar_forward', 'compare_forward'),
              ('sign_forward', 'abs_forward', 'pow_scalar_forward', 'compare_forward',
               'where_forward', 'div_forward', 'mul_forward', 'neg_forward', 'sum_forward')),
    'baddbmm': (('cuBLAS', 'mul_forward', 'add_forward'),
                ('cuBLAS', 'mul_forward', 'sum_forward')),
    'vector_norm': (('mul_forward', 'sum_forward', 'sqrt_forward', 'abs_forward', 'max_forward',
                     'min_forward', 'pow_scalar_forward', 'compare_forward'),
                    ('sign_forward', 'abs_forward', 'pow_scalar_forward', 'compare_forward',
                     'where_forward', 'div_forward', 'mul_forward', 'sum_forward')),
    'matrix_norm': (('abs_forward', 'sum_forward', 'max_forward', 'min_forward',
                     'mul_forward', 'sqrt_forward', 'cupy'),
                    ('gather_backward', 'abs_backward', 'div_forward', 'mul_forward',
                     'sum_forward', 'cuBLAS')),
    'vecdot': (('mul_forward', 'sum_forward'), ('mul_forward', 'sum_forward')),
    # inv, det and solve: cuSOLVER through cupy.linalg; their gradients are matrix products
    # and the same routines
    'inv': (('cupy',), ('cuBLAS', 'neg_forward')),
    'det': (('cupy',), ('cupy', 'cuBLAS', 'mul_forward', 'abs_forward', 'compare_forward',
                        'copy')),
    'solve': (('cupy',), ('cupy', 'cuBLAS', 'neg_forward')),
    # nn.functional.embedding_bag: the rows gathered, weighted, masked and summed into their
    # bags (index_add), a mean divided by the counts; max over the bags padded into a block
    'embedding_bag': (('copy', 'mul_forward', 'where_forward', 'scatter_reduce_forward',
                       'div_forward', 'max_forward', 'argmax_forward', 'gather_forward',
                       'sub_forward', 'add_forward'),
                      ('index_backward', 'gather_forward', 'gather_backward', 'mul_forward',
                       'div_forward', 'where_forward', 'sum_forward')),
    # the later nn functions: composites of the ops above
    'cosine_embedding_loss': (('mul_forward', 'sum_forward', 'add_forward', 'sqrt_forward',
                               'div_forward', 'compare_forward', 'where_forward', 'sub_forward',
                               'clamp_forward'),
                              ('mul_forward', 'div_forward', 'sqrt_backward', 'neg_forward',
                               'where_forward', 'clamp_backward', 'sum_forward')),
    'margin_ranking_loss': (('neg_forward', 'sub_forward', 'mul_forward', 'add_forward',
                             'clamp_forward', 'sum_forward', 'div_forward'),
                            ('clamp_backward', 'mul_forward', 'neg_forward', 'div_forward',
                             'sum_forward')),
    'hinge_embedding_loss': (('compare_forward', 'sub_forward', 'clamp_forward', 'where_forward',
                              'add_forward', 'sum_forward', 'div_forward'),
                             ('where_forward', 'clamp_backward', 'neg_forward', 'div_forward',
                              'sum_forward')),
    'soft_margin_loss': (('neg_forward', 'mul_forward', 'softplus_forward', 'sum_forward',
                          'div_forward'),
                         ('softplus_backward', 'mul_forward', 'neg_forward', 'div_forward',
                          'sum_forward')),
    'multilabel_soft_margin_loss': (('neg_forward', 'softplus_forward', 'mul_forward',
                                     'sub_forward', 'add_forward', 'sum_forward', 'div_forward'),
                                    ('softplus_backward', 'neg_forward', 'mul_forward',
                                     'div_forward', 'sum_forward')),
    'multi_margin_loss': (('gather_forward', 'compare_forward', 'sub_forward', 'add_forward',
                           'clamp_forward', 'mul_forward', 'copy', 'where_forward',
                           'sum_forward', 'div_forward'),
                          ('gather_backward', 'clamp_backward', 'where_forward', 'mul_forward',
                           'neg_forward', 'div_forward', 'sum_forward')),
    # the listed targets: a running product of "not -1" marks them, a scatter-add flags them
    'multilabel_margin_loss': (('compare_forward', 'copy', 'view', 'mul_forward',
                                'where_forward', 'scatter_reduce_forward', 'gather_forward',
                                'sub_forward', 'add_forward', 'clamp_forward', 'sum_forward',
                                'div_forward'),
                               ('gather_backward', 'clamp_backward', 'where_forward',
                                'neg_forward', 'div_forward', 'sum_forward')),
    **{op: (('sub_forward', 'add_forward', 'mul_forward', 'sum_forward', 'sqrt_forward',
             'abs_forward', 'pow_scalar_forward', 'minimum_forward', 'clamp_forward',
             'div_forward'),
            ('sign_forward', 'abs_forward', 'pow_scalar_forward', 'div_forward', 'mul_forward',
             'compare_forward', 'where_forward', 'sum_forward', 'neg_forward',
             'minimum_backward', 'clamp_backward'))
       for op in ('triplet_margin_loss', 'triplet_margin_with_distance_loss')},
    'gaussian_nll_loss': (('compare_forward', 'clamp_forward', 'sub_forward', 'add_forward',
                           'log_forward', 'pow_scalar_forward', 'div_forward', 'mul_forward',
                           'sum_forward'),
                          ('log_backward', 'pow_scalar_backward', 'div_forward', 'mul_forward',
                           'neg_forward', 'sum_forward')),
    'poisson_nll_loss': (('exp_forward', 'mul_forward', 'sub_forward', 'add_forward',
                          'log_forward', 'compare_forward', 'where_forward', 'sum_forward',
                          'div_forward'),
                         ('exp_backward', 'log_backward', 'mul_forward', 'neg_forward',
                          'where_forward', 'div_forward', 'sum_forward')),
    'glu': (('view', 'sigmoid_forward', 'mul_forward'),
            ('sigmoid_backward', 'mul_forward', 'copy')),
    'rms_norm': (('mul_forward', 'sum_forward', 'div_forward', 'add_forward', 'rsqrt_forward'),
                 ('rsqrt_backward', 'mul_forward', 'div_forward', 'sum_forward')),
    # the squares padded along the channels (copies), then narrow slices added up
    'local_response_norm': (('mul_forward', 'view', 'copy', 'add_forward', 'pow_scalar_forward',
                             'div_forward'),
                            ('pow_scalar_backward', 'div_forward', 'mul_forward', 'neg_forward',
                             'index_backward', 'sum_forward')),
    **{op: (('view', 'copy'), ('view', 'copy')) for op in ('pixel_shuffle', 'pixel_unshuffle')},
    # unfold: conv2d's window gather; fold: its adjoint, an index_add into the padded output
    'unfold': (('copy', 'windows_forward'), ('windows_backward',)),
    'fold': (('copy', 'scatter_reduce_forward', 'view'),
             ('view', 'gather_forward', 'index_backward')),
    **{op: (('pow_scalar_forward', 'copy', 'sum_forward', 'div_forward', 'sign_forward',
             'abs_forward', 'relu_forward', 'mul_forward'),
            ('pow_scalar_backward', 'div_forward', 'windows_backward', 'relu_backward',
             'abs_backward', 'mul_forward')) for op in ('lp_pool2d', 'lp_pool1d')},
    **{op: (('copy', 'scatter_forward'), ('scatter_forward', 'gather_forward'))
       for op in ('max_unpool2d', 'max_unpool1d')},
    'pdist': (('copy', 'sub_forward', 'mul_forward', 'sum_forward', 'sqrt_forward',
               'abs_forward', 'max_forward', 'pow_scalar_forward'),
              ('sign_forward', 'abs_forward', 'pow_scalar_forward', 'compare_forward',
               'where_forward', 'div_forward', 'mul_forward', 'sum_forward', 'neg_forward',
               'index_backward')),
    # rrelu: leaky_relu out of training; in training slopes drawn on the host, then a where
    'rrelu': (('leaky_relu_forward', 'copy', 'compare_forward', 'mul_forward', 'where_forward'),
              ('leaky_relu_backward', 'where_forward', 'mul_forward', 'sum_forward')),
    **{op: (('copy', 'mul_forward', 'sub_forward', 'add_forward'),
            ('mul_forward', 'sum_forward')) for op in ('alpha_dropout', 'feature_alpha_dropout')},
    'gumbel_softmax': (('copy', 'log_forward', 'neg_forward', 'add_forward', 'div_forward',
                        'softmax_forward', 'argmax_forward', 'scatter_forward', 'sub_forward'),
                       ('softmax_backward', 'div_forward', 'sum_forward')),
    # grid_sample: source positions by elementwise ops (reflection: abs, fmod, floor), the
    # taps by gathers, weighted and summed; affine_grid: a base grid times theta (a bmm)
    'grid_sample': (('add_forward', 'mul_forward', 'sub_forward', 'div_forward', 'abs_forward',
                     'fmod_forward', 'floor_forward', 'remainder_forward', 'compare_forward',
                     'where_forward', 'clamp_forward', 'round_forward', 'copy',
                     'gather_forward'),
                    ('gather_backward', 'mul_forward', 'where_forward', 'clamp_backward',
                     'abs_backward', 'neg_forward', 'div_forward', 'sum_forward')),
    'affine_grid': (('copy', 'cuBLAS'), ('cuBLAS', 'sum_forward')),
    # the 3-d layers: the n-d window gather of conv2d and the pools, the adaptive average
    # pools' matmuls, one per dim
    'conv3d': (('copy', 'windows_forward', 'cuBLAS', 'add_forward'),
               ('windows_backward', 'cuBLAS', 'sum_forward')),
    'max_pool3d': (('max_pool_forward',), ('max_pool_backward',)),
    'avg_pool3d': (('avg_pool_forward',), ('avg_pool_backward',)),
    'adaptive_max_pool3d': (('copy', 'max_forward', 'argmax_forward', 'gather_forward'),
                            ('gather_backward', 'index_backward')),
    # The factorisations: cuSOLVER (potrf, geqrf/orgqr, syevj, gesvdj/gesvd) and cuBLAS's trsm
    # through cupy.linalg and cupyx.scipy.linalg ('cupy'); their gradients are matrix
    # products, triangular solves and elementwise ops
    'cholesky': (('cupy', 'view'),
                 ('cuBLAS', 'compare_forward', 'where_forward', 'add_forward', 'mul_forward',
                  'cupy', 'neg_forward')),
    'solve_triangular': (('cupy', 'copy'),
                         ('cupy', 'cuBLAS', 'neg_forward', 'compare_forward', 'where_forward',
                          'sum_forward')),
    'cholesky_solve': (('cupy',), ('cupy', 'cuBLAS', 'add_forward', 'neg_forward')),
    'qr': (('cupy', 'copy', 'sign_forward', 'mul_forward'),
           ('cuBLAS', 'sub_forward', 'compare_forward', 'where_forward', 'add_forward',
            'cupy', 'neg_forward', 'mul_forward', 'sum_forward')),
    'eigh': (('cupy', 'add_forward', 'sign_forward', 'mul_forward'),
             ('cuBLAS', 'sub_forward', 'add_forward', 'mul_forward', 'div_forward',
              'scatter_forward', 'sum_forward')),
    'eigvalsh': (('cupy', 'add_forward'),
                 ('cuBLAS', 'scatter_forward', 'add_forward', 'sum_forward')),
    'svd': (('cupy', 'sign_forward', 'mul_forward'),
            ('cuBLAS', 'mul_forward', 'div_forward', 'sub_forward', 'add_forward',
             'scatter_forward', 'sum_forward', 'index_backward')),
    'svdvals': (('cupy',), ('cuBLAS', 'mul_forward', 'sum_forward')),
    'pinv': (('cupy', 'cuBLAS'), ('cuBLAS', 'neg_forward', 'sub_forward', 'add_forward')),
    'matrix_rank': (('cupy', 'max_forward', 'maximum_forward', 'mul_forward', 'compare_forward',
                     'sum_forward'), ('none',)),
    'cond': (('cupy', 'div_forward', 'reciprocal_forward', 'sum_forward', 'mul_forward',
              'abs_forward', 'max_forward', 'where_forward'),
             ('cuBLAS', 'div_forward', 'mul_forward', 'neg_forward', 'sum_forward',
              'index_backward', 'gather_backward', 'where_forward')),
    'lstsq': (('cupy', 'cuBLAS', 'sub_forward', 'pow_scalar_forward', 'sum_forward'),
              ('cuBLAS', 'neg_forward', 'sub_forward', 'add_forward', 'sum_forward')),
    # ops/statistics.py: a CuPy sort (or, for mode, CuPy's counting), then gathers; quantile
    # ranks the q, rounds them as asked and lerps between the two values around each rank
    **{op: (('cupy', 'gather_forward', 'where_forward', 'mul_forward', 'sub_forward',
             'sum_forward', 'floor_forward', 'ceil_forward', 'round_forward', 'abs_forward',
             'add_forward', 'copy'),
            ('gather_backward', 'mul_forward', 'neg_forward', 'where_forward', 'sum_forward'))
       for op in ('quantile', 'nanquantile')},
    'nanmedian': (('cupy', 'sum_forward', 'sub_forward', 'floor_divide_forward',
                   'where_forward', 'gather_forward'), ('gather_backward',)),
    'mode': (('cupy', 'gather_forward'), ('gather_backward',)),
    'cumulative_trapezoid': (('view', 'sub_forward', 'add_forward', 'mul_forward',
                              'cumsum_forward', 'div_forward'),
                             ('cumsum_backward', 'mul_forward', 'div_forward', 'neg_forward',
                              'index_backward', 'sum_forward')),
    'trapz': (('sub_forward', 'add_forward', 'mul_forward', 'sum_forward', 'div_forward'),
              ('mul_forward', 'div_forward', 'neg_forward', 'index_backward', 'sum_forward')),
    # ops/pointwise.py (nextafter: CuPy's, its gradient passed through)
    'copysign': (('cupy', 'abs_forward', 'neg_forward', 'where_forward'),
                 ('where_forward', 'neg_forward', 'abs_backward', 'sum_forward')),
    'ldexp': (('pow_forward', 'mul_forward'),
              ('mul_forward', 'pow_forward', 'log_forward', 'where_forward', 'sum_forward')),
    'frexp': (('cupy', 'mul_forward'), ('mul_forward',)),
    'rsub': (('sub_forward', 'mul_forward'), ('neg_forward', 'mul_forward', 'sum_forward')),
    'nextafter': (('cupy',), ('view', 'sum_forward')),
    # ops/slicing.py: copies with a part written (index_put and put with accumulate add with
    # index_add), splits into views, and products of cuBLAS
    **{op: (('copy',), ('copy', 'sum_forward')) for op in (
        'select_scatter', 'slice_scatter', 'diagonal_scatter', 'fill')},
    **{op: (('copy', 'scatter_reduce_forward'), ('copy', 'gather_forward', 'sum_forward'))
       for op in ('index_put', 'put')},
    'narrow_copy': (('view', 'copy'), ('index_backward',)),
    'dstack': (('copy',), ('view',)),
    **{op: (('view',), ('copy',)) for op in ('hsplit', 'vsplit', 'dsplit', 'split_with_sizes')},
    **{op: (('cuBLAS',), ('cuBLAS',)) for op in ('chain_matmul', 'multi_dot')},
    # a view of the storage; its gradient adds into a storage-sized buffer and reads it back
    'as_strided': (('view',), ('copy', 'scatter_reduce_forward')),
    'addmv': (('cuBLAS', 'mul_forward', 'add_forward'), ('cuBLAS', 'mul_forward', 'sum_forward')),
    **{op: (('mul_forward', 'add_forward'), ('mul_forward', 'sum_forward')) for op in (
        'addr', 'ger')},
    'addbmm': (('cuBLAS', 'sum_forward', 'mul_forward', 'add_forward'),
               ('cuBLAS', 'mul_forward', 'sum_forward')),
    # ops/special.py: the special functions' pairs, and the composites built on them
    **{op: ((f'{op}_forward',), (f'{op}_backward',)) for op in SPECIAL},
    'mvlgamma': (('copy', 'mul_forward', 'add_forward', 'lgamma_forward', 'sum_forward'),
                 ('view', 'lgamma_backward', 'sum_forward')),
    'xlog1py': (('compare_forward', 'where_forward', 'log1p_forward', 'mul_forward'),
                ('mul_forward', 'add_forward', 'where_forward', 'log1p_backward',
                 'sum_forward')),
    'entr': (('log_forward', 'mul_forward', 'neg_forward', 'compare_forward', 'where_forward'),
             ('log_forward', 'add_forward', 'neg_forward', 'mul_forward')),
    'ndtr': (('mul_forward', 'erf_forward', 'add_forward'), ('mul_forward', 'erf_backward')),
    'log_ndtr': (('clamp_forward', 'mul_forward', 'erfc_forward', 'log1p_forward',
                  'log_forward', 'reciprocal_forward', 'neg_forward', 'add_forward',
                  'sub_forward', 'compare_forward', 'where_forward'),
                 ('where_forward', 'log1p_backward', 'log_backward', 'erfc_backward',
                  'mul_forward', 'add_forward', 'clamp_backward', 'reciprocal_backward',
                  'neg_forward', 'sum_forward')),
    # nn.functional.ctc_loss: the fused pair, then the reduction ('mean' divides by the
    # target lengths); zero_infinity's where
    'ctc_loss': (('ctc_loss_forward', 'compare_forward', 'where_forward', 'div_forward',
                  'sum_forward'),
                 ('ctc_loss_backward', 'where_forward', 'div_forward')),
    # fractional max pooling: one gather of every window (the positions computed on the
    # host from the samples), a max over each, and a gather of the winners' positions
    **{op: (('copy', 'view', 'gather_forward', 'max_forward', 'argmax_forward'),
            ('gather_backward',)) for op in ('fractional_max_pool2d', 'fractional_max_pool3d')},
    # LU: partial pivoting in CuPy's array ops, one column per step over the whole batch
    # ('cupy'); the gradients are triangular solves (cuBLAS's trsm through CuPy), products and
    # the triangles' masks
    **{op: (('cupy', 'copy', 'where_forward', 'add_forward'),
            ('cuBLAS', 'cupy', 'where_forward', 'add_forward', 'sub_forward', 'neg_forward',
             'copy')) for op in ('lu_factor', 'lu', 'lu_unpack')},
    'lu_solve': (('cupy', 'cuBLAS', 'where_forward', 'add_forward'),
                 ('cupy', 'cuBLAS', 'where_forward', 'add_forward', 'sub_forward',
                  'neg_forward', 'copy')),
    # matrix_exp: the Taylor series and the squarings are products (cuBLAS, in CuPy); its
    # gradient is matrix_exp of the block matrix [[A^T, G], [0, A^T]]
    'matrix_exp': (('cupy', 'cuBLAS'), ('copy', 'mul_forward', 'cupy', 'cuBLAS')),
    'householder_product': (('where_forward', 'add_forward', 'cuBLAS', 'mul_forward',
                             'sub_forward', 'view'),
                            ('cuBLAS', 'mul_forward', 'sum_forward', 'sub_forward',
                             'where_forward', 'add_forward')),
    # inv_ex and solve_ex: inv and solve (cuSOLVER), and the LU's info; tensorinv and
    # tensorsolve: inv and solve of a reshape
    **{op: (('cupy', 'view'), ('cuBLAS', 'cupy', 'neg_forward', 'view')) for op in (
        'inv_ex', 'solve_ex', 'tensorinv', 'tensorsolve')},
    'linalg_vander': (('copy', 'mul_forward'), ('view', 'mul_forward', 'sum_forward',
                                                'index_backward')),
    # LDL^T: Bunch-Kaufman's pivots depend on each matrix's values, so the factorisation and
    # its solve run on the host (copies there and back); no derivative, as in PyTorch
    **{op: (('copy',), ('none',)) for op in ('ldl_factor', 'ldl_solve')},
}


class KernelCompileError(RuntimeError):
    """A kernel file did not compile; the message names the file and holds NVRTC's log."""


def kernel_files():
    return sorted(f for f in os.listdir(KERNEL_DIR) if f.endswith('.cu'))


def read_source(file):
    """The file's text with common.cuh pasted in for its #include, so that the text alone
    decides CuPy's cache key (an edit to the header recompiles every file)."""
    with open(os.path.join(KERNEL_DIR, file)) as fh:
        text = fh.read()
    with open(os.path.join(KERNEL_DIR, COMMON_HEADER)) as fh:
        header = fh.read().replace('#pragma once\n', '', 1)    # pasted once, by hand
    return text.replace(f'#include "{COMMON_HEADER}"', header, 1)


_GLOBAL = re.compile(r'__global__\s+void\s+(\w+)\s*\(')


def kernel_names(file=None):
    """{file: set of kernel names} read from the sources (no compiler needed)."""
    out = {}
    for f in ([file] if file else kernel_files()):
        with open(os.path.join(KERNEL_DIR, f)) as fh:
            out[f] = set(_GLOBAL.findall(fh.read()))
    return out


def instances(file):
    """The name expressions NVRTC instantiates for a file: 'sigmoid_forward<float>', ..."""
    return [f'{name}<{C_TYPES[d]}>' for name, dtypes in KERNELS[file].items() for d in dtypes]


class Loader:
    """Compiles kernels/*.cu with NVRTC (once per device) and keeps the kernel handles."""

    def __init__(self, cupy):
        self._cupy = cupy
        self._modules = {}       # (device id, file) -> RawModule
        self._handles = {}       # (device id, name, dtype name) -> kernel function

    def get(self, device_id, name, dtype_name):
        """The kernel `name` for `dtype_name` on a device; compiles its file on first use."""
        key = (device_id, name, dtype_name)
        handle = self._handles.get(key)
        if handle is None:
            handle = self._load(key)
        return handle

    def _load(self, key):
        device_id, name, dtype_name = key
        file = FILE_OF[name]
        if dtype_name not in KERNELS[file][name]:
            raise KeyError(dtype_name)
        module = self.compile(file, device_id)
        with self._cupy.cuda.Device(device_id):
            handle = self._function(module, file, f'{name}<{C_TYPES[dtype_name]}>')
        self._handles[key] = handle
        return handle

    def compile(self, file, device_id):
        """The file's module on a device, compiled now if it was not (KernelCompileError
        names the file and carries NVRTC's log)."""
        key = (device_id, file)
        module = self._modules.get(key)
        if module is None:
            cp = self._cupy
            with cp.cuda.Device(device_id):
                module = cp.RawModule(code=read_source(file), options=(),
                                      name_expressions=instances(file))
                # The first get_function compiles the module (NVRTC); do it here, so that a
                # broken file fails now, naming itself.
                self._function(module, file, instances(file)[0])
            self._modules[key] = module
        return module

    def _function(self, module, file, expression):
        try:
            return module.get_function(expression)
        except self._cupy.cuda.compiler.CompileException as error:
            log = error.get_message() if hasattr(error, 'get_message') else str(error)
            raise KernelCompileError(
                f'kernels/{file} failed to compile with NVRTC:\n{log}') from None

    def compile_all(self, device_id):
        """Compile every file on a device (python -m microtorch --compile, the smoke test)."""
        for file in KERNELS:
            self.compile(file, device_id)
