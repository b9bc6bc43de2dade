"""layer_norm forward, and forward + backward with and without a weight, for PyTorch and
microtorch in fresh processes taking turns: python vs_torch.py [ROUNDS]. Per case the
medians over rounds of each library's first quartile of 15 runs (timing.py), and the
median of the rounds' ratios microtorch / PyTorch (each round's two processes ran back to back)."""
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.normpath(os.path.join(HERE, '..', '..', '..'))     # timing.py
CHILD = r'''
import json, sys
import numpy as np
sys.path[1:1] = [sys.argv[2], sys.argv[3]]
from libraries import library
from timing import first_quartile_us
L = library(sys.argv[1])
F = L.nn.functional
rng = np.random.default_rng(0)


out = {}
for shape in [(1024, 1024), (4096, 256), (256, 64)]:
    x = L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    w = L.tensor(rng.standard_normal(shape[1:]).astype(np.float32), requires_grad=True)
    gy = L.tensor(rng.standard_normal(shape).astype(np.float32))

    def forward():
        with L.no_grad():
            F.layer_norm(x, shape[1:])

    def both():
        F.layer_norm(x, shape[1:]).backward(gy)
        x.grad = None

    def both_weight():
        F.layer_norm(x, shape[1:], w).backward(gy)
        x.grad = None
        w.grad = None
    for name, f in (('fwd', forward), ('f+b', both), ('f+b weight', both_weight)):
        out[f'{name} {shape}'] = first_quartile_us(f)
print(json.dumps(out))
'''


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    got = {'torch': [], 'microtorch': []}
    for r in range(rounds):
        for lib in (('torch', 'microtorch') if r % 2 == 0 else ('microtorch', 'torch')):
            out = subprocess.run([sys.executable, '-c', CHILD, lib, HERE, BENCHMARKS],
                                 capture_output=True, text=True, check=True).stdout
            got[lib].append(json.loads(out.strip().splitlines()[-1]))
    print('| case | microtorch us | PyTorch us | microtorch / PyTorch (rounds: median, range) |')
    print('|---|---|---|---|')
    for case in got['torch'][0]:
        mine = statistics.median(r[case] for r in got['microtorch'])
        theirs = statistics.median(r[case] for r in got['torch'])
        ratios = [m[case] / p[case] for m, p in zip(got['microtorch'], got['torch'])]
        print(f'| {case} | {mine:.1f} | {theirs:.1f} | {statistics.median(ratios):.2f} '
              f'({min(ratios):.2f}-{max(ratios):.2f}) |')


if __name__ == '__main__':
    main()
