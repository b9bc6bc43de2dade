# tree_ab.py / vs_torch.py cases: lerp (now one op with derivatives.yaml's gradients),
# softsign's gradient (PyTorch's composite order) and repeat's backward (leading repeats).
for n in (64, 512):
    calls = 500 if n == 64 else 20
    a, b, w = (L.tensor(rng.standard_normal((n, n)).astype(np.float32), requires_grad=True)
               for _ in range(3))
    d = L.tensor(rng.standard_normal((n, n)))                 # float64
    e = L.tensor(rng.standard_normal((n, n)), requires_grad=True)

    def lerp_step():
        a.lerp(b, w).sum().backward()
        a.grad = b.grad = w.grad = None

    def lerp_scalar_step():
        a.lerp(b, 0.3).sum().backward()
        a.grad = b.grad = None

    def softsign_step():
        L.nn.functional.softsign(a).sum().backward()
        a.grad = None

    def tile_step():
        a.tile((2, 1, 3)).sum().backward()
        a.grad = None
    res[f'lerp f+b, tensor weight ({n}, {n})'] = t(lerp_step, calls)
    res[f'lerp f+b, weight 0.3 ({n}, {n})'] = t(lerp_scalar_step, calls)
    res[f'lerp forward, float64 ({n}, {n})'] = t(lambda: e.detach().lerp(d, 0.3), calls)
    res[f'softsign f+b ({n}, {n})'] = t(softsign_step, calls)
    res[f'tile((2, 1, 3)) f+b ({n}, {n})'] = t(tile_step, calls)
