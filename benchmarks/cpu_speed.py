"""CPU speed of microtorch against PyTorch, side by side in one run, with the issue's targets.

    python benchmarks/cpu_speed.py [--quick] [--out DIR] [--threads N] [--no-torch]
                                   [--sections workloads,kernels,import,compile] [--rounds N]
                                   [--workloads scalar_sgd_step,elementwise_chain,...]

Both libraries get the same thread count (torch.set_num_threads, numba.set_num_threads and,
for NumPy's BLAS, OPENBLAS_NUM_THREADS when run as a script). Sections:

  workloads  training steps and chains, microtorch / PyTorch median time per step;
  kernels    every Numba kernel that exists, called directly on 2^24 float32 elements
             ((4096, 4096) for row-wise ones): GB/s counting the bytes it must read and
             write, as a fraction of a parallel Numba copy measured in the same run, and its
             speedup over the unfused NumPy primitive it replaces (`.numpy`); where the
             kernel declines float32 (PyTorch's order of operations is another route's
             job), that route, timed through the backend primitive the ops call;
  import     `import microtorch` plus the seed's first linear-regression step in a fresh
             process, against `import torch` measured the same way (warm Numba cache);
  compile    first call of each kernel in a fresh process with an empty NUMBA_CACHE_DIR
             (cold), then again in a second process with that cache (warm).

Prints markdown tables and writes results.json and summary.md to --out (default
benchmarks/results/cpu-numba-<date>/, with -quick appended for --quick, which shrinks every
size and finishes in about a minute on 2 cores).
"""
import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)


def _threads_arg(argv):
    for i, arg in enumerate(argv):
        if arg == '--threads' and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith('--threads='):
            return arg.split('=', 1)[1]
    return str(os.cpu_count())


if __name__ == '__main__':      # OpenBLAS reads its thread count once, when NumPy loads
    os.environ.setdefault('OPENBLAS_NUM_THREADS', _threads_arg(sys.argv[1:]))

import numpy as np  # noqa: E402

import overhead  # noqa: E402
from kernel_inputs import arrays_of, bytes_moved, kernel_args  # noqa: E402
import run  # noqa: E402
import telemetry  # noqa: E402
import timing  # noqa: E402

# Sizes and repeats. The tests shrink QUICK further. 'kernels' (the kernels timed) and
# 'compile' (those whose first call is timed): None for every one that exists, or a list of
# names; 'compile' may also be a number: the first that many kernels that exist.
FULL = {'chain_n': 1 << 22, 'kernel_n': 1 << 24, 'small_mlp': (256, 64),
        'big_mlp': (1024, 256, 1024), 'matmul': 1024, 'repeats': 7, 'repeat_s': 0.05,
        'rounds': 5,
        'import_runs': 5, 'kernels': None, 'compile': None, 'compile_n': 1 << 20}
QUICK = {'chain_n': 1 << 18, 'kernel_n': 1 << 18, 'small_mlp': (256, 64),
         'big_mlp': (256, 64, 256), 'matmul': 256, 'repeats': 3, 'repeat_s': 0.01,
         'import_runs': 2, 'kernels': None, 'compile': 1,
         'compile_n': 1 << 16}

TARGETS = {'ratio_tiny': 0.5, 'ratio_small_mlp': 0.8, 'ratio_big': 1.0,
           'fraction_of_copy': 0.85, 'speedup_over_numpy': 3.0,
           'import_s': 1.0, 'import_ratio': 0.5}
SECTIONS = ('workloads', 'kernels', 'import', 'compile')


# ---- workloads: factories make(lib, rng, cfg) -> step(i), the same for both libraries ------

def _tensor(lib, array, requires_grad=False):
    return lib.tensor(array, requires_grad=requires_grad)


def scalar_sgd_step(lib, rng, cfg):
    step = overhead.scalar_sgd_step(lib)
    return lambda i: step()


def elementwise_chain(lib, rng, cfg):
    step = overhead.elementwise_chain(lib)
    return lambda i: step()


def _train_step(lib, model, optimizer, x, y):
    loss_fn = lib.nn.MSELoss()

    def step(i):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return step


