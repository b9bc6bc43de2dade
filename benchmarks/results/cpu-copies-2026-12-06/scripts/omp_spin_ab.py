"""Training steps and ops under three wait policies of Numba's OpenMP workers: sleeping at
once (microtorch's OMP_WAIT_POLICY=PASSIVE), or spinning 3,000 / 30,000 rounds first
(OMP_WAIT_POLICY=ACTIVE with GOMP_SPINCOUNT). Fresh processes, the variants taking turns (the
order reversed every other round); each step's median over about a second.
    python omp_spin_ab.py ROUNDS"""
import json, os, subprocess, sys, statistics
HERE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
VARIANTS = {'passive': {}, 'spin3k': {'OMP_WAIT_POLICY': 'ACTIVE', 'GOMP_SPINCOUNT': '3000'},
            'spin30k': {'OMP_WAIT_POLICY': 'ACTIVE', 'GOMP_SPINCOUNT': '30000'}}
CHILD = r'''
import sys, time, json, numpy as np
sys.path.insert(0, %r)
import microtorch as L
import cpu_speed
L.tensor(np.ones(1 << 20, np.float32)).exp()
rng = np.random.default_rng(0)
cfg = dict(cpu_speed.FULL)
F = L.nn.functional
h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
g2 = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
gy = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
def ex():
    nn = L.nn; L.manual_seed(0)
    m = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                      nn.Linear(256, 1))
    x = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32)); y = L.sin(3 * x)
    return cpu_speed._train_step(L, m, L.optim.Adam(m.parameters(), 1e-3), x, y)
W = {'small_mlp': cpu_speed.small_mlp(L, rng, cfg), 'big_mlp': cpu_speed.big_mlp(L, rng, cfg),
     'chain2^22': cpu_speed.fused_chain(L, rng, cfg),
     'matmul1024': cpu_speed.matmul_backward(L, rng, cfg),
     'readme_step': ex(),
     'exp f+b': lambda i: (h.exp().backward(gy), setattr(h, 'grad', None)),
     'softmax f+b': lambda i: (F.softmax(h, -1).backward(gy), setattr(h, 'grad', None)),
     'mse f+b': lambda i: (F.mse_loss(h, g2).backward(), setattr(h, 'grad', None),
                           setattr(g2, 'grad', None))}
out = {}
for name, step in W.items():
    for i in range(5): step(i)
    ts = []
    budget = time.perf_counter() + 1.0
    i = 0
    while time.perf_counter() < budget or i < 10:
        a = time.perf_counter(); step(i); ts.append(time.perf_counter() - a); i += 1
    out[name] = float(np.median(ts))
print(json.dumps(out))
''' % HERE
rounds = int(sys.argv[1])
res = {v: {} for v in VARIANTS}
for r in range(rounds):
    order = list(VARIANTS) if r % 2 == 0 else list(VARIANTS)[::-1]
    for v in order:
        env = dict(os.environ, **VARIANTS[v])
        o = subprocess.run([sys.executable, '-c', CHILD], env=env, capture_output=True, text=True)
        if o.returncode: print(o.stderr); sys.exit(1)
        for k, s in json.loads(o.stdout.splitlines()[-1]).items():
            res[v].setdefault(k, []).append(s)
names = list(res['passive'])
print(f'{rounds} rounds; median step time (us) per variant, ratio to passive')
print('| workload | ' + ' | '.join(VARIANTS) + ' |')
print('|---' * (len(VARIANTS) + 1) + '|')
for k in names:
    base = statistics.median(res['passive'][k])
    cells = []
    for v in VARIANTS:
        m = statistics.median(res[v][k])
        cells.append(f'{m * 1e6:.0f}' + ('' if v == 'passive' else f' ({m / base:.2f})'))
    print(f'| {k} | ' + ' | '.join(cells) + ' |')
