# Run by benchmarks/tree_ab.py (its preamble defines L, np, rng, res, t); the two steps are
# benchmarks/overhead.py's workloads, taken from the tree under test.
sys.path.insert(0, sys.argv[1] + '/benchmarks')
import overhead
res['chain step'] = t(overhead.elementwise_chain(L), 2000)
res['scalar sgd step'] = t(overhead.scalar_sgd_step(L), 4000)
a = L.tensor([0.5], requires_grad=True) * 1.0
res['record a*1.01'] = t(lambda: a * 1.01, 20000)
res['record a+0.1'] = t(lambda: a + 0.1, 20000)
res['record a-0.2'] = t(lambda: a - 0.2, 20000)
res['record a.tanh()'] = t(lambda: a.tanh(), 20000)
res['record a.sigmoid()'] = t(lambda: a.sigmoid(), 20000)
res['record a.sum()'] = t(lambda: a.sum(), 20000)
with L.no_grad():
    res['no_grad a*1.01'] = t(lambda: a * 1.01, 20000)


def backward_of(op, k=20):
    x = L.tensor([0.5], requires_grad=True)

    def step():
        y = x
        for _ in range(k):
            y = op(y)
        y.sum().backward()
        x.grad = None
    return step


res['20x tanh f+b'] = t(backward_of(lambda y: y.tanh()), 1000)
res['20x *1.01 f+b'] = t(backward_of(lambda y: y * 1.01), 1000)
res['20x +0.1 f+b'] = t(backward_of(lambda y: y + 0.1), 1000)
res['20x sigmoid f+b'] = t(backward_of(lambda y: y.sigmoid()), 1000)
m = L.tensor(np.ones((8, 32), np.float32), requires_grad=True) * 1.0
res['record (8,32) m*0.5'] = t(lambda: m * 0.5, 20000)
res['record (8,32) m*m'] = t(lambda: m * m, 20000)
