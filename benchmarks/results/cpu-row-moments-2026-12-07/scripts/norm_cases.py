# tree_ab.py / vs_torch.py cases: group_norm and layer_norm, whose statistics are
# RowwiseMoments' Numba kernel (forward; forward + backward)
for shape, groups, dtype, calls in (((4, 16, 8), 4, np.float32, 500),
                                    ((8, 32, 16, 16), 8, np.float32, 50),
                                    ((32, 64, 8, 8), 32, np.float32, 20),
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
for rows, n, dtype, calls in ((64, 1024, np.float32, 50), (1024, 1024, np.float32, 5),
                              (4096, 128, np.float32, 5), (8192, 64, np.float32, 5),
                              (64, 1024, np.float64, 50), (4096, 128, np.float64, 5)):
    a = L.tensor(rng.standard_normal((rows, n)).astype(dtype), requires_grad=True)
    g = L.tensor(rng.standard_normal(n).astype(dtype), requires_grad=True)
    name = f'({rows}, {n}) {np.dtype(dtype).name}'

    def ln_forward():
        with L.no_grad():
            L.nn.functional.layer_norm(a, (n,), g, g)

    def ln_step():
        L.nn.functional.layer_norm(a, (n,), g, g).sum().backward()
        a.grad = g.grad = None
    res[f'layer_norm forward {name}'] = t(ln_forward, calls)
    res[f'layer_norm f+b {name}'] = t(ln_step, calls)
# batch_norm's backward takes row_dot's per-plane sums, float64 now in the kernel too
for shape, dtype, calls in (((32, 64, 16, 16), np.float64, 10),):
    x = L.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    w = L.tensor(rng.standard_normal(shape[1]).astype(dtype), requires_grad=True)

    def bn_step():
        L.nn.functional.batch_norm(x, None, None, w, w, training=True).sum().backward()
        x.grad = w.grad = None
    res[f'batch_norm f+b {shape} float64'] = t(bn_step, calls)
