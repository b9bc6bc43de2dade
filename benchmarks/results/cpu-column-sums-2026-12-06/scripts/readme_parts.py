# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble. The README example's step (1-256-256-1 tanh, Adam, batch 1024) and parts.
F, nn = L.nn.functional, L.nn
L.manual_seed(0)
m = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                  nn.Linear(256, 1))
xb = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
yb = L.tensor(rng.standard_normal((1024, 1)).astype(np.float32))
opt = L.optim.Adam(m.parameters(), lr=1e-3)
F.mse_loss(m(xb), yb).backward()
opt.step()
res['step'] = t(lambda: (opt.zero_grad(), F.mse_loss(m(xb), yb).backward(), opt.step()), 20)
res['fwd only'] = t(lambda: F.mse_loss(m(xb), yb), 20)
res['adam step'] = t(opt.step, 50)
res['zero_grad'] = t(opt.zero_grad, 50)
h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
g = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
with L.no_grad():
    res['tanh fwd (1024,256)'] = t(lambda: L.tanh(h), 50)
res['tanh f+b (1024,256)'] = t(lambda: L.tanh(h).backward(g), 50)
with L.no_grad():
    res['colsum (1024,256)'] = t(lambda: g.sum(0), 50)
    res['mm 1024x256x256'] = t(lambda: h @ m[2].weight, 20)
    res['mm g.T @ h 256x1024x256'] = t(lambda: g.t() @ h, 20)
    res['linear 1->256 fwd'] = t(lambda: m[0](xb), 50)
    res['linear 256->256 fwd'] = t(lambda: m[2](h), 20)
    res['linear 256->1 fwd'] = t(lambda: m[4](h), 50)
res['linear 256->256 f+b'] = t(lambda: m[2](h).backward(g), 20)
res['linear 1->256 f+b'] = t(lambda: m[0](xb).backward(g), 20)
o = L.tensor(rng.standard_normal((1024, 1)).astype(np.float32), requires_grad=True)
res['mse f+b'] = t(lambda: F.mse_loss(o, yb).backward(), 50)
