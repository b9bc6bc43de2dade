# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# float64 sums of 2^18 to 2^19 - 1 elements (2 to 4 MiB), which now go parallel as float32
# ones of twice the elements do; float32 sums of the same shapes as controls.
with L.no_grad():
    for dtype in ('float64', 'float32'):
        for shape in ((256, 1024), (384, 1024)):
            g = L.tensor(rng.standard_normal(shape).astype(dtype))
            res[f'g.sum(1) {shape} {dtype}'] = t(lambda: g.sum(1), 20)
            res[f'g.sum(0) {shape} {dtype}'] = t(lambda: g.sum(0), 20)
            res[f'g.sum() {shape} {dtype}'] = t(lambda: g.sum(), 20)
