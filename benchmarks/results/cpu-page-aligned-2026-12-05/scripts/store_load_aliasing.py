"""How much does a kernel that reads one array and writes another slow down when the output
starts a few bytes past the input modulo 1 MiB? (What glibc's heap does to arrays of whole
MiBs laid end to end, once microtorch has fixed its thresholds.)

    python store_load_aliasing.py [REPEATS]

One 1 MiB float32 array (2^18 elements) is read and an output of the same size written at a
chosen distance from it inside one big page-aligned buffer, for three kernels: NumPy's
`multiply(a, 2, out=o)`, microtorch's exp kernel run serially (sleef-style, Numba) and the
rows kernel of log_softmax over (256, 1024). Times are the best of REPEATS x 20 calls, in
microseconds, and the ratio to the distance 1 MiB + 4096 (whole pages apart). One process;
the distances take turns in each repeat.
"""
import sys
import timeit

import numpy as np

import microtorch as mt
from microtorch.backends import numba_dispatch
from microtorch.backends import torch_softmax as softmax_backend
from microtorch.backends.numba_kernels.twins import serial_twin

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
N = 1 << 18
MIB = 1 << 20
DISTANCES = [MIB + 4096, MIB, MIB + 16, MIB + 64, MIB + 128, MIB + 256, MIB + 1024,
             MIB + 2048, 2 * MIB + 16, 4 * MIB + 16, MIB + 4096 + 16, MIB + (MIB >> 1) + 16]

buffer = np.empty(16 * MIB // 4, np.float32)
start = (-buffer.ctypes.data % MIB) // 4            # the input on a 1 MiB boundary
source = buffer[start:start + N]
source[:] = np.random.default_rng(0).standard_normal(N).astype(np.float32)
elementwise = sys.modules[numba_dispatch.kernel('exp_forward').__module__]
exp_serial = serial_twin(elementwise._K['exp_fwd'].parallel)
with mt.no_grad():                                  # loads log_softmax's kernels
    mt.nn.functional.log_softmax(mt.ones(4, 1024), 1)
rows = softmax_backend._kernels[0]
scratch = np.empty((1, 16 + 2 * rows.ROW_CHUNK), np.float32)
width = softmax_backend.vector_width()


def kernels(out):
    return {
        'NumPy multiply(a, 2, out=o)': lambda: np.multiply(source, 2, out=out),
        'Numba exp, serial': lambda: exp_serial(source, (), out),
        'log_softmax rows (256, 1024), 1 thread': lambda: rows.rows_forward_serial(
            source.reshape(256, 1024), out.reshape(256, 1024), width, True, scratch),
    }


best = {}
for _ in range(REPEATS):
    for d in DISTANCES:
        out = buffer[start + d // 4:start + d // 4 + N]
        for name, f in kernels(out).items():
            t = min(timeit.repeat(f, number=20, repeat=1)) / 20 * 1e6
            best[name, d] = min(best.get((name, d), t), t)

names = list(kernels(source))
print('| output starts at input + | ' + ' | '.join(names) + ' |')
print('|---|' + '---|' * len(names))
for d in DISTANCES:
    label = f'{d // MIB} MiB + {d % MIB} B'
    cells = [f'{best[n, d]:.0f} us ({best[n, d] / best[n, DISTANCES[0]]:.2f})' for n in names]
    print(f'| {label} | ' + ' | '.join(cells) + ' |')
