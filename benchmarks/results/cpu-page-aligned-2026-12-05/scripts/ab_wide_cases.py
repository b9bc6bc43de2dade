# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# 512-bit vectors in the math-bound kernels: their ops at the sizes that reach the kernels
# (serial twins from 2^8, parallel from the crossovers), softmax's family, and the steps.
F, nn = L.nn.functional, L.nn
L.manual_seed(0)
for n in (1 << 14, 1 << 16, 1 << 18, 1 << 20):
    u = L.tensor(rng.standard_normal(n).astype(np.float32))
    w = L.tensor((np.abs(rng.standard_normal(n)) + 0.5).astype(np.float32))
    k = max(5, int(2e6 // n))
    with L.no_grad():
        res[f'exp, 2^{n.bit_length() - 1}'] = t(lambda: u.exp(), k)
        res[f'tanh, 2^{n.bit_length() - 1}'] = t(lambda: u.tanh(), k)
        res[f'sigmoid, 2^{n.bit_length() - 1}'] = t(lambda: u.sigmoid(), k)
        res[f'log, 2^{n.bit_length() - 1}'] = t(lambda: w.log(), k)
for shape in ((256, 64), (1024, 1024)):
    x = L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    gy = L.tensor(rng.standard_normal(shape).astype(np.float32))
    target = L.tensor(rng.integers(0, shape[1], shape[0]))
    n = max(10, int(4e5 // x.numel()))
    with L.no_grad():
        res[f'log_softmax {shape}'] = t(lambda: F.log_softmax(x, 1), n)
    res[f'softmax f+b {shape}'] = t(lambda: F.softmax(x, 1).backward(gy), n)
    res[f'cross_entropy f+b {shape}'] = t(lambda: F.cross_entropy(x, target).backward(), n)
x1 = L.tensor(rng.uniform(-2, 2, (256, 1)).astype(np.float32))
small = nn.Sequential(nn.Linear(1, 64), nn.Sigmoid(), nn.Linear(64, 64), nn.Sigmoid(),
                      nn.Linear(64, 1))
sgd = L.optim.SGD(small.parameters(), lr=0.05)
y1 = L.sin(3 * x1)
res['MLP 1-64-64-1 sigmoid SGD step, batch 256'] = t(
    lambda: (sgd.zero_grad(), F.mse_loss(small(x1), y1).backward(), sgd.step()), 50)
x2 = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
y2 = L.sin(3 * x2)
main = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                     nn.Linear(256, 1))
adam = L.optim.Adam(main.parameters(), lr=3e-3)
res["README example's step (1-256-256-1 tanh, Adam, 1024)"] = t(
    lambda: (adam.zero_grad(), F.mse_loss(main(x2), y2).backward(), adam.step()), 10)
xc = L.tensor(rng.standard_normal(1 << 22).astype(np.float32), requires_grad=True)
res['tanh(sigmoid(x)*x+1).sum() f+b, 2^22'] = t(
    lambda: (xc.sigmoid() * xc + 1).tanh().sum().backward(), 3)
