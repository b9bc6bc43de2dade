# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Sums over the leading dim (a bias's gradient, a batch mean) and, as controls, sums the
# change does not touch; then the steps whose Linear layers sum their bias gradients so.
F, nn = L.nn.functional, L.nn
L.manual_seed(0)
with L.no_grad():
    for shape in ((1024, 256), (4096, 64), (256, 1024), (1024, 1024)):
        g = L.tensor(rng.standard_normal(shape).astype(np.float32))
        k = max(5, int(2e6 // g.numel()))
        res[f'g.sum(0) {shape}'] = t(lambda: g.sum(0), k)
    g = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
    res['g.mean(0) (1024, 256)'] = t(lambda: g.mean(0), 20)
    res['g.sum(1) (1024, 256), control'] = t(lambda: g.sum(1), 20)
    res['g.sum() (1024, 256), control'] = t(lambda: g.sum(), 20)
    cube = L.tensor(rng.standard_normal((64, 64, 64)).astype(np.float32))
    res['cube.sum((0, 1)) (64, 64, 64)'] = t(lambda: cube.sum((0, 1)), 20)
layer = nn.Linear(256, 256)
h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
gy = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
res['Linear(256, 256) forward + backward, batch 1024'] = t(lambda: layer(h).backward(gy), 10)
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
