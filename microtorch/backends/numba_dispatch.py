"""Route the CPU backend's hot primitives to fused Numba kernels where that pays.

Each routed primitive of `cpu.py` is replaced by a small function that sends arrays of at least
`min_size[family]` elements to the Numba kernel of the same name and everything else to the
NumPy original. The sizes are crossovers measured by `benchmarks/numba_crossover.py` on the
machine noted beside them, not guesses. Numba is imported, and a kernel compiled, only when a
primitive first meets an array that large, so `import microtorch` never pays for it; compiled
kernels are cached on disk (`cache=True`), so a second process does not compile again.

`MICROTORCH_NUMBA=0` switches the kernels off (pure NumPy); results agree either way to
rounding. A kernel module may decline a call it has no kernel for (a dtype, a layout, a
broadcast pattern) by returning None (the in-place optimizer steps, whose done answer is None,
by returning DECLINED); the NumPy original then runs.
"""
import contextlib
import importlib
import importlib.util
import os
import sys
import threading
import types

import numpy as np

from . import heap
from .mkl import cpu_vendor
from .numba_kernels import CPU_FLOAT32, DECLINED, ROUTES

# Elements from which the Numba kernel beats NumPy, per family: the crossovers measured by
# benchmarks/numba_crossover.py with 2 threads and sleeping OpenMP workers, on the two
# machines measured. A parallel launch costs ~10 us (prepare_threads), so a memory-bound single
# ufunc pays late and fused or transcendental work earlier; with spinning workers every
# crossover was 2-8x lower, and a small MLP 30x slower.
_MIN_SIZE_MEASURED = {
    # a 2-core AMD EPYC (Zen 1, AVX2) VM (benchmarks/results/numba-crossover-2026-11-23)
    'AuthenticAMD': {
        'elementwise': 1 << 19,
        'elementwise_fused': 1 << 16,
        'transcendental': 1 << 14,
        'reduction': 1 << 18,
        'softmax': 1 << 12,
        'loss': 1 << 18,
        'optim': 1 << 14,
        'scatter': 1 << 12,               # (the Xeon's, below: unmeasured here)
        'extreme': 1 << 18,               # (the Xeon's, below: unmeasured here)
        'copy': 1 << 19,                  # (the Xeon's, below: unmeasured here)
        # x[mask] and its gradient's spread (numba_kernels/masking.py), on the Zen 4 VM
        # (results/cpu-masks-2026-12-07/crossover.md): at 2^14 the serial loops took 0.31 of
        # NumPy's boolean index's time on a random mask, 0.87-1.05 on masks of 5% or 95%
        # Trues (whose branches predict), the spread 0.43 and 1.00-1.43; from 2^18 0.09-0.81
        'mask': 1 << 14,
    },
    # a 2-core Xeon (Emerald Rapids, AVX-512) VM (benchmarks/results/
    # cpu-linear-rows-2026-12-05): NumPy's AVX-512 exp, log and sin beat the kernels'
    # 8-lane loops up to 2^16 (exp at 2^14: 10 us against the parallel kernel's 24), and from
    # 2^18 two threads win for single ufuncs too (each core's 2 MiB L2 holds half of the
    # operands: add at 2^18 in 45 us against NumPy's 130; at 2^17 neg still lost, 23 to 16)
    'GenuineIntel': {
        'elementwise': 1 << 18,
        'elementwise_fused': 1 << 16,
        'transcendental': 1 << 17,
        'reduction': 1 << 18,
        'softmax': 1 << 12,
        'loss': 1 << 17,
        'optim': 1 << 14,
        # np.add.at's scatter-adds (the backward of x[idx], index_select, embedding, avg
        # pooling's windows, gather and max) take ~20 ns an element; the kernels (a launch and
        # zeroing, ~40-60 us) beat them from 4096 (rows 0.60-0.87 there, 0.74-1.20 at 2048,
        # 0.04-0.11 from 2^17: results/cpu-conv-pad-2026-12-06/scatter_add.md)
        'scatter': 1 << 12,
        # max and min over rows or columns (amax, amin, logsumexp's shift): np.max reduces a
        # row at a time (~150 ns each); the serial kernels took 0.04-0.3 of its time from
        # 2^10 elements, ~0.9-1.2 on rows of 4096; the parallel ones beat them from 2^18
        # (0.46-1.00 there; results/cpu-backward-scan-2026-12-06/extreme_crossover.md)
        'extreme': 1 << 18,
        # NumPy's one-thread copies, casts and broadcasts written out against the copy kernel
        # on two: casts and strided rows from 2^19 (0.80-0.85 of NumPy's time there, 0.57-0.62
        # at 2^21; cpu_copies.py takes plain copies and broadcasts from 2x and 4x that:
        # results/cpu-copies-2026-12-06/copy_crossover.md)
        'copy': 1 << 19,
        'mask': 1 << 14,                  # (the AMD's, above: unmeasured here)
    },
}
# Another CPU takes the first machine's (measured longest).
DEFAULT_MIN_SIZE = _MIN_SIZE_MEASURED.get(cpu_vendor(), _MIN_SIZE_MEASURED['AuthenticAMD'])