def small_mlp(lib, rng, cfg):
    """1-64-64-1 with sigmoids, SGD: the size of the examples' regressors."""
    batch, hidden = cfg['small_mlp']
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, hidden), nn.Sigmoid(), nn.Linear(hidden, hidden),
                          nn.Sigmoid(), nn.Linear(hidden, 1))
    x = rng.uniform(-2, 2, (batch, 1)).astype(np.float32)
    return _train_step(lib, model, lib.optim.SGD(model.parameters(), lr=0.05),
                       _tensor(lib, x), _tensor(lib, np.sin(3 * x)))


def big_mlp(lib, rng, cfg):
    """in-hidden-hidden-1 with ReLUs, Adam: big enough for the kernels and the BLAS."""
    batch, width, hidden = cfg['big_mlp']
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                          nn.ReLU(), nn.Linear(hidden, 1))
    x = rng.standard_normal((batch, width)).astype(np.float32)
    y = rng.standard_normal((batch, 1)).astype(np.float32)
    return _train_step(lib, model, lib.optim.Adam(model.parameters(), lr=1e-3),
                       _tensor(lib, x), _tensor(lib, y))


def fused_chain(lib, rng, cfg):
    """tanh(sigmoid(x) * x + 1).sum(), forward and backward: one kernel pair per op."""
    x = _tensor(lib, rng.standard_normal(cfg['chain_n']).astype(np.float32), True)

    def step(i):
        x.grad = None
        (x.sigmoid() * x + 1).tanh().sum().backward()
    return step


def matmul_backward(lib, rng, cfg):
    """(n, n) @ (n, n) with both inputs requiring grad, backward with a random gradient."""
    n = cfg['matmul']
    a, b, g = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(3))
    a, b, g = _tensor(lib, a, True), _tensor(lib, b, True), _tensor(lib, g)

    def step(i):
        a.grad = b.grad = None
        (a @ b).backward(g)
    return step


def _workloads(cfg):
    """(name, factory, target ratio, microtorch with Numba off?) in table order."""
    batch, hidden = cfg['small_mlp']
    big_batch, width, big_hidden = cfg['big_mlp']
    chain = f'tanh(sigmoid(x)*x+1).sum() fwd+bwd, 2^{int(math.log2(cfg["chain_n"]))} f32'
    n = cfg['matmul']
    return [
        ('scalar SGD step (seed tutorial)', scalar_sgd_step, TARGETS['ratio_tiny'], False),
        ('10-op elementwise chain + backward, 1 elem', elementwise_chain,
         TARGETS['ratio_tiny'], False),
        (f'MLP 1-{hidden}-{hidden}-1 sigmoid, SGD, batch {batch}', small_mlp,
         TARGETS['ratio_small_mlp'], False),
        (chain, fused_chain, TARGETS['ratio_big'], False),
        (chain + ', Numba off', fused_chain, None, True),
        (f'MLP {width}-{big_hidden}-{big_hidden}-1 ReLU, Adam, batch {big_batch}', big_mlp,
         TARGETS['ratio_big'], False),
        (f'matmul {n}x{n} f32 + backward', matmul_backward, TARGETS['ratio_big'], False),
    ]


def calibrated_seconds(call, repeats, repeat_s):
    """Median seconds per call(i): warm up for at least 3 calls and 2 * repeat_s (first calls
    allocate, compile and spin up thread pools), then time repeats of enough calls to last
    repeat_s each."""
    times, spent = [], 0.0
    while len(times) < 3 or spent < 2 * repeat_s:
        start = time.perf_counter()
        call(len(times))
        times.append(time.perf_counter() - start)
        spent += times[-1]
    once = max(min(times[-3:]), 1e-7)
    inner = max(1, min(10000, int(repeat_s / once)))
    return timing.median_seconds(call, 'cpu', repeats=repeats, warmup=0, inner=inner)


def _step_seconds(step, cfg):
    return calibrated_seconds(step, cfg['repeats'], cfg['repeat_s'])


def measure_workload(lib_name, index, cfg, threads, torch_first=False):
    """Median seconds per step of workload `index` for one library, in a fresh process: each
    library gets the cores, thread pools and OpenMP runtime to itself, as a user's program
    would (in one process, PyTorch's OpenMP workers and Numba's fight over 2 cores).
    torch_first: import PyTorch before microtorch, to measure the two side by side."""
    job = {'lib': lib_name, 'index': index, 'cfg': cfg, 'torch_first': torch_first}
    out, _ = _python_script(['--threads', str(threads), '--worker', json.dumps(job)])
    return json.loads(out.splitlines()[-1])['seconds']


