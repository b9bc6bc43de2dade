# A cases file for benchmarks/tree_ab.py and vs_torch.py (np, L, rng, t, res from the
# preamble): binary ops whose operands both broadcast, forward and forward + backward.
def leaf(*shape):
    return L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
h = leaf(1024, 256)
x, y = leaf(512, 1, 64), leaf(1, 256, 64)
u, v = leaf(2048, 1), leaf(1, 512)
hd, xd, yd, ud, vd = (a.detach() for a in (h, x, y, u, v))
C = {
    'unsqueeze mul, f+b (1024,1,256)*(1,8,256)':
        lambda: (h.unsqueeze(1) * h.unsqueeze(0)[:, :8]).sum().backward(),
    'unsqueeze mul, forward': lambda: hd.unsqueeze(1) * hd.unsqueeze(0)[:, :8],
    'pairwise diff, forward (512,1,64)-(1,256,64)': lambda: xd - yd,
    'pairwise squared distance, f+b': lambda: ((x - y) ** 2).sum(-1).mean().backward(),
    'outer by broadcast, forward (2048,1)*(1,512)': lambda: ud * vd,
    'outer by broadcast, f+b': lambda: (u * v).sum().backward(),
}
for name, f in C.items():
    res[name] = t(f, 5)
    for a in (h, x, y, u, v):
        a.grad = None
