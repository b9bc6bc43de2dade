# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# roll, flip and tril/triu as ops of their own (they were gathers and masked fills), and
# arange made in place; forward under no_grad, and forward + backward.
h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
w = L.tensor(rng.standard_normal((256, 256)).astype(np.float32), requires_grad=True)
g = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
gw = L.tensor(rng.standard_normal((256, 256)).astype(np.float32))
with L.no_grad():
    res['h.roll(3, 1) (1024, 256)'] = t(lambda: h.roll(3, 1), 20)
    res['h.flip(0) (1024, 256)'] = t(lambda: h.flip(0), 20)
    res['w.tril() (256, 256)'] = t(lambda: w.tril(), 20)
    res['w.triu(1) (256, 256)'] = t(lambda: w.triu(1), 20)
    res['arange(2^18)'] = t(lambda: L.arange(262144), 20)
    res['arange(0, 1, 1/2^18)'] = t(lambda: L.arange(0, 1, 1 / 262144), 20)
res['h.roll(3, 1) f+b'] = t(lambda: h.roll(3, 1).backward(g), 10)
res['h.flip(0) f+b'] = t(lambda: h.flip(0).backward(g), 10)
res['w.tril() f+b'] = t(lambda: w.tril().backward(gw), 10)
