# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# float32 normals (PyTorch's stream, bit for bit): the Box-Muller kernel over contiguous
# lanes, parallel from 2^15 normals, and whole blocks of 16 without the tail's copies.
L.manual_seed(0)
x = L.empty(1024, 256)
res['randn(64, 64)'] = t(lambda: L.randn(64, 64), 50)
res['randn(256, 256)'] = t(lambda: L.randn(256, 256), 20)
res['randn(1024, 256)'] = t(lambda: L.randn(1024, 256), 5)
res['randn(1000, 100) (a tail)'] = t(lambda: L.randn(1000, 100), 5)
res['x.normal_(), (1024, 256)'] = t(lambda: x.normal_(), 5)
res['rand(1024, 256), control'] = t(lambda: L.rand(1024, 256), 5)
