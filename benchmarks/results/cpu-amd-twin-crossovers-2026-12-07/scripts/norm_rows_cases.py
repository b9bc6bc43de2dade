# tree_ab.py cases: layer_norm's rows kernels (forward, backward) and the 2-norm's rows, float32,
# around the crossovers (the rows kernels go parallel from the reduction family's size)
for rows, n, calls in ((256, 128, 100), (1024, 128, 50), (2048, 128, 20), (4096, 128, 10),
                       (1024, 1024, 5)):
    a = L.tensor(rng.standard_normal((rows, n)).astype(np.float32), requires_grad=True)
    w = L.tensor(rng.standard_normal(n).astype(np.float32), requires_grad=True)
    b = L.tensor(rng.standard_normal(n).astype(np.float32), requires_grad=True)

    def fwd(a=a, w=w, b=b, n=n):
        with L.no_grad():
            L.nn.functional.layer_norm(a, (n,), w, b)

    def step(a=a, w=w, b=b, n=n):
        L.nn.functional.layer_norm(a, (n,), w, b).sum().backward()
        a.grad = w.grad = b.grad = None
    res[f'layer_norm forward ({rows}, {n})'] = t(fwd, calls)
    res[f'layer_norm f+b ({rows}, {n})'] = t(step, calls)
    res[f'norm(dim=-1) ({rows}, {n})'] = t(lambda a=a: a.detach().norm(dim=-1), calls)
