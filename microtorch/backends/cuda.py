"""CUDA backend: CuPy arrays, and our kernels (kernels/*.cu) for every primitive.

The primitives have the names and meanings of backends/cpu.py's. Each launches one of our
kernels through `cuda_kernels.Loader` (NVRTC via cupy.RawModule, compiled once per device,
handles kept in a dict). CuPy does only what is glue: allocation from its memory pool,
copies (astype, contiguous copies, concatenate/stack, host <-> device), views, and advanced
indexing; matrix products go to cuBLAS through cupy.matmul.

Importing this module imports nothing from CuPy: `unavailable_reason()` says whether the
backend can run here, and `for_device()` initialises it on first use (imports CuPy,
registers its array type with backends.register, hooks manual_seed).

Random numbers for device='cuda' (rand, randn, randint, dropout masks) are drawn on the
host by microtorch's generator and copied over: one seed gives the same numbers on every
device (a model initialised on the CPU and on the GPU starts from the same weights), at the
price of a host-to-device copy. `manual_seed` also seeds CuPy's own generators, for code
that draws with cupy.random directly.

With several GPUs, each primitive runs on its inputs' device (a guard switches the current
device when it differs; with one GPU the guard is not installed). Arrays a primitive makes
without an input to follow (zeros for a gradient that never arrived, dropout masks) go to
the current device.
"""
import math
import sys
import types

import numpy as np

from .. import _dtype
from .. import _layout as _layouts
from .._device import device as _device
from . import cpu as _cpu
from . import cuda_kernels as _K
from .cuda_memory import reporting_allocator
from .optim_math import adafactor_update as _adafactor_update

name = 'cuda'
device = None           # arrays carry their device: see device_of
xp = None               # cupy, with our argmax/argmin (set by _init)

cp = None               # the cupy module, once initialised
_loader = None
_handles = {}           # (device id, kernel, dtype) -> kernel function
_single = True          # one visible GPU: every launch is on device 0
_max_blocks = {}        # device id -> grid size that fills it (32 blocks per SM)
_sm_count = {}
_devices = {}           # device id -> microtorch device('cuda', id)
_metas = {}             # (device id, meta tuple) -> int64 device array
_plans = {}             # operand layouts -> broadcast plan
_peak = {}              # device id -> highest pool.used_bytes() seen at our allocations
_dummy = {}             # device id -> a 1-element int64 array for unused pointer arguments

_UNSET = object()
_reason = _UNSET
_INSTALL = 'CuPy is not installed (pip install "microtorch[cuda12]" or "microtorch[cuda13]")'


# ---- PyTorch's torch.backends.cuda switches ------------------------------------------------

# (`matmul`'s switches are attributes of the matmul primitive, below: this module is also
# what `microtorch.backends.cuda` names.)

def is_built():
    """Whether this microtorch can run CUDA at all (the backend is always part of it; CuPy
    decides whether it runs: see unavailable_reason)."""
    return True


# ---- availability and initialisation -------------------------------------------------------

def unavailable_reason():
    """None when the CUDA backend can run here; else why not, in words (computed once)."""
    global _reason
    if _reason is _UNSET:
        _reason = _probe()
    return _reason


def _probe():
    try:
        import cupy
    except ModuleNotFoundError as error:
        if error.name == 'cupy':
            return _INSTALL
        return f'CuPy failed to import: {error}'
    except Exception as error:            # installed, but its CUDA libraries did not load
        return f'CuPy failed to import: {error}'
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:            # no driver, driver too old, no device
        text = str(error)
        if 'NoDevice' in text:
            return 'no CUDA device is visible'
        if 'InsufficientDriver' in text:
            return f'the NVIDIA driver is too old for this CuPy ({text})'
        return f'the CUDA runtime failed to start: {text}'
    if count == 0:
        return 'no CUDA device is visible'
    return None


def _init():
    global cp, _loader, _single, xp
    if cp is not None:
        return
    import cupy
    from . import register
    from .. import random as _random
    count = cupy.cuda.runtime.getDeviceCount()
    for i in range(count):
        props = cupy.cuda.runtime.getDeviceProperties(i)
        _sm_count[i] = int(props['multiProcessorCount'])
        _max_blocks[i] = 32 * _sm_count[i]
        _devices[i] = _device('cuda', i)
        _peak[i] = 0
    _single = count == 1
    # Every CuPy allocation (ours and CuPy's own glue) reports OOM with bytes asked and free.
    cupy.cuda.set_allocator(reporting_allocator(cupy, cupy.get_default_memory_pool().malloc))
    _loader = _K.Loader(cupy)
    namespace = _Namespace('microtorch.backends.cuda.xp')
    namespace.__dict__.update({k: v for k, v in vars(cupy).items() if not k.startswith('__')})
    namespace.argmax = _xp_argmax
    namespace.argmin = _xp_argmin
    for like in ('zeros_like', 'ones_like', 'empty_like', 'full_like'):
        setattr(namespace, like, _on_device_of_first(getattr(cupy, like)))
    xp = namespace
    cp = cupy
    if not _single:
        _install_device_guards()
    register(cupy.ndarray, sys.modules[__name__])
    _random._seed_hooks.append(manual_seed)


def _on_device_of_first(fn):
    """fn run on its first argument's device (CuPy's *_like make arrays on the current one;
    autograd's seed gradient, ones_like(loss), must be on the loss's)."""
    def on_device(a, *args, **kwargs):
        dev = a.data.device_id
        if _single or dev == cp.cuda.runtime.getDevice():
            return fn(a, *args, **kwargs)
        with cp.cuda.Device(dev):
            return fn(a, *args, **kwargs)
    on_device.__name__ = fn.__name__
    return on_device


class _Namespace(types.ModuleType):
    """The `xp` of ops/functional.py on CUDA: cupy, except argmax/argmin (our kernels)."""

    def __getattr__(self, attr):
        return getattr(cp, attr)


def for_device(dev):
    """This module, after checking that `dev` ('cuda', 'cuda:N') exists."""
    _init()
    dev = _device(dev)
    if dev.index is not None and not 0 <= dev.index < len(_devices):
        raise RuntimeError('CUDA error: invalid device ordinal (device '
                           f'{dev.index} of {len(_devices)})')
    return sys.modules[__name__]


def current_device():
    return _devices[cp.cuda.runtime.getDevice()]


def device_of(array):
    return _devices[array.data.device_id]


def device_count():
    _init()
    return len(_devices)


def synchronize(device=None):
    _init()
    index = _index(device)
    cp.cuda.Device(index).synchronize()


def _index(device):
    if device is None:
        return cp.cuda.runtime.getDevice()
    if isinstance(device, int):
        return device
    device = _device(device)
    return cp.cuda.runtime.getDevice() if device.index is None else device.index


def manual_seed(seed):
    """Seed CuPy's generators on every device (microtorch's own draws come from the host
    generator, seeded by microtorch.manual_seed)."""
    _init()
    for i in _devices:
        with cp.cuda.Device(i):
            cp.random.seed(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)


# ---- memory --------------------------------------------------------------------------------

def memory_allocated(device=None):
    _init()
    with cp.cuda.Device(_index(device)):
        return int(cp.get_default_memory_pool().used_bytes())


def max_memory_allocated(device=None):
    """The most bytes in use seen at any allocation microtorch made on the device since the
    start (or reset_peak_memory_stats): CuPy's pool keeps no peak of its own."""
    _init()
    index = _index(device)
    _peak[index] = max(_peak[index], memory_allocated(index))
    return _peak[index]


def reset_peak_memory_stats(device=None):
    _init()
    index = _index(device)
    _peak[index] = memory_allocated(index)


def memory_reserved(device=None):
    _init()
    with cp.cuda.Device(_index(device)):
        return int(cp.get_default_memory_pool().total_bytes())


def empty_cache():
    _init()
    for i in _devices:
        with cp.cuda.Device(i):
            cp.get_default_memory_pool().free_all_blocks()


def _empty(shape, dtype):
    """A new array on the current device; notes the pool's high-water mark."""
    out = cp.empty(shape, dtype)
    dev = 0 if _single else cp.cuda.runtime.getDevice()
    used = cp.get_default_memory_pool().used_bytes()
    if used > _peak[dev]:
        _peak[dev] = used
    return out


# ---- helpers every primitive uses -----------------------------------------------------------

def asarray(value, np_dtype=None):
    return cp.asarray(value, dtype=np_dtype)


def to_host(array):
    return array.get()


def from_host(array, device=None):
    """A host (NumPy) array copied to `device` (a microtorch device; None: the current)."""
    with _on(device):
        return cp.asarray(array)


def empty(shape, np_dtype):
    return _empty(shape, np_dtype)


def zeros(shape, np_dtype):
    return cp.zeros(shape, np_dtype)


def full(shape, value, np_dtype):
    return cp.full(shape, value, np_dtype)


def ones_like(array):
    return cp.ones_like(array)


def _on(device):
    """A context that makes `device` (a microtorch device; index None: the current one)
    the current device; a no-op when it already is."""
    index = None if device is None else _device(device).index
    if index is None or index == cp.cuda.runtime.getDevice():
        return _NO_SWITCH
    return cp.cuda.Device(index)


class _NoSwitch:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NO_SWITCH = _NoSwitch()


def full_on(shape, value, np_dtype, device):
    """creation.zeros/ones/full(device='cuda:N'): filled on the device, no host copy."""
    with _on(device):
        return cp.full(shape, value, np_dtype)


def empty_on(shape, np_dtype, device):
    with _on(device):
        return _empty(shape, np_dtype)


def _c(x):
    return x if x.flags.c_contiguous else cp.ascontiguousarray(x)


def _dev():
    return 0 if _single else cp.cuda.runtime.getDevice()


def _kernel(kernel, dtype):
    dev = _dev()
    key = (dev, kernel, dtype)
    fn = _handles.get(key)
    if fn is None:
        narrow = np.dtype(dtype)
        try:
            fn = _loader.get(dev, kernel, narrow.name)
        except KeyError:
            fn = _widened_kernel(dev, kernel, narrow)
        _handles[key] = fn
    return fn


# The dtypes the kernels have no instances of, and those each runs in instead, first choice
# first: float16 in float32 (PyTorch's own opmath), the small integers in int32 or int64
# (their results wrap back when cast down). Not int32: an int32 scalar argument may be a
# count or a flag rather than a value of the array's dtype.
_INTEGERS = (np.dtype(np.int32), np.dtype(np.int64))
_WIDER = {'float16': (np.dtype(np.float32),), 'int8': _INTEGERS, 'uint8': _INTEGERS,
          'int16': _INTEGERS}


