# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Convolutions and constant padding: F.pad as one op (ConstantPadNdBackward0, it was two cats
# a dim) and the columns of conv's matrix products copied by a parallel kernel.
F = L.nn.functional
img = L.tensor(rng.standard_normal((16, 8, 32, 32)).astype(np.float32), requires_grad=True)
k = L.tensor(rng.standard_normal((16, 8, 3, 3)).astype(np.float32), requires_grad=True)
big = L.tensor(rng.standard_normal((32, 16, 32, 32)).astype(np.float32), requires_grad=True)
kb = L.tensor(rng.standard_normal((32, 16, 3, 3)).astype(np.float32), requires_grad=True)
small = L.tensor(rng.standard_normal((4, 8, 16, 16)).astype(np.float32), requires_grad=True)
gy = L.tensor(rng.standard_normal((16, 16, 32, 32)).astype(np.float32))
gp = L.tensor(rng.standard_normal((16, 8, 34, 34)).astype(np.float32))
with L.no_grad():
    res['pad (16, 8, 32, 32) by 1'] = t(lambda: F.pad(img, (1, 1, 1, 1)), 50)
    res['pad (1024, 256) last dim (0, 3)'] = t(lambda: F.pad(gy.view(1024, 256), (0, 3)), 50)
    res['conv2d 16x8x32x32 k3 p1'] = t(lambda: F.conv2d(img, k, padding=1), 10)
    res['conv2d 32x16x32x32 -> 32 k3 p1'] = t(lambda: F.conv2d(big, kb, padding=1), 5)
    res['conv2d 4x8x16x16 k3 p1 (below the kernel)'] = t(
        lambda: F.conv2d(small, k, padding=1), 50)
res['pad f+b'] = t(lambda: F.pad(img, (1, 1, 1, 1)).backward(gp), 20)
res['conv2d 16x8x32x32 k3 p1 f+b'] = t(lambda: F.conv2d(img, k, padding=1).backward(gy), 5)
