"""Scatter-adds against np.add.at, by size: rows (index_select's, embedding's and x[idx]'s
backward), windows (avg pooling's and unfold's backward) and picks along a dim (gather's and
max's backward), each Numba kernel against np.add.at: the crossover behind the 'scatter'
family's size in backends/numba_dispatch.py. Run from the repository root:

    python benchmarks/results/cpu-conv-pad-2026-12-06/scripts/scatter_add_crossover.py
"""
import os
import sys

import numpy as np

import microtorch as mt
from microtorch.backends import cpu, numba_dispatch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
import timing                                         # noqa: E402

mt.tensor(np.ones(1 << 20, np.float32)).exp()          # threads set up as in training



rng = np.random.default_rng(0)
print('| rows x width of gy (into 1024 rows) | kernel us | np.add.at us | kernel / np.add.at |')
print('|---|---|---|---|')
for rows, width in [(16, 64), (32, 64), (64, 64), (256, 64), (512, 256), (1024, 256)]:
    index = (rng.integers(0, 1024, rows),)
    gy = rng.standard_normal((rows, width)).astype(np.float32)
    shape = (1024, width)
    times = []
    results = []
    for enabled in (True, False):
        with numba_dispatch.configure(enabled=enabled, min_size=0):
            results.append(cpu.index_backward(index, gy, shape, True))
            times.append(timing.upper_median_us(
                lambda: cpu.index_backward(index, gy, shape, True)))
    assert (results[0] == results[1]).all()
    print(f'| {rows} x {width} | {times[0]:.1f} | {times[1]:.1f} | {times[0] / times[1]:.2f} |')


def compare(label, call):
    times, results = [], []
    for enabled in (True, False):
        with numba_dispatch.configure(enabled=enabled, min_size=0):
            results.append(call())
            times.append(timing.upper_median_us(call))
    assert (results[0] == results[1]).all()
    print(f'| {label} | {times[0]:.1f} | {times[1]:.1f} | {times[0] / times[1]:.2f} |')


print()
print('| windows: x shape, kernel, stride (gy elements) | kernel us | np.add.at us | ratio |')
print('|---|---|---|---|')
for shape, kernel, stride in [((1, 4, 8, 8), (2, 2), (2, 2)), ((2, 8, 16, 16), (2, 2), (2, 2)),
                              ((4, 8, 16, 16), (3, 3), (1, 1)),
                              ((16, 8, 32, 32), (2, 2), (2, 2))]:
    outs = cpu._window_counts(shape, kernel, stride, (1, 1))
    gy = rng.standard_normal(shape[:2] + tuple(outs) + kernel).astype(np.float32)
    compare(f'{shape}, {kernel}, {stride} ({gy.size})',
            lambda: cpu.windows_backward(gy, shape, kernel, stride, (1, 1), False))

print()
print('| along dim 1: out shape, picks a row (elements) | kernel us | np.add.at us | ratio |')
print('|---|---|---|---|')
for shape, picks in [((64, 64), 1), ((1024, 256), 1), ((64, 64), 64), ((256, 256), 256)]:
    index = rng.integers(0, shape[1], (shape[0], picks))
    values = rng.standard_normal((shape[0], picks)).astype(np.float32)
    compare(f'{shape}, {picks} ({values.size})', lambda: cpu.scatter_add(index, values, 1, shape))
