# The cases of this session's A/B (benchmarks/tree_ab.py): the primitives it changed, called
# as the ops call them (cpu's routed primitives), float32.
from microtorch.backends import cpu, torch_losses
n = 1 << 20
x = rng.standard_normal(n).astype(np.float32)
y = rng.standard_normal(n).astype(np.float32)
g = rng.standard_normal(n).astype(np.float32)
one = np.asarray(np.float32(1))
big = rng.standard_normal(1 << 24).astype(np.float32)
mask = rng.random(1 << 24) < 0.5
res['where 2^24, random mask'] = t(lambda: cpu.where_forward(mask, big, big), 5)
for shape in [(1024, 1024), (256, 1024), (4096, 64), (64, 4096)]:
    a = rng.standard_normal(shape).astype(np.float32)
    res[f'sum(1) {shape}'] = t(lambda: cpu.sum_forward(a, (1,), False), 20)
    res[f'sum(0) {shape}'] = t(lambda: cpu.sum_forward(a, (0,), False), 20)
res['sum() 2^20'] = t(lambda: cpu.sum_forward(x, (0,), False), 20)
xt = mt.tensor(x)
res['Tensor.mean() 2^20'] = t(lambda: xt.mean(), 20)
res['smooth_l1 backward 2^20 mean'] = t(
    lambda: cpu.smooth_l1_loss_backward(x, y, one, 'mean', 1.0), 10)
res['smooth_l1 backward 2^20 none'] = t(
    lambda: cpu.smooth_l1_loss_backward(x, y, g, 'none', 1.0), 10)
res['huber backward 2^20 mean'] = t(lambda: torch_losses.huber_backward(x, y, one, 'mean', 1.0), 10)
res['hardtanh forward 2^20'] = t(lambda: cpu.hardtanh_forward(x, -1.0, 1.0), 20)
res['hardtanh backward 2^20'] = t(lambda: cpu.hardtanh_backward(x, g, -1.0, 1.0), 20)
small = rng.standard_normal(4096).astype(np.float32)
res['hardtanh forward 4096'] = t(lambda: cpu.hardtanh_forward(small, -1.0, 1.0), 2000)
