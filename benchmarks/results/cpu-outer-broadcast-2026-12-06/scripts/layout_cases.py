# A cases file for benchmarks/tree_ab.py and vs_torch.py (np, L, rng, t, res from the
# preamble): small 2-D elementwise ops, whose results and gradients pass the layout check
# (C-ordered operands: nothing to do), and the small MLP's training step.
import os, sys
sys.path.insert(0, os.path.join(sys.argv[1], 'benchmarks'))
import cpu_speed
def leaf(*shape):
    return L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
m, n = leaf(32, 32), leaf(32, 32)
md, nd = m.detach(), n.detach()
C = {
    'mul, forward (32,32)*(32,32)': lambda: md * nd,
    'mul chain, f+b (32,32)': lambda: ((m * n + m) * n).sum().backward(),
    'tanh, f+b (32,32)': lambda: (m.tanh() * n).sum().backward(),
}
for name, f in C.items():
    res[name] = t(f, 200)
    m.grad = n.grad = None
step = cpu_speed.small_mlp(L, rng, dict(cpu_speed.FULL))
res['MLP 1-64-64-1 sigmoid SGD, batch 256'] = t(lambda: step(0), 50)
