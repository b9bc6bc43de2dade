def chain_step():
    x = L.tensor([0.5], requires_grad=True)
    def step():
        y = x
        for _ in range(2):
            y = (y * 1.01 + 0.1).sigmoid().tanh() - 0.2
        y = y.sum()
        y.backward()
        x.grad = None
    return step
def sgd_step():
    w = L.tensor([1.0], requires_grad=True)
    x, y = L.tensor([2.0]), L.tensor([4.0])
    def step():
        loss = (x * w - y) ** 2
        loss.backward()
        w.data = w.data - 0.01 * w.grad.data
        w.grad.data.zero_()
    return step
res['chain step'] = t(chain_step(), 2000)
res['scalar sgd step'] = t(sgd_step(), 4000)
a = L.tensor([0.5], requires_grad=True) * 1.0
b = L.tensor([0.25])
res['record a*1.01'] = t(lambda: a * 1.01, 20000)
res['record a.tanh()'] = t(lambda: a.tanh(), 20000)
res['record a*b'] = t(lambda: a * b, 20000)
res['no record b*1.01'] = t(lambda: b * 1.01, 20000)
res['no record b-b'] = t(lambda: b - b, 20000)
m = L.tensor(np.ones((8, 32), np.float32), requires_grad=True) * 1.0
res['record (8,32) relu'] = t(lambda: m.relu(), 20000)
res['record (8,32) m*m'] = t(lambda: m * m, 20000)
s1 = L.tensor([0.5, 0.25], requires_grad=True) * 1.0
res['record s.sum()'] = t(lambda: s1.sum(), 20000)
res['record s.mean()'] = t(lambda: s1.mean(), 20000)
lg = L.tensor(rng.standard_normal((16, 10)).astype(np.float32), requires_grad=True)
tg = L.tensor(rng.integers(0, 10, 16))
def ce():
    L.nn.functional.cross_entropy(lg, tg).backward()
res['cross_entropy (16,10) f+b'] = t(ce, 2000)
dx = L.tensor(np.ones((8, 32), np.float32))
res['dropout (8,32)'] = t(lambda: L.nn.functional.dropout(dx, 0.5), 5000)
