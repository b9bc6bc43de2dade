"""batch_norm on (N, C) inputs (BatchNorm1d over a batch of feature rows) and layer_norm,
float32: one library per process, medians of 7 timed calls after two warm-ups. Prints JSON: {name:
[forward ms, forward+backward ms]}. The layers' A/B scripts' helpers
(../../cpu-layers-2026-12-04/scripts) load the library and time it.
    python norm_ab.py LIB     (LIB: torch, or the path of a microtorch checkout)
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                'cpu-layers-2026-12-04', 'scripts'))
from library import load, median_ms     # noqa: E402

torch = load(sys.argv[1])
rng = np.random.default_rng(0)
rows = {}


def tensor(shape, requires_grad=False):
    return torch.tensor(rng.standard_normal(shape).astype(np.float32),
                        requires_grad=requires_grad)


for n, c in ((8, 64), (64, 64), (256, 128), (1024, 512)):
    torch.manual_seed(0)
    layer = torch.nn.BatchNorm1d(c)
    x, dy = tensor((n, c), True), tensor((n, c))
    rows[f'BatchNorm1d {n} x {c}, backward(dy)'] = (
        median_ms(lambda: layer(x)), median_ms(lambda: layer(x).backward(dy)))
    rows[f'BatchNorm1d {n} x {c}, sum().backward()'] = (
        median_ms(lambda: layer(x)), median_ms(lambda: layer(x).sum().backward()))
    layer.eval()
    with torch.no_grad():
        evaluated = median_ms(lambda: layer(x))
    rows[f'BatchNorm1d {n} x {c}, eval, no_grad'] = (evaluated, evaluated)


for shape in ((32, 128, 512), (64, 64, 256)):
    torch.manual_seed(0)
    layer = torch.nn.LayerNorm(shape[-1])
    x, dy = tensor(shape, True), tensor(shape)
    rows[f'LayerNorm {shape}, backward(dy)'] = (
        median_ms(lambda: layer(x)), median_ms(lambda: layer(x).backward(dy)))
    rows[f'LayerNorm {shape}, sum().backward()'] = (
        median_ms(lambda: layer(x)), median_ms(lambda: layer(x).sum().backward()))


def mlp_step(width):
    """256-width-width-1 MLP with BatchNorm1d and ReLU, batch 256, SGD with momentum."""
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(64, width), nn.BatchNorm1d(width), nn.ReLU(),
                          nn.Linear(width, width), nn.BatchNorm1d(width), nn.ReLU(),
                          nn.Linear(width, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = tensor((256, 64)), tensor((256, 1))

    def step():
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    return step


for width in (64, 512):
    step = median_ms(mlp_step(width))
    rows[f'MLP step 64-{width}-{width}-1, BatchNorm1d, batch 256'] = (step, step)
print(json.dumps(rows))
