# tree_ab.py cases: torch_moments.rowwise_moments, the Numba kernel alone (serial twin on one
# thread, parallel on two tasks)
from microtorch.backends.numba_kernels import torch_moments as tm
for shape in [(64, 1024), (2048, 1024), (16384, 128), (64, 32768), (4096, 37)]:
    x = rng.standard_normal(shape).astype(np.float32)
    mean = np.empty(shape[0], np.float32); var = np.empty(shape[0], np.float32)
    n = max(1, (1 << 22) // x.size)
    res[f'serial {shape}'] = t(lambda: tm.rowwise_moments_serial(x, 8, mean, var, 1), n)
    res[f'par {shape}'] = t(lambda: tm.rowwise_moments(x, 8, mean, var, 2), n)
for shape in [(2048, 1024), (64, 1024), (4096, 128)]:
    x = rng.standard_normal(shape)
    mean = np.empty(shape[0]); var = np.empty(shape[0])
    n = max(1, (1 << 21) // x.size)
    res[f'f64 serial {shape}'] = t(lambda: tm.rowwise_moments_serial(x, 4, mean, var, 1), n)
    res[f'f64 par {shape}'] = t(lambda: tm.rowwise_moments(x, 4, mean, var, 2), n)
