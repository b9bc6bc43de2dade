# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# nn.Linear with one input feature and a one-output Linear's input gradient (_fma.outer);
# the two examples' MLP steps; softmax's rows kernels; ops at the moved Numba crossovers.
F, nn = L.nn.functional, L.nn
L.manual_seed(0)
x1 = L.tensor(rng.uniform(-2, 2, (256, 1)).astype(np.float32))
one = nn.Linear(1, 64)
with L.no_grad():
    res['Linear(1, 64) forward, batch 256'] = t(lambda: one(x1), 200)
h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
w1 = L.tensor(rng.standard_normal((1, 256)).astype(np.float32), requires_grad=True)
g1 = L.tensor(rng.standard_normal((1024, 1)).astype(np.float32))
def one_output():
    F.linear(h, w1).backward(g1)
    h.grad = None; w1.grad = None
res['Linear(256, 1) f+b, batch 1024'] = t(one_output, 50)
small = nn.Sequential(nn.Linear(1, 64), nn.Sigmoid(), nn.Linear(64, 64), nn.Sigmoid(),
                      nn.Linear(64, 1))
y1 = L.tensor(np.sin(3 * x1.numpy()))
sgd = L.optim.SGD(small.parameters(), lr=0.05)
def small_step():
    sgd.zero_grad()
    F.mse_loss(small(x1), y1).backward()
    sgd.step()
res['MLP 1-64-64-1 sigmoid SGD step, batch 256'] = t(small_step, 50)
x2 = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
y2 = L.tensor(np.sin(3 * x2.numpy()))
main = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                     nn.Linear(256, 1))
adam = L.optim.Adam(main.parameters(), lr=3e-3)
def main_step():
    adam.zero_grad()
    F.mse_loss(main(x2), y2).backward()
    adam.step()
res["README example's step (1-256-256-1 tanh, Adam, batch 1024)"] = t(main_step, 10)
for shape in ((256, 64), (1024, 1024)):
    x = L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    gy = L.tensor(rng.standard_normal(shape).astype(np.float32))
    target = L.tensor(rng.integers(0, shape[1], shape[0]))
    n = max(10, int(4e5 // x.numel()))
    with L.no_grad():
        res[f'log_softmax {shape}'] = t(lambda: F.log_softmax(x, 1), n)
        res[f'softmax {shape}'] = t(lambda: F.softmax(x, 1), n)
    res[f'softmax f+b {shape}'] = t(lambda: F.softmax(x, 1).backward(gy), n)
    res[f'cross_entropy f+b {shape}'] = t(lambda: F.cross_entropy(x, target).backward(), n)
for n_elems in (1 << 14, 1 << 16, 1 << 18):
    a = L.tensor((np.abs(rng.standard_normal(n_elems)) + 0.5).astype(np.float32))
    b = L.tensor((np.abs(rng.standard_normal(n_elems)) + 0.5).astype(np.float32))
    k = max(10, int(2e6 // n_elems))
    res[f'exp, {n_elems} elements'] = t(lambda: a.exp(), k)
    res[f'tanh, {n_elems} elements'] = t(lambda: a.tanh(), k)
    res[f'a * b, {n_elems} elements'] = t(lambda: a * b, k)
    res[f'a / b, {n_elems} elements'] = t(lambda: a / b, k)
