"""How often PyTorch's float32 sqrt, exp and log (MKL's vector math on the CPU) differ from
the correctly rounded values microtorch gives, on a million random inputs; and the largest
difference in ulps. MKL takes other code paths on other vendors' CPUs.
    python mkl_rounding_probe.py      (PyTorch importable)
"""
import numpy as np
import torch

vendor = next((line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo')
               if line.startswith('vendor_id')), 'unknown')
print(f'CPU vendor: {vendor}; PyTorch capability: {torch.backends.cpu.get_cpu_capability()}')
rng = np.random.default_rng(0)
x = (rng.standard_normal(1_000_000) * 3).astype(np.float32)
positive = np.abs(x) + np.float32(0.1)
for name, values, exact in (('sqrt', positive, lambda v: np.sqrt(v)),
                            ('exp', x, lambda v: np.exp(v.astype(np.float64))),
                            ('log', positive, lambda v: np.log(v.astype(np.float64)))):
    theirs = getattr(torch.from_numpy(values), name)().numpy()
    ours = np.asarray(exact(values)).astype(np.float32)
    ulps = np.abs(theirs.view(np.int32).astype(np.int64) - ours.view(np.int32))
    print(f'{name}: {np.mean(theirs != ours):.2%} differ, at most {ulps.max()} ulp')
