# The cases of scan_fb_cases.py that its 3-round A/B put above 1.08, again: a check for
# regressions (tree_ab.py, more rounds).
F, nn = L.nn.functional, L.nn
L.manual_seed(0)
def leaf(*shape, positive=False):
    a = rng.standard_normal(shape).astype(np.float32)
    return L.tensor(np.abs(a) + 0.1 if positive else a, requires_grad=True)
h, hp, g2 = leaf(1024, 256), leaf(1024, 256, positive=True), leaf(1024, 256)
w, v = leaf(256, 256), leaf(256)
b3 = leaf(32, 64, 64)
img = leaf(16, 8, 32, 32)
gy = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
gimg = L.tensor(rng.standard_normal((16, 8, 16, 16)).astype(np.float32))
gimg_full = L.tensor(rng.standard_normal((16, 8, 32, 32)).astype(np.float32))
gb3 = L.tensor(rng.standard_normal((32, 64, 64)).astype(np.float32))
cls = L.tensor(rng.integers(0, 256, 1024))
target = L.tensor((rng.standard_normal((1024, 256)) > 0).astype(np.float32))
mask = L.tensor(rng.standard_normal((1024, 256)) > 0)
ln, bn = nn.LayerNorm(256), nn.BatchNorm1d(256)
bn2 = nn.BatchNorm2d(8)
C = {
    'silu': lambda: F.silu(h).backward(gy),
    'tanh': lambda: h.tanh().backward(gy),
    'max -1': lambda: h.max(-1).values.sum().backward(),
    'norm': lambda: h.norm().backward(),
    'cross_entropy': lambda: F.cross_entropy(h, cls).backward(),
    'smooth_l1_loss': lambda: F.smooth_l1_loss(h, g2).backward(),
    'layer_norm': lambda: ln(h).backward(gy),
    'dropout': lambda: F.dropout(h, 0.5, True).backward(gy),
    'max_pool2d': lambda: F.max_pool2d(img, 2).backward(gimg),
    'gather': lambda: h.gather(1, cls[:, None]).sum().backward(),
}
for name, f in C.items():
    res[name] = t(f, 10)
    h.grad = hp.grad = g2.grad = w.grad = v.grad = b3.grad = img.grad = None
