# tree_ab.py / vs_torch.py cases: masked_fill with a 0-dim tensor value, forward + backward
for shape, calls in (((64, 64), 200), ((512, 512), 20)):
    x = L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    v = L.tensor(0.5, requires_grad=True)
    m = L.tensor(rng.random(shape) < 0.3)

    def step(x=x, v=v, m=m):
        x.masked_fill(m, v).sum().backward()
        x.grad = v.grad = None

    def number_step(x=x, m=m):
        x.masked_fill(m, 0.5).sum().backward()
        x.grad = None
    res[f'masked_fill(mask, tensor) f+b {shape}'] = t(step, calls)
    res[f'masked_fill(mask, 0.5) f+b {shape}'] = t(number_step, calls)
