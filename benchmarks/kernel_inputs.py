"""Arguments for every backend primitive, and the bytes a one-pass kernel must move for them.

Shared by the kernel benchmarks: `run.py` (through suites.py, on every device) and
`cpu_speed.py` (the Numba kernels against NumPy). Arguments are NumPy arrays on the host, fresh
random float32 numbers (never zeros) in each primitive's domain; row-wise primitives (softmax,
cross entropy, reductions) get a near-square (rows, cols) array of the same n elements.
"""
import numpy as np

# Every primitive the kernel benchmarks time: the forward/backward pairs of the op table's
# ops and the optimizer steps. (`linear_forward` is a matrix product: run.py's matmul table.)
PRIMITIVES = (
    [f'{op}_{way}' for op in ('neg', 'exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid',
                              'relu', 'abs', 'reciprocal', 'clamp', 'leaky_relu', 'softplus',
                              'pow_scalar', 'log1p', 'expm1', 'log2', 'log10', 'rsqrt', 'tan',
                              'silu', 'elu', 'gelu', 'sinh', 'cosh', 'asin', 'acos', 'atan',
                              'asinh', 'acosh', 'atanh')
     for way in ('forward', 'backward')]
    + [f'{op}_forward' for op in ('sign', 'floor', 'ceil', 'trunc', 'round')]
    + [f'{op}_forward' for op in ('add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum',
                                  'where', 'floor_divide', 'trunc_divide', 'remainder', 'fmod',
                                  'atan2', 'hypot')]
    + ['maximum_backward', 'minimum_backward']
    + [f'{op}_forward' for op in ('sum', 'prod', 'max', 'min', 'var', 'std', 'var_mean',
                                  'logsumexp')]
    + ['cumsum_forward', 'cumsum_backward']
    + [f'{op}_{way}' for op in ('softmax', 'log_softmax') for way in ('forward', 'backward')]
    + ['index_backward', 'windows_forward', 'windows_backward', 'max_pool_forward',
       'max_pool_backward', 'avg_pool_forward', 'avg_pool_backward']
    + [f'{op}_{way}' for op in ('mse_loss', 'l1_loss', 'smooth_l1_loss', 'binary_cross_entropy',
                                'binary_cross_entropy_with_logits', 'cross_entropy',
                                'nll_loss')
       for way in ('forward', 'backward')]
    + ['sgd_step', 'adam_step', 'rmsprop_step', 'adagrad_step', 'adamax_step', 'nadam_step',
       'radam_step', 'adadelta_step']
    + [f'{op}_{way}' for op in ('hardtanh', 'softsign', 'mish', 'hardsigmoid', 'hardswish',
                                'shrink', 'threshold', 'erf', 'exp2')
       for way in ('forward', 'backward')]
    + ['frac_forward']
    + [f'{op}_{way}' for op in ('lgamma', 'digamma', 'polygamma', 'erfc', 'erfinv', 'ndtri',
                                'i0', 'i1')
       for way in ('forward', 'backward')]
    + ['ctc_loss_forward', 'ctc_loss_backward']
    + ['asgd_step', 'rprop_step', 'adafactor_step'])

_BINARY = ('add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'where', 'floor_divide',
           'trunc_divide', 'remainder', 'fmod', 'atan2', 'hypot')
_DIVISIONS = ('div', 'floor_divide', 'trunc_divide', 'remainder', 'fmod')
_REDUCTIONS = ('sum', 'prod', 'max', 'min', 'var', 'std', 'var_mean', 'logsumexp', 'cumsum')


def split_name(name):
    """'log_softmax_backward' -> ('log_softmax', 'backward'); 'sgd_step' -> ('sgd', 'step')."""
    op, _, way = name.rpartition('_')
    return op, way


def family(name):
    """The op family a primitive belongs to, as the kernels/ files group them."""
    op, way = split_name(name)
    if way == 'step':
        return 'optim'
    if op.endswith('_loss') or 'cross_entropy' in op:
        return 'loss'
    if op in ('softmax', 'log_softmax'):
        return 'softmax'
    if op in _REDUCTIONS:
        return 'reduction'
    if op in ('index', 'windows', 'max_pool', 'avg_pool'):
        return 'indexing'
    return 'binary' if op in _BINARY else 'elementwise'


_UNARY_EXTRA = {'clamp': (-0.5, 0.5), 'pow_scalar': (2.5,), 'leaky_relu': (0.01,),
                'softplus': (1.0, 20.0), 'round': (0,), 'elu': (1.0, 1.0, 1.0),
                'gelu': ('none',), 'hardtanh': (-1.0, 1.0), 'shrink': (0.5, True),
                'threshold': (0.5, -2.0), 'polygamma': (2,)}
_LOSS_EXTRA = {'smooth_l1_loss': (1.0,), 'binary_cross_entropy': (None,),
               'binary_cross_entropy_with_logits': (None, None)}


