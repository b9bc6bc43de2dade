"""avg_pool2d and global average pooling (adaptive_avg_pool2d to 1 x 1), forward and
forward + backward, float32: one library per process, medians of 7 timed calls after two
warm-ups. Prints JSON: {name: [forward ms, forward+backward ms]}.
    python avg_ab.py LIB     (LIB: torch, or the path of a microtorch checkout)
"""
import json
import sys

import numpy as np

from library import load, median_ms

torch = load(sys.argv[1])
F = torch.nn.functional
POOLS = [(64, 32, 28, 28, 2, 2, 0), (64, 64, 32, 32, 2, 2, 0), (16, 16, 256, 256, 2, 2, 0),
         (32, 64, 56, 56, 3, 2, 1)]
GLOBAL = [(64, 512, 7, 7), (64, 64, 32, 32), (16, 16, 256, 256)]

rows = {}
rng = np.random.default_rng(0)
for (n, c, h, w, k, s, p) in POOLS:
    x = torch.tensor(rng.standard_normal((n, c, h, w)).astype(np.float32), requires_grad=True)
    rows[f'avg_pool2d {n}x{c}x{h}x{w}, {k} s{s} p{p}'] = (
        median_ms(lambda: F.avg_pool2d(x, k, s, p)),
        median_ms(lambda: F.avg_pool2d(x, k, s, p).sum().backward()))
for shape in GLOBAL:
    x = torch.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    rows['adaptive_avg_pool2d(., 1) ' + 'x'.join(map(str, shape))] = (
        median_ms(lambda: F.adaptive_avg_pool2d(x, 1)),
        median_ms(lambda: F.adaptive_avg_pool2d(x, 1).sum().backward()))
print(json.dumps(rows))
