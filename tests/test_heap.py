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
    import os
    import subprocess
    code = ('import sys, numpy as np, microtorch as mt\n'
            'from microtorch.backends import heap\n'
            'mt.ones(8) * 2\n'
            'assert not heap._state, "tuned by a small op"\n'
            'a = mt.tensor(np.ones((1024, 1024), np.float32), requires_grad=True)\n'
            'a @ a\n'
            'print(heap._state, [m for m in sys.modules if ".numba_kernels." in m])\n')
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith('MALLOC_') or k in ('GLIBC_TUNABLES', 'MICROTORCH_NUMBA'))}
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == '[True] []'
