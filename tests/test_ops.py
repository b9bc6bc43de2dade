"""The one table of ops that drives the op tests on every device.

Each row: a name ('op/variant'), a function of tensors, the input shapes, an input domain, a
NumPy float64 reference, and flags. Every row is checked, on each device:
  1. forward in float64 against the reference (tight tolerance),
  2. forward in float32 against the reference (float32 tolerance, float32 result),
  3. backward by finite differences (autograd.gradcheck, float64),
  4. second derivatives (autograd.gradgradcheck) where the row's `gradgrad` flag is set,
  5. forward values and gradients against PyTorch, when it is installed.
Row functions use only what both APIs share (methods, operators, `api(x).cat`), so the same
lambda runs on PyTorch tensors; `torch_fn` overrides it where it cannot.

A new op must add a row here: `test_table_covers_required_ops` lists the ops that need one.
"""
import itertools
import math
import sys
import warnings
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import pytest

import microtorch
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.backends import numba_dispatch


@pytest.fixture(params=['cpu', 'cpu+numba', 'cuda'])
def device(request):
    """The table runs on the CPU twice - NumPy below the crossover (as tiny tensors always do)
    and every size forced through the fused Numba kernels - and on the GPU when there is one."""
    if request.param == 'cuda':
        yield request.getfixturevalue('cuda_device')
        return
    if request.param == 'cpu':
        with numba_dispatch.configure(enabled=False):
            yield 'cpu'
        return
    pytest.importorskip('numba')
    with numba_dispatch.configure(enabled=True, min_size=0):
        yield 'cpu'


def api(x):
    """The library of tensor x: microtorch, or torch when the row runs on PyTorch tensors."""
    return microtorch if isinstance(x, microtorch.Tensor) else sys.modules['torch']


def idx(x, values):
    """An index tensor (int64 or bool) of x's library, on x's device."""
    return api(x).tensor(values, device=x.device)


# ---- input domains: (rng, shapes) -> one float64 array per shape ---------------------------

def real(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from(*points, gap=0.1):
    """Uniform in [-2, 2] but at least `gap` from each point (kinks: |x|, relu, clamp),
    so that finite differences never straddle one."""
    def draw(rng, shape):
        x = rng.uniform(-2.0, 2.0, shape)
        while True:
            bad = np.zeros(x.shape, bool)
            for p in points:
                bad |= np.abs(x - p) < gap
            if not bad.any():
                return x
            x[bad] = rng.uniform(-2.0, 2.0, int(bad.sum()))
    return draw


nonzero = away_from(0.0)
# floor, ceil, trunc, round jump at integers (round at halves too): keep clear of both
steps = away_from(*np.arange(-2.0, 2.01, 0.5))
tenths = away_from(*np.arange(-2.0, 2.01, 0.05), gap=0.01)     # round(decimals=1)


def quotients(rng, shapes):
    """x and y with x / y at least 0.2 from an integer (where //, % and fmod jump) and
    |y| in [0.5, 2], of either sign."""
    shape = np.broadcast_shapes(*shapes)
    y = rng.uniform(0.5, 2.0, shapes[1]) * rng.choice([-1.0, 1.0], shapes[1])
    q = rng.integers(-3, 4, shape) + rng.uniform(0.2, 0.8, shape)
    x = q * y
    return [x if x.shape == tuple(shapes[0]) else x[(0,) * (x.ndim - len(shapes[0]))], y]


def between_multiples(step):
    """x with x / step at least 0.2 from an integer: x % step, fmod(x, step) are smooth."""
    def draw(rng, shape):
        return step * (rng.integers(-3, 4, shape) + rng.uniform(0.2, 0.8, shape))
    return draw


def distinct_magnitudes(rng, shapes):
    """Like `distinct`, but no two |values| tie either (the inf-norms' gradients)."""
    magnitudes = distinct(rng, shapes, low=0.2)
    return [m * rng.choice([-1.0, 1.0], m.shape) for m in magnitudes]


def some_zeros(rng, shape):
    """Uniform in [-2, 2] with zeros: one in the first row, two in the last (prod's
    gradient has a case for each)."""
    x = real(rng, shape)
    x.flat[1] = 0.0
    x.flat[-1] = x.flat[-3] = 0.0
    return x


def above_minus_one(rng, shape):
    """log1p's domain, with room for finite differences."""
    return rng.uniform(-0.5, 2.0, shape)


def inside_unit(rng, shape):
    """asin's, acos's and atanh's domain, kept off its ends."""
    return rng.uniform(-0.8, 0.8, shape)


def above_one(rng, shape):
    """acosh's domain."""
    return rng.uniform(1.2, 3.0, shape)


def within_quarter_turn(rng, shape):
    """tan's domain: well inside (-pi/2, pi/2)."""
    return rng.uniform(-1.2, 1.2, shape)


def per(*draws):
    """One draw per input (the last one repeats)."""
    def domain(rng, shapes):
        return [(draws[min(i, len(draws) - 1)])(rng, s) for i, s in enumerate(shapes)]
    return domain


def distinct(rng, shapes, low=-2.0):
    """All values of all inputs distinct and well apart, in [low, 2]: no ties for max/min/
    maximum."""
    sizes = [int(np.prod(s)) for s in shapes]
    values = rng.permutation(np.linspace(low, 2.0, sum(sizes)))
    out, start = [], 0
    for s, n in zip(shapes, sizes):
        out.append(values[start:start + n].reshape(s))
        start += n
    return out


def constant_row(rng, shape):
    """Uniform in [-2, 2] with the first row (or the whole vector) one value repeated: no
    spread there, where std's gradient is 0 (PyTorch's rule; std has no derivative)."""
    x = real(rng, shape)
    row = x if x.ndim == 1 else x[0]
    row[...] = row.flat[0]
    return x


def unit(rng, shape):
    """Probabilities away from 0 and 1 (binary cross entropy's inputs)."""
    return rng.uniform(0.1, 0.9, shape)


def differences(*kinks, gap=0.1):
    """x, and y = x - d with d at least `gap` from each kink of a loss of x - y (l1 at 0,
    smooth_l1 at +-beta), so that finite differences never straddle one."""
    def domain(rng, shapes):
        x = real(rng, shapes[0])
        return [x, x - away_from(*kinks, gap=gap)(rng, shapes[1])]
    return domain


def nnF(x):
    """nn.functional of x's library."""
    return api(x).nn.functional


def const(x, values):
    """A constant float tensor of x's library, dtype and device (class weights)."""
    return api(x).tensor(values, dtype=x.dtype, device=x.device)


def reduced(v, reduction):
    return v.mean() if reduction == 'mean' else v.sum() if reduction == 'sum' else v


def conv2d_ref(x, w, b, stride, padding, dilation=1, groups=1):
    """Cross-correlation by loops over the output, in float64 (NumPy has no conv2d)."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    out_h = (h - dilation * (kh - 1) - 1) // stride + 1
    out_w = (wd - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, out_h, out_w))
    per_group = o // groups
    for i in range(out_h):
        for j in range(out_w):
            rows = i * stride + dilation * np.arange(kh)
            cols = j * stride + dilation * np.arange(kw)
            patch = x[:, :, rows][:, :, :, cols]                  # (n, c, kh, kw)
            for k in range(o):
                g = k // per_group
                out[:, k, i, j] = (patch[:, g * cg:(g + 1) * cg] * w[k]).sum((1, 2, 3))
    return out + (0 if b is None else b.reshape(1, -1, 1, 1))


def conv_transpose2d_ref(x, w, b, stride, padding):
    """Each input element spreads its kernel-weighted copy into the output (float64 loops)."""
    n, _, h, wd = x.shape
    _, out_c, kh, kw = w.shape
    full = np.zeros((n, out_c, (h - 1) * stride + kh, (wd - 1) * stride + kw))
    for i in range(h):
        for j in range(wd):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += \
                np.einsum('nc,cokl->nokl', x[:, :, i, j], w)
    out = full[:, :, padding:full.shape[2] - padding, padding:full.shape[3] - padding]
    return out if b is None else out + b[:, None, None]


def attention_ref(q, k, v):
    return softmax_ref(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]), -1) @ v


def group_norm_ref(x, groups, eps):
    """(x - mean) / sqrt(var + eps) over each sample's group of channels (biased var)."""
    g = x.reshape(x.shape[0], groups, -1)
    out = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + eps)
    return out.reshape(x.shape)


def gelu_cdf(x):
    """The standard normal CDF, through math.erf (NumPy has no erf)."""
    import math
    return 0.5 * (1 + np.vectorize(math.erf)(x / np.sqrt(2)))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def softplus_ref(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)


def smooth_l1_ref(x, y, beta=1.0):
    d = np.abs(x - y)
    return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)


def bce_ref(x, y, weight=1.0):
    return -(y * np.log(x) + (1 - y) * np.log(1 - x)) * weight


def bce_logits_ref(x, y, weight=1.0, pos_weight=1.0):
    p = 1 / (1 + np.exp(-x))
    return -(pos_weight * y * np.log(p) + (1 - y) * np.log(1 - p)) * weight


def cross_entropy_ref(x, target, reduction, weight=None, ignore_index=-100):
    """Class dim 1; target of x's shape without it. 'mean' divides by the targets' weights."""
    target = np.asarray(target)
    logp = np.log(softmax_ref(x, 1))
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    w = (np.ones(x.shape[1]) if weight is None else np.asarray(weight))[safe] * keep
    loss = -w * np.take_along_axis(logp, safe[:, None], 1)[:, 0]
    if reduction == 'none':
        return loss
    return loss.sum() / (w.sum() if reduction == 'mean' else 1)


def seeded_dropout(x, p=0.5):
    """Training-mode dropout with the mask that seed 0 draws, on every call (gradcheck calls
    it many times); the global generator's state is left as it was."""
    state = microtorch.get_rng_state()
    microtorch.manual_seed(0)
    try:
        return microtorch.nn.functional.dropout(x, p)
    finally:
        microtorch.set_rng_state(state)


def dropout_mask(shape, p=0.5):
    """The mask seeded_dropout applies: 0 or 1 / (1 - p) (the draw is the same in any dtype)."""
    return seeded_dropout(microtorch.ones(shape, dtype=microtorch.float64), p).numpy()


def scatter_ref(x, dim, index, src, reduce=None, include_self=True):
    """NumPy's scatter along dim: np.<ufunc>.at at index (write when reduce is None; 'mean'
    is the sum over the count of the values combined)."""
    index = np.asarray(index)
    out = np.array(x, dtype=float)
    grids = list(np.ogrid[tuple(slice(n) for n in index.shape)])
    grids[dim] = index
    at = tuple(grids)
    src = np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else \
        src[tuple(slice(n) for n in index.shape)]
    if reduce is None:
        out[at] = src
        return out
    if not include_self:
        out[at] = {'sum': 0, 'mean': 0, 'prod': 1, 'amax': -np.inf, 'amin': np.inf}[reduce]
    ufunc = {'sum': np.add, 'mean': np.add, 'prod': np.multiply, 'amax': np.maximum,
             'amin': np.minimum}[reduce]
    ufunc.at(out, at, src)
    if reduce == 'mean':
        count = np.full(out.shape, 1.0 if include_self else 0.0)
        np.add.at(count, at, 1.0)
        out = np.where(count > 0, out / np.maximum(count, 1), x)
    return out


def mp(name, *leading):
    """mpmath's function `name` elementwise, at 30 digits, after the `leading` arguments: the
    reference of the special functions NumPy lacks (the row skips without mpmath)."""
    def ref(x):
        mpmath = pytest.importorskip('mpmath')
        f = getattr(mpmath, name)
        with mpmath.workdps(30):
            return np.vectorize(lambda v: float(f(*leading, v)))(x)
    return ref


def ndtri_ref(p):
    mpmath = pytest.importorskip('mpmath')
    with mpmath.workdps(30):
        return np.vectorize(lambda v: float(mpmath.sqrt(2) * mpmath.erfinv(2 * mpmath.mpf(v)
                                                                         - 1)))(p)


def log_ndtr_ref(x):
    mpmath = pytest.importorskip('mpmath')
    with mpmath.workdps(30):
        return np.vectorize(lambda v: float(mpmath.log(mpmath.ncdf(v))))(x)


# The gamma family's poles (0 and the negative integers), kept clear of
off_poles = away_from(0.0, -1.0, -2.0, gap=0.15)


def normal_tails(rng, shape):
    """log_ndtr's inputs: [-30, 5], through its asymptotic tail, its erfc pieces and 0."""
    return rng.uniform(-30.0, 5.0, shape)


# ctc_loss rows: 4 steps, 2 samples, 3 classes (blank 0); a repeated label and a short input
CTC_SHAPE = (4, 2, 3)
CTC_TARGETS, CTC_INPUT_LENGTHS, CTC_TARGET_LENGTHS = [[1, 1], [2, 0]], [4, 3], [2, 1]


def ctc_call(x, reduction):
    lib = api(x)
    targets = lib.tensor(CTC_TARGETS, device=x.device)
    lengths = (lib.tensor(CTC_INPUT_LENGTHS, device=x.device),
               lib.tensor(CTC_TARGET_LENGTHS, device=x.device))
    return lib.nn.functional.ctc_loss(x.log_softmax(2), targets, *lengths,
                                      reduction=reduction)


def ctc_brute_ref(x, reduction):
    """-log of the total probability of the label paths that collapse (repeats merged, then
    blanks dropped) to each target, every path of each sample's length enumerated."""
    lp = x - np.log(np.exp(x).sum(2, keepdims=True))
    losses = []
    for b, (steps, length) in enumerate(zip(CTC_INPUT_LENGTHS, CTC_TARGET_LENGTHS)):
        target = CTC_TARGETS[b][:length]
        total = 0.0
        for path in itertools.product(range(lp.shape[2]), repeat=steps):
            merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
            if [c for c in merged if c != 0] == target:
                total += math.exp(sum(lp[t, b, c] for t, c in enumerate(path)))
        losses.append(-math.log(total))
    losses = np.array(losses)
    if reduction == 'mean':
        return np.mean(losses / np.maximum(CTC_TARGET_LENGTHS, 1))
    return losses

# ---- the table -----------------------------------------------------------------------------

@dataclass
class Op:
    name: str                         # 'op/variant'; the part before '/' is the op
    fn: Callable                      # tensors -> tensor or tuple of tensors
    shapes: tuple                     # one shape per tensor input
    ref: Callable                     # float64 arrays -> array or tuple of arrays
    domain: Callable = per(real)
    gradgrad: bool = True             # also check second derivatives
    nograd: bool = False              # output has no gradient (argmax)
    torch_fn: Optional[Callable] = None  # the same on torch tensors, where fn cannot be

    @property
    def grad(self):
        return not self.nograd

    @property
    def op(self):
        return self.name.split('/')[0]


def vi(result):
    """max/min with a dim: (values, indices), read through PyTorch's field names."""
    return result.values, result.indices


def softmax_ref(x, dim):
    e = np.exp(x - x.max(dim, keepdims=True))
    return e / e.sum(dim, keepdims=True)


def logsumexp_ref(x, dim, keepdims=False):
    m = x.max(dim, keepdims=True)
    out = np.log(np.exp(x - m).sum(dim, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, dim)


def scattered(x, where, values):
    """x with x[where] = values (a copy)."""
    out = np.array(x)
    out[where] = values
    return out


def added(x, where, values):
    """x with values added at where, repeated places adding up (a copy)."""
    out = np.array(x)
    np.add.at(out, where, values)
    return out


def quietly(fn, *args):
    """fn(*args) without the deprecation warning it gives (chain_matmul)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        return fn(*args)


S, M, B = (4,), (3, 4), (2, 3, 4)      # the usual shapes: vector, matrix, batch
POS = per(positive)
I_ = [0, 2, 0, 0]                      # an index with repeats: its grads must accumulate
SCATTER_I = [[0, 1, 2, 0], [2, 0, 1, 1]]       # along dim 0: no column names a row twice
REPEATS_I = [[0, 1, 2, 0], [2, 2, 2, 0]]       # and one that does (the reductions combine)


def masked_scatter_ref(x, mask, s):
    """x with s's leading elements, in order, where mask (broadcast) is True."""
    mask = np.broadcast_to(mask, x.shape)
    out = np.array(x)
    out[mask] = s.reshape(-1)[:int(mask.sum())]
    return out


def running_extreme_ref(x, dim, pick):
    """cummax/cummin: the running extreme and the last index where it was taken."""
    values = pick.accumulate(x, dim)
    positions = np.arange(x.shape[dim]).reshape([-1 if d == dim else 1 for d in range(x.ndim)])
    indices = np.maximum.accumulate(np.where(x == values, positions, 0), dim)
    return values, indices


def block_diag_ref(*blocks):
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)))
    row = col = 0
    for b in blocks:
        out[row:row + b.shape[0], col:col + b.shape[1]] = b
        row, col = row + b.shape[0], col + b.shape[1]
    return out


def diag_embed_ref(x, offset):
    """Matrices in the last two dims with x's last dim on their offset-th diagonal."""
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n))
    for k in range(x.shape[-1]):
        out[..., k + max(-offset, 0), k + max(offset, 0)] = x[..., k]
    return out


def renorm_ref(x, p, dim, maxnorm):
    others = tuple(d for d in range(x.ndim) if d != dim)
    norms = (np.abs(x) ** p).sum(others, keepdims=True) ** (1 / p)
    return x * np.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)


def vector_norm_ref(x, p, dims):
    a = np.abs(x)
    if math.isinf(p):
        return (a.max if p > 0 else a.min)(dims)
    return (a ** p).sum(dims) ** (1 / p)


def cdist_ref(x, y, p):
    return vector_norm_ref(x[..., :, None, :] - y[..., None, :, :], p, -1)


def well_conditioned(rng, shape):
    """Square matrices far from singular: uniform entries plus 3 on the diagonal."""
    return rng.uniform(-1.0, 1.0, shape) + 3 * np.eye(shape[-1])


def full_rank(rng, shape):
    """Matrices of any shape far from rank-deficient: uniform entries plus 3 on the main
    diagonal."""
    return rng.uniform(-1.0, 1.0, shape) + 3 * np.eye(*shape[-2:])


def spread_spectrum(rng, shape):
    """Matrices with singular values k, k-1, ..., 1 (each +-0.2: well apart) between random
    orthonormal bases, so that U and V are smooth functions of the input."""
    m, n = shape[-2:]
    k, batch = min(m, n), tuple(shape[:-2])
    u = np.linalg.qr(rng.standard_normal(batch + (m, k)))[0]
    v = np.linalg.qr(rng.standard_normal(batch + (n, k)))[0]
    s = np.arange(k, 0, -1) + rng.uniform(-0.2, 0.2, batch + (k,))
    return (u * s[..., None, :]) @ v.swapaxes(-1, -2)


def symmetric_halves(rng, shape):
    """Halves of symmetric matrices with eigenvalues well apart (about -2 ... 3, none near 0):
    the eigh rows factor a + a^T (a symmetric input, as eigh's gradient assumes)."""
    n = shape[-1]
    q = np.linalg.qr(rng.standard_normal(shape))[0]
    d = np.linspace(-2.0, 3.0, n) + rng.uniform(-0.2, 0.2, tuple(shape[:-1]))
    return 0.5 * (q * d[..., None, :]) @ q.swapaxes(-1, -2)


def rank_two(rng, shape):
    """Tall matrices of rank 2 exactly, in float32 too: eighths, the third column the sum of
    the first two."""
    a = rng.integers(-8, 9, shape) / 8.0
    a[..., 2] = a[..., 0] + a[..., 1]
    return a


def _signs(x):
    return np.sign(x) if isinstance(x, np.ndarray) else x.sign()


def qr_signs_fixed(factors):
    """Q and R with R's diagonal made positive: LAPACK's Householder signs are a convention,
    not part of the answer (on either library or device)."""
    q, r = factors
    d = _signs(r.diagonal(0, -2, -1))
    return q * d[..., None, :], r * d[..., :, None]


def eigh_signs_fixed(factors):
    """Eigenvectors with a positive first row (each is unique up to its sign)."""
    w, v = factors
    return w, v * _signs(v[..., :1, :])


