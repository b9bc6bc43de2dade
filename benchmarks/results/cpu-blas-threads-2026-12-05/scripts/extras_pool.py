# Extra cases, appended to the three training steps (make_cases.sh): np, L, rng, t and res come
# from the preamble of benchmarks/tree_ab.py (which omp_spin_ab.py uses too).
a = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
b = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
g = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
res['matmul 1024 f+b'] = t(lambda: (a @ b).backward(g), 3)
with L.no_grad():
    res['relu(a @ b) 1024'] = t(lambda: L.relu(a @ b), 3)
    h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
    w = L.tensor(rng.standard_normal((256, 256)).astype(np.float32))
    res['tanh(h @ w) (1024, 256, 256)'] = t(lambda: L.tanh(h @ w), 20)
