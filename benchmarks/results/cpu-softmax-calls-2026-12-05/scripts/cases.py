# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# The float32 softmax family's calls, whose Python around the kernels this session trimmed:
# small and mid sizes, where that Python is a large part of the time.
F = L.nn.functional
L.manual_seed(0)
for shape in ((1, 8), (8, 10), (256, 64), (256, 256)):
    x = L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    gy = L.tensor(rng.standard_normal(shape).astype(np.float32))
    target = L.tensor(rng.integers(0, shape[1], shape[0]))
    n = max(10, int(4e5 // x.numel()))
    n = min(n, 2000)
    with L.no_grad():
        res[f'log_softmax {shape}'] = t(lambda: F.log_softmax(x, 1), n)
    res[f'softmax f+b {shape}'] = t(lambda: F.softmax(x, 1).backward(gy), n)
    res[f'cross_entropy f+b {shape}'] = t(lambda: F.cross_entropy(x, target).backward(), n)
x3 = L.tensor(rng.standard_normal((4, 8, 16)).astype(np.float32))
with L.no_grad():
    res['softmax (4, 8, 16), last dim'] = t(lambda: F.softmax(x3, -1), 2000)
