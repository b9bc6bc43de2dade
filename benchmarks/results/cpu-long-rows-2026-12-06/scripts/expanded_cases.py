# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Binary ops with an expanded operand (stride 0 in some dims, as Tensor.expand makes), which
# the rows kernels now take as the row or column they repeat; addmm adds its input so; the
# same ops broadcast, as a control.
x1 = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
w1 = L.tensor(rng.standard_normal((256, 1)).astype(np.float32))
h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
w = L.tensor(rng.standard_normal((256, 256)).astype(np.float32))
b = L.tensor(rng.standard_normal(256).astype(np.float32))
col = L.tensor(rng.standard_normal((1024, 1)).astype(np.float32))
with L.no_grad():
    res['h + b.expand_as(h) (1024, 256)'] = t(lambda: h + b.expand_as(h), 50)
    res['h * col.expand_as(h) (1024, 256)'] = t(lambda: h * col.expand_as(h), 50)
    res['h + b (1024, 256), control'] = t(lambda: h + b, 50)
    res['addmm(b, x, w1.T) 1024x1x256'] = t(lambda: L.addmm(b, x1, w1.t()), 50)
    res['addmm(b, h, w.T) 1024x256x256'] = t(lambda: L.addmm(b, h, w.t()), 20)
    res['h @ w.T + b, control'] = t(lambda: h @ w.t() + b, 20)
