"""The benchmarks themselves. Each returns a list of JSON-ready rows.

Kernel throughput counts the bytes a kernel must move (its inputs read once, its output
written once) and divides by the median time: GB/s, then as a fraction of a device copy
(read n + write n) measured in the same run, the ceiling for a memory-bound kernel.
"""
import math
from operator import attrgetter

import numpy as np

import timing


class Kernel:
    """One backend primitive: how to make its inputs and call it, and the bytes it moves per
    element in units of the element size (sigmoid_backward: read y, gy; write gx = 3)."""

    def __init__(self, op, family, direction, arity, units, call, domain='real'):
        self.op, self.family, self.direction = op, family, direction
        self.arity, self.units, self.call, self.domain = arity, units, call, domain

    @property
    def name(self):
        return f'{self.op}_{self.direction}'


def _unary(op, domain='real'):
    forward, backward = attrgetter(op + '_forward'), attrgetter(op + '_backward')
    return [Kernel(op, 'elementwise', 'forward', 1, 2, lambda bk, x: forward(bk)(x), domain),
            Kernel(op, 'elementwise', 'backward', 2, 3,
                   lambda bk, s, gy: backward(bk)(s, gy), domain)]


def _binary(op, domain='real'):
    return [Kernel(op, 'binary', 'forward', 2, 3,
                   lambda bk, a, b: getattr(bk, op + '_forward')(a, b), domain)]


def _one(bk, like):
    """A 0-d 1.0 on the array's device: the incoming gradient of a scalar loss."""
    return bk.xp.ones((), like.dtype)


def _rows(x):
    """A [rows, 1024] view for the row-wise kernels (softmax, losses over rows)."""
    return x.reshape(-1, 1024) if x.size % 1024 == 0 else x.reshape(1, -1)


KERNELS = (
    [k for op in ('neg', 'exp', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'abs')
     for k in _unary(op)]
    + [k for op in ('log', 'sqrt', 'reciprocal') for k in _unary(op, 'positive')]
    + [k for op in ('add', 'sub', 'mul', 'maximum') for k in _binary(op)]
    + _binary('div', 'positive')
    + [Kernel('sum', 'reduction', 'forward', 1, 1, lambda bk, x: bk.sum_forward(x, None, False)),
       Kernel('max', 'reduction', 'forward', 1, 1, lambda bk, x: bk.max_forward(x, None, False)),
       Kernel('softmax', 'softmax', 'forward', 1, 2,
              lambda bk, x: bk.softmax_forward(_rows(x), -1)),
       Kernel('softmax', 'softmax', 'backward', 2, 3,
              lambda bk, y, gy: bk.softmax_backward(_rows(y), _rows(gy), -1)),
       Kernel('log_softmax', 'softmax', 'forward', 1, 2,
              lambda bk, x: bk.log_softmax_forward(_rows(x), -1)),
       Kernel('log_softmax', 'softmax', 'backward', 2, 3,
              lambda bk, y, gy: bk.log_softmax_backward(_rows(y), _rows(gy), -1)),
       Kernel('mse_loss', 'loss', 'forward', 2, 2,
              lambda bk, x, y: bk.mse_loss_forward(x, y, 'mean')),
       Kernel('mse_loss', 'loss', 'backward', 2, 3,
              lambda bk, x, y: bk.mse_loss_backward(x, y, _one(bk, x), 'mean'))]
)


def sizes(quick):
    return [2 ** k for k in ((10, 14, 16) if quick else range(10, 27, 2))]


def _inputs(bk, device, kernel_or_arity, n, dtype, rng, domain='real'):
    arity = kernel_or_arity
    host = []
    for _ in range(arity):
        values = rng.uniform(0.5, 2.0, n) if domain == 'positive' else rng.uniform(-2, 2, n)
        host.append(values.astype(dtype))
    return tuple(bk.from_host(h, device) for h in host)


def _copies(bk, device, arity, n, dtype, rng, units, domain='real'):
    itemsize = np.dtype(dtype).itemsize
    count = timing.rotations(units * n * itemsize, device)
    return [_inputs(bk, device, arity, n, dtype, rng, domain) for _ in range(count)]


def copy_bandwidth(bk, device, quick, rng, dtype=np.float32):
    """Device copy (read n, write n) per size: the ceiling the kernels are compared with."""
    rows = []
    for n in sizes(quick):
        sets = _copies(bk, device, 1, n, dtype, rng, 2)
        outs = [bk.empty((n,), np.dtype(dtype)) for _ in sets]
        xp = bk.xp

        def call(i):
            xp.copyto(outs[i % len(outs)], sets[i % len(sets)][0])
        seconds = timing.median_seconds(call, device, repeats=3 if quick else 7,
                                        inner=len(sets))
        rows.append({'size': n, 'seconds': seconds,
                     'gbps': 2 * n * np.dtype(dtype).itemsize / seconds / 1e9})
    return rows


