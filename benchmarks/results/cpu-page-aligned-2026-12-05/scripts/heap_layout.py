"""Where consecutive large arrays land once microtorch has fixed glibc's thresholds: under
NumPy's own allocator and under the page-aligned one. Prints each array's distance from the
one made before it, modulo 1 MiB (the part of the distance the Xeon's loads compare).

    python heap_layout.py
"""
import numpy as np

from microtorch.backends import heap

assert heap.keep_large_blocks(), 'glibc not tuned here'
MIB = 1 << 20
print('| allocator | float32 arrays | distance from the one before, mod 1 MiB |')
print('|---|---|---|')
for name, capsule in (("NumPy's allocator", None), ('page-aligned', heap.page_aligned[0])):
    heap.set_numpy_allocator(capsule)
    for shape in ((1024, 1024), (1024, 256), (1000, 1000)):
        arrays = [np.empty(shape, np.float32) for _ in range(4)]
        steps = [(b.ctypes.data - a.ctypes.data) % MIB for a, b in zip(arrays, arrays[1:])]
        print(f'| {name} | {shape} | ' + ', '.join(f'{s} B' for s in steps) + ' |')
        del arrays
heap.set_numpy_allocator(heap.page_aligned[0])
