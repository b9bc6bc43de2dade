import sys, os, time
sys.path.insert(0, os.getcwd())
import numpy as np, microtorch as mt
X = np.random.default_rng(0).standard_normal((64, 64, 64, 64)).astype(np.float32)
def med(f, r=5):
    f(); ts = []
    for _ in range(r):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts)//2] * 1e3
x = mt.tensor(X, requires_grad=True); bn = mt.nn.BatchNorm2d(64)
print('bn f+b', med(lambda: bn(x).sum().backward()))
