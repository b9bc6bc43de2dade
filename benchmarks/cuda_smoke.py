"""The first thing to run on a GPU: every CUDA kernel once, against the CPU backend.

    python benchmarks/cuda_smoke.py            # compile, check, then time a few kernels
    python benchmarks/cuda_smoke.py --no-bench # compile and check only

1. Compiles every kernels/*.cu with NVRTC (through CuPy) on GPU 0 and prints the time.
2. Runs each primitive of microtorch/backends/cuda.py - and through them every kernel, in
   every layout the launchers pick (contiguous, broadcast, scalar operands; warp-, block-
   and column-per-row reductions, one pass and two) - on random float32 and float64 inputs
   (and the integer/bool dtypes where the kernel has them), and compares each result with
   backends/cpu.py on the same inputs. Prints one line per case and a summary; any kernel
   instance that no case launched is listed.
3. Times a few kernels on 2^26 elements against a device-to-device copy (CUDA events).

Exit status 1 when a case fails. Run with tests/fakecupy on PYTHONPATH to run it on the
CPU emulator (the tests do; no timings there).
"""
import argparse
import os
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import microtorch  # noqa: E402
from microtorch import backends  # noqa: E402
from microtorch.backends import cpu  # noqa: E402
from microtorch.backends import cuda_kernels as K  # noqa: E402
from microtorch.random import Generator  # noqa: E402

FLOATS = (np.float32, np.float64)
INTS = (np.int32, np.int64)
TOL = {np.dtype(np.float32): (3e-5, 3e-6), np.dtype(np.float64): (1e-10, 1e-12)}
REDUCE_TOL = {np.dtype(np.float32): (2e-4, 2e-4), np.dtype(np.float64): (1e-9, 1e-10)}

rng = np.random.default_rng(0)
results = []          # (case, dtype, ok, detail)
launched = set()      # (kernel, dtype name) launched by some case


def draw(shape, dtype, low=-2.0, high=2.0):
    dtype = np.dtype(dtype)
    if dtype.kind == 'f':
        return rng.uniform(low, high, shape).astype(dtype)
    if dtype.kind == 'b':
        return rng.random(shape) < 0.5
    return rng.integers(-5, 6, shape).astype(dtype)


def positive(shape, dtype):
    return draw(shape, dtype, 0.5, 2.0)


def unit(shape, dtype):
    return draw(shape, dtype, -0.9, 0.9)


def nonzero(shape, dtype):
    x = draw(shape, dtype)
    return np.where(np.abs(x) < 0.1, 0.5 if np.dtype(dtype).kind == 'f' else 1, x).astype(dtype)


class Case:
    """Run `fn(backend, *args)` on both backends; args are host arrays (moved to the GPU for
    the CUDA run) or other values; compare every array the call returns."""

    def __init__(self, name, fn, args, tol=TOL, exact=False, check_args=()):
        args = [np.asarray(a) if isinstance(a, np.generic) else a for a in args]   # 0-d
        self.name, self.fn, self.args, self.tol, self.exact = name, fn, args, tol, exact
        self.check_args = check_args      # indices of arguments updated in place

    def run(self, gpu):
        dtype = next((a.dtype for a in self.args if isinstance(a, np.ndarray)), None)
        label = np.dtype(dtype).name if dtype is not None else '-'
        try:
            host_args = [a.copy() if isinstance(a, np.ndarray) else a for a in self.args]
            want = self.fn(cpu, *host_args)
            dev_args = [to_gpu(gpu, a) for a in self.args]
            got = self.fn(gpu, *dev_args)
            want = flatten(want) + [host_args[i] for i in self.check_args]
            got = [gpu.to_host(g) if g is not None and not isinstance(g, np.ndarray) else g
                   for g in flatten(got) + [dev_args[i] for i in self.check_args]]
            worst = compare(got, want, self.tol, self.exact)
            results.append((self.name, label, True, worst))
        except Exception as error:                      # a failed case, with its reason
            detail = f'{type(error).__name__}: {error}'.splitlines()[0][:150]
            if os.environ.get('SMOKE_TRACEBACK'):
                traceback.print_exc()
            results.append((self.name, label, False, detail))


def to_gpu(gpu, a):
    if isinstance(a, np.ndarray):
        return gpu.from_host(a)
    if isinstance(a, tuple) and a and isinstance(a[0], np.ndarray):   # a gather-style tuple
        return tuple(to_gpu(gpu, x) for x in a)
    return a


def flatten(out):
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in flatten(o)]
    return [out]


def compare(got, want, tol, exact):
    worst = 0.0
    for g, w in zip(got, want):
        if w is None:
            if g is not None:
                raise AssertionError('expected None')
            continue
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape:
            raise AssertionError(f'shape {g.shape}, expected {w.shape}')
        if g.dtype != w.dtype:
            raise AssertionError(f'dtype {g.dtype}, expected {w.dtype}')
        if exact or w.dtype.kind != 'f':
            if not np.array_equal(g, w, equal_nan=w.dtype.kind == 'f'):
                bad = np.argwhere(~((g == w) | (np.isnan(g) & np.isnan(w))))[:3]
                raise AssertionError(f'not equal at {bad.tolist()}')
            continue
        rtol, atol = tol[w.dtype]
        if not np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True):
            err = np.abs(g.astype(np.float64) - w)
            i = np.unravel_index(np.nanargmax(err), err.shape) if err.ndim else ()
            raise AssertionError(f'max error {np.nanmax(err):.3g} at {i}: got {g[i]}, '
                                 f'expected {w[i]} (rtol {rtol}, atol {atol})')
        if w.size:
            with np.errstate(invalid='ignore'):
                rel = np.nanmax(np.abs(g - w) / (atol + rtol * np.abs(w)))
            worst = max(worst, float(rel) if np.isfinite(rel) else 0.0)
    return worst


# ---- the cases ---------------------------------------------------------------------------------

M, B = (3, 4), (2, 3, 4)
BIG = 1 << 16


