"""A/B of cross_entropy on float32 (N, C) logits: fresh processes of two trees taking turns,
median times; python ce_ab.py TREE_A TREE_B ROUNDS"""
import os, statistics, subprocess, sys
CHILD = r'''
import json, time, statistics, numpy as np, microtorch as mt
from microtorch.backends import torch_softmax as ts
rng = np.random.default_rng(0)
res = {}
for shape in [(4096, 4096), (1024, 1000), (256, 10)]:
    x = rng.standard_normal(shape).astype(np.float32); t = rng.integers(0, shape[1], shape[0])
    gy = np.array(1.0, np.float32)
    xt = mt.tensor(x, requires_grad=True); tt = mt.tensor(t)
    def both():
        mt.nn.functional.cross_entropy(xt, tt).backward(); xt.grad = None
    calls = {'backward kernel': lambda: ts.cross_entropy_backward(x, t, gy, 'mean', None, -100),
             'forward + backward': both}
    for name, fn in calls.items():
        fn(); n = 3 if shape[0] == 4096 else 30; tt_ = []
        for _ in range(7):
            a = time.perf_counter()
            for _ in range(n): fn()
            tt_.append((time.perf_counter() - a) / n)
        res[f'{shape} {name}'] = statistics.median(tt_) * 1e3
print(json.dumps(res))
'''
a, b, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
import json
times = {a: {}, b: {}}
for r in range(rounds):
    for tree in ((a, b) if r % 2 == 0 else (b, a)):
        out = subprocess.run([sys.executable, '-c', CHILD], cwd=tree,
                             env=dict(os.environ, PYTHONPATH=tree), capture_output=True,
                             text=True, check=True).stdout
        for k, v in json.loads(out).items():
            times[tree].setdefault(k, []).append(v)
print('| case | before ms | after ms | after / before |')
print('|---|---|---|---|')
for k in times[a]:
    ta, tb = statistics.median(times[a][k]), statistics.median(times[b][k])
    print(f'| {k} | {ta:.3f} | {tb:.3f} | {tb / ta:.2f} |')