def _widened_kernel(dev, kernel, narrow):
    """A launcher of `kernel`'s instance for the wider dtype that takes arrays (and scalar
    parameters) of the narrow one: each narrow array goes in as a wide copy and is written
    back after the launch (outputs and += buffers; inputs come back unchanged). Two extra
    passes over each array: correct, not fast."""
    fn = None
    for wide in _WIDER.get(narrow.name, ()):
        try:
            fn = _loader.get(dev, kernel, wide.name)
            break
        except KeyError:
            continue
    if fn is None:
        raise RuntimeError(f'"{kernel}_cuda" not implemented for '
                           f"'{_dtype.type_name(narrow)}'") from None
    scalar = narrow.type

    def launch(grid, block, args, **options):
        copies = {}                        # id(narrow array) -> (it, its wide copy)
        wide_args = []
        for a in args:
            if isinstance(a, cp.ndarray) and a.dtype == narrow:
                if id(a) not in copies:
                    copies[id(a)] = (a, _wide_copy(a, wide))
                a = copies[id(a)][1]
            elif type(a) is scalar:
                a = wide.type(a)
            wide_args.append(a)
        fn(grid, block, tuple(wide_args), **options)
        for original, copy in copies.values():
            try:
                original[...] = copy.astype(narrow)
            except ValueError:                 # a read-only input (the CPU emulator's)
                pass
    return launch


