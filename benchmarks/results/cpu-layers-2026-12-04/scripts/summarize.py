"""The A/B rounds as a markdown table: medians over rounds of each (forward, forward+backward).
    python summarize.py ROUNDS_DIR BEFORE AFTER   (file names: <lib>.<round>.json)"""
import glob
import json
import os
import statistics
import sys

folder, before, after = sys.argv[1:4]


def medians(lib):
    rounds = [json.load(open(f))
              for f in sorted(glob.glob(os.path.join(folder, lib + '.*.json')))]
    return {name: [statistics.median(r[name][i] for r in rounds) for i in (0, 1)]
            for name in rounds[0]}, len(rounds)


def _ms(value):
    """One decimal, or three significant digits below 1 ms."""
    return f'{value:.1f}' if value >= 1 else f'{value:.3g}'


old, n = medians(before)
new, _ = medians(after)
torch, _ = medians('torch')
print(f'Medians of {n} rounds, ms.\n')
print('| op (float32) | pass | before | after | after / before | PyTorch | after / PyTorch |')
print('|---|---|---|---|---|---|---|')
for name in old:
    for i, what in enumerate(('forward', 'f+b')):
        a, b, t = old[name][i], new[name][i], torch[name][i]
        print(f'| {name if i == 0 else ""} | {what} | {_ms(a)} | {_ms(b)} | {b / a:.2f} | '
              f'{_ms(t)} | {b / t:.2f} |')
