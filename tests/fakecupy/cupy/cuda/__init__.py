"""cupy.cuda of the fake CuPy: devices, the runtime's queries, the compiler's error."""
import types

from .. import _N_DEVICES, _SM_COUNT, _current, _state


class CUDARuntimeError(RuntimeError):
    def __init__(self, status, message):
        self.status = status
        super().__init__(message)


def _check(device_id):
    if not 0 <= device_id < _N_DEVICES:
        raise CUDARuntimeError(101, 'cudaErrorInvalidDevice: invalid device ordinal')


class Device:
    def __init__(self, device=None):
        self.id = _current() if device is None else int(device)
        _check(self.id)

    def __enter__(self):
        _current()
        _state.stack.append(self.id)
        return self

    def __exit__(self, *exc):
        _state.stack.pop()

    def use(self):
        _current()
        _state.stack[-1] = self.id

    def synchronize(self):
        pass

    @property
    def compute_capability(self):
        return '90'

    attributes = {'L2CacheSize': 50 << 20, 'MultiProcessorCount': _SM_COUNT}

    @property
    def mem_info(self):
        return (70 << 30, 80 << 30)

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f'<CUDA Device {self.id}>'


def _device_count():
    if _N_DEVICES == 0:
        raise CUDARuntimeError(100, 'cudaErrorNoDevice: no CUDA-capable device is detected')
    return _N_DEVICES


def _properties(i):
    _check(i)
    return {'name': b'Fake GPU (microtorch tests)', 'totalGlobalMem': 80 << 30,
            'multiProcessorCount': _SM_COUNT, 'major': 9, 'minor': 0, 'warpSize': 32,
            'maxThreadsPerBlock': 1024, 'sharedMemPerBlock': 48 << 10}


def _set_device(i):
    _check(i)
    Device(i).use()


def _mem_info():
    """(free, total) bytes: 80 GiB, or the test's FAKECUPY_MEMORY_LIMIT, less what is used."""
    import cupy
    total = cupy._LIMIT or 80 << 30
    return total - cupy._used[_current()], total


runtime = types.SimpleNamespace(
    CUDARuntimeError=CUDARuntimeError,
    getDeviceCount=_device_count,
    getDevice=_current,
    setDevice=_set_device,
    getDeviceProperties=_properties,
    runtimeGetVersion=lambda: 13000,
    driverGetVersion=lambda: 13000,
    memGetInfo=lambda: _mem_info(),
    deviceSynchronize=lambda: None,
    is_hip=False,
)


class OutOfMemoryError(MemoryError):
    """CuPy's: the bytes one allocation wanted and what the pool held."""

    def __init__(self, size, total, limit=0):
        self._size, self._total, self._limit = size, total, limit
        super().__init__(f'Out of memory allocating {size:,} bytes '
                         f'(allocated so far: {total:,} bytes).')


memory = types.SimpleNamespace(OutOfMemoryError=OutOfMemoryError)
_allocator = [None]          # None: the pool's malloc (set by the package, which owns the pool)


def set_allocator(allocator=None):
    _allocator[0] = allocator


def get_allocator():
    return _allocator[0]


class CompileException(Exception):
    def __init__(self, msg, source, name, options, backend='nvrtc'):
        self._msg = msg
        super().__init__(msg)

    def get_message(self):
        return self._msg


compiler = types.SimpleNamespace(CompileException=CompileException)
nvrtc = types.SimpleNamespace(getVersion=lambda: (13, 0))


class _Stream:
    def synchronize(self):
        pass


class Event:
    """Host clock stand-in for CUDA events (the emulator runs synchronously)."""

    def __init__(self, *args, **kwargs):
        self.t = None

    def record(self, stream=None):
        import time
        self.t = time.perf_counter()

    def synchronize(self):
        pass


def get_elapsed_time(start, stop):
    return (stop.t - start.t) * 1e3


def get_current_stream(device=None):
    return _Stream()
