# x[mask], masked_select (a mask of x's shape, and one row broadcast), forward and
# forward + backward, float32 at random masks of 50% Trues (and one of 5%). For tree_ab.py
# (L = microtorch) and vs_torch.py (L = PyTorch or microtorch).
for n in (1 << 12, 1 << 16, 1 << 18, 1 << 22):
    reps = max(1, (1 << 20) // n)
    xs = rng.standard_normal(n).astype(np.float32)
    for p in ((0.5, 0.05) if n == 1 << 18 else (0.5,)):
        ms = rng.random(n) < p
        x, m = L.tensor(xs), L.tensor(ms)
        xg = L.tensor(xs, requires_grad=True)
        tag = f'{n} p={p}'
        res[f'x[m] {tag}'] = t(lambda: x[m], reps)
        res[f'masked_select {tag}'] = t(lambda: L.masked_select(x, m), reps)

        def fb():
            xg.grad = None
            xg[m].sum().backward()
        res[f'x[m] f+b {tag}'] = t(fb, reps)

        def fb_select():
            xg.grad = None
            L.masked_select(xg, m).sum().backward()
        res[f'masked_select f+b {tag}'] = t(fb_select, reps)
    x2 = L.tensor(xs.reshape(-1, 256))
    m2 = L.tensor(rng.random((1, 256)) < 0.5)
    x2g = L.tensor(xs.reshape(-1, 256), requires_grad=True)
    res[f'masked_select (-1, 256) by (1, 256) {n}'] = t(lambda: L.masked_select(x2, m2), reps)

    def fb_row():
        x2g.grad = None
        L.masked_select(x2g, m2).sum().backward()
    res[f'masked_select (-1, 256) by (1, 256) f+b {n}'] = t(fb_row, reps)
