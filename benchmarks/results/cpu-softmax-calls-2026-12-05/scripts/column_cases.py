# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Column sums from 2^15 to 2^20 elements (the threads' parts now run one after another below
# the reduction's parallel crossover, 2^19 on the Xeon), the bias gradients that make them,
# and the README example's step (its 1024 x 256 bias gradients).
F, nn = L.nn.functional, L.nn
L.manual_seed(0)
for shape in ((300, 130), (1024, 256), (4096, 64), (64, 4096), (512, 1024), (1024, 1024)):
    x = L.tensor(rng.standard_normal(shape).astype(np.float32))
    with L.no_grad():
        res[f'sum(0) {shape}'] = t(lambda: x.sum(0), 50)
xl = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
lin = nn.Linear(256, 256)
gl = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
res['Linear(256, 256) f+b, batch 1024'] = t(lambda: lin(xl).backward(gl), 10)
x2 = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
main = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                     nn.Linear(256, 1))
opt = L.optim.Adam(main.parameters(), lr=3e-3)
y2 = L.sin(3 * x2)
res["README example's step (1-256-256-1 tanh, Adam, 1024)"] = t(
    lambda: (opt.zero_grad(), F.mse_loss(main(x2), y2).backward(), opt.step()), 10)