def unary_cases():
    cases = []
    domain = {'log': positive, 'sqrt': positive, 'reciprocal': nonzero, 'abs': nonzero,
              'relu': nonzero, 'log1p': positive, 'log2': positive, 'log10': positive,
              'rsqrt': positive, 'asin': unit, 'acos': unit, 'atanh': unit,
              'acosh': lambda shape, dt: draw(shape, dt, 1.1, 3.0)}
    for op in ('neg', 'abs', 'exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'sigmoid',
               'reciprocal', 'relu', 'log1p', 'expm1', 'log2', 'log10', 'rsqrt', 'tan', 'sinh',
               'cosh', 'asin', 'acos', 'atan', 'asinh', 'acosh', 'atanh'):
        d = domain.get(op, draw)
        for dt in FLOATS:
            for shape in (M, (BIG + 3,)):
                cases.append(Case(f'{op}_forward {shape}', lambda b, x, op=op:
                                  getattr(b, op + '_forward')(x), [d(shape, dt)]))
                cases.append(Case(f'{op}_backward {shape}', lambda b, s, g, op=op:
                                  getattr(b, op + '_backward')(s, g),
                                  [d(shape, dt), draw(shape, dt)]))
            if op == 'neg':
                cases.append(Case('neg_backward', lambda b, g: b.neg_backward(None, g),
                                  [draw(M, dt)]))
            # gy broadcast from one element (a sum's backward): the kgy = 2 path
            cases.append(Case(f'{op}_backward gy=expand', lambda b, s, g, op=op:
                              getattr(b, op + '_backward')(s, b.xp.broadcast_to(g, M)),
                              [d(M, dt), draw((), dt)]))
        if op in ('neg', 'abs', 'relu'):
            for dt in INTS:
                cases.append(Case(f'{op}_forward', lambda b, x, op=op:
                                  getattr(b, op + '_forward')(x), [draw(M, dt)]))
    # piecewise-constant ops: forward only (draws * 3 cross several integers)
    for dt in FLOATS:
        for op in ('sign', 'floor', 'ceil', 'trunc'):
            cases.append(Case(f'{op}_forward', lambda b, x, op=op:
                              getattr(b, op + '_forward')(x), [draw(B, dt) * 3]))
        for d in (0, 1, -1):
            cases.append(Case(f'round_forward decimals={d}', lambda b, x, d=d:
                              b.round_forward(x, d), [draw(B, dt) * 30]))
    for dt in INTS:
        cases.append(Case('sign_forward', lambda b, x: b.sign_forward(x), [draw(M, dt)]))
    for dt in FLOATS + INTS:
        for lo, hi in ((-0.5, None), (None, 0.5), (-0.5, 0.5)):
            if np.dtype(dt).kind == 'i':
                lo, hi = (None if lo is None else -1), (None if hi is None else 2)
            cases.append(Case(f'clamp_forward [{lo}, {hi}]', lambda b, x, lo=lo, hi=hi:
                              b.clamp_forward(x, lo, hi), [draw(B, dt)]))
            if np.dtype(dt).kind == 'f':
                cases.append(Case(f'clamp_backward [{lo}, {hi}]', lambda b, x, g, lo=lo, hi=hi:
                                  b.clamp_backward(x, g, lo, hi), [draw(B, dt), draw(B, dt)]))
        for e in ((2, 3, 0) if np.dtype(dt).kind == 'i' else (2, 3, 0.5, -1.0, 0, 2.5)):
            dom = positive if isinstance(e, float) and e != -1.0 else draw
            cases.append(Case(f'pow_scalar_forward e={e}', lambda b, x, e=e:
                              b.pow_scalar_forward(x, e), [dom(M, dt)]))
            if np.dtype(dt).kind == 'f':
                cases.append(Case(f'pow_scalar_backward e={e}', lambda b, x, g, e=e:
                                  b.pow_scalar_backward(x, g, e), [dom(M, dt), draw(M, dt)]))
    for dt in FLOATS:
        cases.append(Case('leaky_relu_forward', lambda b, x: b.leaky_relu_forward(x, 0.2),
                          [nonzero(B, dt)]))
        cases.append(Case('leaky_relu_backward', lambda b, x, g: b.leaky_relu_backward(
            x, g, 0.2), [nonzero(B, dt), draw(B, dt)]))
        cases.append(Case('silu_forward', lambda b, x: b.silu_forward(x), [draw(B, dt) * 3]))
        cases.append(Case('silu_backward', lambda b, x, g: b.silu_backward(x, g),
                          [draw(B, dt) * 3, draw(B, dt)]))
        # elu; selu's and celu's (alpha 2) scales
        for scales in ((1.0, 1.0, 1.0), (0.3, 1.0, 1.0), (1.6732632423543772, 1.0507009873554805,
                                                          1.0), (2.0, 1.0, 0.5)):
            cases.append(Case(f'elu_forward {scales}', lambda b, x, p=scales:
                              b.elu_forward(x, *p), [with_points(draw(B, dt) * 3, 0.0)]))
            cases.append(Case(f'elu_backward {scales}', lambda b, x, g, p=scales:
                              b.elu_backward(x, g, *p),
                              [with_points(draw(B, dt) * 3, 0.0), draw(B, dt)]))
        for approximate in ('none', 'tanh'):
            cases.append(Case(f'gelu_forward {approximate}', lambda b, x, a=approximate:
                              b.gelu_forward(x, a), [draw(B, dt) * 3]))
            cases.append(Case(f'gelu_backward {approximate}', lambda b, x, g, a=approximate:
                              b.gelu_backward(x, g, a), [draw(B, dt) * 3, draw(B, dt)]))
        for beta, th in ((1.0, 20.0), (2.0, 1.5)):
            cases.append(Case(f'softplus_forward beta={beta}', lambda b, x, beta=beta, th=th:
                              b.softplus_forward(x, beta, th), [draw(B, dt) * 3]))
            cases.append(Case(f'softplus_backward beta={beta}', lambda b, x, g, beta=beta,
                              th=th: b.softplus_backward(x, g, beta, th),
                              [draw(B, dt) * 3, draw(B, dt)]))
    cases += more_activation_cases()
    return cases


def with_points(x, *points):
    """x with its first elements set to `points` (an op's kinks, where the gradient's side
    is a convention to match)."""
    x = x.copy()
    x.flat[:len(points)] = points
    return x


