"""`python -m microtorch`: the environment (versions, GPUs) and the op table - for every op,
which devices have its forward and its backward, and the CUDA kernels that run them.

    python -m microtorch             # report
    python -m microtorch --compile   # also compile every kernels/*.cu on every GPU (NVRTC)
"""
import argparse
import platform
import sys
import time

import numpy as np

import microtorch
from microtorch.backends import cpu as _cpu
from microtorch.backends import numba_dispatch as _numba_dispatch
from microtorch.backends import cuda_kernels as _K

# CUDA kernel -> the CPU backend's primitive of the same job, where the names differ
_CPU_NAMES = {'gather_forward': 'gather', 'gather_backward': 'scatter_add',
              'argmax_forward': 'argmax', 'argmin_forward': 'argmin',
              'compare_forward': 'compare', 'cuBLAS': 'matmul'}


def _cupy_lines():
    reason = microtorch.cuda.unavailable_reason()
    if reason is not None:
        return [f'CUDA       unavailable: {reason}']
    import cupy
    rt = cupy.cuda.runtime
    lines = [f'CuPy       {cupy.__version__}',
             f'CUDA       runtime {_version(rt.runtimeGetVersion())}, driver API '
             f'{_version(rt.driverGetVersion())}, NVRTC '
             f'{".".join(map(str, cupy.cuda.nvrtc.getVersion()))}']
    for i in range(rt.getDeviceCount()):
        props = rt.getDeviceProperties(i)
        name = props['name'].decode() if isinstance(props['name'], bytes) else props['name']
        lines.append(f'GPU {i}      {name}, {props["totalGlobalMem"] / 2**30:.1f} GiB, '
                     f'{props["multiProcessorCount"]} SMs, compute capability '
                     f'{props["major"]}.{props["minor"]}')
    return lines


def _version(v):
    return f'{v // 1000}.{(v % 1000) // 10}'


def _nvml_lines():
    """GPU names, memory and the driver version through nvidia-ml-py, when it is there."""
    try:
        import pynvml
    except ImportError:
        return ['NVML       nvidia-ml-py is not installed (it comes with the cuda12/cuda13 '
                'extras)']
    try:
        pynvml.nvmlInit()
    except Exception as error:
        return [f'NVML       no driver to ask: {error}']
    try:
        driver = pynvml.nvmlSystemGetDriverVersion()
        lines = [f'driver     {driver.decode() if isinstance(driver, bytes) else driver}']
        for i in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            name = pynvml.nvmlDeviceGetName(handle)
            mem = pynvml.nvmlDeviceGetMemoryInfo(handle)
            lines.append(f'NVML {i}     {name.decode() if isinstance(name, bytes) else name}: '
                         f'{mem.used / 2**30:.1f} of {mem.total / 2**30:.1f} GiB in use')
        return lines
    finally:
        pynvml.nvmlShutdown()


def _numba_version():
    from importlib import metadata
    try:
        return metadata.version('numba')
    except metadata.PackageNotFoundError:
        return 'not installed'


def environment():
    lines = [f'microtorch {microtorch.__version__} ({microtorch.__file__})',
             f'Python     {platform.python_version()} ({sys.executable})',
             f'NumPy      {np.__version__}',
             f'Numba      {_numba_version()}; CPU kernels {_numba_dispatch.status()}']
    lines += _cupy_lines()
    if microtorch.cuda.is_available():
        lines += _nvml_lines()
    files = _K.kernel_files()
    lines.append(f'kernels    {len(files)} files in {_K.KERNEL_DIR}: {", ".join(files)}')
    return lines


def _has_cpu(kernel):
    return kernel in _K.MARKERS or hasattr(_cpu, _CPU_NAMES.get(kernel, kernel))


def _has_cuda(kernel, sources):
    if kernel in _K.MARKERS:
        return True
    file = _K.FILE_OF.get(kernel)
    return file is not None and kernel in sources.get(file, ())


def op_table():
    """Rows (op, forward devices, backward devices, CUDA forward, CUDA backward)."""
    sources = _K.kernel_names()
    rows = []
    for op, (forward, backward) in sorted(_K.OP_KERNELS.items(), key=lambda kv: kv[0].lower()):
        def devices(kernels):
            found = [d for d, has in (('cpu', _has_cpu), ('cuda', lambda k: _has_cuda(
                k, sources))) if all(has(k) for k in kernels)]
            return ' '.join(found) or '-'
        rows.append((op, devices(forward), devices(backward), ', '.join(forward),
                     ', '.join(backward)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m microtorch', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--compile', action='store_true',
                        help='compile every kernel file on every GPU now (NVRTC) and time it')
    args = parser.parse_args(argv)
    print('\n'.join(environment()))
    if args.compile:
        _compile_all()
    rows = op_table()
    print(f'\nops: {len(rows)}; devices with a forward and a backward, and the CUDA kernels '
          '(view: no kernel; cuBLAS: cupy.matmul; copy: a CuPy copy; none: no gradient)')
    header = ('op', 'forward', 'backward', 'CUDA forward', 'CUDA backward')
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(4)]
    for r in [header] + rows:
        print('  '.join(str(c).ljust(w) for c, w in zip(r, widths)) + '  ' + r[4])
    return 0


def _compile_all():
    if not microtorch.cuda.is_available():
        print(f'--compile: CUDA is unavailable ({microtorch.cuda.unavailable_reason()})')
        return
    from microtorch.backends import cuda
    cuda.for_device('cuda')
    for i in range(cuda.device_count()):
        for file in _K.KERNELS:
            start = time.perf_counter()
            cuda._loader.compile(file, i)
            print(f'compiled   kernels/{file} on GPU {i} in '
                  f'{time.perf_counter() - start:.2f} s')


if __name__ == '__main__':
    sys.exit(main())
