# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Sums along the last dim (rows of 32 to 1024 elements) and, as controls, a whole sum and a
# column sum; then a sum over two dims whose rows add into one output each.
with L.no_grad():
    for shape in ((1024, 32), (1024, 64), (1024, 256), (4096, 64), (256, 1024)):
        g = L.tensor(rng.standard_normal(shape).astype(np.float32))
        k = max(5, int(2e6 // g.numel()))
        res[f'g.sum(1) {shape}'] = t(lambda: g.sum(1), k)
    g = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
    res['g.mean(-1) (1024, 256)'] = t(lambda: g.mean(-1), 20)
    res['g.sum() (1024, 256), control'] = t(lambda: g.sum(), 20)
    res['g.sum(0) (1024, 256), control'] = t(lambda: g.sum(0), 20)
    cube = L.tensor(rng.standard_normal((64, 64, 64)).astype(np.float32))
    res['cube.sum((0, 2)) (64, 64, 64)'] = t(lambda: cube.sum((0, 2)), 20)
