# Appended to session 31's cases file for bigmlp_parts.md (which defines big, g, xb, t, res):
#     cat ../../cpu-blas-threads-2026-12-05/scripts/bigmlp_parts.py bigmlp_parts_extra.py \
#         > /tmp/parts.py && python benchmarks/vs_torch.py 5 /tmp/parts.py
# The big MLP's backward products and a Linear layer's forward + backward.
ht = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
x2 = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
with L.no_grad():
    res['mm g.T @ x (1024x1024x256)'] = t(lambda: g.t() @ x2, 5)
    res['mm g.T @ h 1024^3'] = t(lambda: g.t() @ ht, 3)
    res['mm g @ W (1024^3, W.T stored)'] = t(lambda: g @ big[2].weight, 3)
hr = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
lin = big[2]
res['linear 1024 f+b'] = t(lambda: lin(hr).backward(g), 3)
