"""One library's times on mid-size ops: python survey.py {torch|microtorch} [CASES], printing
{case: [forward us, forward + backward us]} as JSON (the first quartile of 15 runs after two).
survey_run.py runs it for both libraries in fresh processes taking turns."""
import json
import sys
import time

import numpy as np

lib = sys.argv[1]
if lib == 'torch':
    import torch as L
    L.set_num_threads(2)
else:
    import microtorch as L
rng = np.random.default_rng(0)
N, ROWS = 1 << 20, (1024, 1024)


def F():
    return L.nn.functional


CASES = {
    'exp': (lambda x: x.exp(), N), 'log': (lambda x: x.abs().log(), N),
    'tanh': (lambda x: x.tanh(), N), 'sigmoid': (lambda x: x.sigmoid(), N),
    'relu': (lambda x: x.relu(), N), 'gelu': (lambda x: F().gelu(x), N),
    'silu': (lambda x: F().silu(x), N), 'softplus': (lambda x: F().softplus(x), N),
    'elu': (lambda x: F().elu(x), N), 'sin': (lambda x: x.sin(), N),
    'sqrt': (lambda x: x.abs().sqrt(), N), 'pow2.5': (lambda x: x.abs() ** 2.5, N),
    'mul': (lambda x: x * x, N), 'add': (lambda x: x + 1.5, N), 'div': (lambda x: x / 1.7, N),
    'softmax': (lambda x: x.softmax(1), ROWS), 'log_softmax': (lambda x: x.log_softmax(1), ROWS),
    'logsumexp': (lambda x: x.logsumexp(1), ROWS), 'sum1': (lambda x: x.sum(1), ROWS),
    'amax1': (lambda x: x.amax(1), ROWS), 'norm1': (lambda x: x.norm(dim=1), ROWS),
    'var1': (lambda x: x.var(1), ROWS),
    'layer_norm': (lambda x: F().layer_norm(x, (1024,)), ROWS),
    'mse': (lambda x: F().mse_loss(x, x * 0.5), N), 'l1': (lambda x: F().l1_loss(x, x * 0.5), N),
    'smooth_l1': (lambda x: F().smooth_l1_loss(x, x * 0.5), N),
    'bce_logits': (lambda x: F().binary_cross_entropy_with_logits(x, (x > 0).float()), N),
    'cross_entropy': (lambda x: F().cross_entropy(x, L.arange(1024) % 1000), ROWS),
    'where': (lambda x: L.where(x > 0, x, x * 0.1), N),
    'clamp': (lambda x: x.clamp(-0.5, 0.5), N), 'cumsum1': (lambda x: x.cumsum(1), ROWS),
    'mean': (lambda x: x.mean(), N), 'hardtanh': (lambda x: F().hardtanh(x), N),
    'leaky_relu': (lambda x: F().leaky_relu(x), N),
}


def quartile_us(f, reps=15):
    f()
    f()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 4] * 1e6


def main():
    chosen = sys.argv[2].split(',') if len(sys.argv) > 2 else list(CASES)
    out = {}
    for name in chosen:
        f, shape = CASES[name]
        x = L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
        with L.no_grad():
            forward = quartile_us(lambda: f(x))

        def both():
            y = f(x)
            y.backward(L.ones_like(y))
            x.grad = None
        out[name] = (forward, quartile_us(both))
    print(json.dumps(out))


main()
