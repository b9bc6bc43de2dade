"""A/B of a small classifier step (64-128-128-10: Linear, ReLU, LayerNorm, cross_entropy,
Adam, batch 256): fresh processes of two trees taking turns; python clf_ab.py A B ROUNDS"""
import subprocess, sys, statistics, os
CHILD = r'''
import time, statistics, numpy as np, microtorch as T
T.manual_seed(0)
rng = np.random.default_rng(0)
x = T.tensor(rng.standard_normal((256, 64)).astype(np.float32))
y = T.tensor(rng.integers(0, 10, 256))
nn = T.nn
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.LayerNorm(128),
                      nn.ReLU(), nn.Linear(128, 10))
opt = T.optim.Adam(model.parameters(), lr=1e-3)
def step():
    opt.zero_grad()
    T.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
for _ in range(30): step()
ts = []
for _ in range(7):
    t = time.perf_counter()
    for _ in range(50): step()
    ts.append((time.perf_counter() - t) / 50)
print(statistics.median(ts) * 1e6)
'''
a, b, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
env = dict(os.environ, OPENBLAS_NUM_THREADS='2')
times = {a: [], b: []}
ratios = []
for r in range(rounds):
    got = {}
    for tree in ((a, b) if r % 2 == 0 else (b, a)):
        out = subprocess.run([sys.executable, '-c', CHILD], cwd=tree,
                             env=dict(env, PYTHONPATH=tree), capture_output=True, text=True,
                             check=True).stdout
        got[tree] = float(out)
        times[tree].append(got[tree])
    ratios.append(got[b] / got[a])
for tree in (a, b):
    print(tree, f'{statistics.median(times[tree]):.0f} us', [round(t) for t in times[tree]])
print('B / A', f'{statistics.median(ratios):.3f}', [round(x, 3) for x in ratios])
