# x[mask] of the leading dim (boxes[keep]: rows of 4 to 1024 float32), forward, forward +
# backward, and x[mask] = 0, at a random mask of 50% rows. For tree_ab.py and vs_torch.py.
for n, d in ((4096, 16), (16384, 64), (1024, 1024), (65536, 4)):
    xs = rng.standard_normal((n, d)).astype(np.float32)
    ms = rng.random(n) < 0.5
    x, m = L.tensor(xs), L.tensor(ms)
    xg = L.tensor(xs, requires_grad=True)
    reps = max(1, (1 << 20) // (n * d))
    res[f'x[rows] ({n}, {d})'] = t(lambda: x[m], reps)
    def fb():
        xg.grad = None
        xg[m].sum().backward()
    res[f'x[rows] f+b ({n}, {d})'] = t(fb, reps)
    def put():
        x[m] = 0.0
    res[f'x[rows] = 0 ({n}, {d})'] = t(put, reps)
