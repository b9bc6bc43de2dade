"""Which elements of PyTorch's smooth_l1_loss gradient take its vector lambda: the vector
and the scalar formulas round d / beta differently, so each element tells. Prints one
letter per element: v vector, s scalar, = both agree, ? neither.
    python loss_vector_step_probe.py      (PyTorch importable)
"""
import numpy as np
import torch

torch.set_num_threads(2)
print('capability:', torch.backends.cpu.get_cpu_capability())
rng = np.random.default_rng(0)
for dtype in (np.float32, np.float64):
    for n in (7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40):
        x = (rng.standard_normal(n) * 0.3).astype(dtype)
        gy = rng.standard_normal(n).astype(dtype)
        X = torch.tensor(x, requires_grad=True)
        torch.nn.functional.smooth_l1_loss(X, torch.zeros(n, dtype=X.dtype), reduction='none',
                                           beta=0.7).backward(torch.tensor(gy))
        got = X.grad.numpy()
        t = x.dtype.type
        vector = (t(1) * (x / t(0.7))) * gy
        scalar = ((t(1) * x * gy).astype(np.float64) / 0.7).astype(dtype)
        tags = ''.join('=' if a == v == s else 'v' if a == v else 's' if a == s else '?'
                       for a, v, s in zip(got, vector, scalar))
        print(dtype.__name__, n, tags)
