"""conv2d and conv_transpose2d, forward and forward + backward, float32, on common shapes:
one library per process, medians of 5 timed calls after one warm-up. Prints JSON:
{name: [forward ms, forward+backward ms]}.
    python conv_ab.py LIB     (LIB: torch, or the path of a microtorch checkout)
"""
import json
import sys

import numpy as np

from library import load, median_ms

torch = load(sys.argv[1])
F = torch.nn.functional
SHAPES = [  # (N, C, H, W, O, k, stride, padding)
    (4, 16, 256, 256, 16, 3, 1, 0), (32, 64, 56, 56, 64, 3, 1, 1),
    (32, 256, 14, 14, 256, 3, 1, 1), (64, 3, 32, 32, 32, 5, 1, 2),
    (64, 32, 32, 32, 64, 3, 1, 1), (64, 1, 28, 28, 32, 3, 1, 0),
    (64, 32, 26, 26, 64, 3, 1, 0), (32, 64, 56, 56, 128, 3, 2, 1)]
TRANSPOSED = [(16, 64, 32, 32, 32, 4, 2, 1), (64, 32, 7, 7, 16, 4, 2, 1)]

rows = {}
rng = np.random.default_rng(0)
for transposed, shapes in ((False, SHAPES), (True, TRANSPOSED)):
    for (n, c, h, w, o, k, s, p) in shapes:
        x = torch.tensor(rng.standard_normal((n, c, h, w)).astype(np.float32),
                         requires_grad=True)
        wshape = (c, o, k, k) if transposed else (o, c, k, k)
        wt = torch.tensor(rng.standard_normal(wshape).astype(np.float32),
                          requires_grad=True)
        op = F.conv_transpose2d if transposed else F.conv2d
        name = (f"{'conv_transpose2d' if transposed else 'conv2d'} {n}x{c}x{h}x{w} -> {o}, "
                f"{k}x{k} s{s} p{p}")
        rows[name] = (median_ms(lambda: op(x, wt, stride=s, padding=p), 5, 1),
                      median_ms(lambda: op(x, wt, stride=s, padding=p).sum().backward(), 5, 1))
print(json.dumps(rows))