def pair_cases(name, params, x, saved=None):
    """A unary op's forward on x and its backward (from `saved`, x by default), with gy as
    an array and as one value expanded."""
    label = f'{name} {params}' if params else name
    saved = x if saved is None else saved
    return [Case(f'{name}_forward {label}', lambda b, x, p=params:
                 getattr(b, name + '_forward')(x, *p), [x]),
            Case(f'{name}_backward {label}', lambda b, s, g, p=params:
                 getattr(b, name + '_backward')(s, g, *p), [saved, draw(x.shape, x.dtype)]),
            Case(f'{name}_backward gy=expand {label}', lambda b, s, g, p=params:
                 getattr(b, name + '_backward')(s, b.xp.broadcast_to(g, x.shape), *p),
                 [saved, draw((), x.dtype)])]


def more_activation_cases():
    """hardtanh, softsign, mish, hardsigmoid, hardswish, shrink, threshold, erf, exp2, frac:
    inputs wide enough to reach every piece, with the kinks themselves among them."""
    cases = []

    def pair(name, params, x):
        cases.extend(pair_cases(name, params, x))
    for dt in FLOATS:
        wide = draw(B, dt) * 4
        pair('hardtanh', (-1.0, 1.0), with_points(wide, -1.0, 1.0))
        pair('hardtanh', (0.0, 6.0), with_points(wide * 2, 0.0, 6.0))
        pair('softsign', (), with_points(wide, 0.0))
        pair('mish', (), with_points(wide * 3, 0.0))
        pair('hardsigmoid', (), with_points(wide, -3.0, 3.0))
        pair('hardswish', (), with_points(wide, -3.0, 3.0))
        for soft in (True, False):
            pair('shrink', (0.5, soft), with_points(wide, -0.5, 0.5, 0.0))
        pair('threshold', (0.5, -2.0), with_points(wide, 0.5))
        pair('erf', (), with_points(wide, 0.0))
        pair('exp2', (), np.exp2(wide).astype(dt))         # exp2 saves y
        cases.append(Case('frac_forward', lambda b, x: b.frac_forward(x),
                          [with_points(wide, -1.5, 2.0, -0.0)]))
    for dt in INTS:
        cases.append(Case('hardtanh_forward', lambda b, x: b.hardtanh_forward(x, -1.5, 2.5),
                          [draw(M, dt)]))
        cases.append(Case('threshold_forward', lambda b, x: b.threshold_forward(x, -0.5, 7.9),
                          [draw(M, dt)]))
    return cases


def special_cases():
    """lgamma, digamma, polygamma, erfc, erfinv, ndtri, i0, i1 over their domains, with the
    poles and ends among the inputs (inf and nan must match too); erfinv and ndtri save y."""
    cases = []
    for dt in FLOATS:
        wide = draw(B, dt) * 4
        gamma_points = with_points(wide, 0.0, -1.0, -2.5, 0.5, 1.0, 2.0, 9.75, 12.0)
        cases += pair_cases('lgamma', (), gamma_points)
        cases += pair_cases('digamma', (), gamma_points)
        for order in (0, 1, 2, 3, 6):
            cases += pair_cases('polygamma', (order,), with_points(
                wide, 0.0, -1.0, -2.5, 0.5, 1.0, 15.0))
        cases += pair_cases('erfc', (), with_points(wide * 2, 0.0, -3.0, 9.0))
        inside = draw(B, dt, -1.0, 1.0)
        ends = with_points(inside, -1.0, 1.0, 0.0, 0.999, -0.9999, 1.5)
        cases += pair_cases('erfinv', (), ends, saved=draw(B, dt))
        probability = draw(B, dt, 0.0, 1.0)
        cases += pair_cases('ndtri', (), with_points(probability, 0.0, 1.0, 0.5, 1e-6, 0.999,
                                                     -0.5), saved=draw(B, dt))
        for name in ('i0', 'i1'):
            cases += pair_cases(name, (), with_points(wide * 8, 0.0, -0.0, 20.5, -25.0))
    return cases


def ctc_cases():
    """The CTC pair on padded targets: repeats (a skip refused), a target holding the blank,
    empty targets and inputs, an impossible target (infinite loss: nan gradients, or 0 with
    zero_infinity), and a sample wider than a block (positions and classes over 256)."""
    cases = []
    small = (np.array([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 1], [1, 1, 1, 1], [2, 0, 0, 0]]),
             np.array([7, 5, 6, 3, 0]), np.array([4, 2, 3, 4, 1]), 5, 7, 0)
    rng_t = np.random.default_rng(7)
    wide = (rng_t.integers(1, 300, (2, 150)), np.array([400, 350]), np.array([150, 120]),
            300, 400, 0)
    for dt in FLOATS:
        for name, (targets, lengths, labels, classes, steps, blank) in (('small', small),
                                                                        ('wide', wide)):
            n = targets.shape[0]
            lp = np.log(rng.dirichlet(np.ones(classes), (steps, n))).astype(dt)
            gy = draw((n,), dt, 0.5, 2.0)
            cases.append(Case(f'ctc_loss_forward {name}', lambda b, x, t_, il, tl, blank=blank:
                              b.ctc_loss_forward(x, t_, il, tl, blank),
                              [lp, targets, lengths, labels], REDUCE_TOL))
            for zero_infinity in (False, True):
                def both(b, g, x, t_, il, tl, blank=blank, z=zero_infinity):
                    nll, alpha = b.ctc_loss_forward(x, t_, il, tl, blank)
                    return nll, b.ctc_loss_backward(g, x, t_, il, tl, nll, alpha, blank, z)
                cases.append(Case(f'ctc_loss_backward {name} zero_infinity={zero_infinity}',
                                  both, [gy, lp, targets, lengths, labels], REDUCE_TOL))
    return cases

LAYOUTS = [          # (name, shape of a, shape of b): every operand kind the launcher picks
    ('same', M, M), ('bcast', B, (3, 1)), ('outer', (3, 1), (1, 4)), ('lead', (4,), B),
    ('0-d', M, ()), ('big', (BIG + 5,), (BIG + 5,)), ('big bcast', (257, 256), (256,)),
]


