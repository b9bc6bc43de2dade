# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Lookups: embedding (now one op, EmbeddingBackward0), gather (its along-dim index made
# without np.ogrid) and index_select, forward under no_grad and forward + backward.
F = L.nn.functional
emb = L.tensor(rng.standard_normal((1000, 64)).astype(np.float32), requires_grad=True)
tok = L.tensor(rng.integers(0, 1000, (32, 16)))
h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
cls = L.tensor(rng.integers(0, 256, (1024, 1)))
idx = L.tensor(rng.integers(0, 1024, 512))
ge = L.tensor(rng.standard_normal((32, 16, 64)).astype(np.float32))
with L.no_grad():
    res['embedding (32, 16) of (1000, 64)'] = t(lambda: F.embedding(tok, emb), 200)
    res['embedding, padding_idx=0'] = t(lambda: F.embedding(tok, emb, padding_idx=0), 200)
    res['h.gather(1, cls) (1024, 256)'] = t(lambda: h.gather(1, cls), 200)
    res['h.index_select(0, idx)'] = t(lambda: h.index_select(0, idx), 100)
res['embedding f+b'] = t(lambda: F.embedding(tok, emb).backward(ge), 50)