def _wide_copy(a, wide):
    """`a` in the wider dtype with its elements at the same element strides: launchers pass
    a strided operand's strides (in elements) beside its pointer."""
    if a.flags.c_contiguous:
        return a.astype(wide)
    steps = [s // a.itemsize for s in a.strides]
    if any(s < 0 for s in steps):
        raise RuntimeError('a kernel for a negatively strided '
                           f"'{_dtype.type_name(a.dtype)}' tensor")
    extent = 1 + sum((n - 1) * s for n, s in zip(a.shape, steps)) if a.size else 1
    copy = cp.lib.stride_tricks.as_strided(cp.empty(extent, wide), a.shape,
                                          [s * wide.itemsize for s in steps])
    copy[...] = a
    return copy


def _grid(n, block=256):
    """Blocks for a grid-stride loop over n items: enough to fill the GPU, no more."""
    return max(1, min((n + block - 1) // block, _max_blocks[_dev()]))


def _launch(kernel, dtype, grid, args, block=256):
    _kernel(kernel, dtype)((grid,), (block,), args)


def _i64(v):
    return np.int64(v)


def _i32(v):
    return np.int32(v)


def _dummy_pointer():
    """A valid device pointer for a pointer argument the kernel will not read."""
    dev = _dev()
    d = _dummy.get(dev)
    if d is None:
        d = _dummy[dev] = cp.zeros(1, np.int64)
    return d


def _meta(values):
    """An int64 device array of `values` (shapes, strides), made once per device."""
    key = (_dev(), values)
    m = _metas.get(key)
    if m is None:
        if len(_metas) > 4096:
            _metas.clear()
        m = _metas[key] = cp.asarray(np.array(values, np.int64))
    return m


# ---- elementwise unary ------------------------------------------------------------------

def _unary(kernel, x, *params):
    x = _c(x)
    y = _empty(x.shape, x.dtype)
    n = x.size
    if n:
        _launch(kernel, x.dtype, _grid(n), (x, y, _i64(n)) + params)
    return y


def _gy_operand(gy, shape=None):
    """gy as a kernel operand over `shape` (gy's own by default): contiguous (kind 0), or
    one element standing for all (kind 2: a broadcast view of a 0-d gradient, as a sum's
    backward makes)."""
    if shape is not None and gy.shape != shape:
        if gy.size == 1:
            return gy, 2
        gy = cp.broadcast_to(gy, shape)
    if gy.flags.c_contiguous:
        return gy, 0
    if gy.size and not any(gy.strides):
        return gy, 2
    return cp.ascontiguousarray(gy), 0


def _unary_backward(kernel, s, gy, *params):
    s = _c(s)
    gy, kgy = _gy_operand(gy, s.shape)
    gx = _empty(s.shape, gy.dtype)
    n = s.size
    if n:
        _launch(kernel, s.dtype, _grid(n), (s, gy, gx, _i64(n), _i32(kgy)) + params +
                (_i32(0),))
    return gx


def neg_forward(x):
    return _unary('neg_forward', x)


def neg_backward(_unused, gy):
    gy, kgy = _gy_operand(gy)
    gx = _empty(gy.shape, gy.dtype)
    n = gx.size
    if n:
        _launch('neg_backward', gy.dtype, _grid(n), (gy, gy, gx, _i64(n), _i32(kgy), _i32(0)))
    return gx


def _unary_pair(op):
    """The forward and backward primitives of a unary op without parameters."""
    def forward(x):
        return _unary(op + '_forward', x)

    def backward(saved, gy):
        return _unary_backward(op + '_backward', saved, gy)
    forward.__name__, backward.__name__ = op + '_forward', op + '_backward'
    return forward, backward


abs_forward, abs_backward = _unary_pair('abs')
exp_forward, exp_backward = _unary_pair('exp')
log_forward, log_backward = _unary_pair('log')
sqrt_forward, sqrt_backward = _unary_pair('sqrt')
sin_forward, sin_backward = _unary_pair('sin')
cos_forward, cos_backward = _unary_pair('cos')
tanh_forward, tanh_backward = _unary_pair('tanh')
sigmoid_forward, sigmoid_backward = _unary_pair('sigmoid')
reciprocal_forward, reciprocal_backward = _unary_pair('reciprocal')
relu_forward, relu_backward = _unary_pair('relu')
log1p_forward, log1p_backward = _unary_pair('log1p')
expm1_forward, expm1_backward = _unary_pair('expm1')
log2_forward, log2_backward = _unary_pair('log2')
log10_forward, log10_backward = _unary_pair('log10')
rsqrt_forward, rsqrt_backward = _unary_pair('rsqrt')
tan_forward, tan_backward = _unary_pair('tan')
silu_forward, silu_backward = _unary_pair('silu')
sinh_forward, sinh_backward = _unary_pair('sinh')
cosh_forward, cosh_backward = _unary_pair('cosh')
asin_forward, asin_backward = _unary_pair('asin')
acos_forward, acos_backward = _unary_pair('acos')
atan_forward, atan_backward = _unary_pair('atan')
asinh_forward, asinh_backward = _unary_pair('asinh')
acosh_forward, acosh_backward = _unary_pair('acosh')
atanh_forward, atanh_backward = _unary_pair('atanh')


def _typed(dtype, *values):
    """Scalar kernel arguments in the array's type (T in the kernel's signature)."""
    t = np.dtype(dtype).type
    return tuple(t(v) for v in values)


def elu_forward(x, alpha, scale, input_scale):
    return _unary('elu_forward', x, *_typed(x.dtype, alpha, scale, input_scale))


def elu_backward(x, gy, alpha, scale, input_scale):
    return _unary_backward('elu_backward', x, gy, *_typed(x.dtype, alpha, scale, input_scale))


def gelu_forward(x, approximate):
    return _unary('gelu_forward', x, _i32(approximate == 'tanh'))


def gelu_backward(x, gy, approximate):
    return _unary_backward('gelu_backward', x, gy, _i32(approximate == 'tanh'))


softsign_forward, softsign_backward = _unary_pair('softsign')
mish_forward, mish_backward = _unary_pair('mish')
hardsigmoid_forward, hardsigmoid_backward = _unary_pair('hardsigmoid')
hardswish_forward, hardswish_backward = _unary_pair('hardswish')
erf_forward, erf_backward = _unary_pair('erf')
exp2_forward, exp2_backward = _unary_pair('exp2')


def hardtanh_forward(x, min_val, max_val):
    return _unary('hardtanh_forward', x, *_typed(x.dtype, min_val, max_val))


def hardtanh_backward(x, gy, min_val, max_val):
    return _unary_backward('hardtanh_backward', x, gy, *_typed(x.dtype, min_val, max_val))


def shrink_forward(x, lambd, soft):
    return _unary('shrink_forward', x, *_typed(x.dtype, lambd), _i32(soft))


def shrink_backward(x, gy, lambd, soft):
    return _unary_backward('shrink_backward', x, gy, *_typed(x.dtype, lambd), _i32(soft))


def threshold_forward(x, threshold, value):
    return _unary('threshold_forward', x, *_typed(x.dtype, threshold, value))


def threshold_backward(x, gy, threshold, value):
    return _unary_backward('threshold_backward', x, gy, *_typed(x.dtype, threshold, value))


def frac_forward(x):
    return _unary('frac_forward', x)


# The special functions (their device functions are in kernels/unary.cu)
lgamma_forward, lgamma_backward = _unary_pair('lgamma')
digamma_forward, digamma_backward = _unary_pair('digamma')
erfc_forward, erfc_backward = _unary_pair('erfc')
erfinv_forward, erfinv_backward = _unary_pair('erfinv')
ndtri_forward, ndtri_backward = _unary_pair('ndtri')
i0_forward, i0_backward = _unary_pair('i0')
i1_forward, i1_backward = _unary_pair('i1')


def polygamma_forward(x, n):
    return _unary('polygamma_forward', x, _i64(n))


def polygamma_backward(x, gy, n):
    return _unary_backward('polygamma_backward', x, gy, _i64(n))


# Piecewise-constant ops: a forward kernel each; their zero gradient needs none.
def sign_forward(x):
    return _unary('sign_forward', x)


def floor_forward(x):
    return _unary('floor_forward', x)


def ceil_forward(x):
    return _unary('ceil_forward', x)


def trunc_forward(x):
    return _unary('trunc_forward', x)


def round_forward(x, decimals):
    t = x.dtype.type
    return _unary('round_forward', x, t(10.0 ** abs(decimals)), _i32(decimals))


def _bounds(dtype, lo, hi):
    t = np.dtype(dtype).type
    return (t(0 if lo is None else lo), t(0 if hi is None else hi), _i32(lo is not None),
            _i32(hi is not None))


def clamp_forward(x, lo, hi):
    return _unary('clamp_forward', x, *_bounds(x.dtype, lo, hi))


def clamp_backward(x, gy, lo, hi):
    return _unary_backward('clamp_backward', x, gy, *_bounds(x.dtype, lo, hi))


def pow_scalar_forward(x, exponent):
    return _unary('pow_scalar_forward', x, np.float64(exponent))


def pow_scalar_backward(x, gy, exponent):
    return _unary_backward('pow_scalar_backward', x, gy, np.float64(exponent))


def leaky_relu_forward(x, negative_slope):
    return _unary('leaky_relu_forward', x, x.dtype.type(negative_slope))


def leaky_relu_backward(x, gy, negative_slope):
    return _unary_backward('leaky_relu_backward', x, gy, x.dtype.type(negative_slope))


def softplus_forward(x, beta, threshold):
    t = x.dtype.type
    return _unary('softplus_forward', x, t(beta), t(threshold))


def softplus_backward(x, gy, beta, threshold):
    t = x.dtype.type
    return _unary_backward('softplus_backward', x, gy, t(beta), t(threshold))


def dropout_mask(generator, shape, p, np_dtype):
    """Inverted dropout's mask, drawn on the host by microtorch's generator (the same mask
    as the CPU backend's for a seed) and copied to the current device."""
    if p >= 1:
        return cp.zeros(shape, np_dtype)
    return cp.asarray(_cpu.dropout_mask(generator, shape, p, np_dtype))


# ---- broadcasting: operand kinds and the strided plan -------------------------------------
# kinds, as binary.cu reads them: 0 contiguous at the output's shape, 1 a number passed by
# value, 2 one element, 3 strided (offsets from the meta array).

def _contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


def _plan(layouts, out_shape=None):
    """(out shape, kinds, meta values or None) for operands given as (shape, strides in
    elements) or None (a number). Dims that every strided operand walks contiguously are
    merged first, so that most broadcasts need one or two dims of index arithmetic."""
    key = (layouts, out_shape)
    plan = _plans.get(key)
    if plan is not None:
        return plan
    shapes = [lay[0] for lay in layouts if lay is not None]
    if out_shape is None:
        out_shape = tuple(np.broadcast_shapes(*shapes)) if shapes else ()
    nd = len(out_shape)
    kinds, strides = [], []
    for lay in layouts:
        if lay is None:
            kinds.append(1)
            strides.append(None)
            continue
        shape, st = lay
        if shape == out_shape and _is_contiguous(shape, st):
            kinds.append(0)
            strides.append(None)
        elif math.prod(shape) == 1:
            kinds.append(2)
            strides.append(None)
        else:
            lead = nd - len(shape)
            full = [0] * lead + [0 if n == 1 else s for n, s in zip(shape, st)]
            kinds.append(3)
            strides.append(full)
    meta = None
    if 3 in kinds:
        dims = [d for d in range(nd) if out_shape[d] != 1]
        merged = []                       # [(size, [stride per strided operand])]
        for d in dims:
            st = [s[d] for s in strides if s is not None]
            if merged and all(p == q * out_shape[d] for p, q in zip(merged[-1][1], st)):
                merged[-1] = (merged[-1][0] * out_shape[d], st)
            else:
                merged.append((out_shape[d], st))
        sizes = tuple(m[0] for m in merged)
        contiguous = _contiguous_strides(sizes)
        per_operand, j = [], 0
        for k, s in enumerate(strides):
            if s is None:
                per_operand.append((0,) * len(sizes))
                continue
            mine = tuple(m[1][j] for m in merged)
            j += 1
            if mine == contiguous:
                kinds[k] = 0
            elif not any(mine):
                kinds[k] = 2
            per_operand.append(mine)
        if 3 in kinds:
            meta = (len(sizes),) + sizes + tuple(v for s in per_operand for v in s)
    plan = (out_shape, tuple(kinds), meta)
    if len(_plans) > 4096:
        _plans.clear()
    _plans[key] = plan
    return plan


def _is_contiguous(shape, strides):
    step = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1 and s != step:
            return False
        step *= n
    return True


def _layout(a):
    """(shape, strides in elements) of an array; None for a number."""
    if not isinstance(a, cp.ndarray):
        return None
    item = a.itemsize
    return a.shape, tuple(s // item for s in a.strides)


def _operands(values, dtype, out_shape=None):
    """(out shape, kernel arguments (pointer, kind, number) per operand, meta array)."""
    out_shape, kinds, meta = _plan(tuple(_layout(v) for v in values), out_shape)
    t = np.dtype(dtype).type
    ops = []
    for v, k in zip(values, kinds):
        if k == 1:
            ops.append((None, 1, t(v)))
        else:
            ops.append((v, k, t(0)))
    return out_shape, ops, (_meta(meta) if meta is not None else _dummy_pointer())


_SCALAR_RESULT = {}      # (array dtype, type of the number) -> NumPy's result dtype


def _common_dtype(a, b):
    """a and b in the dtype NumPy would compute in (the ops have promoted already; this
    keeps the primitives' results equal to the CPU backend's when called directly)."""
    a_arr, b_arr = isinstance(a, cp.ndarray), isinstance(b, cp.ndarray)
    if a_arr and b_arr:
        if a.dtype == b.dtype:
            return a, b, a.dtype
        dtype = np.result_type(a.dtype, b.dtype)
        return a.astype(dtype), b.astype(dtype), dtype
    array, number = (a, b) if a_arr else (b, a)
    key = (array.dtype, type(number))
    dtype = _SCALAR_RESULT.get(key)
    if dtype is None:
        dtype = _SCALAR_RESULT[key] = np.result_type(array.dtype, number)
    if dtype != array.dtype:
        array = array.astype(dtype)
    return (array, b, dtype) if a_arr else (a, array, dtype)


def _binary(kernel, a, b):
    a, b, dtype = _common_dtype(a, b)
    if type(a) is type(b) and a.shape == b.shape and a.flags.c_contiguous and \
            b.flags.c_contiguous:            # the common case: no plan needed
        out = _empty(a.shape, dtype)
        n = out.size
        if n:
            zero = dtype.type(0)
            _launch(kernel, dtype, _grid(n), (a, b, out, _i64(n), zero, zero, _i32(0),
                                              _i32(0), _dummy_pointer()))
        return out
    out_shape, ((pa, ka, sa), (pb, kb, sb)), meta = _operands((a, b), dtype)
    out = _empty(out_shape, dtype)
    n = out.size
    if n:
        _launch(kernel, dtype, _grid(n), (out if pa is None else pa, out if pb is None else pb,
                                          out, _i64(n), sa, sb, _i32(ka), _i32(kb), meta))
    return out


def add_forward(a, b):
    return _binary('add_forward', a, b)


def sub_forward(a, b):
    return _binary('sub_forward', a, b)


def mul_forward(a, b):
    return _binary('mul_forward', a, b)


def div_forward(a, b):
    return _binary('div_forward', a, b)


def pow_forward(a, b):
    return _binary('pow_forward', a, b)


def floor_divide_forward(a, b):
    return _binary('floor_divide_forward', a, b)


def trunc_divide_forward(a, b):
    return _binary('trunc_divide_forward', a, b)


def remainder_forward(a, b):
    return _binary('remainder_forward', a, b)


def fmod_forward(a, b):
    return _binary('fmod_forward', a, b)


def atan2_forward(a, b):
    return _binary('atan2_forward', a, b)


def hypot_forward(a, b):
    return _binary('hypot_forward', a, b)


def maximum_forward(a, b):
    return _binary('maximum_forward', a, b)


def minimum_forward(a, b):
    return _binary('minimum_forward', a, b)


_COMPARE = {'equal': 0, 'not_equal': 1, 'less': 2, 'less_equal': 3, 'greater': 4,
            'greater_equal': 5}


def compare(op, a, b):
    """op: a NumPy/CuPy comparison ufunc (or its name); the result is a bool array."""
    code = _COMPARE[op if isinstance(op, str) else op.__name__]
    a, b, dtype = _common_dtype(a, b)
    out_shape, ((pa, ka, sa), (pb, kb, sb)), meta = _operands((a, b), dtype)
    out = _empty(out_shape, np.bool_)
    n = out.size
    if n:
        _launch('compare_forward', dtype, _grid(n),
                (_dummy_like(dtype) if pa is None else pa, _dummy_like(dtype) if pb is None
                 else pb, out, _i64(n), sa, sb, _i32(ka), _i32(kb), meta, _i32(code)))
    return out


def _dummy_like(dtype):
    """A 1-element array of `dtype` for a pointer argument the kernel will not read."""
    key = (_dev(), np.dtype(dtype))
    d = _dummy.get(key)
    if d is None:
        d = _dummy[key] = cp.zeros(1, dtype)
    return d


def where_forward(cond, a, b):
    a, b, dtype = _common_dtype(a, b)
    out_shape, ((pc, kc, _), (pa, ka, sa), (pb, kb, sb)), meta = _operands(
        (cond, a, b), dtype)
    out = _empty(out_shape, dtype)
    n = out.size
    if n:
        _launch('where_forward', dtype, _grid(n),
                (pc, out if pa is None else pa, out if pb is None else pb, out, _i64(n), sa,
                 sb, _i32(kc), _i32(ka), _i32(kb), meta))
    return out


def _extreme_backward(kernel, a, b, gy):
    a, b, dtype = _common_dtype(a, b)
    out_shape, ((pa, ka, sa), (pb, kb, sb)), meta = _operands((a, b), dtype, gy.shape)
    gy = _c(gy)
    ga, gb = _empty(gy.shape, gy.dtype), _empty(gy.shape, gy.dtype)
    n = gy.size
    if n:
        _launch(kernel, dtype, _grid(n),
                (ga if pa is None else pa, ga if pb is None else pb, gy, ga, gb, _i64(n), sa,
                 sb, _i32(ka), _i32(kb), meta))
    return ga, gb


def maximum_backward(a, b, gy):
    """Grads of maximum(a, b): the larger side takes gy, ties split it in half (PyTorch)."""
    return _extreme_backward('maximum_backward', a, b, gy)


def minimum_backward(a, b, gy):
    return _extreme_backward('minimum_backward', a, b, gy)


# ---- reductions ------------------------------------------------------------------------------
# A reduction views its input as contiguous [outer, n, inner] and reduces n (reduction.cu).

def _reduce_config(outer, n, inner):
    """(group, chunk, grid) for a [outer, n, inner] reduction on the current device."""
    sm = _sm_count[_dev()]
    chunk = max(n, 1)
    if inner == 1:
        group = 32 if n <= 1024 else 256
        if group == 256 and outer < 4 * sm and n > 8192:       # too few rows: cut them
            chunks = min(-(-4 * sm // outer), -(-n // 4096))
            chunk = -(-n // chunks)
        units = outer * -(-n // chunk)
        per_block = 8 if group == 32 else 1
        return group, chunk, _grid_units(-(-units // per_block))
    threads = outer * inner
    if threads < 256 * sm and n > 64:                            # too few columns: cut them
        chunks = min(-(-512 * sm // threads), -(-n // 32))
        chunk = -(-n // chunks)
    return 256, chunk, _grid(outer * -(-n // chunk) * inner)


def _grid_units(blocks):
    return max(1, min(blocks, _max_blocks[_dev()]))


def _reduce_launch(kernel, dtype, x, outer, n, inner, tail=()):
    """Run a reduction kernel over contiguous x viewed as [outer, n, inner] (n >= 1) and
    return a flat [outer * inner] array. Rows too long for the rows there are cut into
    chunks: the partials, [outer, chunks, inner], are reduced by further launches of the
    same kernel (`first` = 0), as rows (columns of partials are transposed first: a small
    copy, and then each reduction has a warp or a block instead of one thread)."""
    first = 1
    while True:
        group, chunk, grid = _reduce_config(outer, n, inner)
        chunks = -(-n // chunk)
        head = (_i64(outer), _i64(n), _i64(inner), _i64(chunk), _i32(group), _i32(first))
        if chunks == 1:
            out = _empty((outer * inner,), dtype)
            _launch(kernel, dtype, grid, (x, out) + head + (_i32(1),) + tail)
            return out
        partial = _empty((outer * chunks * inner,), dtype)
        _launch(kernel, dtype, grid, (x, partial) + head + (_i32(0),) + tail)
        x, n, first = partial, chunks, 0
        if inner > 1:
            x = _columns_as_rows(x, outer, chunks, inner)
            outer, inner = outer * inner, 1


def _columns_as_rows(partial, outer, chunks, inner):
    """[outer, chunks, inner] partials as contiguous [outer * inner, chunks]: row o * inner
    + j is still output row o * inner + j (what var's mean and logsumexp's max index)."""
    return cp.ascontiguousarray(partial.reshape(outer, chunks, inner).transpose(0, 2, 1))


def _runs(dims):
    """Sorted dims split into runs of consecutive dims: (0, 2, 3) -> [(0, 1), (2, 4)]."""
    runs = []
    for d in sorted(dims):
        if runs and runs[-1][1] == d:
            runs[-1][1] = d + 1
        else:
            runs.append([d, d + 1])
    return [tuple(r) for r in runs]


def _kept_shape(shape, dims):
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def _result_shape(shape, dims, keepdim):
    if keepdim:
        return _kept_shape(shape, dims)
    return tuple(n for i, n in enumerate(shape) if i not in dims)


def _normalise_dims(x, dims):
    if dims is None:
        return tuple(range(x.ndim))
    if isinstance(dims, int):
        dims = (dims,)
    return tuple(sorted(d + x.ndim if d < 0 else d for d in dims))


def _associative(kernel, x, dims, keepdim, tail=()):
    """sum/max/min over any dims: one pass per run of consecutive dims, innermost first
    (each pass reads the previous, smaller result)."""
    dims = _normalise_dims(x, dims)
    final = _result_shape(x.shape, dims, keepdim)
    if not dims:
        return x.copy()
    x = _c(x)
    shape = list(x.shape)
    for start, stop in reversed(_runs(dims)):
        outer = math.prod(shape[:start])
        n = math.prod(shape[start:stop])
        inner = math.prod(shape[stop:])
        x = _reduce_launch(kernel, x.dtype, x, outer, n, inner, tail)
        shape[start:stop] = [1] * (stop - start)
    return x.reshape(final)


def _empty_reduction(name, x, dims):
    dims = _normalise_dims(x, dims)
    if any(x.shape[d] == 0 for d in dims) or not dims and x.size == 0:
        raise ValueError(f'zero-size array to reduction operation {name} which has no '
                         'identity')


def sum_forward(x, dims, keepdim):
    if x.dtype.kind == 'b':              # a count of bools (ops give other integers as int64
        x = x.astype(np.int64)           # unless sum(dtype=) asks to keep theirs)
    elif x.dtype == np.int32:            # no int32 instance: summed in int64, wrapped back
        return sum_forward(x.astype(np.int64), dims, keepdim).astype(np.int32)
    dims_n = _normalise_dims(x, dims)
    if x.size == 0:
        return cp.zeros(_result_shape(x.shape, dims_n, keepdim), x.dtype)
    return _associative('sum_forward', x, dims_n, keepdim, (x.dtype.type(1),))


def sum_to_shape(g, shape):
    """Undo broadcasting: sum `g` down to `shape` (leading dims, then size-1 dims)."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = sum_forward(g, axes, True)
    if lead:
        g = g.reshape(shape)
    return g


def prod_forward(x, dims, keepdim):
    dims_n = _normalise_dims(x, dims)
    if x.size == 0:
        return cp.ones(_result_shape(x.shape, dims_n, keepdim), x.dtype)
    return _associative('prod_forward', x, dims_n, keepdim)


def _scan(kernel, x, dim):
    """A scan along dim of contiguous x viewed as [outer, n, inner] (scan.cu)."""
    x = _c(x)
    y = _empty(x.shape, x.dtype)
    if y.size:
        shape = x.shape or (1,)
        outer, n, inner = math.prod(shape[:dim]), shape[dim], math.prod(shape[dim + 1:])
        grid = _grid_units(outer) if inner == 1 else _grid(outer * inner)
        _launch(kernel, x.dtype, grid, (x, y, _i64(outer), _i64(n), _i64(inner)))
    return y


def cumsum_forward(x, dim):
    return _scan('cumsum_forward', x, dim)


def cumsum_backward(gy, dim):
    return _scan('cumsum_backward', gy, dim)


def max_forward(x, dims, keepdim):
    _empty_reduction('maximum', x, dims)
    return _associative('max_forward', x, dims, keepdim)


def min_forward(x, dims, keepdim):
    _empty_reduction('minimum', x, dims)
    return _associative('min_forward', x, dims, keepdim)


def _as_one_run(x, dims):
    """x contiguous with `dims` (sorted) moved together when they are not already one run
    (one copy); returns (x, outer, n, inner)."""
    if len(_runs(dims)) > 1:
        kept = [d for d in range(x.ndim) if d not in dims]
        x = x.transpose(kept + list(dims))
        dims = tuple(range(len(kept), x.ndim))
    x = _c(x)
    start, stop = (dims[0], dims[-1] + 1) if dims else (x.ndim, x.ndim)
    return (x, math.prod(x.shape[:start]), math.prod(x.shape[start:stop]),
            math.prod(x.shape[stop:]))


def var_forward(x, dims, correction, keepdim):
    dims = _normalise_dims(x, dims)
    final = _result_shape(x.shape, dims, keepdim)
    xr, outer, n, inner = _as_one_run(x, dims)
    if n == 0 or xr.size == 0:
        return cp.full(final, np.nan, x.dtype)
    t = x.dtype.type
    mean = _reduce_launch('sum_forward', x.dtype, xr, outer, n, inner, (t(1.0 / n),))
    dof = n - correction
    scale = t(1.0 / dof) if dof > 0 else t(math.inf)
    out = _reduce_launch('var_forward', x.dtype, xr, outer, n, inner, (scale, mean))
    return out.reshape(final)


def std_forward(x, dims, correction, keepdim):
    """std: the square root of var_forward's result."""
    return cp.sqrt(var_forward(x, dims, correction, keepdim))


def var_mean_forward(x, dims, correction, keepdim, take_sqrt=False):
    """(var, or std with take_sqrt, and mean) over dims: var_forward's and sum / count."""
    y = (std_forward if take_sqrt else var_forward)(x, dims, correction, keepdim)
    count = math.prod(x.shape[d] for d in _normalise_dims(x, dims))
    return y, sum_forward(x, dims, keepdim) / count


def logsumexp_forward(x, dims, keepdim):
    dims = _normalise_dims(x, dims)
    final = _result_shape(x.shape, dims, keepdim)
    xr, outer, n, inner = _as_one_run(x, dims)
    if n == 0:                        # over a size-0 dim: log(0) = -inf, as PyTorch
        return cp.full(final, -np.inf, x.dtype)
    if xr.size == 0:
        return cp.empty(final, x.dtype)
    m = _reduce_launch('max_forward', x.dtype, xr, outer, n, inner)
    return _reduce_launch('logsumexp_forward', x.dtype, xr, outer, n, inner,
                          (m,)).reshape(final)


def _arg_extreme(kernel, x, dim, keepdim):
    if x.size == 0:
        raise ValueError(f'attempt to get {kernel[:6]} of an empty sequence')
    if dim is None:
        xr, outer, n, inner = _c(x).reshape(-1), 1, x.size, 1
        final = (1,) * x.ndim if keepdim else ()
    else:
        dim = dim + x.ndim if dim < 0 else dim
        xr, outer, n, inner = _as_one_run(x, (dim,))
        final = _result_shape(x.shape, (dim,), keepdim)
    first, xi = 1, _dummy_pointer()
    while True:                          # as _reduce_launch, with (value, index) partials
        group, chunk, grid = _reduce_config(outer, n, inner)
        chunks = -(-n // chunk)
        head = (_i64(outer), _i64(n), _i64(inner), _i64(chunk), _i32(group), _i32(first))
        if chunks == 1:
            out_i = _empty((outer * inner,), np.int64)
            _launch(kernel, x.dtype, grid, (xr, xi, xr, out_i) + head + (_i32(1),))
            return out_i.reshape(final)
        values = _empty((outer * chunks * inner,), x.dtype)
        index = _empty((outer * chunks * inner,), np.int64)
        _launch(kernel, x.dtype, grid, (xr, xi, values, index) + head + (_i32(0),))
        xr, xi, n, first = values, index, chunks, 0
        if inner > 1:
            xr = _columns_as_rows(xr, outer, chunks, inner)
            xi = _columns_as_rows(xi, outer, chunks, inner)
            outer, inner = outer * inner, 1


def argsort(x, dim, descending, stable=True):
    """int64 indices that sort x along dim: CuPy's argsort (a library sort, not ours, whose
    ties are not PyTorch's CUDA ones), on the CPU backend's key (NaN as the largest value)."""
    from .cpu import _sort_key
    key = _sort_key(cp, _c(x), descending)
    if descending and x.dtype.kind == 'f':      # NaN before +inf, which share the key -inf
        key = cp.where(cp.isposinf(x), -np.finfo(np.float64).max, key.astype(np.float64))
    return cp.argsort(key, axis=dim).astype(np.int64)


def top_indices(x, k, dim, largest, in_order=True):
    """argsort's first k along dim (cpu.top_indices' partition is a CPU saving)."""
    return cp.take(argsort(x, dim, largest), cp.arange(k), axis=dim)


def kth_indices(x, k, dim):
    """kthvalue's index along dim (kept, size 1), k from 1."""
    return cp.take(argsort(x, dim, False), cp.asarray([k - 1]), axis=dim)


def mode_indices(rows, by_runs):
    """mode's index per row: the stable order's (PyTorch's CUDA mode is not followed)."""
    return by_runs()[0]


def argmax(x, dim, keepdim):
    return _arg_extreme('argmax_forward', x, dim, keepdim)


def argmin(x, dim, keepdim):
    return _arg_extreme('argmin_forward', x, dim, keepdim)


def _xp_argmax(a, axis=None, out=None, keepdims=False):
    return argmax(a, axis, keepdims)


def _xp_argmin(a, axis=None, out=None, keepdims=False):
    return argmin(a, axis, keepdims)


# ---- gather / scatter, indexing -------------------------------------------------------------

def gather(x, index, dim):
    """out[p] = x[p with p[dim] = index[p]]; x may be any strided view."""
    if x.ndim == 0:
        return gather(x.reshape(1), index.reshape(1), 0).reshape(())
    dim = dim + x.ndim if dim < 0 else dim
    index = _c(index)
    out = _empty(index.shape, x.dtype)
    n = out.size
    if n:
        item = x.itemsize
        meta = _meta((x.ndim, dim, x.shape[dim]) + index.shape +
                     tuple(s // item for s in x.strides))
        _launch('gather_forward', x.dtype, _grid(n), (x, index, out, _i64(n), meta))
    return out


def scatter_add(index, values, dim, shape):
    """Zeros of `shape` plus `values` added at `index` along `dim`; repeated indices add."""
    out = cp.zeros(shape, values.dtype)
    if len(shape) == 0:
        return scatter_add(index.reshape(1), values.reshape(1), 0, (1,)).reshape(())
    dim = dim + len(shape) if dim < 0 else dim
    index, values = _c(index), _c(values)
    n = values.size
    if n:
        meta = _meta((len(shape), dim, shape[dim]) + index.shape + _contiguous_strides(shape))
        _launch('gather_backward', values.dtype, _grid(n), (values, index, out, _i64(n), meta))
    return out


def _scatter_launch(kernel, x, index, src, dim, *extra):
    """A contiguous copy of x with `kernel` scattering src (an array, or a number) into it at
    index along dim."""
    if x.ndim == 0 or index.ndim == 0:          # taken as 1-D, as PyTorch does
        out = _scatter_launch(kernel, x.reshape(-1), index.reshape(-1),
                              src.reshape(-1) if isinstance(src, cp.ndarray) else src, 0,
                              *extra)
        return out.reshape(x.shape)
    dim = dim + x.ndim if dim < 0 else dim
    out = cp.array(x, order='C', copy=True)
    n = index.size
    if n:
        if isinstance(src, cp.ndarray):
            src = _c(src[tuple(slice(k) for k in index.shape)])
        else:
            src = cp.full(index.shape, src, x.dtype)
        meta = _meta((x.ndim, dim, x.shape[dim]) + index.shape +
                     _contiguous_strides(x.shape))
        _launch(kernel, x.dtype, _grid(n), (src, _c(index), out, _i64(n), meta) + extra)
    return out


def scatter(x, index, src, dim):
    """A copy of x with src[p] (or the number src) at p with p[dim] = index[p]."""
    return _scatter_launch('scatter_forward', x, index, src, dim)


_SCATTER_MODES = {'sum': 0, 'prod': 1, 'amax': 2, 'amin': 3}


def scatter_reduce(x, index, src, dim, reduce):
    """A copy of x with src[p] combined into p with p[dim] = index[p] ('sum', 'prod',
    'amax', 'amin'; every repeat counts)."""
    return _scatter_launch('scatter_reduce_forward', x, index, src, dim,
                           _i32(_SCATTER_MODES[reduce]))


def contiguous(x):
    """x as a C-contiguous array (CuPy's copy where it is not one)."""
    return cp.ascontiguousarray(x)


def reshape(x, shape):
    return x.reshape(shape)


def windows_forward(x, kernel, stride, dilation, channels_inside):
    """cpu.windows_forward: a thread per element of the windows (x any strided view)."""
    from .cpu import _window_counts
    counts = _window_counts(x.shape, kernel, stride, dilation)
    dims = len(kernel)
    shape = (x.shape[:1] + counts + x.shape[1:2] + tuple(kernel) if channels_inside
             else x.shape[:2] + counts + tuple(kernel))
    out = _empty(shape, x.dtype)
    if out.size:
        strides = tuple(s // x.itemsize for s in x.strides)
        meta = _windows_meta(x.shape, counts, kernel, stride, dilation, channels_inside,
                             strides[:2] + (0,) * (3 - dims) + strides[2:])
        _launch('windows_forward', x.dtype, _grid(out.size), (x, out, _i64(out.size), meta))
    return out


def windows_backward(gy, shape, kernel, stride, dilation, channels_inside):
    """cpu.windows_backward: a thread per element of x summing the windows that read it."""
    from .cpu import _window_counts
    out = _empty(shape, gy.dtype)
    if out.size:
        counts = _window_counts(shape, kernel, stride, dilation)
        meta = _windows_meta(shape, counts, kernel, stride, dilation, channels_inside,
                             (0,) * 5)
        _launch('windows_backward', gy.dtype, _grid(out.size),
                (_c(gy), out, _i64(out.size), meta))
    return out


def max_pool_forward(x, kernel, stride, padding, dilation, outs):
    """cpu.max_pool_forward: a thread per output walks its window as PyTorch's CPU kernel
    does (the same values and indices)."""
    x = _c(x)
    shape = tuple(x.shape[:2]) + tuple(outs)
    values, index = _empty(shape, x.dtype), _empty(shape, np.int64)
    if values.size:
        ones, zeros = (1,) * (5 - x.ndim), (0,) * (5 - x.ndim)
        meta = _meta(tuple(x.shape[:2]) + ones + tuple(x.shape[2:]) + ones + tuple(outs)
                     + ones + tuple(kernel) + ones + tuple(stride) + zeros + tuple(padding)
                     + ones + tuple(dilation))
        _launch('max_pool_forward', x.dtype, _grid(values.size),
                (x, values, index, _i64(values.size), meta))
    return values, index


def max_pool_backward(gy, index, shape):
    """cpu.max_pool_backward, by atomic adds: where overlapping windows picked one element,
    their gradients add in any order (as PyTorch's CUDA kernel's)."""
    out = cp.zeros(shape, gy.dtype)
    if gy.size:
        outputs = math.prod(gy.shape[2:])
        _launch('max_pool_backward', gy.dtype, _grid(gy.size),
                (_c(gy), _c(index), out, _i64(gy.size), _i64(outputs),
                 _i64(math.prod(shape[2:]))))
    return out


def avg_pool_forward(x, kernel, stride, padding, factors):
    """cpu.avg_pool_forward: a thread per output sums its window as PyTorch's CPU loop."""
    x = _c(x)
    shape = tuple(x.shape[:2]) + tuple(factors.shape)
    out = _empty(shape, x.dtype)
    if out.size:
        _launch('avg_pool_forward', x.dtype, _grid(out.size),
                (x, _c(cp.asarray(factors)), out, _i64(out.size),
                 _avg_pool_meta(x.shape, factors.shape, kernel, stride, padding)))
    return out


def avg_pool_backward(gy, shape, kernel, stride, padding, factors):
    """cpu.avg_pool_backward: a thread per element of x sums gy / factor over the windows
    that hold it, in their order (the CPU's bits, no atomics)."""
    out = _empty(shape, gy.dtype)
    if out.size:
        _launch('avg_pool_backward', gy.dtype, _grid(out.size),
                (_c(gy), _c(cp.asarray(factors)), out, _i64(out.size),
                 _avg_pool_meta(shape, factors.shape, kernel, stride, padding)))
    return out


def _avg_pool_meta(shape, outs, kernel, stride, padding):
    ones, zeros = (1,) * (5 - len(shape)), (0,) * (5 - len(shape))
    return _meta(tuple(shape[:2]) + ones + tuple(shape[2:]) + ones + tuple(outs) + ones
                 + tuple(kernel) + ones + tuple(stride) + zeros + tuple(padding))


def convolution(x, weight, bias, stride, dilation, groups):
    """cpu.convolution (x padded): the windows kernel gathers the rows (N, *outs, C, *kernel)
    of the whole batch at once, cuBLAS multiplies them by each group's filters, our add
    kernel adds the bias. (The CPU's chunks keep its columns in cache; a GPU has no such
    cache to fit and a full-size product keeps cuBLAS busy.)"""
    kernel = tuple(weight.shape[2:])
    rows, outs = _conv_rows(windows_forward(x, kernel, stride, dilation, True), weight,
                            groups)
    n, positions = x.shape[0], math.prod(outs)
    filters = weight.reshape(groups, weight.shape[0] // groups, -1)
    out = cp.matmul(rows, filters.transpose(0, 2, 1))           # (G, N * positions, O / G)
    out = out.reshape(groups, n, positions, -1).transpose(1, 0, 3, 2)
    out = _c(out).reshape((n, weight.shape[0]) + outs)
    if bias is not None:
        out = add_forward(out, bias.reshape((1, -1) + (1,) * len(outs)))
    return out


def convolution_input_grad(gy, weight, shape, stride, dilation, groups):
    """cpu.convolution_input_grad: the rows' gradients (cuBLAS), added back by the windows'
    scatter kernel."""
    kernel = tuple(weight.shape[2:])
    grads = _conv_grad_rows(gy, groups)                          # (G, N * positions, O / G)
    filters = weight.reshape(groups, weight.shape[0] // groups, -1)
    rows = cp.matmul(grads, filters)                             # (G, N * positions, depth)
    n, outs = gy.shape[0], tuple(gy.shape[2:])
    rows = _c(rows.reshape((groups, n) + outs + (-1,)).transpose(
        (1,) + tuple(range(2, 2 + len(outs))) + (0, 2 + len(outs))))
    rows = rows.reshape((n,) + outs + (shape[1],) + kernel)
    return windows_backward(rows, shape, kernel, stride, dilation, True)


def convolution_weight_grad(gy, x, weight_shape, stride, dilation, groups):
    """cpu.convolution_weight_grad: the gradients' rows transposed times the windows' rows,
    by cuBLAS, one product per group."""
    kernel = tuple(weight_shape[2:])
    rows, _ = _conv_rows(windows_forward(x, kernel, stride, dilation, True), weight_shape,
                         groups)
    grads = _conv_grad_rows(gy, groups)
    return cp.matmul(grads.transpose(0, 2, 1), rows).reshape(weight_shape)


def _conv_rows(windows, weight, groups):
    """Windows (N, *outs, C, *kernel) as each group's matmul rows (G, N * positions, depth),
    and outs. weight: the weight or its shape."""
    shape = getattr(weight, 'shape', weight)
    outs = tuple(windows.shape[1:len(windows.shape) - len(shape) + 1])
    rows = windows.reshape(windows.shape[0] * math.prod(outs), groups, -1)
    return rows.transpose(1, 0, 2), outs


def _conv_grad_rows(gy, groups):
    """gy (N, O, *outs) as (G, N * positions, O / G)."""
    n, o = gy.shape[:2]
    grads = gy.reshape(n, groups, o // groups, -1).transpose(1, 0, 3, 2)
    return grads.reshape(groups, -1, o // groups)


def _windows_meta(shape, counts, kernel, stride, dilation, channels_inside, strides):
    """kernels/indexing.cu's windows meta, every spatial tuple padded in front to 3 dims."""
    ones = (1,) * (3 - len(kernel))
    return _meta((int(channels_inside),) + tuple(shape[:2]) + ones + tuple(shape[2:])
                 + ones + tuple(counts) + ones + tuple(kernel) + ones + tuple(stride)
                 + ones + tuple(dilation) + tuple(strides))


def masked_select(x, mask):
    """The elements of x where mask (broadcast with x) is True, in row-major order."""
    if x.shape != mask.shape:
        shape = np.broadcast_shapes(x.shape, mask.shape)
        x, mask = cp.broadcast_to(x, shape), cp.broadcast_to(mask, shape)
    return x[mask]


def mask_rows(x, mask):
    """x[mask] for a bool mask of x's leading dims."""
    return x[mask]


def mask_rows_spread(gy, mask, shape, accumulate):
    """Zeros of `shape` with gy's rows where mask (its leading dims) is True."""
    out = cp.zeros(tuple(shape), gy.dtype)
    out[mask] = gy + gy.dtype.type(0) if accumulate else gy
    return out


def mask_spread(gy, mask, shape, accumulate):
    """Zeros of `shape` with gy's elements, in order, where mask (broadcast to shape) is True;
    added to the zeros when accumulate (-0.0 becomes +0.0), else copied."""
    out = cp.zeros(tuple(shape), gy.dtype)
    out[cp.broadcast_to(mask, out.shape)] = gy + gy.dtype.type(0) if accumulate else gy
    return out


def setitem(x, index, value):
    """x[index] = value in place (index normalised: a tuple)."""
    x[index] = value


def index_backward(index, gy, shape, accumulate):
    """Zeros of `shape` with gy written at `index`; repeated indices add when accumulate."""
    out = cp.zeros(shape, gy.dtype)
    if not accumulate:
        out[index] = gy
        return out
    # the flat position of every element the index picked (CuPy's advanced indexing), then
    # one atomic add per element of gy
    pos = cp.arange(out.size, dtype=np.int64).reshape(shape)[index]
    gy = _c(cp.broadcast_to(gy, pos.shape)) if gy.shape != pos.shape else _c(gy)
    pos = _c(pos)
    n = pos.size
    if n:
        _launch('index_backward', gy.dtype, _grid(n), (pos, gy, out, _i64(n)))
    return out


# ---- softmax -----------------------------------------------------------------------------------

def _softmax_view(x, dim):
    x = _c(x)
    if dim is None or x.ndim == 0:      # a 0-d input
        return x.reshape(1), 1, 1, 1
    dim = dim + x.ndim if dim < 0 else dim
    return x, math.prod(x.shape[:dim]), x.shape[dim], math.prod(x.shape[dim + 1:])


def _row_config(outer, n, inner):
    """(group, grid) for one row (or one column) per group of threads."""
    if inner == 1:
        group = 32 if n <= 1024 else 256
        return group, _grid_units(-(-outer // (8 if group == 32 else 1)))
    return 256, _grid(outer * inner)


def _softmax(kernel, x, dim):
    xr, outer, n, inner = _softmax_view(x, dim)
    y = _empty(xr.shape, x.dtype)
    if y.size:
        group, grid = _row_config(outer, n, inner)
        _launch(kernel, x.dtype, grid, (xr, y, _i64(outer), _i64(n), _i64(inner),
                                        _i32(group)))
    return y.reshape(x.shape)


def _softmax_grad(kernel, y, gy, dim):
    yr, outer, n, inner = _softmax_view(y, dim)
    gy = _c(gy).reshape(yr.shape)
    gx = _empty(yr.shape, gy.dtype)
    if gx.size:
        group, grid = _row_config(outer, n, inner)
        _launch(kernel, y.dtype, grid, (yr, gy, gx, _i64(outer), _i64(n), _i64(inner),
                                        _i32(group), _i32(0)))
    return gx.reshape(y.shape)


def softmax_forward(x, dim):
    return _softmax('softmax_forward', x, dim)


def softmax_backward(y, gy, dim):
    return _softmax_grad('softmax_backward', y, gy, dim)


def log_softmax_forward(x, dim):
    return _softmax('log_softmax_forward', x, dim)


def log_softmax_backward(y, gy, dim):
    return _softmax_grad('log_softmax_backward', y, gy, dim)


# ---- losses ----------------------------------------------------------------------------------

def _pair(x, y):
    """x and y contiguous at their broadcast shape (copies only when the shapes differ)."""
    if x.shape != y.shape:
        shape = np.broadcast_shapes(x.shape, y.shape)
        x, y = cp.broadcast_to(x, shape), cp.broadcast_to(y, shape)
    return _c(x), _c(y)


def _sum_all(partials, scale):
    """The 0-d sum of a 1-d array of partial sums, times scale."""
    n = partials.size
    return _reduce_launch('sum_forward', partials.dtype, partials, 1, n, 1,
                          (partials.dtype.type(scale),)).reshape(())


def _loss_forward(kernel, x, y, reduction, tail, operands=()):
    """An elementwise loss: per element ('none'), or per-block partial sums then their sum
    ('sum'), divided by n ('mean'; nan when empty, as PyTorch)."""
    n = x.size
    if reduction == 'none':
        out = _empty(x.shape, x.dtype)
        if n:
            _launch(kernel, x.dtype, _grid(n), _loss_args(x, y, operands, out, n, 0, tail))
        return out
    blocks = _grid(n)
    partial = _empty((blocks,), x.dtype)
    _launch(kernel, x.dtype, blocks, _loss_args(x, y, operands, partial, n, 1, tail))
    scale = 1.0 if reduction == 'sum' else (1.0 / n if n else math.nan)
    return _sum_all(partial, scale)


def _loss_args(x, y, operands, out, n, reduce, tail):
    """(x, y, operands..., out, n, tail[0]..., reduce, tail[1]...): the forwards' order."""
    return (x, y) + operands + (out, _i64(n)) + tail[0] + (_i32(reduce),) + tail[1]


def _gy_kind(gy):
    """gy of a backward: one element (kind 2: the 0-d gy of 'mean' and 'sum'), or
    contiguous."""
    gy, kgy = _gy_operand(gy)
    return gy, (2 if gy.size == 1 else kgy)


def _loss_backward(kernel, x, y, gy, reduction, middle=()):
    """(x, y, gy, gx, n, kgy, div, middle..., acc): div is n for 'mean' (PyTorch divides
    gy by it), else 1."""
    gy, kgy = _gy_kind(gy)
    gx = _empty(x.shape, x.dtype)
    n = x.size
    if n:
        div = x.dtype.type(n if reduction == 'mean' else 1)
        _launch(kernel, x.dtype, _grid(n), (x, y, gy, gx, _i64(n), _i32(kgy), div) + middle +
                (_i32(0),))
    return gx


def mse_loss_forward(x, y, reduction):
    x, y = _pair(x, y)
    return _loss_forward('mse_loss_forward', x, y, reduction, ((), ()))


def mse_loss_backward(x, y, gy, reduction):
    x, y = _pair(x, y)
    return _loss_backward('mse_loss_backward', x, y, gy, reduction)


def l1_loss_forward(x, y, reduction):
    x, y = _pair(x, y)
    return _loss_forward('l1_loss_forward', x, y, reduction, ((), ()))


def l1_loss_backward(x, y, gy, reduction):
    x, y = _pair(x, y)
    return _loss_backward('l1_loss_backward', x, y, gy, reduction)


def smooth_l1_loss_forward(x, y, reduction, beta):
    x, y = _pair(x, y)
    return _loss_forward('smooth_l1_loss_forward', x, y, reduction,
                         ((), (x.dtype.type(beta),)))


def smooth_l1_loss_backward(x, y, gy, reduction, beta):
    x, y = _pair(x, y)
    return _loss_backward('smooth_l1_loss_backward', x, y, gy, reduction,
                          middle=(x.dtype.type(beta),))


def _weights(x, values):
    """Class weights (or None) as operands over x's shape: (pointer, kind, number) each,
    and the meta array for the strided ones. A missing weight is the number 1."""
    layouts = tuple(_layout(v) if v is not None else None for v in values)
    _, kinds, meta = _plan(layouts, x.shape)
    t = x.dtype.type
    ops = []
    for v, k in zip(values, kinds):
        if v is None:
            ops.append((x, 1, t(1)))
        else:
            ops.append((v if v.dtype == x.dtype else v.astype(x.dtype), k, t(0)))
    return ops, (_meta(meta) if meta is not None else _dummy_pointer())


def binary_cross_entropy_forward(x, y, reduction, weight):
    x, y = _c(x), _c(y)
    ((w, kw, sw),), meta = _weights(x, (weight,))
    return _loss_forward('binary_cross_entropy_forward', x, y, reduction,
                         ((_i32(kw), sw, meta), ()), operands=(w,))


def binary_cross_entropy_backward(x, y, gy, reduction, weight):
    x, y = _c(x), _c(y)
    ((w, kw, sw),), meta = _weights(x, (weight,))
    return _loss_backward('binary_cross_entropy_backward', x, y, gy, reduction,
                          middle=(w, _i32(kw), sw, meta))


def binary_cross_entropy_with_logits_forward(x, y, reduction, weight, pos_weight):
    x, y = _c(x), _c(y)
    ((w, kw, sw), (pw, kpw, spw)), meta = _weights(x, (weight, pos_weight))
    return _loss_forward('binary_cross_entropy_with_logits_forward', x, y, reduction,
                         ((_i32(kw), sw, _i32(kpw), spw, _i32(pos_weight is not None), meta),
                          ()), operands=(w, pw))


def binary_cross_entropy_with_logits_backward(x, y, gy, reduction, weight, pos_weight):
    x, y = _c(x), _c(y)
    ((w, kw, sw), (pw, kpw, spw)), meta = _weights(x, (weight, pos_weight))
    return _loss_backward('binary_cross_entropy_with_logits_backward', x, y, gy, reduction,
                          middle=(w, _i32(kw), sw, pw, _i32(kpw), spw,
                                  _i32(pos_weight is not None), meta))


def _class_view(x, target):
    """x as contiguous [N, C, inner] logits and target as contiguous [N, inner] indices."""
    x, target = _c(x), _c(target)
    return x, target, x.shape[0], x.shape[1], math.prod(x.shape[2:])


def cross_entropy_weights(target, weight, ignore_index, np_dtype):
    """Each sample's weight (weight[target], 0 where target == ignore_index) and the targets
    with ignored ones replaced by 0, safe to index with."""
    target = _c(target)
    w = _empty(target.shape, np_dtype)
    safe = _empty(target.shape, np.int64)
    n = target.size
    if n:
        if weight is not None:
            weight = _c(weight if weight.dtype == np_dtype else weight.astype(np_dtype))
        _launch('cross_entropy_weights', np_dtype, _grid(n),
                (target, w if weight is None else weight, w, safe, _i64(n),
                 _i64(ignore_index), _i32(weight is not None)))
    return w, safe


def cross_entropy_forward(x, target, reduction, weight, ignore_index):
    """x: (N, C, ...) logits; target: (N, ...) class indices. -w[t] log_softmax(x)[t], with
    'mean' dividing by the sum of the weights (PyTorch's nll_loss)."""
    x, target, outer, C, inner = _class_view(x, target)
    loss = _empty(target.shape, x.dtype)
    w = _empty(target.shape, x.dtype)
    if loss.size:
        group, grid = _row_config(outer, C, inner)
        _launch('cross_entropy_forward', x.dtype, grid,
                (x, target, x if weight is None else _c(weight), loss, w, _i64(outer),
                 _i64(C), _i64(inner), _i64(ignore_index), _i32(weight is not None),
                 _i32(group)))
    if reduction == 'none':
        return loss
    total = _sum_all(loss.reshape(-1), 1.0)
    if reduction == 'sum':
        return total
    return div_forward(total, _sum_all(w.reshape(-1), 1.0))



def nll_loss_forward(x, target, reduction, weight, ignore_index):
    """(loss, total weight) as the CPU's: -(x[n, t] w[t]) per sample by nll_loss_forward,
    then their sum (divided by the weights' for 'mean')."""
    x, target, outer, C, inner = _class_view(x, target)
    loss = _empty(target.shape, x.dtype)
    w = _empty(target.shape, x.dtype)
    if loss.size:
        _launch('nll_loss_forward', x.dtype, _grid(loss.size),
                (x, target, x if weight is None else _c(weight), loss, w, _i64(outer),
                 _i64(C), _i64(inner), _i64(ignore_index), _i32(weight is not None)))
    if reduction == 'none':
        return loss, None
    total = _sum_all(loss.reshape(-1), 1.0)
    if reduction == 'sum':
        return total, None
    total_weight = _sum_all(w.reshape(-1), 1.0)
    return div_forward(total, total_weight), total_weight


def nll_loss_backward(target, gy, shape, dtype, reduction, weight, ignore_index,
                      total_weight):
    """nll_loss's gradient by nll_loss_backward: one pass writing every element of it."""
    target = _c(target)
    gy, kgy = _gy_kind(gy)
    has_wsum = reduction == 'mean'
    wsum = total_weight.reshape(1) if has_wsum else _dummy_like(dtype)
    gx = _empty(shape, dtype)
    if gx.size:
        _launch('nll_loss_backward', dtype, _grid(gx.size),
                (target, gx if weight is None else _c(weight), gy, wsum, gx,
                 _i64(shape[0]), _i64(shape[1]), _i64(math.prod(shape[2:])),
                 _i64(ignore_index), _i32(weight is not None), _i32(kgy), _i32(has_wsum),
                 _i32(0)))
    return gx

def cross_entropy_forward_keeping(x, target, reduction, weight, ignore_index):
    """(loss, log_probs) as the CPU's: here nothing is kept (None), the backward's kernel
    recomputes each row's softmax from x."""
    return cross_entropy_forward(x, target, reduction, weight, ignore_index), None


def cross_entropy_backward(x, target, gy, reduction, weight, ignore_index, log_probs=None):
    """(softmax(x) - onehot(target)) * w[target] * gy, softmax recomputed from x (log_probs,
    which cross_entropy_forward_keeping never gives here, is not read)."""
    shape = x.shape
    x, target, outer, C, inner = _class_view(x, target)
    gy, kgy = _gy_kind(gy)
    wsum = _dummy_like(x.dtype)
    if reduction == 'mean':
        w, _ = cross_entropy_weights(target, weight, ignore_index, x.dtype)
        wsum = _sum_all(w.reshape(-1), 1.0).reshape(1)
    gx = _empty(shape, x.dtype)
    if gx.size:
        group, grid = _row_config(outer, C, inner)
        _launch('cross_entropy_backward', x.dtype, grid,
                (x, target, x if weight is None else _c(weight), gy, wsum, gx, _i64(outer),
                 _i64(C), _i64(inner), _i64(ignore_index), _i32(weight is not None),
                 _i32(kgy), _i32(reduction == 'mean'), _i32(group), _i32(0)))
    return gx


# ---- CTC: ctc.cu, one block per sample walking the time steps ----------------------------------

def _ctc_block(positions):
    """Threads per sample: one per position (or class), in whole warps, at most 256."""
    return int(min(256, max(32, -(-positions // 32) * 32)))


def ctc_loss_forward(log_probs, targets, input_lengths, target_lengths, blank):
    """Each sample's negative log likelihood (N,) and the log-alphas (T, N, 2S + 1) that
    ctc_loss_backward reads (see ctc.cu), laid out as the CPU backend's."""
    steps, batch, classes = log_probs.shape
    width = targets.shape[1]
    lp = _c(log_probs)
    log_alpha = _empty((steps, batch, 2 * width + 1), lp.dtype)
    nll = _empty((batch,), lp.dtype)
    if batch:
        _launch('ctc_loss_forward', lp.dtype, _grid_units(batch),
                (lp, _c(targets), _c(input_lengths), _c(target_lengths), log_alpha, nll,
                 _i64(steps), _i64(batch), _i64(classes), _i64(width), _i64(blank)),
                block=_ctc_block(2 * width + 1))
    return nll, log_alpha


def ctc_loss_backward(gy, log_probs, targets, input_lengths, target_lengths, nll, log_alpha,
                      blank, zero_infinity):
    """PyTorch's gradient of the CTC loss with respect to log_probs, (T, N, C)."""
    steps, batch, classes = log_probs.shape
    width = targets.shape[1]
    lp = _c(log_probs)
    grad = _empty(lp.shape, lp.dtype)
    if grad.size:
        log_beta = _empty(log_alpha.shape, lp.dtype)
        _launch('ctc_loss_backward', lp.dtype, _grid_units(batch),
                (_c(gy.astype(lp.dtype, copy=False)), lp, _c(targets), _c(input_lengths),
                 _c(target_lengths), _c(nll), _c(log_alpha), log_beta, grad, _i64(steps),
                 _i64(batch), _i64(classes), _i64(width), _i64(blank),
                 _i32(bool(zero_infinity))),
                block=_ctc_block(max(2 * width + 1, classes)))
    return grad


# ---- matrix products, shapes -----------------------------------------------------------------

def matmul(a, b):
    return cp.matmul(a, b)


# PyTorch's `torch.backends.cuda.matmul` switches, which scripts set: this module is also
# `microtorch.backends.cuda`, so they live on the primitive. cuBLAS through cupy.matmul
# computes float32 products in float32 whatever they say (no TF32); they are kept for code
# that reads them back.
matmul.allow_tf32 = False
matmul.allow_fp16_reduced_precision_reduction = True
matmul.allow_bf16_reduced_precision_reduction = True


def linear_forward(x, weight, bias):
    """x @ weight.T (cuBLAS) + bias, added in place into the product by our kernel."""
    y = cp.matmul(x, weight.T)
    if bias is not None:
        y = _c(y)
        n = y.size
        if n:
            _launch('linear_forward', y.dtype, _grid(n),
                    (y, _c(bias), _i64(n), _i64(bias.shape[-1] if bias.ndim else 1)))
    return y


def concatenate(arrays, dim):
    return cp.concatenate(arrays, axis=dim)


def stack(arrays, dim):
    return cp.stack(arrays, axis=dim)


def cast(x, np_dtype):
    """x in np_dtype (a copy): a dense input's strides kept, any other C-ordered (`to`)."""
    if _layouts.is_non_overlapping_and_dense(x):
        return x.astype(np_dtype)
    return x.astype(np_dtype, order='C')


# ---- optimizer updates: in place, one fused kernel per parameter ------------------------------

def _in_place(param):
    """param itself when contiguous, else a contiguous copy to update and write back."""
    return param if param.flags.c_contiguous else cp.ascontiguousarray(param)


def _update(kernel, param, arguments):
    """Launch an optimizer's step kernel on param: arguments(p, t, n) gives its arguments for
    the contiguous array p it updates (param or a copy written back), the parameter's scalar
    type t and the element count n."""
    p = _in_place(param)
    n = p.size
    if n:
        _launch(kernel, p.dtype, _grid(n), arguments(p, p.dtype.type, _i64(n)))
    if p is not param:
        param[...] = p


def sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, nesterov, weight_decay,
             maximize):
    """torch.optim.SGD's update of one parameter, in place. Returns the momentum buffer: the
    one given, updated, or a new one on the first step (None when momentum is 0)."""
    p = _in_place(param)
    t = p.dtype.type
    first = momentum and momentum_buffer is None
    if momentum and momentum_buffer is None:
        momentum_buffer = cp.empty(p.shape, p.dtype)
    buf = momentum_buffer if momentum else p
    n = p.size
    if n:
        _launch('sgd_step', p.dtype, _grid(n),
                (p, _c(grad), buf, _i64(n), t(lr), t(momentum), t(1 - dampening),
                 t(weight_decay), _i32(bool(dampening)), _i32(bool(nesterov)),
                 _i32(bool(maximize)), _i32(bool(first))))
    if p is not param:
        param[...] = p
    return momentum_buffer


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
              weight_decay, amsgrad, maximize, decoupled_weight_decay):
    """torch.optim.Adam's update of one parameter (AdamW's when decoupled_weight_decay),
    in place on param and the moment arrays; `step` counts this update (1 on the first)."""
    _update('adam_step', param, lambda p, t, n: (
        p, _c(grad), exp_avg, exp_avg_sq, max_exp_avg_sq if amsgrad else p, n,
        t(1 - lr * weight_decay), t(1 - beta1), t(beta2), t(1 - beta2), t(eps),
        t(weight_decay), t(lr / (1 - beta1 ** step)),
        t((1 - beta2 ** step) ** 0.5), _i32(bool(amsgrad)), _i32(bool(maximize)),
        _i32(bool(decoupled_weight_decay))))


# ---- several GPUs: run each primitive on its inputs' device -------------------------------------

_GUARDED = (
    'neg_forward', 'neg_backward', 'abs_forward', 'abs_backward', 'exp_forward',
    'exp_backward', 'log_forward', 'log_backward', 'sqrt_forward', 'sqrt_backward',
    'sin_forward', 'sin_backward', 'cos_forward', 'cos_backward', 'tanh_forward',
    'tanh_backward', 'sigmoid_forward', 'sigmoid_backward', 'reciprocal_forward',
    'reciprocal_backward', 'relu_forward', 'relu_backward', 'clamp_forward',
    'clamp_backward', 'pow_scalar_forward', 'pow_scalar_backward', 'leaky_relu_forward',
    'leaky_relu_backward', 'softplus_forward', 'softplus_backward', 'add_forward',
    'sub_forward', 'mul_forward', 'div_forward', 'pow_forward', 'maximum_forward',
    'minimum_forward', 'compare', 'where_forward', 'maximum_backward', 'minimum_backward',
    'sum_forward', 'sum_to_shape', 'var_forward', 'max_forward', 'min_forward', 'argmax',
    'argmin', 'logsumexp_forward', 'gather', 'scatter_add', 'index_backward', 'scatter',
    'scatter_reduce',
    'softmax_forward', 'softmax_backward', 'log_softmax_forward', 'log_softmax_backward',
    'mse_loss_forward', 'mse_loss_backward', 'l1_loss_forward', 'l1_loss_backward',
    'smooth_l1_loss_forward', 'smooth_l1_loss_backward', 'binary_cross_entropy_forward',
    'binary_cross_entropy_backward', 'binary_cross_entropy_with_logits_forward',
    'binary_cross_entropy_with_logits_backward', 'cross_entropy_weights',
    'cross_entropy_forward', 'cross_entropy_backward', 'matmul', 'linear_forward',
    'concatenate', 'stack', 'sgd_step', 'adam_step', 'cholesky', 'qr',
    'solve_triangular',
)


def _first_array(args):
    for a in args:
        if isinstance(a, cp.ndarray):
            return a
        if isinstance(a, (list, tuple)):
            inner = _first_array(a)
            if inner is not None:
                return inner
    return None


def _guard(fn):
    def guarded(*args):
        a = _first_array(args)
        if a is not None:
            dev = a.data.device_id
            if dev != cp.cuda.runtime.getDevice():
                with cp.cuda.Device(dev):
                    return fn(*args)
        return fn(*args)
    guarded.__name__ = guarded.__qualname__ = fn.__name__
    guarded.__doc__ = fn.__doc__
    return guarded


def _install_device_guards():
    module = sys.modules[__name__]
    for attr in _GUARDED:
        setattr(module, attr, _guard(getattr(module, attr)))
    module._xp_argmax = _guard(module._xp_argmax)
    module._xp_argmin = _guard(module._xp_argmin)


def rmsprop_step(param, grad, square_avg, momentum_buffer, grad_avg, lr, alpha, eps,
                 weight_decay, momentum, centered, maximize):
    """torch.optim.RMSprop's update of one parameter, in place on param and the state arrays
    (momentum_buffer used with a momentum, grad_avg when centered)."""
    _update('rmsprop_step', param, lambda p, t, n: (
        p, _c(grad), square_avg, momentum_buffer if momentum else p,
        grad_avg if centered else p, n, t(lr), t(alpha), t(1 - alpha), t(eps),
        t(weight_decay), t(momentum), _i32(bool(centered)), _i32(bool(maximize))))


def adagrad_step(param, grad, state_sum, clr, eps, weight_decay, maximize):
    """torch.optim.Adagrad's update of one parameter, in place on param and state_sum; clr is
    the step's decayed learning rate."""
    _update('adagrad_step', param, lambda p, t, n: (
        p, _c(grad), state_sum, n, t(clr), t(eps), t(weight_decay),
        _i32(bool(maximize))))



def adamax_step(param, grad, exp_avg, exp_inf, clr, beta1, beta2, eps, weight_decay,
                maximize):
    """torch.optim.Adamax's update of one parameter, in place on param and the state arrays;
    clr = lr / (1 - beta1^t)."""
    _update('adamax_step', param, lambda p, t, n: (
        p, _c(grad), exp_avg, exp_inf, n, t(clr), t(1 - beta1), t(beta2),
        t(eps), t(weight_decay), _i32(bool(maximize))))


def nadam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, bias_correction2, eps,
               weight_decay, grad_coef, avg_coef, maximize, decoupled_weight_decay):
    """torch.optim.NAdam's update of one parameter, in place (the coefficients of the momentum
    schedule come from the caller)."""
    _update('nadam_step', param, lambda p, t, n: (
        p, _c(grad), exp_avg, exp_avg_sq, n, t(1 - lr * weight_decay),
        t(1 - beta1), t(beta2), t(1 - beta2), t(bias_correction2), t(eps),
        t(weight_decay), t(grad_coef), t(avg_coef), _i32(bool(maximize)),
        _i32(bool(decoupled_weight_decay))))


def radam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, bias_correction1,
               adaptive_coef, eps, weight_decay, maximize, decoupled_weight_decay):
    """torch.optim.RAdam's update of one parameter, in place; adaptive_coef None while the
    rectification is undefined (the step is then the bias-corrected momentum alone)."""
    _update('radam_step', param, lambda p, t, n: (
        p, _c(grad), exp_avg, exp_avg_sq, n, t(1 - lr * weight_decay),
        t(1 - beta1), t(beta2), t(1 - beta2), t(bias_correction1), t(lr),
        t(adaptive_coef or 0), t(eps), t(weight_decay),
        _i32(adaptive_coef is not None), _i32(bool(maximize)),
        _i32(bool(decoupled_weight_decay))))


def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize):
    """torch.optim.Adadelta's update of one parameter, in place on param and the state."""
    _update('adadelta_step', param, lambda p, t, n: (
        p, _c(grad), square_avg, acc_delta, n, t(lr), t(rho), t(1 - rho),
        t(eps), t(weight_decay), _i32(bool(maximize))))


def asgd_step(param, grad, ax, eta, lambd, mu, weight_decay, maximize):
    """torch.optim.ASGD's update of one parameter, in place on param and its average ax."""
    _update('asgd_step', param, lambda p, t, n: (
        p, _c(grad), ax, n, t(1 - lambd * eta), t(eta), t(mu), t(weight_decay),
        _i32(bool(maximize)), _i32(mu != 1)))


def rprop_step(param, grad, prev, step_size, etaminus, etaplus, step_size_min, step_size_max,
               maximize):
    """torch.optim.Rprop's update of one parameter, in place on param, prev and step_size."""
    _update('rprop_step', param, lambda p, t, n: (
        p, _c(grad), prev, step_size, n, t(etaminus), t(etaplus), t(step_size_min),
        t(step_size_max), _i32(bool(maximize))))


def adafactor_step(param, grad, row_var, col_var, variance, beta2_weight, lr, rho, eps1, eps2,
                   d, weight_decay, maximize):
    """torch.optim.Adafactor's update of one non-empty parameter, in place: the norms and
    moment means by CuPy, the preconditioned update g / sqrt(v) by the adafactor_step kernel,
    then p -= alpha / denom * update (denom from the update's norm)."""
    g = _c(grad)

    def precondition(scale):
        factored = scale is not None
        update = cp.empty(g.shape, g.dtype)
        n = g.size
        rows, cols = (g.shape[-2], g.shape[-1]) if factored else (1, 1)
        _launch('adafactor_step', g.dtype, _grid(n), (
            update, g, _c(row_var) if factored else _c(variance),
            _c(col_var) if factored else g, _c(scale) if factored else g, _i64(n),
            _i64(rows), _i64(cols), g.dtype.type(eps1 * eps1), _i32(factored),
            _i32(bool(maximize))))
        return update
    _adafactor_update(param, g, row_var, col_var, variance, beta2_weight, lr, rho, eps1, eps2,
                      d, weight_decay, precondition)


# ---- matrix factorisations: cuSOLVER and cuBLAS through CuPy -------------------------------
# eigh and svd are cupy.linalg's own (xp.linalg, batched); these three differ from NumPy's.

def cholesky(a):
    """The lower Cholesky factors; NumPy's LinAlgError when a matrix is not positive-definite.
    CuPy checks cuSOLVER's info only under errstate(linalg='raise') (a sync, as PyTorch's
    check is)."""
    import cupyx
    if a.size == 0:
        return cp.zeros(a.shape, a.dtype)
    with cupyx.errstate(linalg='raise'):
        return cp.linalg.cholesky(a)


def _each_matrix(solve, shapes, dtype, *batches):
    """solve(matrix, ...) -> tuple of arrays, run on each matrix of the batches (CuPy's qr
    and solve_triangular take one matrix) and stacked; shapes: of one result each."""
    batch = batches[0].shape[:-2]
    outs = tuple(cp.empty(batch + shape, dtype) for shape in shapes)
    count = math.prod(batch)
    if count == 0 or 0 in batches[0].shape[-2:] + batches[-1].shape[-2:]:
        return outs
    flat = [b.reshape((count,) + b.shape[-2:]) for b in batches]
    stacked = [o.reshape((count,) + o.shape[len(batch):]) for o in outs]
    for i in range(count):
        for o, r in zip(stacked, solve(*[f[i] for f in flat])):
            o[i] = r
    return outs


def qr(a, mode):
    """(Q, R), or R alone for mode 'r', one matrix at a time (CuPy's qr takes 2-D arrays)."""
    m, n = a.shape[-2:]
    k = min(m, n)
    rows = m if mode == 'complete' else k
    if mode == 'r':
        return _each_matrix(lambda x: (cp.linalg.qr(x, 'r'),), [(k, n)], a.dtype, a)[0]
    q, r = _each_matrix(lambda x: cp.linalg.qr(x, mode), [(m, rows), (rows, n)], a.dtype, a)
    if m == 0 or n == 0:                       # nothing factored: Q is the identity
        q[...] = cp.eye(m, rows, dtype=a.dtype)
    return q, r


def solve_triangular(a, b, upper, unitriangular):
    """X with A X = B for triangular A (batch dims already alike): cuBLAS's trsm through
    cupyx.scipy.linalg, one matrix at a time; a zero on the diagonal gives inf and nan."""
    from cupyx.scipy.linalg import solve_triangular as trsm
    return _each_matrix(lambda x, y: (trsm(x, y, lower=not upper,
                                           unit_diagonal=unitriangular),),
                        [b.shape[-2:]], cp.result_type(a, b), a, b)[0]