def binary_cases():
    cases = []
    ops = {'add': FLOATS + INTS + (np.bool_,), 'sub': FLOATS + INTS, 'mul': FLOATS + INTS +
           (np.bool_,), 'div': FLOATS, 'pow': FLOATS + INTS,
           'maximum': FLOATS + INTS + (np.bool_,), 'minimum': FLOATS + INTS + (np.bool_,),
           **{op: FLOATS + INTS for op in ('floor_divide', 'trunc_divide', 'remainder',
                                           'fmod')}, 'atan2': FLOATS, 'hypot': FLOATS}
    for op, dtypes in ops.items():
        fn = op + '_forward'
        for dt in dtypes:
            a_dom = positive if op == 'pow' and np.dtype(dt).kind == 'f' else draw
            b_dom = nonzero if op in ('div', 'floor_divide', 'trunc_divide', 'remainder',
                                      'fmod') else draw
            # (integer pow takes negative exponents too: 1 / a ** |b| cut toward 0, as PyTorch)
            for name, sa, sb in LAYOUTS:
                if np.dtype(dt).kind != 'f' and name.startswith('big'):
                    continue
                cases.append(Case(f'{fn} {name}', lambda b, x, y, fn=fn: getattr(b, fn)(x, y),
                                  [a_dom(sa, dt), b_dom(sb, dt)]))
            # a transposed (strided) operand, and Python numbers on either side
            cases.append(Case(f'{fn} strided', lambda b, x, y, fn=fn: getattr(b, fn)(x.T, y),
                              [a_dom((4, 3), dt), b_dom(M, dt)]))
            number = {np.dtype(np.bool_): True}.get(np.dtype(dt), 2)
            if op != 'pow' or np.dtype(dt).kind == 'f':
                cases.append(Case(f'{fn} number right', lambda b, x, fn=fn, v=number:
                                  getattr(b, fn)(x, v), [a_dom(M, dt)]))
            if op not in ('pow',) or np.dtype(dt).kind == 'f':
                cases.append(Case(f'{fn} number left', lambda b, y, fn=fn, v=number:
                                  getattr(b, fn)(v, y), [b_dom(M, dt)]))
    for dt in FLOATS + INTS + (np.bool_,):
        for ufunc in (np.equal, np.not_equal, np.less, np.less_equal, np.greater,
                      np.greater_equal):
            cases.append(Case(f'compare {ufunc.__name__}', lambda b, x, y, u=ufunc:
                              b.compare(u, x, y), [draw(B, dt), draw((3, 1), dt)]))
        cases.append(Case('where_forward', lambda b, c, x, y: b.where_forward(c, x, y),
                          [draw((3, 1), np.bool_), draw(M, dt), draw((4,), dt)]))
        cases.append(Case('where_forward number', lambda b, c, x: b.where_forward(c, x, 1),
                          [draw(M, np.bool_), draw(M, dt)]))
    for dt in FLOATS:
        for op in ('maximum', 'minimum'):
            ties = np.round(draw(M, dt))                      # rounded: ties happen
            cases.append(Case(f'{op}_backward', lambda b, x, y, g, op=op:
                              getattr(b, op + '_backward')(x, y, g),
                              [ties, np.round(draw((3, 1), dt)), draw(M, dt)]))
        cases.append(Case('linear_forward', lambda b, x, w, c: b.linear_forward(x, w, c),
                          [draw((5, 4), dt), draw((3, 4), dt), draw((3,), dt)]))
        cases.append(Case('linear_forward 1-d', lambda b, x, w, c: b.linear_forward(x, w, c),
                          [draw((4,), dt), draw((3, 4), dt), draw((3,), dt)]))
        cases.append(Case('matmul (cuBLAS)', lambda b, x, w: b.matmul(x, w),
                          [draw(B, dt), draw((4, 5), dt)]))
    return cases


REDUCE_SHAPES = [    # (shape, dims): warp rows, block rows, two-pass rows, columns, both
    ((3, 4), (1,)), ((3, 4), (0,)), ((3, 4), (0, 1)), (B, (0, 2)), (B, (1,)),
    ((64, 600), (1,)), ((4, 5000), (1,)), ((2, 100_000), (1,)), ((100_000, 3), (0,)),
    ((5, 70_000, 2), (1,)), ((50_001,), (0,)),
]


def reduction_cases():
    cases = []
    t = REDUCE_TOL
    for dt in FLOATS:
        for shape, dims in REDUCE_SHAPES:
            for keep in (False, True):
                cases.append(Case(f'sum_forward {shape} {dims} keep={keep}', lambda b, x,
                                  d=dims, k=keep: b.sum_forward(x, d, k), [draw(shape, dt)],
                                  t))
            cases.append(Case(f'max_forward {shape} {dims}', lambda b, x, d=dims:
                              b.max_forward(x, d, False), [draw(shape, dt)], t))
            cases.append(Case(f'min_forward {shape} {dims}', lambda b, x, d=dims:
                              b.min_forward(x, d, True), [draw(shape, dt)], t))
            for corr in (0, 1):
                cases.append(Case(f'var_forward {shape} {dims} c={corr}', lambda b, x, d=dims,
                                  c=corr: b.var_forward(x, d, c, False), [draw(shape, dt)], t))
            cases.append(Case(f'logsumexp_forward {shape} {dims}', lambda b, x, d=dims:
                              b.logsumexp_forward(x, d, False), [draw(shape, dt)], t))
            cases.append(Case(f'prod_forward {shape} {dims}', lambda b, x, d=dims:
                              b.prod_forward(x, d, False), [draw(shape, dt, 0.999, 1.001)], t))
            if len(dims) == 1:            # scans: values in [0, 1), so that sums never cancel
                for fn in ('cumsum_forward', 'cumsum_backward'):
                    cases.append(Case(f'{fn} {shape} {dims}', lambda b, x, d=dims[0], fn=fn:
                                      getattr(b, fn)(x, d), [draw(shape, dt, 0.0, 1.0)], t))
            if len(dims) == 1:
                for fn in ('argmax', 'argmin'):
                    cases.append(Case(f'{fn} {shape} {dims}', lambda b, x, d=dims[0], fn=fn:
                                      getattr(b, fn)(x, d, False), [draw(shape, dt)]))
        x = draw(M, dt)
        x[1] = -np.inf
        cases.append(Case('logsumexp_forward -inf row', lambda b, x: b.logsumexp_forward(
            x, (1,), True), [x], t))
        cases.append(Case('max_forward NaN', lambda b, x: b.max_forward(x, (1,), False),
                          [np.where(draw(M, dt) > 1.5, np.nan, draw(M, dt)).astype(dt)], t))
        cases.append(Case('sum_to_shape', lambda b, g: b.sum_to_shape(g, (3, 1)),
                          [draw(B, dt)], t))
        for fn in ('sum_forward', 'max_forward', 'min_forward'):
            cases.append(Case(f'{fn} dims=None', lambda b, x, fn=fn: getattr(b, fn)(
                x, None, False), [draw(B, dt)], t))
    for dt in INTS + (np.bool_,):
        for fn in ('argmax', 'argmin'):
            cases.append(Case(f'{fn} ties all', lambda b, x, fn=fn: getattr(b, fn)(x, None,
                                                                               False),
                              [draw((300, 7), dt)]))
            cases.append(Case(f'{fn} ties long rows', lambda b, x, fn=fn: getattr(b, fn)(
                x, 1, True), [draw((2, 100_000), dt)]))
        if dt is np.int64:
            cases.append(Case('prod_forward int64', lambda b, x: b.prod_forward(x, (1,), False),
                              [draw((3, 5), dt)], exact=True))
            cases.append(Case('cumsum_forward int64', lambda b, x: b.cumsum_forward(x, 1),
                              [draw((3, 700), dt)], exact=True))
        cases.append(Case('max_forward', lambda b, x: b.max_forward(x, (0,), False),
                          [draw(B, dt)]))
        cases.append(Case('min_forward', lambda b, x: b.min_forward(x, (1, 2), True),
                          [draw(B, dt)]))
    for dt in INTS:
        cases.append(Case('sum_forward int', lambda b, x: b.sum_forward(x, (0, 2), False),
                          [draw(B, dt)]))
    return cases


