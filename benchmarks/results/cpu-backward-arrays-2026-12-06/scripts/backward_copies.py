# A cases file for benchmarks/vs_torch.py and tree_ab.py (np, L, rng, t, res from the
# preamble): forward + backward of slices, gathers, casts and joins at (1024, 256) float32,
# whose backwards fill zeros or copy, and the sums they end in.
a = rng.standard_normal((1024, 256)).astype(np.float32)
h, hn = L.tensor(a, requires_grad=True), L.tensor(a)
cls = L.tensor(rng.integers(0, 256, 1024))
mask = L.tensor(rng.standard_normal((1024, 256)) > 0)
ridx = L.tensor(rng.integers(0, 1024, 1024))
def fb(f):
    def run():
        h.grad = None
        f().backward()
    return run
C = {
    'slice [:, :128] f+b': fb(lambda: h[:, :128].sum()),
    'slice [:, :128] sum': lambda: hn[:, :128].sum(),
    'rows [::2] sum': lambda: hn[::2].sum(),
    'chunk f+b': fb(lambda: sum(c.sum() for c in h.chunk(4, 1))),
    'sum f+b': fb(lambda: h.sum()),
    'sum': lambda: hn.sum(),
    'gather f+b': fb(lambda: h.gather(1, cls[:, None]).sum()),
    'to float64 f+b': fb(lambda: h.double().sum()),
    'cat 0 f+b': fb(lambda: L.cat([h, h], 0).sum()),
    'cat 0': lambda: L.cat([hn, hn], 0),
    'zeros': lambda: L.zeros(1024, 256),
    'stack f+b': fb(lambda: L.stack([h, h]).sum()),
    'split f+b (4 pieces, 2 used)': fb(lambda: h.split(64, 1)[0].sum() + h.split(64, 1)[2].sum()),
    'unbind f+b (rows of (8, 32768))': fb(lambda: sum(r.sum() for r in h.view(8, -1).unbind(0))),
    'where f+b': fb(lambda: L.where(mask, h, 0.0).sum()),
    'x[idx] f+b (1024 rows)': fb(lambda: h[ridx].sum()),
}
for name, f in C.items():
    f()
    res[name] = t(f, 20)
