"""max_pool2d forward and forward + backward (float32), and a small CNN's training step: one
library per process, medians of 7 timed calls after two warm-ups. Prints JSON: {name: [forward
ms, forward+backward ms]} (a step's time in both places for the CNN steps).
    python pool_ab.py LIB     (LIB: torch, or the path of a microtorch checkout)
"""
import json
import sys

import numpy as np

from library import load, median_ms

torch = load(sys.argv[1])
nn, F = torch.nn, torch.nn.functional
POOLS = [  # (N, C, H, W, kernel, stride, padding)
    (64, 32, 28, 28, 2, 2, 0), (64, 64, 14, 14, 2, 2, 0), (64, 64, 32, 32, 2, 2, 0),
    (64, 128, 16, 16, 2, 2, 0), (16, 16, 256, 256, 2, 2, 0), (32, 64, 112, 112, 3, 2, 1)]


def cnn_step(channels, size, widths, rng):
    """conv-bn-relu-pool twice, then a linear layer; SGD with momentum, batch 64."""
    a, b = widths
    model = nn.Sequential(nn.Conv2d(channels, a, 3, padding=1), nn.BatchNorm2d(a), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(b * (size // 4) ** 2, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.tensor(rng.standard_normal((64, channels, size, size)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 10, 64))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return step


rows = {}
rng = np.random.default_rng(0)
torch.manual_seed(0)
for (n, c, h, w, k, s, p) in POOLS:
    x = torch.tensor(rng.standard_normal((n, c, h, w)).astype(np.float32), requires_grad=True)
    rows[f'max_pool2d {n}x{c}x{h}x{w}, {k} s{s} p{p}'] = (
        median_ms(lambda: F.max_pool2d(x, k, s, p)),
        median_ms(lambda: F.max_pool2d(x, k, s, p).sum().backward()))
for name, channels, size, widths in (('CNN step 1x28x28 (32, 64)', 1, 28, (32, 64)),
                                     ('CNN step 3x32x32 (64, 128)', 3, 32, (64, 128))):
    step = median_ms(cnn_step(channels, size, widths, rng))
    rows[name] = (step, step)
print(json.dumps(rows))
