# the two cases norm_ab.md had above 1.05, again alone
for shape, groups, dtype, calls in (((32, 64, 32, 32), 32, np.float32, 5),):
    x = L.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    w = L.tensor(rng.standard_normal(shape[1]).astype(dtype), requires_grad=True)

    def forward():
        with L.no_grad():
            L.nn.functional.group_norm(x, groups, w, w)
    res[f'group_norm forward {shape} G={groups}'] = t(forward, calls)
x = L.tensor(rng.standard_normal((32, 64, 16, 16)), requires_grad=True)
w = L.tensor(rng.standard_normal(64), requires_grad=True)


def bn_step():
    L.nn.functional.batch_norm(x, None, None, w, w, training=True).sum().backward()
    x.grad = w.grad = None
res['batch_norm f+b (32, 64, 16, 16) float64'] = t(bn_step, 10)