def softmax_cases():
    cases = []
    for dt in FLOATS:
        for shape, dim in ((M, 1), (B, 0), (B, 1), ((64, 10), 1), ((2, 5000), 1),
                           ((3, 2000, 5), 1), ((), None), (B, -1), (B, -2)):
            for op in ('softmax', 'log_softmax'):
                x = draw(shape, dt) * 3
                y = getattr(cpu, op + '_forward')(x.astype(np.float64), dim).astype(dt)
                cases.append(Case(f'{op}_forward {shape} dim={dim}', lambda b, x, op=op, d=dim:
                                  getattr(b, op + '_forward')(x, d), [x], REDUCE_TOL))
                cases.append(Case(f'{op}_backward {shape} dim={dim}', lambda b, y, g, op=op,
                                  d=dim: getattr(b, op + '_backward')(y, g, d),
                                  [y, draw(shape, dt)], REDUCE_TOL))
    return cases


def indexing_cases():
    cases = []
    for dt in FLOATS + INTS + (np.bool_,):
        for inside in (False, True):             # conv's and pooling's windows, overlapping
            cases.append(Case(f'windows_forward inside={inside}', lambda b, x, c=inside:
                              b.windows_forward(x, (2, 3), (1, 2), (2, 1), c),
                              [draw((2, 3, 6, 7), dt)]))
        cases.append(Case('windows_forward 3-d strided', lambda b, x: b.windows_forward(
            x.transpose(1, 0, 2, 3, 4), (2, 1, 2), (1, 1, 2), (1, 2, 1), False),
            [draw((3, 2, 4, 5, 6), dt)]))
        if dt is not np.bool_:                   # max pooling: padded, dilated, overlapping
            cases.append(Case('max_pool_forward 2-d', lambda b, x: b.max_pool_forward(
                x, (3, 2), (2, 1), (1, 1), (1, 2), (3, 7)), [draw((2, 3, 6, 7), dt)]))
            cases.append(Case('max_pool_forward 3-d strided', lambda b, x: b.max_pool_forward(
                x.transpose(1, 0, 2, 3, 4), (2, 2, 3), (1, 2, 2), (0, 1, 1), (1, 1, 1),
                (3, 3, 3)), [draw((3, 2, 4, 5, 6), dt)]))
        index = np.array([[0, -1, 3], [2, 2, -4]])
        cases.append(Case('gather dim 1', lambda b, x, i: b.gather(x, i, 1),
                          [draw(M, dt), index]))
        cases.append(Case('gather dim -1', lambda b, x, i: b.gather(x, i, -1),
                          [draw(M, dt), index]))
        cases.append(Case('gather dim 0 strided x', lambda b, x, i: b.gather(x.T, i, 0),
                          [draw((4, 3), dt), np.array([[1, 0, 2, 2]])]))
    for dt in FLOATS:
        index = np.array([[0, 0, 3], [2, 2, 2]])
        cases.append(Case('scatter_add', lambda b, i, v: b.scatter_add(i, v, 1, M),
                          [index, draw((2, 3), dt)], REDUCE_TOL))
        cases.append(Case('scatter_add dim -2', lambda b, i, v: b.scatter_add(i, v, -2, M),
                          [np.array([[0, 2, 2, 1]]), draw((1, 4), dt)], REDUCE_TOL))
        g = draw((5,), dt)
        cases.append(Case('index_backward repeated', lambda b, g, i: b.index_backward(
            (i,), g, (4,), True), [g, np.array([0, 2, 0, 0, 3])], REDUCE_TOL))
        cases.append(Case('index_backward pair', lambda b, g, i, j: b.index_backward(
            (i, j), g, M, True), [draw((3,), dt), np.array([0, 2, 0]), np.array([3, 1, 3])],
            REDUCE_TOL))
        mask = np.array([[True, False, True, False], [True, True, False, False],
                         [False, False, True, False]])
        cases.append(Case('index_backward mask', lambda b, g, m: b.index_backward(
            (m,), g, M, True), [draw((int(mask.sum()),), dt), mask], REDUCE_TOL))
        cases.append(Case('index_backward basic', lambda b, g: b.index_backward(
            (slice(1, 3), 0), g, M, False), [draw((2,), dt)]))
        factors = np.array([[4, 6, 6, 2], [6, 9, 9, 3], [2, 3, 3, 1]], dt)   # padding counted
        cases.append(Case('avg_pool_forward padded', lambda b, x, f=factors: b.avg_pool_forward(
            x, (3, 3), (2, 2), (1, 1), f), [draw((2, 3, 5, 7), dt)]))
        cases.append(Case('avg_pool_backward padded', lambda b, g, f=factors:
                          b.avg_pool_backward(g, (2, 3, 5, 7), (3, 3), (2, 2), (1, 1), f),
                          [draw((2, 3, 3, 4), dt)], REDUCE_TOL))
        cases.append(Case('avg_pool 3-d', lambda b, x, f=np.full((2, 2, 3), 12, dt):
                          b.avg_pool_forward(x, (2, 2, 3), (1, 2, 2), (0, 0, 1), f),
                          [draw((1, 2, 3, 4, 5), dt)]))
        pool_index = np.array([[[[0, 1, 8], [8, 9, 15]], [[3, 3, 3], [12, 6, 19]]]])
        cases.append(Case('max_pool_backward overlapping', lambda b, g, i: b.max_pool_backward(
            g, i, (1, 2, 4, 5)), [draw((1, 2, 2, 3), dt), pool_index], REDUCE_TOL))
        for inside in (False, True):             # conv's and pooling's windows, overlapping
            shape = (2, 4, 3, 3, 2, 3) if inside else (2, 3, 4, 3, 2, 3)
            cases.append(Case(f'windows_backward inside={inside}', lambda b, g, c=inside:
                              b.windows_backward(g, (2, 3, 6, 7), (2, 3), (1, 2), (2, 1), c),
                              [draw(shape, dt)], REDUCE_TOL))
    return cases


