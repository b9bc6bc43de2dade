"""The benchmarks themselves. Each returns a list of JSON-ready rows.

Kernel throughput counts the bytes a kernel must move (its inputs read once, its output
written once) and divides by the median time: GB/s, then as a fraction of a device copy
(read n + write n) measured in the same run, the ceiling for a memory-bound kernel.
"""
import math

import numpy as np

import kernel_inputs
import timing


def sizes(quick):
    return [2 ** k for k in ((10, 14, 16) if quick else range(10, 27, 2))]


def _inputs(bk, device, arity, n, dtype, rng):
    """`arity` arrays of n fresh random numbers in [-2, 2) on the device (never zeros)."""
    return tuple(bk.from_host(rng.uniform(-2, 2, n).astype(dtype), device)
                 for _ in range(arity))


def copy_bandwidth(bk, device, quick, rng, dtype=np.float32):
    """Device copy (read n, write n) per size: the ceiling the kernels are compared with."""
    rows = []
    itemsize = np.dtype(dtype).itemsize
    for n in sizes(quick):
        sets = [_inputs(bk, device, 1, n, dtype, rng)
                for _ in range(timing.rotations(2 * n * itemsize, device))]
        outs = [bk.empty((n,), np.dtype(dtype)) for _ in sets]
        xp = bk.xp

        def call(i):
            xp.copyto(outs[i % len(outs)], sets[i % len(sets)][0])
        seconds = timing.median_seconds(call, device, repeats=3 if quick else 7,
                                        inner=len(sets))
        rows.append({'size': n, 'seconds': seconds, 'gbps': 2 * n * itemsize / seconds / 1e9})
    return rows


def _on_device(bk, device, args):
    return tuple(bk.from_host(a, device) if kernel_inputs.is_array(a) else a for a in args)


def kernel_throughput(bk, device, quick, rng, copy_rows, dtype=np.float32):
    """Every primitive of kernel_inputs.PRIMITIVES the backend has, on float32 arguments of
    each size (row-wise ones as near-square matrices), as the ops call it: GB/s counting
    the bytes a one-pass kernel must move, and that as a fraction of the same-size copy."""
    copy_at = {r['size']: r['gbps'] for r in copy_rows}
    rows = []
    for name in kernel_inputs.PRIMITIVES:
        kernel = getattr(bk, name, None)
        if kernel is None:
            continue
        op, direction = kernel_inputs.split_name(name)
        for n in sizes(quick):
            host, inplace = kernel_inputs.kernel_args(name, n, rng)
            first = _on_device(bk, device, host)
            moved = kernel_inputs.bytes_moved(host, inplace, kernel(*first))
            sets = [first] + [_on_device(bk, device, kernel_inputs.kernel_args(name, n, rng)[0])
                              for _ in range(timing.rotations(moved, device) - 1)]

            def call(i):
                kernel(*sets[i % len(sets)])
            seconds = timing.median_seconds(call, device, repeats=3 if quick else 5,
                                            inner=len(sets))
            gbps = moved / seconds / 1e9
            rows.append({'op': op, 'family': kernel_inputs.family(name),
                         'direction': direction, 'dtype': np.dtype(dtype).name,
                         'size': n, 'seconds': seconds, 'gbps': gbps,
                         'bytes_per_element': moved / n,
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
