# tree_ab.py / vs_torch.py cases: pow with tensor exponents on transposed and strided operands
# (they took NumPy's power before; now TensorIterator's walk, PyTorch's bits), and as_strided's
# backward.
for n in (64, 512):
    a = L.tensor((np.abs(rng.standard_normal((n, n))) + 0.1).astype(np.float32))
    b = L.tensor(rng.standard_normal((n, n)).astype(np.float32))
    wide = L.tensor(rng.standard_normal((n, 2 * n)).astype(np.float32))
    calls = 2000 if n == 64 else 20
    res[f'a ** b ({n}, {n}), contiguous'] = t(lambda: a ** b, calls)        # (unchanged)
    res[f'a.t() ** b.t() ({n}, {n})'] = t(lambda: a.t() ** b.t(), calls)
    res[f'2.5 ** b.t() ({n}, {n})'] = t(lambda: 2.5 ** b.t(), calls)
    res[f'a ** wide[:, ::2] ({n}, {n})'] = t(lambda: a ** wide[:, ::2], calls)
    leaf = L.tensor(rng.standard_normal(n * n).astype(np.float32), requires_grad=True)

    def strided_step():
        leaf.as_strided((n, n), (1, n)).sum().backward()
        leaf.grad = None
    res[f'as_strided ({n}, {n}) f+b'] = t(strided_step, calls // 4)
