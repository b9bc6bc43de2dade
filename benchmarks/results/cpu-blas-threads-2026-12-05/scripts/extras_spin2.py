# Extra cases, appended to the three training steps (make_cases.sh): np, L, rng, t and res come
# from the preamble of benchmarks/tree_ab.py (which omp_spin_ab.py uses too).
xs = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
gs = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
res['tanh f+b 2^18'] = t(lambda: L.tanh(xs).backward(gs), 15)
res['sigmoid f+b 2^18'] = t(lambda: L.sigmoid(xs).backward(gs), 15)
with L.no_grad():
    res['a * b 2^18'] = t(lambda: xs * gs, 15)
    res['exp 2^18'] = t(lambda: xs.exp(), 15)