def svd_signs_fixed(factors):
    """The k = min(m, n) singular pairs, U's first row made positive (a pair's signs go
    together); full_matrices' extra columns are not unique, nor differentiated."""
    u, s, vh = factors
    k = s.shape[-1]
    d = _signs(u[..., :1, :k])
    return u[..., :k] * d, s, vh[..., :k, :] * d[..., 0, :, None]


def legacy_svd_signs_fixed(factors):
    u, s, v = factors
    return svd_signs_fixed((u, s, v.mT if hasattr(v, 'mT') else v.swapaxes(-1, -2)))


def cond_by_inverse(a, p):
    """||A|| ||A^-1||: PyTorch's cond for these orders refuses backward (an in-place fill)."""
    linalg = api(a).linalg
    return linalg.matrix_norm(a, p) * linalg.matrix_norm(linalg.inv(a), p)

OPS = [
    # binary arithmetic, with broadcasting and Python scalars on either side
    Op('add/same', lambda x, y: x + y, (M, M), lambda x, y: x + y),
    Op('add/bcast', lambda x, y: x + y, (B, (3, 1)), lambda x, y: x + y),
    Op('add/scalar_right', lambda x: x + 1.5, (M,), lambda x: x + 1.5),
    Op('add/scalar_left', lambda x: 2 + x, (M,), lambda x: 2 + x),
    Op('sub/same', lambda x, y: x - y, (M, M), lambda x, y: x - y),
    Op('sub/bcast', lambda x, y: x - y, ((3, 1), (1, 4)), lambda x, y: x - y),
    Op('sub/scalar_right', lambda x: x - 0.5, (M,), lambda x: x - 0.5),
    Op('sub/scalar_left', lambda x: 1.5 - x, (M,), lambda x: 1.5 - x),
    Op('mul/same', lambda x, y: x * y, (M, M), lambda x, y: x * y),
    Op('mul/bcast', lambda x, y: x * y, (S, B), lambda x, y: x * y),
    Op('mul/scalar_right', lambda x: x * 3, (M,), lambda x: x * 3),
    Op('mul/scalar_left', lambda x: -2.5 * x, (M,), lambda x: -2.5 * x),
    Op('div/same', lambda x, y: x / y, (M, M), lambda x, y: x / y, per(real, nonzero)),
    Op('div/bcast', lambda x, y: x / y, (B, (2, 1, 4)), lambda x, y: x / y,
       per(real, nonzero)),
    Op('div/scalar_right', lambda x: x / 4.0, (M,), lambda x: x / 4.0),
    Op('div/scalar_left', lambda x: 2.0 / x, (M,), lambda x: 2.0 / x, per(nonzero)),
    Op('pow/square', lambda x: x ** 2, (M,), lambda x: x ** 2),
    Op('pow/cube', lambda x: x ** 3, (M,), lambda x: x ** 3),
    Op('pow/reciprocal', lambda x: x ** -1, (M,), lambda x: x ** -1.0, per(nonzero)),
    Op('pow/fractional', lambda x: x ** 2.5, (M,), lambda x: x ** 2.5, POS),
    Op('pow/tensor**tensor', lambda x, y: x ** y, (M, M), lambda x, y: x ** y,
       per(positive, real)),
    Op('pow/tensor**tensor_bcast', lambda x, y: x ** y, (M, S), lambda x, y: x ** y,
       per(positive, real)),
    Op('pow/scalar**tensor', lambda x: 2.0 ** x, (M,), lambda x: 2.0 ** x),
    Op('pow/scalar**tensor_lt1', lambda x: 0.5 ** x, (M,), lambda x: 0.5 ** x),
    # remainders (d/dy = -floor(x / y), or -trunc for fmod) and rounded division (zero
    # gradients); floor_divide has no derivative in PyTorch (tests/test_tensor.py)
    Op('remainder/same', lambda x, y: x % y, (M, M), lambda x, y: np.remainder(x, y),
       quotients),
    Op('remainder/bcast', lambda x, y: x.remainder(y), (M, (3, 1)), np.remainder, quotients),
    Op('remainder/scalar_right', lambda x: x % 0.75, (M,),
       lambda x: np.remainder(x, 0.75), per(between_multiples(0.75))),
    Op('fmod/same', lambda x, y: x.fmod(y), (M, M), np.fmod, quotients),
    Op('fmod/scalar_right', lambda x: x.fmod(-1.25), (M,), lambda x: np.fmod(x, -1.25),
       per(between_multiples(1.25))),
    Op('div_rounded/floor', lambda x, y: x.div(y, rounding_mode='floor'), (M, M), np.floor_divide,
       quotients, gradgrad=False),
    Op('div_rounded/trunc', lambda x, y: x.div(y, rounding_mode='trunc'), (M, (3, 1)),
       lambda x, y: np.trunc(x / y), quotients, gradgrad=False),
    Op('maximum/same', lambda x, y: x.maximum(y), (M, M), np.maximum, distinct),
    Op('maximum/bcast', lambda x, y: x.maximum(y), (M, (3, 1)), np.maximum, distinct),
    Op('minimum/same', lambda x, y: x.minimum(y), (M, M), np.minimum, distinct),
    Op('minimum/bcast', lambda x, y: x.minimum(y), (S, M), np.minimum, distinct),
    Op('where/same', lambda x, y: x.where(x > 0, y), (M, M),
       lambda x, y: np.where(x > 0, x, y), per(nonzero, real)),
    Op('where/bcast', lambda x, y: x.where(y > 0, -y), (M, (3, 1)),
       lambda x, y: np.where(y > 0, x, -y), per(real, nonzero)),
    Op('where/scalar', lambda x: x.where(x < 0, 0.5), (M,),
       lambda x: np.where(x < 0, x, 0.5), per(nonzero)),
    # unary
    Op('neg', lambda x: -x, (M,), lambda x: -x),
    Op('abs', lambda x: x.abs(), (M,), np.abs, per(nonzero)),
    Op('abs/builtin', lambda x: abs(x), (B,), np.abs, per(nonzero)),
    Op('exp', lambda x: x.exp(), (M,), np.exp),
    Op('log', lambda x: x.log(), (M,), np.log, POS),
    Op('sqrt', lambda x: x.sqrt(), (M,), np.sqrt, POS),
    Op('sin', lambda x: x.sin(), (M,), np.sin),
    Op('cos', lambda x: x.cos(), (M,), np.cos),
    Op('tanh', lambda x: x.tanh(), (M,), np.tanh),
    Op('sigmoid', lambda x: x.sigmoid(), (M,), lambda x: 1 / (1 + np.exp(-x))),
    Op('relu', lambda x: x.relu(), (B,), lambda x: np.maximum(x, 0), per(nonzero)),
    Op('clamp/min', lambda x: x.clamp(min=-0.5), (M,), lambda x: np.maximum(x, -0.5),
       per(away_from(-0.5))),
    Op('clamp/max', lambda x: x.clamp(max=0.5), (M,), lambda x: np.minimum(x, 0.5),
       per(away_from(0.5))),
    Op('clamp/both', lambda x: x.clamp(-0.5, 0.5), (B,), lambda x: np.clip(x, -0.5, 0.5),
       per(away_from(-0.5, 0.5))),
    Op('log1p', lambda x: x.log1p(), (M,), np.log1p, per(above_minus_one)),
    Op('expm1', lambda x: x.expm1(), (M,), np.expm1),
    Op('log2', lambda x: x.log2(), (M,), np.log2, POS),
    Op('log10', lambda x: x.log10(), (M,), np.log10, POS),
    Op('rsqrt', lambda x: x.rsqrt(), (M,), lambda x: 1 / np.sqrt(x), POS),
    Op('tan', lambda x: x.tan(), (M,), np.tan, per(within_quarter_turn)),
    Op('square', lambda x: x.square(), (B,), np.square),
    Op('sinh', lambda x: x.sinh(), (M,), np.sinh),
    Op('cosh', lambda x: x.cosh(), (M,), np.cosh),
    Op('asin', lambda x: x.asin(), (M,), np.arcsin, per(inside_unit)),
    Op('acos', lambda x: x.acos(), (M,), np.arccos, per(inside_unit)),
    Op('atan', lambda x: x.atan(), (M,), np.arctan),
    Op('asinh', lambda x: x.asinh(), (M,), np.arcsinh),
    Op('acosh', lambda x: x.acosh(), (M,), np.arccosh, per(above_one)),
    Op('atanh', lambda x: x.atanh(), (M,), np.arctanh, per(inside_unit)),
    Op('atan2', lambda x, y: x.atan2(y), (M, (3, 1)), np.arctan2, per(real, nonzero)),
    # piecewise constant: zero gradients (no second derivative to check)
    Op('sign', lambda x: x.sign(), (M,), np.sign, per(nonzero), gradgrad=False),
    Op('floor', lambda x: x.floor(), (M,), np.floor, per(steps), gradgrad=False),
    Op('ceil', lambda x: x.ceil(), (M,), np.ceil, per(steps), gradgrad=False),
    Op('trunc', lambda x: x.trunc(), (M,), np.trunc, per(steps), gradgrad=False),
    Op('round', lambda x: x.round(), (B,), np.rint, per(steps), gradgrad=False),
    Op('round/decimals', lambda x: x.round(decimals=1), (M,), lambda x: np.round(x, 1),
       per(tenths), gradgrad=False),
    Op('round/negative_decimals', lambda x: (x * 100).round(decimals=-1), (M,),
       lambda x: np.round(x * 100, -1), per(tenths), gradgrad=False),
    # reductions
    Op('sum/all', lambda x: x.sum(), (B,), np.sum),
    Op('sum/dim', lambda x: x.sum(1), (B,), lambda x: x.sum(1)),
    Op('sum/dims', lambda x: x.sum((0, 2)), (B,), lambda x: x.sum((0, 2))),
    Op('sum/keepdim', lambda x: x.sum((0, 2), keepdim=True), (B,),
       lambda x: x.sum((0, 2), keepdims=True)),
    Op('sum/neg_dim_keepdim', lambda x: x.sum(-1, keepdim=True), (M,),
       lambda x: x.sum(-1, keepdims=True)),
    Op('sum/empty_dims', lambda x: x.sum(()), (B,), np.sum),      # () or []: every dim
    Op('prod/all', lambda x: x.prod(), (M,), np.prod),
    Op('prod/dim', lambda x: x.prod(1), (B,), lambda x: x.prod(1)),
    Op('prod/keepdim', lambda x: x.prod(0, keepdim=True), (M,),
       lambda x: x.prod(0, keepdims=True)),
    Op('prod/zeros', lambda x: x.prod(-1), (M,), lambda x: x.prod(-1), per(some_zeros)),
    Op('prod/zeros_all', lambda x: x.prod(), (S,), np.prod, per(some_zeros)),
    Op('norm', lambda x: x.norm(), (B,), lambda x: np.sqrt((x * x).sum())),
    Op('norm/dim_keepdim', lambda x: x.norm(dim=1, keepdim=True), (M,),
       lambda x: np.sqrt((x * x).sum(1, keepdims=True))),
    Op('norm/p1_dims', lambda x: x.norm(1, (0, 2)), (B,), lambda x: np.abs(x).sum((0, 2)),
       per(nonzero)),
    Op('norm/p3', lambda x: x.norm(3, -1), (M,), lambda x: (np.abs(x) ** 3).sum(-1) ** (1 / 3),
       per(nonzero)),
    Op('norm/p_half', lambda x: x.norm(0.5, 0), (M,),
       lambda x: (np.abs(x) ** 0.5).sum(0) ** 2, per(nonzero)),
    Op('norm/inf', lambda x: x.norm(float('inf'), 1), (M,), lambda x: np.abs(x).max(1),
       distinct_magnitudes),
    Op('norm/minus_inf', lambda x: x.norm(-float('inf')), (S,), lambda x: np.abs(x).min(),
       distinct_magnitudes),
    Op('cumsum', lambda x: x.cumsum(1), (B,), lambda x: np.cumsum(x, 1)),
    Op('cumsum/first', lambda x: x.cumsum(0), (M,), lambda x: np.cumsum(x, 0)),
    Op('cumsum/last_negative', lambda x: x.cumsum(-1), (M,), lambda x: np.cumsum(x, -1)),
    Op('mean/all', lambda x: x.mean(), (B,), np.mean),
    Op('mean/dim', lambda x: x.mean(0), (M,), lambda x: x.mean(0)),
    Op('mean/dims', lambda x: x.mean((1, 2)), (B,), lambda x: x.mean((1, 2))),
    Op('mean/keepdim', lambda x: x.mean(-1, keepdim=True), (B,),
       lambda x: x.mean(-1, keepdims=True)),
    Op('mean/empty_dims_keepdim', lambda x: x.mean([], keepdim=True), (M,),
       lambda x: x.mean(keepdims=True)),
    Op('var/all', lambda x: x.var(), (B,), lambda x: x.var(ddof=1)),
    Op('var/dim', lambda x: x.var(1), (M,), lambda x: x.var(1, ddof=1)),
    Op('var/dims', lambda x: x.var((0, 2)), (B,), lambda x: x.var((0, 2), ddof=1)),
    Op('var/keepdim', lambda x: x.var(1, keepdim=True), (B,),
       lambda x: x.var(1, ddof=1, keepdims=True)),
    Op('var/unbiased_false', lambda x: x.var(1, unbiased=False), (M,), lambda x: x.var(1)),
    # PyTorch's var and std over dim=() take every dim, but their backward divides by the
    # count of no dims (its gradients are inf): dim=None is the oracle.
    Op('var/empty_dims', lambda x: x.var([]), (B,), lambda x: x.var(ddof=1),
       torch_fn=lambda x: x.var()),
    Op('std/all', lambda x: x.std(), (B,), lambda x: x.std(ddof=1)),
    Op('std/dim', lambda x: x.std(0), (M,), lambda x: x.std(0, ddof=1)),
    Op('std/dims', lambda x: x.std((1, 2)), (B,), lambda x: x.std((1, 2), ddof=1)),
    Op('std/keepdim', lambda x: x.std(-1, keepdim=True), (B,),
       lambda x: x.std(-1, ddof=1, keepdims=True)),
    Op('std/unbiased_false', lambda x: x.std(unbiased=False), (M,), lambda x: x.std()),
    Op('std/empty_dims_keepdim', lambda x: x.std((), keepdim=True), (M,),
       lambda x: x.std(ddof=1, keepdims=True), torch_fn=lambda x: x.std(keepdim=True)),
    # No spread: a gradient of 0, not nan (where the spread can grow, the gradient jumps:
    # no second derivative there)
    Op('std/constant', lambda x: x.std(), (S,), lambda x: x.std(ddof=1), per(constant_row),
       gradgrad=False),
    Op('std/constant_row_keepdim', lambda x: x.std(1, keepdim=True), (M,),
       lambda x: x.std(1, ddof=1, keepdims=True), per(constant_row), gradgrad=False),
    Op('std/size1_dim_correction0', lambda x: x.std(1, correction=0), ((3, 1),),
       lambda x: x.std(1)),
    Op('std/size1_dim_unbiased_false', lambda x: x.std(0, unbiased=False, keepdim=True),
       ((1, 4),), lambda x: x.std(0, keepdims=True)),
    # max/min: values and indices (distinct inputs: no ties)
    Op('max/all', lambda x: x.max(), (B,), np.max, distinct),
    Op('max/dim', lambda x: vi(x.max(1)), (M,), lambda x: (x.max(1), x.argmax(1)),
       distinct),
    Op('max/dim_keepdim', lambda x: vi(x.max(-1, keepdim=True)), (B,),
       lambda x: (x.max(-1, keepdims=True), x.argmax(-1, keepdims=True)), distinct),
    Op('min/all', lambda x: x.min(), (M,), np.min, distinct),
    Op('min/dim', lambda x: vi(x.min(0)), (B,), lambda x: (x.min(0), x.argmin(0)),
       distinct),
    Op('amax/dim', lambda x: x.amax(1), (M,), lambda x: x.max(1), distinct),
    Op('amax/dims_keepdim', lambda x: x.amax((0, 2), keepdim=True), (B,),
       lambda x: x.max((0, 2), keepdims=True), distinct),
    Op('amax/empty_dims', lambda x: x.amax([]), (M,), np.max, distinct),
    Op('argmax/all', lambda x: x.argmax(), (M,), np.argmax, distinct, nograd=True),
    Op('argmax/dim', lambda x: x.argmax(1), (B,), lambda x: x.argmax(1), distinct,
       nograd=True),
    Op('argmax/keepdim', lambda x: x.argmax(0, keepdim=True), (M,),
       lambda x: x.argmax(0, keepdims=True), distinct, nograd=True),
    Op('logsumexp/dim', lambda x: x.logsumexp(1), (M,), lambda x: logsumexp_ref(x, 1)),
    Op('logsumexp/dims_keepdim', lambda x: x.logsumexp((0, 2), keepdim=True), (B,),
       lambda x: logsumexp_ref(x, (0, 2), keepdims=True)),
    Op('logsumexp/empty_dims_keepdim', lambda x: x.logsumexp((), keepdim=True), (M,),
       lambda x: logsumexp_ref(x, (0, 1), keepdims=True)),
    # without keepdim PyTorch 2.13 raises a shape error ([] against [1, 1]): every dim it is
    Op('logsumexp/empty_dims', lambda x: x.logsumexp([]), (B,),
       lambda x: logsumexp_ref(x, (0, 1, 2)), torch_fn=lambda x: x.logsumexp((0, 1, 2))),
    Op('softmax/last', lambda x: x.softmax(-1), (M,), lambda x: softmax_ref(x, -1)),
    Op('softmax/first', lambda x: x.softmax(0), (B,), lambda x: softmax_ref(x, 0)),
    Op('log_softmax/last', lambda x: x.log_softmax(-1), (B,),
       lambda x: np.log(softmax_ref(x, -1))),
    Op('log_softmax/middle', lambda x: x.log_softmax(1), (B,),
       lambda x: np.log(softmax_ref(x, 1))),
    # matrix products
    Op('matmul/1d@1d', lambda x, y: x @ y, (S, S), np.matmul),
    Op('matmul/1d@2d', lambda x, y: x @ y, ((3,), M), np.matmul),
    Op('matmul/2d@1d', lambda x, y: x @ y, (M, S), np.matmul),
    Op('matmul/2d@2d', lambda x, y: x @ y, (M, (4, 2)), np.matmul),
    Op('matmul/3d@3d', lambda x, y: x @ y, (B, (2, 4, 3)), np.matmul),
    Op('matmul/3d@2d', lambda x, y: x @ y, (B, (4, 2)), np.matmul),
    Op('matmul/2d@3d', lambda x, y: x @ y, ((2, 3), B), np.matmul),
    Op('matmul/1d@3d', lambda x, y: x.matmul(y), ((3,), B), np.matmul),
    Op('matmul/3d@1d', lambda x, y: x.matmul(y), (B, S), np.matmul),
    Op('matmul/4d_bcast', lambda x, y: x @ y, ((2, 1, 3, 2), (3, 2, 2)), np.matmul),
    Op('mm', lambda x, y: x.mm(y), (M, (4, 2)), np.matmul),
    Op('bmm', lambda x, y: x.bmm(y), (B, (2, 4, 2)), np.matmul),
    # shapes
    Op('reshape', lambda x: x.reshape(4, 6), (B,), lambda x: x.reshape(4, 6)),
    Op('reshape/infer', lambda x: x.reshape(-1, 2), (M,), lambda x: x.reshape(-1, 2)),
    Op('reshape/non_contiguous', lambda x: x.transpose(0, 1).reshape(-1), (M,),
       lambda x: x.T.reshape(-1)),
    Op('view', lambda x: x.view(3, 8), (B,), lambda x: x.reshape(3, 8)),
    Op('view/infer', lambda x: x.view(-1), (M,), lambda x: x.reshape(-1)),
    Op('flatten', lambda x: x.flatten(), (B,), lambda x: x.reshape(-1)),
    Op('flatten/start', lambda x: x.flatten(1), (B,), lambda x: x.reshape(2, 12)),
    Op('squeeze/dim', lambda x: x.squeeze(1), ((3, 1, 4),), lambda x: x.squeeze(1)),
    Op('squeeze/all', lambda x: x.squeeze(), ((1, 3, 1, 4),), lambda x: x.squeeze()),
    Op('unsqueeze', lambda x: x.unsqueeze(0), (M,), lambda x: x[None]),
    Op('unsqueeze/neg', lambda x: x.unsqueeze(-1), (M,), lambda x: x[..., None]),
    Op('transpose', lambda x: x.transpose(0, 2), (B,), lambda x: x.swapaxes(0, 2)),
    Op('permute', lambda x: x.permute(2, 0, 1), (B,), lambda x: x.transpose(2, 0, 1)),
    Op('expand', lambda x: x.expand(2, 3, 4), ((3, 1),),
       lambda x: np.broadcast_to(x, (2, 3, 4))),
    Op('expand/keep', lambda x: x.expand(-1, 4), ((3, 1),),
       lambda x: np.broadcast_to(x, (3, 4))),
    Op('contiguous', lambda x: x.transpose(0, 1).contiguous(), (M,), lambda x: x.T.copy()),
    Op('T', lambda x: x.T, (M,), lambda x: x.T),
    Op('cat', lambda x, y: api(x).cat([x, y], 1), (M, (3, 2)),
       lambda x, y: np.concatenate([x, y], 1)),
    Op('cat/three', lambda x, y, z: api(x).cat([x, y, z]), (M, (1, 4), M),
       lambda x, y, z: np.concatenate([x, y, z])),
    # 1-D empty tensors are left out whatever the others' shapes (PyTorch's legacy rule)
    Op('cat/empty_first', lambda x, y: api(x).cat([x, y]), ((0,), M), lambda x, y: y),
    Op('cat/empty_between', lambda x, y, z: api(x).cat([x, y, z], -1), (M, (0,), (3, 2)),
       lambda x, y, z: np.concatenate([x, z], -1)),
    Op('cat/all_empty', lambda x, y: api(x).cat([x, y], 1), ((0,), (0,)),
       lambda x, y: np.zeros(0)),
    Op('stack', lambda x, y: api(x).stack([x, y]), (M, M), lambda x, y: np.stack([x, y])),
    Op('stack/last', lambda x, y: api(x).stack([x, y], -1), (M, M),
       lambda x, y: np.stack([x, y], -1)),
    Op('split/size', lambda x: x.split(2, 1), (B,), lambda x: (x[:, :2], x[:, 2:])),
    Op('split/sections', lambda x: x.split([1, 3], 1), (M,),
       lambda x: (x[:, :1], x[:, 1:])),
    Op('chunk', lambda x: x.chunk(2, 0), ((5, 2),), lambda x: (x[:3], x[3:])),
    Op('chunk/empty', lambda x: x.chunk(3), ((0,),), lambda x: (x, x, x)),
    Op('chunk/empty_dim1', lambda x: x.chunk(2, 1), ((2, 0),), lambda x: (x, x)),
    # indexing
    Op('index/int', lambda x: x[1], (M,), lambda x: x[1]),
    Op('index/ints', lambda x: x[-1, 2], (B,), lambda x: x[-1, 2]),
    Op('index/slice', lambda x: x[1:3, ::2], (M,), lambda x: x[1:3, ::2]),
    Op('index/slice_int', lambda x: x[:, 1:, 0], (B,), lambda x: x[:, 1:, 0]),
    Op('index/none', lambda x: x[None, :, 1], (M,), lambda x: x[None, :, 1]),
    Op('index/ellipsis', lambda x: x[..., 1], (B,), lambda x: x[..., 1]),
    Op('index/ellipsis_none', lambda x: x[0, ..., None], (B,), lambda x: x[0, ..., None]),
    Op('index/tensor_repeated', lambda x: x[idx(x, I_)], (M,), lambda x: x[I_]),
    Op('index/tensor_repeated_dim1', lambda x: x[:, idx(x, [2, 0, 2])], (B,),
       lambda x: x[:, [2, 0, 2]]),
    Op('index/tensor_2d', lambda x: x[idx(x, [[0, 1], [1, 1]])], (M,),
       lambda x: x[[[0, 1], [1, 1]]]),
    Op('index/tensor_pair', lambda x: x[idx(x, [0, 2, 0]), idx(x, [3, 1, 3])], (M,),
       lambda x: x[[0, 2, 0], [3, 1, 3]]),
    Op('index/empty_list', lambda x: x[[]], (M,), lambda x: x[np.array([], int)]),
    Op('index/float_list', lambda x: x[[2.7, 0.0]], (M,), lambda x: x[[2, 0]]),
    Op('index/bool_mask', lambda x: x[x > 0], (M,), lambda x: x[x > 0], per(nonzero)),
    Op('index/bool_mask_rows', lambda x: x[idx(x, [True, False, True])], (M,),
       lambda x: x[[True, False, True]]),
    Op('reciprocal', lambda x: x.reciprocal(), (M,), lambda x: 1 / x, per(nonzero)),
    # gather: index smaller than the input in the other dim, with repeats (grads add up)
    Op('gather/dim1', lambda x: x.gather(1, idx(x, [[0, 0, 3], [2, 2, 2]])), (M,),
       lambda x: np.take_along_axis(x[:2], np.array([[0, 0, 3], [2, 2, 2]]), 1)),
    Op('gather/dim0', lambda x: x.gather(0, idx(x, [[1, 0, 1, 1]])), (M,),
       lambda x: np.take_along_axis(x, np.array([[1, 0, 1, 1]]), 0)),
    # 0-dim tensors: dims 0 and -1 name the dim they do not have; gather takes them as 1-D
    Op('transpose/0d', lambda x: x.transpose(0, -1), ((),), lambda x: x),
    Op('gather/0d', lambda x: x.gather(-1, idx(x, 0)), ((),), lambda x: x),
    Op('gather/0d_input', lambda x: x.gather(0, idx(x, [0, 0])), ((),),
       lambda x: np.stack([x, x])),
    Op('gather/0d_index', lambda x: x.gather(0, idx(x, 2)), (S,), lambda x: x[2]),
    # composites: masked_fill (where), narrow and unbind (views), repeat (expand + copy)
    Op('masked_fill', lambda x: x.masked_fill(x > 0, -0.5), (M,),
       lambda x: np.where(x > 0, -0.5, x), per(nonzero)),
    Op('masked_fill/bcast_mask', lambda x: x.masked_fill(idx(x, [True, False, True, False]),
                                                        1.5), (B,),
       lambda x: np.where([True, False, True, False], 1.5, x)),
    Op('masked_fill/value_tensor', lambda x, v: x.masked_fill(x < 0, v), (M, ()),
       lambda x, v: np.where(x < 0, v, x), per(nonzero, real)),
    Op('narrow', lambda x: x.narrow(1, 1, 2), (B,), lambda x: x[:, 1:3]),
    Op('narrow/negative_start', lambda x: x.narrow(-1, -3, 2), (M,), lambda x: x[:, 1:3]),
    Op('unbind', lambda x: x.unbind(1), (M,), lambda x: tuple(x[:, i] for i in range(4))),
    Op('repeat', lambda x: x.repeat(2, 3), (M,), lambda x: np.tile(x, (2, 3))),
    Op('repeat/new_dims', lambda x: x.repeat(2, 1, 2), (S,), lambda x: np.tile(x, (2, 1, 2))),
    Op('flip', lambda x: x.flip(0, 2), (B,), lambda x: x[::-1, :, ::-1]),
    Op('tril', lambda x: x.tril(), (M,), np.tril),
    Op('tril/batch_below', lambda x: x.tril(-1), (B,), lambda x: np.tril(x, -1)),
    Op('triu', lambda x: x.triu(1), (M,), lambda x: np.triu(x, 1)),
    Op('index_select', lambda x: x.index_select(1, idx(x, [3, 0, 3])), (M,),
       lambda x: x[:, [3, 0, 3]]),
    Op('outer', lambda x, y: x.outer(y), (S, (3,)), np.outer),
    Op('diagonal', lambda x: x.diagonal(1), (M,), lambda x: np.diagonal(x, 1)),
    Op('diagonal/dims', lambda x: x.diagonal(0, 2, 1), (B,), lambda x: np.diagonal(x, 0, 2, 1)),
    Op('diag', lambda x: x.diag(-1), (S,), lambda x: np.diag(x, -1)),
    Op('diag/matrix', lambda x: x.diag(), (M,), np.diag),
    Op('trace', lambda x: x.trace(), (M,), np.trace),
    Op('masked_select', lambda x: x.masked_select(x > 0), (M,), lambda x: x[x > 0],
       per(nonzero)),
    Op('masked_select/broadcast', lambda x: x.masked_select(x[:, :1] > 0), (M,),
       lambda x: x[np.broadcast_to(x[:, :1] > 0, x.shape)], per(nonzero)),
    Op('addmm', lambda a, x, y: a.addmm(x, y, beta=0.5, alpha=2.0), ((2,), M, (4, 2)),
       lambda a, x, y: 0.5 * a + 2.0 * (x @ y)),
    Op('addmm/linear', lambda a, x, y: a.addmm(x, y), ((2,), M, (4, 2)),    # Linear's op
       lambda a, x, y: a + x @ y),
    Op('addmm/outer', lambda a, x, y: a.addmm(x, y), ((5,), (3, 1), (1, 5)),
       lambda a, x, y: a + x @ y),
    Op('sort', lambda x: vi(x.sort()), (M,), lambda x: (np.sort(x), np.argsort(x)), distinct),
    Op('sort/descending_dim0', lambda x: vi(x.sort(0, descending=True)), (B,),
       lambda x: (-np.sort(-x, 0), np.argsort(-x, 0)), distinct),
    Op('msort', lambda x: x.msort(), (M,), lambda x: np.sort(x, 0), distinct),
    Op('argsort', lambda x: x.argsort(1, descending=True), (B,), lambda x: np.argsort(-x, 1),
       distinct, nograd=True),
    Op('topk', lambda x: vi(x.topk(2)), (M,),
       lambda x: (-np.sort(-x)[:, :2], np.argsort(-x)[:, :2]), distinct),
    Op('topk/smallest_dim0', lambda x: vi(x.topk(1, 0, largest=False)), (B,),
       lambda x: (np.sort(x, 0)[:1], np.argsort(x, 0)[:1]), distinct),
    Op('median', lambda x: vi(x.median(1)), (M,),
       lambda x: (np.sort(x, 1)[:, 1], np.argsort(x, 1)[:, 1]), distinct),
    Op('median/all', lambda x: x.median(), (B,), lambda x: np.sort(x.ravel())[11], distinct),
    Op('kthvalue', lambda x: vi(x.kthvalue(2, 0, keepdim=True)), (B,),
       lambda x: (np.sort(x, 0)[1:2], np.argsort(x, 0)[1:2]), distinct),
    Op('roll', lambda x: api(x).roll(x, (1, -2), (0, 2)), (B,),
       lambda x: np.roll(x, (1, -2), (0, 2))),
    Op('roll/flat', lambda x: api(x).roll(x, 5), (M,), lambda x: np.roll(x, 5)),
    Op('repeat_interleave', lambda x: x.repeat_interleave(2, 1), (M,),
       lambda x: np.repeat(x, 2, 1)),
    Op('tile', lambda x: x.tile((2, 1, 3)), (M,), lambda x: np.tile(x, (2, 1, 3))),
    Op('hstack', lambda x, y: api(x).hstack([x, y]), (M, (3, 2)), lambda x, y: np.hstack([x, y])),
    Op('vstack', lambda x, y: api(x).vstack([x, y]), (S, S), lambda x, y: np.vstack([x, y])),
    Op('column_stack', lambda x, y: api(x).column_stack([x, y]), ((3,), M),
       lambda x, y: np.column_stack([x, y])),
    Op('broadcast_to', lambda x: x.broadcast_to((2, 3, 4)), ((3, 1),),
       lambda x: np.broadcast_to(x, (2, 3, 4))),
    Op('meshgrid', lambda x, y: api(x).meshgrid(x, y, indexing='xy'), (S, (3,)),
       lambda x, y: tuple(np.meshgrid(x, y, indexing='xy'))),
    Op('lerp', lambda x, y, w: x.lerp(y, w), (M, M, M), lambda x, y, w: x + w * (y - x)),
    Op('lerp/scalar_weight', lambda x, y: x.lerp(y, 0.75), (M, S),
       lambda x, y: x + 0.75 * (y - x)),
    Op('logaddexp', lambda x, y: x.logaddexp(y), (M, (3, 1)), np.logaddexp, distinct),
    Op('hypot', lambda x, y: x.hypot(y), (M, M), np.hypot, per(nonzero)),
    Op('clamp_min', lambda x: x.clamp_min(0.25), (M,), lambda x: np.maximum(x, 0.25),
       per(away_from(0.25))),
    # nn.functional: activations, linear, dropout
    Op('leaky_relu', lambda x: nnF(x).leaky_relu(x), (B,),
       lambda x: np.where(x > 0, x, 0.01 * x), per(nonzero)),
    Op('leaky_relu/slope', lambda x: nnF(x).leaky_relu(x, 0.2), (M,),
       lambda x: np.where(x > 0, x, 0.2 * x), per(nonzero)),
    Op('softplus', lambda x: nnF(x).softplus(x), (M,), softplus_ref),
    Op('silu', lambda x: nnF(x).silu(x), (M,), lambda x: x / (1 + np.exp(-x))),
    Op('elu', lambda x: nnF(x).elu(x), (B,), lambda x: np.where(x > 0, x, np.expm1(x)),
       per(nonzero)),
    Op('elu/alpha', lambda x: nnF(x).elu(x, 0.5), (M,),
       lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), per(nonzero)),
    Op('gelu', lambda x: nnF(x).gelu(x), (M,), lambda x: x * gelu_cdf(x)),
    Op('gelu/tanh', lambda x: nnF(x).gelu(x, approximate='tanh'), (B,),
       lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    Op('softplus/beta_threshold', lambda x: nnF(x).softplus(x, beta=2, threshold=1.5), (B,),
       lambda x: softplus_ref(x, 2, 1.5), per(away_from(0.75))),
    Op('linear', lambda x, w, b: nnF(x).linear(x, w, b), (M, (5, 4), (5,)),
       lambda x, w, b: x @ w.T + b),
    Op('linear/no_bias', lambda x, w: nnF(x).linear(x, w), (M, (2, 4)), lambda x, w: x @ w.T),
    Op('linear/3d', lambda x, w, b: nnF(x).linear(x, w, b), (B, (3, 4), (3,)),
       lambda x, w, b: x @ w.T + b),
    Op('linear/1d', lambda x, w, b: nnF(x).linear(x, w, b), (S, (2, 4), (2,)),
       lambda x, w, b: w @ x + b),
    Op('layer_norm', lambda x, w, b: nnF(x).layer_norm(x, (4,), w, b), (B, (4,), (4,)),
       lambda x, w, b: (x - x.mean(-1, keepdims=True)) /
       np.sqrt(x.var(-1, keepdims=True) + 1e-5) * w + b),
    Op('layer_norm/two_dims', lambda x: nnF(x).layer_norm(x, (3, 4)), (B,),
       lambda x: (x - x.mean((1, 2), keepdims=True)) /
       np.sqrt(x.var((1, 2), keepdims=True) + 1e-5)),
    Op('batch_norm', lambda x, w, b: nnF(x).batch_norm(x, None, None, w, b, training=True),
       (B, (3,), (3,)),
       lambda x, w, b: (x - x.mean((0, 2), keepdims=True)) /
       np.sqrt(x.var((0, 2), keepdims=True) + 1e-5) * w[:, None] + b[:, None]),
    Op('embedding', lambda w: nnF(w).embedding(idx(w, [[0, 2], [2, 1]]), w), ((3, 4),),
       lambda w: w[[[0, 2], [2, 1]]]),
    # (padding_idx: its row gets no gradient by definition, not gradcheck's; test_nn.py)
    Op('conv2d', lambda x, w, b: nnF(x).conv2d(x, w, b, stride=2, padding=1),
       ((2, 3, 5, 6), (4, 3, 3, 2), (4,)), lambda x, w, b: conv2d_ref(x, w, b, 2, 1)),
    Op('conv2d/groups_dilation', lambda x, w: nnF(x).conv2d(x, w, groups=2, dilation=2),
       ((1, 4, 6, 5), (2, 2, 2, 2)), lambda x, w: conv2d_ref(x, w, None, 1, 0, 2, 2)),
    Op('pad', lambda x: nnF(x).pad(x, (1, 2, 0, 1), value=0.5), (B,),
       lambda x: np.pad(x, ((0, 0), (0, 1), (1, 2)), constant_values=0.5)),
    Op('pad/crop', lambda x: nnF(x).pad(x, (-1, 2, 1, -1)), (B,),
       lambda x: np.pad(x[:, :-1, 1:], ((0, 0), (1, 0), (0, 2)))),
    Op('max_pool2d', lambda x: nnF(x).max_pool2d(x, 2), ((2, 3, 4, 6),),
       lambda x: x.reshape(2, 3, 2, 2, 3, 2).max((3, 5)), distinct),
    Op('avg_pool2d', lambda x: nnF(x).avg_pool2d(x, 2, stride=1), ((1, 2, 3, 4),),
       lambda x: (x[..., :-1, :-1] + x[..., 1:, :-1] + x[..., :-1, 1:] + x[..., 1:, 1:]) / 4),
    Op('dropout/train', seeded_dropout, (M,), lambda x: x * dropout_mask(M),
       torch_fn=lambda x: x * sys.modules['torch'].tensor(dropout_mask(M))),
    Op('dropout/p1', lambda x: nnF(x).dropout(x, 1.0), (M,), lambda x: 0 * x),
    # losses, each reduction
    *(Op(f'mse_loss/{r}', lambda x, y, r=r: nnF(x).mse_loss(x, y, reduction=r), (M, M),
         lambda x, y, r=r: reduced((x - y) ** 2, r)) for r in ('mean', 'sum', 'none')),
    *(Op(f'l1_loss/{r}', lambda x, y, r=r: nnF(x).l1_loss(x, y, reduction=r), (M, M),
         lambda x, y, r=r: reduced(np.abs(x - y), r), differences(0.0))
      for r in ('mean', 'sum', 'none')),
    *(Op(f'smooth_l1_loss/{r}', lambda x, y, r=r: nnF(x).smooth_l1_loss(x, y, reduction=r),
         (M, M), lambda x, y, r=r: reduced(smooth_l1_ref(x, y), r), differences(-1.0, 1.0))
      for r in ('mean', 'sum', 'none')),
    Op('smooth_l1_loss/beta', lambda x, y: nnF(x).smooth_l1_loss(x, y, beta=0.5), (B, B),
       lambda x, y: smooth_l1_ref(x, y, 0.5).mean(), differences(-0.5, 0.5)),
    *(Op(f'binary_cross_entropy/{r}',
         lambda x, y, r=r: nnF(x).binary_cross_entropy(x, y, reduction=r), (M, M),
         lambda x, y, r=r: reduced(bce_ref(x, y), r), per(unit))
      for r in ('mean', 'sum', 'none')),
    Op('binary_cross_entropy/weight',
       lambda x, y: nnF(x).binary_cross_entropy(x, y, const(x, [0.5, 1, 2, 3])), (M, M),
       lambda x, y: bce_ref(x, y, np.array([0.5, 1, 2, 3])).mean(), per(unit)),
    *(Op(f'binary_cross_entropy_with_logits/{r}',
         lambda x, y, r=r: nnF(x).binary_cross_entropy_with_logits(x, y, reduction=r), (M, M),
         lambda x, y, r=r: reduced(bce_logits_ref(x, y), r), per(real, unit))
      for r in ('mean', 'sum', 'none')),
    Op('binary_cross_entropy_with_logits/weights',
       lambda x, y: nnF(x).binary_cross_entropy_with_logits(
           x, y, const(x, [[0.5], [1], [2]]), pos_weight=const(x, [1, 2, 0.5, 3]),
           reduction='sum'), (M, M),
       lambda x, y: bce_logits_ref(x, y, np.array([[0.5], [1], [2]]),
                                   np.array([1, 2, 0.5, 3])).sum(), per(real, unit)),
    *(Op(f'cross_entropy/{r}',
         lambda x, r=r: nnF(x).cross_entropy(x, idx(x, [0, 3, 1]), reduction=r), (M,),
         lambda x, r=r: cross_entropy_ref(x, [0, 3, 1], r)) for r in ('mean', 'sum', 'none')),
    Op('cross_entropy/weight_ignore',
       lambda x: nnF(x).cross_entropy(x, idx(x, [2, -100, 0, 2, 3]),
                                      const(x, [0.5, 1, 2, 3])), ((5, 4),),
       lambda x: cross_entropy_ref(x, [2, -100, 0, 2, 3], 'mean', [0.5, 1, 2, 3])),
    Op('cross_entropy/spatial',
       lambda x: nnF(x).cross_entropy(x, idx(x, [[0, 2, 1, 1], [2, 2, 0, 1]]),
                                      reduction='none'), (B,),
       lambda x: cross_entropy_ref(x, [[0, 2, 1, 1], [2, 2, 0, 1]], 'none')),
    Op('cross_entropy/unbatched', lambda x: nnF(x).cross_entropy(x, idx(x, 2)), (S,),
       lambda x: cross_entropy_ref(x[None], [2], 'mean')),
    *(Op(f'nll_loss/{r}',
         lambda x, r=r: nnF(x).nll_loss(x, idx(x, [0, 3, 1]), reduction=r), (M,),
         lambda x, r=r: reduced(-x[[0, 1, 2], [0, 3, 1]], r)) for r in ('mean', 'sum', 'none')),
    Op('nll_loss/weight_ignore',
       lambda x: nnF(x).nll_loss(x, idx(x, [2, -100, 0, 2, 3]), const(x, [0.5, 1, 2, 3])),
       ((5, 4),), lambda x: -(x[[0, 2, 3, 4], [2, 0, 2, 3]] * [2, 0.5, 2, 3]).sum() / 7.5),
    Op('nll_loss/spatial',
       lambda x: nnF(x).nll_loss(x, idx(x, [[0, 2, 1, 1], [2, 2, 0, 1]]), reduction='sum'),
       (B,), lambda x: -np.take_along_axis(x, np.array([[0, 2, 1, 1], [2, 2, 0, 1]])[:, None],
                                           1).sum()),
    Op('cross_entropy/probabilities', lambda x, y: nnF(x).cross_entropy(x, y), (M, M),
       lambda x, y: -(y * np.log(softmax_ref(x, 1))).sum(1).mean()),
    # composites of ops/composite.py
    Op('addcmul', lambda a, x, y: a.addcmul(x, y, value=0.5), (M, S, (3, 1)),
       lambda a, x, y: a + 0.5 * x * y),
    Op('addcdiv', lambda a, x, y: api(a).addcdiv(a, x, y, value=-2), (S, M, M),
       lambda a, x, y: a - 2 * x / y, per(real, real, nonzero)),
    Op('mv', lambda x, v: x.mv(v), (M, S), lambda x, v: x @ v),
    Op('inner', lambda x, y: x.inner(y), (B, (2, 4)), lambda x, y: np.inner(x, y)),
    Op('tensordot', lambda x, y: api(x).tensordot(x, y, ([0, 2], [1, 0])), (B, (4, 2, 3)),
       lambda x, y: np.tensordot(x, y, ([0, 2], [1, 0]))),
    Op('einsum', lambda x, y: api(x).einsum('bij,bjk->bik', x, y), (B, (2, 4, 3)),
       lambda x, y: np.einsum('bij,bjk->bik', x, y)),
    Op('einsum/implicit_three', lambda x, y, z: api(x).einsum('ij,jk,kl', x, y, z),
       (M, (4, 2), (2, 3)), lambda x, y, z: np.einsum('ij,jk,kl', x, y, z)),
    Op('einsum/diagonal_ellipsis', lambda x, y: api(x).einsum('...ii,...i->...i', x, y),
       ((2, 3, 3), (3,)), lambda x, y: np.einsum('...ii,...i->...i', x, y)),
    Op('einsum/sum_out', lambda x: api(x).einsum('ijk->j', x), (B,),
       lambda x: np.einsum('ijk->j', x)),
    Op('movedim', lambda x: api(x).movedim(x, (0, -1), (2, 0)), (B,),
       lambda x: np.moveaxis(x, (0, -1), (2, 0))),
    Op('swapaxes', lambda x: x.swapaxes(0, 2), (B,), lambda x: np.swapaxes(x, 0, 2)),
    Op('fliplr', lambda x: x.fliplr(), (M,), np.fliplr),
    Op('flipud', lambda x: x.flipud(), (B,), np.flipud),
    *(Op(f'rot90/k={k}', lambda x, k=k: x.rot90(k, (2, 1)), (B,),
         lambda x, k=k: np.rot90(x, k, (2, 1))) for k in (1, 2, -1)),
    Op('tensor_split', lambda x: x.tensor_split(3, 1), ((2, 7),),
       lambda x: tuple(np.array_split(x, 3, 1))),
    Op('tensor_split/indices', lambda x: x.tensor_split([1, -1]), ((5, 2),),
       lambda x: tuple(np.split(x, [1, 4]))),
    Op('diff', lambda x: x.diff(), (M,), np.diff),
    Op('diff/n2_prepend', lambda x, p: x.diff(2, 0, prepend=p), (M, (1, 4)),
       lambda x, p: np.diff(x, 2, 0, prepend=p)),
    Op('deg2rad', lambda x: x.deg2rad(), (M,), np.deg2rad),
    Op('rad2deg', lambda x: x.rad2deg(), (M,), np.rad2deg),
    Op('nan_to_num', lambda x: x.nan_to_num(), (M,), np.nan_to_num),
    Op('nansum', lambda x: x.nansum(1), (M,), lambda x: np.nansum(x, 1)),
    Op('nanmean', lambda x: x.nanmean(0, keepdim=True), (M,),
       lambda x: np.nanmean(x, 0, keepdims=True)),
    Op('dist', lambda x, y: x.dist(y), (M, S), lambda x, y: np.linalg.norm((x - y).ravel()),
       distinct),
    Op('dist/p1', lambda x, y: x.dist(y, 1), (M, M),
       lambda x, y: np.abs(x - y).sum(), distinct),
    Op('atleast_3d', lambda x, y: api(x).atleast_3d(x, y), (S, M),
       lambda x, y: (np.atleast_3d(x), np.atleast_3d(y))),
    Op('conv1d', lambda x, w, b: nnF(x).conv1d(x, w, b, stride=2, dilation=2),
       ((2, 3, 9), (4, 3, 2), (4,)),
       lambda x, w, b: conv2d_ref(x[:, :, None], w[:, :, None], b, 2, 0, 2)[:, :, 0]),
    Op('conv1d/padding_groups', lambda x, w: nnF(x).conv1d(x, w, padding=1, groups=2),
       ((4, 5), (2, 2, 3)),
       lambda x, w: conv2d_ref(np.pad(x, ((0, 0), (1, 1)))[None, :, None], w[:, :, None],
                               None, 1, 0, 1, 2)[0, :, 0]),
    Op('max_pool1d', lambda x: nnF(x).max_pool1d(x, 2), ((2, 3, 6),),
       lambda x: x.reshape(2, 3, 3, 2).max(-1), distinct),
    Op('avg_pool1d', lambda x: nnF(x).avg_pool1d(x, 2, stride=1), ((2, 3, 5),),
       lambda x: (x[..., :-1] + x[..., 1:]) / 2),
    Op('adaptive_avg_pool2d', lambda x: nnF(x).adaptive_avg_pool2d(x, (2, 3)), ((2, 3, 4, 6),),
       lambda x: x.reshape(2, 3, 2, 2, 3, 2).mean((3, 5))),
    Op('adaptive_avg_pool1d', lambda x: nnF(x).adaptive_avg_pool1d(x, 3), ((2, 3, 6),),
       lambda x: x.reshape(2, 3, 3, 2).mean(-1)),
    Op('group_norm', lambda x, w, b: nnF(x).group_norm(x, 2, w, b), ((2, 4, 3), (4,), (4,)),
       lambda x, w, b: group_norm_ref(x, 2, 1e-5) * w[:, None] + b[:, None]),
    Op('cosine_similarity', lambda a, b: nnF(a).cosine_similarity(a, b), (M, M),
       lambda a, b: (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))),
    Op('pairwise_distance', lambda a, b: nnF(a).pairwise_distance(a, b), (M, M),
       lambda a, b: np.sqrt(((a - b + 1e-6) ** 2).sum(-1))),
    Op('kl_div', lambda x, t: nnF(x).kl_div(x, t, reduction='batchmean'), (M, M),
       lambda x, t: (t * (np.log(t) - x)).sum() / x.shape[0], per(real, positive)),
    Op('kl_div/log_target', lambda x, t: nnF(x).kl_div(x, t, reduction='none', log_target=True),
       (M, M), lambda x, t: np.exp(t) * (t - x)),
    # scatters along a dim (distinct targets for scatter, whose repeats keep any one value;
    # repeats for the reductions); index_add/index_copy/index_fill, take, select, masked_scatter
    Op('scatter', lambda x, s: x.scatter(0, idx(x, SCATTER_I), s), (M, (2, 4)),
       lambda x, s: scatter_ref(x, 0, SCATTER_I, s)),
    Op('scatter/value', lambda x: x.scatter(1, idx(x, [[0], [3], [1]]), 1.5), (M,),
       lambda x: scatter_ref(x, 1, [[0], [3], [1]], 1.5)),
    Op('scatter/dim1_small_src', lambda x, s: x.scatter(-1, idx(x, [[2, 0], [1, 3]]), s),
       (M, (2, 2)), lambda x, s: scatter_ref(x, 1, [[2, 0], [1, 3]], s)),
    Op('scatter_add', lambda x, s: x.scatter_add(0, idx(x, REPEATS_I), s), (M, (2, 4)),
       lambda x, s: scatter_ref(x, 0, REPEATS_I, s, 'sum')),
    *(Op(f'scatter_reduce/{r}' + ('' if keep else '_exclude_self'),
         lambda x, s, r=r, keep=keep: x.scatter_reduce(0, idx(x, REPEATS_I), s, r,
                                                       include_self=keep),
         (M, (2, 4)), lambda x, s, r=r, keep=keep: scatter_ref(x, 0, REPEATS_I, s, r, keep),
         distinct if r in ('amax', 'amin') else per(real))
      for r in ('sum', 'prod', 'mean', 'amax', 'amin') for keep in (True, False)),
    Op('scatter_reduce/amax_dim1', lambda x, s: x.scatter_reduce(1, idx(x, [[3, 3, 0]] * 3), s,
                                                                'amax'),
       (M, (3, 3)), lambda x, s: scatter_ref(x, 1, [[3, 3, 0]] * 3, s, 'amax'), distinct),
    Op('index_add', lambda x, s: x.index_add(1, idx(x, [0, 3, 0]), s), (M, (3, 3)),
       lambda x, s: scatter_ref(x, 1, [[0, 3, 0]] * 3, s, 'sum')),
    Op('index_add/alpha', lambda x, s: x.index_add(0, idx(x, [2, 2]), s, alpha=-1.5),
       (M, (2, 4)), lambda x, s: scatter_ref(x, 0, [[2] * 4] * 2, -1.5 * s, 'sum')),
    Op('index_copy', lambda x, s: x.index_copy(1, idx(x, [3, 0]), s), (M, (3, 2)),
       lambda x, s: scatter_ref(x, 1, [[3, 0]] * 3, s)),
    Op('index_fill', lambda x: x.index_fill(1, idx(x, [0, -1, 0]), -0.5), (M,),
       lambda x: scatter_ref(x, 1, [[0, 3]] * 3, -0.5)),
    Op('index_fill/value_tensor', lambda x, v: x.index_fill(0, idx(x, [2, 0, 2]), v), (M, ()),
       lambda x, v: scatter_ref(x, 0, [[2] * 4, [0] * 4], v)),
    Op('take', lambda x: x.take(idx(x, [[0, -1], [5, 5]])), (M,),
       lambda x: x.reshape(-1)[[[0, -1], [5, 5]]]),
    Op('take_along_dim', lambda x: x.take_along_dim(idx(x, [[0, 3, 3]]), 1), (M,),
       lambda x: np.take_along_axis(x, np.array([[0, 3, 3]] * 3), 1)),
    Op('take_along_dim/flat', lambda x: x.take_along_dim(idx(x, [[0, 11, 0]])), (M,),
       lambda x: x.reshape(-1)[[0, 11, 0]]),
    Op('select', lambda x: x.select(1, -2), (B,), lambda x: x[:, -2]),
    Op('masked_scatter', lambda x, s: x.masked_scatter(idx(x, [True, False, False, True]), s),
       (M, (2, 4)), lambda x, s: masked_scatter_ref(x, [True, False, False, True], s)),
    # more activations. Inputs scaled in the row (relu6(4x), hardswish(2x)) reach the far
    # kinks from [-2, 2]; domains keep finite differences off every kink.
    Op('hardtanh', lambda x: nnF(x).hardtanh(x), (M,), lambda x: np.clip(x, -1, 1),
       per(away_from(-1.0, 1.0))),
    Op('hardtanh/bounds', lambda x: nnF(x).hardtanh(x, -0.5, 1.5), (B,),
       lambda x: np.clip(x, -0.5, 1.5), per(away_from(-0.5, 1.5))),
    Op('relu6', lambda x: nnF(x).relu6(x * 4), (B,), lambda x: np.clip(4 * x, 0, 6),
       per(away_from(0.0, 1.5))),
    Op('softsign', lambda x: nnF(x).softsign(x), (M,), lambda x: x / (1 + np.abs(x)),
       per(nonzero)),
    Op('mish', lambda x: nnF(x).mish(x * 2), (B,),
       lambda x: 2 * x * np.tanh(np.log1p(np.exp(2 * x)))),
    Op('selu', lambda x: nnF(x).selu(x), (M,),
       lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)), per(nonzero)),
    Op('celu', lambda x: nnF(x).celu(x), (M,), lambda x: np.where(x > 0, x, np.expm1(x)),
       per(nonzero)),
    Op('celu/alpha', lambda x: nnF(x).celu(x, 0.5), (B,),
       lambda x: np.where(x > 0, x, 0.5 * np.expm1(x / 0.5)), per(nonzero)),
    Op('hardsigmoid', lambda x: nnF(x).hardsigmoid(x * 2), (B,),
       lambda x: np.clip(2 * x + 3, 0, 6) / 6, per(away_from(-1.5, 1.5))),
    Op('hardswish', lambda x: nnF(x).hardswish(x * 2), (B,),
       lambda x: 2 * x * np.clip(2 * x + 3, 0, 6) / 6, per(away_from(-1.5, 1.5))),
    Op('softshrink', lambda x: nnF(x).softshrink(x), (M,),
       lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
       per(away_from(-0.5, 0.5))),
    Op('softshrink/lambd', lambda x: nnF(x).softshrink(x, 1.25), (B,),
       lambda x: np.where(x > 1.25, x - 1.25, np.where(x < -1.25, x + 1.25, 0)),
       per(away_from(-1.25, 1.25))),
    Op('hardshrink', lambda x: nnF(x).hardshrink(x), (B,),
       lambda x: np.where(np.abs(x) > 0.5, x, 0), per(away_from(-0.5, 0.5))),
    Op('tanhshrink', lambda x: nnF(x).tanhshrink(x), (M,), lambda x: x - np.tanh(x)),
    Op('threshold', lambda x: nnF(x).threshold(x, 0.5, -1.5), (B,),
       lambda x: np.where(x > 0.5, x, -1.5), per(away_from(0.5))),
    Op('erf', lambda x: x.erf(), (M,), lambda x: np.vectorize(math.erf)(x)),
    Op('exp2', lambda x: api(x).exp2(x), (B,), np.exp2),
    Op('frac', lambda x: x.frac(), (M,), lambda x: x - np.trunc(x), per(steps)),
    Op('softmin', lambda x: nnF(x).softmin(x, 1), (B,), lambda x: softmax_ref(-x, 1)),
    Op('prelu', lambda x, w: nnF(x).prelu(x, w), (B, (3,)),
       lambda x, w: np.where(x > 0, x, w[:, None] * x), per(nonzero, real)),
    Op('prelu/one_weight', lambda x, w: nnF(x).prelu(x, w), (M, (1,)),
       lambda x, w: np.where(x > 0, x, w * x), per(nonzero, real)),
    # channel dropout's neighbours: adaptive max pooling, instance norm, transposed
    # convolution, interpolation, bilinear and attention (composites)
    Op('adaptive_max_pool2d', lambda x: nnF(x).adaptive_max_pool2d(x, (2, 3)), ((2, 3, 4, 6),),
       lambda x: x.reshape(2, 3, 2, 2, 3, 2).max((3, 5)), distinct),
    Op('adaptive_max_pool1d', lambda x: nnF(x).adaptive_max_pool1d(x, 3), ((2, 3, 6),),
       lambda x: x.reshape(2, 3, 3, 2).max(-1), distinct),
    Op('instance_norm', lambda x: nnF(x).instance_norm(x), ((2, 3, 4),),
       lambda x: (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)),
    Op('conv_transpose2d', lambda x, w, b: nnF(x).conv_transpose2d(x, w, b, stride=2, padding=1),
       ((2, 3, 3, 4), (3, 2, 3, 3), (2,)), lambda x, w, b: conv_transpose2d_ref(x, w, b, 2, 1)),
    Op('conv_transpose1d', lambda x, w: nnF(x).conv_transpose1d(x, w, stride=3),
       ((2, 2, 3), (2, 3, 2)),
       lambda x, w: conv_transpose2d_ref(x[:, :, None], w[:, :, None], None, 3, 0)[:, :, 0]),
    Op('interpolate', lambda x: nnF(x).interpolate(x, scale_factor=2), ((1, 2, 3, 4),),
       lambda x: np.repeat(np.repeat(x, 2, -1), 2, -2)),
    Op('interpolate/linear_align_corners',
       lambda x: nnF(x).interpolate(x, size=5, mode='linear', align_corners=True), ((2, 3, 3),),
       lambda x: np.apply_along_axis(lambda r: np.interp(np.linspace(0, 2, 5), np.arange(3), r),
                                     -1, x)),
    Op('bilinear', lambda a, b, w, c: nnF(a).bilinear(a, b, w, c),
       ((4, 2), (4, 3), (5, 2, 3), (5,)),
       lambda a, b, w, c: np.einsum('ni,oij,nj->no', a, w, b) + c),
    Op('scaled_dot_product_attention',
       lambda q, k, v: nnF(q).scaled_dot_product_attention(q, k, v), ((2, 3, 4), (2, 5, 4),
                                                                      (2, 5, 2)), attention_ref),
    # torch.* composites: scans, building, products, statistics, linalg
    Op('cumprod', lambda x: x.cumprod(1), (M,), lambda x: np.cumprod(x, 1), per(some_zeros)),
    Op('cumprod/dim0_long', lambda x: api(x).cumprod(x, 0), ((7, 2),),
       lambda x: np.cumprod(x, 0), per(some_zeros)),
    Op('logcumsumexp', lambda x: api(x).logcumsumexp(x * 20, 1), (M,),
       lambda x: np.logaddexp.accumulate(x * 20, 1)),
    Op('cummax', lambda x: vi(x.cummax(1)), (M,), lambda x: running_extreme_ref(x, 1, np.maximum),
       distinct),
    Op('cummin', lambda x: vi(api(x).cummin(x, 0)), (B,),
       lambda x: running_extreme_ref(x, 0, np.minimum), distinct),
    Op('vander', lambda x: api(x).vander(x, 4), (S,), lambda x: np.vander(x, 4),
       torch_fn=lambda x: x.unsqueeze(1) ** api(x).arange(3, -1, -1)),
    Op('vander/increasing', lambda x: api(x).vander(x, increasing=True), ((3,),),
       lambda x: np.vander(x, increasing=True),
       torch_fn=lambda x: x.unsqueeze(1) ** api(x).arange(3)),
    Op('cartesian_prod', lambda x, y: api(x).cartesian_prod(x, y), (S, (3,)),
       lambda x, y: np.array([[a, b] for a in x for b in y])),
    Op('combinations', lambda x: api(x).combinations(x, 3), (S,),
       lambda x: np.array(list(itertools.combinations(x, 3)))),
    Op('combinations/with_replacement', lambda x: api(x).combinations(x, with_replacement=True),
       ((3,),), lambda x: np.array(list(itertools.combinations_with_replacement(x, 2)))),
    Op('block_diag', lambda x, y, z: api(x).block_diag(x, y, z), ((), (2,), (2, 3)),
       lambda x, y, z: block_diag_ref(x.reshape(1, 1), y.reshape(1, 2), z)),
    Op('kron', lambda x, y: x.kron(y), (M, (3, 1, 2)), np.kron),
    Op('cross', lambda x, y: x.cross(y, dim=1), ((2, 3, 4), (2, 3, 1)),
       lambda x, y: np.cross(x, y, axis=1)),
    Op('cross/linalg', lambda x, y: api(x).linalg.cross(x, y), ((4, 3), (1, 3)),
       lambda x, y: np.cross(x, y)),
    Op('diag_embed', lambda x: x.diag_embed(), (M,), lambda x: diag_embed_ref(x, 0)),
    Op('diag_embed/offset_dims', lambda x: api(x).diag_embed(x, -1, 0, 2), (M,),
       lambda x: np.moveaxis(diag_embed_ref(x, -1), (-2, -1), (0, 2))),
    Op('diagflat', lambda x: x.diagflat(1), (M,), lambda x: np.diagflat(x, 1)),
    Op('vdot', lambda x, y: x.vdot(y), (S, S), np.vdot),
    Op('trapezoid', lambda y: api(y).trapezoid(y), (M,), lambda y: np.trapezoid(y)),
    Op('trapezoid/dx', lambda y: api(y).trapezoid(y, dx=0.5, dim=0), (M,),
       lambda y: np.trapezoid(y, dx=0.5, axis=0)),
    Op('trapezoid/x', lambda y, x: api(y).trapezoid(y, x), (M, S),
       lambda y, x: np.trapezoid(y, x)),
    Op('xlogy', lambda x, y: x.xlogy(y), (M, M), lambda x, y: np.where(x == 0, 0, x * np.log(y)),
       per(some_zeros, positive)),
    Op('float_power', lambda x, y: x.float_power(y).to(x.dtype), (M, S),
       lambda x, y: x ** y, per(positive, real)),
    Op('fmax', lambda x, y: x.fmax(y), (M, S), np.fmax, distinct),
    Op('fmin', lambda x, y: api(x).fmin(x, y), (M, M), np.fmin, distinct),
    Op('heaviside', lambda x, v: x.heaviside(v), (M, S),
       lambda x, v: np.heaviside(x, v), nograd=True),
    Op('renorm', lambda x: x.renorm(2, 0, 1.5), (M,), lambda x: renorm_ref(x, 2, 0, 1.5)),
    Op('renorm/p1_dim1', lambda x: api(x).renorm(x, 1, 1, 2.0), (B,),
       lambda x: renorm_ref(x, 1, 1, 2.0), per(nonzero)),
    Op('cov', lambda x: api(x).cov(x), ((3, 5),), np.cov),
    Op('cov/vector_correction0', lambda x: api(x).cov(x, correction=0), ((5,),),
       lambda x: np.cov(x, ddof=0)),
    Op('corrcoef', lambda x: api(x).corrcoef(x), ((3, 5),), np.corrcoef),
    *(Op(f'cdist/p={p}', lambda x, y, p=p: api(x).cdist(x, y, p), ((2, 3, 4), (1, 5, 4)),
         lambda x, y, p=p: cdist_ref(x, y, p), distinct_magnitudes)
      for p in (2.0, 1.0, 3.0, math.inf)),
    Op('baddbmm', lambda i, x, y: i.baddbmm(x, y, beta=0.5, alpha=-2), ((3, 1), B, (2, 4, 2)),
       lambda i, x, y: 0.5 * i - 2 * (x @ y)),
    Op('unflatten', lambda x: x.unflatten(-1, (2, -1)), (B,),
       lambda x: x.reshape(2, 3, 2, 2)),
    *(Op(f'vector_norm/{p}', lambda x, p=p: api(x).linalg.vector_norm(x, p, (0, 2)), (B,),
         lambda x, p=p: vector_norm_ref(x, p, (0, 2)), distinct_magnitudes)
      for p in (2, 1, 3, math.inf, -math.inf)),
    *(Op(f'matrix_norm/{p}', lambda x, p=p: api(x).linalg.matrix_norm(x, p), (B,),
         lambda x, p=p: np.linalg.norm(x, p, (-2, -1)), distinct_magnitudes)
      for p in ('fro', 1, -1, math.inf, -math.inf)),
    Op('vecdot', lambda x, y: api(x).linalg.vecdot(x, y, dim=0), (M, (3, 1)),
       lambda x, y: (x * y).sum(0)),
    Op('inv', lambda a: api(a).linalg.inv(a), ((2, 3, 3),), np.linalg.inv,
       per(well_conditioned)),
    Op('det', lambda a: api(a).linalg.det(a), ((2, 3, 3),), np.linalg.det,
       per(well_conditioned)),
    Op('solve', lambda a, b: api(a).linalg.solve(a, b), ((3, 3), (2, 3, 2)),
       lambda a, b: np.linalg.solve(a, b), per(well_conditioned, real)),
    Op('solve/vector', lambda a, b: api(a).linalg.solve(a, b), ((2, 3, 3), (2, 3)),
       lambda a, b: np.linalg.solve(a, b[..., None])[..., 0], per(well_conditioned, real)),
    # ops/numeric.py
    Op('logit', lambda p: p.logit(), (M,), lambda p: np.log(p / (1 - p)), per(unit)),
    Op('logit/eps', lambda p: api(p).logit(p, eps=0.3), (M,),
       lambda p: np.log(np.clip(p, 0.3, 0.7) / (1 - np.clip(p, 0.3, 0.7))),
       per(away_from(0.3, 0.7, -0.3, -0.7))),
    Op('sinc', lambda x: x.sinc(), (M,), np.sinc, per(nonzero)),
    Op('logaddexp2', lambda x, y: x.logaddexp2(y), (M, (3, 1)), np.logaddexp2, distinct),
    Op('aminmax', lambda x: tuple(x.aminmax(dim=1)), (M,),
       lambda x: (x.min(1), x.max(1)), distinct),
    Op('aminmax/all_keepdim', lambda x: tuple(api(x).aminmax(x, keepdim=True)), (M,),
       lambda x: (x.min(keepdims=True), x.max(keepdims=True)), distinct),
    Op('ravel', lambda x: x.t().ravel(), (M,), lambda x: x.T.ravel()),
    Op('sgn', lambda x: x.sgn(), (M,), np.sign, per(nonzero), gradgrad=False,
       torch_fn=lambda x: x.sign()),            # (PyTorch's sgn backward is a ZeroTensor)
    Op('positive', lambda x: api(x).positive(x) * 1.0, (M,), lambda x: x),
    Op('slogdet', lambda a: tuple(api(a).linalg.slogdet(a)), ((2, 3, 3),),
       lambda a: tuple(np.linalg.slogdet(a)), per(well_conditioned)),
    Op('slogdet/negative', lambda a: tuple(api(a).slogdet(a.flip(-2))), ((3, 3),),
       lambda a: tuple(np.linalg.slogdet(a[::-1])), per(well_conditioned)),
    Op('logdet', lambda a: a.logdet(), ((2, 3, 3),), lambda a: np.linalg.slogdet(a)[1],
       per(well_conditioned)),
    Op('matrix_power', lambda a: a.matrix_power(3), ((2, 3, 3),),
       lambda a: np.linalg.matrix_power(a, 3)),
    Op('matrix_power/negative', lambda a: api(a).linalg.matrix_power(a, -2), ((3, 3),),
       lambda a: np.linalg.matrix_power(a, -2), per(well_conditioned)),
    # bags of rows: 1-D with offsets (an empty bag gives zeros), 2-D, padding left out,
    # include_last_offset, and per-sample weights (sum only)
    Op('embedding_bag/sum_offsets', lambda w: nnF(w).embedding_bag(
        idx(w, [0, 2, 2, 1, 3]), w, idx(w, [0, 2, 2]), mode='sum'), ((4, 3),),
       lambda w: np.stack([w[[0, 2]].sum(0), np.zeros(3), w[[2, 1, 3]].sum(0)])),
    Op('embedding_bag/mean_2d', lambda w: nnF(w).embedding_bag(
        idx(w, [[0, 2, 0], [3, 1, 1]]), w), ((4, 3),),
       lambda w: np.stack([w[[0, 2, 0]].mean(0), w[[3, 1, 1]].mean(0)])),
    Op('embedding_bag/mean_padding_last_offset', lambda w: nnF(w).embedding_bag(
        idx(w, [0, 2, 1, 2, 3]), w, idx(w, [0, 3, 5]), padding_idx=2,
        include_last_offset=True), ((4, 3),),
       lambda w: np.stack([w[[0, 1]].mean(0), w[[3]].mean(0)])),
    Op('embedding_bag/max', lambda w: nnF(w).embedding_bag(
        idx(w, [0, 2, 1, 3, 2]), w, idx(w, [0, 3]), mode='max', padding_idx=1), ((4, 3),),
       lambda w: np.stack([w[[0, 2]].max(0), w[[3, 2]].max(0)]), distinct),
    Op('embedding_bag/per_sample_weights', lambda w, s: nnF(w).embedding_bag(
        idx(w, [0, 2, 2, 1]), w, idx(w, [0, 1]), mode='sum', per_sample_weights=s),
       ((4, 3), (4,)),
       lambda w, s: np.stack([w[0] * s[0], (w[[2, 2, 1]] * s[1:, None]).sum(0)])),
]


