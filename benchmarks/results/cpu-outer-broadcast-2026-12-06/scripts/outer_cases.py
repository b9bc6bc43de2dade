# A cases file for benchmarks/tree_ab.py and vs_torch.py (np, L, rng, t, res from the
# preamble): binary ops of small operands whose broadcast is large (outer products), and
# ops whose operands' sizes multiply past the smallest crossover but stay small (they now pay
# Function.apply's exact check).
def leaf(*shape):
    return L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
u, v = leaf(2048, 1), leaf(1, 512)
c, r = leaf(512, 1), leaf(1, 512)
p, q = leaf(128, 1), leaf(1, 128)
m, n = leaf(32, 32), leaf(32, 32)
ud, vd, cd, rd, pd, qd, md, nd = (a.detach() for a in (u, v, c, r, p, q, m, n))
C = {
    'outer mul, forward (2048,1)*(1,512)': lambda: ud * vd,
    'outer mul, f+b': lambda: (u * v).sum().backward(),
    'outer sub, forward (512,1)-(1,512)': lambda: cd - rd,
    'outer add, f+b (512,1)+(1,512)': lambda: (c + r).sum().backward(),
    'outer mul, forward (128,1)*(1,128)': lambda: pd * qd,
    'outer mul, f+b (128,1)*(1,128)': lambda: (p * q).sum().backward(),
    'mul, forward (32,32)*(32,32)': lambda: md * nd,
    'mul chain, f+b (32,32)': lambda: ((m * n + m) * n).sum().backward(),
}
for name, f in C.items():
    res[name] = t(f, 20)
    for a in (u, v, c, r, p, q, m, n):
        a.grad = None
