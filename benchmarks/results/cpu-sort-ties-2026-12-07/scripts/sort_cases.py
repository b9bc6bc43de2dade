# tree_ab.py / vs_torch.py cases: sort, topk, kthvalue and mode with and without ties.
for n in (32, 4096, 1 << 20):
    calls = 2000 if n == 32 else (200 if n == 4096 else 3)
    x = L.tensor(rng.standard_normal(n).astype(np.float32))
    tied = L.tensor(rng.integers(0, 16, n).astype(np.float32))
    res[f'sort, {n} distinct'] = t(lambda: x.sort(), calls)
    res[f'sort, {n} of 16 values'] = t(lambda: tied.sort(), calls)
    res[f'topk(5), {n} distinct'] = t(lambda: x.topk(5), calls)
    res[f'topk(5), {n} of 16 values'] = t(lambda: tied.topk(5), calls)
    res[f'kthvalue(n/2), {n} of 16 values'] = t(lambda: tied.kthvalue(n // 2), calls)
    if n <= 4096:
        res[f'mode, {n} of 16 values'] = t(lambda: tied.mode(), calls)
rows = L.tensor(rng.integers(0, 16, (256, 256)).astype(np.float32))
res['sort (256, 256) of 16 values, dim 0'] = t(lambda: rows.sort(0), 20)
res['topk(3) (256, 256) of 16 values'] = t(lambda: rows.topk(3), 20)
