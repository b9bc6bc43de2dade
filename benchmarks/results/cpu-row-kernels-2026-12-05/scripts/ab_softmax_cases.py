# A cases file for benchmarks/tree_ab.py: np, mt, rng, t and res come from its preamble.
F = mt.nn.functional
SHAPES = globals().get("SHAPES", [(1024, 1024), (256, 10), (256, 64)])
for shape in SHAPES:
    x = mt.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    gy = mt.tensor(rng.standard_normal(shape).astype(np.float32))
    target = mt.tensor(rng.integers(0, shape[1], shape[0]))
    n = 20 if shape[0] >= 1024 else 300

    def sm(x=x):
        with mt.no_grad():
            x.softmax(1)

    def sm_fb(x=x, gy=gy):
        x.softmax(1).backward(gy)
        x.grad = None

    def lsm_fb(x=x, gy=gy):
        x.log_softmax(1).backward(gy)
        x.grad = None

    def ce_fb(x=x, target=target):
        F.cross_entropy(x, target).backward()
        x.grad = None
    res[f'softmax fwd {shape}'] = t(sm, n)
    res[f'softmax f+b {shape}'] = t(sm_fb, n)
    res[f'log_softmax f+b {shape}'] = t(lsm_fb, n)
    res[f'cross_entropy f+b {shape}'] = t(ce_fb, n)
