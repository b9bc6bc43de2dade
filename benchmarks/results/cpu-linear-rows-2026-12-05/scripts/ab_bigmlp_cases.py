# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# #4's two workloads that missed on this machine today: did this session's changes move them?
F, nn = L.nn.functional, L.nn
L.manual_seed(0)
model = nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                      nn.Linear(1024, 1))
x = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
y = L.tensor(rng.standard_normal((1024, 1)).astype(np.float32))
adam = L.optim.Adam(model.parameters(), lr=1e-3)
res['big MLP Adam step'] = t(lambda: (adam.zero_grad(), F.mse_loss(model(x), y).backward(),
                                      adam.step()), 3)
a = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
b = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
g = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
def mm():
    a.grad = b.grad = None
    (a @ b).backward(g)
res['matmul 1024 f+b'] = t(mm, 3)
