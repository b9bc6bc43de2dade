# tree_ab.py / vs_torch.py cases: group_norm forward and forward + backward (weight and bias)
for shape, groups, dtype, calls in (((4, 16, 8), 4, np.float32, 500),
                                    ((8, 32, 16, 16), 8, np.float32, 50),
                                    ((32, 64, 32, 32), 32, np.float32, 5),
                                    ((8, 32, 16, 16), 8, np.float64, 50)):
    x = L.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    w = L.tensor(rng.standard_normal(shape[1]).astype(dtype), requires_grad=True)
    b = L.tensor(rng.standard_normal(shape[1]).astype(dtype), requires_grad=True)
    name = f'{shape} G={groups} {np.dtype(dtype).name}'

    def forward():
        with L.no_grad():
            L.nn.functional.group_norm(x, groups, w, b)

    def step():
        L.nn.functional.group_norm(x, groups, w, b).sum().backward()
        x.grad = w.grad = b.grad = None
    res[f'group_norm forward {name}'] = t(forward, calls)
    res[f'group_norm f+b {name}'] = t(step, calls)
# layer_norm's float64 statistics: RowwiseMoments' Numba kernel now takes float64 rows too
for rows, n, calls in ((64, 1024, 50), (1024, 1024, 5)):
    a = L.tensor(rng.standard_normal((rows, n)), requires_grad=True)

    def ln_forward():
        with L.no_grad():
            L.nn.functional.layer_norm(a, (n,))
    res[f'layer_norm forward ({rows}, {n}) float64'] = t(ln_forward, calls)
