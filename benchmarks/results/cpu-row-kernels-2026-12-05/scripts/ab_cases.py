# A cases file for benchmarks/tree_ab.py: np, mt, rng, t and res come from its preamble.
F = mt.nn.functional
for shape in [(1024, 1024), (4096, 256), (256, 64)]:
    x = mt.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    w = mt.tensor(rng.standard_normal(shape[1:]).astype(np.float32), requires_grad=True)
    gy = mt.tensor(rng.standard_normal(shape).astype(np.float32))
    n = 20 if shape[0] >= 1024 else 200
    def fb(x=x, gy=gy, shape=shape):
        F.layer_norm(x, shape[1:]).backward(gy); x.grad = None
    def fbw(x=x, w=w, gy=gy, shape=shape):
        F.layer_norm(x, shape[1:], w).backward(gy); x.grad = None; w.grad = None
    def fw(x=x, shape=shape):
        with mt.no_grad():
            F.layer_norm(x, shape[1:])
    res[f'fwd {shape}'] = t(fw, n)
    res[f'f+b {shape}'] = t(fb, n)
    res[f'f+b weight {shape}'] = t(fbw, n)
