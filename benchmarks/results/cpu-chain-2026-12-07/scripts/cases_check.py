# Run by benchmarks/tree_ab.py: the scalar SGD step and (8, 32) m * m again, alone.
sys.path.insert(0, sys.argv[1] + '/benchmarks')
import overhead
res['scalar sgd step'] = t(overhead.scalar_sgd_step(L), 4000)
m = L.tensor(np.ones((8, 32), np.float32), requires_grad=True) * 1.0
res['record (8,32) m*m'] = t(lambda: m * m, 20000)
res['chain step'] = t(overhead.elementwise_chain(L), 2000)