def scatter_cases():
    """scatter (distinct targets: repeats keep any one value) and scatter_reduce (repeats)."""
    cases = []
    distinct = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
    repeats = np.array([[0, 1, 2, 0], [2, 2, 2, 0]])
    for dt in FLOATS + INTS + (np.bool_,):
        cases.append(Case('scatter dim 0', lambda b, x, i, s: b.scatter(x, i, s, 0),
                          [draw(M, dt), distinct, draw((3, 4), dt)]))
        cases.append(Case('scatter number, strided x', lambda b, x, i, one=dt(1): b.scatter(
            x.T, i, one, -1), [draw((4, 3), dt), np.array([[2], [0], [1]])]))
    for dt in FLOATS + INTS:
        for reduce in ('sum', 'prod', 'amax', 'amin'):
            cases.append(Case(f'scatter_reduce {reduce}', lambda b, x, i, s, r=reduce:
                              b.scatter_reduce(x, i, s, 0, r),
                              [draw(M, dt), repeats, draw((2, 4), dt)], REDUCE_TOL))
        cases.append(Case('scatter_reduce sum 0-dim', lambda b, x, i, s: b.scatter_reduce(
            x, i, s, 0, 'sum'), [draw((), dt), np.array([0, 0]), draw((2,), dt)], REDUCE_TOL))
    return cases


def loss_cases():
    cases = []
    t = REDUCE_TOL
    for dt in FLOATS:
        x, y = draw(M, dt), draw(M, dt)
        p, q = draw(M, dt, 0.1, 0.9), draw(M, dt, 0.0, 1.0)
        for r in ('none', 'mean', 'sum'):
            gy = draw(M, dt) if r == 'none' else draw((), dt)
            for loss, extra in (('mse_loss', ()), ('l1_loss', ()), ('smooth_l1_loss', (1.0,)),
                                ('smooth_l1_loss', (0.5,))):
                cases.append(Case(f'{loss}_forward {r} {extra}', lambda b, x, y, r=r, l=loss,
                                  e=extra: getattr(b, l + '_forward')(x, y, r, *e), [x, y], t))
                cases.append(Case(f'{loss}_backward {r} {extra}', lambda b, x, y, g, r=r,
                                  l=loss, e=extra: getattr(b, l + '_backward')(x, y, g, r, *e),
                                  [x, y, gy], t))
            for w in (None, draw((4,), dt, 0.5, 2.0)):
                cases.append(Case(f'binary_cross_entropy_forward {r} w={w is not None}',
                                  lambda b, p, q, w, r=r: b.binary_cross_entropy_forward(
                                      p, q, r, w), [p, q, w], t))
                cases.append(Case(f'binary_cross_entropy_backward {r} w={w is not None}',
                                  lambda b, p, q, g, w, r=r: b.binary_cross_entropy_backward(
                                      p, q, g, r, w), [p, q, gy, w], t))
            for w, pw in ((None, None), (draw((3, 1), dt, 0.5, 2), draw((4,), dt, 0.5, 3))):
                cases.append(Case(f'bce_with_logits_forward {r} w={w is not None}',
                                  lambda b, x, q, w, pw, r=r:
                                  b.binary_cross_entropy_with_logits_forward(x, q, r, w, pw),
                                  [x, q, w, pw], t))
                cases.append(Case(f'bce_with_logits_backward {r} w={w is not None}',
                                  lambda b, x, q, g, w, pw, r=r:
                                  b.binary_cross_entropy_with_logits_backward(x, q, g, r, w,
                                                                               pw),
                                  [x, q, gy, w, pw], t))
            for shape, target in ((M, np.array([0, 3, 1])), ((2, 3, 4), np.array(
                    [[0, 2, 1, 1], [2, 2, 0, 1]])), ((5, 2000), rng.integers(0, 2000, 5))):
                for weight in (None, draw((shape[1],), dt, 0.5, 2)):
                    tgt = target.copy()
                    tgt.reshape(-1)[0] = -100                 # one ignored sample
                    gy_t = draw(tgt.shape, dt) if r == 'none' else draw((), dt)
                    xs = draw(shape, dt) * 3
                    cases.append(Case(f'cross_entropy_forward {r} {shape} w={weight is not None}',
                                      lambda b, x, t_, w, r=r: b.cross_entropy_forward(
                                          x, t_, r, w, -100), [xs, tgt, weight], t))
                    cases.append(Case(f'cross_entropy_backward {r} {shape} '
                                      f'w={weight is not None}', lambda b, x, t_, g, w, r=r:
                                      b.cross_entropy_backward(x, t_, g, r, w, -100),
                                      [xs, tgt, gy_t, weight], t))
                    cases.append(Case(f'nll_loss_forward {r} {shape} w={weight is not None}',
                                      lambda b, x, t_, w, r=r: b.nll_loss_forward(
                                          x, t_, r, w, -100), [xs, tgt, weight], t))
                    total = draw((), dt, 1.0, 4.0) if r == 'mean' else None
                    cases.append(Case(f'nll_loss_backward {r} {shape} w={weight is not None}',
                                      lambda b, t_, g, w, tw, r=r, s=shape, d=np.dtype(dt):
                                      b.nll_loss_backward(t_, g, s, d, r, w, -100, tw),
                                      [tgt, gy_t, weight, total], t))
        cases.append(Case('cross_entropy_weights', lambda b, t_, w, dt=dt:
                          b.cross_entropy_weights(t_, w, -100, np.dtype(dt)),
                          [np.array([1, -100, 3, 0]), draw((4,), dt)]))
    return cases


