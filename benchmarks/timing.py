"""Timers for the benchmarks: medians of repeats after warm-up.

CPU: time.perf_counter around the call. GPU: CUDA events recorded on the stream around the
call (no host synchronisation inside the timed region), synchronised once per repeat.
Inputs come in several copies when one copy would sit in cache: `rotations()` says how many
copies keep the working set above the cache, and the timed call walks through them.
"""
import os
import statistics
import time


def cache_bytes(device):
    """The last-level cache a working set must exceed to measure memory, not cache."""
    if device == 'cuda':
        try:
            import cupy
            return int(cupy.cuda.Device().attributes.get('L2CacheSize', 50 << 20))
        except Exception:          # no CuPy or no device: a generous H100-sized default
            return 50 << 20
    total = 0
    base = '/sys/devices/system/cpu/cpu0/cache'
    try:
        for entry in os.listdir(base):
            with open(os.path.join(base, entry, 'size')) as f:
                text = f.read().strip()
            scale = {'K': 1 << 10, 'M': 1 << 20}.get(text[-1], 1)
            total = max(total, int(text.rstrip('KM')) * scale)
    except OSError:
        total = 32 << 20
    return total or (32 << 20)


def rotations(working_set_bytes, device):
    """How many copies of the inputs to cycle through so that 2x the cache is touched."""
    return max(1, min(64, -(-2 * cache_bytes(device) // max(working_set_bytes, 1))))


def median_seconds(call, device, repeats=5, warmup=2, inner=1):
    """Median wall (CPU) or event (GPU) time of call(i) for i in range(inner), per call."""
    for i in range(warmup):
        call(i)
    if device == 'cuda':
        return _median_cuda(call, repeats, inner)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(inner):
            call(i)
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def upper_median_us(call, repeats=30):
    """The upper median (the middle one, or the later of two) of `repeats` CPU timings of
    call() after one warm-up call, in microseconds: the crossover scripts' timer."""
    return _sorted_cpu_times(call, repeats, 1)[repeats // 2] * 1e6


def first_quartile_us(call, repeats=15, warmup=2):
    """The first quartile of `repeats` CPU timings of call(), in microseconds: for
    side-by-side surveys on a shared machine, where the median carries others' load."""
    return _sorted_cpu_times(call, repeats, warmup)[repeats // 4] * 1e6


def _sorted_cpu_times(call, repeats, warmup):
    """`repeats` wall times of call() in seconds, shortest first, after `warmup` calls."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return sorted(times)


def _median_cuda(call, repeats, inner):
    import cupy
    times = []
    for _ in range(repeats):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        for i in range(inner):
            call(i)
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop) / 1e3 / inner)
    return statistics.median(times)
