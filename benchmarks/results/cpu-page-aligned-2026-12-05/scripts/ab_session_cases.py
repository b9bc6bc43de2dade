# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Page-aligned large arrays: training steps and kernels on arrays of whole MiBs, the 1024
# matmul, and the two one-element workloads (every small array through the new allocator).
F, nn = L.nn.functional, L.nn
L.manual_seed(0)


def adam_step(model, x, y, lr):
    opt = L.optim.Adam(model.parameters(), lr=lr)
    return lambda: (opt.zero_grad(), F.mse_loss(model(x), y).backward(), opt.step())


w = L.tensor([1.0], requires_grad=True)
x0, y0 = L.tensor([2.0]), L.tensor([4.0])


def scalar_sgd():
    loss = (x0 * w - y0) ** 2
    loss.backward()
    w.data = w.data - 0.01 * w.grad.data
    w.grad.data.zero_()


res['scalar SGD step'] = t(scalar_sgd, 2000)
v = L.tensor([0.5], requires_grad=True)


def chain():
    y = v
    for _ in range(2):
        y = (y * 1.01 + 0.1).sigmoid().tanh() - 0.2
    y.sum().backward()
    v.grad = None


res['10-op chain + backward, 1 element'] = t(chain, 500)
x1 = L.tensor(rng.uniform(-2, 2, (256, 1)).astype(np.float32))
small = nn.Sequential(nn.Linear(1, 64), nn.Sigmoid(), nn.Linear(64, 64), nn.Sigmoid(),
                      nn.Linear(64, 1))
sgd = L.optim.SGD(small.parameters(), lr=0.05)
y1 = L.sin(3 * x1)
res['MLP 1-64-64-1 sigmoid SGD step, batch 256'] = t(
    lambda: (sgd.zero_grad(), F.mse_loss(small(x1), y1).backward(), sgd.step()), 50)
x2 = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
main = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                     nn.Linear(256, 1))
res["README example's step (1-256-256-1 tanh, Adam, 1024)"] = t(
    adam_step(main, x2, L.sin(3 * x2), 3e-3), 10)
big = nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                    nn.Linear(1024, 1))
xb = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
yb = L.tensor(rng.standard_normal((1024, 1)).astype(np.float32))
res['MLP 256-1024-1024-1 ReLU Adam step, batch 1024'] = t(adam_step(big, xb, yb, 1e-3), 3)
a = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
b = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
g = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
res['matmul 1024 f+b'] = t(lambda: (a @ b).backward(g), 3)
xc = L.tensor(rng.standard_normal(1 << 22).astype(np.float32), requires_grad=True)
res['tanh(sigmoid(x)*x+1).sum() f+b, 2^22'] = t(
    lambda: (xc.sigmoid() * xc + 1).tanh().sum().backward(), 3)
for n in (1 << 16, 1 << 18, 1 << 20):
    u = L.tensor(rng.standard_normal(n).astype(np.float32))
    k = max(5, int(2e6 // n))
    res[f'2 * x, 2^{n.bit_length() - 1}'] = t(lambda: 2 * u, k)
    res[f'exp, 2^{n.bit_length() - 1}'] = t(lambda: u.exp(), k)
s = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
gs = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
with L.no_grad():
    res['log_softmax (1024, 1024)'] = t(lambda: F.log_softmax(s, 1), 10)
res['softmax f+b (1024, 1024)'] = t(lambda: F.softmax(s, 1).backward(gs), 10)