# Where a family's parallel kernels overtake their serial twins, where that was measured apart
# from the family's size (which also says where Numba beats NumPy, and which other primitives -
# pooling, gathers, transposed copies - read as their own crossover against slow NumPy forms).
# On the Xeon (cpu-twin-crossovers-2026-12-05, numba_crossover.py --routed: the routed
# primitive with the family's size at 0 against at infinity, in one process): the fused
# elementwise kernels from 2^18 (at 2^16 the parallel ones took 2x the twins' time), softmax's
# float32 rows from 2^17 (at 2^14, 2x), exact_sum's whole-array and row sums from 2^19 (at
# 2^18 the parallel split took 2x the serial one's time; the other reductions' choices,
# unmeasured, keep the family's size). A family not listed goes parallel from its size.
# On a 2-core AMD EPYC (Zen 4) VM (cpu-amd-twin-crossovers-2026-12-07, the same run to 2^22):
# a parallel launch there cost ~30 us more than on the Xeon (scale-shift of 2^16 floats:
# parallel 33 us, serial 5.5), so the fused and transcendental kernels and softmax's rows
# pay from 2^20 (at 2^18 the parallel ones took 1.4-2.4x their twins' time) and the whole
# sum not up to 2^22 (0.96 there). (The Zen 1 VM of the family sizes was not measured so.)
# x[mask]'s loops there (cpu-masks-2026-12-07/crossover.md): parallel from 2^20, where they
# took 0.84-0.95 of the serial ones' time (2^18: 0.91-1.48, 2^22: 0.59-0.78).
_PARALLEL_FROM_MEASURED = {
    # (x[mask]'s loops: unmeasured on the Xeon, whose launches cost less than the Zen 4's)
    'GenuineIntel': {'elementwise_fused': 1 << 18, 'softmax': 1 << 17, 'reduction': 1 << 19,
                     'mask': 1 << 18},
    'AuthenticAMD': {'elementwise_fused': 1 << 20, 'transcendental': 1 << 20, 'softmax': 1 << 20,
                     'reduction': 1 << 22, 'mask': 1 << 20},
}
DEFAULT_PARALLEL_FROM = _PARALLEL_FROM_MEASURED.get(cpu_vendor(), {})


class _Settings:
    __slots__ = ('enabled', 'min_size', 'parallel_from', 'reason', 'threading_layer')

    def __init__(self):
        self.min_size = dict(DEFAULT_MIN_SIZE)
        self.parallel_from = dict(DEFAULT_PARALLEL_FROM)
        self.reason = None
        self.threading_layer = None          # Numba's choice, unless prepare_threads picks one
        if os.environ.get('MICROTORCH_NUMBA', '1') == '0':
            self.reason = 'switched off by MICROTORCH_NUMBA=0'
        elif importlib.util.find_spec('numba') is None:
            self.reason = 'Numba is not installed'
        self.enabled = self.reason is None


settings = _Settings()

# family -> the size from which its kernels run; every router reads this one dict, and
# configure() rewrites it (enabled=False: no size is large enough).
_from_size = {}

# Arrays smaller than this run no kernel of any family (the smallest crossover; infinite with
# the kernels off). Function.apply gives an op whose tensors are all smaller the NumPy twin of
# the CPU backend (numpy_twin below), so that tiny tensors skip every router's size test.
numpy_below = [0]
# Two such tensors of other shapes may broadcast to a result from which the elementwise
# family's kernels take a binary op: then it gets the routed backend after all.
broadcast_below = [0]

# family -> the size from which kernels with serial twins take the parallel one.
_parallel_from = {}


def _sync_sizes():
    never = float('inf')
    _from_size.update({family: (n if settings.enabled else never)
                       for family, n in settings.min_size.items()})
    _parallel_from.update({family: max(n, settings.parallel_from.get(family, n))
                           for family, n in _from_size.items()})
    numpy_below[0] = min(_from_size.values())
    broadcast_below[0] = _from_size['elementwise']


_sync_sizes()


def kernel_pays(family, size):
    """Is an array of `size` elements large enough for the kernels of `family` (never with
    the kernels off)? For primitives that pick their Numba code themselves."""
    return size >= _from_size[family]


