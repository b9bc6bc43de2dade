"""OpenBLAS's SkylakeX kernels against its Haswell ones (OPENBLAS_CORETYPE, set before NumPy
loads it): fresh processes taking turns (benchmarks/tree_ab.py's in_turns), microtorch's
matmul step and MLP steps (cpu_speed.py's workloads) and NumPy's products.

    python coretype_ab.py ROUNDS ROOT            (ROOT: the checkout)
"""
import os
import sys

ROOT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else '.')
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
import tree_ab  # noqa: E402
CHILD = r'''
import os, sys
ROOT = ROOT_PATH
os.environ['OPENBLAS_CORETYPE'] = sys.argv[1]
import timeit, json, numpy as np
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
import microtorch as mt
mt.tensor(np.ones(1 << 15, np.float32)).sum()
import cpu_speed
rng = np.random.default_rng(0)
res = {}
def t(f, n):
    return min(timeit.repeat(f, number=n, repeat=7)) / n * 1e6
cfg = dict(small_mlp=(256, 64), big_mlp=(1024, 256, 1024), matmul=1024)
for name, n in [('matmul_backward', 3), ('big_mlp', 3), ('small_mlp', 200)]:
    step = getattr(cpu_speed, name)(mt, rng, cfg)
    res[name] = t(lambda: step(0), n)
for dt in (np.float32, np.float64):
    A = rng.standard_normal((1024, 1024)).astype(dt); v = rng.standard_normal(1024).astype(dt)
    res['gemv 1024 ' + np.dtype(dt).name] = t(lambda: A @ v, 200)
    res['dot 2^20 ' + np.dtype(dt).name] = t(lambda: A.ravel() @ A.ravel(), 20)
    B = rng.standard_normal((64, 64)).astype(dt); C = rng.standard_normal((256, 64)).astype(dt)
    res['256x64x64 ' + np.dtype(dt).name] = t(lambda: C @ B, 1000)
    D = rng.standard_normal((512, 512)).astype(dt)
    res['512^3 ' + np.dtype(dt).name] = t(lambda: D @ D, 10)
A = rng.standard_normal((1024, 1024))
res['1024^3 float64'] = t(lambda: A @ A, 2)
print(json.dumps(res))
'''
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
child = CHILD.replace('ROOT_PATH', repr(ROOT))
print(tree_ab.table(tree_ab.in_turns(child, 'SkylakeX', 'Haswell', rounds)))
