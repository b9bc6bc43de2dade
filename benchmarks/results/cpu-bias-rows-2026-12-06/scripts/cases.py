# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# A matrix and a row repeated over it: the operator, nn.Linear's forward (its bias added in
# place) and the steps whose Linear layers make outputs above the elementwise crossover.
F, nn = L.nn.functional, L.nn
L.manual_seed(0)
with L.no_grad():
    for shape in ((1024, 256), (1024, 1024), (4096, 1024)):
        h = L.tensor(rng.standard_normal(shape).astype(np.float32))
        b = L.tensor(rng.standard_normal(shape[1]).astype(np.float32))
        k = max(5, int(2e7 // h.numel()))
        res[f'h + b {shape}'] = t(lambda: h + b, k)
        res[f'h * b {shape}'] = t(lambda: h * b, k)
    x = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
    layer = nn.Linear(1024, 1024)
    res['Linear(1024, 1024) forward, batch 1024'] = t(lambda: layer(x), 5)
x2 = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
main = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                     nn.Linear(256, 1))
opt = L.optim.Adam(main.parameters(), lr=3e-3)
y2 = L.sin(3 * x2)
res["README example's step"] = t(
    lambda: (opt.zero_grad(), F.mse_loss(main(x2), y2).backward(), opt.step()), 10)
big = nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                    nn.Linear(1024, 1))
xb = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
yb = L.tensor(rng.standard_normal((1024, 1)).astype(np.float32))
opt_big = L.optim.Adam(big.parameters(), lr=1e-3)
res['MLP 256-1024-1024-1 ReLU Adam step, batch 1024'] = t(
    lambda: (opt_big.zero_grad(), F.mse_loss(big(xb), yb).backward(), opt_big.step()), 3)
with L.no_grad():
    for shape in ((1024, 256), (1024, 1024)):
        h = L.tensor(rng.standard_normal(shape).astype(np.float32))
        c = L.tensor(rng.standard_normal((shape[0], 1)).astype(np.float32))
        k = max(5, int(2e7 // h.numel()))
        res[f'h - c {shape}, c a column'] = t(lambda: h - c, k)
xn = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
res['(x - x.mean(1, keepdim=True)).sum() f+b, (1024, 1024)'] = t(
    lambda: (xn - xn.mean(1, keepdim=True)).sum().backward(), 5)
