# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# #4's small training steps: the 1-64-64-1 sigmoid MLP (SGD, batch 256) and the README
# example's (1-256-256-1 tanh, Adam, batch 1024), whole steps.
nn, F = L.nn, L.nn.functional
for name, hidden, act, batch, opt_cls in (('MLP 1-64-64-1 sigmoid SGD b256', 64, nn.Sigmoid,
                                           256, 'SGD'),
                                          ('MLP 1-256-256-1 tanh Adam b1024', 256, nn.Tanh,
                                           1024, 'Adam')):
    L.manual_seed(0)
    m = nn.Sequential(nn.Linear(1, hidden), act(), nn.Linear(hidden, hidden), act(),
                      nn.Linear(hidden, 1))
    x = L.tensor(rng.uniform(-2, 2, (batch, 1)).astype(np.float32))
    y = L.tensor(np.sin(3 * x.numpy()).astype(np.float32))
    opt = (L.optim.SGD(m.parameters(), lr=0.05) if opt_cls == 'SGD'
           else L.optim.Adam(m.parameters(), lr=1e-3))

    def step(m=m, x=x, y=y, opt=opt):
        opt.zero_grad()
        F.mse_loss(m(x), y).backward()
        opt.step()
    step()
    res[name] = t(step, 20)
