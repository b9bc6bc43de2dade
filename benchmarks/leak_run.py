"""The README's MLP regressor at full size for many steps: does memory stay flat?

    python benchmarks/leak_run.py [--steps 10000] [--device cpu|cuda] [--json PATH]

Trains the example's model (1-256-256-1 tanh MLP, Adam, batches of 1024 from a DataLoader,
as examples/mlp_regressor.py does) and samples, every `--every` steps, the process's
resident memory, the objects the garbage collector tracks, the blocks Python's allocator
holds and, on CUDA, microtorch.cuda.memory_allocated(). After the warm-up (a fifth of the
steps) each must stay within a bound: a leak of one object per step would show as thousands.
Exit status 1 when one does not. tests/test_leaks.py runs the same loop, small, in CI.
"""
import argparse
import gc
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import microtorch as mt  # noqa: E402
from microtorch import nn  # noqa: E402

# Growth allowed after warm-up: objects and blocks (one leak per step would add thousands),
# resident memory (malloc may keep some pages), the CUDA pool (nothing may stay).
BOUNDS = {'gc_objects': 200, 'allocated_blocks': 1000, 'rss_bytes': 8 << 20,
          'cuda_allocated_bytes': 4096}


def rss_bytes():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def sample(device):
    gc.collect()
    row = {'gc_objects': len(gc.get_objects()), 'allocated_blocks': sys.getallocatedblocks(),
           'rss_bytes': rss_bytes()}
    if device.startswith('cuda'):
        mt.cuda.synchronize()
        row['cuda_allocated_bytes'] = mt.cuda.memory_allocated()
    return row


def training(device, hidden, samples, batch_size):
    """The example's data, model, optimizer and loop; yields after every step."""
    mt.manual_seed(0)
    x = mt.rand(samples, 1) * 4 - 2
    y = mt.sin(3 * x) + 0.3 * x ** 2 + 0.05 * mt.randn(samples, 1)
    loader = mt.utils.data.DataLoader(mt.utils.data.TensorDataset(x, y),
                                      batch_size=batch_size, shuffle=True)
    model = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                          nn.Tanh(), nn.Linear(hidden, 1)).to(device)
    optimizer = mt.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.MSELoss()
    while True:
        for batch_x, batch_y in loader:
            batch_x, batch_y = batch_x.to(device), batch_y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(batch_x), batch_y)
            loss.backward()
            optimizer.step()
            yield loss


def run(steps=10_000, device='cpu', hidden=256, samples=16384, batch_size=1024, every=500):
    warmup = steps // 5
    loop = training(device, hidden, samples, batch_size)
    start = time.perf_counter()
    samples_taken = []
    for step in range(1, steps + 1):
        loss = next(loop)
        if step >= warmup and (step - warmup) % every == 0 or step == steps:
            samples_taken.append({'step': step, 'loss': float(loss.item()), **sample(device)})
    first, last = samples_taken[0], samples_taken[-1]
    growth = {key: last[key] - first[key] for key in BOUNDS if key in first}
    return {'device': device, 'steps': steps, 'warmup': warmup, 'hidden': hidden,
            'batch_size': batch_size, 'seconds': time.perf_counter() - start,
            'samples': samples_taken, 'growth_after_warmup': growth, 'bounds': BOUNDS,
            'flat': all(growth[key] <= BOUNDS[key] for key in growth)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=10_000)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--hidden', type=int, default=256)
    parser.add_argument('--batch-size', type=int, default=1024)
    parser.add_argument('--every', type=int, default=500)
    parser.add_argument('--json', help='write the samples and the verdict here')
    args = parser.parse_args(argv)
    result = run(args.steps, args.device, args.hidden, batch_size=args.batch_size,
                 every=args.every)
    for row in result['samples']:
        print(' '.join(f'{k}={v:.4g}' if isinstance(v, float) else f'{k}={v}'
                       for k, v in row.items()))
    print(f"growth after warm-up (step {result['warmup']}): {result['growth_after_warmup']}; "
          f"bounds {BOUNDS}; {'flat' if result['flat'] else 'NOT FLAT'}; "
          f"{result['seconds']:.0f} s")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    return 0 if result['flat'] else 1


if __name__ == '__main__':
    sys.exit(main())
