# The README example's training step with Function.apply's broadcast sizing on and off
# (numba_dispatch.broadcast_below at the elementwise crossover or infinite), in one process,
# 12 rounds taking turns. Run from the checkout: python <this file>.
import numpy as np, timeit, sys
sys.path.insert(0, 'benchmarks')
import microtorch as L, cpu_speed
from microtorch.backends import numba_dispatch as nd
L.tensor(np.ones(1 << 15, np.float32)).sum()
rng = np.random.default_rng(0)
nn = L.nn
L.manual_seed(0)
m = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                  nn.Linear(256, 1))
x = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
step = cpu_speed._train_step(L, m, L.optim.Adam(m.parameters(), 1e-3), x, L.sin(3 * x))
on = nd.broadcast_below[0]
res = {'on': [], 'off': []}
for r in range(12):
    for k in ('on', 'off') if r % 2 else ('off', 'on'):
        nd.broadcast_below[0] = on if k == 'on' else float('inf')
        res[k].append(min(timeit.repeat(lambda: step(0), number=20, repeat=5)) / 20 * 1e6)
ratios = sorted(a / b for a, b in zip(res['on'], res['off']))
print('on/off median', ratios[len(ratios) // 2],
      'on', sorted(res['on'])[6], 'off', sorted(res['off'])[6])
