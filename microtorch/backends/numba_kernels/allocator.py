"""NumPy's data allocator as C functions compiled by Numba: blocks of ALIGN_FROM bytes and
more start on a page boundary; smaller ones go to the allocator it replaces (NumPy's
default, whose cache of small blocks keeps a one-element op's allocation ~25 ns cheaper).

Why (backends/heap.py installs these): once glibc's thresholds are fixed, large arrays come
from the heap, laid end to end, each block 16 bytes (its header) past the end of the one
before. Arrays of 1 MiB or a multiple of it then start 16 bytes apart modulo 1 MiB, and the
Xeon VM takes a load as waiting on an older store when the two addresses agree in their low
20 bits: a kernel that reads one array and writes the next stalls on nearly every load
(benchmarks/results/cpu-page-aligned-2026-12-05 measures it). Page-aligned arrays differ by
whole pages. glibc's own mmap'd blocks, which the tuning replaces, were page-aligned too.

A large block is one malloc of a page more than asked, the array at the first page boundary
past its start, and two words just below the array: the malloc'd address and the size. Not
aligned_alloc: the slack it cuts off in front of each block is taken by small arrays, freed
blocks no longer merge: a 2^22-element chain's heap grew by ~1,000 fresh pages a step and
settled 208 MB above its start instead of 48 (an exploratory run). `_ours` tells our blocks
by those words: a block from malloc has its chunk's size (< 2^40) below it, never an
address just below its own.

The functions follow PyDataMem_Handler's signatures (numpy/ndarraytypes.h). `ctx` points to
CONTEXT_FIELDS, six 64-bit words. Pointers travel as integers (the same registers in the C
calling convention). Nothing here holds the GIL or calls Python.
"""
import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

ALIGN_FROM = 128 << 10          # glibc's default mmap threshold: the blocks it would map
PAGE = 4096
_MADV_HUGEPAGE = 14             # Linux's value (glibc is the only C library tuned)
# What ctx points to: the size from which blocks are advised into huge pages as NumPy's own
# allocator does (0: never), then the replaced allocator's ctx and functions.
CONTEXT_FIELDS = ('huge_from', 'ctx', 'malloc', 'calloc', 'realloc', 'free')
# Every constant unsigned: uint64 mixed with int64 is float64 in Numba, as in NumPy.
_U = np.uint64
_HUGE_FROM, _CTX, _MALLOC, _CALLOC, _FREE = _U(0), _U(1), _U(2), _U(3), _U(5)
_WORD_BYTES, _TWO_WORDS, _PAGE, _ALIGN_FROM = _U(8), _U(16), _U(PAGE), _U(ALIGN_FROM)
_IN_PAGE = _U(PAGE - 1)
_PAGE_START = ~_IN_PAGE

_ptr, _size = types.uintp, types.uintp
_c_malloc = types.ExternalFunction('malloc', _ptr(_size))
_c_realloc = types.ExternalFunction('realloc', _ptr(_ptr, _size))
_c_free = types.ExternalFunction('free', types.void(_ptr))
_usable_size = types.ExternalFunction('malloc_usable_size', _size(_ptr))
_memset = types.ExternalFunction('memset', _ptr(_ptr, types.intc, _size))
_memcpy = types.ExternalFunction('memcpy', _ptr(_ptr, _ptr, _size))
_madvise = types.ExternalFunction('madvise', types.intc(_ptr, _size, types.intc))
_WORD = ir.IntType(64)


# ---- memory words and calls through addresses ------------------------------------------------

@intrinsic
def _load(typingctx, address):
    """The 64-bit word at `address`."""
    def codegen(context, builder, signature, args):
        return builder.load(builder.inttoptr(args[0], _WORD.as_pointer()))
    return types.uint64(types.uintp), codegen


@intrinsic
def _store(typingctx, address, value):
    """Write the 64-bit word `value` at `address`."""
    def codegen(context, builder, signature, args):
        builder.store(args[1], builder.inttoptr(args[0], _WORD.as_pointer()))
        return context.get_dummy_value()
    return types.void(types.uintp, types.uint64), codegen