def _worker(job, threads):
    """The body of a --worker process: time one workload for one library."""
    if job['torch_first']:
        import torch  # noqa: F401
    lib = importlib.import_module(job['lib'])
    cfg = job['cfg']
    set_threads(threads, lib if job['lib'] == 'torch' else None)
    name, make, target, numba_off = _workloads(cfg)[job['index']]
    from microtorch.backends import numba_dispatch
    with numba_dispatch.configure(enabled=False if numba_off else None):
        seconds = _step_seconds(make(lib, np.random.default_rng(0), cfg), cfg)
    print(json.dumps({'seconds': seconds}))


def run_workloads(cfg, torch, threads):
    """Each workload timed in fresh processes, microtorch's and PyTorch's in turn (the order
    swapped every round), `rounds` times: the medians of the rounds' times, and the median
    of the rounds' ratios."""
    rows = []
    rounds = cfg.get('rounds', 1)
    chosen = cfg.get('workloads')
    for index, (name, make, target, numba_off) in enumerate(_workloads(cfg)):
        if chosen is not None and make.__name__ not in chosen:
            continue
        row = {'workload': name, 'target_ratio': target}
        rows.append(row)
        libs = ['microtorch'] + (['torch'] if torch is not None else [])
        times = {lib: [] for lib in libs}
        try:
            for r in range(rounds):
                for lib in (libs if r % 2 == 0 else libs[::-1]):
                    times[lib].append(measure_workload(lib, index, cfg, threads))
        except subprocess.CalledProcessError as error:   # a kernel being written: go on
            row['error'] = describe_error(error) + ': ' + error.stderr.strip().splitlines()[-1]
            continue
        row['microtorch_s'] = statistics.median(times['microtorch'])
        row['microtorch_rounds_s'] = times['microtorch']
        if numba_off:        # the row before: the same workload with the kernels on
            on = rows[-2] if len(rows) > 1 else {}
            if 'microtorch_s' in on and on['workload'] + ', Numba off' == name:
                on['numba_speedup'] = row['microtorch_s'] / on['microtorch_s']
        if torch is not None:
            row['torch_s'] = statistics.median(times['torch'])
            row['torch_rounds_s'] = times['torch']
            # The machine's speed drifts over seconds (a fresh process of the same step took
            # 95 to 156 us here): a round's two timings, taken back to back, share it.
            row['round_ratios'] = [m / t for m, t in zip(times['microtorch'], times['torch'])]
            row['ratio'] = statistics.median(row['round_ratios'])
            if target is not None:
                row['met'] = row['ratio'] <= target
            if make is small_mlp:       # the case where one process with both collapsed
                row['microtorch_torch_loaded_s'] = measure_workload(
                    'microtorch', index, cfg, threads, torch_first=True)
    return rows


# ---- kernels: direct calls of the Numba kernels against their NumPy originals --------------

numba = None      # imported on first use, so that importing this module stays cheap


def _copy_body(src, dst):
    for i in numba.prange(src.size):
        dst[i] = src[i]


_parallel_copy = None


def parallel_copy():
    """A prange copy compiled here: the ceiling a one-pass parallel kernel can reach."""
    global numba, _parallel_copy
    if _parallel_copy is None:
        from microtorch.backends import numba_dispatch
        numba_dispatch.prepare_threads()       # the kernels' thread policy, for the copy too
        import numba
        _parallel_copy = numba.njit(parallel=True, cache=True)(_copy_body)
    return _parallel_copy


def shifted(args, rng):
    """A copy of args whose arrays are rolled by a random offset: other memory, the same
    random values (much cheaper than drawing new ones)."""
    return tuple(np.roll(a, int(rng.integers(a.size))) if isinstance(a, np.ndarray) else a
                 for a in args)


def cpu_backend():
    from microtorch.backends import cpu
    return cpu


def numpy_original(name):
    fn = getattr(cpu_backend(), name)
    return getattr(fn, 'numpy', fn)


def declined(name, out):
    """Did the kernel decline the call (the router then runs NumPy)? The in-place optimizer
    steps answer None when done and DECLINED when not; the others decline with None."""
    from microtorch.backends.numba_kernels import DECLINED, ROUTES
    return out is DECLINED if ROUTES[name][1] == 'optim' else out is None


