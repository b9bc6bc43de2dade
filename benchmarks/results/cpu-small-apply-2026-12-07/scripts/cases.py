# Run by benchmarks/tree_ab.py (its preamble defines L, np, rng, res, t); the two steps are
# benchmarks/overhead.py's workloads, taken from the tree under test.
sys.path.insert(0, sys.argv[1] + '/benchmarks')
import overhead
res['chain step'] = t(overhead.elementwise_chain(L), 2000)
res['scalar sgd step'] = t(overhead.scalar_sgd_step(L), 4000)
a = L.tensor([0.5], requires_grad=True) * 1.0
b = L.tensor([0.25])
res['record a*1.01'] = t(lambda: a * 1.01, 20000)
res['record a.tanh()'] = t(lambda: a.tanh(), 20000)
res['record a*b'] = t(lambda: a * b, 20000)
res['no record b*1.01'] = t(lambda: b * 1.01, 20000)
res['no record b-b'] = t(lambda: b - b, 20000)
m = L.tensor(np.ones((8, 32), np.float32), requires_grad=True) * 1.0
res['record (8,32) relu'] = t(lambda: m.relu(), 20000)
res['record (8,32) m*m'] = t(lambda: m * m, 20000)
s1 = L.tensor([0.5, 0.25], requires_grad=True) * 1.0
res['record s.sum()'] = t(lambda: s1.sum(), 20000)
res['record s.mean()'] = t(lambda: s1.mean(), 20000)
lg = L.tensor(rng.standard_normal((16, 10)).astype(np.float32), requires_grad=True)
tg = L.tensor(rng.integers(0, 10, 16))
def ce():
    L.nn.functional.cross_entropy(lg, tg).backward()
res['cross_entropy (16,10) f+b'] = t(ce, 2000)
dx = L.tensor(np.ones((8, 32), np.float32))
res['dropout (8,32)'] = t(lambda: L.nn.functional.dropout(dx, 0.5), 5000)
