# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Training steps and kernels at the parallel sizes: what OpenMP's idle workers cost between
# parallel kernels, and what they cost the BLAS threads.
F, nn = L.nn.functional, L.nn
L.manual_seed(0)


def adam_step(model, x, y, lr):
    opt = L.optim.Adam(model.parameters(), lr=lr)
    return lambda: (opt.zero_grad(), F.mse_loss(model(x), y).backward(), opt.step())


x1 = L.tensor(rng.uniform(-2, 2, (256, 1)).astype(np.float32))
small = nn.Sequential(nn.Linear(1, 64), nn.Sigmoid(), nn.Linear(64, 64), nn.Sigmoid(),
                      nn.Linear(64, 1))
sgd = L.optim.SGD(small.parameters(), lr=0.05)
res['MLP 1-64-64-1 sigmoid SGD step, batch 256'] = t(
    lambda: (sgd.zero_grad(), F.mse_loss(small(x1), L.sin(3 * x1)).backward(), sgd.step()), 50)
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
for n_el in (1 << 16, 1 << 18):
    xs = L.tensor(rng.standard_normal((n_el // 256, 256)).astype(np.float32), requires_grad=True)
    gs = L.tensor(rng.standard_normal((n_el // 256, 256)).astype(np.float32))
    k = max(10, int(4e6 // n_el))
    res[f'sigmoid f+b 2^{n_el.bit_length() - 1}'] = t(lambda: L.sigmoid(xs).backward(gs), k)
    res[f'tanh f+b 2^{n_el.bit_length() - 1}'] = t(lambda: L.tanh(xs).backward(gs), k)
    with L.no_grad():
        res[f'a * b 2^{n_el.bit_length() - 1}'] = t(lambda: xs * gs, k)
