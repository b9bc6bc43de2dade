# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# The ops whose path the new Intel sizes changed: softmax's family below 2^17, fused
# backwards at 2^16-2^17, batch_norm's planes, whole-array sums at 2^18.
F, nn = L.nn.functional, L.nn
L.manual_seed(0)
for shape in ((256, 64), (256, 256)):
    x = L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    gy = L.tensor(rng.standard_normal(shape).astype(np.float32))
    target = L.tensor(rng.integers(0, shape[1], shape[0]))
    n = max(10, int(4e5 // x.numel()))
    with L.no_grad():
        res[f'log_softmax {shape}'] = t(lambda: F.log_softmax(x, 1), n)
    res[f'softmax f+b {shape}'] = t(lambda: F.softmax(x, 1).backward(gy), n)
    res[f'cross_entropy f+b {shape}'] = t(lambda: F.cross_entropy(x, target).backward(), n)
for e in (16, 17):
    u = L.tensor(rng.standard_normal(1 << e).astype(np.float32), requires_grad=True)
    g = L.tensor(rng.standard_normal(1 << e).astype(np.float32))
    res[f'tanh f+b, 2^{e}'] = t(lambda: u.tanh().backward(g), 20)
    res[f'relu f+b, 2^{e}'] = t(lambda: u.relu().backward(g), 20)
bn = nn.BatchNorm2d(16)
xb = L.tensor(rng.standard_normal((32, 16, 16, 16)).astype(np.float32), requires_grad=True)
gb = L.tensor(rng.standard_normal((32, 16, 16, 16)).astype(np.float32))
res['batch_norm2d f+b (32, 16, 16, 16)'] = t(lambda: bn(xb).backward(gb), 10)
s = L.tensor(rng.standard_normal((512, 512)).astype(np.float32))
with L.no_grad():
    res['sum (512, 512)'] = t(lambda: s.sum(), 50)