def available_kernels(names=None):
    """{name: kernel} for the routed names whose Numba kernel exists now ({} without Numba);
    where the kernel's module fails to load, the exception stands in for the kernel."""
    from microtorch.backends import numba_dispatch
    from microtorch.backends.numba_kernels import ROUTES
    found = {}
    for name in (ROUTES if names is None else names):
        try:
            found[name] = numba_dispatch.kernel(name)
        except (ModuleNotFoundError, AttributeError):     # not written yet, or no Numba
            continue
        except Exception as error:        # a module being written may not load: say so
            found[name] = error
    return found


def describe_error(error):
    return f'{type(error).__name__}: {error}'


def time_call(fn, sets, cfg):
    """Median seconds of fn over argument sets cycled so that the inputs are not in cache."""
    return timing.median_seconds(lambda i: fn(*sets[i % len(sets)]), 'cpu',
                                 repeats=cfg['repeats'], warmup=2, inner=len(sets))


def copy_timer(n, cfg, rng):
    """copy(labels) -> {label: {'seconds', 'gbps'}} for copies of n float32 elements, timed at
    each call: each kernel is compared with a copy timed just before it, so that a change of
    load on a shared machine hits both alike. The parallel Numba copy writes into an existing
    array (the ceiling of the in-place kernels) or, like the kernels that return a result, into
    a new one: np.empty's pages are faulted in on first touch when large, recycled from the
    allocator (and in cache) when small, and the kernel pays the same."""
    sets = [(rng.standard_normal(n).astype(np.float32), np.empty(n, np.float32))
            for _ in range(timing.rotations(8 * n, 'cpu'))]
    copy_into = parallel_copy()
    calls = {'numba_prange_copy': copy_into,
             'numba_prange_copy_new': lambda src, dst: copy_into(src, np.empty_like(src)),
             'np.copyto': lambda src, dst: np.copyto(dst, src)}

    def copy(labels=tuple(calls)):
        rows = {}
        for label in labels:
            seconds = time_call(calls[label], sets, cfg)
            rows[label] = {'seconds': seconds, 'gbps': 8 * n / seconds / 1e9}
        return rows
    return copy


def run_kernels(cfg):
    if importlib.util.find_spec('numba') is None:
        return {'skipped': 'Numba is not installed'}
    n = cfg['kernel_n']
    rng = np.random.default_rng(0)
    copy = copy_timer(n, cfg, rng)
    first = copy()
    rows = []
    for name, kernel in available_kernels(cfg['kernels']).items():
        args, inplace = kernel_args(name, n, rng)
        shapes = sorted({a.shape for a in arrays_of(args) if a.ndim}, key=len)
        row = {'kernel': name, 'shape': list(shapes[-1])}
        try:
            if isinstance(kernel, Exception):
                raise kernel
            original = numpy_original(name)
            if declined(name, kernel(*args)):
                # The op runs another route on these inputs: on float32, PyTorch's own order
                # of operations (the exact routes, Numba kernels of their own). Time that, as
                # the ops call it; the NumPy primitive is the same route, so no speedup.
                row['route'] = 'exact'
                kernel, original = getattr(cpu_backend(), name), None
            moved = bytes_moved(args, inplace, kernel(*args))
            sets = [args] + [shifted(args, rng)
                             for _ in range(timing.rotations(moved, 'cpu') - 1)]
            kind = 'numba_prange_copy' if inplace else 'numba_prange_copy_new'
            ceiling = copy([kind])[kind]['gbps']
            seconds = time_call(kernel, sets, cfg)
            numpy_seconds = original and time_call(original, sets, cfg)
        except Exception as error:         # one broken kernel must not hide the others
            row['error'] = describe_error(error)
            rows.append(row)
            continue
        gbps = moved / seconds / 1e9
        row.update({'bytes': moved, 'seconds': seconds, 'gbps': gbps, 'copy': kind,
                    'copy_gbps': ceiling, 'fraction_of_copy': gbps / ceiling})
        row['met'] = row['fraction_of_copy'] >= TARGETS['fraction_of_copy']
        if numpy_seconds:
            row.update({'numpy_seconds': numpy_seconds,
                        'numpy_gbps': moved / numpy_seconds / 1e9,
                        'speedup_over_numpy': numpy_seconds / seconds})
            row['met'] &= row['speedup_over_numpy'] >= TARGETS['speedup_over_numpy']
        rows.append(row)
    for kind, timed in first.items():
        beside = [r['copy_gbps'] for r in rows if r.get('copy') == kind]
        if beside:
            timed['median_beside_kernels_gbps'] = statistics.median(beside)
    return {'size': n, 'copy': first, 'rows': rows}


