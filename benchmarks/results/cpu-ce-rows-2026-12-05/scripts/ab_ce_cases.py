# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
F = L.nn.functional
for (n, c), calls in [((64, 10), 300), ((256, 10), 300), ((1024, 1000), 20)]:
    x = L.tensor(rng.standard_normal((n, c)).astype(np.float32), requires_grad=True)
    target = L.tensor(rng.integers(0, c, n))
    weight = L.tensor(rng.random(c).astype(np.float32) + 0.5)
    def fwd(x=x, target=target):
        with L.no_grad():
            F.cross_entropy(x, target)
    def fb(x=x, target=target):
        F.cross_entropy(x, target).backward(); x.grad = None
    def fbw(x=x, target=target, weight=weight):
        F.cross_entropy(x, target, weight).backward(); x.grad = None
    res[f'forward ({n}, {c})'] = t(fwd, calls)
    res[f'f+b ({n}, {c})'] = t(fb, calls)
    res[f'f+b weight ({n}, {c})'] = t(fbw, calls)
