# A cases file for benchmarks/tree_ab.py and vs_torch.py (np, L, rng, t, res from the
# preamble): basic indices (ints and slices) on a small tensor, with and without grad.
a = rng.standard_normal((32, 32)).astype(np.float32)
x, w = L.tensor(a), L.tensor(a, requires_grad=True)
C = {
    'x[0]': lambda: x[0],
    'x[:, :16]': lambda: x[:, :16],
    'x[:, 0]': lambda: x[:, 0],
    'x[1:5, 2]': lambda: x[1:5, 2],
    'w[:, :16] (grad)': lambda: w[:, :16],
    'w[0].sum() f+b': lambda: w[0].sum().backward(),
}
for name, f in C.items():
    f()
    res[name] = t(f, 2000)