# ---- import + first step, and compile times, in fresh processes ---------------------------

FIRST_STEP = '''
import time
start = time.perf_counter()
import {lib} as torch
w = torch.tensor([1.0], requires_grad=True)
loss = (1.0 * w - 2.0) ** 2
loss.backward()
w.data = w.data - 0.01 * w.grad.data
w.grad.data.zero_()
loss.item()
print(time.perf_counter() - start)
'''


def _python_script(args):
    """Run this script with `args` in a fresh interpreter; (stdout, wall seconds)."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [ROOT, env.get('PYTHONPATH')]))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, os.path.abspath(__file__)] + args, cwd=ROOT,
                          env=env, text=True, capture_output=True, check=True)
    return done.stdout, time.perf_counter() - start


def _python(code, env=None):
    """Run `code` in a fresh interpreter at the repository root; (stdout, wall seconds)."""
    full = dict(os.environ, **(env or {}))
    full['PYTHONPATH'] = os.pathsep.join(filter(None, [ROOT, full.get('PYTHONPATH')]))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, '-c', code], cwd=ROOT, env=full, text=True,
                          capture_output=True, check=True)
    return done.stdout, time.perf_counter() - start


def import_seconds(lib, runs):
    """Medians over fresh processes (after one unmeasured run that warms the file cache) of
    import + first step, timed inside the process and as the whole process."""
    inner, whole = [], []
    for i in range(runs + 1):
        out, wall = _python(FIRST_STEP.format(lib=lib))
        if i:
            inner.append(float(out.split()[-1]))
            whole.append(wall)
    return statistics.median(inner), statistics.median(whole)


def run_import(cfg, torch):
    row = {'runs': cfg['import_runs']}
    row['microtorch_s'], row['microtorch_process_s'] = import_seconds('microtorch',
                                                                       cfg['import_runs'])
    if torch is not None:
        row['torch_s'], row['torch_process_s'] = import_seconds('torch', cfg['import_runs'])
        row['ratio'] = row['microtorch_s'] / row['torch_s']
    row['met'] = (row['microtorch_s'] <= TARGETS['import_s']
                  and row.get('ratio', 0) <= TARGETS['import_ratio'])
    return row


def first_calls(names, n):
    """In this (fresh) process: seconds to import Numba, then for each kernel the first call
    (import of its module and compilation, or loading from the cache) and a second call."""
    start = time.perf_counter()
    import numba  # noqa: F401
    out = {'numba_import_s': time.perf_counter() - start, 'kernels': {}}
    from microtorch.backends import numba_dispatch
    rng = np.random.default_rng(0)
    for name in names:
        args = kernel_args(name, n, rng)[0]
        try:
            start = time.perf_counter()
            numba_dispatch.kernel(name)(*args)
            first = time.perf_counter() - start
            start = time.perf_counter()
            numba_dispatch.kernel(name)(*args)
        except Exception as error:         # report it; time the others
            out['kernels'][name] = {'error': describe_error(error)}
            continue
        out['kernels'][name] = {'first_call_s': first,
                                'second_call_s': time.perf_counter() - start}
    out['total_s'] = out['numba_import_s'] + sum(
        k.get('first_call_s', 0) for k in out['kernels'].values())
    return out


PROBE = '''
import json, sys
sys.path.insert(0, {here!r})
import cpu_speed
print(json.dumps(cpu_speed.first_calls({names!r}, {n})))
'''


def run_compile(cfg):
    from microtorch.backends.numba_kernels import ROUTES
    wanted = cfg['compile']
    found = available_kernels(None if isinstance(wanted, int) else wanted)
    names = [name for name, kernel in found.items() if not isinstance(kernel, Exception)]
    names = names[:wanted] if isinstance(wanted, int) else names
    if not names:
        return {'skipped': 'no Numba kernel loads (or no Numba)'}
    cache = tempfile.mkdtemp(prefix='microtorch-numba-cache-')
    try:
        code = PROBE.format(here=HERE, names=names, n=cfg['compile_n'])
        env = {'NUMBA_CACHE_DIR': cache}
        cold, cold_wall = _python(code, env)
        warm, warm_wall = _python(code, env)
    except subprocess.CalledProcessError as error:
        return {'error': error.stderr.strip().splitlines()[-1]}
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    cold, warm = json.loads(cold.splitlines()[-1]), json.loads(warm.splitlines()[-1])
    rows = []
    for name in names:
        row = {'kernel': name, 'family': ROUTES[name][1]}
        rows.append(row)
        if 'error' in cold['kernels'][name]:
            row['error'] = cold['kernels'][name]['error']
            continue
        row.update({'cold_s': cold['kernels'][name]['first_call_s'],
                    'warm_s': warm['kernels'][name]['first_call_s'],
                    'call_s': warm['kernels'][name]['second_call_s']})
    families = {}
    for r in rows:
        if 'error' in r:
            continue
        f = families.setdefault(r['family'], {'kernels': 0, 'cold_s': 0.0, 'warm_s': 0.0})
        f['kernels'] += 1
        f['cold_s'] += r['cold_s']
        f['warm_s'] += r['warm_s']
    return {'size': cfg['compile_n'], 'rows': rows, 'families': families,
            'numba_import_cold_s': cold['numba_import_s'],
            'numba_import_warm_s': warm['numba_import_s'],
            'cold_total_s': cold['total_s'], 'warm_total_s': warm['total_s'],
            'cold_process_s': cold_wall, 'warm_process_s': warm_wall}


# ---- the report ---------------------------------------------------------------------------

def _time(seconds):
    if seconds is None:
        return 'n/a'
    if seconds < 1e-3:
        return f'{seconds * 1e6:.1f} us'
    return f'{seconds * 1e3:.2f} ms' if seconds < 1 else f'{seconds:.2f} s'


def _met(row):
    return {True: 'yes', False: '**no**'}.get(row.get('met'), '-')


def markdown(results):
    meta = results['meta']
    lines = [f'# microtorch vs PyTorch on the CPU ({meta["date"]}, commit {meta["commit"]}'
             f'{", quick" if meta["quick"] else ""})\n',
             f'{meta["processor"]}, {meta["cores"]} cores, {meta["threads"]} threads; '
             f'NumPy {meta["numpy"]} ({meta["blas"]}), Numba {meta.get("numba", "n/a")}, '
             f'PyTorch {meta.get("torch", "n/a")}. {busy_note(meta)}\n']
    if results.get('workloads') or results.get('import'):
        lines += ['| workload | microtorch | PyTorch | ratio | target | met? |',
                  '|---|---|---|---|---|---|']
        for r in results.get('workloads', []):
            if 'error' in r:
                lines.append(f'| {r["workload"]} | {r["error"]} | | | | - |')
                continue
            target = f'<= {r["target_ratio"]}' if r['target_ratio'] is not None else '-'
            name = r['workload'] + (f' (Numba on: {r["numba_speedup"]:.1f}x faster)'
                                    if 'numba_speedup' in r else '')
            lines.append(f'| {name} | {_time(r["microtorch_s"])} | '
                         f'{_time(r.get("torch_s"))} | {_opt(r, "ratio")} | {target} | '
                         f'{_met(r)} |')
        if results.get('import'):
            r = results['import']
            lines.append(f'| import + first linear-regression step (fresh process) | '
                         f'{_time(r["microtorch_s"])} | {_time(r.get("torch_s"))} | '
                         f'{_opt(r, "ratio")} | <= 1 s and <= 0.5 | {_met(r)} |')
        lines.append('')
        rounds = [r for r in results.get('workloads', []) if 'microtorch_rounds_s' in r]
        if rounds:
            lines.append(f'Each library is timed in fresh processes of its own, '
                         f'{len(rounds[0]["microtorch_rounds_s"])} rounds taking turns; a time '
                         'is the median of the rounds, a ratio the median of the rounds\' '
                         'ratios.')
        for r in rounds:
            if 'microtorch_torch_loaded_s' in r:
                lines.append(f'{r["workload"]} with PyTorch imported first in microtorch\'s '
                             f'process (Numba on its workqueue pool): '
                             f'{_time(r["microtorch_torch_loaded_s"])}.')
        lines.append('')
    kernels = results.get('kernels')
    if kernels and 'skipped' not in kernels:
        copy = kernels['copy']
        lines.append(f'Kernels on {kernels["size"]} float32 elements. Copies (GB/s at the '
                     f'start; median of those timed beside the kernels): ' + ', '.join(
                         f'{label} {c["gbps"]:.1f}; {_opt(c, "median_beside_kernels_gbps", 1)}'
                         for label, c in copy.items())
                     + '. Targets: >= 0.85 of the parallel copy timed beside the kernel (into '
                     'a new array, or into an existing one for the in-place optimizer steps) '
                     'and >= 3x NumPy. "exact route": the Numba kernel declines float32, '
                     'which runs PyTorch\'s order of operations (backends/exact_sum.py, '
                     'torch_softmax.py, _sleef_*.py); timed as the ops call it.\n')
        lines += ['| kernel | shape | GB/s | copy GB/s | of copy | NumPy GB/s | speedup | met? |',
                  '|---|---|---|---|---|---|---|---|']
        for r in kernels['rows']:
            shape = 'x'.join(map(str, r['shape']))
            if 'gbps' not in r:
                lines.append(f'| {r["kernel"]} | {shape} | {r["error"]} | | | | | - |')
                continue
            numpy_part = (f'{r["numpy_gbps"]:.1f} | {r["speedup_over_numpy"]:.1f}x'
                          if 'numpy_gbps' in r else 'exact route | -')
            lines.append(f'| {r["kernel"]} | {shape} | {r["gbps"]:.1f} | {r["copy_gbps"]:.1f} | '
                         f'{r["fraction_of_copy"]:.2f} | {numpy_part} | {_met(r)} |')
        lines.append('')
    elif kernels:
        lines.append(f'Kernels: skipped ({kernels["skipped"]})\n')
    comp = results.get('compile')
    if comp and 'rows' in comp:
        lines.append(f'Compile: first call on {comp["size"]} elements in a fresh process, '
                     f'empty NUMBA_CACHE_DIR (cold) then the same cache (warm). Numba import '
                     f'{_time(comp["numba_import_cold_s"])}; total cold '
                     f'{_time(comp["cold_total_s"])}, warm {_time(comp["warm_total_s"])}.\n')
        lines += ['| kernel | family | cold first call | warm first call | later call |',
                  '|---|---|---|---|---|']
        for r in comp['rows']:
            if 'error' in r:
                lines.append(f'| {r["kernel"]} | {r["family"]} | {r["error"]} | | |')
                continue
            lines.append(f'| {r["kernel"]} | {r["family"]} | {_time(r["cold_s"])} | '
                         f'{_time(r["warm_s"])} | {_time(r["call_s"])} |')
        for family, f in comp['families'].items():
            lines.append(f'| all {f["kernels"]} | {family} | {_time(f["cold_s"])} | '
                         f'{_time(f["warm_s"])} | |')
        lines.append('')
    elif comp:
        lines.append(f'Compile: {comp.get("skipped") or comp.get("error")}\n')
    return '\n'.join(lines)


def _opt(row, key, digits=2):
    return f'{row[key]:.{digits}f}' if row.get(key) is not None else 'n/a'


# ---- main ---------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='small sizes, few repeats')
    parser.add_argument('--out', default=None, help='folder for results.json and summary.md')
    parser.add_argument('--threads', type=int, default=os.cpu_count(),
                        help='threads for both libraries (default: every core)')
    parser.add_argument('--no-torch', action='store_true', help='skip the PyTorch side')
    parser.add_argument('--rounds', type=int, default=None,
                        help='rounds of the workloads, each library in turn (default: 5); '
                             'more give a tighter median ratio on a machine whose speed drifts')
    parser.add_argument('--workloads', default=None,
                        help='comma-separated workloads to run (their functions\' names, such '
                             'as scalar_sgd_step,elementwise_chain; default: all)')
    parser.add_argument('--worker', default=None, help=argparse.SUPPRESS)   # one timing job
    parser.add_argument('--sections', default=','.join(SECTIONS),
                        help='comma-separated subset of: ' + ','.join(SECTIONS))
    args = parser.parse_args(argv)
    args.sections = [s for s in args.sections.split(',') if s]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f'unknown sections: {", ".join(sorted(unknown))}')
    return args


def set_threads(n, torch):
    """The same thread count for PyTorch and the Numba kernels; what each actually got."""
    got = {'threads': n}
    if torch is not None:
        torch.set_num_threads(n)
        got['torch_threads'] = torch.get_num_threads()
    try:
        from microtorch.backends import numba_dispatch
        numba_dispatch.prepare_threads()        # before set_num_threads starts the workers
        import numba
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
        got['numba_threads'] = numba.get_num_threads()
        got['numba'] = numba.__version__
    except ImportError:
        pass
    got['blas_threads_env'] = os.environ.get('OPENBLAS_NUM_THREADS', 'unset')
    return got


def busy_note(meta):
    """The load before the run (others' work) and after it (ours included), with a warning
    when others held the cores: parallel kernels then wait for a descheduled thread."""
    start = meta.get('load_average_start')
    note = (f'Load average {_opt(meta, "load_average_start")} at the start, '
            f'{_opt(meta, "load_average_end")} at the end.')
    if start is not None and start >= 0.5:
        note += (' **Other processes were using the CPU: the timings, the parallel ones most,'
                 ' are not reliable.**')
    if meta.get('steal_s_start') is not None and meta.get('steal_s_end') is not None:
        stolen = meta['steal_s_end'] - meta['steal_s_start']
        note += (f' The hypervisor ran others on this VM\'s cores for {stolen:.1f} s of the '
                 f'run (steal time).')
    return note


def steal_seconds():
    """CPU seconds the hypervisor gave others since boot (/proc/stat's steal, all cores), or
    None: on a shared VM a parallel kernel waits whenever one of its cores is taken."""
    try:
        with open('/proc/stat') as stat:
            fields = stat.readline().split()
        return int(fields[8]) / os.sysconf('SC_CLK_TCK')
    except (OSError, IndexError, ValueError):
        return None


def load_average():
    """1-minute load average: above ~0 others share the cores and parallel timings suffer."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def torch_version():
    """PyTorch's version, or None, without importing it here: this process runs the Numba
    kernels, and PyTorch would bring its own OpenMP runtime in (the workloads import it in
    processes of their own)."""
    try:
        return importlib.metadata.version('torch')
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_info(args, torch):
    info = {'date': datetime.date.today().isoformat(), 'commit': run.commit(),
            'quick': args.quick, **telemetry.cpu_info(), **set_threads(args.threads, None),
            'load_average_start': load_average(), 'steal_s_start': steal_seconds()}
    if torch is not None:
        info['torch'] = torch
    from microtorch.backends import numba_dispatch
    info['numba_dispatch'] = numba_dispatch.status()
    return info


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return _worker(json.loads(args.worker), args.threads)
    cfg = dict(QUICK if args.quick else FULL)
    if args.rounds is not None:
        cfg['rounds'] = args.rounds
    if args.workloads:
        cfg['workloads'] = args.workloads.split(',')
        known = {w[1].__name__ for w in _workloads(cfg)}
        if not set(cfg['workloads']) <= known:
            sys.exit(f'unknown workloads: {", ".join(sorted(set(cfg["workloads"]) - known))}; '
                     f'known: {", ".join(sorted(known))}')
    torch = None if args.no_torch else torch_version()
    if torch is None and not args.no_torch:
        print('PyTorch is not installed: no comparison')
    results = {'meta': machine_info(args, torch), 'targets': TARGETS}
    sections = {'workloads': lambda: run_workloads(cfg, torch, args.threads),
                'kernels': lambda: run_kernels(cfg),
                'import': lambda: run_import(cfg, torch),
                'compile': lambda: run_compile(cfg)}
    spent = results['meta']['section_seconds'] = {}
    for section in args.sections:
        start = time.perf_counter()
        results[section] = sections[section]()
        spent[section] = time.perf_counter() - start
    results['meta']['load_average_end'] = load_average()
    results['meta']['steal_s_end'] = steal_seconds()
    name = f'cpu-numba-{results["meta"]["date"]}' + ('-quick' if args.quick else '')
    out = args.out or os.path.join(HERE, 'results', name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    table = markdown(results)
    with open(os.path.join(out, 'summary.md'), 'w') as f:
        f.write(table + '\n')
    print(table)
    print(f'results: {os.path.join(out, "results.json")}')
    return results


if __name__ == '__main__':
    main()
