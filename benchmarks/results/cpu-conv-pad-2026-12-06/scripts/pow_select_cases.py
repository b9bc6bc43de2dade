# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# float32 pow with an exponent of no formula of its own (SLEEF's powf, loops now over slices
# from index 0) and index_select as one op over take.
hp = L.tensor(np.abs(rng.standard_normal((1024, 256))).astype(np.float32) + 0.1,
              requires_grad=True)
small = L.tensor(np.abs(rng.standard_normal((256, 256))).astype(np.float32) + 0.1)
ex = L.tensor(rng.uniform(0.5, 2.0, (1024, 256)).astype(np.float32))
h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
idx = L.tensor(rng.integers(0, 1024, 512))
g = L.tensor(rng.standard_normal((512, 256)).astype(np.float32))
with L.no_grad():
    res['hp ** 1.5, (1024, 256)'] = t(lambda: hp ** 1.5, 5)
    res['small ** 2.5, (256, 256)'] = t(lambda: small ** 2.5, 10)
    res['hp ** ex, tensor exponent'] = t(lambda: hp ** ex, 5)
    res['h.index_select(0, idx), 512 of 1024 rows'] = t(lambda: h.index_select(0, idx), 100)
res['hp ** 1.5 f+b'] = t(lambda: (hp ** 1.5).sum().backward(), 5)
res['index_select f+b'] = t(lambda: h.index_select(0, idx).backward(g), 20)
