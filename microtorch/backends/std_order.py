"""Which of equal values PyTorch's CPU sort, topk, kthvalue and mode pick, and in what order.

PyTorch sorts a row of (value, index) pairs with libstdc++'s `std::sort` (sort and argsort
unless stable=True; mode, after which it reports the last pair of the longest run), selects
with `std::partial_sort` (topk, k * 64 <= n) or `std::nth_element` followed by `std::sort` of
the first k - 1 (topk otherwise; not sorted when sorted=False), and kthvalue runs its own
quickselect (Sedgewick's partition, median of three). The comparators look at the values
only, so among equal values the index order comes out of the algorithms' swaps, and a stable
sort gives other indices. Where no two values tie, the results are the stable ones; the
callers in cpu.py run these functions only on the rows that hold ties.

The functions below are libstdc++'s algorithms (GCC's stl_algo.h and stl_heap.h), written for
two parallel arrays (values v, indices ix) that move together, and PyTorch's quickselect.
They are plain Python in the subset Numba compiles: `numba_kernels/std_order.py` compiles this
same code, and with the kernels off cpu.py runs it as Python on lists. Recursion is a stack:
the segments that introsort leaves are disjoint, so the order in which they are done does
not change the result. The unguarded loops keep a bound, which a comparator that orders the
values (all but mode's plain `<` with NaNs) never reaches.
"""

ASCENDING = 0            # sort, topk(largest=False): NaN last
DESCENDING = 1           # sort(descending=True), topk: NaN first
PLAIN_LESS = 2           # mode: `a < b`, NaN unordered
_THRESHOLD = 16          # introsort leaves segments this short to the insertion sort
_BLOCK = 64              # elements heap_select tests against its top at once


def _comes_before(code, a, b):
    if code == ASCENDING:
        return (a == a and b != b) or a < b
    if code == DESCENDING:
        return (a != a and b == b) or a > b
    return a < b


def _swap(v, ix, i, j):
    v[i], v[j] = v[j], v[i]
    ix[i], ix[j] = ix[j], ix[i]


def _log2(n):
    k = 0
    while n > 1:
        n >>= 1
        k += 1
    return k


def _move_median_to_first(v, ix, result, a, b, c, code):
    """The median of places a, b, c swapped into place result (libstdc++'s comparisons, in
    its order: they decide which of equal values is taken)."""
    if _comes_before(code, v[a], v[b]):
        if _comes_before(code, v[b], v[c]):
            median = b
        else:
            median = c if _comes_before(code, v[a], v[c]) else a
    elif _comes_before(code, v[a], v[c]):
        median = a
    else:
        median = c if _comes_before(code, v[b], v[c]) else b
    _swap(v, ix, result, median)