def optimizer_cases():
    cases = []
    for dt in FLOATS:
        for momentum, dampening, nesterov, wd, maximize in (
                (0, 0, False, 0, False), (0.9, 0, False, 0.01, False),
                (0.9, 0.1, False, 0, True), (0.9, 0, True, 0.1, False)):
            label = f'm={momentum} d={dampening} n={nesterov} wd={wd} max={maximize}'

            def two_steps(b, p, g, m=momentum, d=dampening, n=nesterov, w=wd, x=maximize):
                buf = b.sgd_step(p, g, None, 0.1, m, d, n, w, x)
                buf = b.sgd_step(p, g, buf, 0.1, m, d, n, w, x)
                return buf
            cases.append(Case(f'sgd_step x2 {label}', two_steps, [draw(B, dt), draw(B, dt)],
                              check_args=(0,)))
        for amsgrad, wd, maximize, decoupled in ((False, 0, False, False),
                                                 (True, 0.01, False, False),
                                                 (False, 0.01, True, True)):
            def steps(b, p, g, m, v, vm, a=amsgrad, w=wd, x=maximize, d=decoupled):
                for step in (1, 2, 3):
                    b.adam_step(p, g, m, v, vm, step, 1e-2, 0.9, 0.999, 1e-8, w, a, x, d)
            cases.append(Case(f'adam_step x3 ams={amsgrad} wd={wd} max={maximize} '
                              f'adamw={decoupled}', steps,
                              [draw(B, dt), draw(B, dt), np.zeros(B, dt), np.zeros(B, dt),
                               np.zeros(B, dt)], check_args=(0, 2, 3, 4)))
        for momentum, centered, wd, maximize in ((0.0, False, 0.0, False),
                                                 (0.9, True, 0.1, True)):
            def rms_steps(b, p, g, s, buf, avg, m=momentum, c=centered, w=wd, x=maximize):
                for _ in range(3):
                    b.rmsprop_step(p, g, s, buf, avg, 1e-2, 0.9, 1e-8, w, m, c, x)
            cases.append(Case(f'rmsprop_step x3 mom={momentum} centered={centered}',
                              rms_steps, [draw(B, dt), draw(B, dt), np.zeros(B, dt),
                                          np.zeros(B, dt), np.zeros(B, dt)],
                              check_args=(0, 2, 3, 4)))
        for wd, maximize in ((0.0, False), (0.2, True)):
            def ada_steps(b, p, g, total, w=wd, x=maximize):
                for clr in (0.1, 0.09, 0.08):
                    b.adagrad_step(p, g, total, clr, 1e-10, w, x)
            cases.append(Case(f'adagrad_step x3 wd={wd} max={maximize}', ada_steps,
                              [draw(B, dt), draw(B, dt), np.full(B, 0.1, dt)],
                              check_args=(0, 2)))
        for wd, maximize in ((0.0, False), (0.1, True)):
            def adamax_steps(b, p, g, m, u, w=wd, x=maximize):
                for clr in (0.1, 0.05, 0.04):
                    b.adamax_step(p, g, m, u, clr, 0.9, 0.999, 1e-8, w, x)
            cases.append(Case(f'adamax_step x3 wd={wd} max={maximize}', adamax_steps,
                              [draw(B, dt), draw(B, dt), np.zeros(B, dt), np.zeros(B, dt)],
                              check_args=(0, 2, 3)))
        for wd, maximize, decoupled in ((0.0, False, False), (0.1, True, False),
                                        (0.1, False, True)):
            def nadam_steps(b, p, g, m, v, w=wd, x=maximize, d=decoupled):
                for step in (1, 2, 3):
                    b.nadam_step(p, g, m, v, 0.01, 0.9, 0.999, 1 - 0.999 ** step, 1e-8, w,
                                 -1e-3 / step, -5e-3 / step, x, d)
            cases.append(Case(f'nadam_step x3 wd={wd} max={maximize} decoupled={decoupled}',
                              nadam_steps, [draw(B, dt), draw(B, dt), np.zeros(B, dt),
                                            np.zeros(B, dt)], check_args=(0, 2, 3)))

            def radam_steps(b, p, g, m, v, w=wd, x=maximize, d=decoupled):
                for step, adaptive in ((1, None), (2, 0.3), (3, 0.4)):  # both kinds of step
                    b.radam_step(p, g, m, v, 0.01, 0.9, 0.999, 1 - 0.9 ** step, adaptive,
                                 1e-8, w, x, d)
            cases.append(Case(f'radam_step x3 wd={wd} max={maximize} decoupled={decoupled}',
                              radam_steps, [draw(B, dt), draw(B, dt), np.zeros(B, dt),
                                            np.zeros(B, dt)], check_args=(0, 2, 3)))
        for wd, maximize in ((0.0, False), (0.1, True)):
            def adadelta_steps(b, p, g, s, a, w=wd, x=maximize):
                for _ in range(3):
                    b.adadelta_step(p, g, s, a, 1.0, 0.9, 1e-6, w, x)
            cases.append(Case(f'adadelta_step x3 wd={wd} max={maximize}', adadelta_steps,
                              [draw(B, dt), draw(B, dt), np.zeros(B, dt), np.zeros(B, dt)],
                              check_args=(0, 2, 3)))
        for wd, maximize in ((0.0, False), (0.1, True)):
            def asgd_steps(b, p, g, ax, w=wd, x=maximize):
                for eta, mu in ((0.01, 1.0), (0.009, 1.0), (0.008, 0.5)):   # then averaging
                    b.asgd_step(p, g, ax, eta, 0.1, mu, w, x)
            cases.append(Case(f'asgd_step x3 wd={wd} max={maximize}', asgd_steps,
                              [draw(B, dt), draw(B, dt), np.zeros(B, dt)], check_args=(0, 2)))
        for maximize in (False, True):
            def rprop_steps(b, p, g1, g2, prev, size, x=maximize):
                for g in (g1, g1, g2, g1):          # signs kept, flipped and zeroed
                    b.rprop_step(p, g, prev, size, 0.5, 1.2, 1e-3, 0.05, x)
            second = draw(B, dt)
            second[0, 0] = 0
            cases.append(Case(f'rprop_step x4 max={maximize}', rprop_steps,
                              [draw(B, dt), draw(B, dt), second, np.zeros(B, dt),
                               np.full(B, 0.01, dt)], check_args=(0, 3, 4)))
        for shape, wd, maximize in ((B, 0.0, False), (M, 0.1, True), ((5,), 0.1, False)):
            factored = len(shape) > 1
            def adafactor_steps(b, p, g, row, col, var, w=wd, x=maximize):
                for step in (1, 2, 3):
                    b.adafactor_step(p, g, row, col, var, step ** -0.8, 0.01,
                                     min(0.01, step ** -0.5), 1e-3, 1e-3, 1.0, w, x)
            rows = shape[:-1] + (1,) if factored else (1,)
            cols = shape[:-2] + (1, shape[-1]) if factored else (1,)
            cases.append(Case(f'adafactor_step x3 {shape} wd={wd} max={maximize}',
                              adafactor_steps,
                              [draw(shape, dt), draw(shape, dt),
                               np.zeros(rows, dt) if factored else None,
                               np.zeros(cols, dt) if factored else None,
                               None if factored else np.zeros(shape, dt)],
                              check_args=(0, 2, 3) if factored else (0, 4)))
        cases.append(Case('dropout_mask', lambda b, x: b.dropout_mask(
            Generator().manual_seed(3), (1000,), 0.3, x.dtype), [draw((1,), dt)],
            exact=True))
    return cases


