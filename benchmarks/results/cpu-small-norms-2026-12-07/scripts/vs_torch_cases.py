# vs_torch.py cases: small norms (forward; forward + backward) and a toy LayerNorm MLP step,
# written with L (PyTorch or microtorch). fresh_norms.py runs the steps alone (STEPS_ONLY) in
# fresh processes and times the first call (RECORD_FIRST).
import time

F = L.nn.functional


def tensor(*shape):
    return L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)


def layer_norm(rows, n):
    x, w, b = tensor(rows, n), tensor(n), tensor(n)
    return lambda: F.layer_norm(x, (n,), w, b).sum().backward()


def group_norm(shape, groups):
    x, w, b = tensor(*shape), tensor(shape[1]), tensor(shape[1])
    return lambda: F.group_norm(x, groups, w, b).sum().backward()


def batch_norm(shape):
    x, w, b = tensor(*shape), tensor(shape[1]), tensor(shape[1])
    return lambda: F.batch_norm(x, None, None, w, b, training=True).sum().backward()


def toy_step():
    L.manual_seed(0)
    model = L.nn.Sequential(L.nn.Linear(32, 32), L.nn.LayerNorm(32), L.nn.ReLU(),
                            L.nn.Linear(32, 1))
    opt = L.optim.Adam(model.parameters(), lr=1e-3)
    x, y = L.randn(8, 32), L.randn(8, 1)

    def step():
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()
    return step


def forward(op, *args):
    def call():
        with L.no_grad():
            op(*args)
    return call


x8, w32 = tensor(8, 32), tensor(32)
x64, w1k = tensor(64, 1024), tensor(1024)
x4d, w8 = tensor(4, 8, 4, 4), tensor(8)
x2d = tensor(16, 8)
FORWARDS = [('layer_norm forward (8, 32)', forward(F.layer_norm, x8, (32,), w32, w32)),
            ('layer_norm forward (64, 1024)', forward(F.layer_norm, x64, (1024,), w1k, w1k)),
            ('group_norm forward (4, 8, 4, 4) G=2', forward(F.group_norm, x4d, 2, w8, w8)),
            ('batch_norm forward (16, 8)',
             forward(lambda x, w: F.batch_norm(x, None, None, w, w, training=True), x2d, w8))]
STEPS = [('layer_norm f+b (8, 32)', layer_norm(8, 32)),
         ('layer_norm f+b (256, 10)', layer_norm(256, 10)),
         ('layer_norm f+b (16, 64)', layer_norm(16, 64)),
         ('group_norm f+b (4, 8, 4, 4) G=2', group_norm((4, 8, 4, 4), 2)),
         ('group_norm f+b (2, 16, 8) G=4', group_norm((2, 16, 8), 4)),
         ('batch_norm f+b (16, 8)', batch_norm((16, 8))),
         ('toy LayerNorm MLP step, batch 8', toy_step())]
for name, step in (STEPS if globals().get('STEPS_ONLY') else FORWARDS + STEPS):
    start = time.perf_counter()
    step()
    if globals().get('RECORD_FIRST') and not res:
        res['first call, ' + name] = (time.perf_counter() - start) * 1e6
    res[name] = t(step, 20)
