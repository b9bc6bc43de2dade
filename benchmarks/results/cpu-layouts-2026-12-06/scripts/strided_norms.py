# tree_ab.py / vs_torch.py cases: batch_norm and instance_norm of strided inputs, forward and
# forward + backward (a BatchNorm1d of (N, L, C).transpose(1, 2), as sequence models feed it).
F = L.nn.functional
for n, length, c in ((32, 64, 32), (64, 256, 128)):
    x = L.tensor(rng.standard_normal((n, length, c)).astype(np.float32)).transpose(1, 2)
    w, b = L.ones(c, requires_grad=True), L.zeros(c, requires_grad=True)
    rm, rv = L.zeros(c), L.ones(c)
    xg = x.detach().requires_grad_()
    calls = 2000 if n == 32 else 20
    res[f'batch_norm ({n}, {length}, {c}).T fwd'] = t(
        lambda: F.batch_norm(x, rm, rv, w, b, True), calls)

    def step():
        F.batch_norm(xg, rm, rv, w, b, True).sum().backward()
        xg.grad = w.grad = b.grad = None
    res[f'batch_norm ({n}, {length}, {c}).T f+b'] = t(step, calls // 2)
    s = L.tensor(rng.standard_normal((n, c, 2 * length)).astype(np.float32))[..., ::2]
    res[f'instance_norm ({n}, {c}, {length}) strided'] = t(lambda: F.instance_norm(s), calls)
