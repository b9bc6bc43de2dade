# A cases file for benchmarks/tree_ab.py: np, L, t and res come from its preamble, and
# sys.argv[1] is the tree. The one-element steps of benchmarks/overhead.py and cpu_speed.py's
# small MLP step, from each tree's own benchmarks/.
sys.path.insert(0, sys.argv[1] + '/benchmarks')
import cpu_speed  # noqa: E402
import overhead  # noqa: E402

chain = overhead.elementwise_chain(L)
for _ in range(200):
    chain()
res['chain step'] = t(chain, 500)
scalar = overhead.scalar_sgd_step(L)
for _ in range(200):
    scalar()
res['scalar step'] = t(scalar, 500)
small = cpu_speed.small_mlp(L, np.random.default_rng(0), {'small_mlp': (256, 64)})
for i in range(20):
    small(i)
res['small MLP step'] = t(lambda: small(0), 100)
