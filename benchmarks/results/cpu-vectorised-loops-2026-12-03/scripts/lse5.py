import sys, os, time
sys.path.insert(0, os.getcwd())
import numpy as np, microtorch as mt
X = (np.random.default_rng(0).standard_normal((4096, 4096)) * 3).astype(np.float32)
def med(f, r=5):
    f(); ts = []
    for _ in range(r):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts)//2] * 1e3
x = mt.tensor(X, requires_grad=True)
print('lse f+b', med(lambda: x.logsumexp(-1).sum().backward()))
