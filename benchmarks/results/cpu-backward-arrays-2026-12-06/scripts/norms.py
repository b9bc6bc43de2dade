# A cases file for benchmarks/vs_torch.py and tree_ab.py (np, L, rng, t, res from the
# preamble): vector norms whose order PyTorch's vectorised 2-norm does not set (p = 1, other
# dims, strided inputs), at sizes from a learner's to a layer's.
small = L.tensor(rng.standard_normal((32, 32)).astype(np.float32))
big = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
img = L.tensor(rng.standard_normal((16, 64, 32, 32)).astype(np.float32))
C = {
    'norm(p=1) (32, 32)': lambda: small.norm(p=1),
    'norm(dim=0) (32, 32)': lambda: small.norm(dim=0),
    'norm() (1024, 1024)': lambda: big.norm(),
    'norm(p=1) (1024, 1024)': lambda: big.norm(p=1),
    'norm(p=1, dim=-1) (1024, 1024)': lambda: big.norm(p=1, dim=-1),
    'norm(dim=0) (1024, 1024)': lambda: big.norm(dim=0),
    'norm() of [:, ::2] (1024, 1024)': lambda: big[:, ::2].norm(),
    'normalize(dim=1) (16, 64, 32, 32)': lambda: L.nn.functional.normalize(img, dim=1),
}
for name, f in C.items():
    f()
    res[name] = t(f, 10)