def parallel_pays(family, size):
    """Does an array of `size` elements take the parallel kernel of `family` rather than its
    serial twin? (Never with the kernels off.)"""
    return size >= _parallel_from[family]


def status():
    """A line for `python -m microtorch`: are the Numba kernels on, and if not, why."""
    if settings.enabled:
        return 'on (fused kernels from ' + ', '.join(
            f'{family} >= {n}' + (f' (parallel from {settings.parallel_from[family]})'
                                  if family in settings.parallel_from else '')
            for family, n in settings.min_size.items()) + ' elements)'
    return 'off: ' + (settings.reason or 'switched off by configure()')


@contextlib.contextmanager
def configure(enabled=None, min_size=None, parallel_from=None):
    """Change the routing for a while (tests force every size through the parallel kernels
    with `configure(enabled=True, min_size=0)`). min_size: a number for every family, or a
    dict; a family given a size also goes parallel from it (its measured parallel_from is set
    aside while the block runs). parallel_from: a dict that replaces the measured one ({}:
    every family parallel from its size)."""
    saved = settings.enabled, dict(settings.min_size), dict(settings.parallel_from)
    if enabled is not None:
        settings.enabled = enabled
    if min_size is not None:
        families = settings.min_size
        settings.min_size = ({f: min_size for f in families} if isinstance(min_size, int)
                             else {**families, **min_size})
        settings.parallel_from = {f: n for f, n in settings.parallel_from.items()
                                  if not isinstance(min_size, int) and f not in min_size}
    if parallel_from is not None:
        settings.parallel_from = dict(parallel_from)
    _sync_sizes()
    try:
        yield settings
    finally:
        settings.enabled, settings.min_size, settings.parallel_from = saved
        _sync_sizes()


def _openmp_loaded():
    """Is an OpenMP runtime already in the process (PyTorch loads its libgomp on import)?"""
    try:
        with open('/proc/self/maps') as maps:
            return any('libgomp' in line or 'libiomp' in line for line in maps)
    except OSError:
        return False


def prepare_threads():
    """Call before Numba's first parallel launch in the process. Its OpenMP workers would
    otherwise spin between kernels and take the cores NumPy's BLAS threads need: a 1-64-64-1
    MLP step went from 0.9 ms to 28 ms on 2 cores. Sleeping workers cost ~10 us more per
    launch, which the measured crossovers include. A value the user set is kept.

    OpenMP reads the policy once, when it loads. If it is already loaded (PyTorch imported
    first), setting it now does nothing, and the same MLP step took 16 ms; then the kernels
    use Numba's own thread pool ('workqueue'), whose workers sleep, and launch one at a time
    (that pool is not safe for launches from several threads)."""
    if 'OMP_WAIT_POLICY' in os.environ or settings.threading_layer is not None:
        return
    if 'NUMBA_THREADING_LAYER' not in os.environ and _openmp_loaded():
        settings.threading_layer = 'workqueue'
        _choose_threading_layer('workqueue')
    os.environ['OMP_WAIT_POLICY'] = 'PASSIVE'


def _choose_threading_layer(layer):
    """Numba reads its layer from the environment on import and starts it on the first
    parallel launch (or set_num_threads): set whichever is still ahead."""
    numba = sys.modules.get('numba')
    if numba is None:
        os.environ['NUMBA_THREADING_LAYER'] = layer
        return
    try:
        numba.threading_layer()          # raises until the layer has started
    except ValueError:
        numba.config.THREADING_LAYER = layer


def _kernel_module(name):
    module = _kernel_modules.get(name)
    if module is None:                      # once a module: the rest is ~3 us a call
        prepare_threads()
        heap.keep_large_blocks()            # large arrays: reuse their blocks (heap.py)
        module = importlib.import_module(f'{__package__}.numba_kernels.{name}')
        _kernel_modules[name] = module
    return module


_kernel_modules = {}


def kernels_loaded():
    """Is Numba in this process already (a kernel module, or the user, imported it)? Then a
    kernel costs its cache's load once, not Numba's import (fused_kernels asks the same)."""
    return 'numba' in sys.modules


def fused_kernels(name, size):
    """numba_kernels/<name>'s fused kernels for `size` elements: the module (its parallel
    ones) from the parallel crossover, its SERIAL twins below it from the family's size or,
    once Numba is loaded anyway, from SERIAL_FROM (as the elementwise routers do), else None
    (NumPy)."""
    if parallel_pays('elementwise_fused', size):
        return _kernel_module(name)
    if kernel_pays('elementwise_fused', size) or (
            settings.enabled and kernels_loaded()
            and size >= SERIAL_FROM['elementwise_fused']):
        serial = _serial_twins.get(name)
        if serial is None:                  # (import_module on every call: ~1 us)
            serial = _serial_twins[name] = importlib.import_module(
                f'{__package__}.numba_kernels.{name}').SERIAL
        return serial
    return None