def _partition_pivot(v, ix, first, last, code):
    """Median of three moved to first, then Hoare's partition of (first, last) around it;
    returns the cut."""
    _move_median_to_first(v, ix, first, first + 1, first + (last - first) // 2, last - 1, code)
    pivot = first
    lo, hi = first + 1, last
    while True:
        while lo < last - 1 and _comes_before(code, v[lo], v[pivot]):
            lo += 1
        hi -= 1
        while hi > pivot and _comes_before(code, v[pivot], v[hi]):
            hi -= 1
        if not lo < hi:
            return lo
        _swap(v, ix, lo, hi)
        lo += 1


def _linear_insert(v, ix, i, floor, code):
    """Element i moved left past the elements it comes before (not past floor)."""
    value, index = v[i], ix[i]
    while i > floor and _comes_before(code, value, v[i - 1]):
        v[i], ix[i] = v[i - 1], ix[i - 1]
        i -= 1
    v[i], ix[i] = value, index


def _insertion_sort(v, ix, first, last, code):
    for i in range(first + 1, last):
        if _comes_before(code, v[i], v[first]):        # to the front in one move
            value, index = v[i], ix[i]
            for j in range(i, first, -1):
                v[j], ix[j] = v[j - 1], ix[j - 1]
            v[first], ix[first] = value, index
        else:
            _linear_insert(v, ix, i, first, code)


def _adjust_heap(v, ix, first, hole, length, value, index, code):
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if _comes_before(code, v[first + child], v[first + child - 1]):
            child -= 1
        v[first + hole], ix[first + hole] = v[first + child], ix[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        v[first + hole], ix[first + hole] = v[first + child - 1], ix[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2                         # push_heap: value back up from the hole
    while hole > top and _comes_before(code, v[first + parent], value):
        v[first + hole], ix[first + hole] = v[first + parent], ix[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    v[first + hole], ix[first + hole] = value, index


def _pop_heap(v, ix, first, last, result, code):
    value, index = v[result], ix[result]
    v[result], ix[result] = v[first], ix[first]
    _adjust_heap(v, ix, first, 0, last - first, value, index, code)


def _heap_select(v, ix, first, middle, last, code):
    length = middle - first
    if length >= 2:                                  # make_heap
        parent = (length - 2) // 2
        while True:
            _adjust_heap(v, ix, first, parent, length, v[first + parent], ix[first + parent],
                         code)
            if parent == 0:
                break
            parent -= 1
    for start in range(middle, last, _BLOCK):
        stop = min(start + _BLOCK, last)
        top = v[first]
        wins = False
        for i in range(start, stop):     # most blocks hold nothing that beats the heap's top
            wins |= _comes_before(code, v[i], top)
        if wins:
            for i in range(start, stop):
                if _comes_before(code, v[i], v[first]):
                    _pop_heap(v, ix, first, middle, i, code)


def _partial_sort(v, ix, first, middle, last, code):
    _heap_select(v, ix, first, middle, last, code)
    while middle - first > 1:                        # sort_heap
        middle -= 1
        _pop_heap(v, ix, first, middle, middle, code)


def sort_row(v, ix, first, last, code):
    """std::sort of (first, last): introsort, then the final insertion sort."""
    n = last - first
    if n < 2:
        return
    stack = [(first, last, 2 * _log2(n))]
    while len(stack):
        lo, hi, depth = stack.pop()
        while hi - lo > _THRESHOLD:
            if depth == 0:
                _partial_sort(v, ix, lo, hi, hi, code)      # heapsort
                break
            depth -= 1
            cut = _partition_pivot(v, ix, lo, hi, code)
            stack.append((cut, hi, depth))
            hi = cut
    if n > _THRESHOLD:
        _insertion_sort(v, ix, first, first + _THRESHOLD, code)
        for i in range(first + _THRESHOLD, last):
            _linear_insert(v, ix, i, first, code)
    else:
        _insertion_sort(v, ix, first, last, code)


def nth_element_row(v, ix, nth, n, code):
    """std::nth_element(0, nth, n): introselect."""
    if nth >= n:
        return
    first, last = 0, n
    depth = 2 * _log2(n)
    while last - first > 3:
        if depth == 0:
            _heap_select(v, ix, first, nth + 1, last, code)
            _swap(v, ix, first, nth)
            return
        depth -= 1
        cut = _partition_pivot(v, ix, first, last, code)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(v, ix, first, last, code)


def topk_row(v, ix, n, k, code, in_order):
    """PyTorch's topk_impl_loop: its first k places are topk's answer."""
    if k * 64 <= n:
        _partial_sort(v, ix, 0, k, n, code)
    else:
        nth_element_row(v, ix, k - 1, n, code)
        if in_order:
            sort_row(v, ix, 0, k - 1, code)


def _greater_or_nan(a, b):
    return (a != a and b == b) or a > b


def kth_row(v, ix, n, k):
    """PyTorch's quick_select_template: place k (from 0) holds the k-th smallest."""
    left, right = 0, n - 1
    while right > left:
        if right == left + 1:
            if _greater_or_nan(v[left], v[right]):
                _swap(v, ix, left, right)
            return
        _swap(v, ix, (left + right) >> 1, left + 1)     # median of three
        if _greater_or_nan(v[left + 1], v[right]):
            _swap(v, ix, left + 1, right)
        if _greater_or_nan(v[left], v[right]):
            _swap(v, ix, left, right)
        if _greater_or_nan(v[left + 1], v[left]):
            _swap(v, ix, left + 1, left)
        i, j = left + 1, right
        pivot = v[left]
        while True:
            i += 1
            while i < right and _greater_or_nan(pivot, v[i]):
                i += 1
            j -= 1
            while j > left and _greater_or_nan(v[j], pivot):
                j -= 1
            if j < i:
                break
            _swap(v, ix, i, j)
        _swap(v, ix, left, j)
        if j <= k:
            left = i
        if j >= k:
            right = j - 1


def mode_row(v, ix, n):
    """PyTorch's mode: std::sort by `<`, then the last index of the first longest run."""
    sort_row(v, ix, 0, n, PLAIN_LESS)
    best, longest, run = 0, 0, 0
    for i in range(n):
        run += 1
        if i == n - 1 or v[i] != v[i + 1]:
            if run > longest:
                best, longest = i, run
            run = 0
    return ix[best]
