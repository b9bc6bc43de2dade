# x[mask] = 0.0 and x[mask] = values (no grad: a write into storage; and recorded: y = w * 1,
# y[mask] = v, backward), float32 at a random mask of 50% Trues (and one of 5% at 2^18).
# For tree_ab.py (L = microtorch) and vs_torch.py (L = PyTorch or microtorch).
for n in (1 << 12, 1 << 16, 1 << 18, 1 << 20):
    reps = max(1, (1 << 20) // n)
    xs = rng.standard_normal(n).astype(np.float32)
    for p in ((0.5, 0.05) if n == 1 << 18 else (0.5,)):
        ms = rng.random(n) < p
        x, m = L.tensor(xs), L.tensor(ms)
        v = L.tensor(xs[ms])
        tag = f'{n} p={p}'

        def put_number():
            x[m] = 0.0
        res[f'x[m] = 0 {tag}'] = t(put_number, reps)

        def put_values():
            x[m] = v
        res[f'x[m] = v {tag}'] = t(put_values, reps)
        w = L.tensor(xs, requires_grad=True)
        vg = L.tensor(xs[ms], requires_grad=True)

        def recorded():
            w.grad = vg.grad = None
            y = w * 1.0
            y[m] = vg
            y.sum().backward()
        res[f'y[m] = v f+b {tag}'] = t(recorded, reps)
