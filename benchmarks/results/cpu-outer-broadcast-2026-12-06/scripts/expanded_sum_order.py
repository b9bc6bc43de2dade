# Does a sum over dims of an expanded tensor (one number, stride 0 everywhere: the gradient of
# `.sum()`) give the bits of the same sum over a dense copy? PyTorch's, and microtorch's
# against PyTorch's. Run from the checkout with PyTorch installed: python <this file>.
import numpy as np
import torch
import microtorch as mt

torch.set_num_threads(2)
rng = np.random.default_rng(0)
cases = dense_differs = ours_differ = 0
for shape, dim in [((512, 512), 1), ((512, 512), 0), ((300, 1000), 1), ((1000, 300), 0),
                   ((64, 4096), 1), ((4096, 64), 0), ((8, 64, 512), 2), ((8, 64, 512), (0, 2))]:
    for c in rng.standard_normal(5).astype(np.float32):
        expanded = torch.tensor(c).expand(*shape)
        theirs = expanded.sum(dim).numpy()
        dense = expanded.contiguous().sum(dim).numpy()
        ours = mt.tensor(c).expand(*shape).sum(dim).numpy()
        cases += 1
        dense_differs += not np.array_equal(theirs, dense)
        ours_differ += not np.array_equal(theirs, ours)
print(f'{cases} cases: PyTorch expanded != PyTorch dense in {dense_differs}; '
      f'microtorch expanded != PyTorch expanded in {ours_differ}')