# ---- running ------------------------------------------------------------------------------------

def record_launches(gpu):
    original = gpu._kernel

    def recording(kernel, dtype):
        launched.add((kernel, np.dtype(dtype).name))
        return original(kernel, dtype)
    gpu._kernel = recording


def compile_all(gpu):
    for file in K.KERNELS:
        start = time.perf_counter()
        gpu._loader.compile(file, 0)
        print(f'compiled kernels/{file:<13} {time.perf_counter() - start:7.2f} s')


def bench(gpu):
    cp = gpu.cp
    n = 1 << 26
    x = cp.asarray(rng.uniform(-1, 1, n).astype(np.float32))
    y = cp.asarray(rng.uniform(0, 1, n).astype(np.float32))

    def timed(fn, nbytes, repeats=20):
        fn()
        start, stop = cp.cuda.Event(), cp.cuda.Event()
        times = []
        for _ in range(repeats):
            start.record()
            fn()
            stop.record()
            stop.synchronize()
            times.append(cp.cuda.get_elapsed_time(start, stop) / 1e3)
        t = float(np.median(times))
        return nbytes / t / 1e9, t

    copy_gbps, _ = timed(lambda: x.copy(), 8 * n)
    print(f'\n{"kernel (float32, 2^26 elements)":<42}{"GB/s":>8}{"of copy":>9}')
    print(f'{"device-to-device copy (read + write)":<42}{copy_gbps:8.0f}{1:9.2f}')
    p, g, m, v = x.copy(), y.copy(), cp.zeros_like(x), cp.zeros_like(x)
    rows = [
        ('sigmoid_forward', lambda: gpu.sigmoid_forward(x), 8),
        ('sigmoid_backward (12 B/element)', lambda: gpu.sigmoid_backward(y, x), 12),
        ('add_forward, same shape', lambda: gpu.add_forward(x, y), 12),
        ('add_forward, row broadcast', lambda: gpu.add_forward(
            x.reshape(-1, 4096), y[:4096]), 8),
        ('mul_forward, number', lambda: gpu.mul_forward(x, 2.0), 8),
        ('sum_forward, all', lambda: gpu.sum_forward(x, (0,), False), 4),
        ('sum_forward, rows of 4096', lambda: gpu.sum_forward(x.reshape(-1, 4096), (1,),
                                                              False), 4),
        ('sum_forward, columns', lambda: gpu.sum_forward(x.reshape(-1, 4096), (0,), False),
         4),
        ('softmax_forward, rows of 4096', lambda: gpu.softmax_forward(x.reshape(-1, 4096), 1),
         12),
        ('mse_loss_forward, mean', lambda: gpu.mse_loss_forward(x, y, 'mean'), 8),
        ('adam_step (28 B/element)', lambda: gpu.adam_step(
            p, g, m, v, None, 1, 1e-3, 0.9, 0.999, 1e-8, 0, False, False, False), 28),
    ]
    for label, fn, per_element in rows:
        gbps, t = timed(fn, per_element * n)
        print(f'{label:<42}{gbps:8.0f}{gbps / copy_gbps:9.2f}   ({t * 1e3:.3f} ms)')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--no-bench', action='store_true', help='skip the timings')
    parser.add_argument('--only', default='', help='run only cases whose name contains this')
    args = parser.parse_args(argv)
    reason = microtorch.cuda.unavailable_reason()
    if reason is not None:
        print(f'no CUDA: {reason}')
        return 2
    gpu = backends.for_device('cuda')
    fake = getattr(gpu.cp, 'FAKE', False)
    print(f'CuPy {gpu.cp.__version__}{" (the CPU emulator of tests/fakecupy)" if fake else ""},'
          f' GPU 0: {microtorch.cuda.get_device_name(0)}')
    compile_all(gpu)
    record_launches(gpu)
    cases = (unary_cases() + binary_cases() + reduction_cases() + softmax_cases() +
             indexing_cases() + loss_cases() + optimizer_cases() + scatter_cases() +
             special_cases() + ctc_cases())
    start = time.perf_counter()
    for case in cases:
        if args.only in case.name:
            case.run(gpu)
    gpu.synchronize()
    width = max(len(r[0]) for r in results)
    for name, dtype, ok, detail in results:
        shown = f'{detail:.2f} of tolerance' if ok else detail
        print(f'{"PASS" if ok else "FAIL"}  {name:<{width}}  {dtype:<8} {shown}')
    failed = [r for r in results if not r[2]]
    every = {(k, d) for file in K.KERNELS.values() for k, dts in file.items() for d in dts}
    missing = sorted(every - launched)
    print(f'\n{len(results) - len(failed)} of {len(results)} cases passed in '
          f'{time.perf_counter() - start:.1f} s; {len(launched & every)} of {len(every)} '
          'kernel instances launched')
    if missing and not args.only:
        print('not launched by any case: ' + ', '.join(f'{k}<{d}>' for k, d in missing))
    if not args.no_bench and not fake:
        bench(gpu)
    return 1 if failed or (missing and not args.only) else 0


if __name__ == '__main__':
    sys.exit(main())
