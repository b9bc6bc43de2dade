"""Serial twin against the parallel kernel (sleeping workers), per elementwise kernel and size."""
import timeit, numpy as np
from microtorch.backends import numba_dispatch
from microtorch.backends.numba_kernels import elementwise as ew
from microtorch.backends.numba_kernels.twins import serial_twin
numba_dispatch.prepare_threads()
rng = np.random.default_rng(0)
t = lambda f, n: min(timeit.repeat(f, number=n, repeat=5)) / n * 1e6
keys = {'tanh_fwd': 1, 'exp_fwd': 1, 'relu_2': 2, 'sigmoid_2': 2, 'tanh_2': 2, 'mul_2': 2}
print('| kernel | ' + ' | '.join(f'2^{p}' for p in range(12, 21)) + ' |')
print('|---' * 10 + '|')
for key, arity in keys.items():
    par = ew._K[key].parallel
    ser = serial_twin(par)
    cells = []
    for p in range(12, 21):
        n = 1 << p
        x = rng.standard_normal(n).astype(np.float32); g = rng.standard_normal(n).astype(np.float32)
        out = np.empty_like(x)
        args = (x, (), out) if arity == 1 else (x, g, (), out)
        par(*args); ser(*args)
        reps = max(20, (1 << 22) // n)
        cells.append(f'{t(lambda: ser(*args), reps) / t(lambda: par(*args), reps):.2f}')
    print(f'| {key} | ' + ' | '.join(cells) + ' |')
