"""microtorch.backends.heap: once the fused kernels meet large arrays, freed blocks are reused
instead of being handed back to the kernel and faulted in again the next step."""
import sys

import numpy as np
import pytest

from microtorch.backends import heap


def _minor_faults():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason="glibc's malloc")
def test_large_temporaries_reuse_the_heap():
    if not heap.keep_large_blocks():
        pytest.skip('malloc tuned by the environment, or not glibc')
    assert heap.keep_large_blocks()                         # once a process, then remembered
    x = np.ones(1 << 22, np.float32)                        # 16 MiB arrays, as a 2^22 step's

    def step():
        y = x * 2
        z = y + x
        return float(z[-1] + (z - y)[0])
    for _ in range(3):
        step()
    before = _minor_faults()
    for _ in range(20):
        step()
    # fresh pages would be 20 steps x 3 arrays x 4,096 pages; reused blocks fault in none
    assert _minor_faults() - before < 2000


@pytest.mark.parametrize('env', [{'MICROTORCH_MALLOC_TUNING': '0'},
                                 {'MALLOC_TRIM_THRESHOLD_': '1000'},
                                 {'GLIBC_TUNABLES': 'glibc.malloc.trim_threshold=1000'}])
def test_left_alone_when_switched_off_or_tuned_by_the_user(monkeypatch, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert heap._tune() is False


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason="glibc's malloc")
def test_the_first_op_on_a_large_array_tunes_the_heap():
    # A fresh process whose matmul loads no fused kernel: its 4 MiB outputs must still not
    # fault in fresh pages every step (4.7 ms of a 28 ms matmul step untuned, measured).
    # (It loads the page-aligned allocator, Numba code too, and no kernel module.)
    code = ('import sys, numpy as np, microtorch as mt\n'
            'from microtorch.backends import heap\n'
            'mt.ones(8) * 2\n'
            'assert not heap._state, "tuned by a small op"\n'
            'a = mt.tensor(np.ones((1024, 1024), np.float32), requires_grad=True)\n'
            'a @ a\n'
            'print(heap._state, [m for m in sys.modules if ".numba_kernels." in m])\n')
    done = _fresh_process(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[True] ['microtorch.backends.numba_kernels.allocator']"


_PAGE_ALIGNED = r'''
import sys, numpy as np
from numpy._core.multiarray import get_handler_name
from microtorch.backends import heap
from microtorch.backends.numba_kernels.allocator import ALIGN_FROM
before = np.full(1 << 18, 3.0)                 # made by NumPy's own allocator
assert heap.keep_large_blocks() and get_handler_name() == 'microtorch_page_aligned'
assert get_handler_name(before) == 'default_allocator'
for nbytes in (ALIGN_FROM, 1 << 20, (1 << 20) + 8, 4 << 20, 3 * (1 << 20) + 4096):
    blocks = [np.empty(nbytes, np.uint8) for _ in range(3)]    # laid end to end untuned
    assert all(b.ctypes.data % 4096 == 0 for b in blocks), nbytes
dirty = np.full(1 << 20, 7.0); del dirty       # zeros on a reused block are still zeros
assert not np.zeros(1 << 20).any() and not np.zeros((3, 1 << 16), np.float32).any()
small = [np.arange(n, dtype=np.float64) for n in range(0, 3000, 7)]   # NumPy's own blocks
assert all(s.sum() == n * (n - 1) / 2 for s, n in zip(small, range(0, 3000, 7)))
grown = np.arange(1000.0)
grown.resize(1 << 16, refcheck=False)          # small to large and back: realloc's
assert grown[999] == 999.0 and not grown[1000:].any()
grown.resize(10, refcheck=False)
assert list(grown) == list(range(10))
del before                                     # freed by the allocator that made it
heap.set_numpy_allocator(None)
after = np.empty(1 << 20, np.uint8)
heap.set_numpy_allocator(heap.page_aligned[0])
kept = np.ones(1 << 20)                        # outlives the module globals at exit
print(get_handler_name(after), get_handler_name(kept))
'''


def _fresh_process(code, *options):
    """`code` run by a new Python (with `options`) whose environment tunes nothing itself."""
    import os
    import subprocess
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith('MALLOC_') or k in ('GLIBC_TUNABLES', 'MICROTORCH_NUMBA',
                                                    'MICROTORCH_MALLOC_TUNING'))}
    return subprocess.run([sys.executable, *options, '-c', code], env=env, capture_output=True,
                          text=True)


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason="glibc's malloc")
def test_large_arrays_start_on_a_page_once_the_heap_is_tuned():
    # Arrays laid end to end in the heap start 16 bytes apart modulo 1 MiB when their size
    # is a multiple of it, and a kernel reading one and writing the next stalls on Intel
    # cores (numba_kernels/allocator.py). -X dev: NumPy's complaints at exit would show.
    done = _fresh_process(_PAGE_ALIGNED, '-X', 'dev')
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['default_allocator', 'microtorch_page_aligned']
    assert 'Exception ignored' not in done.stderr, done.stderr


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason="glibc's malloc")
def test_another_numpy_allocator_is_left_alone():
    # A user's allocator (here NumPy's default functions under another name) stays.
    code = ('import ctypes, numpy as np\n'
            'from numpy._core.multiarray import get_handler_name\n'
            'from microtorch.backends import heap\n'
            'current = heap._numpy_api(heap._GET_HANDLER_SLOT, ctypes.py_object)()\n'
            'theirs = heap._Handler.from_buffer_copy(heap._Handler.from_address(\n'
            '    heap._capsule_pointer(current, b"mem_handler")))\n'
            'theirs.name = b"someone_elses"\n'
            'name = ctypes.c_char_p(b"mem_handler")\n'
            'heap.set_numpy_allocator(heap._capsule_new(ctypes.addressof(theirs),\n'
            '                                           name, None))\n'
            'assert heap.keep_large_blocks() and not heap.page_aligned\n'
            'print(get_handler_name(), get_handler_name(np.empty(1 << 20)))\n'
            'heap.set_numpy_allocator(None)\n')
    done = _fresh_process(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['someone_elses', 'someone_elses']