_serial_twins = {}                          # kernel module name -> its SERIAL namespace


# Reentrant: a kernel module's Python may launch a second kernel (a loss's exact sum) while
# its router holds the lock; launches stay one at a time all the same.
launch_lock = threading.RLock()
_FLOAT32 = np.dtype(np.float32)


# Families whose kernels pick a serial twin below their parallel crossover: below min_size
# they still take the kernel, from this many elements, once Numba is loaded anyway
# (importing it costs ~0.5 s, more than a short script's small steps would save). An SGD
# step with momentum on a 64 x 64 parameter: ~20 us against NumPy's ~210
# (benchmarks/results/cpu-norms-2026-12-04); tanh's gradient on 2^14 elements: 10 us against
# NumPy's 100 (its fused multiply-add emulated). Single ufuncs stay NumPy's below theirs.
SERIAL_FROM = {'optim': 0, 'elementwise_fused': 256, 'transcendental': 256, 'extreme': 256}


def _route(name, numpy_fn, module_name, family):
    """The primitive that replaces `numpy_fn`: a size test, then the kernel or NumPy."""
    kernel = None
    ndarray = np.ndarray
    from_size = _from_size
    serial_from = SERIAL_FROM
    float32_in_cpu = name in CPU_FLOAT32
    broadcasts = family == 'elementwise'    # binary ops: the result may outgrow both inputs

    def primitive(*args):
        nonlocal kernel
        first = args[0]
        if type(first) is not ndarray:      # a number first (1 - x), or a NumPy scalar
            first = args[1] if len(args) > 1 else None
            if type(first) is not ndarray:
                return numpy_fn(*args)
        if float32_in_cpu and first.dtype is _FLOAT32:
            return numpy_fn(*args)
        size = first.size
        if size < from_size[family] and broadcasts and len(args) > 1 and first is args[0]:
            size = broadcast_size(first, args[1], size)
        if size < from_size[family] and not (
                size >= serial_from.get(family, size + 1) and settings.enabled
                and 'numba' in sys.modules):
            return numpy_fn(*args)
        if kernel is None:
            kernel = getattr(_kernel_module(module_name), name)
        if settings.threading_layer == 'workqueue':
            with launch_lock:
                out = kernel(*args)
        else:
            out = kernel(*args)
        if out is None if family != 'optim' else out is DECLINED:
            return numpy_fn(*args)
        return out

    primitive.__name__ = primitive.__qualname__ = name
    primitive.__doc__ = numpy_fn.__doc__
    primitive.numpy = numpy_fn          # the original, for benchmarks and tests
    return primitive


def broadcast_size(first, second, size):
    """The size of first and second broadcast together, where second is an array of another
    shape ((n, 1, d) * (1, m, d) is larger than either); `size` otherwise, and where the shapes
    do not broadcast (the primitive's NumPy gives the error). A loop of its own: 0.6 us
    against np.broadcast_shapes' 2.4, on every such call below the crossover."""
    if type(second) is not np.ndarray:
        return size
    longer, shorter = first.shape, second.shape
    if longer == shorter:
        return size
    if len(longer) < len(shorter):
        longer, shorter = shorter, longer
    lead = len(longer) - len(shorter)
    total = 1
    for i, n in enumerate(longer):
        if i >= lead:
            m = shorter[i - lead]
            if m != n:
                if n == 1:
                    n = m
                elif m != 1:
                    return size
        total *= n
    return total


def install(namespace):
    """Replace each routed primitive in `namespace` (cpu.py's globals) by its router."""
    for name, (module_name, family) in ROUTES.items():
        if name in namespace:
            namespace[name] = _route(name, namespace[name], module_name, family)


def numpy_twin(module):
    """A copy of backend `module` whose routed primitives are their NumPy originals."""
    twin = types.ModuleType(module.__name__)
    twin.__dict__.update(module.__dict__)
    twin.__name__ += '_numpy'
    for name in ROUTES:
        primitive = getattr(module, name, None)
        if primitive is not None:
            setattr(twin, name, primitive.numpy)
    return twin


def kernel(name):
    """The Numba kernel behind primitive `name` (imports Numba and the kernel module)."""
    module_name, _ = ROUTES[name]
    return getattr(_kernel_module(module_name), name)
