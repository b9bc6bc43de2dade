# A cases file for benchmarks/vs_torch.py (np, L, rng, t, res from its preamble): a broad scan
# of common ops at one moderate size, to find paths far slower than PyTorch's.
F, nn = L.nn.functional, L.nn
L.manual_seed(0)
h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
hp = L.tensor(np.abs(rng.standard_normal((1024, 256))).astype(np.float32) + 0.1)
g = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
w = L.tensor(rng.standard_normal((256, 256)).astype(np.float32))
v = L.tensor(rng.standard_normal(256).astype(np.float32))
b3 = L.tensor(rng.standard_normal((32, 64, 64)).astype(np.float32))
img = L.tensor(rng.standard_normal((16, 8, 32, 32)).astype(np.float32))
k = L.tensor(rng.standard_normal((16, 8, 3, 3)).astype(np.float32))
idx = L.tensor(rng.integers(0, 1024, 512))
cls = L.tensor(rng.integers(0, 256, 1024))
emb = L.tensor(rng.standard_normal((1000, 64)).astype(np.float32))
tok = L.tensor(rng.integers(0, 1000, (32, 16)))
mask = h > 0
ln = nn.LayerNorm(256)
bn = nn.BatchNorm1d(256)
with L.no_grad():
    C = {
        'bmm (32,64,64)': lambda: L.bmm(b3, b3),
        'einsum ij,jk': lambda: L.einsum('ij,jk->ik', h, w),
        'mv': lambda: L.mv(h, v),
        'outer': lambda: L.outer(v, v),
        'softmax -1': lambda: F.softmax(h, -1),
        'log_softmax -1': lambda: F.log_softmax(h, -1),
        'cross_entropy': lambda: F.cross_entropy(h, cls),
        'layer_norm': lambda: ln(h),
        'batch_norm train': lambda: bn(h),
        'conv2d 16x8x32x32 k3': lambda: F.conv2d(img, k, padding=1),
        'max_pool2d': lambda: F.max_pool2d(img, 2),
        'avg_pool2d': lambda: F.avg_pool2d(img, 2),
        'embedding': lambda: F.embedding(tok, emb),
        'index_select': lambda: h.index_select(0, idx),
        'gather': lambda: h.gather(1, cls[:, None]),
        'cat 0': lambda: L.cat([h, g], 0),
        'stack': lambda: L.stack([h, g]),
        't().contiguous()': lambda: h.t().contiguous(),
        'where': lambda: L.where(mask, h, g),
        'clamp': lambda: h.clamp(-0.5, 0.5),
        'abs': lambda: h.abs(),
        'exp': lambda: h.exp(),
        'log': lambda: hp.log(),
        'sqrt': lambda: hp.sqrt(),
        'pow 3': lambda: h ** 3,
        'pow 1.5': lambda: hp ** 1.5,
        'mean -1': lambda: h.mean(-1),
        'var -1': lambda: h.var(-1),
        'std 0': lambda: h.std(0),
        'max -1': lambda: h.max(-1),
        'argmax -1': lambda: h.argmax(-1),
        'amax': lambda: h.amax(0),
        'cumsum 1': lambda: h.cumsum(1),
        'sort -1': lambda: h.sort(-1),
        'topk 5': lambda: h.topk(5),
        'masked_fill': lambda: h.masked_fill(mask, 0.0),
        'relu': lambda: F.relu(h),
        'gelu': lambda: F.gelu(h),
        'silu': lambda: F.silu(h),
        'sigmoid': lambda: h.sigmoid(),
        'tanh': lambda: h.tanh(),
        'mse_loss': lambda: F.mse_loss(h, g),
        'l1_loss': lambda: F.l1_loss(h, g),
        'bce_logits': lambda: F.binary_cross_entropy_with_logits(h, (g > 0).float()),
        'h * 2 + 1': lambda: h * 2 + 1,
        'h / g': lambda: h / g,
        'norm': lambda: h.norm(),
        'matmul h@w': lambda: h @ w,
        'clone': lambda: h.clone(),
        'to float64': lambda: h.double(),
        'flip': lambda: h.flip(0),
        'roll': lambda: h.roll(3, 1),
        'repeat': lambda: v.repeat(1024, 1),
        'tril': lambda: w.tril(),
        'randn': lambda: L.randn(1024, 256),
        'zeros': lambda: L.zeros(1024, 256),
        'arange': lambda: L.arange(262144),
        'dropout': lambda: F.dropout(h, 0.5, True),
        'unique': lambda: cls.unique(),
        'nonzero': lambda: mask.nonzero(),
        'any': lambda: mask.any(),
    }
    for name, f in C.items():
        res[name] = t(f, 10)
