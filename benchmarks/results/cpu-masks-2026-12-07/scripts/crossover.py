"""x[mask]'s primitive and its gradient's spread by route, in one process: NumPy's boolean
index, the serial kernels, the parallel ones (numba_dispatch.configure), float32, masks of
50%, 5% and 95% Trues at random. Each time is the best of 5 repeats; the rounds take the
routes in turn, and the table gives each route's median over the rounds.

    python crossover.py [ROUNDS]
"""
import statistics
import sys
import timeit

import numpy as np

sys.path.insert(0, sys.argv[2] if len(sys.argv) > 2 else '.')
from microtorch.backends import cpu, heap, numba_dispatch  # noqa: E402

heap.keep_large_blocks()                        # as microtorch's first large op does
ROUTES = {'numpy': dict(enabled=False),
          'serial': dict(min_size=0, parallel_from={'mask': 1 << 40}),
          'parallel': dict(min_size=0, parallel_from={})}


def best(f, n):
    return min(timeit.repeat(f, number=n, repeat=5)) / n * 1e6


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rng = np.random.default_rng(0)
    times = {}
    for p in (0.5, 0.05, 0.95):
        for e in (10, 12, 14, 16, 18, 20, 22):
            n = 1 << e
            x = rng.standard_normal(n).astype(np.float32)
            mask = rng.random(n) < p
            gy = x[mask]
            reps = max(1, (1 << 20) // n)
            for r in range(rounds):
                for route in (ROUTES if r % 2 == 0 else list(ROUTES)[::-1]):
                    with numba_dispatch.configure(**ROUTES[route]):
                        cpu.masked_select(x, mask)                  # compiled, warm
                        cpu.mask_spread(gy, mask, (n,), True)
                        times.setdefault(('select', p, e, route), []).append(
                            best(lambda: cpu.masked_select(x, mask), reps))
                        times.setdefault(('spread', p, e, route), []).append(
                            best(lambda: cpu.mask_spread(gy, mask, (n,), True), reps))
    print('| primitive | Trues | n | NumPy us | serial us | parallel us | serial / NumPy | '
          'parallel / serial |')
    print('|---|---|---|---|---|---|---|---|')
    for what in ('select', 'spread'):
        for p in (0.5, 0.05, 0.95):
            for e in (10, 12, 14, 16, 18, 20, 22):
                t = {route: statistics.median(times[what, p, e, route]) for route in ROUTES}
                print(f'| {what} | {p:.0%} | 2^{e} | {t["numpy"]:.1f} | {t["serial"]:.1f} | '
                      f'{t["parallel"]:.1f} | {t["serial"] / t["numpy"]:.2f} | '
                      f'{t["parallel"] / t["serial"]:.2f} |')


if __name__ == '__main__':
    main()
