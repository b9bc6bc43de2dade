"""The serial exp, tanh, sigmoid and log kernels on 2^16 float32 elements, best of 7 x 200
calls in microseconds, as Numba compiled them for this process's CPU features:

    python vector_width_kernels.py
    NUMBA_CPU_FEATURES="$(host features),-prefer-256-bit" python vector_width_kernels.py
"""
import os
import sys
import timeit

import numpy as np

import microtorch as mt
from microtorch.backends import numba_dispatch
from microtorch.backends.numba_kernels.twins import serial_twin

x = mt.tensor(np.random.default_rng(0).standard_normal(1 << 16).astype(np.float32))
x.exp()
elementwise = sys.modules[numba_dispatch.kernel('exp_forward').__module__]
source = x._data
out = np.empty_like(source)
times = []
for key in ('exp_fwd', 'tanh_fwd', 'sigmoid_fwd', 'log_fwd'):
    kernel = serial_twin(elementwise._K[key].parallel)
    arg = np.abs(source) + 0.5 if key == 'log_fwd' else source
    kernel(arg, (), out)
    best = min(timeit.repeat(lambda: kernel(arg, (), out), number=200, repeat=7)) / 200 * 1e6
    times.append(f'{key} {best:.1f}')
print('512-bit' if 'prefer-256-bit' in os.environ.get('NUMBA_CPU_FEATURES', '') else '256-bit',
      ' '.join(times))
