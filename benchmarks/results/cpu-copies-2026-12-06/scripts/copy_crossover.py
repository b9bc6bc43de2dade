"""Where the copy kernel (backends/cpu_copies.py) overtakes NumPy's one-thread copies on this
machine: each kind of copy at sizes 2^16..2^21 float32 elements, the kernel forced
(numba_dispatch.configure(min_size=0)) against np.copyto, in one process, alternating calls.
Run in fresh processes (RUNS, default 3); prints the median ratio kernel / NumPy per size.
    python copy_crossover.py [RUNS]"""
import json, subprocess, sys, statistics
CHILD = r'''
import json, time, numpy as np, microtorch as mt
from microtorch.backends import cpu_copies as cc, numba_dispatch as nd
mt.tensor(np.ones(1 << 20, np.float32)).exp()
rng = np.random.default_rng(0)
def best(f, n=50):
    ts = []
    for _ in range(n):
        a = time.perf_counter(); f(); ts.append(time.perf_counter() - a)
    return statistics.median(ts)
import statistics
out = {}
for log2 in range(16, 22):
    rows = (1 << log2) // 256
    a = rng.standard_normal((rows, 256)).astype(np.float32)
    wide = rng.standard_normal((rows, 512)).astype(np.float32)
    kinds = {
        'copy': (np.empty((rows, 256), np.float32), a),
        'cast f32->f64': (np.empty((rows, 256), np.float64), a),
        'cast f64->f32': (np.empty((rows, 256), np.float32), a.astype(np.float64)),
        'strided rows': (np.empty((rows, 256), np.float32), wide[:, 100:356]),
        'into strided rows': (np.empty((rows, 512), np.float32)[:, 3:259], a),
        'fill (0-d broadcast)': (np.empty((rows, 256), np.float32),
                                 np.broadcast_to(a[0, 0], (rows, 256))),
        'row broadcast': (np.empty((rows, 256), np.float32), np.broadcast_to(a[0], (rows, 256))),
    }
    for kind, (dst, src) in kinds.items():
        numpy = lambda: np.copyto(dst, src, casting='unsafe')
        with nd.configure(enabled=True, min_size=0):
            kernel = lambda: cc.copyto(dst, src)
            for _ in range(5): numpy(); kernel()
            tn, tk = [], []
            for _ in range(60):
                s = time.perf_counter(); numpy(); tn.append(time.perf_counter() - s)
                s = time.perf_counter(); kernel(); tk.append(time.perf_counter() - s)
        out.setdefault(kind, {})[log2] = statistics.median(tk) / statistics.median(tn)
print(json.dumps(out))
'''
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
got = []
for _ in range(runs):
    o = subprocess.run([sys.executable, '-c', CHILD], capture_output=True, text=True, check=True)
    got.append(json.loads(o.stdout.splitlines()[-1]))
sizes = list(got[0]['copy'])
print(f'kernel / np.copyto, float32 rows of 256, median of {runs} runs '
      '(each the median of 60 alternating calls)')
print('| copy | ' + ' | '.join(f'2^{s}' for s in sizes) + ' |')
print('|---' * (len(sizes) + 1) + '|')
for kind in got[0]:
    cells = [f'{statistics.median(g[kind][s] for g in got):.2f}' for s in sizes]
    print(f'| {kind} | ' + ' | '.join(cells) + ' |')
