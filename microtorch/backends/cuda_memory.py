"""GPU out-of-memory errors that say what was asked for and what was free.

CuPy's own error says only how many bytes one allocation wanted. The CUDA backend routes
every CuPy allocation through `reporting_allocator`, which turns that error into
`OutOfMemoryError` with PyTorch's wording: the bytes asked for, the device's free and total
memory, and what microtorch's pool holds. No CuPy import here (the error must exist without
it), so the allocator takes the CuPy module as an argument.
"""


class OutOfMemoryError(RuntimeError):
    """A GPU allocation failed (PyTorch's torch.OutOfMemoryError). The op that asked has
    changed nothing: outputs are allocated before anything is written."""

    def __init__(self, message, requested=0, free=0, total=0):
        super().__init__(message)
        self.requested, self.free, self.total = requested, free, total


def format_size(nbytes):
    """PyTorch's sizes in its OOM message: bytes, KiB, MiB or GiB with two decimals."""
    if nbytes < 1024:
        return f'{nbytes} bytes'
    for unit, scale in (('KiB', 1 << 10), ('MiB', 1 << 20), ('GiB', 1 << 30)):
        if nbytes < scale << 10 or unit == 'GiB':
            return f'{nbytes / scale:.2f} {unit}'


def out_of_memory(requested, device, free, total, allocated, reserved):
    message = (f'CUDA out of memory. Tried to allocate {format_size(requested)} '
               f'({requested} bytes). GPU {device} has a total capacity of '
               f'{format_size(total)} of which {format_size(free)} ({free} bytes) is free. '
               f'Of the allocated memory {format_size(allocated)} is allocated by microtorch, '
               f'and {format_size(max(reserved - allocated, 0))} is reserved by microtorch but '
               'unallocated. Free tensors you no longer need, or call '
               'microtorch.cuda.empty_cache() if other processes need the memory.')
    return OutOfMemoryError(message, requested, free, total)


def reporting_allocator(cupy, malloc):
    """An allocator for cupy.cuda.set_allocator: `malloc` (the pool's, which already frees
    its cached blocks and retries before it gives up), with CuPy's out-of-memory error
    replaced by ours."""
    cupy_oom = cupy.cuda.memory.OutOfMemoryError

    def allocate(nbytes):
        try:
            return malloc(nbytes)
        except cupy_oom:
            pass                  # raised outside the handler: no chained CuPy traceback
        pool = cupy.get_default_memory_pool()
        free, total = cupy.cuda.runtime.memGetInfo()
        raise out_of_memory(nbytes, cupy.cuda.runtime.getDevice(), free, total,
                            pool.used_bytes(), pool.total_bytes())
    return allocate
