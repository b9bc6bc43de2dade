"""A/B of a whole training step: fresh processes of two trees taking turns, the median step
time of each tree and of the rounds' ratios.

    python step_ab.py TREE_A TREE_B ROUNDS {mlp|classifier}

mlp: #4's small MLP (1-64-64-1 sigmoid, batch 256, SGD, MSE). classifier: 64-128-128-10
(Linear, ReLU, Linear, LayerNorm, ReLU, Linear), cross_entropy, Adam, batch 256.
"""
import os
import statistics
import subprocess
import sys

MLP = r'''
model = nn.Sequential(nn.Linear(1, 64), nn.Sigmoid(), nn.Linear(64, 64), nn.Sigmoid(),
                      nn.Linear(64, 1))
x = rng.uniform(-2, 2, (256, 1)).astype(np.float32)
X, Y = torch.tensor(x), torch.tensor(np.sin(3 * x))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
loss_fn = nn.MSELoss()
def step():
    opt.zero_grad(); loss = loss_fn(model(X), Y); loss.backward(); opt.step()
'''
CLASSIFIER = r'''
X = torch.tensor(rng.standard_normal((256, 64)).astype(np.float32))
Y = torch.tensor(rng.integers(0, 10, 256))
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.LayerNorm(128),
                      nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
def step():
    opt.zero_grad(); nn.functional.cross_entropy(model(X), Y).backward(); opt.step()
'''
TIMED = r'''
for _ in range(50): step()
ts = []
for _ in range(7):
    t = time.perf_counter()
    for _ in range(50): step()
    ts.append((time.perf_counter() - t) / 50)
print(statistics.median(ts) * 1e6)
'''
SETUP = r'''
import time, statistics, numpy as np, microtorch as torch
nn = torch.nn
torch.manual_seed(0)
rng = np.random.default_rng(0)
'''


def main(argv):
    a, b, rounds, which = argv[0], argv[1], int(argv[2]), argv[3]
    child = SETUP + {'mlp': MLP, 'classifier': CLASSIFIER}[which] + TIMED
    env = dict(os.environ, OPENBLAS_NUM_THREADS='2')
    times = {a: [], b: []}
    ratios = []
    for r in range(rounds):
        got = {}
        for tree in ((a, b) if r % 2 == 0 else (b, a)):
            out = subprocess.run([sys.executable, '-c', child], cwd=tree,
                                 env=dict(env, PYTHONPATH=tree), capture_output=True,
                                 text=True, check=True).stdout
            got[tree] = float(out)
            times[tree].append(got[tree])
        ratios.append(got[b] / got[a])
    for tree in (a, b):
        print(tree, f'{statistics.median(times[tree]):.0f} us',
              [round(t) for t in times[tree]])
    print('B / A', f'{statistics.median(ratios):.3f}', [round(x, 3) for x in ratios])


if __name__ == '__main__':
    main(sys.argv[1:])
