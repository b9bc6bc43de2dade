"""What the A/B scripts share: the library under test, named on the command line (`torch`,
or the path of a microtorch checkout), and benchmarks/timing.py's median in milliseconds."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
from timing import median_seconds     # noqa: E402  (benchmarks/timing.py)


def load(name):
    """PyTorch with 2 threads, or microtorch from the checkout at `name`."""
    if name == 'torch':
        import torch
        torch.set_num_threads(2)
        return torch
    sys.path.insert(0, name)
    import microtorch
    return microtorch


def median_ms(f, repeats=7, warmup=2):
    return median_seconds(lambda i: f(), 'cpu', repeats=repeats, warmup=warmup) * 1e3
