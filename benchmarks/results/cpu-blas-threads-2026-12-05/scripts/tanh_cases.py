# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# tanh and sigmoid forward, backward at the README example's size and around it
for n_el in (1 << 16, 1 << 18, 1 << 20):
    shape = (n_el // 256, 256)
    xa = rng.standard_normal(shape).astype(np.float32)
    x = L.tensor(xa, requires_grad=True)
    gy = L.tensor(rng.standard_normal(shape).astype(np.float32))
    n = max(10, int(2e7 // n_el))
    with L.no_grad():
        res[f'tanh fwd {n_el}'] = t(lambda: L.tanh(x), n)
        res[f'sigmoid fwd {n_el}'] = t(lambda: L.sigmoid(x), n)
    res[f'tanh f+b {n_el}'] = t(lambda: L.tanh(x).backward(gy), n)
    res[f'sigmoid f+b {n_el}'] = t(lambda: L.sigmoid(x).backward(gy), n)
