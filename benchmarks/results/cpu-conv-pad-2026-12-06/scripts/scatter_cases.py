# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Scatter-adds, the backward of index_select, embedding, x[idx], F.unfold, gather and max:
# the Numba kernels from 4096 elements (np.add.at below; it was np.add.at up to 2^18).
F = L.nn.functional
h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
idx = L.tensor(rng.integers(0, 1024, 512))
g = L.tensor(rng.standard_normal((512, 256)).astype(np.float32))
emb = L.tensor(rng.standard_normal((1000, 64)).astype(np.float32), requires_grad=True)
tok = L.tensor(rng.integers(0, 1000, (32, 16)))
ge = L.tensor(rng.standard_normal((32, 16, 64)).astype(np.float32))
small = L.tensor(rng.standard_normal((100, 32)).astype(np.float32), requires_grad=True)
few = L.tensor(rng.integers(0, 100, 64))
gs = L.tensor(rng.standard_normal((64, 32)).astype(np.float32))
res['index_select f+b, 512 rows of 256'] = t(lambda: h.index_select(0, idx).backward(g), 20)
res['h[idx] f+b'] = t(lambda: h[idx].backward(g), 20)
res['embedding f+b, (32, 16) of (1000, 64)'] = t(lambda: F.embedding(tok, emb).backward(ge), 20)
res['small[few] f+b, 64 rows of 32 (2048: np.add.at)'] = t(
    lambda: small[few].backward(gs), 100)
img = L.tensor(rng.standard_normal((16, 8, 32, 32)).astype(np.float32), requires_grad=True)
cls = L.tensor(rng.integers(0, 256, (1024, 1)))
g1 = L.tensor(rng.standard_normal((1024, 1)).astype(np.float32))
gm = L.tensor(rng.standard_normal(256).astype(np.float32))
gu = L.tensor(rng.standard_normal((16, 32, 256)).astype(np.float32))
res['F.unfold f+b, (16, 8, 32, 32) by 2, stride 2'] = t(
    lambda: F.unfold(img, 2, stride=2).backward(gu), 10)
res['h.gather(1, cls) f+b, 1024 picks (below 4096)'] = t(
    lambda: h.gather(1, cls).backward(g1), 50)
res['h.max(0) f+b, 256 picks (below 4096)'] = t(lambda: h.max(0)[0].backward(gm), 20)