def kernel_throughput(bk, device, quick, rng, copy_rows, dtype=np.float32):
    copy_at = {r['size']: r['gbps'] for r in copy_rows}
    rows = []
    itemsize = np.dtype(dtype).itemsize
    for kernel in KERNELS:
        for n in sizes(quick):
            sets = _copies(bk, device, kernel.arity, n, dtype, rng, kernel.units,
                           kernel.domain)

            def call(i):
                kernel.call(bk, *sets[i % len(sets)])
            seconds = timing.median_seconds(call, device, repeats=3 if quick else 5,
                                            inner=len(sets))
            gbps = kernel.units * n * itemsize / seconds / 1e9
            rows.append({'op': kernel.op, 'family': kernel.family,
                         'direction': kernel.direction, 'dtype': np.dtype(dtype).name,
                         'size': n, 'seconds': seconds, 'gbps': gbps,
                         'bytes_per_element': kernel.units * itemsize,
                         'fraction_of_copy': gbps / copy_at[n]})
    return rows


MATMUL_SHAPES_QUICK = [(64, 64, 64), (256, 256, 256), (4096, 32, 32)]
MATMUL_SHAPES = [(256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048),
                 (65536, 64, 64), (16384, 256, 16), (1024, 16, 1024)]


def matmul_throughput(bk, device, quick, rng, torch=None, dtype=np.float32):
    """(m, k) @ (k, n) GFLOP/s (2mkn flops), against PyTorch's BLAS in the same run."""
    rows = []
    for m, k, n in (MATMUL_SHAPES_QUICK if quick else MATMUL_SHAPES):
        a = bk.from_host(rng.standard_normal((m, k)).astype(dtype), device)
        b = bk.from_host(rng.standard_normal((k, n)).astype(dtype), device)
        seconds = timing.median_seconds(lambda i: bk.matmul(a, b), device,
                                        repeats=3 if quick else 7)
        row = {'shape': [m, k, n], 'seconds': seconds, 'gflops': 2 * m * k * n / seconds / 1e9}
        if torch is not None:
            ta = torch.as_tensor(bk.to_host(a), device='cuda' if device == 'cuda' else 'cpu')
            tb = torch.as_tensor(bk.to_host(b), device=ta.device)
            torch_seconds = _torch_seconds(torch, lambda i: ta @ tb, device, quick)
            row['torch_gflops'] = 2 * m * k * n / torch_seconds / 1e9
            row['ratio_to_torch'] = row['gflops'] / row['torch_gflops']
        rows.append(row)
    return rows


def _torch_seconds(torch, call, device, quick):
    if device != 'cuda':
        return timing.median_seconds(call, 'cpu', repeats=3 if quick else 7)
    for i in range(2):
        call(i)
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(3 if quick else 7):
        start.record()
        call(0)
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) / 1e3)
    return sorted(times)[len(times) // 2]


# ---- training steps of the example regressors ---------------------------------------------

def _mlp_step(lib, device, batch, hidden, seed=0):
    lib.manual_seed(seed)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                          nn.Tanh(), nn.Linear(hidden, 1)).to(device)
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    x = (lib.rand(batch, 1) * 4 - 2).to(device)
    y = lib.sin(3 * x)

    def step(i):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
    return step