# ---- the later nn functions (tests/test_nn_more.py has their modules and errors) ------------

SIGNS_M = [[1.0, -1.0, -1.0, 1.0], [-1.0, 1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]]


def cosine_embedding_ref(a, b, target, margin):
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    return np.where(target == 1, 1 - cos, np.where(target == -1,
                                                   np.maximum(cos - margin, 0), 0))


def log_sigmoid_ref(x):
    return -np.logaddexp(0, -x)


def multi_margin_ref(x, target, p, margin):
    picked = np.take_along_axis(x, np.asarray(target)[:, None], 1)
    gaps = np.maximum(margin - picked + x, 0) ** p
    gaps[np.arange(x.shape[0]), target] = 0
    return gaps.sum(1) / x.shape[1]


def multilabel_margin_ref(x, target):
    out = np.zeros(x.shape[0])
    for n, row in enumerate(np.asarray(target)):
        listed = list(row[:list(row).index(-1)] if -1 in list(row) else row)
        others = [i for i in range(x.shape[1]) if i not in listed]
        out[n] = sum(max(0.0, 1 - x[n, j] + x[n, i]) for j in listed for i in others)
    return out / x.shape[1]


def triplet_ref(a, p, n, margin, norm=2, swap=False):
    def distance(u, v):
        return vector_norm_ref(u - v + 1e-6, norm, -1)
    far = distance(a, n)
    if swap:
        far = np.minimum(far, distance(p, n))
    return np.maximum(margin + distance(a, p) - far, 0)


