# Run by benchmarks/tree_ab.py (its preamble defines L, np, rng, res, t): session 46's cases
# (the chain and scalar steps of the tree's benchmarks/overhead.py, recorded ops, 20-op
# chains, small matmul and cross_entropy steps), then the ops this session changed.
exec(open(sys.argv[1] + '/benchmarks/results/cpu-chain-2026-12-07/scripts/cases.py').read())
res['record a-0.2'] = t(lambda: a - 0.2, 20000)
with L.no_grad():
    res['no_grad a*1.01'] = t(lambda: a * 1.01, 20000)
res['20x +0.1 f+b'] = t(backward_of(lambda y: y + 0.1), 1000)
res['20x sigmoid f+b'] = t(backward_of(lambda y: y.sigmoid()), 1000)
res['record (8,32) m*0.5'] = t(lambda: m * 0.5, 20000)
