"""CPU time the process spends in a 50 ms sleep right after a product: OpenBLAS's worker
polling. `fix` then sets OPENBLAS_THREAD_TIMEOUT=14 at run time (re-read, threads restarted).

    python poll.py [fix]
"""

import os, sys, time, ctypes, glob, numpy as np

lib = ctypes.CDLL(
    glob.glob(os.path.dirname(np.__file__) + '/../numpy.libs/libscipy_openblas64_*.so')[0]
)
a = np.random.rand(512, 512).astype(np.float32)


def polled():
    a @ a
    c0 = time.process_time()
    time.sleep(0.05)
    return (time.process_time() - c0) * 1e3


print(
    'timeout',
    lib.openblas_thread_timeout(),
    'cpu ms during 50 ms sleep after gemm: %.1f' % polled(),
)
if sys.argv[1:] == ['fix']:
    os.environ['OPENBLAS_THREAD_TIMEOUT'] = '14'
    lib.openblas_read_env()
    lib.blas_thread_shutdown_()
    print(
        'fixed: timeout',
        lib.openblas_thread_timeout(),
        'cpu ms: %.1f' % polled(),
        '%.1f' % polled(),
    )
