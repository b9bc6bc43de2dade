# A cases file for benchmarks/tree_ab.py (np, L, rng, t, res from the preamble): training
# steps of #4's workloads and the README example, to check that a change leaves them alone.
import os, sys
sys.path.insert(0, os.path.join(sys.argv[1], 'benchmarks'))
import cpu_speed
cfg = dict(cpu_speed.FULL)
nn = L.nn
def readme_step():
    L.manual_seed(0)
    m = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                      nn.Linear(256, 1))
    x = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
    return cpu_speed._train_step(L, m, L.optim.Adam(m.parameters(), 1e-3), x, L.sin(3 * x))
steps = {'MLP 1-64-64-1 sigmoid SGD, batch 256': cpu_speed.small_mlp(L, rng, cfg),
         'README step 1-256-256-1 tanh Adam, batch 1024': readme_step(),
         'MLP 256-1024-1024-1 ReLU Adam, batch 1024': cpu_speed.big_mlp(L, rng, cfg)}
for name, step in steps.items():
    res[name] = t(lambda: step(0), 3 if 'ReLU' in name else 20)