def _windows_shape(n):
    """(planes, side): n elements as planes of side x side (side even, a power of two)."""
    side = 1 << max(1, (n.bit_length() - 1) // 2)
    return max(1, n // (side * side)), side


def rows_shape(n):
    """A near-square (rows, cols) holding n elements: (4096, 4096) for 2^24."""
    cols = 1 << (n.bit_length() // 2)      # n = 2^k: 2^ceil(k/2) columns
    return n // cols, cols


def kernel_args(name, n, rng):
    """Fresh random arguments for primitive `name` on n float32 elements (row-wise ones get
    rows_shape(n)), and the indices of arguments it updates in place."""
    def real(shape=n):
        return rng.uniform(-2, 2, shape).astype(np.float32)

    def positive(shape=n):
        return rng.uniform(0.5, 2, shape).astype(np.float32)

    def inside_unit(shape=n):                   # asin's, acos's, atanh's domain
        return rng.uniform(-0.9, 0.9, shape).astype(np.float32)

    def above_one(shape=n):                     # acosh's
        return rng.uniform(1.1, 3, shape).astype(np.float32)

    def probability(shape=n):                   # ndtri's
        return rng.uniform(0.05, 0.95, shape).astype(np.float32)

    op, way = split_name(name)
    shape = rows_shape(n)
    gy0 = np.ones((), np.float32)       # a scalar loss's incoming gradient
    if name in ('maximum_backward', 'minimum_backward'):
        return (real(), real(), real()), ()
    if name == 'pow_forward':
        return (positive(), positive()), ()
    if name == 'where_forward':
        return (rng.random(n) < 0.5, real(), real()), ()
    if op in _BINARY:
        return (real(), positive() if op in _DIVISIONS else real()), ()
    if op in ('sum', 'max', 'min'):
        return (real(shape), (0, 1), False), ()
    if op == 'prod':                    # near 1, so that products of millions stay finite
        return (rng.uniform(0.999, 1.001, shape).astype(np.float32), (0, 1), False), ()
    if op == 'cumsum':
        return (real(shape), 1), ()
    if name in ('var_forward', 'std_forward', 'var_mean_forward'):
        return (real(shape), (0, 1), 1, False), ()
    if name == 'logsumexp_forward':
        return (real(shape), (1,), False), ()
    if op in ('softmax', 'log_softmax'):
        saved = real(shape) if way == 'forward' else (
            np.log(rng.dirichlet(np.ones(shape[1]), shape[0])).astype(np.float32)
            if op == 'log_softmax' else
            rng.dirichlet(np.ones(shape[1]), shape[0]).astype(np.float32))
        return ((saved, 1) if way == 'forward' else (saved, real(shape), 1)), ()
    if name == 'index_backward':          # x[index].backward with repeated indices: a scatter-add
        return (rng.integers(0, n, n), real(), (n,), True), ()
    if op == 'windows':                   # 2 x 2 windows of n / 4 elements (4 a window): conv's
        planes, side = _windows_shape(n)
        shape = (1, planes, side, side)
        if way == 'forward':
            return (real(shape), (2, 2), (2, 2), (1, 1), True), ()
        return (real((1, side // 2, side // 2, planes, 2, 2)), shape, (2, 2), (2, 2), (1, 1),
                True), ()
    if op == 'max_pool':                  # max_pool2d(x, 2) over planes of side x side
        planes, side = _windows_shape(n)
        shape, half = (1, planes, side, side), side // 2
        if way == 'forward':
            return (real(shape), (2, 2), (2, 2), (0, 0), (1, 1), (half, half)), ()
        rows, cols = np.divmod(np.arange(half * half), half)   # each window's own elements
        index = (2 * rows + rng.integers(0, 2, (planes, half * half))) * side \
            + 2 * cols + rng.integers(0, 2, (planes, half * half))
        return (real((1, planes, half, half)), index.reshape(1, planes, half, half), shape), ()
    if op == 'avg_pool':                  # avg_pool2d(x, 2) over planes of side x side
        planes, side = _windows_shape(n)
        shape, half = (1, planes, side, side), side // 2
        factors = np.full((half, half), 4, np.float32)
        if way == 'forward':
            return (real(shape), (2, 2), (2, 2), (0, 0), factors), ()
        return (real((1, planes, half, half)), shape, (2, 2), (2, 2), (0, 0), factors), ()
    if op == 'ctc_loss':
        return _ctc_args(way, n, rng), ()
    if op == 'cross_entropy':
        target = rng.integers(0, shape[1], shape[0])
        lead = (real(shape), target) if way == 'forward' else (real(shape), target, gy0)
        return lead + ('mean', None, -100), ()
    if op == 'nll_loss':                 # (the forward reads one value a row of x; counted
        target = rng.integers(0, shape[1], shape[0])       # whole, as an argument)
        if way == 'forward':
            return (real(shape), target, 'mean', None, -100), ()
        total_weight = np.asarray(shape[0], np.float32)
        return (target, gy0, shape, np.dtype(np.float32), 'mean', None, -100,
                total_weight), ()
    if op.endswith('_loss') or op.startswith('binary_cross_entropy'):
        x = (rng.uniform(0.05, 0.95, n).astype(np.float32)
             if op == 'binary_cross_entropy' else real())
        y = rng.uniform(0, 1, n).astype(np.float32) if 'cross' in op else real()
        lead = (x, y) if way == 'forward' else (x, y, gy0)
        return lead + ('mean',) + _LOSS_EXTRA.get(op, ()), ()
    if name == 'sgd_step':
        return (real(), real(), real(), 0.01, 0.9, 0.0, False, 0.0, False), (0, 2)
    if name == 'rmsprop_step':          # centered, with momentum: every state array moves
        # (the mean gradient small next to the mean square, as it is after a few steps)
        return ((real(), real(), positive(), real(), real() * 0.1, 1e-3, 0.99, 1e-8, 0.0, 0.9,
                 True, False), (0, 2, 3, 4))
    if name == 'adagrad_step':
        return (real(), real(), positive(), 1e-2, 1e-10, 0.0, False), (0, 2)
    if name == 'adamax_step':
        return (real(), real(), real(), positive(), 1e-2, 0.9, 0.999, 1e-8, 0.0, False), (0, 2, 3)
    if name == 'nadam_step':
        return ((real(), real(), real(), positive(), 2e-3, 0.9, 0.999, 0.01, 1e-8, 0.0, -1e-3,
                 -2e-3, False, False), (0, 2, 3))
    if name == 'radam_step':          # past the first steps: the rectified update
        return ((real(), real(), real(), positive(), 1e-3, 0.9, 0.999, 0.65, 0.05, 1e-8, 0.0,
                 False, False), (0, 2, 3))
    if name == 'asgd_step':             # averaging (mu < 1): ax is read and written
        return (real(), real(), real(), 0.01, 1e-4, 0.5, 0.0, False), (0, 2)
    if name == 'rprop_step':
        return ((real(), real(), real(), positive() * 0.01, 0.5, 1.2, 1e-6, 50.0, False),
                (0, 2, 3))
    if name == 'adafactor_step':        # a vector: the full variance (the factored case
        # reads per-row and per-column factors, a small share of the bytes)
        return ((real(), real(), None, None, positive(), 0.5, 1e-2, 1e-2, 1e-30, 1e-3, 1.0,
                 0.0, False), (0, 4))
    if name == 'adadelta_step':
        return (real(), real(), positive(), positive(), 1.0, 0.9, 1e-6, 0.0, False), (0, 2, 3)
    if name == 'adam_step':
        return ((real(), real(), real(), positive(), None, 10.0, 1e-3, 0.9, 0.999, 1e-8,
                 0.0, False, False, False), (0, 2, 3))
    domain = positive if op in ('log', 'sqrt', 'reciprocal', 'pow_scalar', 'log1p', 'log2',
                                'log10', 'rsqrt') else real
    if op in ('lgamma', 'digamma', 'polygamma'):
        domain = positive
    if op in ('asin', 'acos', 'atanh') or name == 'erfinv_forward':
        domain = inside_unit
    elif name == 'ndtri_forward':               # probabilities
        domain = probability
    elif op == 'acosh':
        domain = above_one
    lead = (domain(),) if way == 'forward' else (domain(), real())
    return lead + _UNARY_EXTRA.get(op, ()), ()


def _ctc_args(way, n, rng):
    """log_probs (T, 16, 64) of n elements (T = n / 1024, at least 1), targets of 8 to 16
    labels that fit in T steps, every input T long; the backward's saved values from the
    CPU forward."""
    batch, classes = 16, 64
    steps = max(1, n // (batch * classes))
    longest = max(1, min(16, (steps - 1) // 2))
    lp = np.log(rng.dirichlet(np.ones(classes), (steps, batch))).astype(np.float32)
    targets = rng.integers(1, classes, (batch, longest))
    lengths = np.full(batch, steps, np.int64)
    labels = rng.integers(max(1, longest // 2), longest + 1, batch)
    if way == 'forward':
        return lp, targets, lengths, labels, 0
    from microtorch.backends import cpu
    nll, alpha = cpu.ctc_loss_forward(lp, targets, lengths, labels, 0)
    return np.ones(batch, np.float32), lp, targets, lengths, labels, nll, alpha, 0, False


def is_array(value):
    """A NumPy or CuPy array (anything with a shape and a byte size), not a Python value."""
    return hasattr(value, 'nbytes') and hasattr(value, 'shape')


def arrays_of(value):
    if is_array(value):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in arrays_of(v)]
    return []


def bytes_moved(args, inplace, out):
    """Bytes a one-pass kernel must move: every array argument read once, every result (or
    in-place argument) written once."""
    written = [args[i] for i in inplace] if inplace else arrays_of(out)
    return sum(a.nbytes for a in arrays_of(args)) + sum(a.nbytes for a in written)
