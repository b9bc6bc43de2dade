# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# The big MLP step's parts (256-1024-1024-1 ReLU, Adam, batch 1024) besides the products
F, nn = L.nn.functional, L.nn
L.manual_seed(0)
big = nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                    nn.Linear(1024, 1))
xb = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
yb = L.tensor(rng.standard_normal((1024, 1)).astype(np.float32))
opt = L.optim.Adam(big.parameters(), lr=1e-3)
F.mse_loss(big(xb), yb).backward()
opt.step()
res['step'] = t(lambda: (opt.zero_grad(), F.mse_loss(big(xb), yb).backward(), opt.step()), 3)
res['adam step'] = t(opt.step, 10)
h = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
g = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
with L.no_grad():
    res['relu fwd 2^20'] = t(lambda: L.relu(h), 20)
res['relu f+b 2^20'] = t(lambda: L.relu(h).backward(g), 20)
b = L.tensor(rng.standard_normal(1024).astype(np.float32))
with L.no_grad():
    res['h + bias (1024,1024)'] = t(lambda: h + b, 20)
    res['colsum (1024,1024)'] = t(lambda: g.sum(0), 20)
    res['mm 1024^3'] = t(lambda: h @ g, 3)
    res['linear 256->1024 fwd'] = t(lambda: big[0](xb), 5)
    res['linear 1024->1024 fwd'] = t(lambda: big[2](h), 3)
ht = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
x2 = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
with L.no_grad():
    res['mm g.T @ x (1024x1024x256)'] = t(lambda: g.t() @ x2, 5)
    res['mm g.T @ h 1024^3'] = t(lambda: g.t() @ ht, 3)
    res['mm g @ W (1024^3, W.T stored)'] = t(lambda: g @ big[2].weight, 3)
hr = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
lin = big[2]
res['linear 1024 f+b'] = t(lambda: lin(hr).backward(g), 3)
