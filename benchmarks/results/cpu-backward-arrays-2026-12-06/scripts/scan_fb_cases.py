# A cases file for benchmarks/vs_torch.py (np, L, rng, t, res from its preamble): forward +
# backward of common training ops at one moderate size, to find backward paths far slower
# than PyTorch's.
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
    'relu': lambda: F.relu(h).backward(gy),
    'gelu': lambda: F.gelu(h).backward(gy),
    'silu': lambda: F.silu(h).backward(gy),
    'sigmoid': lambda: h.sigmoid().backward(gy),
    'tanh': lambda: h.tanh().backward(gy),
    'softplus': lambda: F.softplus(h).backward(gy),
    'leaky_relu': lambda: F.leaky_relu(h, 0.1).backward(gy),
    'elu': lambda: F.elu(h).backward(gy),
    'exp': lambda: h.exp().backward(gy),
    'log': lambda: hp.log().backward(gy),
    'sqrt': lambda: hp.sqrt().backward(gy),
    'abs': lambda: h.abs().backward(gy),
    'clamp': lambda: h.clamp(-0.5, 0.5).backward(gy),
    'pow 2': lambda: (h ** 2).backward(gy),
    'h * g': lambda: (h * g2).backward(gy),
    'h / g': lambda: (h / hp).backward(gy),
    'h + v (broadcast)': lambda: (h + v).backward(gy),
    'h * v (broadcast)': lambda: (h * v).backward(gy),
    'where': lambda: L.where(mask, h, g2).backward(gy),
    'masked_fill': lambda: h.masked_fill(mask, 0.0).backward(gy),
    'sum': lambda: h.sum().backward(),
    'mean -1': lambda: h.mean(-1).sum().backward(),
    'var -1': lambda: h.var(-1).sum().backward(),
    'max -1': lambda: h.max(-1).values.sum().backward(),
    'amax 0': lambda: h.amax(0).sum().backward(),
    'logsumexp -1': lambda: h.logsumexp(-1).sum().backward(),
    'norm': lambda: h.norm().backward(),
    'cumsum 1': lambda: h.cumsum(1).backward(gy),
    'softmax -1': lambda: F.softmax(h, -1).backward(gy),
    'log_softmax -1': lambda: F.log_softmax(h, -1).backward(gy),
    'cross_entropy': lambda: F.cross_entropy(h, cls).backward(),
    'nll_loss': lambda: F.nll_loss(h, cls).backward(),
    'mse_loss': lambda: F.mse_loss(h, g2).backward(),
    'l1_loss': lambda: F.l1_loss(h, g2).backward(),
    'smooth_l1_loss': lambda: F.smooth_l1_loss(h, g2).backward(),
    'bce_logits': lambda: F.binary_cross_entropy_with_logits(h, target).backward(),
    'bce': lambda: F.binary_cross_entropy(h.sigmoid(), target).backward(),
    'layer_norm': lambda: ln(h).backward(gy),
    'batch_norm1d train': lambda: bn(h).backward(gy),
    'batch_norm2d train': lambda: bn2(img).backward(gimg_full),
    'dropout': lambda: F.dropout(h, 0.5, True).backward(gy),
    'matmul h@w': lambda: (h @ w).backward(gy),
    'linear': lambda: F.linear(h, w, v).backward(gy),
    'bmm (32,64,64)': lambda: L.bmm(b3, b3).backward(gb3),
    'max_pool2d': lambda: F.max_pool2d(img, 2).backward(gimg),
    'avg_pool2d': lambda: F.avg_pool2d(img, 2).backward(gimg),
    'gather': lambda: h.gather(1, cls[:, None]).sum().backward(),
    'cat 0': lambda: L.cat([h, g2], 0).sum().backward(),
    'stack': lambda: L.stack([h, g2]).sum().backward(),
    't() @ ': lambda: (h.t() @ h).sum().backward(),
    'transpose+reshape': lambda: h.t().reshape(-1).sum().backward(),
    'flip': lambda: h.flip(0).backward(gy),
    'roll': lambda: h.roll(3, 1).backward(gy),
    'expand+sum': lambda: v.expand(1024, 256).backward(gy),
    'repeat': lambda: v.repeat(1024, 1).backward(gy),
    'to float64': lambda: h.double().sum().backward(),
    'chunk': lambda: sum(c.sum() for c in h.chunk(4, 1)).backward(),
    'slice [:, :128]': lambda: h[:, :128].sum().backward(),
    'unsqueeze mul': lambda: (h.unsqueeze(1) * h.unsqueeze(0)[:, :8]).sum().backward(),
}
for name, f in C.items():
    res[name] = t(f, 10)
    h.grad = hp.grad = g2.grad = w.grad = v.grad = b3.grad = img.grad = None
