"""np.where against the routed where_forward (its Numba kernel: serial twin below the
parallel crossover), float32, random and constant masks, one process taking turns."""
import timeit
import numpy as np
import microtorch
from microtorch.backends import cpu

rng = np.random.default_rng(0)
microtorch.tensor(np.ones(1 << 15, np.float32)).sum()        # Numba loaded, as in training
print('| elements | mask | np.where us | routed us | routed / np.where |')
print('|---|---|---|---|---|')
for p in range(6, 19, 2):
    n = 1 << p
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    for name, m in (('random', rng.standard_normal(n) > 0), ('all True', np.ones(n, bool))):
        assert (cpu.where_forward(m, a, b) == np.where(m, a, b)).all()
        calls = max(20, (1 << 20) // n)
        r = {'np': [], 'routed': []}
        for _ in range(7):
            r['np'].append(timeit.timeit(lambda: np.where(m, a, b), number=calls) / calls)
            r['routed'].append(timeit.timeit(lambda: cpu.where_forward(m, a, b), number=calls)
                               / calls)
        t_np, t_r = (min(v) * 1e6 for v in r.values())
        print(f'| 2^{p} | {name} | {t_np:.2f} | {t_r:.2f} | {t_r / t_np:.2f} |')
