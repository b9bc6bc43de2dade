# A cases file for benchmarks/tree_ab.py and vs_torch.py (np, L, rng, t, res from the
# preamble): ops whose time is a copy, forward + backward, at 2^18 and 2^20 elements.
def leaf(*shape):
    return L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
for rows in (1024, 4096):
    h, g2 = leaf(rows, 256), leaf(rows, 256)
    gy = L.tensor(rng.standard_normal((rows, 256)).astype(np.float32))
    hd = h.detach()
    n = rows * 256
    C = {
        'cat 0': lambda: L.cat([h, g2], 0).sum().backward(),
        'cat 1': lambda: L.cat([h, g2], 1).sum().backward(),
        'stack': lambda: L.stack([h, g2]).sum().backward(),
        'to float64': lambda: h.double().sum().backward(),
        'chunk': lambda: sum(c.sum() for c in h.chunk(4, 1)).backward(),
        'slice [:, :128]': lambda: h[:, :128].sum().backward(),
        'sum': lambda: h.sum().backward(),
        'clone': lambda: h.clone().backward(gy),
        'clone, no grad': lambda: hd.clone(),
        'double, no grad': lambda: hd.double(),
        'expand+contiguous': lambda: hd[0].expand(rows, 256).contiguous(),
    }
    for name, f in C.items():
        res[f'{name} ({rows}, 256)'] = t(f, 10)
        h.grad = g2.grad = None