def _call_codegen(context, builder, signature, values):
    """Call the C function at address values[0] with the rest as 64-bit arguments."""
    kind = ir.FunctionType(_WORD, [_WORD] * (len(values) - 1))
    return builder.call(builder.inttoptr(values[0], kind.as_pointer()), list(values[1:]))


@intrinsic
def _call2(typingctx, function, a, b):
    """function(a, b) for the C function at address `function`."""
    return types.uint64(types.uintp, types.uint64, types.uint64), _call_codegen


@intrinsic
def _call3(typingctx, function, a, b, c):
    """function(a, b, c) for the C function at address `function`."""
    return types.uint64(types.uintp, types.uint64, types.uint64, types.uint64), _call_codegen


@numba.njit(inline='always')
def _field(ctx, index):
    return _load(ctx + index * _WORD_BYTES)


# ---- page-aligned blocks ------------------------------------------------------------------------

@numba.njit(inline='always')
def _page_aligned(ctx, size):
    """An array of `size` bytes at a page boundary inside one malloc'd block; 0 when out of
    memory."""
    block = _c_malloc(size + _PAGE)
    if block == 0:
        return 0
    p = (block + _PAGE) & _PAGE_START           # 16 to 4096 bytes past the block's start
    _store(p - _WORD_BYTES, block)
    _store(p - _TWO_WORDS, size)
    huge_from = _field(ctx, _HUGE_FROM)
    if huge_from != 0 and size >= huge_from:
        _madvise(p, size, _MADV_HUGEPAGE)       # a hint: its failure changes nothing
    return p


@numba.njit(inline='always')
def _ours(p):
    """Was p made by _page_aligned? (the malloc'd address below it, at most a page before)"""
    if p == 0 or p & _IN_PAGE != 0:
        return False
    block = _load(p - _WORD_BYTES)
    return block < p and p - block <= _PAGE


@numba.njit(inline='always')
def _allocate(ctx, size):
    if size >= _ALIGN_FROM:
        return _page_aligned(ctx, size)
    return _call2(_field(ctx, _MALLOC), _field(ctx, _CTX), size)


# ---- PyDataMem_Handler's functions ------------------------------------------------------------

@numba.cfunc(_ptr(_ptr, _size), cache=True)
def malloc(ctx, size):
    return _allocate(ctx, size)


@numba.cfunc(_ptr(_ptr, _size, _size), cache=True)
def calloc(ctx, count, item_size):
    size = count * item_size
    if count != 0 and size // count != item_size:       # overflow: calloc's answer, NULL
        return 0
    if size >= _ALIGN_FROM:
        p = _page_aligned(ctx, size)
        if p != 0:
            _memset(p, 0, size)
        return p
    return _call3(_field(ctx, _CALLOC), _field(ctx, _CTX), count, item_size)


@numba.cfunc(_ptr(_ptr, _ptr, _size), cache=True)
def realloc(ctx, p, size):
    # Seldom called (ndarray.resize). NumPy's default realloc is C's; so is the rest here.
    if p == 0:
        return _allocate(ctx, size)
    if not _ours(p):
        if size < _ALIGN_FROM:
            return _c_realloc(p, size)
        old = _usable_size(p)
    else:
        old = _load(p - _TWO_WORDS)
    moved = _allocate(ctx, size)
    if moved != 0:
        _memcpy(moved, p, min(old, size))
        if _ours(p):
            _c_free(_load(p - _WORD_BYTES))
        else:
            _c_free(p)
    return moved


@numba.cfunc(types.void(_ptr, _ptr, _size), cache=True)
def free(ctx, p, size):
    if _ours(p):
        _c_free(_load(p - _WORD_BYTES))
    else:
        _call3(_field(ctx, _FREE), _field(ctx, _CTX), p, size)
