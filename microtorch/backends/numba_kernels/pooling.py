"""The pooling kernel pairs, as PyTorch's CPU kernels compute them (cpu.max_pool_forward's
and cpu.avg_pool_forward's NumPy forms give the same numbers).

Max pooling:

Each window is clipped to the input (padding and ceil_mode's overhang are never read); its
walk starts from `lowest` (-inf for floats) at the first element inside, and takes an element
that is larger than the best so far, or NaN: so the first of equal maxima, the last NaN, and
the window's first element when nothing beats `lowest`. The index is the element's place in
its (D, H, W) plane. The backward adds each output's gradient to the element it came from, a
task per plane, in the outputs' order (np.add.at's, and PyTorch's CPU loop's).

Average pooling: each window clipped to the input, summed in the input's dtype from 0 in
row-major order, then divided by the window's factor (its size, padding counted or not, or the
divisor given: the caller works them out). The backward adds gy / factor to each element of
the window, a task per plane, in the outputs' order.
"""
import numba
from numba import prange

_OPTIONS = dict(cache=True, error_model='numpy')


@numba.njit(inline='always')
def _start(o, stride, padding, dilation):
    """The window's first element inside the input along a dim, from its start at o."""
    first = o * stride - padding
    while first < 0:
        first += dilation
    return first


@numba.njit(parallel=True, **_OPTIONS)
def max_pool_planes(x, out, index, kernel, stride, padding, dilation, lowest):
    """out[p, a, b, e], index[p, a, b, e] = the max of x[p]'s window at (a, b, e) and its
    place in the plane (x (P, D, H, W), any strides; the rest 3-tuples)."""
    planes, depth, height, width = x.shape
    _, n0, n1, n2 = out.shape
    for p in prange(planes):
        for a in range(n0):
            z0 = _start(a, stride[0], padding[0], dilation[0])
            z1 = min(a * stride[0] - padding[0] + (kernel[0] - 1) * dilation[0] + 1, depth)
            for b in range(n1):
                y0 = _start(b, stride[1], padding[1], dilation[1])
                y1 = min(b * stride[1] - padding[1] + (kernel[1] - 1) * dilation[1] + 1,
                         height)
                for e in range(n2):
                    x0 = _start(e, stride[2], padding[2], dilation[2])
                    x1 = min(e * stride[2] - padding[2] + (kernel[2] - 1) * dilation[2] + 1,
                             width)
                    best = lowest
                    at = (z0 * height + y0) * width + x0
                    for z in range(z0, z1, dilation[0]):
                        for y in range(y0, y1, dilation[1]):
                            for w in range(x0, x1, dilation[2]):
                                v = x[p, z, y, w]
                                if v > best or v != v:
                                    best = v
                                    at = (z * height + y) * width + w
                    out[p, a, b, e] = best
                    index[p, a, b, e] = at


@numba.njit(parallel=True, **_OPTIONS)
def max_pool_scatter(gy, index, out):
    """out[p, index[p, j]] += gy[p, j] (out (P, S) uninitialised: zeroed first), each plane
    a task, its outputs in order."""
    planes, outputs = gy.shape
    for p in prange(planes):
        row = out[p]
        row[:] = 0
        for j in range(outputs):
            row[index[p, j]] += gy[p, j]


@numba.njit(inline='always')
def _window(a, b, e, kernel, stride, padding, depth, height, width):
    """The window at (a, b, e), clipped to the input: [z0, z1), [y0, y1), [x0, x1)."""
    z = a * stride[0] - padding[0]
    y = b * stride[1] - padding[1]
    x = e * stride[2] - padding[2]
    return (max(z, 0), min(z + kernel[0], depth), max(y, 0), min(y + kernel[1], height),
            max(x, 0), min(x + kernel[2], width))


@numba.njit(parallel=True, **_OPTIONS)
def avg_pool_planes(x, out, factors, kernel, stride, padding, zero):
    """out[p, a, b, e] = the sum of x[p]'s window at (a, b, e) / factors[a, b, e] (x (P, D,
    H, W), any strides; factors in x's dtype; zero: a 0 of x's dtype; the rest 3-tuples)."""
    planes, depth, height, width = x.shape
    _, n0, n1, n2 = out.shape
    for p in prange(planes):
        for a in range(n0):
            for b in range(n1):
                for e in range(n2):
                    z0, z1, y0, y1, x0, x1 = _window(a, b, e, kernel, stride, padding, depth,
                                                     height, width)
                    total = zero
                    for z in range(z0, z1):
                        for y in range(y0, y1):
                            for w in range(x0, x1):
                                total += x[p, z, y, w]
                    out[p, a, b, e] = total / factors[a, b, e]


@numba.njit(parallel=True, **_OPTIONS)
def avg_pool_scatter(gy, factors, out, kernel, stride, padding):
    """out[p] (uninitialised: zeroed first) += gy[p, a, b, e] / factors[a, b, e] over each
    window, the outputs in order (out (P, D, H, W))."""
    planes, depth, height, width = out.shape
    _, n0, n1, n2 = gy.shape
    for p in prange(planes):
        out[p] = 0
        for a in range(n0):
            for b in range(n1):
                for e in range(n2):
                    z0, z1, y0, y1, x0, x1 = _window(a, b, e, kernel, stride, padding, depth,
                                                     height, width)
                    share = gy[p, a, b, e] / factors[a, b, e]
                    for z in range(z0, z1):
                        for y in range(y0, y1):
                            for w in range(x0, x1):
                                out[p, z, y, w] += share
