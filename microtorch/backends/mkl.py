"""`microtorch.backends.mkl`: whether Intel's MKL is there. microtorch's CPU products go to
NumPy's BLAS, which may or may not be MKL: this says whether it is."""
import numpy as np


def is_available():
    config = np.show_config(mode='dicts') or {}
    blas = config.get('Build Dependencies', {}).get('blas', {})
    return 'mkl' in str(blas.get('name', '')).lower()
