"""In one process, rounds alternate between the products as they are and the bands of
pooled_gemm.py from 2^N multiply-adds, smaller products held on one OpenBLAS thread (hold)
or not (free); needs pooled_gemm_wiring.diff applied.

    python toggle3.py ROUNDS 24:hold 24:free 28:hold
"""

import os, sys, timeit
import numpy as np
import microtorch as L
from microtorch.backends import numba_dispatch as nd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inprocess_steps  # noqa: E402

cases = inprocess_steps.step_cases(L)
variants = {'as is': (1 << 62, False)}
for v in sys.argv[2:]:
    frm, hold = v.split(':')
    variants[v] = (1 << int(frm), hold == 'hold')
res = {k: {v: [] for v in variants} for k in cases}
names = list(variants)
for r in range(int(sys.argv[1])):
    for v in (names if r % 2 == 0 else names[::-1]):
        nd.POOLED_GEMM_FROM, nd.HOLD_MID = variants[v]
        for k, (f, n) in cases.items():
            f()
            res[k][v].append(min(timeit.repeat(f, number=n, repeat=5)) / n * 1e6)
print('| case | ' + ' | '.join(names) + ' |')
print('|---|' + '---|' * len(names))
for k, by in res.items():
    base = by['as is']
    cells = [f'{np.median(base):.0f}'] + [
        f'{np.median(by[v]):.0f} ({np.median([x / y for x, y in zip(by[v], base)]):.2f})'
        for v in names[1:]
    ]
    print(f'| {k} | ' + ' | '.join(cells) + ' |')
