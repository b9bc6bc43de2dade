"""A/B of the small MLP step (1-64-64-1 sigmoid, batch 256, SGD): fresh processes of two trees
taking turns, median step time each; python mlp_ab.py TREE_A TREE_B ROUNDS"""
import subprocess, sys, statistics, os
CHILD = r'''
import time, statistics, numpy as np, microtorch as torch
nn = torch.nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(1, 64), nn.Sigmoid(), nn.Linear(64, 64), nn.Sigmoid(),
                      nn.Linear(64, 1))
rng = np.random.default_rng(0)
x = rng.uniform(-2, 2, (256, 1)).astype(np.float32)
X, Y = torch.tensor(x), torch.tensor(np.sin(3 * x))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
loss_fn = nn.MSELoss()
def step():
    opt.zero_grad(); loss = loss_fn(model(X), Y); loss.backward(); opt.step()
for _ in range(100): step()
ts = []
for _ in range(7):
    t = time.perf_counter()
    for _ in range(100): step()
    ts.append((time.perf_counter() - t) / 100)
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
                             env=dict(env, PYTHONPATH=tree),
                             capture_output=True, text=True, check=True).stdout
        got[tree] = float(out)
        times[tree].append(got[tree])
    ratios.append(got[b] / got[a])
for tree in (a, b):
    print(tree, f'{statistics.median(times[tree]):.0f} us', [round(t) for t in times[tree]])
print('B / A', f'{statistics.median(ratios):.3f}', [round(x, 3) for x in ratios])