def _two_layer_step(lib, device, batch, hidden=16):
    x = lib.linspace(-3, 3, batch, device=device).reshape(-1, 1)
    y = lib.sin(x)
    params = [lib.randn(1, hidden, device=device), lib.randn(hidden, device=device),
              lib.randn(hidden, 1, device=device), lib.zeros(1, device=device)]
    for p in params:
        p.requires_grad_(True)
    w1, b1, w2, b2 = params

    def step(i):
        loss = ((lib.sigmoid(x @ w1 + b1) @ w2 + b2 - y) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.2 * p.grad
                p.grad = None
    return step


def _scalar_step(lib, device, batch=1):
    w = lib.tensor([1.0], device=device, requires_grad=True)
    x, y = lib.tensor([2.0], device=device), lib.tensor([4.0], device=device)

    def step(i):
        loss = (x * w - y) ** 2
        loss.backward()
        w.data = w.data - 0.01 * w.grad.data
        w.grad.data.zero_()
    return step


def _polynomial_step(lib, device, batch):
    fc = lib.nn.Linear(4, 1).to(device)
    x = lib.randn(batch, device=device).unsqueeze(1)
    features = lib.cat([x ** i for i in range(1, 5)], 1)
    target = features @ lib.ones(4, 1, device=device)

    def step(i):
        fc.zero_grad()
        loss = lib.nn.functional.smooth_l1_loss(fc(features), target)
        loss.backward()
        for p in fc.parameters():
            p.data.add_(-0.01 * p.grad)
    return step


EXAMPLES = {
    'linear_regression': (_scalar_step, 1),
    'quadratic_regression': (_scalar_step, 1),     # the same scalar path, three parameters
    'two_layer_sigmoid': (_two_layer_step, 64),
    'polynomial_regression': (_polynomial_step, 32),
    'mlp_regressor': (lambda lib, device, batch: _mlp_step(lib, device, batch, 256), 1024),
}


def training_throughput(device, quick, torch=None):
    import microtorch
    rows = []
    for name, (make, batch) in EXAMPLES.items():
        if quick and name == 'mlp_regressor':
            make, batch = (lambda lib, dev, b: _mlp_step(lib, dev, b, 32)), 64
        row = {'example': name, 'batch': batch}
        for label, lib in (('microtorch', microtorch), ('torch', torch)):
            if lib is None:
                continue
            step = make(lib, device, batch)
            seconds = timing.median_seconds(step, 'cpu', repeats=3 if quick else 5,
                                            inner=5 if quick else 20)
            if device == 'cuda':      # steps end with .item()/host work; one sync per repeat
                seconds = _synced_seconds(lib, step, quick)
            key = 'samples_per_s' if label == 'microtorch' else 'torch_samples_per_s'
            row[key] = batch / seconds
        if 'torch_samples_per_s' in row:
            row['ratio_to_torch'] = row['samples_per_s'] / row['torch_samples_per_s']
        rows.append(row)
    return rows


def _synced_seconds(lib, step, quick):
    import time
    sync = lib.cuda.synchronize
    times = []
    for _ in range(3 if quick else 5):
        sync()
        start = time.perf_counter()
        for i in range(5 if quick else 20):
            step(i)
        sync()
        times.append((time.perf_counter() - start) / (5 if quick else 20))
    return sorted(times)[len(times) // 2]


def crossover_batch(quick):
    """The smallest MLP batch at which the GPU's samples/s beat the CPU's (None if never)."""
    import microtorch
    batches = [64, 256, 1024] if quick else [16, 64, 256, 1024, 4096, 16384]
    rows = []
    for batch in batches:
        cpu = batch / timing.median_seconds(_mlp_step(microtorch, 'cpu', batch, 256), 'cpu',
                                            repeats=3, inner=3)
        gpu = batch / _synced_seconds(microtorch, _mlp_step(microtorch, 'cuda', batch, 256),
                                      quick)
        rows.append({'batch': batch, 'cpu_samples_per_s': cpu, 'cuda_samples_per_s': gpu})
    winner = next((r['batch'] for r in rows if r['cuda_samples_per_s'] > r['cpu_samples_per_s']),
                  None)
    return {'rows': rows, 'crossover_batch': winner}


# ---- host overhead on tiny tensors --------------------------------------------------------

OVERHEAD_OPS = {
    'mul': lambda x: x * 1.001,
    'add': lambda x: x + 0.5,
    'sigmoid': lambda x: x.sigmoid(),
    'sum': lambda x: x.sum(),
    'matmul': lambda x: x @ x.T,
}


def host_overhead(device, quick, torch=None):
    """Microseconds per op on a 1x1 tensor: forward alone, and forward + backward of a chain
    of 100 such ops, divided by 100 (the op's share of backward = the difference)."""
    import microtorch
    rows = []
    chain = 20 if quick else 100
    for name, op in OVERHEAD_OPS.items():
        row = {'op': name}
        for label, lib in (('microtorch', microtorch), ('torch', torch)):
            if lib is None:
                continue
            x = lib.full((1, 1), 0.5, device=device, requires_grad=True)

            def forward(i):
                y = x
                for _ in range(chain):
                    y = op(y)
                return y

            def both(i):
                forward(i).sum().backward()
            fwd = timing.median_seconds(forward, 'cpu', repeats=3 if quick else 7)
            total = timing.median_seconds(both, 'cpu', repeats=3 if quick else 7)
            prefix = '' if label == 'microtorch' else 'torch_'
            row[prefix + 'forward_us'] = fwd / chain * 1e6
            row[prefix + 'backward_us'] = max(total - fwd, 1e-9) / chain * 1e6
        if 'torch_forward_us' in row:
            row['ratio_to_torch'] = ((row['forward_us'] + row['backward_us'])
                                     / (row['torch_forward_us'] + row['torch_backward_us']))
        rows.append(row)
    return rows


def finite_positive(value):
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0
