"""The training steps the in-process A/B scripts here time (pollab.py, toggle2.py, toggle3.py):
{name: (step, calls per repeat)} for microtorch L. The steps are the fresh-process runs' own:
the first 29 lines of session 28's omp_spin_cases.py, run with a `t` that hands back what it
would time instead of timing it."""
import os

import numpy as np

_STEPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                      'cpu-page-aligned-2026-12-05', 'scripts', 'omp_spin_cases.py')


def step_cases(L, with_matmul=True):
    L.tensor(np.ones(1 << 15, np.float32)).sum()          # Numba's kernels loaded
    rng = np.random.default_rng(0)
    with open(_STEPS) as f:
        source = ''.join(f.readlines()[:29])
    space = {'L': L, 'np': np, 'rng': rng, 'res': {}, 't': lambda step, n: (step, n)}
    exec(source, space)
    cases = space['res']
    if with_matmul:
        a = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
        b = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
        g = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
        cases['matmul f+b'] = (lambda: (a @ b).backward(g), 2)
    return cases