def local_response_ref(x, size, alpha=1e-4, beta=0.75, k=1.0):
    channels = x.shape[1]
    out = np.empty_like(x)
    for c in range(channels):
        window = x[:, max(c - size // 2, 0):min(c + (size - 1) // 2 + 1, channels)]
        out[:, c] = x[:, c] / (k + alpha / size * (window ** 2).sum(1)) ** beta
    return out


def unfold_ref(x, kernel, dilation, padding, stride):
    """im2col by loops over the blocks, on (N, C, H, W)."""
    x = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    n, c, h, w = x.shape
    rows = (h - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    cols = (w - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    out = np.zeros((n, c, kernel[0], kernel[1], rows, cols))
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            top, left = i * dilation[0], j * dilation[1]
            out[:, :, i, j] = x[:, :, top:top + stride[0] * rows:stride[0],
                                left:left + stride[1] * cols:stride[1]]
    return out.reshape(n, c * kernel[0] * kernel[1], rows * cols)


def fold_ref(columns, size, kernel, dilation, padding, stride):
    """col2im: each column added into its block of the padded output, then cropped."""
    n = columns.shape[0]
    c = columns.shape[1] // (kernel[0] * kernel[1])
    h, w = size[0] + 2 * padding[0], size[1] + 2 * padding[1]
    rows = (h - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    cols = (w - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    blocks = columns.reshape(n, c, kernel[0], kernel[1], rows, cols)
    out = np.zeros((n, c, h, w))
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            top, left = i * dilation[0], j * dilation[1]
            out[:, :, top:top + stride[0] * rows:stride[0],
                left:left + stride[1] * cols:stride[1]] += blocks[:, :, i, j]
    return out[:, :, padding[0]:padding[0] + size[0], padding[1]:padding[1] + size[1]]


def unpool_ref(values, indices, size):
    out = np.zeros(values.shape[:-2] + (size[0] * size[1],))
    np.put_along_axis(out, np.asarray(indices).reshape(values.shape[:-2] + (-1,)),
                      values.reshape(values.shape[:-2] + (-1,)), -1)
    return out.reshape(values.shape[:-2] + tuple(size))


UNPOOL_I = [[[[0, 3], [9, 14]], [[5, 2], [13, 15]]]]     # where max_pool2d(2) could have found


def pdist_ref(x, p):
    first, second = np.triu_indices(x.shape[0], 1)
    return vector_norm_ref(x[first] - x[second], p, -1)



def grid_sample_ref(x, grid, align_corners, padding='zeros', nearest=False):
    """Bilinear (or nearest) reads of x (N, C, H, W) at grid (N, Ho, Wo, 2), loop by loop."""
    n, c, h, w = x.shape
    out = np.zeros((n, c) + grid.shape[1:3])

    def source(value, size):
        pos = (value + 1) / 2 * (size - 1) if align_corners else ((value + 1) * size - 1) / 2
        return min(max(pos, 0), size - 1) if padding == 'border' else pos
    for b in range(n):
        for i, j in np.ndindex(*grid.shape[1:3]):
            col, row = source(grid[b, i, j, 0], w), source(grid[b, i, j, 1], h)
            if nearest:
                taps = [(round(row), round(col), 1.0)]
            else:
                r0, c0 = math.floor(row), math.floor(col)
                taps = [(r0 + dr, c0 + dc, (1 - abs(row - r0 - dr)) * (1 - abs(col - c0 - dc)))
                        for dr in (0, 1) for dc in (0, 1)]
            for r, q, weight in taps:
                if 0 <= r < h and 0 <= q < w:
                    out[b, :, i, j] += weight * x[b, :, r, q]
    return out


def affine_grid_ref(theta, size, align_corners):
    def axis(steps):
        line = np.linspace(-1, 1, steps) if steps > 1 else np.zeros(steps)
        return line if align_corners else line * (steps - 1) / steps
    ys, xs = np.meshgrid(axis(size[2]), axis(size[3]), indexing='ij')
    base = np.stack([xs, ys, np.ones_like(xs)], -1)
    return np.einsum('hwk,njk->nhwj', base, theta)



def conv3d_ref(x, w, b, stride, padding):
    """3-D cross-correlation by loops over the kernel offsets, in float64."""
    x = np.pad(x, ((0, 0), (0, 0)) + ((padding, padding),) * 3)
    kd, kh, kw = w.shape[2:]
    outs = [(n - k) // stride + 1 for n, k in zip(x.shape[2:], (kd, kh, kw))]
    out = np.zeros((x.shape[0], w.shape[0]) + tuple(outs))
    for i, j, k in np.ndindex(kd, kh, kw):
        patch = x[:, :, i:i + stride * outs[0]:stride, j:j + stride * outs[1]:stride,
                  k:k + stride * outs[2]:stride]
        out += np.einsum('ncdhw,oc->nodhw', patch, w[:, :, i, j, k])
    return out + (0 if b is None else b.reshape(1, -1, 1, 1, 1))


OPS += [
    Op('cosine_embedding_loss', lambda a, b: nnF(a).cosine_embedding_loss(
        a, b, const(a, [1.0, -1.0, 1.0]), margin=-0.5), (M, M),
       lambda a, b: cosine_embedding_ref(a, b, np.array([1, -1, 1]), -0.5).mean()),
    Op('cosine_embedding_loss/none_1d', lambda a, b: nnF(a).cosine_embedding_loss(
        a, b, const(a, -1.0), reduction='none'), (S, S),
       lambda a, b: cosine_embedding_ref(a[None], b[None], np.array([-1]), 0.0)[0]),
    Op('margin_ranking_loss', lambda a, b: nnF(a).margin_ranking_loss(
        a, b, const(a, [1.0, -1.0, -1.0, 1.0]), margin=0.1), (S, S),
       lambda a, b: np.maximum(-np.array([1, -1, -1, 1]) * (a - b) + 0.1, 0).mean(), distinct),
    Op('hinge_embedding_loss', lambda x: nnF(x).hinge_embedding_loss(
        x, const(x, SIGNS_M), reduction='sum'), (M,),
       lambda x: np.where(np.array(SIGNS_M) == 1, x, np.maximum(1 - x, 0)).sum(),
       per(away_from(1.0))),
    Op('soft_margin_loss', lambda x: nnF(x).soft_margin_loss(x, const(x, SIGNS_M)), (M,),
       lambda x: np.log1p(np.exp(-np.array(SIGNS_M) * x)).mean()),
    Op('multilabel_soft_margin_loss', lambda x, t: nnF(x).multilabel_soft_margin_loss(
        x, t, reduction='none'), (M, M),
       lambda x, t: -(t * log_sigmoid_ref(x) + (1 - t) * log_sigmoid_ref(-x)).mean(1),
       per(real, unit)),
    Op('multi_margin_loss', lambda x: nnF(x).multi_margin_loss(
        x, idx(x, [0, 3, 1]), margin=0.7), (M,),
       lambda x: multi_margin_ref(x, [0, 3, 1], 1, 0.7).mean(), distinct),
    Op('multi_margin_loss/p2_none', lambda x: nnF(x).multi_margin_loss(
        x, idx(x, [2, 2, 0]), p=2, reduction='none'), (M,),
       lambda x: multi_margin_ref(x, [2, 2, 0], 2, 1.0), distinct),
    Op('multilabel_margin_loss', lambda x: nnF(x).multilabel_margin_loss(
        x, idx(x, [[3, 0, -1, 1], [1, 1, 2, -1], [-1, 0, 0, 0]]), reduction='none'), (M,),
       lambda x: multilabel_margin_ref(x, [[3, 0, -1, 1], [1, 1, 2, -1], [-1, 0, 0, 0]]),
       distinct),
    Op('triplet_margin_loss', lambda a, p, n: nnF(a).triplet_margin_loss(a, p, n, margin=2.0),
       (M, M, M), lambda a, p, n: triplet_ref(a, p, n, 2.0).mean()),
    Op('triplet_margin_loss/p1_swap', lambda a, p, n: nnF(a).triplet_margin_loss(
        a, p, n, margin=3.0, p=1, swap=True, reduction='none'), (M, M, M),
       lambda a, p, n: triplet_ref(a, p, n, 3.0, 1, True), distinct),
    Op('triplet_margin_with_distance_loss', lambda a, p, n:
       nnF(a).triplet_margin_with_distance_loss(a, p, n, margin=2.5, reduction='sum'),
       (M, M, M), lambda a, p, n: triplet_ref(a, p, n, 2.5).sum()),
    Op('gaussian_nll_loss', lambda x, t, v: nnF(x).gaussian_nll_loss(x, t, v), (M, M, M),
       lambda x, t, v: (0.5 * (np.log(v) + (x - t) ** 2 / v)).mean(),
       per(real, real, positive)),
    Op('gaussian_nll_loss/full_var_per_row', lambda x, t, v: nnF(x).gaussian_nll_loss(
        x, t, v, full=True, reduction='none'), (M, M, (3,)),
       lambda x, t, v: 0.5 * (np.log(v[:, None]) + (x - t) ** 2 / v[:, None])
       + 0.5 * np.log(2 * np.pi), per(real, real, positive)),
    Op('poisson_nll_loss', lambda x, t: nnF(x).poisson_nll_loss(x, t), (M, M),
       lambda x, t: (np.exp(x) - t * x).mean(), per(real, positive)),
    Op('poisson_nll_loss/rates_full', lambda x, t: nnF(x).poisson_nll_loss(
        x, t, log_input=False, full=True, reduction='none'), (M, M),
       lambda x, t: x - t * np.log(x + 1e-8) + t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t),
       per(positive, above_one)),
    Op('glu', lambda x: nnF(x).glu(x), ((3, 6),), lambda x: x[:, :3] / (1 + np.exp(-x[:, 3:]))),
    Op('glu/dim0', lambda x: nnF(x).glu(x, 0), ((4, 3),),
       lambda x: x[:2] / (1 + np.exp(-x[2:]))),
    Op('rms_norm', lambda x, w: nnF(x).rms_norm(x, (4,), w, eps=1e-3), (B, (4,)),
       lambda x, w: x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-3) * w),
    Op('local_response_norm', lambda x: nnF(x).local_response_norm(x, 3, alpha=0.5), ((2, 5, 3),),
       lambda x: local_response_ref(x, 3, 0.5)),
    Op('pixel_shuffle', lambda x: nnF(x).pixel_shuffle(x, 2), ((2, 8, 3, 3),),
       lambda x: x.reshape(2, 2, 2, 2, 3, 3).transpose(0, 1, 4, 2, 5, 3).reshape(2, 2, 6, 6)),
    Op('pixel_unshuffle', lambda x: nnF(x).pixel_unshuffle(x, 2), ((2, 2, 4, 6),),
       lambda x: x.reshape(2, 2, 2, 2, 3, 2).transpose(0, 1, 3, 5, 2, 4).reshape(2, 8, 2, 3)),
    Op('unfold', lambda x: nnF(x).unfold(x, (2, 3), (1, 2), 1, (2, 1)), ((2, 3, 5, 6),),
       lambda x: unfold_ref(x, (2, 3), (1, 2), (1, 1), (2, 1))),
    Op('fold', lambda x: nnF(x).fold(x, (7, 6), (2, 3), (2, 1), (1, 0), (2, 1)),
       ((2, 12, 16),), lambda x: fold_ref(x, (7, 6), (2, 3), (2, 1), (1, 0), (2, 1))),
    Op('lp_pool2d', lambda x: nnF(x).lp_pool2d(x, 2, 2), ((1, 2, 4, 6),),
       lambda x: np.sqrt((x * x).reshape(1, 2, 2, 2, 3, 2).sum((3, 5)))),
    Op('lp_pool1d', lambda x: nnF(x).lp_pool1d(x, 3, 2, stride=1), ((2, 3, 5),),
       lambda x: (x[..., :-1] ** 3 + x[..., 1:] ** 3) ** (1 / 3), POS),
    Op('max_unpool2d', lambda v: nnF(v).max_unpool2d(v, idx(v, UNPOOL_I), 2),
       ((1, 2, 2, 2),), lambda v: unpool_ref(v, UNPOOL_I, (4, 4))),
    Op('max_unpool1d', lambda v: nnF(v).max_unpool1d(v, idx(v, [[1, 2, 5], [0, 3, 4]]), 2),
       ((2, 3),), lambda v: unpool_ref(v[..., None], [[1, 2, 5], [0, 3, 4]], (6, 1))[..., 0]),
    *(Op(f'pdist/p={p}', lambda x, p=p: nnF(x).pdist(x, p), ((5, 3),),
         lambda x, p=p: pdist_ref(x, p)) for p in (2.0, 1.0, math.inf)),
    Op('rrelu', lambda x: nnF(x).rrelu(x, 0.1, 0.3), (M,),
       lambda x: np.where(x > 0, x, 0.2 * x), per(nonzero)),
    Op('grid_sample', lambda x, g: nnF(x).grid_sample(x, g * 0.6, align_corners=False),
       ((2, 2, 3, 4), (2, 3, 2, 2)), lambda x, g: grid_sample_ref(x, g * 0.6, False)),
    Op('grid_sample/border_align_corners', lambda x, g: nnF(x).grid_sample(
        x, g * 0.6, padding_mode='border', align_corners=True), ((1, 2, 3, 4), (1, 2, 3, 2)),
       lambda x, g: grid_sample_ref(x, g * 0.6, True, 'border')),
    Op('grid_sample/nearest', lambda x, g: nnF(x).grid_sample(
        x, g * 0.6, 'nearest', align_corners=False), ((1, 2, 3, 4), (1, 2, 2, 2)),
       lambda x, g: grid_sample_ref(x, g * 0.6, False, nearest=True)),
    Op('affine_grid', lambda t: nnF(t).affine_grid(t, (2, 1, 3, 4), False), ((2, 2, 3),),
       lambda t: affine_grid_ref(t, (2, 1, 3, 4), False)),
    Op('affine_grid/align_corners', lambda t: nnF(t).affine_grid(t, (1, 1, 2, 3), True),
       ((1, 2, 3),), lambda t: affine_grid_ref(t, (1, 1, 2, 3), True)),
    Op('conv3d', lambda x, w, b: nnF(x).conv3d(x, w, b, stride=2, padding=1),
       ((2, 2, 3, 4, 3), (3, 2, 2, 2, 2), (3,)),
       lambda x, w, b: conv3d_ref(x, w, b, 2, 1)),
    Op('max_pool3d', lambda x: nnF(x).max_pool3d(x, 2), ((1, 2, 4, 2, 4),),
       lambda x: x.reshape(1, 2, 2, 2, 1, 2, 2, 2).max((3, 5, 7)), distinct),
    Op('avg_pool3d', lambda x: nnF(x).avg_pool3d(x, (2, 1, 2)), ((2, 2, 4, 3, 4),),
       lambda x: x.reshape(2, 2, 2, 2, 3, 1, 2, 2).mean((3, 5, 7))),
    Op('adaptive_avg_pool3d', lambda x: nnF(x).adaptive_avg_pool3d(x, (2, 1, 3)),
       ((2, 1, 4, 3, 6),), lambda x: x.reshape(2, 1, 2, 2, 1, 3, 3, 2).mean((3, 5, 7))),
    Op('adaptive_max_pool3d', lambda x: nnF(x).adaptive_max_pool3d(x, (1, 2, 2)),
       ((1, 2, 2, 4, 2),), lambda x: x.reshape(1, 2, 1, 2, 2, 2, 2, 1).max((3, 5, 7)),
       distinct),
    # the factorisations of linalg, and what they give; signs fixed where a factor has a
    # sign convention, symmetric inputs for cholesky and eigh (their gradients are symmetric)
    Op('cholesky', lambda a: api(a).linalg.cholesky(a @ a.mT), ((2, 3, 3),),
       lambda a: np.linalg.cholesky(a @ a.swapaxes(-1, -2)), per(well_conditioned)),
    Op('cholesky/upper', lambda a: api(a).linalg.cholesky(a @ a.mT, upper=True), ((3, 3),),
       lambda a: np.linalg.cholesky(a @ a.T).T, per(well_conditioned)),
    Op('cholesky/ex', lambda a: api(a).linalg.cholesky_ex(a @ a.mT).L, ((2, 3, 3),),
       lambda a: np.linalg.cholesky(a @ a.swapaxes(-1, -2)), per(well_conditioned)),
    Op('solve_triangular', lambda a, b: api(a).linalg.solve_triangular(a, b, upper=False),
       ((2, 3, 3), (3, 2)), lambda a, b: np.linalg.solve(np.tril(a), b),
       per(well_conditioned, real)),
    Op('solve_triangular/upper_right_unit', lambda a, b: api(a).linalg.solve_triangular(
        a, b, upper=True, left=False, unitriangular=True), ((3, 3), (2, 2, 3)),
       lambda a, b: b @ np.linalg.inv(np.triu(a, 1) + np.eye(3)), per(well_conditioned, real)),
    # (triangular factors: cholesky_solve reads one triangle, but its gradient is PyTorch's,
    # of (L L^T)^-1 B for every entry of L)
    Op('cholesky_solve', lambda b, l: api(b).cholesky_solve(b, l.tril()), ((2, 3, 2), (3, 3)),
       lambda b, l: np.linalg.solve(np.tril(l) @ np.tril(l).T, b), per(real, well_conditioned)),
    Op('cholesky_solve/upper', lambda b, l: b.cholesky_solve(l.triu(), upper=True),
       ((3, 2), (2, 3, 3)),
       lambda b, l: np.linalg.solve(np.triu(l).swapaxes(-1, -2) @ np.triu(l), b),
       per(real, well_conditioned)),
    Op('qr', lambda a: qr_signs_fixed(api(a).linalg.qr(a)), ((2, 4, 3),),
       lambda a: qr_signs_fixed(np.linalg.qr(a)), per(full_rank)),
    Op('qr/square', lambda a: qr_signs_fixed(api(a).linalg.qr(a)), ((3, 3),),
       lambda a: qr_signs_fixed(np.linalg.qr(a)), per(full_rank)),
    Op('qr/wide', lambda a: qr_signs_fixed(api(a).linalg.qr(a)), ((2, 3, 5),),
       lambda a: qr_signs_fixed(np.linalg.qr(a)), per(full_rank)),
    Op('qr/complete_wide', lambda a: qr_signs_fixed(api(a).linalg.qr(a, mode='complete')),
       ((3, 4),), lambda a: qr_signs_fixed(np.linalg.qr(a, 'complete')), per(full_rank)),
    Op('qr/legacy', lambda a: qr_signs_fixed(a.qr()), ((4, 3),),
       lambda a: qr_signs_fixed(np.linalg.qr(a)), per(full_rank),
       torch_fn=lambda a: qr_signs_fixed(api(a).linalg.qr(a))),    # (torch.qr warns)
    Op('eigh', lambda a: eigh_signs_fixed(api(a).linalg.eigh(a + a.mT)), ((2, 3, 3),),
       lambda a: eigh_signs_fixed(np.linalg.eigh(a + a.swapaxes(-1, -2))),
       per(symmetric_halves)),
    Op('eigh/upper', lambda a: eigh_signs_fixed(api(a).linalg.eigh(a + a.mT, UPLO='U')),
       ((3, 3),), lambda a: eigh_signs_fixed(np.linalg.eigh(a + a.T, 'U')),
       per(symmetric_halves)),
    Op('eigvalsh', lambda a: api(a).linalg.eigvalsh(a + a.mT), ((2, 3, 3),),
       lambda a: np.linalg.eigvalsh(a + a.swapaxes(-1, -2)), per(symmetric_halves)),
    Op('svd', lambda a: svd_signs_fixed(api(a).linalg.svd(a, full_matrices=False)),
       ((2, 4, 3),), lambda a: svd_signs_fixed(np.linalg.svd(a, full_matrices=False)),
       per(spread_spectrum)),
    Op('svd/wide', lambda a: svd_signs_fixed(api(a).linalg.svd(a, full_matrices=False)),
       ((3, 5),), lambda a: svd_signs_fixed(np.linalg.svd(a, full_matrices=False)),
       per(spread_spectrum)),
    Op('svd/full_matrices', lambda a: svd_signs_fixed(api(a).linalg.svd(a)), ((4, 3),),
       lambda a: svd_signs_fixed(np.linalg.svd(a)), per(spread_spectrum)),
    Op('svd/legacy', lambda a: legacy_svd_signs_fixed(a.svd()), ((3, 4),),
       lambda a: svd_signs_fixed(np.linalg.svd(a, full_matrices=False)),
       per(spread_spectrum)),
    Op('svdvals', lambda a: api(a).linalg.svdvals(a), ((2, 3, 4),),
       lambda a: np.linalg.svd(a, compute_uv=False), per(spread_spectrum)),
    Op('pinv', lambda a: api(a).linalg.pinv(a), ((2, 4, 3),), np.linalg.pinv, per(full_rank)),
    Op('pinv/hermitian', lambda a: api(a).linalg.pinv(a + a.mT, hermitian=True), ((3, 3),),
       lambda a: np.linalg.pinv(a + a.T, hermitian=True), per(symmetric_halves)),
    Op('pinv/pinverse', lambda a: a.pinverse(), ((3, 5),), np.linalg.pinv, per(full_rank)),
    Op('matrix_rank', lambda a: api(a).linalg.matrix_rank(a), ((2, 4, 3),),
       np.linalg.matrix_rank, per(rank_two), nograd=True),
    Op('matrix_rank/hermitian', lambda a: api(a).linalg.matrix_rank(a + a.mT, hermitian=True),
       ((3, 3),), lambda a: np.linalg.matrix_rank(a + a.T, hermitian=True),
       per(symmetric_halves), nograd=True),
    Op('cond', lambda a: api(a).linalg.cond(a), ((2, 4, 3),), np.linalg.cond,
       per(spread_spectrum)),
    Op('cond/-2', lambda a: api(a).linalg.cond(a, -2), ((3, 4),),
       lambda a: np.linalg.cond(a, -2), per(spread_spectrum)),
    Op('cond/nuc', lambda a: api(a).linalg.cond(a, 'nuc'), ((2, 3, 3),),
       lambda a: np.linalg.cond(a, 'nuc'), per(well_conditioned)),
    Op('cond/1', lambda a: api(a).linalg.cond(a, 1), ((2, 3, 3),),
       lambda a: np.linalg.cond(a, 1), per(well_conditioned),
       torch_fn=lambda a: cond_by_inverse(a, 1)),
    Op('cond/fro', lambda a: api(a).linalg.cond(a, 'fro'), ((3, 3),),
       lambda a: np.linalg.cond(a, 'fro'), per(well_conditioned),
       torch_fn=lambda a: cond_by_inverse(a, 'fro')),
    Op('lstsq', lambda a, b: api(a).linalg.lstsq(a, b).solution, ((2, 4, 3), (2, 4, 2)),
       lambda a, b: np.linalg.pinv(a) @ b, per(full_rank, real)),
    Op('lstsq/vector', lambda a, b: api(a).linalg.lstsq(a, b).solution, ((4, 3), (4,)),
       lambda a, b: np.linalg.pinv(a) @ b, per(full_rank, real)),
    Op('lstsq/wide', lambda a, b: api(a).linalg.lstsq(a, b).solution, ((3, 5), (3, 2)),
       lambda a, b: np.linalg.pinv(a) @ b, per(full_rank, real)),
    *(Op(f'matrix_norm/{p}', lambda x, p=p: api(x).linalg.matrix_norm(x, p), (B,),
         lambda x, p=p: np.linalg.norm(x, p, (-2, -1)), per(spread_spectrum))
      for p in ('nuc', 2, -2)),
    # ops/statistics.py, ops/pointwise.py, ops/slicing.py, _top_level.py
    Op('quantile', lambda x: x.quantile(0.3, dim=1), (M,), lambda x: np.quantile(x, 0.3, 1),
       distinct),
    Op('quantile/q_tensor_keepdim', lambda x: api(x).quantile(x, const(x, [0.0, 0.4, 1.0]),
                                                              0, True), (M,),
       lambda x: np.quantile(x, [0.0, 0.4, 1.0], 0, keepdims=True), distinct),
    *(Op(f'quantile/{method}', lambda x, m=method: x.quantile(0.3, interpolation=m), (B,),
         lambda x, m=method: np.quantile(x, 0.3, method=m), distinct)
      for method in ('lower', 'higher', 'midpoint', 'nearest')),
    Op('nanquantile', lambda x: x.nanquantile(const(x, [0.25, 0.6]), dim=-1), (B,),
       lambda x: np.nanquantile(x, [0.25, 0.6], -1), distinct),
    Op('nanmedian', lambda x: tuple(x.nanmedian(1)), (M,),
       lambda x: (np.sort(x, 1)[:, 1], np.argsort(x, 1)[:, 1]), distinct),
    Op('nanmedian/all', lambda x: x.nanmedian(), (B,), lambda x: np.sort(x, None)[11],
       distinct),
    Op('mode', lambda x: tuple(x.mode(0, keepdim=True)), (M,),
       lambda x: (x.min(0, keepdims=True), x.argmin(0)[None]), distinct),
    Op('cumulative_trapezoid', lambda y: api(y).cumulative_trapezoid(y, dx=0.5), (M,),
       lambda y: np.cumsum((y[:, 1:] + y[:, :-1]) / 4, 1)),
    Op('cumulative_trapezoid/x', lambda y, x: api(y).cumulative_trapezoid(y, x, dim=0),
       (M, (3,)), lambda y, x: np.cumsum(np.diff(x)[:, None] * (y[1:] + y[:-1]) / 2, 0)),
    Op('trapz', lambda y: api(y).trapz(y, dim=0), (M,), lambda y: np.trapezoid(y, axis=0)),
    Op('copysign', lambda x, y: x.copysign(y.detach()), (M, S), np.copysign,
       per(nonzero)),
    Op('copysign/scalar', lambda x: api(x).copysign(x, -2.0), (M,),
       lambda x: np.copysign(x, -1.0), per(nonzero)),
    Op('ldexp', lambda x: x.ldexp(idx(x, [1, 2, 0, 3])), (M,),
       lambda x: x * 2.0 ** np.array([1, 2, 0, 3])),
    Op('ldexp/float_exponent', lambda x, e: api(x).ldexp(x, e), (M, S),
       lambda x, e: x * 2.0 ** e),
    Op('frexp', lambda x: x.frexp().mantissa, (M,), lambda x: np.frexp(x)[0],
       per(away_from(0.0, *(s * 2.0 ** k for s in (1, -1) for k in range(-4, 2)),
                     gap=0.02))),
    Op('rsub', lambda x, y: api(x).rsub(x, y, alpha=2), (M, S), lambda x, y: y - 2 * x),
    Op('rsub/scalar', lambda x: api(x).rsub(x, 1.5), (M,), lambda x: 1.5 - x),
    Op('select_scatter', lambda x, s: api(x).select_scatter(x, s, 1, 2), (M, (3,)),
       lambda x, s: np.concatenate([x[:, :2], s[:, None], x[:, 3:]], 1)),
    Op('slice_scatter', lambda x, s: x.slice_scatter(s, 1, 0, 4, 2), (M, (3, 2)),
       lambda x, s: np.stack([s[:, 0], x[:, 1], s[:, 1], x[:, 3]], 1)),
    Op('diagonal_scatter', lambda x, s: x.diagonal_scatter(s, 1), (M, (3,)),
       lambda x, s: scattered(x, (np.arange(3), np.arange(1, 4)), s)),
    Op('diagonal_scatter/dims', lambda x, s: api(x).diagonal_scatter(x, s, 0, 0, 2),
       (B, (3, 2)), lambda x, s: scattered(x, (np.arange(2), np.arange(3)[:, None],
                                               np.arange(2)), s)),
    Op('index_put', lambda x, v: x.index_put((idx(x, [2, 0]),), v), (M, S),
       lambda x, v: scattered(x, [2, 0], v)),
    Op('index_put/accumulate', lambda x, v: x.index_put(
        (idx(x, [0, 2, 0]), idx(x, [1, 1, 1])), v, accumulate=True), (M, (3,)),
       lambda x, v: added(x, ([0, 2, 0], [1, 1, 1]), v)),
    Op('put', lambda x, s: x.put(idx(x, [0, 5, -1]), s), (M, (3,)),
       lambda x, s: scattered(x.reshape(-1), [0, 5, -1], s).reshape(x.shape)),
    Op('put/accumulate', lambda x, s: api(x).put(x, idx(x, [1, 1, 7]), s, True), (M, (3,)),
       lambda x, s: added(x.reshape(-1), [1, 1, 7], s).reshape(x.shape)),
    Op('narrow_copy', lambda x: x.narrow_copy(1, 1, 2), (M,), lambda x: x[:, 1:3]),
    Op('chain_matmul', lambda a, b, c: quietly(api(a).chain_matmul, a, b, c),
       ((2, 3), (3, 4), (4, 2)), lambda a, b, c: a @ b @ c),
    Op('multi_dot', lambda a, b, c: api(a).linalg.multi_dot([a, b, c]), ((3,), M, S),
       lambda a, b, c: a @ b @ c),
    Op('addmv', lambda i, m, v: i.addmv(m, v, beta=0.5, alpha=2.0), ((3,), M, S),
       lambda i, m, v: 0.5 * i + 2.0 * (m @ v)),
    Op('addr', lambda i, a, b: api(i).addr(i, a, b, beta=0.5, alpha=-1.5), (M, (3,), S),
       lambda i, a, b: 0.5 * i - 1.5 * np.outer(a, b)),
    Op('addbmm', lambda i, b1, b2: i.addbmm(b1, b2, beta=0.5, alpha=2), ((3, 2), B, (2, 4, 2)),
       lambda i, b1, b2: 0.5 * i + 2 * (b1 @ b2).sum(0)),
    Op('ger', lambda a, b: a.ger(b), ((3,), S), np.outer),
    Op('dstack', lambda x, y: api(x).dstack([x, y]), (M, M), lambda x, y: np.dstack([x, y])),
    Op('hsplit', lambda x: x.hsplit(2), (M,), lambda x: tuple(np.hsplit(x, 2))),
    Op('vsplit', lambda x: api(x).vsplit(x, [1]), (M,), lambda x: tuple(np.vsplit(x, [1]))),
    Op('dsplit', lambda x: x.dsplit(2), (B,), lambda x: tuple(np.dsplit(x, 2))),
    Op('split_with_sizes', lambda x: x.split_with_sizes([1, 3], 1), (M,),
       lambda x: (x[:, :1], x[:, 1:])),
    Op('fill', lambda x, v: api(x).fill(x, v), (M, ()), lambda x, v: np.full_like(x, v)),
    Op('as_strided', lambda x: x.as_strided((2, 3), (4, 1), 2), (M,),
       lambda x: x.reshape(-1)[2 + 4 * np.arange(2)[:, None] + np.arange(3)]),
    Op('as_strided/overlapping', lambda x: api(x).as_strided(x.t(), (3, 3), (1, 2)), (M,),
       lambda x: x.reshape(-1)[np.arange(3)[:, None] + 2 * np.arange(3)]),
    # ops/special.py: the gamma family and erf's relatives
    Op('lgamma', lambda x: x.lgamma(), (B,), np.vectorize(math.lgamma), per(off_poles)),
    Op('lgamma/large', lambda x: api(x).lgamma(x * 20), (M,),
       lambda x: np.vectorize(math.lgamma)(x * 20), POS),
    Op('digamma', lambda x: x.digamma(), (B,), mp('digamma'), per(off_poles)),
    Op('polygamma/n=0', lambda x: api(x).polygamma(0, x), (M,), mp('digamma'), POS),
    # PyTorch's trigamma is good to 1e-10 from x = 5 (see special_functions.trigamma_numpy)
    Op('polygamma/n=1', lambda x: x.polygamma(1), (M,), mp('polygamma', 1),
       per(lambda rng, shape: rng.uniform(5.0, 9.0, shape))),
    Op('polygamma/n=2', lambda x: api(x).polygamma(2, x), (B,), mp('polygamma', 2),
       per(off_poles)),
    Op('polygamma/n=3', lambda x: api(x).polygamma(3, x * 3), (M,),
       lambda x: mp('polygamma', 3)(x * 3), POS),
    Op('erfinv', lambda x: x.erfinv(), (B,), mp('erfinv'), per(inside_unit)),
    Op('erfc', lambda x: api(x).erfc(x * 2), (B,), lambda x: np.vectorize(math.erfc)(x * 2)),
    Op('ndtri', lambda p: api(p).special.ndtri(p), (B,), ndtri_ref, per(unit)),
    Op('mvlgamma', lambda x: x.mvlgamma(3), (M,),
       lambda x: sum(np.vectorize(math.lgamma)(x - i / 2) for i in range(3))
       + 1.5 * math.log(math.pi), per(lambda rng, shape: rng.uniform(1.2, 4.0, shape))),
    Op('mvlgamma/p1', lambda x: api(x).mvlgamma(x, 1), (S,), np.vectorize(math.lgamma), POS),
    Op('xlog1py', lambda x, y: api(x).special.xlog1py(x, y), (M, M),
       lambda x, y: np.where(x == 0, 0, x * np.log1p(y)), per(some_zeros, positive)),
    Op('entr', lambda x: api(x).special.entr(x), (B,), lambda x: -x * np.log(x), POS),
    Op('ndtr', lambda x: api(x).special.ndtr(x), (B,),
       lambda x: 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    Op('log_ndtr', lambda x: api(x).special.log_ndtr(x), (B,), log_ndtr_ref,
       per(normal_tails)),
    Op('i0', lambda x: x.i0(), (B,), mp('besseli', 0)),
    Op('i0/large', lambda x: api(x).special.i0(x * 15), (M,),
       lambda x: mp('besseli', 0)(x * 15)),            # the asymptotic series above 20
    Op('i1', lambda x: api(x).special.i1(x), (B,), mp('besseli', 1)),
    Op('i1/large', lambda x: api(x).special.i1(x * 15), (M,),
       lambda x: mp('besseli', 1)(x * 15)),
    # ctc_loss of log_softmax outputs (its own gradient is PyTorch's, exp(lp) - posterior,
    # the true one only for normalised inputs); checked against every path summed
    *(Op(f'ctc_loss/{r}', lambda x, r=r: ctc_call(x, r), (CTC_SHAPE,),
         lambda x, r=r: ctc_brute_ref(x, r), gradgrad=False) for r in ('mean', 'none')),
    # Tensor.unfold: sliding windows as a new last dim (overlapping, and strided)
    Op('tensor_unfold', lambda x: x.unfold(1, 2, 1), (M,),
       lambda x: np.lib.stride_tricks.sliding_window_view(x, 2, axis=1)),
    # the complex API on real tensors: angle is pi below 0, else 0, with a zero gradient
    Op('angle', lambda x: api(x).angle(x), (M,), lambda x: np.where(x < 0, np.pi, 0.0),
       per(nonzero), gradgrad=False),
    Op('tensor_unfold/step', lambda x: x.unfold(-1, 3, 2).unfold(0, 2, 1), (B,),
       lambda x: np.lib.stride_tricks.sliding_window_view(
           np.lib.stride_tricks.sliding_window_view(x, 3, axis=-1)[..., ::2, :], 2, axis=0)),
]


# fractional max pooling with fixed samples (width, height pairs per plane in 2-d; time,
# height, width in 3-d), against windows placed by the same pseudo-random sequence in NumPy
FRACTIONAL_2D = [[[0.3, 0.7], [0.55, 0.2]]]
FRACTIONAL_3D = [[[0.4, 0.1, 0.8]]]


def fractional_starts_ref(u, size, out, kernel):
    alpha = (size - kernel) / (out - 1)
    return [int((i + u) * alpha) - int(u * alpha) for i in range(out - 1)] + [size - kernel]


def fractional_pool_ref(x, kernel, outs, samples, order):
    out = np.empty(x.shape[:2] + tuple(outs))
    dims = len(outs)
    for b, c in np.ndindex(*x.shape[:2]):
        starts = [fractional_starts_ref(samples[b][c][order[d]], x.shape[2 + d], outs[d],
                                        kernel) for d in range(dims)]
        for where in np.ndindex(*outs):
            window = tuple(slice(starts[d][i], starts[d][i] + kernel)
                           for d, i in enumerate(where))
            out[(b, c) + where] = x[(b, c) + window].max()
    return out


def fractional_samples(x, values):
    return api(x).tensor(values, dtype=x.dtype, device=x.device)


OPS += [
    Op('fractional_max_pool2d', lambda x: nnF(x).fractional_max_pool2d(
        x, 2, output_size=(3, 4), _random_samples=fractional_samples(x, FRACTIONAL_2D)),
       ((1, 2, 5, 6),), lambda x: fractional_pool_ref(x, 2, (3, 4), FRACTIONAL_2D, (1, 0))),
    Op('fractional_max_pool3d', lambda x: nnF(x).fractional_max_pool3d(
        x, 2, output_size=(2, 3, 2), _random_samples=fractional_samples(x, FRACTIONAL_3D)),
       ((1, 1, 4, 5, 4),),
       lambda x: fractional_pool_ref(x, 2, (2, 3, 2), FRACTIONAL_3D, (0, 1, 2))),
]


# ---- LU and the rest of torch.linalg: matrix_exp, householder_product, the _ex forms,
# tensorinv, tensorsolve, linalg.vander

def lu_ref(a):
    """(P, L, U) and getrf's packed LU, by Doolittle's elimination with partial pivoting,
    one matrix at a time."""
    m, n = a.shape[-2:]
    k = min(m, n)
    flat = a.reshape((-1, m, n))
    packed, perms = np.array(flat, dtype=float), []
    for lu in packed:
        perm = list(range(m))
        for j in range(k):
            p = j + int(np.argmax(np.abs(lu[j:, j])))
            lu[[j, p]] = lu[[p, j]]
            perm[j], perm[p] = perm[p], perm[j]
            lu[j + 1:, j] /= lu[j, j]
            lu[j + 1:, j + 1:] -= np.outer(lu[j + 1:, j], lu[j, j + 1:])
        perms.append(perm)
    packed = packed.reshape(a.shape)
    p = np.zeros(a.shape[:-2] + (m, m)).reshape((-1, m, m))
    for b, perm in enumerate(perms):
        p[b, perm, np.arange(m)] = 1.0
    lower = np.tril(packed[..., :, :k], -1) + np.eye(m, k)
    return p.reshape(a.shape[:-2] + (m, m)), lower, np.triu(packed[..., :k, :]), packed


def pivoted(rng, shape):
    """full_rank matrices with their rows reversed: partial pivoting has rows to swap, and
    no pivot comes near a tie."""
    return full_rank(rng, shape)[..., ::-1, :].copy()


def lu_solve_ref(a, b, left=True, adjoint=False):
    a = a.swapaxes(-1, -2) if adjoint else a
    if left:
        return np.linalg.solve(a, b)
    return np.linalg.solve(a.swapaxes(-1, -2), b.swapaxes(-1, -2)).swapaxes(-1, -2)


def matrix_exp_ref(a):
    """The Taylor series, to 60 terms (the inputs' norms are small)."""
    term = np.broadcast_to(np.eye(a.shape[-1]), a.shape).copy()
    total = term.copy()
    for k in range(1, 60):
        term = term @ a / k
        total = total + term
    return total


def householder_ref(a, tau):
    m, n = a.shape[-2:]
    v = np.tril(a, -1) + np.eye(m, n)
    q = np.broadcast_to(np.eye(m), a.shape[:-2] + (m, m)).copy()
    for i in range(tau.shape[-1]):
        vi = v[..., :, i:i + 1]
        q = q - (q @ vi) @ vi.swapaxes(-1, -2) * tau[..., i, None, None]
    return q[..., :, :n]


def small(rng, shape):
    return rng.uniform(-0.5, 0.5, shape)


def reshaped_well_conditioned(rows):
    """well_conditioned matrices of `rows` rows, reshaped to the row's shape (tensorinv's and
    tensorsolve's inputs)."""
    def draw(rng, shape):
        size = int(np.prod(shape))
        return well_conditioned(rng, (rows, size // rows)).reshape(shape)
    return draw


def small_diagonal(rng, shape):
    """Matrices whose symmetric part has a small diagonal (Bunch-Kaufman then takes 2x2
    pivots and swaps) and is well conditioned."""
    while True:
        a = rng.uniform(-1.0, 1.0, shape)
        a[..., np.arange(shape[-1]), np.arange(shape[-1])] *= 0.05
        s = a + a.swapaxes(-1, -2)
        if np.all(np.abs(np.linalg.eigvalsh(s)) > 0.3):
            return a


def ldl_ref(a):
    """LD for a diagonally dominant positive-definite matrix, where Bunch-Kaufman takes 1x1
    pivots without swaps: L D L^T from the Cholesky factor C = L diag(sqrt(D)). (The 2x2
    pivots and swaps are checked against PyTorch by test_decompositions.)"""
    c = np.linalg.cholesky(a)
    d = np.diagonal(c, 0, -2, -1)
    n = a.shape[-1]
    return np.tril(c / d[..., None, :], -1) + (d ** 2)[..., None, :] * np.eye(n)


def solve_vector_ref(a, b):
    return np.linalg.solve(a, np.broadcast_to(b, a.shape[:-1])[..., None])[..., 0]


OPS += [
    Op('lu_factor', lambda a: api(a).linalg.lu_factor(a).LU, ((2, 3, 3),),
       lambda a: lu_ref(a)[3], per(pivoted)),
    Op('lu_factor/ex_tall', lambda a: api(a).linalg.lu_factor_ex(a).LU, ((4, 3),),
       lambda a: lu_ref(a)[3], per(pivoted)),
    Op('lu_factor/wide', lambda a: api(a).linalg.lu_factor(a).LU, ((2, 3, 5),),
       lambda a: lu_ref(a)[3], per(pivoted)),
    # (L and U: P, a function of the pivots, has no gradient, and is checked by
    # test_decompositions)
    Op('lu', lambda a: tuple(api(a).linalg.lu(a))[1:], ((3, 3),), lambda a: lu_ref(a)[1:3],
       per(pivoted)),
    Op('lu/tall', lambda a: tuple(api(a).linalg.lu(a))[1:], ((2, 4, 3),),
       lambda a: lu_ref(a)[1:3], per(pivoted)),
    Op('lu/wide', lambda a: tuple(api(a).linalg.lu(a))[1:], ((3, 4),), lambda a: lu_ref(a)[1:3],
       per(pivoted)),
    Op('lu_unpack', lambda a: tuple(api(a).lu_unpack(*api(a).linalg.lu_factor(a)))[1:],
       ((2, 4, 3),), lambda a: lu_ref(a)[1:3], per(pivoted)),
    Op('lu_solve', lambda a, b: api(a).linalg.lu_solve(*api(a).linalg.lu_factor(a), b),
       ((2, 3, 3), (3, 2)), lu_solve_ref, per(pivoted, real)),
    Op('lu_solve/adjoint_right', lambda a, b: api(a).linalg.lu_solve(
        *api(a).linalg.lu_factor(a), b, left=False, adjoint=True), ((3, 3), (2, 2, 3)),
       lambda a, b: lu_solve_ref(a, b, False, True), per(pivoted, real)),
    Op('matrix_exp', lambda a: api(a).linalg.matrix_exp(a), ((2, 3, 3),), matrix_exp_ref),
    Op('matrix_exp/method', lambda a: a.matrix_exp(), ((4, 4),), matrix_exp_ref, per(small)),
    Op('householder_product', lambda a, t: api(a).linalg.householder_product(a, t),
       ((2, 4, 3), (2, 2)), householder_ref, per(small)),
    Op('householder_product/orgqr', lambda a, t: a.orgqr(t), ((3, 3), (3,)), householder_ref,
       per(small)),
    Op('inv_ex', lambda a: api(a).linalg.inv_ex(a).inverse, ((2, 3, 3),), np.linalg.inv,
       per(well_conditioned)),
    Op('solve_ex', lambda a, b: api(a).linalg.solve_ex(a, b).result, ((2, 3, 3), (3,)),
       solve_vector_ref, per(well_conditioned, real)),
    Op('tensorinv', lambda a: api(a).linalg.tensorinv(a, ind=1), ((6, 2, 3),),
       lambda a: np.linalg.tensorinv(a, 1), per(reshaped_well_conditioned(6))),
    Op('tensorsolve', lambda a, b: api(a).linalg.tensorsolve(a, b), ((2, 3, 6), (2, 3)),
       np.linalg.tensorsolve, per(reshaped_well_conditioned(6), real)),
    Op('tensorsolve/dims', lambda a, b: api(a).linalg.tensorsolve(a, b, dims=(0,)),
       ((6, 2, 3), (2, 3)), lambda a, b: np.linalg.tensorsolve(a, b, (0,)),
       per(lambda rng, s: reshaped_well_conditioned(6)(rng, (2, 3, 6)).transpose(2, 0, 1),
           real)),
    Op('linalg_vander', lambda x: api(x).linalg.vander(x, N=4), ((2, 3),),
       lambda x: x[..., None] ** np.arange(4)),
    # (no derivative in PyTorch either: symmetric inputs made from detached ones)
    Op('ldl_factor', lambda a: api(a).linalg.ldl_factor(a.detach() + a.detach().mT).LD,
       ((2, 4, 4),), lambda a: ldl_ref(a + a.swapaxes(-1, -2)), per(well_conditioned),
       nograd=True),
    Op('ldl_solve', lambda a, b: api(a).linalg.ldl_solve(
        *api(a).linalg.ldl_factor(a.detach() + a.detach().mT), b.detach()),
       ((2, 4, 4), (4, 2)), lambda a, b: np.linalg.solve(a + a.swapaxes(-1, -2), b),
       per(small_diagonal, real), nograd=True),
]

ROWS = {row.name: row for row in OPS}
assert len(ROWS) == len(OPS), 'row names must be unique'

LOSSES = ('mse_loss', 'l1_loss', 'smooth_l1_loss', 'binary_cross_entropy',
          'binary_cross_entropy_with_logits', 'cross_entropy', 'nll_loss')
NN_OPS = ('leaky_relu', 'softplus', 'silu', 'elu', 'gelu', 'linear', 'dropout', 'layer_norm',
          'batch_norm', 'embedding', 'conv2d', 'max_pool2d', 'avg_pool2d', 'conv1d',
          'max_pool1d', 'avg_pool1d', 'adaptive_avg_pool2d', 'adaptive_avg_pool1d', 'group_norm',
          'cosine_similarity', 'pairwise_distance', 'kl_div', 'pad') + LOSSES

# The ops the table must cover: a new op adds its name here and its rows above.
REQUIRED_OPS = {
    'add', 'sub', 'mul', 'div', 'pow', 'matmul', 'neg', 'abs', 'exp', 'log', 'sqrt', 'sin',
    'cos', 'tanh', 'sigmoid', 'relu', 'clamp', 'maximum', 'minimum', 'where', 'sum', 'mean',
    'var', 'std', 'max', 'min', 'amax', 'argmax', 'logsumexp', 'softmax', 'log_softmax', 'mm',
    'bmm', 'reshape', 'view', 'flatten', 'squeeze', 'unsqueeze', 'transpose', 'permute',
    'expand', 'contiguous', 'T', 'cat', 'stack', 'split', 'chunk', 'index', 'reciprocal',
    'gather', 'log1p', 'expm1', 'log2', 'log10', 'rsqrt', 'tan', 'square', 'sign', 'floor',
    'ceil', 'trunc', 'round', 'remainder', 'fmod', 'masked_fill', 'narrow', 'unbind', 'repeat',
    'prod', 'cumsum', 'norm', 'flip', 'tril', 'triu', 'index_select', 'outer', 'diagonal', 'diag',
    'trace', 'masked_select', 'addmm', 'clamp_min', 'sort', 'msort', 'argsort', 'topk', 'median',
    'kthvalue', 'roll', 'repeat_interleave', 'tile', 'hstack', 'vstack', 'column_stack',
    'broadcast_to', 'meshgrid', 'lerp', 'logaddexp', 'hypot', 'sinh', 'cosh', 'asin', 'acos',
    'atan', 'asinh', 'acosh', 'atanh', 'atan2', 'addcmul', 'addcdiv', 'mv', 'inner',
    'tensordot', 'einsum', 'movedim', 'swapaxes', 'fliplr', 'flipud', 'rot90', 'tensor_split',
    'diff', 'deg2rad', 'rad2deg', 'nan_to_num', 'nansum', 'nanmean', 'dist', 'atleast_3d',
    'scatter', 'scatter_add', 'scatter_reduce', 'index_add', 'index_copy', 'index_fill', 'take',
    'take_along_dim', 'select', 'masked_scatter', *NN_OPS,
}
TORCH_FUNCTION_OPS = {
    'cumprod', 'logcumsumexp', 'cummax', 'cummin', 'vander', 'cartesian_prod', 'combinations',
    'block_diag', 'kron', 'cross', 'diag_embed', 'diagflat', 'vdot', 'trapezoid', 'xlogy',
    'float_power', 'fmax', 'fmin', 'heaviside', 'renorm', 'cov', 'corrcoef', 'cdist', 'baddbmm',
    'unflatten', 'vector_norm', 'matrix_norm', 'vecdot', 'inv', 'det', 'solve'}
REQUIRED_OPS |= TORCH_FUNCTION_OPS
REQUIRED_VARIANTS = {
    'add/bcast', 'add/scalar_left', 'add/scalar_right', 'sub/scalar_left', 'sub/scalar_right',
    'mul/scalar_left', 'mul/scalar_right', 'div/scalar_left', 'div/scalar_right',
    'pow/scalar**tensor', 'pow/tensor**tensor',
    'clamp/min', 'clamp/max', 'clamp/both',
    *(f'{r}/{v}' for r in ('sum', 'mean', 'var', 'std') for v in ('all', 'dim', 'dims',
                                                                 'keepdim')),
    'var/unbiased_false', 'std/unbiased_false',
    'max/all', 'max/dim', 'min/all', 'min/dim',
    'matmul/1d@1d', 'matmul/1d@2d', 'matmul/2d@1d', 'matmul/2d@2d', 'matmul/3d@3d',
    'matmul/3d@2d', 'matmul/2d@3d', 'matmul/4d_bcast',
    'index/int', 'index/slice', 'index/none', 'index/ellipsis', 'index/tensor_repeated',
    'index/bool_mask',
    *(f'{loss}/{r}' for loss in LOSSES for r in ('mean', 'sum', 'none')),
    'linear/no_bias', 'linear/3d', 'linear/1d', 'dropout/train',
}
# Rows whose second derivatives must be checked (at least these; more rows may set the flag).
REQUIRED_GRADGRAD_OPS = {
    'add', 'sub', 'mul', 'div', 'pow', 'neg', 'abs', 'exp', 'log', 'sqrt', 'sin', 'cos',
    'tanh', 'sigmoid', 'relu', 'clamp', 'maximum', 'minimum', 'where', 'matmul', 'mm', 'bmm',
    'softmax', 'log_softmax', 'logsumexp', 'log1p', 'expm1', 'log2', 'log10', 'rsqrt', 'tan',
    'square', 'remainder', 'fmod', 'masked_fill', 'repeat', 'prod', 'cumsum', 'norm', 'sinh',
    'cosh', 'asin', 'acos', 'atan', 'asinh', 'acosh', 'atanh', 'atan2', *NN_OPS,
}

ACTIVATION_OPS = {'hardtanh', 'relu6', 'softsign', 'mish', 'selu', 'celu', 'hardsigmoid',
                  'hardswish', 'softshrink', 'hardshrink', 'tanhshrink', 'threshold', 'erf',
                  'exp2', 'frac', 'softmin', 'prelu'}
REQUIRED_OPS |= ACTIVATION_OPS
REQUIRED_GRADGRAD_OPS |= ACTIVATION_OPS
REQUIRED_GRADGRAD_OPS |= TORCH_FUNCTION_OPS - {'heaviside'}
NUMERIC_OPS = {'logit', 'sinc', 'logaddexp2', 'aminmax', 'ravel', 'sgn', 'positive', 'slogdet',
               'logdet', 'matrix_power'}
REQUIRED_OPS |= NUMERIC_OPS
REQUIRED_GRADGRAD_OPS |= NUMERIC_OPS - {'sgn'}
REQUIRED_OPS.add('embedding_bag')
REQUIRED_GRADGRAD_OPS.add('embedding_bag')
NN_MORE_OPS = {'cosine_embedding_loss', 'margin_ranking_loss', 'hinge_embedding_loss',
               'soft_margin_loss', 'multilabel_soft_margin_loss', 'multi_margin_loss',
               'multilabel_margin_loss', 'triplet_margin_loss',
               'triplet_margin_with_distance_loss', 'gaussian_nll_loss', 'poisson_nll_loss',
               'glu', 'rms_norm', 'local_response_norm', 'pixel_shuffle', 'pixel_unshuffle',
               'unfold', 'fold', 'lp_pool2d', 'lp_pool1d', 'max_unpool2d', 'max_unpool1d',
               'pdist', 'rrelu', 'grid_sample', 'affine_grid', 'conv3d', 'max_pool3d',
               'avg_pool3d', 'adaptive_avg_pool3d', 'adaptive_max_pool3d'}
REQUIRED_OPS |= NN_MORE_OPS
REQUIRED_GRADGRAD_OPS |= NN_MORE_OPS
DECOMPOSITION_OPS = {'cholesky', 'solve_triangular', 'cholesky_solve', 'qr', 'eigh', 'eigvalsh',
                     'svd', 'svdvals', 'pinv', 'matrix_rank', 'cond', 'lstsq'}
REQUIRED_OPS |= DECOMPOSITION_OPS
REQUIRED_GRADGRAD_OPS |= DECOMPOSITION_OPS - {'matrix_rank'}


MORE_TORCH_OPS = {
    'quantile', 'nanquantile', 'nanmedian', 'mode', 'cumulative_trapezoid', 'trapz',
    'copysign', 'ldexp', 'frexp', 'rsub', 'select_scatter', 'slice_scatter',
    'diagonal_scatter', 'index_put', 'put', 'narrow_copy', 'chain_matmul', 'addmv', 'addr',
    'addbmm', 'ger', 'dstack', 'hsplit', 'vsplit', 'dsplit', 'split_with_sizes', 'fill',
    'multi_dot', 'as_strided'}
REQUIRED_OPS |= MORE_TORCH_OPS
REQUIRED_GRADGRAD_OPS |= MORE_TORCH_OPS
LU_MORE_OPS = {'lu_factor', 'lu', 'lu_unpack', 'lu_solve', 'matrix_exp', 'householder_product',
               'inv_ex', 'solve_ex', 'tensorinv', 'tensorsolve', 'linalg_vander', 'ldl_factor',
               'ldl_solve'}
SPECIAL_OPS = {'lgamma', 'digamma', 'polygamma', 'erfinv', 'erfc', 'ndtri', 'mvlgamma',
               'xlog1py', 'entr', 'ndtr', 'log_ndtr', 'i0', 'i1'}
REQUIRED_OPS |= SPECIAL_OPS
REQUIRED_GRADGRAD_OPS |= SPECIAL_OPS
REQUIRED_OPS.add('tensor_unfold')
REQUIRED_GRADGRAD_OPS.add('tensor_unfold')
REQUIRED_OPS.add('angle')
REQUIRED_OPS |= LU_MORE_OPS
REQUIRED_GRADGRAD_OPS |= LU_MORE_OPS - {'ldl_factor', 'ldl_solve'}


def test_table_covers_required_ops():
    assert REQUIRED_OPS - {row.op for row in OPS} == set()
    assert REQUIRED_VARIANTS - set(ROWS) == set()
    for row in OPS:
        if row.op in REQUIRED_GRADGRAD_OPS:
            assert row.gradgrad, f'{row.name} must check second derivatives'


# ---- the checks ----------------------------------------------------------------------------

def _inputs(row, rng, dtype, device, requires_grad=False):
    arrays = row.domain(rng, row.shapes)
    tensors = [microtorch.tensor(a, dtype=dtype, device=device, requires_grad=requires_grad)
               for a in arrays]
    return arrays, tensors


def _as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _host(t):
    return t.detach().cpu().numpy()


def _check_forward(row, rng, device, dtype, rtol, atol):
    _, tensors = _inputs(row, rng, dtype, device)
    # The reference sees the inputs as rounded to `dtype`, so only the op's error is measured.
    expected = _as_list(row.ref(*[t.double().cpu().numpy() for t in tensors]))
    got = _as_list(row.fn(*tensors))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert isinstance(g, microtorch.Tensor)
        assert g.device == microtorch.device(device)
        e = np.asarray(e)
        assert tuple(g.shape) == e.shape
        if e.dtype.kind == 'f':
            assert g.dtype is dtype
            np.testing.assert_allclose(_host(g), e, rtol=rtol, atol=atol)
        else:                            # indices: exact, int64 as in PyTorch
            assert g.dtype is microtorch.int64
            np.testing.assert_array_equal(_host(g), e)


@pytest.mark.parametrize('row', OPS, ids=lambda r: r.name)
def test_forward_float64(row, device, rng):
    _check_forward(row, rng, device, microtorch.float64, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('row', OPS, ids=lambda r: r.name)
def test_forward_float32(row, device, rng):
    _check_forward(row, rng, device, microtorch.float32, rtol=2e-6, atol=2e-6)


GRAD_ROWS = [row for row in OPS if row.grad]
GRADGRAD_ROWS = [row for row in OPS if row.grad and row.gradgrad]


@pytest.mark.parametrize('row', GRAD_ROWS, ids=lambda r: r.name)
def test_gradcheck(row, device, rng):
    _, tensors = _inputs(row, rng, microtorch.float64, device, requires_grad=True)
    assert gradcheck(row.fn, tensors)


@pytest.mark.parametrize('row', GRAD_ROWS, ids=lambda r: r.name)
def test_plain_backward_matches_the_recorded_one(row, device, rng):
    """A plain backward runs the ops' backward_data on arrays; create_graph runs their Tensor
    backward. Both must give the same gradients, into .grad as through autograd.grad."""
    _, tensors = _inputs(row, rng, microtorch.float64, device, requires_grad=True)
    outputs = [o for o in _as_list(row.fn(*tensors)) if o.requires_grad]
    seeds = [microtorch.tensor(rng.standard_normal(tuple(o.shape)), device=device)
             for o in outputs]
    recorded = microtorch.autograd.grad(outputs, tensors, seeds, retain_graph=True,
                                        create_graph=True, allow_unused=True)
    microtorch.autograd.backward(outputs, seeds)
    for t, r in zip(tensors, recorded):
        if r is None:
            assert t.grad is None or not _host(t.grad).any()
            continue
        assert t.grad is not None and t.grad.shape == t.shape and t.grad.dtype is t.dtype
        assert not t.grad.requires_grad
        np.testing.assert_allclose(_host(t.grad), _host(r), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize('row', OPS, ids=lambda r: r.name)
def test_requires_grad_flags(row, device, rng):
    """Float outputs of differentiable rows require grad; indices (argmax, max's .indices)
    never do."""
    _, tensors = _inputs(row, rng, microtorch.float64, device, requires_grad=True)
    for out in _as_list(row.fn(*tensors)):
        assert out.requires_grad == (row.grad and out.is_floating_point())
        assert (out.grad_fn is not None) == out.requires_grad


@pytest.mark.parametrize('row', GRADGRAD_ROWS, ids=lambda r: r.name)
def test_gradgradcheck(row, device, rng):
    _, tensors = _inputs(row, rng, microtorch.float64, device, requires_grad=True)
    assert gradgradcheck(row.fn, tensors)


@pytest.mark.parametrize('row', OPS, ids=lambda r: r.name)
def test_against_torch(row, device, rng, torch):
    """PyTorch as a second oracle: same forward values, same gradients (float64)."""
    arrays = row.domain(rng, row.shapes)
    mine = [microtorch.tensor(a, device=device, requires_grad=row.grad) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=row.grad) for a in arrays]
    fn = row.torch_fn or row.fn
    got, expected = _as_list(row.fn(*mine)), _as_list(fn(*theirs))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert tuple(g.shape) == tuple(e.shape)
        assert g.dtype.is_floating_point == e.dtype.is_floating_point
        np.testing.assert_allclose(_host(g), e.detach().numpy(), rtol=1e-10, atol=1e-12)
    if not row.grad:
        return
    # One random cotangent per differentiable output, the same on both sides.
    pairs = [(g, e) for g, e in zip(got, expected) if e.requires_grad]
    seeds = [rng.standard_normal(tuple(e.shape)) for _, e in pairs]
    my_grads = microtorch.autograd.grad(
        [g for g, _ in pairs], mine, [microtorch.tensor(s, device=device) for s in seeds],
        allow_unused=True)
    their_grads = torch.autograd.grad([e for _, e in pairs], theirs,
                                      [torch.tensor(s) for s in seeds], allow_unused=True)
    for i, (g, e) in enumerate(zip(my_grads, their_grads)):
        if e is None:
            assert g is None or not _host(g).any(), f'input {i}: torch gives no grad'
            continue
        assert g is not None, f'input {i}: no grad'
        np.testing.assert_allclose(_host(g), e.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f'grad of input {i}')


# ---- the scatter family: what the table's smooth inputs leave out ------------------------

def _grads_both(torch, fn, arrays, seed):
    """fn's value and the gradients of its float inputs, in microtorch and in PyTorch."""
    out = []
    for lib in (microtorch, torch):
        tensors = [lib.tensor(a, requires_grad=a.dtype.kind == 'f') if isinstance(a, np.ndarray)
                   else a for a in arrays]
        y = fn(lib, *tensors)
        leaves = [t for t in tensors if getattr(t, 'requires_grad', False)]
        grads = lib.autograd.grad(y, leaves, lib.tensor(seed), allow_unused=True)
        out.append((y.detach().numpy(), [None if g is None else g.numpy() for g in grads]))
    return out


@pytest.mark.parametrize('reduce', ['sum', 'prod', 'mean', 'amax', 'amin'])
@pytest.mark.parametrize('include_self', [True, False])
def test_scatter_reduce_ties_and_zeros_as_torch(reduce, include_self, torch, rng):
    """Ties share amax/amin's gradient evenly (x counted even without include_self, as
    PyTorch counts it); prod's gradient holds through lone zeros of x and of src."""
    x = np.array([[1.0, 3.0, 0.0, 2.0], [3.0, 0.0, 2.0, 2.0], [0.0, 3.0, 2.0, 1.0]])
    src = np.array([[3.0, 3.0, 0.0, 2.0], [1.0, 3.0, 2.0, 0.0]])
    index = [[0, 0, 2, 1], [0, 2, 2, 1]]
    seed = rng.standard_normal(x.shape)

    def fn(lib, x, s):
        return x.scatter_reduce(0, lib.tensor(index), s, reduce, include_self=include_self)
    (mine, my_grads), (theirs, their_grads) = _grads_both(torch, fn, [x, src], seed)
    np.testing.assert_allclose(mine, theirs, rtol=1e-12)
    for g, e in zip(my_grads, their_grads):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


def test_scatter_reduce_mean_of_integers_rounds_down_as_torch(torch):
    for include_self in (True, False):
        got, expected = (lib.zeros(3, dtype=lib.int64).scatter_reduce(
            0, lib.tensor([1, 1, 2]), lib.tensor([-2, -3, 5]), 'mean',
            include_self=include_self) for lib in (microtorch, torch))
        assert got.tolist() == expected.tolist()


def test_scatter_reduce_integer_extremes_without_self(torch):
    for reduce in ('amax', 'amin', 'prod'):
        got, expected = (lib.tensor([7, 7, 7]).scatter_reduce(
            0, lib.tensor([0, 0, 2]), lib.tensor([-4, 9, 3]), reduce, include_self=False)
            for lib in (microtorch, torch))
        assert got.tolist() == expected.tolist(), reduce


INPLACE_SCATTERS = [
    ('scatter_', lambda lib, s: (0, lib.tensor([[2, 0, 1, 1]]), s[:1])),
    ('scatter_', lambda lib, s: (1, lib.tensor([[3], [0], [1]]), -1.5)),
    ('scatter_add_', lambda lib, s: (0, lib.tensor([[2, 2, 1, 1]]), s[:1])),
    ('scatter_reduce_', lambda lib, s: (0, lib.tensor([[2, 2, 1, 1]]), s[:1], 'amax')),
    ('index_add_', lambda lib, s: (1, lib.tensor([3, 3]), s[:, :2])),
    ('index_copy_', lambda lib, s: (1, lib.tensor([3, 0]), s[:, :2])),
    ('index_fill_', lambda lib, s: (1, lib.tensor([3, 0]), 0.25)),
    ('masked_scatter_', lambda lib, s: (lib.tensor([True, False, True, False]), s)),
]


@pytest.mark.parametrize('name, args', INPLACE_SCATTERS, ids=[f'{n}{i}' for i, (n, _) in
                                                               enumerate(INPLACE_SCATTERS)])
def test_scatter_family_in_place_as_torch(name, args, torch, rng):
    """x.op_(...) writes op(x, ...) into x (its version goes up), takes its history, and a
    leaf that requires grad refuses it, as in PyTorch."""
    x0, s0, seed = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), \
        rng.standard_normal((3, 4))
    results = []
    for lib in (microtorch, torch):
        leaf = lib.tensor(x0, requires_grad=True)
        src = lib.tensor(s0, requires_grad=True)
        with pytest.raises(RuntimeError, match='a leaf Variable that requires grad'):
            getattr(leaf, name)(*args(lib, src))
        x = leaf * 1
        version = x._version
        assert getattr(x, name)(*args(lib, src)) is x
        assert x._version == version + 1
        grads = lib.autograd.grad(x, (leaf, src), lib.tensor(seed), allow_unused=True)
        plain = lib.tensor(x0)
        getattr(plain, name)(*args(lib, lib.tensor(s0)))
        results.append((x.detach().numpy(), plain.numpy(),
                        [None if g is None else g.numpy() for g in grads]))
    (x, plain, grads), (tx, tplain, tgrads) = results
    np.testing.assert_allclose(x, tx, rtol=1e-12)
    np.testing.assert_allclose(plain, tplain, rtol=1e-12)
    for g, e in zip(grads, tgrads):
        assert (g is None or not g.any()) if e is None else np.allclose(g, e, rtol=1e-12)


def test_select_is_a_view(torch):
    """select shares the input's storage both ways, as narrow and basic indexing do."""
    for lib in (microtorch, torch):
        x = lib.zeros(2, 3)
        row = x.select(1, -1)
        row[0] = 5.0
        x[1, 2] = 7.0
        assert row.tolist() == [5.0, 7.0] and x[:, 2].tolist() == [5.0, 7.0]
        assert row._base is x


def test_scatter_with_a_larger_src_has_no_gradient_shape(torch):
    """PyTorch lets src be larger than index, but the gather that is its gradient has
    index's shape: a backward into such a src fails in both libraries."""
    for lib in (microtorch, torch):
        src = lib.ones(3, 5, requires_grad=True)
        y = lib.zeros(3, 4).scatter(0, lib.tensor([[0, 1, 2, 0]]), src)
        assert y[0].tolist() == [1.0, 0.0, 0.0, 1.0]
        with pytest.raises(RuntimeError):
            y.sum().backward()


@pytest.mark.parametrize('size', [1000, 100000])          # NumPy's and Numba's paths
@pytest.mark.parametrize('exponent', [3, -1, -2, -0.5])
def test_pow_rounds_as_pytorch_for_its_product_exponents(torch, size, exponent):
    """PyTorch computes x ** 3 as x * x * x (and -2, -0.5 by products and roots), and its
    backward as gy * (exponent * x ** (exponent - 1)): bit for bit here, float32 and 64."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(size) * 3
    x = np.abs(x) if exponent == -0.5 else x
    gy = rng.standard_normal(size)
    for dtype in (np.float32, np.float64):
        results = []
        for lib in (microtorch, torch):
            t = lib.from_numpy(x.astype(dtype)).requires_grad_()
            y = t ** exponent
            y.backward(lib.from_numpy(gy.astype(dtype)))
            results.append((y.detach().numpy().tobytes(), t.grad.numpy().tobytes()))
        assert results[0][0] == results[1][0]
        if exponent in (3, -1):          # x ** -3 and x ** -1.5 are PyTorch's own pow's
            assert results[0][1] == results[1][1]
    specials = [-0.0, 0.0, -math.inf, math.inf, -4.0, math.nan]    # 1 / sqrt(x) at -0: -inf
    assert (microtorch.tensor(specials) ** exponent).tolist() == pytest.approx(
        (torch.tensor(specials) ** exponent).tolist(), nan_ok=True)
