"""_sleef_pow.pow_scalar(x, 1.5) on 2^18 float32 elements, called directly (not as an op) in a
fresh process of the tree given, before and after microtorch sets up its heap
(backends/heap.py; an op on a large tensor does it first thing):

    python scripts/pow_direct.py TREE
"""
import os
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
from microtorch import _sleef_pow                    # noqa: E402
from microtorch.backends import heap                  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
import timing                                         # noqa: E402

x = (np.abs(np.random.default_rng(0).standard_normal(1 << 18)) + 0.1).astype(np.float32)





def pow_us():
    return timing.upper_median_us(lambda: _sleef_pow.pow_scalar(x, 1.5), 10)


print(f'| {sys.argv[1]} | {pow_us():.0f} |', end=' ')
heap.keep_large_blocks()
print(f'{pow_us():.0f} |')
