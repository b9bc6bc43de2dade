"""`microtorch.backends.mkl`: whether Intel's MKL is there. microtorch's CPU products go to
NumPy's BLAS, which may or may not be MKL: this says whether it is."""
import numpy as np


def is_available():
    config = np.show_config(mode='dicts') or {}
    blas = config.get('Build Dependencies', {}).get('blas', {})
    return 'mkl' in str(blas.get('name', '')).lower()


_vendor = []                    # this CPU's vendor_id, read once


def cpu_vendor():
    """The CPU's vendor ('GenuineIntel', 'AuthenticAMD', ...) from /proc/cpuinfo, or None
    where there is none to read."""
    if not _vendor:
        found = None
        try:
            with open('/proc/cpuinfo') as info:
                for line in info:
                    if line.startswith('vendor_id'):
                        found = line.split(':', 1)[1].strip()
                        break
        except OSError:
            pass
        _vendor.append(found)
    return _vendor[0]


def takes_intel_paths():
    """Does the MKL in PyTorch's CPU wheels take its Intel code paths here? They round some
    results differently from the paths it takes elsewhere (AMD's CPUs): an inner size of 1
    with a bias, say (cpu.linear_forward)."""
    return cpu_vendor() in ('GenuineIntel', None)
