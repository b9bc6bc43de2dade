# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Sums along contiguous rows of 1024 elements and more (each row now in registers), whole
# sums (their threads' chunks are such rows), and rows of 256 as a control.
with L.no_grad():
    for shape in ((256, 1024), (64, 4096), (1024, 1024), (1024, 256)):
        g = L.tensor(rng.standard_normal(shape).astype(np.float32))
        k = max(5, int(2e6 // g.numel()))
        res[f'g.sum(1) {shape}'] = t(lambda: g.sum(1), k)
    g = L.tensor(rng.standard_normal((256, 1024)).astype(np.float32))
    res['g.mean(-1) (256, 1024)'] = t(lambda: g.mean(-1), 20)
    for shape in ((1024, 256), (1024, 1024)):
        g = L.tensor(rng.standard_normal(shape).astype(np.float32))
        res[f'g.sum() {shape}'] = t(lambda: g.sum(), 20)
    d = L.tensor(rng.standard_normal((256, 1024)))
    res['g.sum(1) (256, 1024) float64'] = t(lambda: d.sum(1), 20)
