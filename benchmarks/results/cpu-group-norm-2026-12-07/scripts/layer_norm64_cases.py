# tree_ab.py / vs_torch.py cases: layer_norm's float64 forward (RowwiseMoments' Numba kernel
# and the forward rows kernel now take float64 rows)
for rows, n, calls in ((64, 1024, 50), (1024, 1024, 5), (4096, 128, 5)):
    a = L.tensor(rng.standard_normal((rows, n)))
    w = L.tensor(rng.standard_normal(n))
    res[f'layer_norm forward ({rows}, {n}) float64'] = t(
        lambda a=a, w=w, n=n: L.nn.functional.layer_norm(a, (n,), w, w), calls)
