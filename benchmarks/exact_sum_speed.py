"""Time PyTorch-order sums and moments (backends/exact_sum.py, torch_moments.py) against
NumPy's own reductions, in one process: `python -m benchmarks.exact_sum_speed`.

Columns: microseconds per call (best of 5 repeats) for the exact sum or moment, then NumPy's
np.add.reduce / np.var on the same array. MICROTORCH_NUMBA=0 times the NumPy path."""
import sys
import timeit

import numpy as np

from microtorch.backends import cpu, exact_sum, numba_dispatch


def best_us(fn, min_time=0.2):
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(1, int(number * min_time / 0.2))
    return min(timer.repeat(5, number)) / number * 1e6


def cases():
    rng = np.random.default_rng(0)

    def arr(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    for n in (64, 1000, 40000):
        a = arr(n)
        yield f'sum {n}', lambda a=a: cpu.sum_forward(a, None, False), \
            lambda a=a: np.add.reduce(a)
    for shape, dim in (((256, 64), 0), ((100, 37), 1), ((4096, 1024), 0),
                       ((4096, 1024), 1)):
        a = arr(*shape)
        yield f'sum {shape} dim {dim}', lambda a=a, d=dim: cpu.sum_forward(a, (d,), False), \
            lambda a=a, d=dim: np.add.reduce(a, axis=d)
    a = arr(1 << 24)
    yield 'sum 2^24', lambda: cpu.sum_forward(a, None, False), lambda: np.add.reduce(a)
    for shape, dims in (((1 << 24,), None), ((4096, 1024), (1,)), ((100, 37), (1,)),
                        ((1000,), None)):
        a = arr(*shape)
        d = tuple(range(a.ndim)) if dims is None else dims
        yield f'var {shape} dims {dims}', lambda a=a, d=d: cpu.var_forward(a, d, 1, False), \
            lambda a=a, d=d: np.var(a, axis=d, ddof=1)
    a = arr(100, 37)
    yield 'std_mean (100, 37) dim 1', lambda: cpu.var_mean_forward(a, (1,), 1, False, True), \
        lambda: np.var(a, axis=1, ddof=1)


def main():
    only = [a for a in sys.argv[1:] if a != '--warm']
    if '--warm' in sys.argv and numba_dispatch.settings.enabled:
        exact_sum.numba_module('torch_moments')
    print(f'{"case":36} {"exact us":>10} {"numpy us":>10} {"ratio":>6}')
    for name, exact, numpy in cases():
        if only and not any(o in name for o in only):
            continue
        exact()                                  # compile / warm up
        t_exact, t_numpy = best_us(exact), best_us(numpy)
        print(f'{name:36} {t_exact:10.1f} {t_numpy:10.1f} {t_exact / t_numpy:6.1f}')


if __name__ == '__main__':
    main()
