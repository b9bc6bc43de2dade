"""topk's selection for a few of many (k small against the row): one parallel pass that keeps
each row's best k in a small sorted buffer, as the stable sort would order them (ties keep
their original order; NaN the largest value; descending takes cpu._sort_key's order, where NaN
and +inf tie).

Most elements lose to the buffer's worst: a block of them is tested first in a loop LLVM
vectorises, and only a block holding a winner is walked one element at a time.
"""
import numba
import numpy as np
from numba import prange

_OPTIONS = dict(cache=True, error_model='numpy')
_BLOCK = 64


@numba.njit(inline='always')
def _key(v, largest):
    """What the ascending order compares (cpu._sort_key): -v descending, NaN then as -inf."""
    if largest:
        return -np.inf if v != v else -v
    return v


@numba.njit(inline='always')
def _before(a, b):
    """Key a strictly before key b, a NaN key last."""
    return a < b or (b != b and a == a)


@numba.njit(parallel=True, **_OPTIONS)
def top_rows(x, k, largest, out):
    """out[r] = the indices of row r's best k keys of x (2-D), best first."""
    rows, n = x.shape
    for r in prange(rows):
        row = x[r]
        keys = np.empty(k, x.dtype)
        taken = out[r]
        count = 0
        for start in range(0, n, _BLOCK):
            stop = min(n, start + _BLOCK)
            if count == k:
                worst = keys[k - 1]
                wins = False
                for j in range(start, stop):       # the common case: nothing beats it
                    wins |= _before(_key(row[j], largest), worst)
                if not wins:
                    continue
            for j in range(start, stop):
                v = _key(row[j], largest)
                if count < k:
                    p = count
                    count += 1
                elif _before(v, keys[k - 1]):
                    p = k - 1
                else:
                    continue
                while p > 0 and _before(v, keys[p - 1]):   # after equal keys: stable
                    keys[p] = keys[p - 1]
                    taken[p] = taken[p - 1]
                    p -= 1
                keys[p] = v
                taken[p] = j
