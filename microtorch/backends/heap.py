"""Keep freed large arrays in the C heap, so that the next step's temporaries reuse them.

glibc's malloc serves a block above its mmap threshold (a threshold it raises towards the
largest block freed, to at most 32 MiB) with fresh pages from the kernel, and gives the heap's
free top back to the kernel beyond twice that. A training step on large arrays allocates the
same temporaries every step; with several 16 MiB arrays alive at once, the heap was trimmed
and refilled each step: the 2^22-element float32 chain of benchmarks/cpu_speed.py faulted in
about 1,000 fresh pages a step and took 17 ms (54 ms for its first ten steps, on this
2-core VM), against 12 ms with fixed thresholds (benchmarks/results/
cpu-small-tensor-costs-2026-12-03). PyTorch's performance guide suggests a caching allocator
(jemalloc, tcmalloc) for the same reason.

So when an op first meets a large array (Function.apply: one at least as large as the
smallest Numba crossover, so never with Numba off) or a fused kernel first loads
(numba_dispatch), microtorch fixes the thresholds with mallopt: blocks up to MMAP_FROM come
from the heap, and up to KEEP bytes of free heap top stay in the process. Skipped when
MICROTORCH_MALLOC_TUNING=0, when the user has tuned malloc (MALLOC_*_ variables or
GLIBC_TUNABLES), and where the C library is not glibc.

With the thresholds fixed, NumPy's arrays of 128 KiB and more also start on a page boundary
(numba_kernels/allocator.py says why: arrays laid end to end in the heap slow the kernels
that read one and write the next on Intel cores). NumPy takes an allocator per context
(PyDataMem_SetHandler): the thread that makes the first large array gets it.
"""
import ctypes
import ctypes.util
import os

MMAP_FROM = 128 << 20
KEEP = 512 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3       # glibc's malloc.h

_state = []


def keep_large_blocks():
    """Fix glibc's thresholds, once a process; True when they are set (now or before)."""
    if not _state:
        _state.append(_tune())
    return _state[0]


def _tune():
    env = os.environ
    if env.get('MICROTORCH_MALLOC_TUNING', '1') == '0' or 'GLIBC_TUNABLES' in env or any(
            k.startswith('MALLOC_') and k.endswith('_') for k in env):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        mallopt = libc.mallopt
    except (OSError, AttributeError):                # not glibc: nothing to tune
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_FROM) and mallopt(_M_TRIM_THRESHOLD, KEEP))
    if tuned:
        _align_large_arrays(libc)
    return tuned


HANDLER_NAME = b'microtorch_page_aligned'
_HUGE_FROM = 4 << 20            # NumPy's own allocator advises huge pages from 4 MiB
# PyDataMem_SetHandler and PyDataMem_GetHandler in NumPy's C API table (since 1.22)
_SET_HANDLER_SLOT, _GET_HANDLER_SLOT = 304, 305


class _Allocator(ctypes.Structure):          # PyDataMemAllocator
    _fields_ = [('ctx', ctypes.c_void_p), ('malloc', ctypes.c_void_p),
                ('calloc', ctypes.c_void_p), ('realloc', ctypes.c_void_p),
                ('free', ctypes.c_void_p)]


class _Handler(ctypes.Structure):            # PyDataMem_Handler
    _fields_ = [('name', ctypes.c_char * 127), ('version', ctypes.c_uint8),
                ('allocator', _Allocator)]


def _align_large_arrays(libc):
    """Make numba_kernels/allocator.py NumPy's allocator in this context, in front of NumPy's
    default one; left alone when another allocator was installed."""
    previous = _numpy_api(_GET_HANDLER_SLOT, ctypes.py_object)()
    replaced = _Handler.from_address(_capsule_pointer(previous, b'mem_handler'))
    if replaced.name != b'default_allocator':
        return
    from .numba_kernels import allocator
    huge = _HUGE_FROM if _numpy_advises_huge_pages() else 0
    old = replaced.allocator
    context = (ctypes.c_uint64 * len(allocator.CONTEXT_FIELDS))(
        huge, *[getattr(old, name) or 0 for name in allocator.CONTEXT_FIELDS[1:]])
    # Arrays outlive every Python object at exit, and NumPy frees them through the handler:
    # its context, the handler and the capsule's name live in C memory never freed.
    handler = _Handler(HANDLER_NAME, 1, _Allocator(
        _never_freed(libc, bytes(context)), allocator.malloc.address, allocator.calloc.address,
        allocator.realloc.address, allocator.free.address))
    capsule = _capsule_new(_never_freed(libc, bytes(handler)),
                           _never_freed(libc, b'mem_handler\0'), None)
    page_aligned.append(capsule)
    set_numpy_allocator(capsule)


page_aligned = []               # the allocator's capsule, once installed


def set_numpy_allocator(capsule):
    """NumPy's PyDataMem_SetHandler: `capsule` (a "mem_handler" one, or None for NumPy's
    default) allocates the arrays made in this context from now on; returns the previous
    one. Arrays keep the allocator that made them until they are freed."""
    handler = ctypes.py_object() if capsule is None else capsule   # (NULL: the default)
    return _numpy_api(_SET_HANDLER_SLOT, ctypes.py_object, ctypes.py_object)(handler)


def _numpy_api(slot, result, *arguments):
    """The function in `slot` of NumPy's C API table."""
    table = _capsule_pointer(_multiarray_umath()._ARRAY_API, None)
    address = ctypes.c_void_p.from_address(table + slot * ctypes.sizeof(ctypes.c_void_p))
    return ctypes.PYFUNCTYPE(result, *arguments)(address.value)


# Prototypes of our own: setting argtypes on ctypes.pythonapi's would change them for others.
_capsule_new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_void_p,
                                 ctypes.c_void_p)(('PyCapsule_New', ctypes.pythonapi))
_capsule_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
    ('PyCapsule_GetPointer', ctypes.pythonapi))


def _never_freed(libc, data):
    malloc = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_size_t)(('malloc', libc))
    p = malloc(len(data))
    if not p:
        raise MemoryError("microtorch: no memory for NumPy's allocator")
    ctypes.memmove(p, data, len(data))
    return p


def _multiarray_umath():
    try:
        from numpy._core import _multiarray_umath     # NumPy 2
    except ImportError:
        from numpy.core import _multiarray_umath      # NumPy 1.x
    return _multiarray_umath


def _numpy_advises_huge_pages():
    try:
        return bool(_multiarray_umath()._get_madvise_hugepage())
    except AttributeError:
        return False
